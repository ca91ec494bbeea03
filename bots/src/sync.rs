//! The sync loop: everything a bot must act on is written into the durable inbox, and only then
//! is the sync position stored. A crash between the two replays the events, and the inbox's key
//! (the event id) makes the replay harmless.

use crate::{Bot, BotError};
use kring_core::MatrixId;
use kring_store::{InboxKind, InboxState, NewInboxEntry};
use matrix_sdk::RoomMemberships;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::deserialized_responses::{TimelineEvent, TimelineEventKind};
use matrix_sdk::room::MessagesOptions;
use matrix_sdk::ruma::api::client::filter::{
    Filter as EventFilter, FilterDefinition, LazyLoadOptions, RoomEventFilter, RoomFilter,
};
use matrix_sdk::ruma::api::client::sync::sync_events::v3::Filter;
use matrix_sdk::ruma::events::room::encrypted::OriginalSyncRoomEncryptedEvent;
use matrix_sdk::ruma::events::room::member::MembershipState;
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{RoomId, UInt, UserId};
use matrix_sdk::sync::SyncResponse;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tracing::{debug, info, warn};

/// Synapse returns 10 timeline events per room by default; a burst of commands in one room
/// easily exceeds that (DESIGN.md, known traps). The rest is backfilled with `/messages`.
const TIMELINE_LIMIT: u32 = 100;
const LONG_POLL: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// About five minutes of retries (with back-off up to `MAX_BACKOFF`) on one response.
const MAX_INGEST_ATTEMPTS: u32 = 15;

