-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- Consent the client gave (kring_core::consent): per member or organisation, per kind of
-- information, optionally until a date. Withdrawn grants stay, with the time of withdrawal, so
-- the history of what was shared when is never lost.
CREATE TABLE consent_grants (
    grant_id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES networks (network_id),
    -- 'member' (subject is a user id) or 'organisation' (subject is its name).
    subject_kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    given_by TEXT NOT NULL,
    on_behalf_of TEXT,
    given_at BIGINT NOT NULL,
    ends_at BIGINT,
    revoked_at BIGINT,
    revoked_by TEXT
);

CREATE INDEX consent_grants_by_network ON consent_grants (network_id, subject_kind, subject);
