//! Carrying out the consult's steps in Matrix. Each looks first at what the store says already
//! happened (the room made, a poll sent), and sends with the effect's own transaction id, so a
//! restart in the middle repeats nothing.

use crate::capabilities::network::language_of;
use crate::effects::{
    bot_managed_power_levels, joined_room, kick_from, own_transaction_id, private_room_state,
    send_in, send_poll, tagged_room, transaction_id, user_id,
};
use crate::{Bot, BotError};
use kring_core::MatrixId;
use kring_core::consult::chat_texts::{CONSULT_ROOM_NAME, consultant_unreachable};
use kring_core::consult::{ConsultEffect, ConsultId, ConsultState, may_take_part};
use kring_store::{ConsultPoll, PendingEffect, StoredConsult};
use matrix_sdk::ruma::api::client::room::create_room;
use matrix_sdk::ruma::events::room::member::MembershipState;
use matrix_sdk::{Room, RoomState};
use serde_json::json;
use tracing::warn;

/// The state event a consult room carries: only Kring's random consult id, so that a bot
/// restarted just after making the room finds it instead of making a second one.
const CONSULT_TAG: &str = "org.kring.consult";

pub(crate) async fn carry_out(
    bot: &Bot,
    pending: &PendingEffect,
    effect: &ConsultEffect,
) -> Result<Option<String>, BotError> {
    match effect {
        ConsultEffect::SendConsentPoll {
            consult_id,
            to,
            text,
        } => {
            let consult = stored(bot, consult_id).await?;
            if let Some(event_id) = &consult.consent_poll {
                return Ok(Some(event_id.to_string()));
            }
            if consult.consult.state != ConsultState::AwaitingConsent {
                return Ok(None);
            }
            let Some(room) = joined_room(bot, to).await? else {
                return Ok(None);
            };
            let event_id = send_poll(bot, &room, text, &own_transaction_id(bot, pending)).await?;
            bot.store
                .set_consult_poll(consult_id.as_str(), ConsultPoll::Consent, &event_id)
                .await?;
            Ok(Some(event_id))
        }
        ConsultEffect::OpenRoom { consult_id } => {
            open_room(bot, pending, consult_id).await?;
            Ok(None)
        }
        ConsultEffect::PostRequest {
            consult_id,
            request,
            poll,
        } => {
            let consult = stored(bot, consult_id).await?;
            if let Some(event_id) = &consult.decision_poll {
                return Ok(Some(event_id.to_string()));
            }
            let room = room_to_send_in(bot, &consult).await?;
            // Two messages, each with a transaction id of its own that a retry repeats.
            let request_transaction = transaction_id(
                bot.identity.user_id.as_str(),
                &format!("{}\nrequest", pending.cause_event_id),
                pending.seq,
            );
            send_in(bot, &room, request, None, &request_transaction).await?;
            let event_id = send_poll(bot, &room, poll, &own_transaction_id(bot, pending)).await?;
            bot.store
                .set_consult_poll(consult_id.as_str(), ConsultPoll::Decision, &event_id)
                .await?;
            Ok(Some(event_id))
        }
        ConsultEffect::Say { consult_id, reply } => {
            let consult = stored(bot, consult_id).await?;
            let room = room_to_send_in(bot, &consult).await?;
            let sent = send_in(bot, &room, reply, None, &own_transaction_id(bot, pending)).await?;
            bot.metrics.replies_sent.inc();
            Ok(Some(sent))
        }
        ConsultEffect::Archive { consult_id, notice } => {
            let consult = stored(bot, consult_id).await?;
            if consult.archived_at.is_some() {
                return Ok(None);
            }
            let room = room_to_send_in(bot, &consult).await?;
            // Read-only first, so that the notice is the room's last word: messages and
            // invites need the bot's level from now on; the two keep reading.
            let mut read_only = matrix_sdk::room::power_levels::RoomPowerLevelChanges::new();
            read_only.events_default = Some(100);
            read_only.invite = Some(100);
            room.apply_power_level_changes(read_only).await?;
            let sent = send_in(bot, &room, notice, None, &own_transaction_id(bot, pending)).await?;
            bot.store
                .set_consult_archived(consult_id.as_str(), bot.clock.now_millis())
                .await?;
            bot.store
                .forget_consult_request(consult_id.as_str())
                .await?;
            Ok(Some(sent))
        }
        ConsultEffect::InviteClient { consult_id } => {
            let consult = stored(bot, consult_id).await?;
            let network = bot
                .store
                .network(&consult.network_id)
                .await?
                .ok_or_else(|| BotError::Plan(format!("the network of consult {consult_id}")))?;
            if consult.archived_at.is_some() {
                return Ok(None);
            }
            let room = room_to_send_in(bot, &consult).await?;
            let client = user_id(&network.client)?;
            let present = room
                .get_member_no_sync(&client)
                .await?
                .is_some_and(|member| {
                    matches!(
                        member.membership(),
                        MembershipState::Invite | MembershipState::Join
                    )
                });
            if !present {
                room.invite_user_by_id(&client).await?;
            }
            Ok(None)
        }
        ConsultEffect::Remove { consult_id, user } => {
            let consult = stored(bot, consult_id).await?;
            if let Some(room_id) = &consult.room_id
                && let Some(room) = bot
                    .client
                    .get_room(room_id)
                    .filter(|room| room.state() == RoomState::Joined)
            {
                kick_from(bot, &room, user).await?;
            }
            Ok(None)
        }
        ConsultEffect::SendSharePoll {
            consult_id,
            gist,
            text,
        } => {
            let consult = stored(bot, consult_id).await?;
            if let Some(event_id) = &consult.share_poll {
                return Ok(Some(event_id.to_string()));
            }
            // A newer gist replaced this one meanwhile: its own poll asks about it.
            if consult.consult.state != ConsultState::Answered
                || consult.gist.as_ref() != Some(gist)
            {
                return Ok(None);
            }
            let room = room_to_send_in(bot, &consult).await?;
            let event_id = send_poll(bot, &room, text, &own_transaction_id(bot, pending)).await?;
            bot.store
                .set_consult_poll(consult_id.as_str(), ConsultPoll::Share, &event_id)
                .await?;
            Ok(Some(event_id))
        }
    }
}

