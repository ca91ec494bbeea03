//! The audit log's entries and their hash chain (NEN 7513 fields: what, when, which network,
//! who, on whose behalf, about what, with what outcome). Each entry's hash covers its fields and
//! the previous entry's hash, so changing, removing or reordering any entry breaks the chain
//! from that entry on.

use crate::consent::InfoKind;
use crate::trust::Distrust;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// 1, 2, 3, … without gaps.
    pub seq: i64,
    /// Milliseconds since the epoch.
    pub at: i64,
    pub network_id: String,
    /// What happened, e.g. `member.invite`, `consent.withdraw`.
    pub event_type: String,
    pub actor: String,
    pub on_behalf_of: Option<String>,
    pub object: Option<String>,
    pub outcome: String,
    /// The event that caused it (a command, a reaction, a membership change).
    pub cause_event_id: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry must carry: over every field but the hash itself, in a fixed order
    /// and an unambiguous encoding (a JSON array).
    pub fn expected_hash(&self) -> String {
        let fields = serde_json::json!([
            self.seq,
            self.at,
            self.network_id,
            self.event_type,
            self.actor,
            self.on_behalf_of,
            self.object,
            self.outcome,
            self.cause_event_id,
            self.prev_hash,
        ]);
        hex::encode(Sha256::digest(fields.to_string().as_bytes()))
    }
}

/// Why the chain breaks at an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// Entries are missing before this one.
    Gap { expected_seq: i64 },
    /// It does not point at the entry before it.
    WrongPrevious,
    /// Its content was changed after it was written.
    WrongHash,
}

/// Checks entries in order; returns the first broken entry's seq and why, or `None` when whole.
pub fn first_break<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Option<(i64, ChainBreak)> {
    let mut previous = GENESIS_HASH.to_owned();
    for (expected_seq, entry) in (1..).zip(entries) {
        if entry.seq != expected_seq {
            return Some((entry.seq, ChainBreak::Gap { expected_seq }));
        }
        if entry.prev_hash != previous {
            return Some((entry.seq, ChainBreak::WrongPrevious));
        }
        if entry.hash != entry.expected_hash() {
            return Some((entry.seq, ChainBreak::WrongHash));
        }
        previous = entry.hash.clone();
    }
    None
}

/// What an audit entry records. Stored as a stable code (`member.invite`, `consent.give.chat`):
/// the code is what the hash chain covers, so a code, once written, never changes meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// The client (or a professional for them) started a network.
    NetworkStart,
    /// The client accepted a network started for them.
    NetworkAccept,
    /// The client declined a network started for them.
    NetworkDecline,
    MemberInvite,
    MemberJoin,
    MemberLeave,
    MemberRemove,
    /// Someone invited or let in around the bot; undone.
    MemberUndoUnapproved,
    LinkCreate,
    LinkRevoke,
    LinkUse,
    ProposalAdd,
    ProposalApprove,
    ProposalRefuse,
    ProposalDecide,
    ProposalLapse,
    /// A room setting changed around the bot; put back.
    RoomUndoSetting,
    /// The room was replaced (upgraded); the bot stayed.
    RoomRefuseUpgrade,
    /// Power given around the bot; taken back.
    PowerUndoUnapproved,
    /// The security keys of someone who steers changed.
    IdentityChanged,
    /// The administrator confirmed someone's new keys.
    IdentityConfirmed,
    /// Input not acted on because of how it arrived.
    Input(Distrust),
    ConsentGive(InfoKind),
    ConsentWithdraw(InfoKind),
    /// A grant reached its end date and the bot carried out what that means.
    ConsentEnd(InfoKind),
    Meeting(crate::meeting::MeetingAction),
    Consult(crate::consult::ConsultAction),
}

