//! Consent in the chat: `!toestemming`, the polls that change it with a tap, and grants that
//! end on their date (timers).

mod command;
mod ends;
mod plan;
mod poll_response;

pub(crate) use command::*;
pub(crate) use ends::*;
pub(crate) use plan::*;
pub(crate) use poll_response::*;

use super::Asked;
use crate::capabilities::network::*;
use crate::dispatch::here;
use crate::session::random_code;
use crate::{Bot, BotError};
use kring_core::ConsentCommand;
use kring_core::audit::AuditAction;
use kring_core::consent::poll::{ConsentPoll, PollChoice};
use kring_core::consent::{self, ConsentDecision, ConsentRequest, InfoKind, Subject};
use kring_core::messages::{self, Person, Who};
use kring_core::network::Network;
use kring_core::plan::{Change, Effect, Outcome, Plan, Target};
use kring_core::{ConsentTarget, Language, MatrixId};
use kring_store::InboxEntry;
use std::collections::HashMap;

pub(crate) async fn on_command(
    bot: &Bot,
    entry: &InboxEntry,
    command: ConsentCommand,
    asked: &Asked<'_>,
) -> Result<Plan, BotError> {
    let ConsentCommand::Consent { change } = command;
    on_consent(bot, entry, change, asked.preferred, asked.chosen).await
}

/// A consent timer: a grant reached its end date.
pub(crate) async fn on_timer(
    bot: &Bot,
    entry: &InboxEntry,
    payload: serde_json::Value,
) -> Result<Plan, BotError> {
    let ends = serde_json::from_value(payload)
        .map_err(|error| BotError::Plan(format!("a consent timer that cannot be read: {error}")))?;
    on_grant_ends(bot, entry, ends).await
}