pub(crate) async fn run(
    bot: Arc<Bot>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), BotError> {
    let bot_name = bot.identity.user_id.to_string();
    let mut backoff = Duration::from_millis(500);
    let filter_id = loop {
        match bot
            .client
            .get_or_upload_filter("kring-bot-v3", filter_definition())
            .await
        {
            Ok(id) => break id,
            Err(error) => {
                warn!(%error, "could not upload the sync filter; retrying");
                if sleep_or_shutdown(&mut shutdown, backoff).await {
                    return Ok(());
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    };
    let device = bot.identity.device_id.to_string();
    let mut since = bot.store.device_sync_position(&bot_name, &device).await?;
    backoff = Duration::from_millis(500);
    // The first sync after a start does not wait: catching up comes first. It also differs from
    // any long poll a killed predecessor left open, whose response Synapse may still have cached.
    let mut poll = Duration::ZERO;
    let mut first_sync = true;
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        let mut settings = SyncSettings::new()
            .filter(Filter::FilterId(filter_id.clone()))
            .timeout(poll)
            // A new SDK store knows no room yet; Kring's position may be older than the store.
            .full_state(first_sync && bot.fresh_store);
        if let Some(token) = &since {
            settings = settings.token(token.clone());
        }
        let sync_started = std::time::Instant::now();
        let synced = tokio::select! {
            _ = shutdown.changed() => return Ok(()),
            synced = bot.client.sync_once(settings) => synced,
        };
        let synced_in = sync_started.elapsed();
        // A sync may have marked device lists as changed; their queries must not wait for the
        // next sync (key_queries.rs).
        bot.key_queries.wake();
        let response = match synced {
            Ok(response) => response,
            Err(error) => {
                bot.metrics.sync_failures.inc();
                // The SDK may have stored this response's position before failing; syncing again
                // it would hand back nothing. Only a fresh start lines the two up again.
                if crate::session::sdk_sync_token_ahead(&bot.client, since.as_deref())
                    .await?
                    .is_some()
                {
                    warn!(%error, "sync failed after matrix-sdk stored its position");
                    return Err(BotError::SdkAhead);
                }
                warn!(%error, retry_in_ms = backoff.as_millis() as u64, "sync failed; retrying from the last stored position");
                if sleep_or_shutdown(&mut shutdown, backoff).await {
                    return Ok(());
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        // The SDK has taken this response in and will not hand its events out again, so it is
        // this response that must reach the inbox, however long that takes; only then is its
        // position stored.
        let mut retry = Duration::from_millis(500);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let stored = match ingest(&bot, &response, since.as_deref()).await {
                Ok(()) => bot
                    .store
                    .save_device_sync_position(&bot_name, &device, &response.next_batch)
                    .await
                    .map_err(BotError::from),
                Err(error) => Err(error),
            };
            match stored {
                Ok(()) => break,
                Err(error) if attempts >= MAX_INGEST_ATTEMPTS => {
                    // Raised, not hidden: the process ends with the reason, and its next start
                    // syncs from the last stored position (the SDK's lined up to it).
                    return Err(BotError::InboxStuck {
                        attempts,
                        last: error.to_string(),
                    });
                }
                Err(error) => {
                    bot.metrics.sync_failures.inc();
                    warn!(%error, retry_in_ms = retry.as_millis() as u64, "could not store a sync's events in the inbox; retrying the same response");
                    if sleep_or_shutdown(&mut shutdown, retry).await {
                        return Ok(());
                    }
                    retry = (retry * 2).min(MAX_BACKOFF);
                }
            }
        }
        bot.metrics.syncs.inc();
        if first_sync || response.rooms.joined.len() >= 10 {
            // How long a catch-up takes and where: the server's response and the SDK's share
            // of it, then Kring's inbox.
            info!(
                rooms = response.rooms.joined.len(),
                sync_ms = synced_in.as_millis() as u64,
                ingest_ms = (sync_started.elapsed() - synced_in).as_millis() as u64,
                "synced"
            );
        }
        first_sync = false;
        since = Some(response.next_batch);
        poll = LONG_POLL;
        backoff = Duration::from_millis(500);
        bot.wake_worker.notify_one();
    }
}

fn filter_definition() -> FilterDefinition {
    let mut timeline = RoomEventFilter::default();
    timeline.limit = Some(UInt::from(TIMELINE_LIMIT));
    // Lazy-loaded members make Synapse send each room's member counts, which tell a direct chat
    // from a shared room.
    let mut state = RoomEventFilter::default();
    state.lazy_load_options = LazyLoadOptions::Enabled {
        include_redundant_members: false,
    };
    let mut room = RoomFilter::default();
    room.timeline = timeline;
    room.state = state;
    // Typing, read receipts and presence are never acted on; each would wake the bot for a sync
    // (and a store write in matrix-sdk) every time a member's Element sends one.
    room.ephemeral = RoomEventFilter::ignore_all();
    let mut definition = FilterDefinition::default();
    definition.room = room;
    definition.presence = EventFilter::ignore_all();
    definition
}

/// Returns true when shutdown was asked for during the sleep.
pub(crate) async fn sleep_or_shutdown(
    shutdown: &mut watch::Receiver<bool>,
    duration: Duration,
) -> bool {
    tokio::select! {
        _ = shutdown.changed() => true,
        _ = tokio::time::sleep(duration) => *shutdown.borrow(),
    }
}

async fn ingest(bot: &Bot, response: &SyncResponse, since: Option<&str>) -> Result<(), BotError> {
    for (room_id, invited) in &response.rooms.invited {
        if !kring_core::trust::may_join(&invitation(invited, &bot.identity.user_id)) {
            info!(%room_id, "declined an invite to a room that is not a direct chat with its maker");
            if let Some(room) = bot.client.get_room(room_id)
                && let Err(error) = room.leave().await
            {
                warn!(%room_id, %error, "could not decline an invite");
            }
            continue;
        }
        // Failure is harmless: the invite comes back in the next sync and is tried again.
        if let Err(error) = bot.client.join_room_by_id(room_id).await {
            warn!(%room_id, %error, "could not accept an invite");
        }
    }
    // On the very first sync there is no earlier position: what came before the bot existed is
    // history, not commands for it.
    let Some(since) = since else { return Ok(()) };
    for (room_id, update) in &response.rooms.joined {
        // What the sync left out comes first, so the worker meets a room's events in order.
        if update.timeline.limited {
            match &update.timeline.prev_batch {
                Some(prev_batch) => backfill(bot, room_id, prev_batch, since).await?,
                None => warn!(%room_id, "a limited timeline came without a token to backfill from"),
            }
        }
        for event in &update.timeline.events {
            ingest_event(bot, room_id, event).await?;
        }
    }
    retry_undecrypted(bot).await
}

/// Who invited the bot, who made the room, and whether it is a direct chat, from the stripped
/// state that comes with an invite.
fn invitation<'a>(
    invited: &'a matrix_sdk::sync::InvitedRoomUpdate,
    own_user: &UserId,
) -> kring_core::trust::Invitation<'a> {
    #[derive(Deserialize)]
    struct Stripped<'a> {
        #[serde(rename = "type")]
        event_type: &'a str,
        sender: &'a str,
        #[serde(default, borrow)]
        state_key: Option<&'a str>,
        #[serde(default)]
        content: StrippedContent,
    }
    #[derive(Deserialize, Default)]
    struct StrippedContent {
        #[serde(default)]
        is_direct: bool,
    }
    let mut invitation = kring_core::trust::Invitation {
        inviter: None,
        creator: None,
        marked_direct: false,
    };
    for raw in &invited.invite_state.events {
        let Ok(event) = serde_json::from_str::<Stripped<'a>>(raw.json().get()) else {
            continue;
        };
        match event.event_type {
            "m.room.member" if event.state_key == Some(own_user.as_str()) => {
                invitation.inviter = Some(event.sender);
                invitation.marked_direct = event.content.is_direct;
            }
            "m.room.create" => invitation.creator = Some(event.sender),
            _ => {}
        }
    }
    invitation
}

