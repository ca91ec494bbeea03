//! Carries out planned effects in Matrix. Each effect checks first whether it already happened,
//! so a restart in the middle repeats nothing (DESIGN.md, flow 1).

use crate::{Bot, BotError};
use kring_core::MatrixId;
use kring_core::messages::{
    self, BotReply, EarlierMessage, HISTORY_LINES_PER_MESSAGE, HISTORY_ROOM_NAME, INVITE_REASON,
    NETWORK_ROOM_NAME, Person, PollText,
};
use kring_core::network::NetworkId;
use kring_core::network::{Membership, Millis};
use kring_core::plan::{Effect, Target};
use kring_store::PendingEffect;
use matrix_sdk::room::MessagesOptions;
use matrix_sdk::ruma::api::client::account::get_username_availability;
use matrix_sdk::ruma::api::client::membership::invite_user::v3::{
    InvitationRecipient, InviteUserId, Request as InviteRequest,
};
use matrix_sdk::ruma::api::client::room::create_room;
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::ruma::events::StateEventType;
use matrix_sdk::ruma::events::poll::start::PollKind;
use matrix_sdk::ruma::events::poll::unstable_end::UnstablePollEndEventContent;
use matrix_sdk::ruma::events::poll::unstable_start::{
    NewUnstablePollStartEventContent, UnstablePollAnswer, UnstablePollAnswers,
    UnstablePollStartContentBlock, UnstablePollStartEventContent,
};
use matrix_sdk::ruma::events::relation::Reply;
use matrix_sdk::ruma::events::room::message::{Relation, RoomMessageEventContent};
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{EventId, OwnedRoomId, OwnedTransactionId, OwnedUserId, RoomId, UserId};
use matrix_sdk::{Room, RoomMemberships, RoomState};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Duration;
use tracing::{debug, warn};

/// A room state event naming the network a room belongs to. It holds only Kring's random
/// network id, so it says nothing about anyone; it lets a restarted bot find a room it created
/// just before a crash instead of creating a second one.
const NETWORK_TAG: &str = "org.kring.network";

/// A room state event marking a member's room for shared history: the network id and the
/// member, so that a restarted bot finds it again instead of making a second one.
const HISTORY_TAG: &str = "org.kring.history";

/// How long a removal may take to show up in the bot's own view of the room.
const KICK_SETTLE: Duration = Duration::from_secs(30);

/// The transaction id of effect `seq` of `cause_event_id`: the same on every attempt, so the
/// homeserver recognises a resend after a crash and does not post twice.
pub(crate) fn transaction_id(
    bot_user_id: &str,
    cause_event_id: &str,
    seq: i64,
) -> OwnedTransactionId {
    let digest = Sha256::digest(format!("{bot_user_id}\n{cause_event_id}\n{seq}").as_bytes());
    OwnedTransactionId::from(format!("kring-{}", hex::encode(&digest[..16])))
}

/// The transaction id of this pending effect itself (see [`transaction_id`]).
pub(crate) fn own_transaction_id(bot: &Bot, pending: &PendingEffect) -> OwnedTransactionId {
    transaction_id(
        bot.identity.user_id.as_str(),
        &pending.cause_event_id,
        pending.seq,
    )
}

