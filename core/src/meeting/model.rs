//! A meeting as Kring keeps it, and what planning one changes and does. The changes and effects
//! plug into the runtime's plan as one variant each (`Change::Meeting`, `Effect::Meeting`), so
//! the runtime stays ignorant of what a meeting is.

use super::ics::IcsMethod;
use super::moment::Moment;
use super::rules::Answer;
use crate::matrix_id::MatrixId;
use crate::messages::{BotReply, PollText};
use crate::network::{Millis, NetworkId};
use ruma_common::{OwnedEventId, OwnedRoomId};
use serde::{Deserialize, Serialize};

/// The capability's name, for its timers.
pub const TIMERS: &str = "meeting";

crate::kring_id!(
    MeetingId,
    "Kring's own random name for a meeting (`mtg-…`), with a network id's rules."
);

/// Where a meeting is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MeetingState {
    /// The client is choosing whom to invite, one tap per person in the private chat; nobody
    /// else knows of it yet, and it has no room.
    Choosing,
    /// The invitees are answering the candidate moments.
    Planning,
    /// The client chose a moment; the invitees have the calendar file.
    Agreed,
    Cancelled,
}

impl MeetingState {
    pub fn code(self) -> &'static str {
        match self {
            Self::Choosing => "choosing",
            Self::Planning => "planning",
            Self::Agreed => "agreed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Choosing,
            Self::Planning,
            Self::Agreed,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|state| state.code() == code)
    }
}

/// One candidate moment and the poll that asks about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub moment: Moment,
    pub poll_event_id: Option<OwnedEventId>,
}

/// One action of the plan made at a meeting: who does what, by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanAction {
    /// From 1, in the order recorded.
    pub number: usize,
    pub responsible: MatrixId,
    pub text: String,
    /// 09:00 Amsterdam time on the day it is due.
    pub due_at: Millis,
    pub done: bool,
    /// The poll that reminded the person responsible, once sent.
    pub poll_event_id: Option<OwnedEventId>,
}

/// A goal the client set at a meeting: what the network works towards, in the client's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanGoal {
    /// From 1, in the order recorded.
    pub number: usize,
    pub text: String,
}

/// A meeting as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    pub id: MeetingId,
    pub network_id: NetworkId,
    pub planned_by: MatrixId,
    /// The meeting's own room, once made.
    pub room_id: Option<OwnedRoomId>,
    /// What the client told the invitees: an address or a video link.
    pub place: Option<String>,
    pub state: MeetingState,
    /// In the order offered; numbered from 1 in the chat.
    pub candidates: Vec<Candidate>,
    /// Index into `candidates`, once agreed.
    pub chosen: Option<usize>,
    /// The calendar file's SEQUENCE: raised with every change after the first request.
    pub sequence: u32,
    /// Who is invited, the client not included (the client chairs and is always there).
    pub invitees: Vec<MatrixId>,
    /// When date finding closes by itself.
    pub answer_by: Millis,
    /// The client has been asked to choose, with a poll of the moments (once sent).
    pub choice_asked: bool,
    pub choice_poll_event_id: Option<OwnedEventId>,
    /// The bot ended the candidates' polls (at the deadline, or when the client chose).
    pub candidate_polls_ended: bool,
    pub choice_poll_ended: bool,
    /// While choosing: the poll with which the client sends the invitations.
    pub start_poll_event_id: Option<OwnedEventId>,
    /// The private chat of whoever chooses, where the choosing polls are.
    pub choosing_room_id: Option<OwnedRoomId>,
    /// The plan made at it: the goals and the actions, in order.
    pub goals: Vec<PlanGoal>,
    pub actions: Vec<PlanAction>,
    /// Whom the client appointed to record the plan of this meeting, beside whoever steers.
    pub recorder: Option<MatrixId>,
    pub created_at: Millis,
}

impl Meeting {
    pub fn chosen_moment(&self) -> Option<Moment> {
        self.chosen
            .and_then(|index| self.candidates.get(index))
            .map(|candidate| candidate.moment)
    }

    /// Still ahead at `now`: being planned, or agreed and not over. A network has at most one
    /// such meeting, so "the meeting" in a command is never ambiguous.
    pub fn is_ahead(&self, now: Millis) -> bool {
        match self.state {
            // Date finding with every moment passed has nothing left to choose.
            MeetingState::Choosing | MeetingState::Planning => self
                .candidates
                .iter()
                .any(|candidate| candidate.moment.starts_at > now),
            MeetingState::Agreed => self
                .chosen_moment()
                .is_some_and(|moment| moment.ends_at() > now),
            MeetingState::Cancelled => false,
        }
    }

