//! The care network and the rules of who may change it. See DESIGN.md, "Roles and rules":
//! only the client (or their representative) invites, removes and decides; anyone else in the
//! network may propose, and nothing happens without the client's approval.
//!
//! Everything here is a plain function over plain values. The bots load a [`Network`] from the
//! store, ask [`decide`] or [`observe_membership`], and carry out what comes back.

pub mod commands;
pub mod consequences;
mod id;
pub mod texts;

pub use id::{NetworkId, NetworkIdError};

use crate::audit::AuditAction;
use crate::matrix_id::MatrixId;
use crate::role::Role;
use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch, as Matrix timestamps are.
pub type Millis = i64;

/// How long an invite link stays valid unless the client says otherwise.
pub const INVITE_LINK_LIFETIME: Millis = 7 * 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    /// Approved and invited; has not joined yet.
    Invited,
    Joined,
    /// Left by themselves, or declined the invite.
    Left,
    /// Removed by the client (or representative, or the bot on their behalf).
    Removed,
}

impl Membership {
    /// Counts as part of the network: may join, or is in.
    pub fn is_current(self) -> bool {
        matches!(self, Self::Invited | Self::Joined)
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Joined => "joined",
            Self::Left => "left",
            Self::Removed => "removed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "invited" => Self::Invited,
            "joined" => Self::Joined,
            "left" => Self::Left,
            "removed" => Self::Removed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user: MatrixId,
    pub role: Role,
    pub membership: Membership,
    /// When the current membership began (invited at, joined at, left at).
    pub since: Millis,
    /// Who brought them in (the client, or the client approving someone's proposal).
    pub added_by: MatrixId,
}

/// What a proposal (or a confirmation the client is asked for) is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProposalKind {
    /// Invite someone who has an account.
    Invite { user: MatrixId, role: Role },
    /// Make an invite link for someone without an account.
    InviteLink { role: Role },
    /// Remove a member: the client's own request, waiting for their confirmation.
    Remove { user: MatrixId },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    Open,
    Approved,
    Refused,
    /// Its proposer left the network, or was removed, before the client decided.
    Lapsed,
}

impl ProposalState {
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Approved => "approved",
            Self::Refused => "refused",
            Self::Lapsed => "lapsed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "open" => Self::Open,
            "approved" => Self::Approved,
            "refused" => Self::Refused,
            "lapsed" => Self::Lapsed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Numbered per network from 1, so people can type `!ja 3`.
    pub number: i64,
    pub kind: ProposalKind,
    pub proposed_by: MatrixId,
    pub state: ProposalState,
    pub created_at: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Open,
    Used,
    Revoked,
}

impl LinkState {
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Used => "used",
            Self::Revoked => "revoked",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "open" => Self::Open,
            "used" => Self::Used,
            "revoked" => Self::Revoked,
            _ => return None,
        })
    }
}

/// An invite link as the network sees it (the secret itself is never part of the model).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteLink {
    /// Short public id, shown in the overview and used to revoke (`!intrekken k3f9`).
    pub id: String,
    pub role: Role,
    pub created_by: MatrixId,
    pub expires_at: Millis,
    pub state: LinkState,
}

/// An invite link's secret, derived from the bot's link key and the link itself instead of
/// being stored: the database, the outbox row of the message that shows it and the logs hold
/// only its hash or the link id. Anyone who has the key file can make working links, so it is
/// kept apart from the database like the other secrets.
pub fn invite_secret(
    link_key: &[u8],
    network_id: &str,
    link_id: &str,
    expires_at: Millis,
) -> String {
    derive_from_link_key(
        link_key,
        "kring invite link",
        network_id,
        link_id,
        expires_at,
    )
}

/// The Synapse registration token of an invite link, derived like its secret (with another
/// label), so that no table holds it either; Synapse accepts it once, until the link's end.
pub fn registration_token(
    link_key: &[u8],
    network_id: &str,
    link_id: &str,
    expires_at: Millis,
) -> String {
    derive_from_link_key(
        link_key,
        "kring registration token",
        network_id,
        link_id,
        expires_at,
    )
}

/// HMAC-SHA256 of one link under `label`, 40 hex characters (URL- and Synapse-token-safe).
fn derive_from_link_key(
    link_key: &[u8],
    label: &str,
    network_id: &str,
    link_id: &str,
    expires_at: Millis,
) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(link_key).expect("HMAC takes a key of any length");
    mac.update(format!("{label}\n{network_id}\n{link_id}\n{expires_at}").as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..20])
}