/// Carries out one effect and records it as done. Returns the event id of a sent message.
pub(crate) async fn carry_out(
    bot: &Bot,
    pending: &PendingEffect,
) -> Result<Option<String>, BotError> {
    let result = match &pending.effect {
        Effect::Send {
            to,
            reply,
            reply_to,
        } => {
            send(
                bot,
                to,
                reply,
                reply_to.as_deref(),
                &own_transaction_id(bot, pending),
            )
            .await?
        }
        Effect::SendInviteLink {
            to,
            link_id,
            reply_to,
        } => {
            let Some(found) = bot.store.invite_link(link_id).await? else {
                return Err(BotError::Plan(format!(
                    "invite link {link_id} is not stored"
                )));
            };
            let secret = kring_core::network::invite_secret(
                &bot.invite_link_key,
                &found.network_id,
                link_id,
                found.link.expires_at,
            );
            let url = format!("{}/{secret}", bot.invite_base_url.trim_end_matches('/'));
            let language = bot
                .store
                .member_language(found.link.created_by.as_str())
                .await?
                .unwrap_or_default();
            send(
                bot,
                to,
                &messages::link_created(language, &url, &found.link),
                reply_to.as_deref(),
                &own_transaction_id(bot, pending),
            )
            .await?
        }
        Effect::SendProposalPoll {
            network_id,
            number,
            text,
        } => {
            let to = Target::Network {
                network_id: network_id.clone(),
            };
            match joined_room(bot, &to).await? {
                Some(room) => {
                    let transaction_id = own_transaction_id(bot, pending);
                    let event_id = send_poll(bot, &room, text, &transaction_id).await?;
                    bot.store
                        .set_proposal_prompt(network_id, *number, &event_id)
                        .await?;
                    Some(event_id)
                }
                None => None,
            }
        }
        Effect::SendConsentPoll {
            to,
            network_id,
            text,
            poll,
        } => {
            let transaction_id = own_transaction_id(bot, pending);
            match joined_room(bot, to).await? {
                Some(room) => {
                    let event_id = send_poll(bot, &room, text, &transaction_id).await?;
                    bot.store
                        .record_consent_poll(
                            &event_id,
                            network_id,
                            room.room_id().as_str(),
                            poll,
                            bot.clock.now_millis(),
                        )
                        .await?;
                    Some(event_id)
                }
                None => None,
            }
        }
        Effect::EndPoll {
            to,
            poll_event_id,
            text,
        } => match (joined_room(bot, to).await?, EventId::parse(poll_event_id)) {
            (Some(room), Ok(poll_event_id)) => {
                let content = UnstablePollEndEventContent::new(text.clone(), poll_event_id);
                let _sending = bot.room_guards.sending(room.room_id()).await;
                crate::trust::share_only_with_pinned(bot, &room).await;
                let sent = room
                    .send(content)
                    .with_transaction_id(own_transaction_id(bot, pending))
                    .await?;
                Some(sent.response.event_id.to_string())
            }
            _ => None,
        },
        Effect::CreateNetworkRoom { network_id, client } => {
            create_network_room(bot, network_id, client).await?;
            None
        }
        Effect::ShareHistory { network_id, user } => {
            share_history(bot, pending, network_id, user).await?;
            None
        }
        Effect::WithdrawHistory { network_id, user } => {
            withdraw_history(bot, pending, network_id, user).await?;
            None
        }
        Effect::Invite {
            network_id,
            user,
            if_unknown,
        } => {
            invite(bot, pending, network_id, user, if_unknown).await?;
            None
        }
        Effect::Kick { network_id, user } => {
            kick(bot, network_id, user).await?;
            None
        }
        Effect::RestoreRoomSetting {
            network_id,
            event_type,
        } => {
            restore_room_setting(bot, network_id, event_type).await?;
            None
        }
        Effect::SetPowerLevel {
            network_id,
            user,
            level,
        } => {
            set_power_level(bot, network_id, user, *level).await?;
            None
        }
        Effect::Meeting(effect) => {
            crate::capabilities::meeting::effects::carry_out(bot, pending, effect).await?
        }
        Effect::Consult(effect) => {
            crate::capabilities::consult::effects::carry_out(bot, pending, effect).await?
        }
    };
    bot.store
        .effect_done(
            bot.identity.user_id.as_str(),
            &pending.cause_event_id,
            pending.seq,
            result.as_deref(),
        )
        .await?;
    Ok(result)
}

pub(crate) fn user_id(user: &MatrixId) -> Result<OwnedUserId, BotError> {
    UserId::parse(user.as_str()).map_err(|_| BotError::Plan(format!("not a user id: {user}")))
}

async fn resolve(bot: &Bot, target: &Target) -> Result<Option<OwnedRoomId>, BotError> {
    let room_id = match target {
        Target::Room { room_id } => Some(room_id.clone()),
        Target::Network { network_id } => bot.store.network_room(network_id).await?,
    };
    Ok(room_id.and_then(|id| RoomId::parse(id).ok()))
}

