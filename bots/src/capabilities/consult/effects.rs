//! Carrying out the consult's steps in Matrix. Each looks first at what the store says already
//! happened (the room made, a poll sent), and sends with the effect's own transaction id, so a
//! restart in the middle repeats nothing.

use crate::effects::{
    joined_room, kick_from, own_transaction_id, private_room_state, send_in, send_poll,
    tagged_room, transaction_id, user_id,
};
use crate::{Bot, BotError};
use kring_core::consult::chat_texts::CONSULT_ROOM_NAME;
use kring_core::consult::{ConsultEffect, ConsultId, ConsultState};
use kring_store::{ConsultPoll, PendingEffect, StoredConsult};
use matrix_sdk::ruma::api::client::room::create_room;
use matrix_sdk::ruma::events::room::member::MembershipState;
use matrix_sdk::{Room, RoomState};
use serde_json::json;

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
            open_room(bot, consult_id).await?;
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
            Ok(Some(sent))
        }
        ConsultEffect::SendSharePoll { consult_id, text } => {
            let consult = stored(bot, consult_id).await?;
            if let Some(event_id) = &consult.share_poll {
                return Ok(Some(event_id.to_string()));
            }
            if consult.consult.state != ConsultState::Answered {
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

async fn keep_to_the_two(bot: &Bot, room: &Room, consult: &StoredConsult) -> Result<(), BotError> {
    let members = room
        .members(matrix_sdk::RoomMemberships::JOIN | matrix_sdk::RoomMemberships::INVITE)
        .await?;
    for member in members {
        let Ok(id) = kring_core::MatrixId::parse(member.user_id().as_str()) else {
            continue;
        };
        let allowed = member.user_id() == bot.identity.user_id
            || id == consult.consult.requester
            || id == consult.consult.consultant;
        if !allowed {
            kick_from(bot, room, &id).await?;
        }
    }
    Ok(())
}

async fn open_room(bot: &Bot, consult_id: &ConsultId) -> Result<(), BotError> {
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
    if let Some(room) = tagged_room(bot, CONSULT_TAG, |tag| {
        tag["consult_id"] == consult_id.as_str()
    })
    .await
    {
        keep_to_the_two(bot, &room, &consult).await?;
        // Made before a crash, or its invites failed half-way: whoever of the two is not in it
        // yet is invited now.
        for user in [&consult.consult.requester, &consult.consult.consultant] {
            let user_id = user_id(user)?;
            let present = room
                .get_member_no_sync(&user_id)
                .await?
                .is_some_and(|member| {
                    matches!(
                        member.membership(),
                        MembershipState::Invite | MembershipState::Join
                    )
                });
            if !present {
                room.invite_user_by_id(&user_id).await?;
            }
        }
        return Ok(bot
            .store
            .set_consult_room(consult_id.as_str(), room.room_id().as_str())
            .await?);
    }
    let mut request = create_room::v3::Request::new();
    request.name = Some(CONSULT_ROOM_NAME.to_owned());
    request.preset = Some(create_room::v3::RoomPreset::PrivateChat);
    request.invite = vec![
        user_id(&consult.consult.requester)?,
        user_id(&consult.consult.consultant)?,
    ];
    // Both read from their invitation on: the request is posted right after the room is made.
    request.initial_state =
        private_room_state("invited", CONSULT_TAG, json!({ "consult_id": consult_id }))?;
    let room = bot.client.create_room(request).await?;
    bot.store
        .set_consult_room(consult_id.as_str(), room.room_id().as_str())
        .await?;
    Ok(())
}
