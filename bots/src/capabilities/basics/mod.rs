//! The basics: `!help`, `!status`, the greeting in a new private chat, and the word that a
//! message could not be read.

mod greeting;
mod help;
mod status;
mod unreadable;

pub(crate) use greeting::greeting;
pub(crate) use unreadable::could_not_read;

use super::Asked;
use crate::{Bot, BotError};
use kring_core::BasicsCommand;
use kring_core::plan::Plan;
use kring_store::InboxEntry;

pub(crate) async fn on_command(
    bot: &Bot,
    entry: &InboxEntry,
    command: BasicsCommand,
    asked: &Asked<'_>,
) -> Result<Plan, BotError> {
    match command {
        BasicsCommand::Help { language } => {
            help::on_help(entry, language.unwrap_or(asked.preferred))
        }
        BasicsCommand::Status { language } => {
            status::on_status(bot, entry, language.unwrap_or(asked.preferred)).await
        }
    }
}
