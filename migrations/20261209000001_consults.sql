-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- Meedenkconsults (kring_core::consult): a professional of the network asks another for advice
-- about the client. The question, summary and medication are the client's data: shown in the
-- consult room only. What the region counts (who asked whom, when, the deadline, the outcome,
-- the time spent) is kept beside them.
CREATE TABLE consults (
    consult_id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES networks (network_id),
    requester TEXT NOT NULL,
    consultant TEXT NOT NULL,
    question TEXT NOT NULL,
    summary TEXT NOT NULL,
    medication TEXT,
    -- 'normal' or 'soon'.
    urgency TEXT NOT NULL,
    -- kring_core::consult::ConsultState's codes.
    state TEXT NOT NULL,
    working_days BIGINT NOT NULL,
    asked_at BIGINT NOT NULL,
    sent_at BIGINT,
    due_at BIGINT,
    accepted_at BIGINT,
    answered_at BIGINT,
    closed_at BIGINT,
    -- 'advice' or 'referral_advised', once answered.
    outcome TEXT,
    decline_reason TEXT,
    minutes_spent BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE INDEX consults_network ON consults (network_id, asked_at);
CREATE INDEX consults_open ON consults (state, due_at);
