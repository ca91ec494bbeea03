//! How an event reached the bot, in the terms of `kring_core::trust`: what matrix-sdk says
//! about the device that encrypted it.

use crate::{Bot, BotError, sync};
use kring_core::MatrixId;
use kring_core::audit::AuditAction;
use kring_core::messages::{self, BotReply, Person};
use kring_core::plan::{ActionRecord, Change, Effect, Outcome, Plan, Target};
use kring_core::trust::{self, Distrust, IdentityTrust, IdentityVerdict, SenderDevice};
use kring_store::InboxEntry;
use matrix_sdk::deserialized_responses::{
    EncryptionInfo, TimelineEvent, VerificationLevel, VerificationState,
};
use matrix_sdk::ruma::{EventId, OwnedUserId, RoomId, UserId};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tracing::debug;

/// The device an event came from. A device the bot does not know yet is looked up at the
/// homeserver once and the event decrypted again, so a device that signed in a moment ago and
/// that its owner signed is not refused for being new.
pub(crate) async fn sender_device(
    bot: &Bot,
    room_id: &RoomId,
    event_id: &str,
    sender: &str,
    event: &TimelineEvent,
) -> SenderDevice {
    let device = classify(event.encryption_info().map(|info| info.as_ref()));
    if !trust::worth_a_second_look(device) {
        return device;
    }
    let (Ok(sender), Ok(event_id), Some(room)) = (
        UserId::parse(sender),
        EventId::parse(event_id),
        bot.client.get_room(room_id),
    ) else {
        return device;
    };
    if let Err(error) = bot.client.encryption().request_user_identity(&sender).await {
        debug!(%error, "could not look up a sender's devices");
        return device;
    }
    match room.event(&event_id, None).await {
        Ok(again) => classify(again.encryption_info().map(|info| info.as_ref())),
        Err(error) => {
            debug!(%error, "could not fetch an event again to check its sender");
            device
        }
    }
}

/// matrix-sdk's verdict on the session that encrypted an event, as Kring's trust model names it.
pub(crate) fn classify(info: Option<&EncryptionInfo>) -> SenderDevice {
    let Some(info) = info else {
        return SenderDevice::Plaintext;
    };
    match &info.verification_state {
        // A violation is matrix-sdk's word for "signed by its owner's identity, which the bot
        // verified once and which has changed since": the bot verifies what Kring pinned, so
        // whether the change may steer is Kring's pin to judge (`steering_identity`).
        VerificationState::Verified
        | VerificationState::Unverified(
            VerificationLevel::UnverifiedIdentity | VerificationLevel::VerificationViolation,
        ) => SenderDevice::SignedByOwner,
        VerificationState::Unverified(VerificationLevel::UnsignedDevice) => {
            SenderDevice::UnsignedDevice
        }
        VerificationState::Unverified(VerificationLevel::None(_)) => SenderDevice::UnknownDevice,
        VerificationState::Unverified(VerificationLevel::MismatchedSender) => {
            SenderDevice::OtherSender
        }
    }
}

/// What the bot remembers between messages about identities it already judged, so that an
/// input or a send costs no database write and no homeserver request for someone it knows.
#[derive(Default)]
pub(crate) struct TrustCache {
    /// Master keys found to be the pinned identity (an input's key is always read afresh and
    /// compared with this; only the database check is skipped).
    pinned: std::sync::Mutex<HashMap<String, String>>,
    /// Members whose identity was checked for key sharing, and when; forgotten when matrix-sdk
    /// reports their identity new or changed, and after [`RECHECK_AFTER`].
    checked: std::sync::Mutex<HashMap<OwnedUserId, Instant>>,
}

/// How long a member's identity check for key sharing holds without news of a change.
const RECHECK_AFTER: Duration = Duration::from_secs(600);

/// How long the bot waits for the homeserver when it looks up a member's keys before sending.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

impl TrustCache {
    fn is_pinned(&self, user: &str, master_key: &str) -> bool {
        self.pinned
            .lock()
            .expect("not poisoned")
            .get(user)
            .is_some_and(|key| key == master_key)
    }

    fn remember_pinned(&self, user: &str, master_key: &str) {
        self.pinned
            .lock()
            .expect("not poisoned")
            .insert(user.to_owned(), master_key.to_owned());
    }

    fn was_checked(&self, user_id: &UserId) -> bool {
        self.checked
            .lock()
            .expect("not poisoned")
            .get(user_id)
            .is_some_and(|at| at.elapsed() < RECHECK_AFTER)
    }