async fn stored(bot: &Bot, consult_id: &ConsultId) -> Result<StoredConsult, BotError> {
    bot.store
        .consult(consult_id.as_str())
        .await?
        .ok_or_else(|| BotError::Plan(format!("consult {consult_id} is not stored")))
}

/// The consult room, with nobody in it (joined or invited) but the requester, the consultant
/// and the bot: what is said there is for the two of them.
async fn room_to_send_in(bot: &Bot, consult: &StoredConsult) -> Result<Room, BotError> {
    let room_id = consult
        .room_id
        .as_ref()
        .ok_or_else(|| BotError::Plan(format!("consult {} has no room yet", consult.id)))?;
    let room = bot
        .client
        .get_room(room_id)
        .filter(|room| room.state() == RoomState::Joined)
        .ok_or_else(|| {
            BotError::Plan(format!(
                "the room of consult {} is not known yet",
                consult.id
            ))
        })?;
    keep_to_the_two(bot, &room, consult).await?;
    Ok(room)
}

/// Who may be in the consult room now: the requester and the consultant while
/// `kring_core::consult::may_take_part` says they may (membership, the client's consent).
async fn participants(bot: &Bot, consult: &StoredConsult) -> Result<Vec<MatrixId>, BotError> {
    let network = bot
        .store
        .network(&consult.network_id)
        .await?
        .ok_or_else(|| BotError::Plan(format!("the network of consult {}", consult.id)))?;
    let consent = bot.store.consent(&network.id).await?;
    let now = bot.clock.now_millis();
    Ok([&consult.consult.requester, &consult.consult.consultant]
        .into_iter()
        .filter(|user| may_take_part(&network, &consent, &consult.consult, user, now))
        .cloned()
        .collect())
}

/// Keeps the room to the two (while they may take part) and the client, if they chose to
/// read along (`!consult meelezen`): the client is never invited without asking.
async fn keep_to_the_two(bot: &Bot, room: &Room, consult: &StoredConsult) -> Result<(), BotError> {
    let mut allowed = participants(bot, consult).await?;
    if let Some(network) = bot.store.network(&consult.network_id).await? {
        allowed.push(network.client);
    }
    let members = room
        .members(matrix_sdk::RoomMemberships::JOIN | matrix_sdk::RoomMemberships::INVITE)
        .await?;
    for member in members {
        let Ok(id) = MatrixId::parse(member.user_id().as_str()) else {
            continue;
        };
        if member.user_id() != bot.identity.user_id && !allowed.contains(&id) {
            kick_from(bot, room, &id).await?;
        }
    }
    Ok(())
}