async fn network_room(bot: &Bot, network_id: &str) -> Result<Room, BotError> {
    let room_id = bot
        .store
        .network_room(network_id)
        .await?
        .ok_or_else(|| BotError::Plan(format!("network {network_id} has no room yet")))?;
    let room_id = RoomId::parse(&room_id)
        .map_err(|_| BotError::Plan(format!("bad room id for {network_id}")))?;
    bot.client
        .get_room(&room_id)
        .ok_or_else(|| BotError::Plan(format!("the room of {network_id} is not known yet")))
}

async fn send(
    bot: &Bot,
    to: &Target,
    reply: &BotReply,
    reply_to: Option<&EventId>,
    transaction_id: &OwnedTransactionId,
) -> Result<Option<String>, BotError> {
    let Some(room) = joined_room(bot, to).await? else {
        return Ok(None);
    };
    let sent = send_in(bot, &room, reply, reply_to, transaction_id).await?;
    bot.metrics.replies_sent.inc();
    Ok(Some(sent))
}

/// Every bot text goes out this way: an `m.notice` with plain `body` and HTML, maybe a reply.
pub(crate) async fn send_in(
    bot: &Bot,
    room: &Room,
    reply: &BotReply,
    reply_to: Option<&EventId>,
    transaction_id: &OwnedTransactionId,
) -> Result<String, BotError> {
    let reply = reply.clone().fitted();
    let _sending = bot.room_guards.sending(room.room_id()).await;
    crate::trust::share_only_with_pinned(bot, room).await;
    let mut content = RoomMessageEventContent::notice_html(reply.plain, reply.html);
    if let Some(event_id) = reply_to {
        content.relates_to = Some(Relation::Reply(Reply::with_event_id(event_id.to_owned())));
    }
    let sent = room
        .send(content)
        .with_transaction_id(transaction_id.clone())
        .await?;
    Ok(sent.response.event_id.to_string())
}

/// The room a message goes to, if the bot is still in it (otherwise there is nobody to tell).
pub(crate) async fn joined_room(bot: &Bot, to: &Target) -> Result<Option<Room>, BotError> {
    let Some(room_id) = resolve(bot, to).await? else {
        return Err(BotError::Plan("a message has no room to go to yet".into()));
    };
    Ok(bot
        .client
        .get_room(&room_id)
        .filter(|room| room.state() == RoomState::Joined))
}

/// A single-choice poll in the unstable MSC3381 form, which is what Element renders (DESIGN.md);
/// disclosed, so the client sees their own choice at once.
pub(crate) async fn send_poll(
    bot: &Bot,
    room: &Room,
    text: &PollText,
    transaction_id: &OwnedTransactionId,
) -> Result<String, BotError> {
    let answers: Vec<UnstablePollAnswer> = text
        .answers
        .iter()
        .map(|(id, answer)| UnstablePollAnswer::new(id.clone(), answer.clone()))
        .collect();
    let answers = UnstablePollAnswers::try_from(answers)
        .map_err(|error| BotError::Plan(format!("a poll's answers: {error}")))?;
    let mut block = UnstablePollStartContentBlock::new(text.question.clone(), answers);
    block.kind = PollKind::Disclosed;
    // Clients without polls show the question and the answers as text.
    let fallback = std::iter::once(text.question.clone())
        .chain(
            text.answers
                .iter()
                .enumerate()
                .map(|(index, (_, answer))| format!("{}. {answer}", index + 1)),
        )
        .collect::<Vec<_>>()
        .join("\n");
    let content = NewUnstablePollStartEventContent::plain_text(fallback, block);
    let _sending = bot.room_guards.sending(room.room_id()).await;
    crate::trust::share_only_with_pinned(bot, room).await;
    let sent = room
        .send(UnstablePollStartEventContent::New(content))
        .with_transaction_id(transaction_id.clone())
        .await?;
    Ok(sent.response.event_id.to_string())
}