/// Fetches the events a `limited` sync left out, between the previous position and the start of
/// the returned timeline.
async fn backfill(
    bot: &Bot,
    room_id: &RoomId,
    prev_batch: &str,
    since: &str,
) -> Result<(), BotError> {
    let Some(room) = bot.client.get_room(room_id) else {
        return Ok(());
    };
    let mut from = prev_batch.to_owned();
    let mut left_out = Vec::new();
    // Every page down to the previous position: a long gap takes longer, and loses nothing.
    loop {
        let mut options = MessagesOptions::backward().from(from.as_str());
        options.to = Some(since.to_owned());
        options.limit = UInt::from(TIMELINE_LIMIT);
        let page = match room.messages(options).await {
            Ok(page) => page,
            // The bot may no longer read this room (it left, or was removed): nothing there is
            // for it. Anything else (the server busy, the network) is tried again.
            Err(error) if is_refused(&error) => {
                warn!(%room_id, %error, "the homeserver refused to backfill a room; skipping it");
                return Ok(());
            }
            Err(error) => return Err(error.into()),
        };
        debug!(%room_id, events = page.chunk.len(), "backfilled a limited timeline");
        let done = page.chunk.is_empty();
        left_out.extend(page.chunk);
        match page.end {
            Some(end) if !done => from = end,
            _ => break,
        }
    }
    // Pages come newest first; the inbox takes them oldest first.
    for event in left_out.iter().rev() {
        ingest_event(bot, room_id, event).await?;
    }
    Ok(())
}

/// A refusal the homeserver will repeat (403, 404), as opposed to trouble that passes.
fn is_refused(error: &matrix_sdk::Error) -> bool {
    error
        .as_client_api_error()
        .is_some_and(|api| matches!(api.status_code.as_u16(), 403 | 404))
}

/// The few fields of an event the inbox needs; everything else stays with the SDK.
#[derive(Deserialize)]
struct EventFields {
    #[serde(rename = "type")]
    event_type: String,
    sender: String,
    event_id: String,
    #[serde(default)]
    origin_server_ts: i64,
    #[serde(default)]
    state_key: Option<String>,
    #[serde(default)]
    content: serde_json::Value,
}