/// The hash under which an invite link's secret is stored and looked up. Only this hash is
/// kept, so a copy of the database cannot be turned into working links.
pub fn invite_secret_hash(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn a_link_secret_is_the_same_every_time_and_different_for_everything_else() {
        let secret = invite_secret(b"key", "net-a", "k3f9", 100);
        assert_eq!(secret, invite_secret(b"key", "net-a", "k3f9", 100));
        assert_eq!(secret.len(), 40);
        assert!(secret.chars().all(|c| c.is_ascii_alphanumeric()));
        for other in [
            invite_secret(b"other key", "net-a", "k3f9", 100),
            invite_secret(b"key", "net-b", "k3f9", 100),
            invite_secret(b"key", "net-a", "k3f8", 100),
            invite_secret(b"key", "net-a", "k3f9", 101),
        ] {
            assert_ne!(secret, other);
        }
        assert_ne!(invite_secret_hash(&secret), secret);
        assert_ne!(registration_token(b"key", "net-a", "k3f9", 100), secret);
    }
}

impl InviteLink {
    pub fn usable_at(&self, now: Millis) -> bool {
        self.state == LinkState::Open && now < self.expires_at
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkState {
    /// Started by a professional for the client; nothing is shared until the client joins.
    AwaitingClient,
    Active,
    /// The client declined, or the network was closed.
    Closed,
}

impl NetworkState {
    pub fn code(self) -> &'static str {
        match self {
            Self::AwaitingClient => "awaiting_client",
            Self::Active => "active",
            Self::Closed => "closed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "awaiting_client" => Self::AwaitingClient,
            "active" => Self::Active,
            "closed" => Self::Closed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub id: NetworkId,
    pub client: MatrixId,
    pub started_by: MatrixId,
    pub state: NetworkState,
    pub members: Vec<Member>,
    pub proposals: Vec<Proposal>,
    pub links: Vec<InviteLink>,
}

fn normalise_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Network {
    pub fn member(&self, user: &MatrixId) -> Option<&Member> {
        self.members.iter().find(|member| &member.user == user)
    }

    /// The role of someone who is in the network now (invited or joined).
    pub fn current_role(&self, user: &MatrixId) -> Option<&Role> {
        self.member(user)
            .filter(|member| member.membership.is_current())
            .map(|member| &member.role)
    }

    /// The client always steers their own network; a representative does while they are in it.
    pub fn steered_by(&self, user: &MatrixId) -> bool {
        user == &self.client
            || self.member(user).is_some_and(|member| {
                member.membership == Membership::Joined && member.role == Role::Representative
            })
    }

    /// On whose behalf `actor` acts here: someone other than the client who steers (a
    /// representative) acts for the client; the client, and anyone who does not steer, for
    /// themselves. The one rule for the audit log's "namens" and for consent given by proxy.
    pub fn acting_for(&self, actor: &MatrixId) -> Option<MatrixId> {
        (actor != &self.client && self.steered_by(actor)).then(|| self.client.clone())
    }

    /// The organisations of the professionals in the network now, each once, in order of arrival.
    pub fn organisations(&self) -> Vec<&str> {
        let mut found: Vec<&str> = Vec::new();
        for member in self.members.iter().filter(|m| m.membership.is_current()) {
            if let Role::Professional { organisation, .. } = &member.role
                && !found.contains(&organisation.as_str())
            {
                found.push(organisation);
            }
        }
        found
    }

    /// An organisation in the network by its name as someone typed it (case and spacing aside).
    pub fn organisation_named(&self, typed: &str) -> Option<&str> {
        let wanted = normalise_name(typed);
        self.organisations()
            .into_iter()
            .find(|name| normalise_name(name) == wanted)
    }

    pub fn proposal(&self, number: i64) -> Option<&Proposal> {
        self.proposals.iter().find(|p| p.number == number)
    }

    pub fn open_proposals(&self) -> impl Iterator<Item = &Proposal> {
        self.proposals
            .iter()
            .filter(|p| p.state == ProposalState::Open)
    }

    /// What `user` proposed that is still open: it lapses when they are no longer in the
    /// network, so nobody outside it keeps a say in it.
    pub fn open_proposals_by<'a>(
        &'a self,
        user: &'a MatrixId,
    ) -> impl Iterator<Item = &'a Proposal> {
        self.open_proposals()
            .filter(move |proposal| &proposal.proposed_by == user)
    }

    /// The number the next proposal gets.
    pub fn next_proposal_number(&self) -> i64 {
        self.proposals.iter().map(|p| p.number).max().unwrap_or(0) + 1
    }
}

/// What a member asks of the network, parsed from a command or a poll vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkRequest {
    Invite { user: MatrixId, role: Role },
    InviteLink { role: Role },
    Remove { user: MatrixId },
    Decide { number: i64, approve: bool },
    RevokeLink { id: String },
    Leave,
}

impl NetworkRequest {
    /// How the audit log names this request, and what it is about.
    pub fn audit_action(&self) -> (AuditAction, Option<String>) {
        match self {
            Self::Invite { user, .. } => (AuditAction::MemberInvite, Some(user.to_string())),
            Self::InviteLink { .. } => (AuditAction::LinkCreate, None),
            Self::Remove { user } => (AuditAction::MemberRemove, Some(user.to_string())),
            Self::Decide { number, .. } => (AuditAction::ProposalDecide, Some(number.to_string())),
            Self::RevokeLink { id } => (AuditAction::LinkRevoke, Some(id.clone())),
            Self::Leave => (AuditAction::MemberLeave, None),
        }
    }
}

