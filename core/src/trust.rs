//! Whose input the bot acts on. An input that changes a network, consent or what someone can
//! read counts only when it came end-to-end encrypted from a device its owner's cross-signing
//! identity signed: a stolen access token has no device keys, and a device someone signed in on
//! with a password alone has no signature from its owner.

/// What the bot knows about the device an input came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SenderDevice {
    /// Sent without end-to-end encryption: anyone holding the account's access token, or the
    /// server itself, can write this.
    Plaintext,
    /// Encrypted by a device its owner's identity signed (whether or not the bot verified that
    /// identity: the first identity seen is pinned, as Element does).
    SignedByOwner,
    /// Encrypted by a device its owner never signed.
    UnsignedDevice,
    /// Encrypted, but the device could not be found, or the key came from a source that cannot
    /// vouch for it (a backup, a forwarded key).
    UnknownDevice,
    /// The owner's identity was verified once and has changed since.
    ChangedIdentity,
    /// The device that made the encryption session belongs to someone other than the sender.
    OtherSender,
}

/// Why an input was not acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Distrust {
    /// It came without end-to-end encryption.
    NotEncrypted,
    /// It came from a device its owner has not confirmed (unsigned, unknown, or not theirs).
    UnconfirmedDevice,
    /// The owner's identity changed after it was verified.
    ChangedIdentity,
}

impl Distrust {
    /// Stable code for storage and the audit log.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotEncrypted => "not_encrypted",
            Self::UnconfirmedDevice => "unconfirmed_device",
            Self::ChangedIdentity => "changed_identity",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::NotEncrypted,
            Self::UnconfirmedDevice,
            Self::ChangedIdentity,
        ]
        .into_iter()
        .find(|distrust| distrust.code() == code)
    }
}

/// The one rule: only a device its owner signed steers.
pub fn may_act_on(device: SenderDevice) -> Result<(), Distrust> {
    match device {
        SenderDevice::SignedByOwner => Ok(()),
        SenderDevice::Plaintext => Err(Distrust::NotEncrypted),
        SenderDevice::UnsignedDevice | SenderDevice::UnknownDevice | SenderDevice::OtherSender => {
            Err(Distrust::UnconfirmedDevice)
        }
        SenderDevice::ChangedIdentity => Err(Distrust::ChangedIdentity),
    }
}

/// Whether it is worth asking the homeserver for the sender's devices and looking again: a
/// device that signed in a moment ago may not be known to the bot yet.
pub fn worth_a_second_look(device: SenderDevice) -> bool {
    device == SenderDevice::UnknownDevice
}

/// A steering person's cross-signing identity (their master key) against the one Kring pinned
/// when it first saw them steer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityVerdict {
    /// Never seen: this one is pinned.
    Pin,
    /// The pinned one.
    Same,
    /// Another one: their account was reset (a new phone, a lost recovery key) or taken over.
    /// Their steering waits until the region's administrator has checked who they are.
    Changed,
}

pub fn judge_identity(pinned: Option<&str>, current: &str) -> IdentityVerdict {
    match pinned {
        None => IdentityVerdict::Pin,
        Some(pinned) if pinned == current => IdentityVerdict::Same,
        Some(_) => IdentityVerdict::Changed,
    }
}

/// What a judged identity means for what someone may do and read: the same rule for their
/// input (may it steer?) and for the bot's room keys (may their devices read what it says?).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityTrust {
    /// Pinned now, or the pinned one.
    Trusted,
    /// Another identity for someone who does not steer: their word decides nothing without the
    /// client, so it becomes the pinned one (the network sees who they are by name as before).
    TrustedAfterReplacing,
    /// Another identity for someone who steers: neither their input nor the bot's room keys
    /// until the region's administrator has checked who they are.
    Paused,
}

pub fn identity_trust(verdict: IdentityVerdict, steers: bool) -> IdentityTrust {
    match (verdict, steers) {
        (IdentityVerdict::Pin | IdentityVerdict::Same, _) => IdentityTrust::Trusted,
        (IdentityVerdict::Changed, false) => IdentityTrust::TrustedAfterReplacing,
        (IdentityVerdict::Changed, true) => IdentityTrust::Paused,
    }
}

/// What an invitation to a room says about that room, from the state the inviter's server shows
/// before joining.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invitation<'a> {
    /// Who sent the invitation.
    pub inviter: Option<&'a str>,
    /// Who created the room (the `m.room.create` sender).
    pub creator: Option<&'a str>,
    /// The invitation is marked as one to a direct chat.
    pub marked_direct: bool,
}

/// The bot joins only a direct chat its inviter made; every other room it is in, it made
/// itself. A room someone else made for others (with a look-alike Kring tag, say) is refused.
pub fn may_join(invitation: &Invitation<'_>) -> bool {
    invitation.marked_direct
        && invitation.inviter.is_some()
        && invitation.inviter == invitation.creator
}

/// What the bot knows about a room, to tell whether it is someone's private chat with the bot.
#[derive(Debug, Clone, Copy)]
pub struct RoomFacts<'a> {
    pub bot: &'a str,
    /// Who made the room (the `m.room.create` sender).
    pub creator: Option<&'a str>,
    /// The people the bot's own `m.direct` account data lists for this room: written by the bot
    /// itself when it accepted an invitation marked as one to a direct chat.
    pub direct_targets: &'a [&'a str],
    pub encrypted: bool,
    /// Everyone joined or invited, and whether they have joined.
    pub members: &'a [(&'a str, bool)],
}