/// Puts one event into the inbox if the bot acts on it; returns whether it is new there.
pub(crate) async fn ingest_event(
    bot: &Bot,
    room_id: &RoomId,
    event: &TimelineEvent,
) -> Result<bool, BotError> {
    let Ok(fields) = serde_json::from_str::<EventFields>(event.raw().json().get()) else {
        // Nothing of it can be answered (there is no sender to answer), but it must not vanish
        // unseen: an operator sees the count and the room.
        warn!(%room_id, "the homeserver delivered an event without a type, sender or id; skipped");
        bot.metrics.malformed_events.inc();
        return Ok(false);
    };
    let own_user = bot.identity.user_id.as_str();
    // PostgreSQL refuses text holding U+0000; such a character carries no command anyway.
    let without_nul = |text: String| text.replace('\0', "");
    let entry = |kind, body: Option<String>, encrypted_event: Option<String>| NewInboxEntry {
        event_id: fields.event_id.clone(),
        room_id: room_id.to_string(),
        sender: fields.sender.clone(),
        kind,
        body: body.map(without_nul),
        encrypted_event,
        origin_ts: fields.origin_server_ts,
    };
    let new_entry = if fields.event_type == "m.room.member" {
        let membership = fields.content["membership"].as_str().unwrap_or_default();
        match fields.state_key.as_deref() {
            Some(user) if user == own_user => (fields.sender == own_user
                && membership == "join"
                && is_direct_chat(bot, room_id).await)
                .then(|| entry(InboxKind::Greeting, Some(String::new()), None)),
            Some(user) => {
                let change = serde_json::json!({ "user": user, "membership": membership });
                Some(entry(InboxKind::Membership, Some(change.to_string()), None))
            }
            None => None,
        }
    } else if fields.sender == own_user {
        None
    } else if fields.state_key.as_deref() == Some("")
        && kring_core::room_state::is_network_room_setting(&fields.event_type)
    {
        let setting = serde_json::json!({ "type": fields.event_type, "content": fields.content });
        Some(entry(
            InboxKind::RoomSetting,
            Some(setting.to_string()),
            None,
        ))
    } else if fields.event_type == "m.room.power_levels" && fields.state_key.as_deref() == Some("")
    {
        // Power levels name no one's data: kept whole, so every field can be checked.
        let levels = serde_json::json!({ "content": fields.content });
        Some(entry(
            InboxKind::PowerLevels,
            Some(levels.to_string()),
            None,
        ))
    } else if let TimelineEventKind::UnableToDecrypt {
        event: encrypted, ..
    } = &event.kind
    {
        bot.metrics.awaiting_key.inc();
        Some(entry(
            InboxKind::Command,
            None,
            Some(encrypted.json().get().to_owned()),
        ))
    } else {
        match readable(bot, room_id, &fields).await {
            Some((kind, body)) => {
                let (kind, body) = trusted_or_not(bot, room_id, &fields, event, kind, body).await?;
                Some(entry(kind, Some(body), None))
            }
            None => None,
        }
    };
    if let Some(new_entry) = new_entry
        && bot
            .store
            .inbox_insert(bot.identity.user_id.as_str(), &new_entry)
            .await?
    {
        bot.metrics.commands_received.inc();
        // Committed, so the worker may answer it now; the sync position is stored after the
        // rest of the response and changes nothing for this entry.
        bot.wake_worker.notify_one();
        if new_entry.kind == InboxKind::Command {
            bot.metrics
                .stage_arrival_seconds
                .observe((bot.clock.now_millis() - new_entry.origin_ts).max(0) as f64 / 1000.0);
        }
        return Ok(true);
    }
    Ok(false)
}

/// What the inbox holds for a readable input: the input itself when its device may steer
/// (`kring_core::trust`), otherwise only why not, so nothing of what it asked is ever acted on.
async fn trusted_or_not(
    bot: &Bot,
    room_id: &RoomId,
    fields: &EventFields,
    event: &TimelineEvent,
    kind: InboxKind,
    body: String,
) -> Result<(InboxKind, String), BotError> {
    let device =
        crate::trust::sender_device(bot, room_id, &fields.event_id, &fields.sender, event).await;
    let verdict = match kring_core::trust::may_act_on(device) {
        Ok(()) => crate::trust::steering_identity(bot, &fields.sender).await?,
        Err(distrust) => Err((distrust, false)),
    };
    Ok(match verdict {
        Ok(()) => (kind, body),
        Err((distrust, first_time)) => {
            info!(
                ?device,
                reason = distrust.code(),
                "an input that may not steer; not acted on"
            );
            bot.metrics.untrusted_inputs.inc();
            (
                InboxKind::Untrusted,
                serde_json::json!({ "reason": distrust.code(), "first_time": first_time })
                    .to_string(),
            )
        }
    })
}

/// What a readable (decrypted or plain) message asks of the bot: a command, or a vote in a poll.
async fn readable(
    bot: &Bot,
    room_id: &RoomId,
    fields: &EventFields,
) -> Option<(InboxKind, String)> {
    if let Some(vote) = poll_response(fields) {
        return Some((InboxKind::PollResponse, vote));
    }
    let body = message_body(fields)?;
    wants_answer(bot, room_id, &body)
        .await
        .then_some((InboxKind::Command, body))
}

