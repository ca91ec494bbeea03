//! What each decision changes in the stored network: the one list of changes the bots' handlers
//! put in their plans (beside the messages and room effects they add) and the property tests'
//! model applies with [`Network::apply`]. A rule about what, say, an invitation records is
//! written here once, so the model cannot drift from the bot.

use super::{
    Member, Membership, Millis, Network, NetworkState, Proposal, ProposalKind, ProposalState,
};
use crate::audit::AuditAction;
use crate::matrix_id::MatrixId;
use crate::plan::{ActionRecord, Change, Outcome};
use crate::role::Role;

/// A new invite link as the bot made it: its id and the hash of its secret come from the bot's
/// randomness and key, the rest from the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    pub id: String,
    pub secret_hash: String,
    /// Who gets it: the asker, or whoever proposed it when the client approves.
    pub created_by: MatrixId,
    pub expires_at: Millis,
}

/// The audit line for `actor` doing `action`, on whose behalf the network says.
pub fn logged(
    network: &Network,
    actor: &MatrixId,
    action: AuditAction,
    object: Option<String>,
    outcome: Outcome,
    at: Millis,
) -> Change {
    Change::Log(ActionRecord {
        network_id: network.id.clone(),
        at,
        actor: actor.clone(),
        on_behalf_of: network.acting_for(actor),
        action,
        object,
        outcome,
    })
}

/// Someone is invited with a role (directly, by approving a proposal, or through a used link):
/// they are invited, not yet in; their joining is a membership event of its own.
pub fn invited(
    network: &Network,
    actor: &MatrixId,
    user: &MatrixId,
    role: &Role,
    at: Millis,
) -> Vec<Change> {
    vec![
        Change::PutMember {
            network_id: network.id.clone(),
            user: user.clone(),
            role: role.clone(),
            membership: Membership::Invited,
            since: at,
            added_by: actor.clone(),
        },
        logged(
            network,
            actor,
            AuditAction::MemberInvite,
            Some(user.to_string()),
            Outcome::Done,
            at,
        ),
    ]
}

pub fn link_made(
    network: &Network,
    actor: &MatrixId,
    role: &Role,
    link: &NewLink,
    at: Millis,
) -> Vec<Change> {
    vec![
        Change::AddInviteLink {
            network_id: network.id.clone(),
            link_id: link.id.clone(),
            secret_hash: link.secret_hash.clone(),
            role: role.clone(),
            created_by: link.created_by.clone(),
            at,
            expires_at: link.expires_at,
        },
        logged(
            network,
            actor,
            AuditAction::LinkCreate,
            Some(link.id.clone()),
            Outcome::Done,
            at,
        ),
    ]
}

pub fn link_revoked(network: &Network, actor: &MatrixId, link_id: &str, at: Millis) -> Vec<Change> {
    vec![
        Change::RevokeInviteLink {
            link_id: link_id.to_owned(),
        },
        logged(
            network,
            actor,
            AuditAction::LinkRevoke,
            Some(link_id.to_owned()),
            Outcome::Done,
            at,
        ),
    ]
}

/// A proposal for the client to decide; its number is the network's next.
pub fn proposed(
    network: &Network,
    actor: &MatrixId,
    kind: &ProposalKind,
    at: Millis,
) -> Vec<Change> {
    let number = network.next_proposal_number();
    vec![
        Change::AddProposal {
            network_id: network.id.clone(),
            number,
            kind: kind.clone(),
            proposed_by: actor.clone(),
            at,
        },
        logged(
            network,
            actor,
            AuditAction::ProposalAdd,
            Some(number.to_string()),
            Outcome::Proposed,
            at,
        ),
    ]
}