/// Whose private chat with the bot a room is, if anyone's: the one rule for "is this a direct
/// chat". The bot's `m.direct` names exactly one person for it, that person made it and has
/// joined, it is end-to-end encrypted, and nobody else is in it or invited. Only such a room may
/// hold a secret (an invite link, the logbook), and only there is every message for the bot. A
/// member count is not enough: a room whose maker left and let someone else in still counts two.
pub fn private_chat_of<'a>(facts: &RoomFacts<'a>) -> Option<&'a str> {
    let [owner] = facts.direct_targets else {
        return None;
    };
    let owner_joined = facts
        .members
        .iter()
        .any(|(user, joined)| user == owner && *joined);
    let only_the_two = facts
        .members
        .iter()
        .all(|(user, _)| user == owner || *user == facts.bot);
    (*owner != facts.bot
        && facts.creator == Some(*owner)
        && facts.encrypted
        && owner_joined
        && only_the_two)
        .then_some(*owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_changed_identity_of_someone_who_steers_is_paused() {
        use IdentityTrust::*;
        use IdentityVerdict::*;
        for (verdict, steers, trust) in [
            (Pin, false, Trusted),
            (Pin, true, Trusted),
            (Same, false, Trusted),
            (Same, true, Trusted),
            (Changed, false, TrustedAfterReplacing),
            (Changed, true, Paused),
        ] {
            assert_eq!(
                identity_trust(verdict, steers),
                trust,
                "{verdict:?} {steers}"
            );
        }
    }

    #[test]
    fn a_changed_identity_is_never_the_pinned_one() {
        assert_eq!(judge_identity(None, "key-a"), IdentityVerdict::Pin);
        assert_eq!(
            judge_identity(Some("key-a"), "key-a"),
            IdentityVerdict::Same
        );
        assert_eq!(
            judge_identity(Some("key-a"), "key-b"),
            IdentityVerdict::Changed
        );
    }

    #[test]
    fn only_a_direct_chat_its_inviter_made_is_joined() {
        let people = [None, Some("@anna:kring.test"), Some("@mallory:kring.test")];
        for inviter in people {
            for creator in people {
                for marked_direct in [false, true] {
                    let invitation = Invitation {
                        inviter,
                        creator,
                        marked_direct,
                    };
                    let expected = marked_direct && inviter.is_some() && inviter == creator;
                    assert_eq!(may_join(&invitation), expected, "{invitation:?}");
                }
            }
        }
    }

    const EVERY_DEVICE: [SenderDevice; 6] = [
        SenderDevice::Plaintext,
        SenderDevice::SignedByOwner,
        SenderDevice::UnsignedDevice,
        SenderDevice::UnknownDevice,
        SenderDevice::ChangedIdentity,
        SenderDevice::OtherSender,
    ];

    #[test]
    fn only_a_device_its_owner_signed_steers() {
        for device in EVERY_DEVICE {
            let verdict = may_act_on(device);
            assert_eq!(
                verdict.is_ok(),
                device == SenderDevice::SignedByOwner,
                "{device:?}: {verdict:?}"
            );
        }
        assert_eq!(
            may_act_on(SenderDevice::Plaintext),
            Err(Distrust::NotEncrypted)
        );
        assert_eq!(
            may_act_on(SenderDevice::ChangedIdentity),
            Err(Distrust::ChangedIdentity)
        );
    }

    #[test]
    fn a_second_look_only_where_it_can_help() {
        for device in EVERY_DEVICE {
            assert_eq!(
                worth_a_second_look(device),
                device == SenderDevice::UnknownDevice
            );
        }
    }

    #[test]
    fn every_reason_survives_its_code() {
        for device in EVERY_DEVICE {
            if let Err(distrust) = may_act_on(device) {
                assert_eq!(Distrust::from_code(distrust.code()), Some(distrust));
            }
        }
        assert_eq!(Distrust::from_code("trusted"), None);
    }

    /// Every combination of the facts over a small cast, against the rule written out.
    #[test]
    fn a_private_chat_is_the_direct_one_its_owner_made_encrypted_and_alone_with_the_bot() {
        let bot = "@kring:kring.test";
        let anna = "@anna:kring.test";
        let mallory = "@mallory:kring.test";
        let people = [bot, anna, mallory];
        let targets: [&[&str]; 4] = [&[], &[anna], &[mallory], &[anna, mallory]];
        let member_sets: Vec<Vec<(&str, bool)>> = vec![
            vec![(bot, true)],
            vec![(bot, true), (anna, true)],
            vec![(bot, true), (anna, false)],
            vec![(bot, true), (mallory, true)],
            vec![(bot, true), (anna, true), (mallory, false)],
            vec![(bot, true), (anna, true), (mallory, true)],
        ];
        let mut private = 0;
        for direct_targets in targets {
            for creator in people.iter().copied().map(Some).chain([None]) {
                for encrypted in [false, true] {
                    for members in &member_sets {
                        let facts = RoomFacts {
                            bot,
                            creator,
                            direct_targets,
                            encrypted,
                            members,
                        };
                        let expected = match direct_targets {
                            [owner]
                                if *owner != bot
                                    && creator == Some(*owner)
                                    && encrypted
                                    && members.contains(&(*owner, true))
                                    && members.iter().all(|(u, _)| u == owner || *u == bot) =>
                            {
                                Some(*owner)
                            }
                            _ => None,
                        };
                        assert_eq!(private_chat_of(&facts), expected, "{facts:?}");
                        private += usize::from(expected.is_some());
                    }
                }
            }
        }
        assert_eq!(private, 2, "anna's and mallory's own chats");
    }
}