    /// The calendar's UID: stable for the meeting's life and naming nobody.
    pub fn calendar_uid(&self, server_name: &str) -> String {
        format!("{}@{server_name}", self.id)
    }
}

/// What the audit log records about meetings (`meeting.plan`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeetingAction {
    /// A member asked the client to plan one.
    Propose,
    Plan,
    Agree,
    Move,
    Cancel,
    /// An action of the plan recorded, and one marked done.
    ActionAdd,
    ActionDone,
    /// A goal of the plan recorded.
    GoalAdd,
    /// The client appointed someone to record the plan.
    AppointRecorder,
    /// The client set the network's rhythm of meetings (or went back to the region's).
    SetRhythm,
    /// The client chose (with one tap) to invite someone, or not to.
    Invite,
    /// An invitee (or the client) answered a moment's poll.
    Vote,
}

impl MeetingAction {
    pub const ALL: [Self; 12] = [
        Self::Propose,
        Self::Plan,
        Self::Agree,
        Self::Move,
        Self::Cancel,
        Self::ActionAdd,
        Self::ActionDone,
        Self::GoalAdd,
        Self::AppointRecorder,
        Self::SetRhythm,
        Self::Invite,
        Self::Vote,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::GoalAdd => "goal_add",
            Self::AppointRecorder => "appoint_recorder",
            Self::SetRhythm => "rhythm",
            Self::Invite => "invite",
            Self::Vote => "vote",
            Self::ActionAdd => "action_add",
            Self::ActionDone => "action_done",
            Self::Propose => "propose",
            Self::Plan => "plan",
            Self::Agree => "agree",
            Self::Move => "move",
            Self::Cancel => "cancel",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.code() == code)
    }
}

/// What planning a meeting changes in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingChange {
    Plan {
        meeting_id: MeetingId,
        network_id: NetworkId,
        planned_by: MatrixId,
        /// `Choosing` while the client still picks whom to invite, else `Planning`.
        state: MeetingState,
        /// While choosing: the private chat where it happens.
        choosing_room_id: Option<OwnedRoomId>,
        invitees: Vec<MatrixId>,
        candidates: Vec<Moment>,
        place: Option<String>,
        answer_by: Millis,
        at: Millis,
    },
    /// One answer to one candidate; a later one from the same voter replaces it.
    Vote {
        meeting_id: MeetingId,
        candidate: usize,
        voter: MatrixId,
        answer: Answer,
        at: Millis,
    },
    /// The client is asked to choose (once: everyone answered, or the time to answer is over).
    AskChoice { meeting_id: MeetingId, at: Millis },
    /// The client chose candidate `candidate`.
    Agree {
        meeting_id: MeetingId,
        candidate: usize,
        at: Millis,
    },
    /// The agreed meeting moves to `moment`, kept as candidate `number` (after the others) and
    /// chosen; the calendar's SEQUENCE goes up by one.
    Move {
        meeting_id: MeetingId,
        number: usize,
        moment: Moment,
        at: Millis,
    },
    /// An action of the meeting's plan.
    AddAction {
        meeting_id: MeetingId,
        number: usize,
        responsible: MatrixId,
        text: String,
        due_at: Millis,
        by: MatrixId,
        at: Millis,
    },
    ActionDone {
        meeting_id: MeetingId,
        number: usize,
        at: Millis,
    },
    /// A goal of the meeting's plan.
    AddGoal {
        meeting_id: MeetingId,
        number: usize,
        text: String,
        by: MatrixId,
        at: Millis,
    },
    /// `recorder` records the plan of this meeting, beside whoever steers.
    AppointRecorder {
        meeting_id: MeetingId,
        recorder: MatrixId,
        at: Millis,
    },
    /// The network's own rhythm of meetings (as the client typed it, checked), or `None` for
    /// the region's.
    SetRhythm {
        network_id: NetworkId,
        rhythm: Option<String>,
        by: MatrixId,
        at: Millis,
    },
    /// The client chose to invite `user` (while choosing).
    AddInvitee {
        meeting_id: MeetingId,
        user: MatrixId,
    },
    /// The start poll was tapped but could not start (nobody chosen yet): a new one is asked,
    /// since a single-choice poll cannot be tapped on the same answer twice.
    StartPollSpent { meeting_id: MeetingId },
    /// The client sent the invitations: date finding begins, to close at `answer_by`.
    StartDateFinding {
        meeting_id: MeetingId,
        answer_by: Millis,
        at: Millis,
    },
    /// No longer invited: their consent ended, or they left the network.
    RemoveInvitee {
        meeting_id: MeetingId,
        user: MatrixId,
    },
    /// The client is asked whether to plan a meeting: a member proposed one, or it is time for
    /// the next (the region's recurrence). At most one such question stands per network.
    Propose {
        proposal_id: MeetingId,
        network_id: NetworkId,
        /// The member who asked, or the bot for the recurrence.
        proposed_by: MatrixId,
        at: Millis,
    },
    /// The client answered the question (either way): later votes on it change nothing.
    DecideProposal { proposal_id: MeetingId, at: Millis },
    /// Called off; the calendar's SEQUENCE goes up by one for the cancellation.
    Cancel { meeting_id: MeetingId, at: Millis },
}