/// A joined room the bot created itself, carrying the state tag `tag` whose content `matches`:
/// how a restarted bot finds a room it created just before a crash instead of creating a second
/// one. Anyone can put a tag in a room of their own and invite the bot, so the tag alone proves
/// nothing; who created the room does (the `m.room.create` sender, which no one else can be).
pub(crate) async fn tagged_room(
    bot: &Bot,
    tag: &str,
    matches: impl Fn(&serde_json::Value) -> bool,
) -> Option<Room> {
    for room in bot.client.joined_rooms() {
        let made_by_bot = room
            .create_content()
            .is_some_and(|create| create.creator == bot.identity.user_id);
        if !made_by_bot {
            continue;
        }
        let Ok(Some(raw)) = room.get_state_event(StateEventType::from(tag), "").await else {
            continue;
        };
        let json = match &raw {
            matrix_sdk::deserialized_responses::RawAnySyncOrStrippedState::Sync(raw) => {
                raw.json().get().to_owned()
            }
            matrix_sdk::deserialized_responses::RawAnySyncOrStrippedState::Stripped(raw) => {
                raw.json().get().to_owned()
            }
        };
        let tagged: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        if matches(&tagged["content"]) {
            return Some(room);
        }
    }
    None
}

/// The power levels of a room only the bot manages (a meeting's, a consult's): everyone writes,
/// only the bot (the room's creator, above every level in room version 12) invites, removes and
/// changes the room. With the private-chat preset alone any member could invite someone in.
pub(crate) fn bot_managed_power_levels<T>() -> Result<Raw<T>, BotError> {
    let levels = json!({
        "invite": 100, "kick": 100, "ban": 100, "redact": 50, "state_default": 100,
        "events_default": 0, "users_default": 0,
    });
    Raw::from_json_string(levels.to_string())
        .map_err(|error| BotError::Plan(format!("a room's power levels: {error}")))
}

/// The state every private Kring room starts with: encrypted, invite-only, no guests, the
/// given history visibility, and the tag it is found again by.
pub(crate) fn private_room_state<T>(
    history_visibility: &str,
    tag: &str,
    tag_content: serde_json::Value,
) -> Result<Vec<Raw<T>>, BotError> {
    [
        json!({ "type": "m.room.encryption", "state_key": "", "content": { "algorithm": "m.megolm.v1.aes-sha2" } }),
        json!({ "type": "m.room.history_visibility", "state_key": "", "content": { "history_visibility": history_visibility } }),
        json!({ "type": "m.room.join_rules", "state_key": "", "content": { "join_rule": "invite" } }),
        json!({ "type": "m.room.guest_access", "state_key": "", "content": { "guest_access": "forbidden" } }),
        json!({ "type": tag, "state_key": "", "content": tag_content }),
    ]
    .into_iter()
    .map(raw)
    .collect()
}

async fn create_network_room(
    bot: &Bot,
    network_id: &str,
    client: &MatrixId,
) -> Result<(), BotError> {
    if bot.store.network_room(network_id).await?.is_some() {
        return Ok(());
    }
    if let Some(room) = tagged_room(bot, NETWORK_TAG, |tag| tag["network_id"] == network_id).await {
        bot.store
            .set_network_room(network_id, room.room_id().as_str())
            .await?;
        return Ok(());
    }
    let client_id = user_id(client)?;
    let mut request = create_room::v3::Request::new();
    request.name = Some(NETWORK_ROOM_NAME.to_owned());
    request.preset = Some(create_room::v3::RoomPreset::PrivateChat);
    request.invite = vec![client_id.clone()];
    // Room version 12: the creator (the bot) and every additional creator hold unlimited power.
    // The client is one, so the client and the bot own the room together (DESIGN.md, traps).
    request.creation_content = Some(raw(json!({ "additional_creators": [client_id] }))?);
    // New members do not read what was said before they joined; the client may share it with
    // one person through copies (ShareHistory).
    request.initial_state =
        private_room_state("joined", NETWORK_TAG, json!({ "network_id": network_id }))?;
    request.power_level_content_override =
        Some(raw(kring_core::room_state::network_room_power_levels())?);
    let room = bot.client.create_room(request).await?;
    bot.store
        .set_network_room(network_id, room.room_id().as_str())
        .await?;
    debug!(%network_id, "created a network room");
    Ok(())
}

