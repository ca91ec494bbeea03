-- Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- Whom the client appointed to write down a meeting's plan, beside whoever steers the network.
ALTER TABLE meetings ADD COLUMN recorder TEXT;

-- The poll that reminded the person responsible for an action, so that one tap on it marks the
-- action done.
ALTER TABLE meeting_actions ADD COLUMN poll_event_id TEXT;
CREATE UNIQUE INDEX meeting_actions_poll ON meeting_actions (poll_event_id);

-- The goals of the plan made at a meeting, in the client's words. Like the actions, they are
-- shown in the meeting's room and to its invitees only.
CREATE TABLE meeting_goals (
    meeting_id TEXT NOT NULL REFERENCES meetings (meeting_id),
    number BIGINT NOT NULL,
    goal_text TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, number)
);

-- A network's own rhythm of meetings, as the client set it (a recurrence rule or a cron
-- expression, checked when it was set); without a row, the region's schedule counts.
CREATE TABLE meeting_rhythms (
    network_id TEXT PRIMARY KEY REFERENCES networks (network_id),
    rhythm TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL
);

-- Choosing whom to invite, one tap per person in the private chat of whoever plans: the poll per
-- person, and the poll that sends the invitations.
ALTER TABLE meetings ADD COLUMN start_poll_event_id TEXT;
-- The private chat the choosing happens in: only taps from there count.
ALTER TABLE meetings ADD COLUMN choosing_room_id TEXT;
CREATE UNIQUE INDEX meetings_start_poll ON meetings (start_poll_event_id);
CREATE TABLE meeting_invitee_polls (
    meeting_id TEXT NOT NULL REFERENCES meetings (meeting_id),
    user_id TEXT NOT NULL,
    poll_event_id TEXT NOT NULL,
    -- 1 when its "invite" answer also gives "afspraken" consent (the person had none when asked).
    gives_consent BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE UNIQUE INDEX meeting_invitee_polls_poll ON meeting_invitee_polls (poll_event_id);