/// What the rules say should happen. The caller records it and carries it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A steering member invites: invite now.
    Invite {
        user: MatrixId,
        role: Role,
    },
    /// A steering member asks for a link: make it now.
    CreateLink {
        role: Role,
    },
    /// Someone else asks: put it to the client first.
    Propose(ProposalKind),
    /// The client asked to remove someone: ask them to confirm first.
    ConfirmRemoval {
        user: MatrixId,
    },
    /// The client approved proposal `number`: carry out its `kind`.
    Approve {
        number: i64,
        kind: ProposalKind,
    },
    /// The client refused proposal `number`.
    Refuse {
        number: i64,
    },
    RevokeLink {
        id: String,
    },
    Leave,
}

/// Things a person may be told they cannot do; each has a friendly text in `messages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The actor is not (or no longer) in this network.
    NotAMember,
    /// The network waits for its client, or is closed.
    NotActive,
    /// Only the client or their representative may do this.
    OnlyClientMay,
    /// Only the client may appoint or remove a representative.
    OnlyClientAppointsRepresentative,
    AlreadyInNetwork {
        user: MatrixId,
    },
    AlreadyProposed {
        number: i64,
    },
    NotInNetwork {
        user: MatrixId,
    },
    CannotRemoveClient,
    CannotRemoveBot,
    UnknownProposal {
        number: i64,
    },
    AlreadyDecided {
        number: i64,
        state: ProposalState,
    },
    UnknownLink {
        id: String,
    },
    LinkNotUsable {
        id: String,
    },
    /// The client's network cannot lose its client; closing a network is another matter.
    ClientCannotLeave,
    /// The member already has this many proposals waiting for the client: one member cannot
    /// bury the client (or make the overview too long to send) in proposals.
    TooManyOpenProposals {
        max: usize,
    },
}

/// How many proposals one member may have waiting for the client at once.
pub const MAX_OPEN_PROPOSALS_PER_MEMBER: usize = 5;

fn check_room_for_a_proposal(network: &Network, actor: &MatrixId) -> Result<(), Refusal> {
    if network.open_proposals_by(actor).count() >= MAX_OPEN_PROPOSALS_PER_MEMBER {
        return Err(Refusal::TooManyOpenProposals {
            max: MAX_OPEN_PROPOSALS_PER_MEMBER,
        });
    }
    Ok(())
}

/// Applies the rules to `request` by `actor`. The one place that decides who may change a network.
pub fn decide(
    network: &Network,
    actor: &MatrixId,
    request: &NetworkRequest,
    now: Millis,
) -> Result<Decision, Refusal> {
    let actor_is_client = actor == &network.client;
    if !actor_is_client && network.current_role(actor).is_none() {
        return Err(Refusal::NotAMember);
    }
    if network.state != NetworkState::Active {
        return Err(Refusal::NotActive);
    }
    let steers = network.steered_by(actor);
    match request {
        NetworkRequest::Invite { user, role } => {
            check_can_be_added(network, user)?;
            check_may_appoint(actor_is_client, role)?;
            if steers {
                Ok(Decision::Invite {
                    user: user.clone(),
                    role: role.clone(),
                })
            } else {
                check_room_for_a_proposal(network, actor)?;
                Ok(Decision::Propose(ProposalKind::Invite {
                    user: user.clone(),
                    role: role.clone(),
                }))
            }
        }
        NetworkRequest::InviteLink { role } => {
            if steers {
                check_may_appoint(actor_is_client, role)?;
                Ok(Decision::CreateLink { role: role.clone() })
            } else {
                check_may_appoint(false, role)?;
                check_room_for_a_proposal(network, actor)?;
                Ok(Decision::Propose(ProposalKind::InviteLink {
                    role: role.clone(),
                }))
            }
        }
        NetworkRequest::Remove { user } => {
            if !steers {
                return Err(Refusal::OnlyClientMay);
            }
            check_can_be_removed(network, actor_is_client, user)?;
            if let Some(open) = network.open_proposals().find(
                |p| matches!(&p.kind, ProposalKind::Remove { user: target } if target == user),
            ) {
                return Err(Refusal::AlreadyProposed {
                    number: open.number,
                });
            }
            Ok(Decision::ConfirmRemoval { user: user.clone() })
        }
        NetworkRequest::Decide { number, approve } => {
            if !steers {
                return Err(Refusal::OnlyClientMay);
            }
            let proposal = network
                .proposal(*number)
                .ok_or(Refusal::UnknownProposal { number: *number })?;
            if proposal.state != ProposalState::Open {
                return Err(Refusal::AlreadyDecided {
                    number: *number,
                    state: proposal.state,
                });
            }
            if !approve {
                return Ok(Decision::Refuse { number: *number });
            }
            match &proposal.kind {
                ProposalKind::Invite { user, role } => {
                    check_can_be_added_ignoring(network, user, Some(*number))?;
                    check_may_appoint(actor_is_client, role)?;
                }
                ProposalKind::InviteLink { role } => check_may_appoint(actor_is_client, role)?,
                ProposalKind::Remove { user } => {
                    check_can_be_removed(network, actor_is_client, user)?
                }
            }
            Ok(Decision::Approve {
                number: *number,
                kind: proposal.kind.clone(),
            })
        }
        NetworkRequest::RevokeLink { id } => {
            if !steers {
                return Err(Refusal::OnlyClientMay);
            }
            let link = network
                .links
                .iter()
                .find(|link| &link.id == id)
                .ok_or_else(|| Refusal::UnknownLink { id: id.clone() })?;
            if !link.usable_at(now) {
                return Err(Refusal::LinkNotUsable { id: id.clone() });
            }
            Ok(Decision::RevokeLink { id: id.clone() })
        }
        NetworkRequest::Leave => {
            if actor_is_client {
                Err(Refusal::ClientCannotLeave)
            } else {
                Ok(Decision::Leave)
            }
        }
    }
}

