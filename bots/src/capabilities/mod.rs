//! The capabilities the bots have, each in its own folder (one file per verb or event it
//! handles), and their registration: which capability answers a command, an inbox kind and a
//! timer. The runtime (sync, inbox, lanes, scheduler, outbox) calls only these three functions
//! and knows no capability by name; a new capability is its folders plus one arm in each match
//! below that applies to it (the compiler points at every one, because the enums are closed).
//!
//! The verbs themselves (words, usage, help lines) register in `kring_core::capability`.

pub(crate) mod basics;
pub(crate) mod consent;
pub(crate) mod consult;
pub(crate) mod language;
pub(crate) mod logbook;
pub(crate) mod meeting;
pub(crate) mod network;

use crate::{Bot, BotError};
use kring_core::plan::{FiredTimer, Plan};
use kring_core::{Command, Language};
use kring_store::{InboxEntry, InboxKind};
use prometheus_client::registry::Registry;

/// What a command is about beyond its own words.
pub(crate) struct Asked<'a> {
    /// The language the sender is answered in unless the command names one.
    pub(crate) preferred: Language,
    pub(crate) in_direct_chat: bool,
    /// The network the sender picked by number, answering "which network?".
    pub(crate) chosen: Option<&'a str>,
}

/// A vote in one of the bot's polls, as the sync stored it (`sync::poll_response`).
#[derive(serde::Deserialize)]
pub(crate) struct PollVote {
    pub(crate) poll: matrix_sdk::ruma::OwnedEventId,
    pub(crate) answers: Vec<String>,
}

impl PollVote {
    /// `None` for a body that is not a vote (nothing to act on).
    pub(crate) fn of(entry: &InboxEntry) -> Option<Self> {
        serde_json::from_str(&entry.body).ok()
    }
}

/// A parsed command, carried out by the capability that offers it.
pub(crate) async fn on_command(
    bot: &Bot,
    entry: &InboxEntry,
    command: Command,
    asked: Asked<'_>,
) -> Result<Plan, BotError> {
    match command {
        Command::Basics(command) => basics::on_command(bot, entry, command, &asked).await,
        Command::Language(command) => language::on_command(bot, entry, command),
        Command::Network(command) => {
            network::on_command(bot, entry, command, asked.preferred, asked.chosen).await
        }
        Command::Logbook(command) => logbook::on_command(bot, entry, command, &asked).await,
        Command::Consent(command) => consent::on_command(bot, entry, command, &asked).await,
        Command::Meeting(command) => meeting::on_command(bot, entry, command, &asked).await,
        Command::Consult(command) => consult::on_command(bot, entry, command, &asked).await,
    }
}

/// An inbox entry of a kind a capability owns; `None` for the runtime's own kinds.
pub(crate) async fn on_entry(bot: &Bot, entry: &InboxEntry) -> Option<Result<Plan, BotError>> {
    Some(match entry.kind {
        InboxKind::Greeting => basics::greeting(entry),
        // A consult room's memberships are the consult's; every other room's the network's.
        InboxKind::Membership => match consult::on_membership(bot, entry).await {
            Ok(Some(plan)) => Ok(plan),
            Ok(None) => network::on_membership(bot, entry).await,
            Err(error) => Err(error),
        },
        InboxKind::LinkUsed => network::on_link_used(bot, entry).await,
        InboxKind::PowerLevels => network::on_power_levels(bot, entry).await,
        InboxKind::RoomSetting => network::on_room_setting(bot, entry).await,
        InboxKind::ConsentExpired => consent::on_consent_expired(bot, entry).await,
        // A poll belongs to one capability: the meeting's are asked first, then the
        // consult's, then consent's.
        InboxKind::PollResponse => match meeting::on_poll_response(bot, entry).await {
            Ok(Some(plan)) => Ok(plan),
            Ok(None) => match consult::on_poll_response(bot, entry).await {
                Ok(Some(plan)) => Ok(plan),
                Ok(None) => consent::on_poll_response(bot, entry).await,
                Err(error) => Err(error),
            },
            Err(error) => Err(error),
        },
        InboxKind::Unreadable => basics::could_not_read(bot, entry).await,
        InboxKind::Reaction
        | InboxKind::Timer
        | InboxKind::Command
        | InboxKind::Untrusted
        | InboxKind::IdentityConfirmed => return None,
    })
}

/// A line of ordinary chat in someone's private chat with the bot: a capability that is asking
/// them something there (a form) takes it as the answer; `None` when none is.
pub(crate) async fn on_private_text(
    bot: &Bot,
    entry: &InboxEntry,
) -> Result<Option<Plan>, BotError> {
    consult::on_private_text(bot, entry).await
}

/// A timer came due: the capability that set it plans what that means now (it may find nothing
/// left to do, such as consent renewed before it ended).
pub(crate) async fn on_timer(
    bot: &Bot,
    entry: &InboxEntry,
    fired: FiredTimer,
) -> Result<Plan, BotError> {
    match fired.capability.as_str() {
        kring_core::consent::TIMERS => consent::on_timer(bot, entry, fired.payload).await,
        kring_core::meeting::TIMERS => meeting::on_timer(bot, entry, fired.payload).await,
        kring_core::consult::TIMERS => consult::on_timer(bot, entry, fired.payload).await,
        other => Err(BotError::Plan(format!(
            "a timer of a capability this bot does not have: {other:?}"
        ))),
    }
}

/// The capabilities' own metrics, registered beside the runtime's.
#[derive(Clone, Debug)]
pub(crate) struct CapabilityMetrics {
    pub(crate) meeting: meeting::figures::MeetingMetrics,
    pub(crate) consult: consult::figures::ConsultMetrics,
}

impl CapabilityMetrics {
    pub(crate) fn register(registry: &mut Registry) -> Self {
        Self {
            meeting: meeting::figures::MeetingMetrics::register(registry),
            consult: consult::figures::ConsultMetrics::register(registry),
        }
    }
}

/// The figures the region's beheer reads (counts, never names), counted again from the store.
pub(crate) async fn refresh_figures(bot: &Bot) -> Result<(), BotError> {
    meeting::figures::refresh(bot).await?;
    consult::figures::refresh(bot).await
}