/// The client asked to remove someone: held as a proposal of their own until they confirm it
/// with one tap. Nothing is logged yet: nothing was done or refused.
pub fn removal_asked(
    network: &Network,
    actor: &MatrixId,
    user: &MatrixId,
    at: Millis,
) -> Vec<Change> {
    vec![Change::AddProposal {
        network_id: network.id.clone(),
        number: network.next_proposal_number(),
        kind: ProposalKind::Remove { user: user.clone() },
        proposed_by: actor.clone(),
        at,
    }]
}

/// The client approved or refused proposal `number`. What an approval then does (invite,
/// link, remove) is that decision's own consequence, added after this.
pub fn decided(
    network: &Network,
    actor: &MatrixId,
    number: i64,
    approved: bool,
    at: Millis,
) -> Vec<Change> {
    let (state, action, outcome) = if approved {
        (
            ProposalState::Approved,
            AuditAction::ProposalApprove,
            Outcome::Done,
        )
    } else {
        (
            ProposalState::Refused,
            AuditAction::ProposalRefuse,
            Outcome::Refused,
        )
    };
    vec![
        Change::DecideProposal {
            network_id: network.id.clone(),
            number,
            state,
            decided_by: actor.clone(),
            at,
        },
        logged(
            network,
            actor,
            action,
            Some(number.to_string()),
            outcome,
            at,
        ),
    ]
}

/// `user` is no longer in the network: what they proposed and the client did not decide yet
/// lapses, so nobody outside it keeps a say in it. Returns the lapsed numbers with the changes
/// (their polls are closed and the network told, by the bot).
pub fn proposals_lapse(network: &Network, user: &MatrixId, at: Millis) -> (Vec<i64>, Vec<Change>) {
    let mut numbers = Vec::new();
    let mut changes = Vec::new();
    for proposal in network.open_proposals_by(user) {
        numbers.push(proposal.number);
        changes.push(Change::DecideProposal {
            network_id: network.id.clone(),
            number: proposal.number,
            state: ProposalState::Lapsed,
            decided_by: user.clone(),
            at,
        });
        changes.push(Change::Log(ActionRecord {
            network_id: network.id.clone(),
            at,
            actor: user.clone(),
            on_behalf_of: None,
            action: AuditAction::ProposalLapse,
            object: Some(proposal.number.to_string()),
            outcome: Outcome::Undone,
        }));
    }
    (numbers, changes)
}

/// The client (or representative) took `user` out of the network.
pub fn removed(network: &Network, actor: &MatrixId, user: &MatrixId, at: Millis) -> Vec<Change> {
    vec![
        Change::SetMembership {
            network_id: network.id.clone(),
            user: user.clone(),
            membership: Membership::Removed,
            since: at,
        },
        logged(
            network,
            actor,
            AuditAction::MemberRemove,
            Some(user.to_string()),
            Outcome::Done,
            at,
        ),
    ]
}

/// `user` left by their own choice (`!verlaten`).
pub fn left(network: &Network, user: &MatrixId, at: Millis) -> Vec<Change> {
    vec![
        Change::SetMembership {
            network_id: network.id.clone(),
            user: user.clone(),
            membership: Membership::Left,
            since: at,
        },
        logged(
            network,
            user,
            AuditAction::MemberLeave,
            Some(user.to_string()),
            Outcome::Done,
            at,
        ),
    ]
}

/// What a membership change in the room, recorded by the rules (`MembershipVerdict::Record`),
/// changes: who `by` is decides whose name the audit line carries.
pub fn membership_recorded(
    network: &Network,
    by: &MatrixId,
    user: &MatrixId,
    membership: Membership,
    at: Millis,
) -> Vec<Change> {
    let action = match membership {
        Membership::Joined => AuditAction::MemberJoin,
        Membership::Left => AuditAction::MemberLeave,
        Membership::Removed => AuditAction::MemberRemove,
        Membership::Invited => AuditAction::MemberInvite,
    };
    vec![
        Change::SetMembership {
            network_id: network.id.clone(),
            user: user.clone(),
            membership,
            since: at,
        },
        logged(
            network,
            by,
            action,
            Some(user.to_string()),
            Outcome::Done,
            at,
        ),
    ]
}

