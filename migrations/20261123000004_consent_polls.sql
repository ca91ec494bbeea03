-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- Consent polls the bot sent (kring_core::consent_poll): what each answer stands for, as JSON,
-- so that a vote, which only names an answer id, can be understood. A poll is closed once
-- answered; votes on a closed poll change nothing.
CREATE TABLE consent_polls (
    poll_event_id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES networks (network_id),
    room_id TEXT NOT NULL,
    poll TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    closed_at BIGINT
);