    fn checked(&self, user_id: &UserId) {
        self.checked
            .lock()
            .expect("not poisoned")
            .insert(user_id.to_owned(), Instant::now());
    }

    /// Their identity changed or was confirmed: judged afresh next time.
    pub(crate) fn forget(&self, user_id: &str) {
        self.pinned.lock().expect("not poisoned").remove(user_id);
        self.checked
            .lock()
            .expect("not poisoned")
            .retain(|user, _| user.as_str() != user_id);
    }
}

/// Forgets what [`TrustCache`] knew of anyone whose identity matrix-sdk reports new or changed.
pub(crate) async fn forget_changed_identities(bot: std::sync::Arc<Bot>) {
    use futures_util::StreamExt;
    let updates = match bot.client.encryption().user_identities_stream().await {
        Ok(updates) => updates,
        Err(error) => {
            tracing::warn!(%error, "cannot follow identity changes; members are checked every ten minutes");
            return;
        }
    };
    futures_util::pin_mut!(updates);
    while let Some(update) = updates.next().await {
        for user_id in update.new.keys().chain(update.changed.keys()) {
            bot.trust_cache.forget(user_id.as_str());
        }
    }
}

/// Kring's pin for `person` judged against `master_key` (pinned at first sight; replaced for
/// someone who does not steer), as `kring_core::trust::identity_trust` rules. The flag says the
/// change is new, so that it is told once. The one place inputs and sends both judge by.
async fn judge_pinned(
    bot: &Bot,
    person: &MatrixId,
    master_key: &str,
) -> Result<(IdentityTrust, bool), BotError> {
    let (verdict, newly_changed) = bot.store.check_identity(person, master_key).await?;
    let steers = verdict == IdentityVerdict::Changed
        && !bot.store.networks_steered_by(person).await?.is_empty();
    let trust = trust::identity_trust(verdict, steers);
    match trust {
        IdentityTrust::TrustedAfterReplacing => {
            bot.store.replace_identity(person, master_key).await?;
            bot.trust_cache.remember_pinned(person.as_str(), master_key);
        }
        IdentityTrust::Trusted => bot.trust_cache.remember_pinned(person.as_str(), master_key),
        IdentityTrust::Paused => bot.trust_cache.forget(person.as_str()),
    }
    Ok((trust, newly_changed))
}

/// Whether the sender's cross-signing identity is the one pinned when the bot first saw them
/// (`judge_pinned`). Everyone is pinned at first sight, so someone who comes to steer later (a
/// representative) is pinned from before. A changed identity pauses only those who steer.
/// The flag in the refusal says the changed identity is new, so the client is told once.
pub(crate) async fn steering_identity(
    bot: &Bot,
    sender: &str,
) -> Result<Result<(), (Distrust, bool)>, BotError> {
    let (Ok(person), Ok(user_id)) = (MatrixId::parse(sender), UserId::parse(sender)) else {
        return Ok(Err((Distrust::UnconfirmedDevice, false)));
    };
    let master_key = bot
        .client
        .encryption()
        .get_user_identity(&user_id)
        .await
        .map_err(matrix_sdk::Error::from)?
        .and_then(|identity| identity.master_key().get_first_key())
        .map(|key| key.to_base64());
    // A device its owner signed implies an identity; without one there is nothing to trust.
    let Some(master_key) = master_key else {
        return Ok(Err((Distrust::UnconfirmedDevice, false)));
    };
    if bot.trust_cache.is_pinned(sender, &master_key) {
        return Ok(Ok(()));
    }
    Ok(match judge_pinned(bot, &person, &master_key).await? {
        (IdentityTrust::Trusted | IdentityTrust::TrustedAfterReplacing, _) => Ok(()),
        (IdentityTrust::Paused, newly) => Err((Distrust::ChangedIdentity, newly)),
    })
}

