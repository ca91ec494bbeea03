//! What handling one event amounts to: the changes to store and the steps to take in Matrix.
//!
//! A bot turns an event into a [`Plan`] without side effects; the store writes the plan's
//! changes and its effects (as an outbox) in one transaction; then the effects are carried out
//! in order, each idempotent. A crash anywhere leaves either nothing or a complete plan whose
//! remaining effects are finished after the restart.

use crate::consent::poll::ConsentPoll;
use crate::consent::{InfoKind, Subject};
use crate::matrix_id::MatrixId;
use crate::messages::{BotReply, PollText};
use crate::network::{Membership, Millis, NetworkId, NetworkState, ProposalKind, ProposalState};
use crate::role::Role;
use ruma_common::{OwnedEventId, OwnedRoomId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub effects: Vec<Effect>,
}

impl Plan {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn change(&mut self, change: Change) -> &mut Self {
        self.changes.push(change);
        self
    }

    pub fn effect(&mut self, effect: Effect) -> &mut Self {
        self.effects.push(effect);
        self
    }

    /// A plan that only answers.
    pub fn reply(to: Target, reply: BotReply, reply_to: Option<OwnedEventId>) -> Self {
        let mut plan = Self::new();
        plan.effect(Effect::Send {
            to,
            reply,
            reply_to,
        });
        plan
    }
}

/// A change to the stored network model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateNetwork {
        network_id: NetworkId,
        client: MatrixId,
        started_by: MatrixId,
        state: NetworkState,
        at: Millis,
    },
    SetNetworkState {
        network_id: NetworkId,
        state: NetworkState,
    },
    /// Adds a member or replaces their role and membership (someone invited again after leaving).
    PutMember {
        network_id: NetworkId,
        user: MatrixId,
        role: Role,
        membership: Membership,
        since: Millis,
        added_by: MatrixId,
    },
    SetMembership {
        network_id: NetworkId,
        user: MatrixId,
        membership: Membership,
        since: Millis,
    },
    AddProposal {
        network_id: NetworkId,
        number: i64,
        kind: ProposalKind,
        proposed_by: MatrixId,
        at: Millis,
    },
    DecideProposal {
        network_id: NetworkId,
        number: i64,
        state: ProposalState,
        decided_by: MatrixId,
        at: Millis,
    },
    AddInviteLink {
        network_id: NetworkId,
        link_id: String,
        secret_hash: String,
        role: Role,
        created_by: MatrixId,
        at: Millis,
        expires_at: Millis,
    },
    RevokeInviteLink {
        link_id: String,
    },
    GiveConsent {
        network_id: NetworkId,
        grant_id: String,
        subject: Subject,
        kind: InfoKind,
        given_by: MatrixId,
        on_behalf_of: Option<MatrixId>,
        at: Millis,
        ends_at: Option<Millis>,
    },
    /// Withdraws every active grant of `kind` to `subject`.
    WithdrawConsent {
        network_id: NetworkId,
        subject: Subject,
        kind: InfoKind,
        by: MatrixId,
        at: Millis,
    },
    /// A consent poll has been answered: later votes on it change nothing.
    CloseConsentPoll {
        poll_event_id: OwnedEventId,
        at: Millis,
    },
    /// Someone who steers several networks is asked which one `command` is about; the answer
    /// is a number into `network_ids`. Replaces an earlier open question of theirs.
    AskWhichNetwork {
        user: MatrixId,
        command: String,
        network_ids: Vec<NetworkId>,
        at: Millis,
    },
    /// `!taal`: answer `user` in `language` from now on.
    SetLanguage {
        user: MatrixId,
        language: crate::language::Language,
        at: Millis,
    },
    /// Their question is answered (or no longer stands).
    ForgetNetworkChoice {
        user: MatrixId,
    },
    /// Something to happen at a time, fired once through the inbox (after restarts too).
    /// Replaces the capability's earlier timer with the same key: that is how a timer moves.
    ScheduleTimer(Timer),
    /// The timer will not fire (nothing happens if it already has, or never was).
    CancelTimer {
        capability: String,
        key: String,
    },
    Log(ActionRecord),
    /// The meeting capability's own changes (`crate::meeting`).
    Meeting(crate::meeting::MeetingChange),
    /// The consult capability's own changes (`crate::consult`).
    Consult(crate::consult::ConsultChange),
}

