//! `!status`: the version, whether the homeserver answers and whether the store is healthy.

use crate::dispatch::here;
use crate::{Bot, BotError};
use kring_core::plan::Plan;
use kring_core::{Language, StatusReport, messages};
use kring_store::InboxEntry;

pub(super) async fn on_status(
    bot: &Bot,
    entry: &InboxEntry,
    language: Language,
) -> Result<Plan, BotError> {
    let report = StatusReport {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        homeserver_reachable: bot.client.whoami().await.is_ok(),
        store_healthy: bot.store.health_check().await.is_ok(),
    };
    Ok(Plan::reply(
        here(entry)?,
        messages::status(language, &report),
        entry.event(),
    ))
}
