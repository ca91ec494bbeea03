//! A consult as Kring keeps it, and what a plan changes of it: one variant in the runtime's plan
//! (`Change::Consult`), so the runtime stays ignorant of what a consult is.

use super::form::{Form, Urgency};
use super::lifecycle::{ConsultState, Outcome};
use crate::matrix_id::MatrixId;
use crate::messages::{BotReply, PollText};
use crate::network::{Millis, NetworkId};
use crate::plan::Target;
use ruma_common::OwnedRoomId;
use serde::{Deserialize, Serialize};

crate::kring_id!(
    ConsultId,
    "Kring's own random name for a consult (`cst-…`), with a network id's rules."
);

impl ConsultState {
    pub fn code(self) -> &'static str {
        match self {
            Self::AwaitingConsent => "awaiting_consent",
            Self::Requested => "requested",
            Self::Accepted => "accepted",
            Self::Answered => "answered",
            Self::Closed => "closed",
            Self::Declined => "declined",
            Self::ConsentRefused => "consent_refused",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.code() == code)
    }
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Self::Advice => "advice",
            Self::ReferralAdvised => "referral_advised",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Advice, Self::ReferralAdvised]
            .into_iter()
            .find(|outcome| outcome.code() == code)
    }
}

impl Urgency {
    pub fn code(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Soon => "soon",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Normal, Self::Soon]
            .into_iter()
            .find(|urgency| urgency.code() == code)
    }
}

/// What the requester wrote, as the form gathered it. The client's data: kept in the store and
/// shown in the consult room only, never in a log line or a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub question: String,
    pub summary: String,
    pub medication: Option<String>,
    pub urgency: Urgency,
}

/// A professional as the region counts them: their organisation and discipline, as the
/// network knows them (nothing for a consultant from outside it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Practitioner {
    pub organisation: String,
    pub discipline: String,
}

impl Practitioner {
    /// `user`'s, if they are a professional in `network` now.
    pub fn in_network(network: &crate::network::Network, user: &MatrixId) -> Option<Self> {
        match network.current_role(user) {
            Some(crate::Role::Professional {
                organisation,
                discipline,
            }) => Some(Self {
                organisation: organisation.clone(),
                discipline: discipline.clone(),
            }),
            _ => None,
        }
    }
}

/// What a plan changes of a consult.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsultChange {
    /// Asked: waiting for the client's consent (a consultant outside the network) or sent.
    Ask {
        consult_id: ConsultId,
        network_id: NetworkId,
        requester: MatrixId,
        consultant: MatrixId,
        request: Request,
        state: ConsultState,
        /// The region's answer time, in working days.
        working_days: u32,
        /// When it was sent to the consultant, and when the answer is due (once sent).
        sent_at: Option<Millis>,
        due_at: Option<Millis>,
        /// The requester's private chat with the bot, where they hear how it goes.
        requester_room: OwnedRoomId,
        /// Who asked and who answers, for payment and the region's figures.
        requester_practice: Option<Practitioner>,
        consultant_practice: Option<Practitioner>,
        at: Millis,
    },
    /// The requester's form, as far as it has come: one open form per requester (a new
    /// `!consult` starts again). Kept so that a restart loses nothing typed.
    PutForm {
        requester: MatrixId,
        network_id: NetworkId,
        consultant: MatrixId,
        /// Their private chat, where the form is asked.
        room_id: OwnedRoomId,
        form: Form,
        at: Millis,
    },
    /// The form was sent, stopped, or ended by a crisis.
    DropForm { requester: MatrixId },
    /// The requester's summary for the network, waiting for their tap.
    SetGist { consult_id: ConsultId, gist: String },
    /// The consultant joined the consult room, where the request is: they have it (kept once).
    Opened { consult_id: ConsultId, at: Millis },
    /// Declined with one tap, the reason typed after it.
    SetDeclineReason {
        consult_id: ConsultId,
        reason: String,
    },
    /// One step of its life (`lifecycle::next_state` decided it), from `from`: a step taken
    /// from another state meanwhile is a conflict, and the plan is made again.
    Step {
        consult_id: ConsultId,
        from: ConsultState,
        to: ConsultState,
        at: Millis,
        /// Set when the client's consent sends it.
        sent_at: Option<Millis>,
        due_at: Option<Millis>,
        outcome: Option<Outcome>,
        /// Why the consultant declined, as they wrote it.
        reason: Option<String>,
        /// The time the consultant spent, asked when it is closed.
        minutes_spent: Option<u32>,
    },
}