/// Invites whoever of the two may take part and is not in the room yet. A consultant whose
/// server refuses (or who does not exist there) is not tried for ever: the requester is told,
/// and the consult goes on without blocking anything behind it.
async fn invite_missing(
    bot: &Bot,
    pending: &PendingEffect,
    room: &Room,
    consult: &StoredConsult,
) -> Result<(), BotError> {
    for user in participants(bot, consult).await? {
        let user_id = user_id(&user)?;
        let present = room
            .get_member_no_sync(&user_id)
            .await?
            .is_some_and(|member| {
                matches!(
                    member.membership(),
                    MembershipState::Invite | MembershipState::Join
                )
            });
        if present {
            continue;
        }
        match room.invite_user_by_id(&user_id).await {
            Ok(()) => invite_visible(room, &user_id).await?,
            Err(error) if error.as_client_api_error().is_some() => {
                warn!(consult = %consult.id, %error, "a consult's invite was refused");
                let Some(requester_room) = &consult.requester_room else {
                    continue;
                };
                let language = language_of(bot, &consult.consult.requester).await?;
                let transaction = transaction_id(
                    bot.identity.user_id.as_str(),
                    &format!("{}\nunreachable\n{user}", pending.cause_event_id),
                    pending.seq,
                );
                if let Some(chat) = bot
                    .client
                    .get_room(requester_room)
                    .filter(|room| room.state() == RoomState::Joined)
                {
                    let person = kring_core::messages::Person::new(user.clone(), None);
                    send_in(
                        bot,
                        &chat,
                        &consultant_unreachable(language, &person),
                        None,
                        &transaction,
                    )
                    .await?;
                }
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

/// How long an invite may take to show up in the bot's own view of the room.
const INVITE_SETTLE: std::time::Duration = std::time::Duration::from_secs(30);

/// Waits until the bot's own sync shows `user` invited: the request posted next is encrypted
/// for the members the bot knows of, and one it does not know yet could never read it.
async fn invite_visible(room: &Room, user: &matrix_sdk::ruma::UserId) -> Result<(), BotError> {
    let deadline = tokio::time::Instant::now() + INVITE_SETTLE;
    loop {
        let shown = room.get_member_no_sync(user).await?.is_some_and(|member| {
            matches!(
                member.membership(),
                MembershipState::Invite | MembershipState::Join
            )
        });
        if shown {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(BotError::Plan("an invite is not yet visible".into()));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn open_room(
    bot: &Bot,
    pending: &PendingEffect,
    consult_id: &ConsultId,
) -> Result<(), BotError> {
    let consult = stored(bot, consult_id).await?;
    if consult.room_id.is_some() {
        return Ok(());
    }
    // Nothing leaves the network before it may: a consult the client refused, or has not
    // answered yet, gets no room.
    if matches!(
        consult.consult.state,
        ConsultState::AwaitingConsent | ConsultState::ConsentRefused
    ) {
        return Ok(());
    }
    let room = match tagged_room(bot, CONSULT_TAG, |tag| {
        tag["consult_id"] == consult_id.as_str()
    })
    .await
    {
        // Made before a crash: whoever may no longer be there leaves first.
        Some(room) => {
            keep_to_the_two(bot, &room, &consult).await?;
            room
        }
        None => {
            let mut request = create_room::v3::Request::new();
            request.name = Some(CONSULT_ROOM_NAME.to_owned());
            request.preset = Some(create_room::v3::RoomPreset::PrivateChat);
            // Both read from their invitation on: the request is posted right after they are
            // invited. Only the bot (the room's creator, above every level) invites, removes and
            // changes the room: the two write.
            request.initial_state =
                private_room_state("invited", CONSULT_TAG, json!({ "consult_id": consult_id }))?;
            request.power_level_content_override = Some(bot_managed_power_levels()?);
            // Made without invites and recorded at once: the invites follow as a step of their
            // own, so an invite that fails never leaves a second room behind.
            bot.client.create_room(request).await?
        }
    };
    bot.store
        .set_consult_room(consult_id.as_str(), room.room_id().as_str())
        .await?;
    let consult = stored(bot, consult_id).await?;
    invite_missing(bot, pending, &room, &consult).await
}