const PLAIN_CODES: &[(AuditAction, &str)] = &[
    (AuditAction::NetworkStart, "network.start"),
    (AuditAction::NetworkAccept, "network.accept"),
    (AuditAction::NetworkDecline, "network.decline"),
    (AuditAction::MemberInvite, "member.invite"),
    (AuditAction::MemberJoin, "member.join"),
    (AuditAction::MemberLeave, "member.leave"),
    (AuditAction::MemberRemove, "member.remove"),
    (AuditAction::MemberUndoUnapproved, "member.undo_unapproved"),
    (AuditAction::LinkCreate, "link.create"),
    (AuditAction::LinkRevoke, "link.revoke"),
    (AuditAction::LinkUse, "link.use"),
    (AuditAction::ProposalAdd, "proposal.add"),
    (AuditAction::ProposalApprove, "proposal.approve"),
    (AuditAction::ProposalRefuse, "proposal.refuse"),
    (AuditAction::ProposalDecide, "proposal.decide"),
    (AuditAction::ProposalLapse, "proposal.lapse"),
    (AuditAction::RoomUndoSetting, "room.undo_setting"),
    (AuditAction::RoomRefuseUpgrade, "room.refuse_upgrade"),
    (AuditAction::PowerUndoUnapproved, "power.undo_unapproved"),
    (AuditAction::IdentityChanged, "identity.changed"),
    (AuditAction::IdentityConfirmed, "identity.confirmed"),
];

impl AuditAction {
    pub fn code(self) -> String {
        match self {
            Self::Input(distrust) => format!("input.{}", distrust.code()),
            Self::ConsentGive(kind) => format!("consent.give.{}", kind.code()),
            Self::ConsentWithdraw(kind) => format!("consent.withdraw.{}", kind.code()),
            Self::ConsentEnd(kind) => format!("consent.end.{}", kind.code()),
            Self::Meeting(action) => format!("meeting.{}", action.code()),
            Self::Consult(action) => format!("consult.{}", action.code()),
            plain => PLAIN_CODES
                .iter()
                .find(|(action, _)| *action == plain)
                .map(|(_, code)| (*code).to_owned())
                .unwrap_or_default(),
        }
    }

