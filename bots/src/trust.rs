//! How an event reached the bot, in the terms of `kring_core::trust`: what matrix-sdk says
//! about the device that encrypted it.

use crate::{Bot, BotError, networks, sync};
use kring_core::MatrixId;
use kring_core::messages::{self, BotReply, Person};
use kring_core::plan::{ActionRecord, Change, Effect, Outcome, Plan, Target};
use kring_core::trust::{self, Distrust, IdentityVerdict, SenderDevice};
use kring_store::InboxEntry;
use matrix_sdk::deserialized_responses::{
    EncryptionInfo, TimelineEvent, VerificationLevel, VerificationState,
};
use matrix_sdk::ruma::{EventId, RoomId, UserId};
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

/// Whether the sender's cross-signing identity is the one pinned when the bot first had an
/// input from them (`kring_core::trust::judge_identity`). Everyone is pinned at first sight, so
/// someone who comes to steer later (a representative) is pinned from before. A changed
/// identity pauses only those who steer; anyone else's input decides nothing without the
/// client, so for them the new identity simply becomes the pinned one.
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
    match bot.store.check_identity(&person, &master_key).await? {
        (IdentityVerdict::Pin | IdentityVerdict::Same, _) => Ok(Ok(())),
        (IdentityVerdict::Changed, newly) => {
            if bot.store.networks_steered_by(&person).await?.is_empty() {
                bot.store.replace_identity(&person, &master_key).await?;
                Ok(Ok(()))
            } else {
                Ok(Err((Distrust::ChangedIdentity, newly)))
            }
        }
    }
}

/// Before the bot says anything in `room`: every member's identity that Kring pins (or pins
/// now, at first sight) is verified in the bot's crypto store, because the bot shares room keys
/// only with devices of identities it verified. An identity changed since it was pinned is
/// verified again at once for someone who does not steer (their word decides nothing without
/// the client; as `steering_identity` does), and not for someone who steers, until the
/// administrator confirms it (then the pin is the new one, and it is verified here).
/// A member whose identity cannot be verified now simply gets no key for this message.
pub(crate) async fn share_only_with_pinned(bot: &Bot, room: &matrix_sdk::Room) {
    let members = match room
        .members_no_sync(matrix_sdk::RoomMemberships::JOIN | matrix_sdk::RoomMemberships::INVITE)
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
        if user_id == bot.identity.user_id {
            continue;
        }
        if let Err(error) = verify_if_pinned(bot, user_id).await {
            tracing::warn!(%error, "could not verify a member's identity; they get no room key now");
        }
    }
}

async fn verify_if_pinned(bot: &Bot, user_id: &UserId) -> Result<(), BotError> {
    let encryption = bot.client.encryption();
    let identity = match encryption
        .get_user_identity(user_id)
        .await
        .map_err(matrix_sdk::Error::from)?
    {
        Some(identity) => Some(identity),
        None => encryption.request_user_identity(user_id).await?,
    };
    let Some(identity) = identity else {
        // No cross-signing at all: nothing the bot could trust, so nothing is shared.
        return Ok(());
    };
    if identity.is_verified() {
        return Ok(());
    }
    let (Ok(person), Some(master_key)) = (
        MatrixId::parse(user_id.as_str()),
        identity
            .master_key()
            .get_first_key()
            .map(|key| key.to_base64()),
    ) else {
        return Ok(());
    };
    let pinned = bot.store.pinned_identity(&person).await?;
    match pinned.as_deref() {
        None => {
            bot.store.check_identity(&person, &master_key).await?;
        }
        Some(pinned) if pinned == master_key => {}
        Some(_) if bot.store.networks_steered_by(&person).await?.is_empty() => {
            bot.store.replace_identity(&person, &master_key).await?;
        }
        // Steering, with keys the administrator has not confirmed: nothing for them.
        Some(_) => return Ok(()),
    }
    identity
        .verify()
        .await
        .map_err(|error| BotError::Crypto(error.to_string()))?;
    // The signature counts once the bot's own copy of their keys carries it: fetched now, so
    // that the message about to be sent already reaches them.
    let fetched = encryption.request_user_identity(user_id).await?;
    if !fetched.is_some_and(|identity| identity.is_verified()) {
        debug!("a member's identity is not verified yet after signing it");
    }
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
        let reply_to = (direct_chat == entry.room_id).then(|| entry.event_id.clone());
        plan.effect(Effect::Send {
            to: Target::Room {
                room_id: direct_chat,
            },
            reply: messages::untrusted_input(language, reason),
            reply_to,
        });
    }
    let network = match bot.store.network_by_room(&entry.room_id).await? {
        Some(network) => Some(network),
        None => bot.store.open_network_of_client(&sender).await?,
    };
    if reason == Distrust::ChangedIdentity && first_time {
        let who = Person::new(sender.clone(), None);
        for network_id in bot.store.networks_steered_by(&sender).await? {
            if let Some(steered) = bot.store.network(&network_id).await?
                && steered.client != sender
            {
                tell_privately(bot, &mut plan, &steered.client, |language| {
                    messages::steering_paused(language, &who)
                })
                .await?;
            }
        }
    }
    if let Some(network) = network {
        plan.change(Change::Log(ActionRecord {
            network_id: network.id,
            at: networks::now_millis(),
            actor: sender,
            on_behalf_of: None,
            action: format!("input.{}", reason.code()),
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
            at: networks::now_millis(),
            actor: person.clone(),
            on_behalf_of: None,
            action: "identity.confirmed".to_owned(),
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