/// Copies of the network room's earlier messages for a member with history consent, in a room
/// of their own. Each copy has its own transaction id, so a retry after a crash sends none twice.
async fn share_history(
    bot: &Bot,
    pending: &PendingEffect,
    network_id: &str,
    user: &MatrixId,
) -> Result<(), BotError> {
    let Some(network) = bot.store.network(network_id).await? else {
        return Ok(());
    };
    let Some(joined_at) = network
        .member(user)
        .filter(|member| member.membership == Membership::Joined)
        .map(|member| member.since)
    else {
        // Shared when they join.
        return Ok(());
    };
    let network_room = network_room(bot, network_id).await?;
    let earlier = earlier_messages(&network_room, joined_at).await?;
    let room = history_room(bot, network_id, user).await?;
    let language = bot
        .store
        .member_language(user.as_str())
        .await?
        .unwrap_or_default();
    let parts: Vec<&[EarlierMessage]> = if earlier.is_empty() {
        vec![&[]]
    } else {
        earlier.chunks(HISTORY_LINES_PER_MESSAGE).collect()
    };
    for (index, part) in parts.iter().enumerate() {
        let reply = messages::history_share(language, part, index + 1, parts.len());
        let transaction_id = transaction_id(
            bot.identity.user_id.as_str(),
            &format!("{}#history{index}", pending.cause_event_id),
            pending.seq,
        );
        let event_id = send_in(bot, &room, &reply, None, &transaction_id).await?;
        bot.store
            .record_history_share(
                network_id,
                user,
                room.room_id().as_str(),
                &event_id,
                bot.clock.now_millis(),
            )
            .await?;
    }
    debug!(%network_id, copies = parts.len(), "shared earlier messages");
    Ok(())
}

/// Takes every shared copy away again (a redaction removes the text from the server, and
/// Element hides it), then says so in that room.
async fn withdraw_history(
    bot: &Bot,
    pending: &PendingEffect,
    network_id: &str,
    user: &MatrixId,
) -> Result<(), BotError> {
    let shared = bot.store.shared_history(network_id, user).await?;
    let mut rooms = Vec::new();
    for (room_id, event_id) in shared {
        let (Ok(room_id), Ok(event_id)) = (RoomId::parse(&room_id), EventId::parse(&event_id))
        else {
            continue;
        };
        if let Some(room) = bot.client.get_room(&room_id) {
            room.redact(
                &event_id,
                Some("Toestemming ingetrokken / consent withdrawn"),
                Some(transaction_id(
                    bot.identity.user_id.as_str(),
                    event_id.as_str(),
                    pending.seq,
                )),
            )
            .await?;
            if !rooms
                .iter()
                .any(|known: &Room| known.room_id() == room.room_id())
            {
                rooms.push(room);
            }
        }
        bot.store
            .history_share_withdrawn(event_id.as_str(), bot.clock.now_millis())
            .await?;
    }
    let language = bot
        .store
        .member_language(user.as_str())
        .await?
        .unwrap_or_default();
    for room in rooms {
        let transaction_id = transaction_id(
            bot.identity.user_id.as_str(),
            &format!("{}#withdrawn", pending.cause_event_id),
            pending.seq,
        );
        send_in(
            bot,
            &room,
            &messages::history_withdrawn(language),
            None,
            &transaction_id,
        )
        .await?;
    }
    // Out of the network means out of every Kring room about this client.
    let still_in = bot
        .store
        .network(network_id)
        .await?
        .is_some_and(|network| network.current_role(user).is_some());
    if !still_in
        && let Some(room) = bot
            .store
            .history_room(network_id, user)
            .await?
            .and_then(|room_id| RoomId::parse(&room_id).ok())
            .and_then(|room_id| bot.client.get_room(&room_id))
    {
        let member = user_id(user)?;
        if matches!(
            server_membership(bot, &room, &member).await?.as_deref(),
            Some("invite" | "join")
        ) {
            room.kick_user(&member, None).await?;
        }
    }
    Ok(())
}