/// What planning a meeting does in Matrix. Each is safe to repeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "meeting", rename_all = "snake_case")]
pub enum MeetingEffect {
    /// Makes the meeting's encrypted, invite-only room (unless it exists), invites the client
    /// and the invitees, and records the room.
    OpenRoom { meeting_id: MeetingId },
    /// Asks about one candidate with a poll the bot owns, in the meeting's room, and records the
    /// poll so that votes on it are understood.
    SendCandidatePoll {
        meeting_id: MeetingId,
        candidate: usize,
        text: PollText,
    },
    /// The day before action `number` is due: asks, with a poll in the meeting's room, whether
    /// it is done (once per action), and records the poll so that a tap on it is understood.
    SendActionPoll {
        meeting_id: MeetingId,
        number: usize,
        text: PollText,
    },
    /// While choosing: asks the client, in `to` (their private chat), with one poll, whether to
    /// invite `user`; records the poll so that a tap on it is understood.
    SendInviteePoll {
        meeting_id: MeetingId,
        user: MatrixId,
        to: crate::plan::Target,
        text: PollText,
        /// Its "invite" answer says it gives "afspraken" consent too, and a tap on it does.
        gives_consent: bool,
    },
    /// While choosing: the poll with which the client sends the invitations (or calls it off),
    /// in `to`; recorded like the others.
    SendStartPoll {
        meeting_id: MeetingId,
        to: crate::plan::Target,
        text: PollText,
    },
    /// Action `number` is done: its reminder poll, if one was sent, is ended (once).
    EndActionPoll {
        meeting_id: MeetingId,
        number: usize,
        text: String,
    },
    /// Asks the client to choose one of the moments with one tap: a poll in the meeting's
    /// room whose answers are the moments; only the client's (or representative's) vote counts.
    SendChoicePoll {
        meeting_id: MeetingId,
        text: PollText,
    },
    /// Asks the client in the network room, with a poll, whether to plan a meeting (no details
    /// in it: there are none yet), and records the poll so that the client's vote is understood.
    SendProposalPoll {
        proposal_id: MeetingId,
        network_id: NetworkId,
        text: PollText,
    },
    /// Ends every poll of the meeting that is still open (the candidates' and the choice's):
    /// nobody votes on them again.
    EndPolls { meeting_id: MeetingId, text: String },
    /// Takes someone out of the meeting's room (and waits until the bot's view shows it, so
    /// the next message is not encrypted for them).
    Remove {
        meeting_id: MeetingId,
        user: MatrixId,
    },
    /// A notice in the meeting's room; with `only_while_planning`, nothing once the moment is
    /// chosen or the meeting is off (a welcome that would come after "Afgezegd").
    Say {
        meeting_id: MeetingId,
        reply: BotReply,
        #[serde(default)]
        only_while_planning: bool,
    },
    /// The calendar file (`.ics`), as an encrypted attachment in the meeting's room.
    SendCalendar {
        meeting_id: MeetingId,
        method: IcsMethod,
        file_name: String,
        ics: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_ids_follow_the_network_id_rules() {
        assert!(MeetingId::parse("mtg-a1B2_c3").is_ok());
        assert!(MeetingId::parse("").is_err());
        assert!(MeetingId::parse("mtg a").is_err());
        assert!(MeetingId::parse("@anna:kring.test").is_err());
    }

    #[test]
    fn states_round_trip_through_their_codes() {
        for state in [
            MeetingState::Choosing,
            MeetingState::Planning,
            MeetingState::Agreed,
            MeetingState::Cancelled,
        ] {
            assert_eq!(MeetingState::from_code(state.code()), Some(state));
        }
        assert_eq!(MeetingState::from_code("later"), None);
    }

    #[test]
    fn effects_survive_the_outbox() {
        let effect = MeetingEffect::SendCalendar {
            meeting_id: MeetingId::parse("mtg-1").unwrap(),
            method: IcsMethod::Cancel,
            file_name: "overleg.ics".into(),
            ics: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into(),
        };
        let json = serde_json::to_string(&effect).unwrap();
        assert_eq!(
            serde_json::from_str::<MeetingEffect>(&json).unwrap(),
            effect
        );
    }
}