/// What the audit log records of consults (NEN 7513: who did what, about which consult).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsultAction {
    Ask,
    Accept,
    Decline,
    Answer,
    /// The requester shared the gist with the network (and so closed it).
    Share,
    /// The deadline passed without an answer; the requester was told.
    Overdue,
}

impl ConsultAction {
    pub const ALL: [Self; 6] = [
        Self::Ask,
        Self::Accept,
        Self::Decline,
        Self::Answer,
        Self::Share,
        Self::Overdue,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Ask => "ask",
            Self::Accept => "accept",
            Self::Decline => "decline",
            Self::Answer => "answer",
            Self::Share => "share",
            Self::Overdue => "overdue",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.code() == code)
    }
}

/// The consult's steps in Matrix, each safe to repeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ConsultEffect {
    /// Asks the client (or representative) whether it may go to someone outside the network.
    SendConsentPoll {
        consult_id: ConsultId,
        to: Target,
        text: PollText,
    },
    /// Makes the encrypted consult room (requester, consultant, bot) and records its id.
    OpenRoom { consult_id: ConsultId },
    /// The request in the consult room, and the consultant's accept/decline poll.
    PostRequest {
        consult_id: ConsultId,
        request: BotReply,
        poll: PollText,
    },
    /// A notice in the consult room.
    Say {
        consult_id: ConsultId,
        reply: BotReply,
    },
    /// The requester's gist, and the tap that shares it with the network.
    SendSharePoll {
        consult_id: ConsultId,
        /// The gist the poll shows: sent only while it is still the one stored, so a tap never
        /// shares another text than the one it was shown.
        gist: String,
        text: PollText,
    },
    /// Invites the client into the consult room: they read along from now on.
    InviteClient { consult_id: ConsultId },
    /// Takes `user` out of the consult room: they may no longer take part.
    Remove {
        consult_id: ConsultId,
        user: MatrixId,
    },
    /// The retention policy: `notice` in the consult room, then nobody but the bot may write
    /// there. Nothing is deleted: both keep reading what was said.
    Archive {
        consult_id: ConsultId,
        notice: BotReply,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for state in ConsultState::ALL {
            assert_eq!(ConsultState::from_code(state.code()), Some(state));
        }
        for outcome in [Outcome::Advice, Outcome::ReferralAdvised] {
            assert_eq!(Outcome::from_code(outcome.code()), Some(outcome));
        }
        for urgency in [Urgency::Normal, Urgency::Soon] {
            assert_eq!(Urgency::from_code(urgency.code()), Some(urgency));
        }
        assert_eq!(ConsultState::from_code("later"), None);
        for action in ConsultAction::ALL {
            assert_eq!(ConsultAction::from_code(action.code()), Some(action));
        }
        assert!(ConsultId::parse("cst-a1").is_ok());
        let effect = ConsultEffect::SendConsentPoll {
            consult_id: ConsultId::parse("cst-a1").unwrap(),
            to: Target::Network {
                network_id: NetworkId::parse("net-1").unwrap(),
            },
            text: PollText {
                question: "Mag dat?".into(),
                answers: vec![("agree".into(), "Ja".into())],
            },
        };
        let json = serde_json::to_string(&effect).unwrap();
        assert_eq!(
            serde_json::from_str::<ConsultEffect>(&json).unwrap(),
            effect
        );
        assert!(ConsultId::parse("cst a1").is_err());
    }
}