/// What members wrote in the network room before `before`, oldest first (the bot holds every
/// room key since the room began). Bot notices are left out: they are about the network, not
/// the client.
async fn earlier_messages(room: &Room, before: Millis) -> Result<Vec<EarlierMessage>, BotError> {
    const MAX_PAGES: usize = 20;
    let mut found = Vec::new();
    let mut from: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut options = MessagesOptions::backward();
        options.from = from.clone();
        options.limit = matrix_sdk::ruma::UInt::from(100u32);
        let page = room.messages(options).await?;
        for event in &page.chunk {
            let Ok(json) = serde_json::from_str::<serde_json::Value>(event.raw().json().get())
            else {
                continue;
            };
            let at = json["origin_server_ts"].as_i64().unwrap_or_default();
            // Only what a member's confirmed device wrote is passed on as theirs.
            let from_confirmed_device = kring_core::trust::may_act_on(crate::trust::classify(
                event.encryption_info().map(|info| info.as_ref()),
            ))
            .is_ok();
            if json["type"] != "m.room.message"
                || json["content"]["msgtype"] != "m.text"
                || at >= before
                || !from_confirmed_device
            {
                continue;
            }
            let (Some(sender), Some(body)) = (
                json["sender"]
                    .as_str()
                    .and_then(|sender| MatrixId::parse(sender).ok()),
                json["content"]["body"].as_str(),
            ) else {
                continue;
            };
            found.push(EarlierMessage {
                at,
                sender: Person::new(sender, None),
                body: body.to_owned(),
            });
        }
        match page.end {
            Some(end) if !page.chunk.is_empty() => from = Some(end),
            _ => break,
        }
    }
    found.reverse();
    Ok(found)
}

/// The member's own room for shared history: remembered in the store, found again by its tag
/// after a crash, or made (encrypted, invite-only, readable from the invite on).
async fn history_room(bot: &Bot, network_id: &str, user: &MatrixId) -> Result<Room, BotError> {
    if let Some(room) = bot
        .store
        .history_room(network_id, user)
        .await?
        .and_then(|room_id| RoomId::parse(room_id).ok())
        .and_then(|room_id| bot.client.get_room(&room_id))
    {
        return Ok(room);
    }
    let member = user_id(user)?;
    if let Some(room) = tagged_room(bot, HISTORY_TAG, |tag| {
        tag["network_id"] == network_id && tag["member"] == member.as_str()
    })
    .await
        && only_bot_and(bot, &room, &member).await?
    {
        bot.store
            .set_history_room(network_id, user, room.room_id().as_str())
            .await?;
        return Ok(room);
    }
    let mut request = create_room::v3::Request::new();
    request.name = Some(HISTORY_ROOM_NAME.to_owned());
    request.preset = Some(create_room::v3::RoomPreset::PrivateChat);
    request.invite = vec![member.clone()];
    request.is_direct = true;
    // The member reads the copies sent while they were only invited.
    request.initial_state = private_room_state(
        "invited",
        HISTORY_TAG,
        json!({ "network_id": network_id, "member": member }),
    )?;
    let room = bot.client.create_room(request).await?;
    bot.store
        .set_history_room(network_id, user, room.room_id().as_str())
        .await?;
    Ok(room)
}

/// Whether nobody but the bot and `member` is in `room` or invited to it: a history room that
/// anyone else could read is not the member's.
async fn only_bot_and(bot: &Bot, room: &Room, member: &UserId) -> Result<bool, BotError> {
    Ok(room
        .members(RoomMemberships::JOIN | RoomMemberships::INVITE)
        .await?
        .iter()
        .all(|someone| someone.user_id() == member || someone.user_id() == bot.identity.user_id))
}

/// A room's state event as the homeserver has it now (`{}` when never set): what the
/// bot changes is based on this, never on its own copy, which may lag behind a change it
/// just made.
async fn server_state(
    bot: &Bot,
    room: &Room,
    event_type: StateEventType,
    state_key: &str,
) -> Result<serde_json::Value, BotError> {
    use matrix_sdk::ruma::api::client::state::get_state_event_for_key;
    let request = get_state_event_for_key::v3::Request::new(
        room.room_id().to_owned(),
        event_type,
        state_key.to_owned(),
    );
    match bot.client.send(request).await {
        // An answer that is not JSON says nothing about the room: acting on it as "never set"
        // would, for a membership, read as "already gone" and skip a removal.
        Ok(response) => serde_json::from_str(response.event_or_content.get()).map_err(|_| {
            BotError::Plan(
                "the homeserver answered a state request with something unreadable".into(),
            )
        }),
        Err(error) if matches!(error.client_api_error_kind(), Some(ErrorKind::NotFound)) => {
            Ok(json!({}))
        }
        Err(error) => Err(error.into()),
    }
}

