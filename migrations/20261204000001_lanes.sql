-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- Lanes: a bot answers the inbox entries of one room in order, and different rooms in
-- parallel. Whoever answers a lane holds its lease; a second process (a restart overlapping the
-- old one, later a shard) takes a lane only once its lease has run out, so no two processes
-- ever answer one room's entries at the same time. The holder is the bot's device: one device
-- is one crypto store, which only one process can open (the state folder is locked), so a lease
-- held by this device belongs to this process or to a predecessor that has died.
CREATE TABLE lanes (
    bot TEXT NOT NULL,
    lane TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_until BIGINT NOT NULL,
    PRIMARY KEY (bot, lane)
);

-- The worker asks which rooms have entries waiting.
CREATE INDEX inbox_pending_by_room ON inbox (bot, state, room_id, origin_ts);
