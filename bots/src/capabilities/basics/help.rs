//! `!hulp` / `!help`: every capability's help lines.

use crate::dispatch::here;
use kring_core::plan::Plan;
use kring_core::{Language, messages};
use kring_store::InboxEntry;

pub(super) fn on_help(entry: &InboxEntry, language: Language) -> Plan {
    Plan::reply(
        here(entry),
        messages::help(language),
        Some(entry.event_id.clone()),
    )
}
