-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- Every event a bot must act on, written before it is acted on (DESIGN.md, flow 1).
-- The event id is the key, so seeing an event twice (sync replays, backfill) stores it once.
CREATE TABLE inbox (
    event_id TEXT PRIMARY KEY,
    bot TEXT NOT NULL,
    room_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    -- 'command' (a member's message) or 'greeting' (the bot joined a direct chat).
    kind TEXT NOT NULL,
    -- The decrypted text while it waits; emptied once answered, so no chat text is kept.
    body TEXT NOT NULL,
    -- The encrypted event while its room key has not arrived yet; NULL otherwise.
    encrypted_event TEXT,
    origin_ts BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    -- 'awaiting_key', 'pending' or 'answered'.
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    reply_event_id TEXT,
    answered_at BIGINT
);

CREATE INDEX inbox_by_state ON inbox (bot, state, origin_ts);

-- The sync position a bot has fully written into its inbox; restarts resume from here, so
-- nothing between a crash and the last stored position is skipped.
CREATE TABLE sync_position (
    bot TEXT PRIMARY KEY,
    next_batch TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The language a member asked to be answered in (`!taal`). No row means Dutch.
CREATE TABLE member_language (
    user_id TEXT PRIMARY KEY,
    language TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