/// A vote (MSC3381, unstable and stable names), as `{"poll": …, "answers": […]}`. Votes are
/// encrypted, unlike reactions, which is why consent is changed with polls (DESIGN.md).
fn poll_response(fields: &EventFields) -> Option<String> {
    let answers = match fields.event_type.as_str() {
        "org.matrix.msc3381.poll.response" => {
            &fields.content["org.matrix.msc3381.poll.response"]["answers"]
        }
        "m.poll.response" => &fields.content["m.selections"],
        _ => return None,
    };
    let relates_to = &fields.content["m.relates_to"];
    if relates_to["rel_type"].as_str() != Some("m.reference") {
        return None;
    }
    let poll = relates_to["event_id"].as_str()?;
    let answers: Vec<&str> = answers
        .as_array()?
        .iter()
        .filter_map(|answer| answer.as_str())
        .take(1)
        .collect();
    Some(serde_json::json!({ "poll": poll, "answers": answers }).to_string())
}

/// The text of an `m.text` message; notices are other bots talking and get no answer.
fn message_body(fields: &EventFields) -> Option<String> {
    (fields.event_type == "m.room.message" && fields.content["msgtype"].as_str() == Some("m.text"))
        .then(|| fields.content["body"].as_str().map(str::to_owned))
        .flatten()
}

/// In a direct chat every message is for the bot; in a shared room only commands are.
async fn wants_answer(bot: &Bot, room_id: &RoomId, body: &str) -> bool {
    !matches!(kring_core::parse_message(body), Ok(None)) || is_direct_chat(bot, room_id).await
}

/// Whose private chat with the bot `room` is, if anyone's: the facts the SDK holds, asked of
/// the one rule (`kring_core::trust::private_chat_of`).
async fn private_chat_owner(bot: &Bot, room: &matrix_sdk::Room) -> Option<String> {
    let targets: Vec<String> = room
        .direct_targets()
        .iter()
        .filter_map(|target| target.as_user_id().map(ToString::to_string))
        .collect();
    // Settled without reading members from the store: most rooms end here.
    if targets.len() != 1 || room.active_members_count() > 2 {
        return None;
    }
    let creator = room
        .create_content()
        .map(|create| create.creator.to_string());
    let members: Vec<(String, bool)> = room
        .members_no_sync(RoomMemberships::JOIN | RoomMemberships::INVITE)
        .await
        .ok()?
        .iter()
        .map(|member| {
            (
                member.user_id().to_string(),
                *member.membership() == MembershipState::Join,
            )
        })
        .collect();
    let members: Vec<(&str, bool)> = members
        .iter()
        .map(|(user, joined)| (user.as_str(), *joined))
        .collect();
    let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
    let facts = kring_core::trust::RoomFacts {
        bot: bot.identity.user_id.as_str(),
        creator: creator.as_deref(),
        direct_targets: &targets,
        encrypted: room.encryption_state().is_encrypted(),
        members: &members,
    };
    kring_core::trust::private_chat_of(&facts).map(str::to_owned)
}

/// A direct chat: someone's private chat with the bot, where every message is for the bot.
pub(crate) async fn is_direct_chat(bot: &Bot, room_id: &RoomId) -> bool {
    match bot.client.get_room(room_id) {
        Some(room) => private_chat_owner(bot, &room).await.is_some(),
        None => false,
    }
}

/// The bot's private chat with `user`, if they have one: where invite links, the log and
/// warnings go, because only such a room can hold a secret.
pub(crate) async fn direct_chat_with(
    bot: &Bot,
    user: &MatrixId,
) -> Option<matrix_sdk::ruma::OwnedRoomId> {
    for room in bot.client.joined_rooms() {
        if private_chat_owner(bot, &room).await.as_deref() == Some(user.as_str()) {
            return Some(room.room_id().to_owned());
        }
    }
    None
}

