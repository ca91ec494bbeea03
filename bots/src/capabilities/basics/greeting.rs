//! Said once when someone opens a private chat with the bot.

use crate::BotError;
use crate::dispatch::here;
use kring_core::plan::Plan;
use kring_core::{Language, messages};
use kring_store::InboxEntry;

pub(crate) fn greeting(entry: &InboxEntry) -> Result<Plan, BotError> {
    Ok(Plan::reply(
        here(entry)?,
        messages::direct_chat_greeting(Language::Dutch),
        None,
    ))
}