impl Network {
    /// This network with `change` applied, as the store applies it: for the model in tests and
    /// for anything that must know what a plan leaves behind before it is stored. Changes to
    /// other networks, and those that are not about a network's members, proposals or links,
    /// leave it as it is.
    pub fn apply(&mut self, change: &Change) {
        let ours = |network_id: &super::NetworkId| *network_id == self.id;
        match change {
            Change::SetNetworkState { network_id, state } if ours(network_id) => {
                self.state = *state;
            }
            Change::PutMember {
                network_id,
                user,
                role,
                membership,
                since,
                added_by,
            } if ours(network_id) => {
                self.members.retain(|member| &member.user != user);
                self.members.push(Member {
                    user: user.clone(),
                    role: role.clone(),
                    membership: *membership,
                    since: *since,
                    added_by: added_by.clone(),
                });
            }
            Change::SetMembership {
                network_id,
                user,
                membership,
                since,
            } if ours(network_id) => {
                for member in self.members.iter_mut().filter(|m| &m.user == user) {
                    member.membership = *membership;
                    member.since = *since;
                }
            }
            Change::AddProposal {
                network_id,
                number,
                kind,
                proposed_by,
                at,
            } if ours(network_id) => self.proposals.push(Proposal {
                number: *number,
                kind: kind.clone(),
                proposed_by: proposed_by.clone(),
                state: ProposalState::Open,
                created_at: *at,
            }),
            Change::DecideProposal {
                network_id,
                number,
                state,
                ..
            } if ours(network_id) => {
                for proposal in self.proposals.iter_mut().filter(|p| p.number == *number) {
                    proposal.state = *state;
                }
            }
            Change::AddInviteLink {
                network_id,
                link_id,
                role,
                created_by,
                expires_at,
                ..
            } if ours(network_id) => self.links.push(super::InviteLink {
                id: link_id.clone(),
                role: role.clone(),
                created_by: created_by.clone(),
                expires_at: *expires_at,
                state: super::LinkState::Open,
            }),
            Change::RevokeInviteLink { link_id } => {
                for link in self.links.iter_mut().filter(|l| &l.id == link_id) {
                    link.state = super::LinkState::Revoked;
                }
            }
            _ => {}
        }
    }
}

/// The client accepted the network (joined its room): it is active and they are in.
pub fn client_accepted(network: &Network, by: &MatrixId, at: Millis) -> Vec<Change> {
    let client = &network.client;
    vec![
        Change::SetNetworkState {
            network_id: network.id.clone(),
            state: NetworkState::Active,
        },
        Change::SetMembership {
            network_id: network.id.clone(),
            user: client.clone(),
            membership: Membership::Joined,
            since: at,
        },
        logged(
            network,
            by,
            AuditAction::NetworkAccept,
            Some(client.to_string()),
            Outcome::Done,
            at,
        ),
    ]
}

/// The client turned the network down (left its room before joining): it is closed.
pub fn client_declined(network: &Network, by: &MatrixId, at: Millis) -> Vec<Change> {
    let client = &network.client;
    vec![
        Change::SetNetworkState {
            network_id: network.id.clone(),
            state: NetworkState::Closed,
        },
        Change::SetMembership {
            network_id: network.id.clone(),
            user: client.clone(),
            membership: Membership::Left,
            since: at,
        },
        logged(
            network,
            by,
            AuditAction::NetworkDecline,
            Some(client.to_string()),
            Outcome::Refused,
            at,
        ),
    ]
}

/// Someone came in (or was let in) around the client: the bot undoes it, and logs that it did.
pub fn undone(network: &Network, by: &MatrixId, user: &MatrixId, at: Millis) -> Change {
    logged(
        network,
        by,
        AuditAction::MemberUndoUnapproved,
        Some(user.to_string()),
        Outcome::Undone,
        at,
    )
}
