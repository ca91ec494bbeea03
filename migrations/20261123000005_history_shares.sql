-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- Earlier messages of a network room shared with one member because the client gave them
-- "history" consent (kring_core::consent::InfoKind::PastHistory). Matrix cannot show one member
-- what was said before they joined without showing everyone, so the bot shares copies in a room
-- of their own and redacts them when the consent ends. Each row is one sent copy.
CREATE TABLE history_rooms (
    network_id TEXT NOT NULL REFERENCES networks (network_id),
    user_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    PRIMARY KEY (network_id, user_id)
);

CREATE TABLE history_shares (
    event_id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES networks (network_id),
    user_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    shared_at BIGINT NOT NULL,
    withdrawn_at BIGINT
);

CREATE INDEX history_shares_by_member ON history_shares (network_id, user_id);
