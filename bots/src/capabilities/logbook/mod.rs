//! The logbook: `!logboek`, the client's own account of their network.

mod read;

pub(crate) use read::*;

use super::Asked;
use crate::capabilities::network::*;
use crate::dispatch::here;
use crate::{Bot, BotError};
use kring_core::LogbookCommand;
use kring_core::messages::{self, Person};
use kring_core::network::Refusal;
use kring_core::plan::{Effect, Plan, Target};
use kring_core::{Language, MatrixId};
use kring_store::InboxEntry;

pub(crate) async fn on_command(
    bot: &Bot,
    entry: &InboxEntry,
    command: LogbookCommand,
    asked: &Asked<'_>,
) -> Result<Plan, BotError> {
    let LogbookCommand::Logbook { days } = command;
    on_logbook(
        bot,
        entry,
        days,
        asked.in_direct_chat,
        asked.preferred,
        asked.chosen,
    )
    .await
}
