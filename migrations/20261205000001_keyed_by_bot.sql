-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- Inbox and outbox rows are keyed by bot account as well as by event: two bot accounts in one
-- room (shards, or a bot moved to another account) each see the same event, and each must
-- answer it in its own inbox, where the event id alone let the second one's copy be taken for
-- a replay and dropped. SQLite cannot change a primary key in place, so both tables are built
-- again with the same rows (the same SQL on PostgreSQL).

CREATE TABLE inbox_by_bot (
    bot TEXT NOT NULL,
    event_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    encrypted_event TEXT,
    origin_ts BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    reply_event_id TEXT,
    answered_at BIGINT,
    planned_at BIGINT,
    PRIMARY KEY (bot, event_id)
);

INSERT INTO inbox_by_bot (bot, event_id, room_id, sender, kind, body, encrypted_event,
    origin_ts, received_at, state, attempts, reply_event_id, answered_at, planned_at)
SELECT bot, event_id, room_id, sender, kind, body, encrypted_event,
    origin_ts, received_at, state, attempts, reply_event_id, answered_at, planned_at
FROM inbox;

DROP TABLE inbox;
ALTER TABLE inbox_by_bot RENAME TO inbox;
CREATE INDEX inbox_by_state ON inbox (bot, state, origin_ts);
CREATE INDEX inbox_pending_by_room ON inbox (bot, state, room_id, origin_ts);

CREATE TABLE outbox_by_bot (
    bot TEXT NOT NULL,
    cause_event_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    effect TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    result TEXT,
    PRIMARY KEY (bot, cause_event_id, seq)
);

INSERT INTO outbox_by_bot (bot, cause_event_id, seq, effect, state, attempts, result)
SELECT bot, cause_event_id, seq, effect, state, attempts, result FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_by_bot RENAME TO outbox;
