-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- Where a consult lives in Matrix: the requester's private chat (how it goes is told there),
-- the consult room, and the bot's polls (the client's consent, the consultant's accept or
-- decline, the requester's tap that shares the gist). Set by the effects that make them, so
-- a restart finds them instead of making them twice.
ALTER TABLE consults ADD COLUMN requester_room_id TEXT NOT NULL DEFAULT '';
ALTER TABLE consults ADD COLUMN room_id TEXT;
ALTER TABLE consults ADD COLUMN consent_poll_event_id TEXT;
ALTER TABLE consults ADD COLUMN decision_poll_event_id TEXT;
ALTER TABLE consults ADD COLUMN share_poll_event_id TEXT;
-- The requester's summary for the network (the client reads it once shared).
ALTER TABLE consults ADD COLUMN gist TEXT;
-- Who asked and who answers, as the network knew them when it was asked (nothing for a
-- consultant from outside it): for payment and the region's figures.
ALTER TABLE consults ADD COLUMN requester_organisation TEXT;
ALTER TABLE consults ADD COLUMN requester_discipline TEXT;
ALTER TABLE consults ADD COLUMN consultant_organisation TEXT;
ALTER TABLE consults ADD COLUMN consultant_discipline TEXT;
-- When the consultant first joined the consult room, where the request is (opened it).
ALTER TABLE consults ADD COLUMN opened_at BIGINT;
-- When the retention policy closed the consult room (read-only from then on, nothing deleted).
ALTER TABLE consults ADD COLUMN archived_at BIGINT;

CREATE INDEX consults_room ON consults (room_id);
-- A vote is matched to its consult by the poll's event id.
CREATE INDEX consults_consent_poll ON consults (consent_poll_event_id);
CREATE INDEX consults_decision_poll ON consults (decision_poll_event_id);
CREATE INDEX consults_share_poll ON consults (share_poll_event_id);

-- A request being typed, one question at a time, in the requester's private chat: one per
-- requester. The answers are the client's data, like the consult's own, and go when the form
-- is sent or stopped.
CREATE TABLE consult_forms (
    requester TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES networks (network_id),
    consultant TEXT NOT NULL,
    room_id TEXT NOT NULL,
    -- kring_core::consult::FormStep's codes.
    step TEXT NOT NULL,
    question TEXT,
    summary TEXT,
    medication TEXT,
    urgency TEXT,
    updated_at BIGINT NOT NULL
);