fn check_can_be_added(network: &Network, user: &MatrixId) -> Result<(), Refusal> {
    check_can_be_added_ignoring(network, user, None)
}

/// `ignoring` is the proposal being approved, which of course proposes this very person.
fn check_can_be_added_ignoring(
    network: &Network,
    user: &MatrixId,
    ignoring: Option<i64>,
) -> Result<(), Refusal> {
    if user == &network.client || network.current_role(user).is_some() {
        return Err(Refusal::AlreadyInNetwork { user: user.clone() });
    }
    if let Some(open) = network.open_proposals().find(|p| {
        Some(p.number) != ignoring
            && matches!(&p.kind, ProposalKind::Invite { user: target, .. } if target == user)
    }) {
        return Err(Refusal::AlreadyProposed {
            number: open.number,
        });
    }
    Ok(())
}

fn check_may_appoint(actor_is_client: bool, role: &Role) -> Result<(), Refusal> {
    if *role == Role::Representative && !actor_is_client {
        Err(Refusal::OnlyClientAppointsRepresentative)
    } else {
        Ok(())
    }
}

fn check_can_be_removed(
    network: &Network,
    actor_is_client: bool,
    user: &MatrixId,
) -> Result<(), Refusal> {
    if user == &network.client {
        return Err(Refusal::CannotRemoveClient);
    }
    match network.current_role(user) {
        None => Err(Refusal::NotInNetwork { user: user.clone() }),
        Some(Role::Bot) => Err(Refusal::CannotRemoveBot),
        Some(Role::Representative) if !actor_is_client => {
            Err(Refusal::OnlyClientAppointsRepresentative)
        }
        Some(_) => Ok(()),
    }
}

/// A change of someone's room membership, as seen in the network room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MembershipChange {
    Invite,
    Join,
    /// `by` is who sent the leave: the person themselves, or whoever removed them.
    Leave,
}

/// What to do about a membership change someone made in the room (maybe through Element,
/// around the bot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MembershipVerdict {
    /// Nothing to record or do (the bot's own action, already recorded).
    Nothing,
    /// Record the new membership of a known member; `welcome` when they just joined.
    Record {
        membership: Membership,
        welcome: bool,
    },
    /// The client joined the network started for them: it becomes active.
    ClientAccepted,
    /// The client declined the network started for them: it closes.
    ClientDeclined,
    /// An invite or join the client did not approve: undo it and tell the client.
    Undo,
}

/// The rule for membership changes made in the room. Invites must come from the bot, which
/// only invites what the client approved; anything else is undone.
pub fn observe_membership(
    network: &Network,
    bot: &MatrixId,
    user: &MatrixId,
    by: &MatrixId,
    change: &MembershipChange,
) -> MembershipVerdict {
    if user == bot {
        return MembershipVerdict::Nothing;
    }
    let known = network.member(user);
    if user == &network.client {
        return match (change, network.state) {
            (MembershipChange::Join, NetworkState::AwaitingClient) => {
                MembershipVerdict::ClientAccepted
            }
            (MembershipChange::Leave, NetworkState::AwaitingClient) => {
                MembershipVerdict::ClientDeclined
            }
            (MembershipChange::Join, _) => MembershipVerdict::Record {
                membership: Membership::Joined,
                welcome: known.is_none_or(|m| m.membership != Membership::Joined),
            },
            (MembershipChange::Leave, _) => MembershipVerdict::Record {
                membership: Membership::Left,
                welcome: false,
            },
            (MembershipChange::Invite, _) => MembershipVerdict::Nothing,
        };
    }
    match change {
        MembershipChange::Invite if by == bot => MembershipVerdict::Nothing,
        MembershipChange::Invite => match known {
            // The client (or representative) invited through Element someone they had already
            // approved through the bot: harmless.
            Some(member) if member.membership.is_current() => MembershipVerdict::Nothing,
            _ => MembershipVerdict::Undo,
        },
        MembershipChange::Join => match known {
            Some(member) if member.membership == Membership::Invited => MembershipVerdict::Record {
                membership: Membership::Joined,
                welcome: true,
            },
            Some(member) if member.membership == Membership::Joined => MembershipVerdict::Nothing,
            _ => MembershipVerdict::Undo,
        },
        MembershipChange::Leave => match known {
            Some(member) if member.membership.is_current() => MembershipVerdict::Record {
                membership: if by == user {
                    Membership::Left
                } else {
                    Membership::Removed
                },
                welcome: false,
            },
            _ => MembershipVerdict::Nothing,
        },
    }
}