/// A due item in the durable scheduler. When `due_at` comes, the scheduler writes an inbox entry
/// for it (kind timer, `body` the [`FiredTimer`] as JSON) that the capability named here plans
/// like any other event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub capability: String,
    /// Unique within the capability: a grant id, a meeting id and reminder, …
    pub key: String,
    pub due_at: Millis,
    /// The room it is about, if any: the lane it runs in.
    pub room_id: Option<OwnedRoomId>,
    /// What the capability needs when it fires; never message text.
    pub payload: serde_json::Value,
}

/// What a fired timer's inbox entry carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiredTimer {
    pub capability: String,
    pub key: String,
    pub due_at: Millis,
    pub payload: serde_json::Value,
}

/// One line of "who did what": the fields NEN 7513 asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRecord {
    pub network_id: NetworkId,
    pub at: Millis,
    pub actor: MatrixId,
    /// Set when the actor acted for someone else (a representative for the client, the bot for
    /// whoever approved).
    pub on_behalf_of: Option<MatrixId>,
    pub action: crate::audit::AuditAction,
    /// What was acted on: a user id, a proposal number, a link id.
    pub object: Option<String>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Proposed,
    Refused,
    Undone,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Proposed => "proposed",
            Self::Refused => "refused",
            Self::Undone => "undone",
        }
    }
}

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Target {
    Room {
        room_id: OwnedRoomId,
    },
    /// The network's room, whatever its id turns out to be (it may not exist yet when planned).
    Network {
        network_id: NetworkId,
    },
}

/// A step in Matrix. Each is safe to repeat after a crash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Creates the encrypted, invite-only network room with the client as co-owner and invites
    /// the client; records the room id.
    CreateNetworkRoom {
        network_id: NetworkId,
        client: MatrixId,
    },
    /// Sends a notice.
    Send {
        #[serde(flatten)]
        to: Target,
        reply: BotReply,
        reply_to: Option<OwnedEventId>,
    },
    /// Shows invite link `link_id` to whoever asked, in `to` (their private chat). Only the id
    /// is stored here: the link's secret is derived when the message is sent
    /// (`network::invite_secret`), so no outbox row holds it.
    SendInviteLink {
        #[serde(flatten)]
        to: Target,
        link_id: String,
        reply_to: Option<OwnedEventId>,
    },
    /// Asks the client to decide proposal `number` with a two-answer poll in the network room
    /// (votes are encrypted; reactions are not, so anyone with the client's access token or the
    /// server could forge a ✅). The poll becomes the proposal's prompt.
    SendProposalPoll {
        network_id: NetworkId,
        number: i64,
        text: PollText,
    },
    /// Sends a consent poll (MSC3381, single choice) and remembers what its answers stand for,
    /// so that a vote on it can be understood (see [`ConsentPoll`]).
    SendConsentPoll {
        #[serde(flatten)]
        to: Target,
        network_id: NetworkId,
        text: PollText,
        poll: ConsentPoll,
    },
    /// Shares copies of what was said in the network room before `user` joined, in a room of
    /// their own with the bot (Matrix cannot show one member older messages without showing
    /// everyone). Nothing if they already have them or have not joined yet.
    ShareHistory {
        network_id: NetworkId,
        user: MatrixId,
    },
    /// Redacts every copy shared with `user`: their history consent ended, or they left.
    WithdrawHistory {
        network_id: NetworkId,
        user: MatrixId,
    },
    /// Ends a poll, so that Element shows it closed and nobody votes on it again.
    EndPoll {
        #[serde(flatten)]
        to: Target,
        poll_event_id: OwnedEventId,
        text: String,
    },
    /// Invites into the network room. If the account does not exist, the member is taken out
    /// of the store again and `if_unknown` is said in the room.
    Invite {
        network_id: NetworkId,
        user: MatrixId,
        if_unknown: BotReply,
    },
    /// Takes someone out of the network room and waits until the bot's own view of the room
    /// shows it, so the next message is not encrypted for them (DESIGN.md, known traps).
    Kick {
        network_id: NetworkId,
        user: MatrixId,
    },
    /// Puts one of the settings a network room keeps back (`kring_core::room_state`), unless
    /// it is already what it must be.
    RestoreRoomSetting {
        network_id: NetworkId,
        event_type: String,
    },
    /// Sets someone's power level in the network room (100 for a representative, 0 to undo).
    SetPowerLevel {
        network_id: NetworkId,
        user: MatrixId,
        level: i64,
    },
    /// The meeting capability's own steps (`crate::meeting`).
    Meeting(crate::meeting::MeetingEffect),
    /// The consult capability's own steps (`crate::consult`).
    Consult(crate::consult::ConsultEffect),
}
