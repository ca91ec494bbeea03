//! From an inbox entry to a reply: the one place commands are routed. A new capability adds
//! its command to `kring_core::Command` and its arm here.

use crate::{Bot, BotError};
use kring_core::messages::{self, BotReply, StatusReport};
use kring_core::{Command, parse_message};
use kring_store::InboxEntry;
use matrix_sdk::Room;

pub(crate) async fn respond(
    bot: &Bot,
    entry: &InboxEntry,
    room: &Room,
) -> Result<Option<BotReply>, BotError> {
    let preferred = bot
        .store
        .member_language(&entry.sender)
        .await?
        .unwrap_or_default();
    let command = match parse_message(&entry.body) {
        Ok(Some(command)) => command,
        Ok(None) if room.active_members_count() <= 2 => {
            return Ok(Some(messages::chat_hint(preferred)));
        }
        Ok(None) => return Ok(None),
        Err(error) => return Ok(Some(messages::command_error(preferred, &error))),
    };
    let reply = match command {
        Command::Help { language } => messages::help(language.unwrap_or(preferred)),
        Command::Status { language } => {
            let report = StatusReport {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                homeserver_reachable: bot.client.whoami().await.is_ok(),
                store_healthy: bot.store.health_check().await.is_ok(),
            };
            messages::status(language.unwrap_or(preferred), &report)
        }
        Command::SetLanguage { language } => {
            bot.store
                .set_member_language(&entry.sender, language)
                .await?;
            messages::language_set(language)
        }
    };
    Ok(Some(reply))
}
