-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- The durable scheduler (kring_core::plan::Timer): what a capability asked to happen at a
-- time. A due timer becomes an inbox entry and is marked fired in one transaction, so it fires
-- once however the process stops. Payloads hold ids, never what anyone wrote.
CREATE TABLE timers (
    capability TEXT NOT NULL,
    timer_key TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    room_id TEXT,
    payload TEXT NOT NULL,
    -- 'scheduled', 'fired' or 'cancelled'.
    state TEXT NOT NULL,
    -- The inbox entry that planned it.
    scheduled_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    fired_at BIGINT,
    PRIMARY KEY (capability, timer_key)
);

CREATE INDEX timers_due ON timers (state, due_at);

-- Consent with an end date was found by a sweep until now; the grants still to end get their
-- timer here.
INSERT INTO timers (capability, timer_key, due_at, room_id, payload, state, scheduled_by, updated_at)
SELECT 'consent', g.grant_id, g.ends_at, n.room_id,
       '{"network_id":"' || g.network_id || '","grant_id":"' || g.grant_id
         || '","user":"' || g.subject || '","kind":"' || g.kind || '"}',
       'scheduled', 'migration', g.given_at
FROM consent_grants g
JOIN networks n ON n.network_id = g.network_id
WHERE g.subject_kind = 'member' AND g.kind IN ('chat_membership', 'past_history')
  AND g.revoked_at IS NULL AND g.ends_at IS NOT NULL;
