//! `!hulp` / `!help`: every capability's help lines.

use crate::BotError;
use crate::dispatch::here;
use kring_core::plan::Plan;
use kring_core::{Language, messages};
use kring_store::InboxEntry;

pub(super) fn on_help(entry: &InboxEntry, language: Language) -> Result<Plan, BotError> {
    Ok(Plan::reply(
        here(entry)?,
        messages::help(language),
        entry.event(),
    ))
}
