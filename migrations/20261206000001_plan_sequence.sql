-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- How many times the state that plans are made from has been written. A planner reads it
-- before it reads anything else, and its plan is written only while it is unchanged: two
-- processes on one database (a restart overlapping the old process, or shards) that plan side
-- by side cannot both write a plan made from the same state (two proposals numbered 3, a member
-- added to a network that was just closed). The one that finds it changed plans again.
CREATE TABLE plan_sequence (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL
);

INSERT INTO plan_sequence (id, seq) VALUES (1, 0);