/// One person's power level in a network room, written over the power levels the homeserver
/// has now, with every other field as `kring_core::room_state` keeps it.
async fn set_power_level(
    bot: &Bot,
    network_id: &str,
    user: &MatrixId,
    level: i64,
) -> Result<(), BotError> {
    use kring_core::room_state::{POWER_LEVELS, restored};
    let room = network_room(bot, network_id).await?;
    let current = server_state(bot, &room, POWER_LEVELS.into(), "").await?;
    let has = current["users"][user.as_str()]
        .as_i64()
        .or_else(|| current["users_default"].as_i64())
        .unwrap_or(0);
    let mut wanted = restored(POWER_LEVELS, &current).unwrap_or_else(|| current.clone());
    if has == level && wanted == current {
        return Ok(());
    }
    let users_default = wanted["users_default"].as_i64().unwrap_or(0);
    if !wanted["users"].is_object() {
        wanted["users"] = json!({});
    }
    if let Some(users) = wanted["users"].as_object_mut() {
        // The default level is no entry at all, as Element writes it.
        if level == users_default {
            users.remove(user.as_str());
        } else {
            users.insert(user.to_string(), json!(level));
        }
    }
    room.send_state_event_raw(POWER_LEVELS, "", wanted).await?;
    Ok(())
}

/// Puts a network room's setting back as `kring_core::room_state` says, if it is not already.
async fn restore_room_setting(
    bot: &Bot,
    network_id: &str,
    event_type: &str,
) -> Result<(), BotError> {
    let room = network_room(bot, network_id).await?;
    let current = server_state(bot, &room, event_type.into(), "").await?;
    let Some(restored) = kring_core::room_state::restored(event_type, &current) else {
        return Ok(());
    };
    room.send_state_event_raw(event_type, "", restored).await?;
    Ok(())
}

fn raw<T>(value: serde_json::Value) -> Result<Raw<T>, BotError> {
    Raw::new(&value)
        .map(Raw::cast_unchecked)
        .map_err(|error| BotError::Plan(format!("could not build a request: {error}")))
}

/// Someone's membership in the room's current state as the server has it (`None`: never in it).
pub(crate) async fn server_membership(
    bot: &Bot,
    room: &Room,
    user_id: &UserId,
) -> Result<Option<String>, BotError> {
    let content = server_state(bot, room, StateEventType::RoomMember, user_id.as_str()).await?;
    membership_in(&content)
}

/// The membership a member event's content states; `{}` (no event) is "never in it", and
/// anything else without a membership is an error, never a guess.
fn membership_in(content: &serde_json::Value) -> Result<Option<String>, BotError> {
    if content.as_object().is_some_and(serde_json::Map::is_empty) {
        return Ok(None);
    }
    match content["membership"].as_str() {
        Some(membership) => Ok(Some(membership.to_owned())),
        None => Err(BotError::Plan(
            "the homeserver sent a member event without a membership".into(),
        )),
    }
}

/// Whether an account exists, where the homeserver can tell: `None` for other servers.
pub(crate) async fn account_exists(bot: &Bot, user: &MatrixId) -> Result<Option<bool>, BotError> {
    if Some(
        user.as_str()
            .split_once(':')
            .map(|(_, server)| server)
            .unwrap_or_default(),
    ) != Some(bot.identity.user_id.server_name().as_str())
    {
        return Ok(None);
    }
    if let Some((admin, token)) = &bot.account_lookup {
        match admin.user_exists(token, user.as_str()).await {
            Ok(exists) => return Ok(Some(exists)),
            // A revoked token or a server error: the public endpoint answers instead.
            Err(error) => debug!(%error, "the admin API did not say whether an account exists"),
        }
    }
    let request = get_username_availability::v3::Request::new(user.localpart().to_owned());
    match bot.client.send(request).await {
        Ok(response) => Ok(Some(!response.available)),
        Err(error) => match error.client_api_error_kind() {
            Some(ErrorKind::UserInUse) => Ok(Some(true)),
            Some(ErrorKind::InvalidUsername) => Ok(Some(false)),
            _ => Err(error.into()),
        },
    }
}