/// Tries again to decrypt messages whose room key had not arrived; keys come in with syncs.
/// Every waiting entry ends: decrypted, told unreadable once the wait is over, or (when it can
/// never be read: a room the bot does not know, a ciphertext that is no longer JSON) settled with
/// a log line, so no entry waits for ever and holds back the ones behind it.
async fn retry_undecrypted(bot: &Bot) -> Result<(), BotError> {
    let bot_name = bot.identity.user_id.as_str();
    for waiting in bot
        .store
        .inbox_in_state(bot_name, InboxState::AwaitingKey, 200)
        .await?
    {
        // The wait is real time on the host, as the store stamped `received_at`; never the
        // bot's clock, which a test moves ahead by weeks (that would give up on every key).
        let host_now = kring_core::time::Clock::now_millis(&kring_core::time::SystemClock);
        let waited_long_enough =
            host_now.saturating_sub(waiting.received_at) >= bot.unreadable_after.as_millis() as i64;
        let malformed = |why: &'static str| {
            warn!(event_id = %waiting.event_id, why, "settled an undecryptable entry unanswered");
            bot.metrics.malformed_events.inc();
        };
        let (Ok(room_id), Some(encrypted)) =
            (RoomId::parse(&waiting.room_id), &waiting.encrypted_event)
        else {
            malformed("no room or ciphertext stored");
            bot.store
                .inbox_answered(bot_name, &waiting.event_id, None)
                .await?;
            continue;
        };
        let Some(room) = bot.client.get_room(&room_id) else {
            // A room the client forgot (left for good) cannot be answered in; one it has not
            // loaded yet may still come, so this waits as long as a missing key does.
            if waited_long_enough {
                malformed("the room is unknown to the bot");
                bot.store
                    .inbox_answered(bot_name, &waiting.event_id, None)
                    .await?;
            }
            continue;
        };
        let Ok(raw) = Raw::<OriginalSyncRoomEncryptedEvent>::from_json_string(encrypted.clone())
        else {
            malformed("the stored ciphertext is not an encrypted event");
            bot.store
                .inbox_answered(bot_name, &waiting.event_id, None)
                .await?;
            continue;
        };
        let decrypted = match room.decrypt_event(&raw, None).await {
            Ok(decrypted) if !decrypted.kind.is_utd() => decrypted,
            _ => {
                if waited_long_enough {
                    info!(event_id = %waiting.event_id, "gave up waiting for a room key");
                    bot.store
                        .inbox_give_up_on_key(bot_name, &waiting.event_id)
                        .await?;
                    bot.metrics.unreadable.inc();
                }
                continue;
            }
        };
        let Ok(fields) = serde_json::from_str::<EventFields>(decrypted.raw().json().get()) else {
            malformed("the decrypted event has no type, sender or id");
            bot.store
                .inbox_answered(bot_name, &waiting.event_id, None)
                .await?;
            continue;
        };
        match readable(bot, &room_id, &fields).await {
            Some((kind, body)) => {
                let (kind, body) =
                    trusted_or_not(bot, &room_id, &fields, &decrypted, kind, body).await?;
                bot.store
                    .inbox_decrypted(bot_name, &waiting.event_id, kind, &body.replace('\0', ""))
                    .await?
            }
            None => {
                bot.store
                    .inbox_answered(bot_name, &waiting.event_id, None)
                    .await?
            }
        }
        debug!(event_id = %waiting.event_id, "a late room key arrived");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invited_room(events: serde_json::Value) -> matrix_sdk::sync::InvitedRoomUpdate {
        serde_json::from_value(serde_json::json!({ "invite_state": { "events": events } }))
            .expect("an invite")
    }

    #[test]
    fn an_invitation_is_read_from_the_stripped_state() {
        let bot = UserId::parse("@kring:kring.test").unwrap();
        let member = |sender: &str, is_direct: bool| {
            serde_json::json!({ "type": "m.room.member", "sender": sender,
                "state_key": "@kring:kring.test",
                "content": { "membership": "invite", "is_direct": is_direct } })
        };
        let create = |sender: &str| {
            serde_json::json!({ "type": "m.room.create", "sender": sender, "state_key": "",
                "content": { "room_version": "12" } })
        };
        let direct = invited_room(serde_json::json!([
            create("@anna:kring.test"),
            member("@anna:kring.test", true)
        ]));
        let read = invitation(&direct, &bot);
        assert_eq!(read.inviter, Some("@anna:kring.test"));
        assert_eq!(read.creator, Some("@anna:kring.test"));
        assert!(read.marked_direct);
        assert!(kring_core::trust::may_join(&read));

        // Someone else's room, or a room not marked as a direct chat, is not joined.
        for refused in [
            invited_room(serde_json::json!([
                create("@mallory:kring.test"),
                member("@anna:kring.test", true)
            ])),
            invited_room(serde_json::json!([
                create("@anna:kring.test"),
                member("@anna:kring.test", false)
            ])),
            invited_room(serde_json::json!([member("@anna:kring.test", true)])),
        ] {
            assert!(!kring_core::trust::may_join(&invitation(&refused, &bot)));
        }
    }
}
