-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- The cross-signing identity (master key, public) Kring saw first for each person who steers a
-- network (kring_core::trust::judge_identity). When another one shows up, their steering is
-- paused until the region's administrator has checked who they are (`kring user
-- confirm-identity`), which makes the changed key the pinned one.
CREATE TABLE pinned_identities (
    user_id TEXT PRIMARY KEY,
    master_key TEXT NOT NULL,
    pinned_at BIGINT NOT NULL,
    changed_master_key TEXT,
    changed_at BIGINT,
    -- Set by the administrator's confirmation; the bot announces it once (announced_at).
    confirmed_at BIGINT,
    announced_at BIGINT
);
