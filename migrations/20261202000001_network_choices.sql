-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- Someone who steers several networks typed a command about one of them in their private chat;
-- the bot asked which (a numbered list) and keeps the command here until they answer with a
-- number, ask something else, or an hour has passed. One open question per person.
CREATE TABLE network_choices (
    user_id TEXT PRIMARY KEY,
    command TEXT NOT NULL,
    -- The networks in the order they were listed, one id per line.
    network_ids TEXT NOT NULL,
    asked_at BIGINT NOT NULL
);