async fn invite(
    bot: &Bot,
    pending: &PendingEffect,
    network_id: &NetworkId,
    user: &MatrixId,
    if_unknown: &BotReply,
) -> Result<(), BotError> {
    let room = network_room(bot, network_id).await?;
    let user_id = user_id(user)?;
    if let Some(member) = room.get_member_no_sync(&user_id).await?
        && matches!(
            member.membership(),
            matrix_sdk::ruma::events::room::member::MembershipState::Invite
                | matrix_sdk::ruma::events::room::member::MembershipState::Join
        )
    {
        return Ok(());
    }
    if account_exists(bot, user).await? == Some(false) {
        bot.store.forget_invited_member(network_id, user).await?;
        // A distinct transaction id from the plan's own sends: seq is negative here.
        send(
            bot,
            &Target::Network {
                network_id: network_id.clone(),
            },
            if_unknown,
            None,
            &transaction_id(
                bot.identity.user_id.as_str(),
                &pending.cause_event_id,
                -1 - pending.seq,
            ),
        )
        .await?;
        return Ok(());
    }
    let mut recipient = InviteUserId::new(user_id);
    recipient.reason = Some(INVITE_REASON.to_owned());
    let request = InviteRequest::new(
        room.room_id().to_owned(),
        InvitationRecipient::UserId(recipient),
    );
    bot.client.send(request).await?;
    // Make the next send load the member list again, so the invitee's devices get the key.
    room.mark_members_missing();
    Ok(())
}

async fn kick(bot: &Bot, network_id: &str, user: &MatrixId) -> Result<(), BotError> {
    let room = network_room(bot, network_id).await?;
    kick_from(bot, &room, user).await
}

/// Takes `user` out of `room` and waits until the bot's own view shows it.
pub(crate) async fn kick_from(bot: &Bot, room: &Room, user: &MatrixId) -> Result<(), BotError> {
    use matrix_sdk::ruma::events::room::member::MembershipState;
    let room_id = room.room_id();
    let _removing = bot.room_guards.removing(room_id).await;
    let user_id = user_id(user)?;
    let is_in = |state: &MembershipState| {
        matches!(
            state,
            MembershipState::Invite | MembershipState::Join | MembershipState::Knock
        )
    };
    let present = room
        .get_member_no_sync(&user_id)
        .await?
        .is_some_and(|member| is_in(member.membership()));
    if present && let Err(error) = room.kick_user(&user_id, None).await {
        // Our view can lag behind the server's. An invite sent around the bot at the same moment
        // as a power-level change can lose in state resolution, and then the server has nobody
        // to remove: what we wanted is true already.
        if server_membership(bot, room, &user_id)
            .await?
            .is_none_or(|m| m == "leave" || m == "ban")
        {
            // Still waited for below: until the bot's own view shows them gone, a message
            // would be encrypted for them.
            debug!(%room_id, "nobody to remove: the server no longer has them in the room");
        } else {
            return Err(error.into());
        }
    }
    // Remove, then send at once, leaks (DESIGN.md, known traps): wait until our own sync has
    // processed the removal, so the next message is encrypted without them.
    let deadline = tokio::time::Instant::now() + KICK_SETTLE;
    loop {
        let still_in = room
            .members_no_sync(RoomMemberships::JOIN | RoomMemberships::INVITE)
            .await?
            .iter()
            .any(|member| member.user_id() == user_id);
        if !still_in {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            warn!(%room_id, "a removal has not shown up in the bot's view of the room yet");
            return Err(BotError::Plan("removal not yet visible".into()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_membership_is_read_or_refused_never_guessed() {
        assert_eq!(membership_in(&json!({})).unwrap(), None);
        assert_eq!(
            membership_in(&json!({ "membership": "join" })).unwrap(),
            Some("join".to_owned())
        );
        for unreadable in [
            json!(null),
            json!([]),
            json!({ "membership": 3 }),
            json!({ "displayname": "x" }),
        ] {
            assert!(membership_in(&unreadable).is_err(), "{unreadable}");
        }
    }
}
