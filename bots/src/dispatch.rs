//! From an inbox entry to a plan: the one place events and commands are routed. A new
//! capability adds its command to `kring_core::Command` and its arm here.

use crate::{Bot, BotError, networks, sync};
use kring_core::consent;
use kring_core::messages::{self, StatusReport};
use kring_core::plan::{Change, FiredTimer, Plan, Target};
use kring_core::{Command, Language, parse_message};
use kring_store::{InboxEntry, InboxKind};
use matrix_sdk::ruma::RoomId;

pub(crate) async fn plan(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    match entry.kind {
        InboxKind::Greeting => Ok(Plan::reply(
            here(entry),
            messages::direct_chat_greeting(Language::Dutch),
            None,
        )),
        InboxKind::Membership => networks::on_membership(bot, entry).await,
        // Reactions are not encrypted, so anyone holding a member's access token (or the
        // server) could forge one: none decides anything. Proposals are answered by poll votes.
        // Kept for reactions an older version stored before this one started.
        InboxKind::Reaction => Ok(Plan::new()),
        InboxKind::LinkUsed => networks::on_link_used(bot, entry).await,
        InboxKind::PowerLevels => networks::on_power_levels(bot, entry).await,
        InboxKind::RoomSetting => networks::on_room_setting(bot, entry).await,
        InboxKind::ConsentExpired => networks::on_consent_expired(bot, entry).await,
        InboxKind::Timer => timer(bot, entry).await,
        InboxKind::PollResponse => networks::on_poll_response(bot, entry).await,
        InboxKind::Command => command(bot, entry).await,
        InboxKind::Unreadable => could_not_read(bot, entry).await,
        InboxKind::Untrusted => crate::trust::on_untrusted(bot, entry).await,
        InboxKind::IdentityConfirmed => crate::trust::on_identity_confirmed(bot, entry).await,
    }
}

/// A timer came due: its capability plans what that means now (it may find nothing left to do,
/// such as consent renewed before it ended).
async fn timer(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let fired: FiredTimer = serde_json::from_str(&entry.body)
        .map_err(|error| BotError::Plan(format!("a fired timer that cannot be read: {error}")))?;
    match fired.capability.as_str() {
        consent::TIMERS => {
            let ends = serde_json::from_value(fired.payload).map_err(|error| {
                BotError::Plan(format!("a consent timer that cannot be read: {error}"))
            })?;
            networks::on_grant_ends(bot, entry, ends).await
        }
        other => Err(BotError::Plan(format!(
            "a timer of a capability this bot does not have: {other:?}"
        ))),
    }
}

/// A message whose key never came: the sender hears it was lost, in the room where they wrote it.
async fn could_not_read(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let language = bot
        .store
        .member_language(&entry.sender)
        .await?
        .unwrap_or_default();
    let Ok(sender) = kring_core::MatrixId::parse(&entry.sender) else {
        return Ok(Plan::new());
    };
    let sender = messages::Person::new(sender, None);
    Ok(Plan::reply(
        here(entry),
        messages::could_not_read(language, &sender, entry.origin_ts),
        None,
    ))
}

pub(crate) fn here(entry: &InboxEntry) -> Target {
    Target::Room {
        room_id: entry.room_id.clone(),
    }
}

async fn command(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let preferred = bot
        .store
        .member_language(&entry.sender)
        .await?
        .unwrap_or_default();
    let answer = |reply| {
        Ok(Plan::reply(
            here(entry),
            reply,
            Some(entry.event_id.clone()),
        ))
    };
    let in_direct_chat =
        RoomId::parse(&entry.room_id).is_ok_and(|room_id| sync::is_direct_chat(bot, &room_id));
    let command = match parse_message(&entry.body) {
        Ok(Some(command)) => command,
        Ok(None) if in_direct_chat => {
            return match network_chosen(bot, entry, preferred, in_direct_chat).await? {
                Some(plan) => Ok(plan),
                None => answer(messages::chat_hint(preferred)),
            };
        }
        Ok(None) => return Ok(Plan::new()),
        Err(error) => return answer(messages::command_error(preferred, &error)),
    };
    carry_out(bot, entry, command, preferred, in_direct_chat, None).await
}

/// A bare number in the private chat, while a "which network?" question of theirs stands: the
/// command it waited for, about the network with that number.
async fn network_chosen(
    bot: &Bot,
    entry: &InboxEntry,
    preferred: Language,
    in_direct_chat: bool,
) -> Result<Option<Plan>, BotError> {
    let Ok(number) = entry.body.trim().parse::<usize>() else {
        return Ok(None);
    };
    let Ok(actor) = kring_core::MatrixId::parse(&entry.sender) else {
        return Ok(None);
    };
    let Some((command_text, network_ids)) = bot
        .store
        .network_choice(&actor, bot.clock.now_millis())
        .await?
    else {
        return Ok(None);
    };
    let Some(network_id) = number
        .checked_sub(1)
        .and_then(|index| network_ids.get(index))
    else {
        return Ok(Some(Plan::reply(
            here(entry),
            messages::not_a_listed_network(preferred, network_ids.len()),
            Some(entry.event_id.clone()),
        )));
    };
    let mut plan = match parse_message(&command_text) {
        Ok(Some(command)) => {
            carry_out(
                bot,
                entry,
                command,
                preferred,
                in_direct_chat,
                Some(network_id),
            )
            .await?
        }
        // Stored only after it parsed; a newer version may read it differently.
        _ => Plan::new(),
    };
    plan.change(Change::ForgetNetworkChoice { user: actor });
    Ok(Some(plan))
}

/// A parsed command, about `chosen` when the sender picked a network by number.
async fn carry_out(
    bot: &Bot,
    entry: &InboxEntry,
    command: Command,
    preferred: Language,
    in_direct_chat: bool,
    chosen: Option<&str>,
) -> Result<Plan, BotError> {
    let answer = |reply| {
        Ok(Plan::reply(
            here(entry),
            reply,
            Some(entry.event_id.clone()),
        ))
    };
    match command {
        Command::Help { language } => answer(messages::help(language.unwrap_or(preferred))),
        Command::Status { language } => {
            let report = StatusReport {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                homeserver_reachable: bot.client.whoami().await.is_ok(),
                store_healthy: bot.store.health_check().await.is_ok(),
            };
            answer(messages::status(language.unwrap_or(preferred), &report))
        }
        Command::SetLanguage { language } => {
            // Stored at once: setting the same language twice is harmless.
            bot.store
                .set_member_language(&entry.sender, language)
                .await?;
            answer(messages::language_set(language))
        }
        Command::StartNetwork { .. }
        | Command::Overview
        | Command::Invite { .. }
        | Command::InviteLink { .. }
        | Command::Remove { .. }
        | Command::Decide { .. }
        | Command::RevokeLink { .. }
        | Command::Leave => networks::on_command(bot, entry, command, preferred, chosen).await,
        Command::Consent { change } => {
            networks::on_consent(bot, entry, change, preferred, chosen).await
        }
        Command::Logbook { days } => {
            networks::on_logbook(bot, entry, days, in_direct_chat, preferred, chosen).await
        }
    }
}