/// Who holds power in the network room that the rules do not give them. Only the client and
/// the bot (as creators, not listed) and a representative may invite, remove or change state;
/// anyone else found with a raised level (set through Element, around the bot) is to be reset.
pub fn unapproved_power(
    network: &Network,
    bot: &MatrixId,
    levels: &[(MatrixId, i64)],
) -> Vec<MatrixId> {
    levels
        .iter()
        .filter(|(user, level)| {
            *level > 0
                && user != bot
                && user != &network.client
                && network.current_role(user) != Some(&Role::Representative)
        })
        .map(|(user, _)| user.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(name: &str) -> MatrixId {
        MatrixId::parse(&format!("@{name}:kring.test")).unwrap()
    }

    fn professional() -> Role {
        Role::Professional {
            organisation: "Praktijk De Linde".into(),
            discipline: "huisarts".into(),
        }
    }

    fn member(name: &str, role: Role, membership: Membership) -> Member {
        Member {
            user: id(name),
            role,
            membership,
            since: 0,
            added_by: id("client"),
        }
    }

    /// client, joined bot, joined representative, joined carer, joined professional.
    fn network() -> Network {
        Network {
            id: crate::network::NetworkId::parse("net-1").unwrap(),
            client: id("client"),
            started_by: id("client"),
            state: NetworkState::Active,
            members: vec![
                member("client", Role::Client, Membership::Joined),
                member("kring", Role::Bot, Membership::Joined),
                member("rep", Role::Representative, Membership::Joined),
                member("carer", Role::Carer, Membership::Joined),
                member("gp", professional(), Membership::Joined),
            ],
            proposals: vec![],
            links: vec![],
        }
    }

    #[test]
    fn only_a_representative_acts_for_the_client() {
        let mut network = network();
        assert_eq!(network.acting_for(&id("client")), None);
        assert_eq!(network.acting_for(&id("rep")), Some(id("client")));
        for other in ["carer", "gp", "kring", "stranger"] {
            assert_eq!(network.acting_for(&id(other)), None, "{other}");
        }
        network.members[2].membership = Membership::Left;
        assert_eq!(network.acting_for(&id("rep")), None, "no longer in it");
    }

    fn invite(name: &str, role: Role) -> NetworkRequest {
        NetworkRequest::Invite {
            user: id(name),
            role,
        }
    }

    #[test]
    fn the_client_and_representative_invite_others_propose() {
        let net = network();
        for steering in ["client", "rep"] {
            assert_eq!(
                decide(&net, &id(steering), &invite("new", Role::Carer), 0),
                Ok(Decision::Invite {
                    user: id("new"),
                    role: Role::Carer
                })
            );
        }
        for other in ["carer", "gp"] {
            assert_eq!(
                decide(&net, &id(other), &invite("new", professional()), 0),
                Ok(Decision::Propose(ProposalKind::Invite {
                    user: id("new"),
                    role: professional()
                }))
            );
        }
        assert_eq!(
            decide(&net, &id("stranger"), &invite("new", Role::Carer), 0),
            Err(Refusal::NotAMember)
        );
        // A handful of open proposals per member, then no more until the client decides.
        let mut busy = net.clone();
        for number in 0..MAX_OPEN_PROPOSALS_PER_MEMBER as i64 {
            busy.proposals.push(Proposal {
                number: 100 + number,
                kind: ProposalKind::InviteLink { role: Role::Carer },
                proposed_by: id("carer"),
                state: ProposalState::Open,
                created_at: 0,
            });
        }
        assert_eq!(
            decide(&busy, &id("carer"), &invite("new", professional()), 0),
            Err(Refusal::TooManyOpenProposals {
                max: MAX_OPEN_PROPOSALS_PER_MEMBER
            })
        );
        assert!(matches!(
            decide(&busy, &id("gp"), &invite("new", professional()), 0),
            Ok(Decision::Propose(_))
        ));
    }

    #[test]
    fn inviting_someone_already_in_or_proposed_is_refused() {
        let mut net = network();
        for present in ["client", "carer", "kring"] {
            assert_eq!(
                decide(&net, &id("client"), &invite(present, Role::Carer), 0),
                Err(Refusal::AlreadyInNetwork { user: id(present) })
            );
        }
        net.proposals.push(Proposal {
            number: 1,
            kind: ProposalKind::Invite {
                user: id("new"),
                role: Role::Carer,
            },
            proposed_by: id("carer"),
            state: ProposalState::Open,
            created_at: 0,
        });
        assert_eq!(
            decide(&net, &id("gp"), &invite("new", Role::Carer), 0),
            Err(Refusal::AlreadyProposed { number: 1 })
        );
        // Approving the proposal itself is of course fine.
        assert!(matches!(
            decide(
                &net,
                &id("client"),
                &NetworkRequest::Decide {
                    number: 1,
                    approve: true
                },
                0
            ),
            Ok(Decision::Approve { number: 1, .. })
        ));
    }

    #[test]
    fn only_the_client_appoints_a_representative() {
        let net = network();
        assert_eq!(
            decide(&net, &id("rep"), &invite("new", Role::Representative), 0),
            Err(Refusal::OnlyClientAppointsRepresentative)
        );
        assert_eq!(
            decide(
                &net,
                &id("carer"),
                &NetworkRequest::InviteLink {
                    role: Role::Representative
                },
                0
            ),
            Err(Refusal::OnlyClientAppointsRepresentative)
        );
        assert_eq!(
            decide(
                &net,
                &id("rep"),
                &NetworkRequest::Remove { user: id("rep") },
                0
            ),
            Err(Refusal::OnlyClientAppointsRepresentative)
        );
        assert_eq!(
            decide(&net, &id("client"), &invite("new", Role::Representative), 0),
            Ok(Decision::Invite {
                user: id("new"),
                role: Role::Representative
            })
        );
    }

    #[test]
    fn removal_needs_the_client_and_a_confirmation() {
        let net = network();
        let remove = |name: &str| NetworkRequest::Remove { user: id(name) };
        assert_eq!(
            decide(&net, &id("client"), &remove("carer"), 0),
            Ok(Decision::ConfirmRemoval { user: id("carer") })
        );
        assert_eq!(
            decide(&net, &id("gp"), &remove("carer"), 0),
            Err(Refusal::OnlyClientMay)
        );
        assert_eq!(
            decide(&net, &id("client"), &remove("client"), 0),
            Err(Refusal::CannotRemoveClient)
        );
        assert_eq!(
            decide(&net, &id("client"), &remove("kring"), 0),
            Err(Refusal::CannotRemoveBot)
        );
        assert_eq!(
            decide(&net, &id("client"), &remove("nobody"), 0),
            Err(Refusal::NotInNetwork { user: id("nobody") })
        );
    }

    #[test]
    fn decisions_are_the_clients_and_only_once() {
        let mut net = network();
        net.proposals.push(Proposal {
            number: 4,
            kind: ProposalKind::InviteLink { role: Role::Carer },
            proposed_by: id("gp"),
            state: ProposalState::Open,
            created_at: 0,
        });
        let yes = NetworkRequest::Decide {
            number: 4,
            approve: true,
        };
        assert_eq!(
            decide(&net, &id("carer"), &yes, 0),
            Err(Refusal::OnlyClientMay)
        );
        assert_eq!(
            decide(
                &net,
                &id("client"),
                &NetworkRequest::Decide {
                    number: 5,
                    approve: false
                },
                0
            ),
            Err(Refusal::UnknownProposal { number: 5 })
        );
        assert_eq!(
            decide(&net, &id("client"), &yes, 0),
            Ok(Decision::Approve {
                number: 4,
                kind: ProposalKind::InviteLink { role: Role::Carer }
            })
        );
        net.proposals[0].state = ProposalState::Approved;
        assert_eq!(
            decide(&net, &id("rep"), &yes, 0),
            Err(Refusal::AlreadyDecided {
                number: 4,
                state: ProposalState::Approved
            })
        );
    }

    #[test]
    fn links_can_be_revoked_while_usable() {
        let mut net = network();
        net.links.push(InviteLink {
            id: "ab12".into(),
            role: Role::Carer,
            created_by: id("client"),
            expires_at: 1000,
            state: LinkState::Open,
        });
        let revoke = |link: &str| NetworkRequest::RevokeLink { id: link.into() };
        assert_eq!(
            decide(&net, &id("client"), &revoke("ab12"), 10),
            Ok(Decision::RevokeLink { id: "ab12".into() })
        );
        assert_eq!(
            decide(&net, &id("client"), &revoke("ab12"), 1000),
            Err(Refusal::LinkNotUsable { id: "ab12".into() })
        );
        assert_eq!(
            decide(&net, &id("client"), &revoke("zz"), 10),
            Err(Refusal::UnknownLink { id: "zz".into() })
        );
        assert_eq!(
            decide(&net, &id("carer"), &revoke("ab12"), 10),
            Err(Refusal::OnlyClientMay)
        );
    }

    #[test]
    fn nothing_changes_before_the_client_accepts() {
        let mut net = network();
        net.state = NetworkState::AwaitingClient;
        assert_eq!(
            decide(&net, &id("client"), &invite("new", Role::Carer), 0),
            Err(Refusal::NotActive)
        );
        let bot = id("kring");
        assert_eq!(
            observe_membership(
                &net,
                &bot,
                &id("client"),
                &id("client"),
                &MembershipChange::Join
            ),
            MembershipVerdict::ClientAccepted
        );
        assert_eq!(
            observe_membership(
                &net,
                &bot,
                &id("client"),
                &id("client"),
                &MembershipChange::Leave
            ),
            MembershipVerdict::ClientDeclined
        );
    }

    #[test]
    fn invites_around_the_bot_are_undone() {
        let mut net = network();
        net.members
            .push(member("approved", Role::Carer, Membership::Invited));
        let bot = id("kring");
        let observe = |user: &str, by: &str, change| {
            observe_membership(&net, &bot, &id(user), &id(by), &change)
        };
        assert_eq!(
            observe("stranger", "rep", MembershipChange::Invite),
            MembershipVerdict::Undo
        );
        assert_eq!(
            observe("stranger", "client", MembershipChange::Invite),
            MembershipVerdict::Undo
        );
        assert_eq!(
            observe("stranger", "stranger", MembershipChange::Join),
            MembershipVerdict::Undo
        );
        assert_eq!(
            observe("stranger", "kring", MembershipChange::Invite),
            MembershipVerdict::Nothing
        );
        assert_eq!(
            observe("approved", "approved", MembershipChange::Join),
            MembershipVerdict::Record {
                membership: Membership::Joined,
                welcome: true
            }
        );
        assert_eq!(
            observe("carer", "carer", MembershipChange::Leave),
            MembershipVerdict::Record {
                membership: Membership::Left,
                welcome: false
            }
        );
        assert_eq!(
            observe("carer", "client", MembershipChange::Leave),
            MembershipVerdict::Record {
                membership: Membership::Removed,
                welcome: false
            }
        );
    }

    #[test]
    fn only_representatives_may_hold_power_besides_the_owners() {
        let net = network();
        let levels = [
            (id("rep"), 100),
            (id("gp"), 100),
            (id("carer"), 50),
            (id("kring"), 100),
            (id("client"), 100),
            (id("stranger"), 0),
        ];
        assert_eq!(
            unapproved_power(&net, &id("kring"), &levels),
            [id("gp"), id("carer")]
        );
    }

    /// What the bot records for each decision: the same consequences its handlers put in
    /// their plans, applied as the store applies them.
    fn apply(network: &mut Network, actor: &MatrixId, decision: Decision, now: Millis) {
        use consequences::*;
        let link = |network: &Network, created_by: &MatrixId| NewLink {
            id: format!("l{}", network.links.len()),
            secret_hash: String::new(),
            created_by: created_by.clone(),
            expires_at: now + INVITE_LINK_LIFETIME,
        };
        let leaving = |network: &Network, user: &MatrixId| proposals_lapse(network, user, now).1;
        let changes = match decision {
            Decision::Invite { user, role } => invited(network, actor, &user, &role, now),
            Decision::CreateLink { role } => {
                link_made(network, actor, &role, &link(network, actor), now)
            }
            Decision::Propose(kind) => proposed(network, actor, &kind, now),
            Decision::ConfirmRemoval { user } => removal_asked(network, actor, &user, now),
            Decision::Approve { number, kind } => {
                let proposer = network
                    .proposal(number)
                    .expect("decided")
                    .proposed_by
                    .clone();
                let mut changes = decided(network, actor, number, true, now);
                changes.extend(match kind {
                    ProposalKind::Invite { user, role } => {
                        invited(network, actor, &user, &role, now)
                    }
                    ProposalKind::InviteLink { role } => {
                        link_made(network, actor, &role, &link(network, &proposer), now)
                    }
                    ProposalKind::Remove { user } => {
                        let mut changes = removed(network, actor, &user, now);
                        changes.extend(leaving(network, &user));
                        changes
                    }
                });
                changes
            }
            Decision::Refuse { number } => decided(network, actor, number, false, now),
            Decision::RevokeLink { id } => link_revoked(network, actor, &id, now),
            Decision::Leave => {
                let mut changes = leaving(network, actor);
                changes.extend(left(network, actor, now));
                changes
            }
        };
        for change in &changes {
            network.apply(change);
        }
    }

    /// What the bot records when the room shows someone's membership change (their own join or
    /// leave), as the membership handler does.
    fn observe(network: &mut Network, user: &MatrixId, change: MembershipChange, now: Millis) {
        use consequences::*;
        let changes = match observe_membership(network, &id("kring"), user, user, &change) {
            MembershipVerdict::Record { membership, .. } => {
                let mut changes = membership_recorded(network, user, user, membership, now);
                if !membership.is_current() {
                    changes.extend(proposals_lapse(network, user, now).1);
                }
                changes
            }
            MembershipVerdict::ClientAccepted => client_accepted(network, user, now),
            MembershipVerdict::ClientDeclined => client_declined(network, user, now),
            MembershipVerdict::Undo => vec![undone(network, user, user, now)],
            MembershipVerdict::Nothing => vec![],
        };
        for change in &changes {
            network.apply(change);
        }
    }

    const PEOPLE: &[&str] = &["client", "rep", "carer", "gp", "stranger", "new", "kring"];

    fn any_role() -> impl Strategy<Value = Role> {
        prop_oneof![
            Just(Role::Carer),
            Just(Role::Representative),
            Just(professional())
        ]
    }

    fn any_request() -> impl Strategy<Value = NetworkRequest> {
        let person = (0..PEOPLE.len()).prop_map(|i| id(PEOPLE[i]));
        prop_oneof![
            (person.clone(), any_role())
                .prop_map(|(user, role)| NetworkRequest::Invite { user, role }),
            any_role().prop_map(|role| NetworkRequest::InviteLink { role }),
            person.prop_map(|user| NetworkRequest::Remove { user }),
            (1..6i64, any::<bool>())
                .prop_map(|(number, approve)| NetworkRequest::Decide { number, approve }),
            (0..3usize).prop_map(|i| NetworkRequest::RevokeLink {
                id: format!("l{i}")
            }),
            Just(NetworkRequest::Leave),
        ]
    }

    /// A step in the model: someone asks something of the network, or their own membership in
    /// the room changes (an invitee joins, someone leaves through Element).
    #[derive(Debug, Clone)]
    enum Step {
        Ask(NetworkRequest),
        Room(MembershipChange),
    }

    fn any_step() -> impl Strategy<Value = Step> {
        prop_oneof![
            3 => any_request().prop_map(Step::Ask),
            1 => prop_oneof![
                Just(MembershipChange::Join),
                Just(MembershipChange::Leave)
            ]
            .prop_map(Step::Room),
        ]
    }

    fn current_members(network: &Network) -> Vec<(MatrixId, Role)> {
        let mut members: Vec<_> = network
            .members
            .iter()
            .filter(|m| m.membership.is_current())
            .map(|m| (m.user.clone(), m.role.clone()))
            .collect();
        members.sort_by(|a, b| a.0.cmp(&b.0));
        members
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Over random sequences by random actors: nobody but the client or a joined
        /// representative ever changes membership, decides a proposal or revokes a link; others
        /// only add proposals or take themselves out; the client is never removed and a
        /// representative is only ever appointed by the client.
        #[test]
        fn only_the_client_side_changes_the_network(
            steps in proptest::collection::vec(((0..PEOPLE.len()), any_step()), 1..40)
        ) {
            let mut net = network();
            for (index, step) in steps {
                let actor = id(PEOPLE[index]);
                let before = net.clone();
                let request = match step {
                    Step::Ask(request) => request,
                    Step::Room(change) => {
                        let joins = change == MembershipChange::Join;
                        observe(&mut net, &actor, change, 100);
                        // Joining the room never makes anyone a member nobody invited (the
                        // client may always come back to their own network).
                        if joins && actor != before.client && before.current_role(&actor).is_none() {
                            prop_assert_eq!(net.current_role(&actor), None);
                        }
                        prop_assert_eq!(
                            before.proposals.len(), net.proposals.len(),
                            "a membership change adds no proposal"
                        );
                        continue;
                    }
                };
                let Ok(decision) = decide(&net, &actor, &request, 100) else {
                    prop_assert_eq!(&net, &before);
                    continue;
                };
                // Written out here rather than asking `steered_by`, so a slip there shows.
                let steering = actor == before.client
                    || before.members.iter().any(|m| {
                        m.user == actor
                            && m.role == Role::Representative
                            && m.membership == Membership::Joined
                    });
                let appoints_representative = matches!(&decision,
                    Decision::Invite { role: Role::Representative, .. }
                    | Decision::CreateLink { role: Role::Representative }
                    | Decision::Approve { kind: ProposalKind::Invite { role: Role::Representative, .. }, .. }
                    | Decision::Approve { kind: ProposalKind::InviteLink { role: Role::Representative }, .. });
                apply(&mut net, &actor, decision, 100);
                let mut without_actor = current_members(&net);
                without_actor.retain(|(user, _)| user != &actor);
                let mut before_without_actor = current_members(&before);
                before_without_actor.retain(|(user, _)| user != &actor);
                if !steering {
                    prop_assert_eq!(&without_actor, &before_without_actor,
                        "{} changed someone else's membership", actor);
                    prop_assert_eq!(net.links.len(), before.links.len());
                    // They decide nothing; leaving lets only what they proposed lapse.
                    for (old, new) in before.proposals.iter().zip(&net.proposals) {
                        if old.state != new.state {
                            prop_assert_eq!(new.state, ProposalState::Lapsed);
                            prop_assert_eq!(&old.proposed_by, &actor);
                        }
                    }
                }
                if appoints_representative {
                    prop_assert_eq!(&actor, &net.client);
                }
                // Nobody takes the client out; only they may leave (and come back).
                let client_membership = |network: &Network| {
                    network.member(&network.client).map(|m| (m.role.clone(), m.membership))
                };
                prop_assert_ne!(
                    client_membership(&net).map(|(_, membership)| membership),
                    Some(Membership::Removed)
                );
                if actor != net.client {
                    prop_assert_eq!(client_membership(&net), client_membership(&before));
                }
            }
        }
    }
}