    /// `None` for a code this version does not know (written by a newer one).
    pub fn from_code(code: &str) -> Option<Self> {
        if let Some((action, _)) = PLAIN_CODES.iter().find(|(_, known)| *known == code) {
            return Some(*action);
        }
        let (family, rest) = code.split_once('.')?;
        match family {
            "input" => Distrust::from_code(rest).map(Self::Input),
            "meeting" => crate::meeting::MeetingAction::from_code(rest).map(Self::Meeting),
            "consult" => crate::consult::ConsultAction::from_code(rest).map(Self::Consult),
            "consent" => {
                let (verb, kind) = rest.split_once('.')?;
                let kind = InfoKind::from_code(kind)?;
                match verb {
                    "give" => Some(Self::ConsentGive(kind)),
                    "withdraw" => Some(Self::ConsentWithdraw(kind)),
                    "end" => Some(Self::ConsentEnd(kind)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// The newest entry's number and hash, written outside the database. Cutting entries off the
/// end of the log leaves a whole, shorter chain; an anchor is how that is found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchor {
    pub seq: i64,
    pub hash: String,
    /// When it was taken, milliseconds since the epoch.
    pub at: i64,
}

/// How the log disagrees with an anchor taken earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorBreak {
    /// The anchored entry is gone: the log was cut (or emptied) after the anchor was taken.
    Missing { seq: i64 },
    /// The anchored entry is there but is not the one anchored: the log was rewritten.
    Differs { seq: i64 },
}

/// Checks a whole chain (`entries` in order, as `first_break` accepted them) against an anchor.
pub fn check_anchor(entries: &[AuditEntry], anchor: &AuditAnchor) -> Option<AnchorBreak> {
    let Ok(index) = usize::try_from(anchor.seq - 1) else {
        return Some(AnchorBreak::Missing { seq: anchor.seq });
    };
    match entries.get(index) {
        None => Some(AnchorBreak::Missing { seq: anchor.seq }),
        Some(entry) if entry.hash != anchor.hash => Some(AnchorBreak::Differs { seq: anchor.seq }),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chain(actors: &[String]) -> Vec<AuditEntry> {
        let mut previous = GENESIS_HASH.to_owned();
        actors
            .iter()
            .enumerate()
            .map(|(index, actor)| {
                let mut entry = AuditEntry {
                    seq: index as i64 + 1,
                    at: 1000 + index as i64,
                    network_id: "net".into(),
                    event_type: "member.invite".into(),
                    actor: actor.clone(),
                    on_behalf_of: None,
                    object: Some("@piet:kring.test".into()),
                    outcome: "done".into(),
                    cause_event_id: format!("$e{index}"),
                    prev_hash: previous.clone(),
                    hash: String::new(),
                };
                entry.hash = entry.expected_hash();
                previous = entry.hash.clone();
                entry
            })
            .collect()
    }

    proptest! {
        /// Any single change to any field of any entry, or removing one, is found, at that entry.
        #[test]
        fn every_change_is_found_where_it_was_made(
            actors in proptest::collection::vec("@[a-z]{1,8}:kring.test", 1..20),
            victim in any::<prop::sample::Index>(),
            field in 0..6usize,
        ) {
            let entries = chain(&actors);
            prop_assert_eq!(first_break(&entries), None);
            let index = victim.index(entries.len());
            let mut tampered = entries.clone();
            let entry = &mut tampered[index];
            match field {
                0 => entry.actor.push('x'),
                1 => entry.at += 1,
                2 => entry.outcome = "refused".into(),
                3 => entry.on_behalf_of = Some("@client:kring.test".into()),
                4 => entry.object = None,
                _ => {
                    tampered.remove(index);
                    if index == tampered.len() {
                        // Dropping the last entry leaves a shorter, whole chain; only the count
                        // (kept elsewhere) could tell, so this case is not the chain's to find.
                        return Ok(());
                    }
                }
            }
            let seq = index as i64 + 1;
            let found = first_break(&tampered).map(|(at, _)| at);
            prop_assert!(found == Some(seq) || found == Some(seq + 1), "found {:?}, changed {}", found, seq);
        }
    }

    #[test]
    fn an_anchor_finds_a_cut_end_and_a_rewritten_log() {
        let names: Vec<String> = (0..5).map(|n| format!("@a{n}:kring.test")).collect();
        let entries = chain(&names);
        let anchor = AuditAnchor {
            seq: 4,
            hash: entries[3].hash.clone(),
            at: 0,
        };
        assert_eq!(check_anchor(&entries, &anchor), None);
        assert_eq!(
            check_anchor(&entries[..5], &anchor),
            None,
            "later entries are fine"
        );
        assert_eq!(
            check_anchor(&entries[..3], &anchor),
            Some(AnchorBreak::Missing { seq: 4 }),
            "a shorter chain is whole but cut"
        );
        let rewritten = chain(&names[1..]);
        assert_eq!(
            check_anchor(&rewritten, &anchor),
            Some(AnchorBreak::Differs { seq: 4 })
        );
        assert_eq!(
            check_anchor(&[], &anchor),
            Some(AnchorBreak::Missing { seq: 4 })
        );
    }

    #[test]
    fn every_action_has_a_code_that_reads_back() {
        let mut actions: Vec<AuditAction> = PLAIN_CODES.iter().map(|(action, _)| *action).collect();
        for kind in InfoKind::ALL {
            actions.extend([
                AuditAction::ConsentGive(kind),
                AuditAction::ConsentWithdraw(kind),
                AuditAction::ConsentEnd(kind),
            ]);
        }
        for distrust in [
            Distrust::NotEncrypted,
            Distrust::UnconfirmedDevice,
            Distrust::ChangedIdentity,
        ] {
            actions.push(AuditAction::Input(distrust));
        }
        for action in crate::consult::ConsultAction::ALL {
            actions.push(AuditAction::Consult(action));
        }
        for action in crate::meeting::MeetingAction::ALL {
            actions.push(AuditAction::Meeting(action));
        }
        let mut codes = std::collections::HashSet::new();
        for action in actions {
            let code = action.code();
            assert!(!code.is_empty(), "{action:?}");
            assert!(codes.insert(code.clone()), "{code} twice");
            assert_eq!(AuditAction::from_code(&code), Some(action), "{code}");
        }
        // Codes written before the enum existed still read (the hash chain covers them).
        assert_eq!(
            AuditAction::from_code("consent.end.past_history"),
            Some(AuditAction::ConsentEnd(InfoKind::PastHistory))
        );
        for unknown in [
            "",
            "member",
            "member.invite.x",
            "consent.give",
            "consent.give.x",
            "x.y",
            "meeting.later",
        ] {
            assert_eq!(AuditAction::from_code(unknown), None, "{unknown}");
        }
    }
}
