-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- Resource-group meetings (kring_core::meeting). A meeting has its own encrypted room for the
-- client and the invitees; its candidate moments are polls the bot owns there. The place is
-- what the client chose to tell the invitees; nothing else here is anyone's words.
CREATE TABLE meetings (
    meeting_id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES networks (network_id),
    planned_by TEXT NOT NULL,
    room_id TEXT,
    place TEXT,
    -- 'planning', 'agreed' or 'cancelled'.
    state TEXT NOT NULL,
    -- The chosen candidate's number (0-based), once agreed.
    chosen BIGINT,
    -- The calendar file's SEQUENCE.
    sequence BIGINT NOT NULL,
    answer_by BIGINT NOT NULL,
    -- When the client was asked to choose (with a poll of the moments), and that poll.
    choice_asked_at BIGINT,
    choice_poll_event_id TEXT,
    -- When the bot ended the candidates' polls, and the choice's: each is ended once.
    candidate_polls_ended_at BIGINT,
    choice_poll_ended_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX meetings_network ON meetings (network_id, created_at);
CREATE UNIQUE INDEX meetings_room ON meetings (room_id);
CREATE UNIQUE INDEX meetings_choice_poll ON meetings (choice_poll_event_id);

CREATE TABLE meeting_invitees (
    meeting_id TEXT NOT NULL REFERENCES meetings (meeting_id),
    user_id TEXT NOT NULL,
    -- The order the client chose them in.
    position BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

CREATE TABLE meeting_candidates (
    meeting_id TEXT NOT NULL REFERENCES meetings (meeting_id),
    number BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    minutes BIGINT NOT NULL,
    poll_event_id TEXT,
    PRIMARY KEY (meeting_id, number)
);

CREATE UNIQUE INDEX meeting_candidates_poll ON meeting_candidates (poll_event_id);

-- Each voter's latest answer per candidate: 'yes', 'maybe' or 'no'.
CREATE TABLE meeting_votes (
    meeting_id TEXT NOT NULL REFERENCES meetings (meeting_id),
    number BIGINT NOT NULL,
    voter TEXT NOT NULL,
    answer TEXT NOT NULL,
    voted_at BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, number, voter)
);

-- The client asked whether to plan a meeting: a member proposed one, or the region's recurrence
-- says it is time. The poll is in the network room; only the client's answer counts.
CREATE TABLE meeting_proposals (
    proposal_id TEXT PRIMARY KEY,
    network_id TEXT NOT NULL REFERENCES networks (network_id),
    proposed_by TEXT NOT NULL,
    poll_event_id TEXT,
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);

CREATE UNIQUE INDEX meeting_proposals_poll ON meeting_proposals (poll_event_id);
CREATE INDEX meeting_proposals_network ON meeting_proposals (network_id, decided_at);

-- The plan made at a meeting: who does what by when. The text is what the client wrote for the
-- invitees; it is shown in the meeting's room and to the person responsible only.
CREATE TABLE meeting_actions (
    meeting_id TEXT NOT NULL REFERENCES meetings (meeting_id),
    number BIGINT NOT NULL,
    responsible TEXT NOT NULL,
    action_text TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    done_at BIGINT,
    PRIMARY KEY (meeting_id, number)
);

CREATE INDEX meeting_actions_responsible ON meeting_actions (responsible, done_at);