/// Before the bot says anything in `room`: every member's identity that Kring pins (or pins
/// now, at first sight) is verified in the bot's crypto store, because the bot shares room keys
/// only with devices of identities it verified (`OnlyTrustedDevices`, session.rs). The rule is
/// `judge_pinned`'s: someone who steers with keys the administrator has not confirmed gets no
/// room key; that is recorded for the administrator, and told once as their input would be.
/// A member whose identity cannot be checked now simply gets no key for this message.
pub(crate) async fn share_only_with_pinned(bot: &Bot, room: &matrix_sdk::Room) {
    // All members, loaded from the homeserver if the sync has not brought them all yet: one
    // left out would be left out of the room key for good.
    let members = match room
        .members(matrix_sdk::RoomMemberships::JOIN | matrix_sdk::RoomMemberships::INVITE)
        .await
    {
        Ok(members) => members,
        Err(error) => {
            debug!(%error, "could not list a room's members before sending");
            return;
        }
    };
    for member in members {
        let user_id = member.user_id();
        if user_id == bot.identity.user_id || bot.trust_cache.was_checked(user_id) {
            continue;
        }
        match verify_if_pinned(bot, user_id).await {
            Ok(()) => bot.trust_cache.checked(user_id),
            Err(error) => {
                tracing::warn!(%error, "could not check a member's identity; they get no room key now");
            }
        }
    }
}

async fn verify_if_pinned(bot: &Bot, user_id: &UserId) -> Result<(), BotError> {
    let encryption = bot.client.encryption();
    let lookup = || async {
        tokio::time::timeout(LOOKUP_TIMEOUT, encryption.request_user_identity(user_id))
            .await
            .map_err(|_| BotError::Crypto("looking up a member's keys took too long".into()))?
            .map_err(BotError::from)
    };
    let identity = match encryption
        .get_user_identity(user_id)
        .await
        .map_err(matrix_sdk::Error::from)?
    {
        Some(identity) => Some(identity),
        None => lookup().await?,
    };
    let Some(identity) = identity else {
        // No cross-signing at all: nothing the bot could trust, so nothing is shared.
        return Ok(());
    };
    let (Ok(person), Some(master_key)) = (
        MatrixId::parse(user_id.as_str()),
        identity
            .master_key()
            .get_first_key()
            .map(|key| key.to_base64()),
    ) else {
        return Ok(());
    };
    let (trust, newly_changed) = judge_pinned(bot, &person, &master_key).await?;
    if trust == IdentityTrust::Paused {
        if newly_changed {
            tell_of_changed_identity(bot, &person, &master_key).await?;
        }
        return Ok(());
    }
    if identity.is_verified() {
        return Ok(());
    }
    identity
        .verify()
        .await
        .map_err(|error| BotError::Crypto(error.to_string()))?;
    // The signature counts once the bot's own copy of their keys carries it: fetched now, so
    // that the message about to be sent already reaches them.
    if !lookup()
        .await?
        .is_some_and(|identity| identity.is_verified())
    {
        debug!("a member's identity is not verified yet after signing it");
    }
    Ok(())
}

/// A steering person's new identity, noticed before a send rather than from their input: the
/// same refusal flow runs (the clients or representatives told, the log), from an inbox entry
/// of its own so that it survives a restart and runs once.
async fn tell_of_changed_identity(
    bot: &Bot,
    person: &MatrixId,
    master_key: &str,
) -> Result<(), BotError> {
    use sha2::Digest;
    let key_hash = hex::encode(&sha2::Sha256::digest(master_key.as_bytes())[..8]);
    bot.store
        .inbox_insert(
            bot.identity.user_id.as_str(),
            &kring_store::NewInboxEntry {
                event_id: format!("kring-identity-changed-{person}-{key_hash}"),
                room_id: String::new(),
                sender: person.to_string(),
                kind: kring_store::InboxKind::Untrusted,
                body: Some(
                    serde_json::json!({
                        "reason": Distrust::ChangedIdentity.code(),
                        "first_time": true,
                        "noticed_before_sending": true,
                    })
                    .to_string(),
                ),
                encrypted_event: None,
                origin_ts: bot.clock.now_millis(),
            },
        )
        .await?;
    bot.wake_worker.notify_one();
    Ok(())
}

