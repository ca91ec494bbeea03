-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- One care network per client (DESIGN.md, "Roles and rules"). The room id is filled in once
-- the bot has created the room; the client's id is the only personal datum here.
CREATE TABLE networks (
    network_id TEXT PRIMARY KEY,
    room_id TEXT UNIQUE,
    client_user_id TEXT NOT NULL,
    started_by TEXT NOT NULL,
    -- 'awaiting_client', 'active' or 'closed'.
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- A client has at most one open network: starting twice is refused, also under a race.
CREATE UNIQUE INDEX networks_one_open_per_client ON networks (client_user_id) WHERE state <> 'closed';

CREATE TABLE network_members (
    network_id TEXT NOT NULL REFERENCES networks (network_id),
    user_id TEXT NOT NULL,
    -- kring_core::Role code; professionals also have organisation and discipline.
    role TEXT NOT NULL,
    organisation TEXT,
    discipline TEXT,
    -- 'invited', 'joined', 'left' or 'removed'.
    membership TEXT NOT NULL,
    since BIGINT NOT NULL,
    added_by TEXT NOT NULL,
    PRIMARY KEY (network_id, user_id)
);

-- Proposals by members, and removals waiting for the client's confirmation.
CREATE TABLE proposals (
    network_id TEXT NOT NULL REFERENCES networks (network_id),
    number BIGINT NOT NULL,
    -- kring_core::network::ProposalKind as JSON.
    kind TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    -- 'open', 'approved' or 'refused'.
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- The bot's prompt; a ✅ or ❌ reaction on it decides.
    prompt_event_id TEXT UNIQUE,
    decided_by TEXT,
    decided_at BIGINT,
    PRIMARY KEY (network_id, number)
);

-- Invite links. Only a hash of the secret in the link is kept, so a copy of the database
-- cannot be turned into working links.
CREATE TABLE invite_links (
    link_id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES networks (network_id),
    secret_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    organisation TEXT,
    discipline TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    -- 'open', 'used' or 'revoked'.
    state TEXT NOT NULL,
    -- The single-use Synapse registration token behind this link, made on first use.
    registration_token TEXT,
    -- The user name being registered right now; lets a crash between registering and
    -- recording be recognised.
    claimed_username TEXT,
    used_by TEXT,
    used_at BIGINT
);

-- The audit log (NEN 7513 fields): who did what to which network, on whose behalf, about what,
-- with what outcome, when. Written in the same transaction as the change itself. Append-only and
-- tamper-evident: each entry's hash covers its fields and the previous entry's hash
-- (kring_core::audit); `kring audit verify` walks the chain.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    network_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    actor TEXT NOT NULL,
    on_behalf_of TEXT,
    object TEXT,
    outcome TEXT NOT NULL,
    cause_event_id TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE INDEX audit_log_by_network ON audit_log (network_id, seq);

-- What a bot still has to do in Matrix because of an inbox entry: written together with the
-- state change that needs it, carried out in order, each step idempotent (DESIGN.md, flow 1).
CREATE TABLE outbox (
    cause_event_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    bot TEXT NOT NULL,
    -- kring_core::effect::Effect as JSON; emptied once done.
    effect TEXT NOT NULL,
    -- 'pending' or 'done'.
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    result TEXT,
    PRIMARY KEY (cause_event_id, seq)
);

-- Set once the entry's decision and its outbox rows are stored; a replay after a crash then
-- only finishes the outbox instead of deciding again.
ALTER TABLE inbox ADD COLUMN planned_at BIGINT;