/// An input that came unencrypted or from a device its owner did not sign: nothing it asked
/// is done. The sender hears why in their private chat, which only their confirmed devices can
/// read (so a device that is not theirs learns nothing, and they learn that it exists), and the
/// attempt is in the network's log.
pub(crate) async fn on_untrusted(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let body = serde_json::from_str::<serde_json::Value>(&entry.body).unwrap_or_default();
    let reason = body["reason"].as_str().and_then(Distrust::from_code);
    let first_time = body["first_time"].as_bool().unwrap_or(false);
    let (Some(reason), Ok(sender)) = (reason, kring_core::MatrixId::parse(&entry.sender)) else {
        return Ok(Plan::new());
    };
    let language = bot
        .store
        .member_language(sender.as_str())
        .await?
        .unwrap_or_default();
    let mut plan = Plan::new();
    if let Some(direct_chat) = sync::direct_chat_with(bot, &sender).await {
        let reply_to = (entry.room().as_ref() == Some(&direct_chat))
            .then(|| entry.event())
            .flatten();
        plan.effect(Effect::Send {
            to: Target::Room {
                room_id: direct_chat,
            },
            reply: messages::untrusted_input(language, reason),
            reply_to,
        });
    }
    let noticed_before_sending = body["noticed_before_sending"].as_bool().unwrap_or(false);
    if reason == Distrust::ChangedIdentity && first_time {
        let who = Person::new(sender.clone(), None);
        for network_id in bot.store.networks_steered_by(&sender).await? {
            let Some(steered) = bot.store.network(&network_id).await? else {
                continue;
            };
            // The client hears of it; when it is the client's own keys, those who steer with
            // them do.
            let told: Vec<MatrixId> = if steered.client != sender {
                vec![steered.client.clone()]
            } else {
                steered
                    .members
                    .iter()
                    .filter(|member| {
                        member.role == kring_core::Role::Representative
                            && member.membership == kring_core::network::Membership::Joined
                            && member.user != sender
                    })
                    .map(|member| member.user.clone())
                    .collect()
            };
            for person in &told {
                tell_privately(bot, &mut plan, person, |language| {
                    messages::steering_paused(language, &who)
                })
                .await?;
            }
            if noticed_before_sending {
                plan.change(Change::Log(ActionRecord {
                    network_id: steered.id.clone(),
                    at: bot.clock.now_millis(),
                    actor: sender.clone(),
                    on_behalf_of: None,
                    action: AuditAction::IdentityChanged,
                    object: Some(sender.to_string()),
                    outcome: Outcome::Done,
                }));
            }
        }
    }
    if noticed_before_sending {
        return Ok(plan);
    }
    let network = match bot.store.network_by_room(&entry.room_id).await? {
        Some(network) => Some(network),
        None => bot.store.open_network_of_client(&sender).await?,
    };
    if let Some(network) = network {
        plan.change(Change::Log(ActionRecord {
            network_id: network.id,
            at: bot.clock.now_millis(),
            actor: sender,
            on_behalf_of: None,
            action: AuditAction::Input(reason),
            object: None,
            outcome: Outcome::Refused,
        }));
    }
    Ok(plan)
}

/// Says `reply` in `user`'s private chat with the bot, if they have one.
async fn tell_privately(
    bot: &Bot,
    plan: &mut Plan,
    user: &MatrixId,
    reply: impl FnOnce(kring_core::Language) -> BotReply,
) -> Result<(), BotError> {
    if let Some(direct_chat) = sync::direct_chat_with(bot, user).await {
        let language = bot
            .store
            .member_language(user.as_str())
            .await?
            .unwrap_or_default();
        plan.effect(Effect::Send {
            to: Target::Room {
                room_id: direct_chat,
            },
            reply: reply(language),
            reply_to: None,
        });
    }
    Ok(())
}

/// The region's administrator confirmed a steering person's new identity: they steer again,
/// and they, the clients whose networks they steer, and the log hear of it.
pub(crate) async fn on_identity_confirmed(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let Ok(person) = MatrixId::parse(&entry.sender) else {
        return Ok(Plan::new());
    };
    // The new pin is judged (and verified for key sharing) afresh.
    bot.trust_cache.forget(person.as_str());
    let who = Person::new(person.clone(), None);
    let mut plan = Plan::new();
    tell_privately(bot, &mut plan, &person, |language| {
        messages::steering_resumed(language, &who)
    })
    .await?;
    for network_id in bot.store.networks_steered_by(&person).await? {
        let Some(network) = bot.store.network(&network_id).await? else {
            continue;
        };
        plan.change(Change::Log(ActionRecord {
            network_id: network.id.clone(),
            at: bot.clock.now_millis(),
            actor: person.clone(),
            on_behalf_of: None,
            action: AuditAction::IdentityConfirmed,
            object: Some(person.to_string()),
            outcome: Outcome::Done,
        }));
        if network.client != person {
            tell_privately(bot, &mut plan, &network.client, |language| {
                messages::steering_resumed(language, &who)
            })
            .await?;
        }
    }
    Ok(plan)
}
