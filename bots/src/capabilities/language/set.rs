//! `!taal en`: answer this member in English from now on. Stored with the plan, in the same
//! transaction as the answer's outbox row, so a crash cannot leave one without the other.

use crate::dispatch::here;
use crate::{Bot, BotError};
use kring_core::plan::{Change, Plan};
use kring_core::{LanguageCommand, MatrixId, messages};
use kring_store::InboxEntry;

pub(crate) fn on_command(
    bot: &Bot,
    entry: &InboxEntry,
    command: LanguageCommand,
) -> Result<Plan, BotError> {
    let LanguageCommand::Set { language } = command;
    let mut plan = Plan::reply(
        here(entry)?,
        messages::language_set(language),
        entry.event(),
    );
    // The sender is a valid user id (the inbox holds only what the server delivered); if it
    // were not, there is nobody to remember a language for and only the answer goes out.
    if let Ok(user) = MatrixId::parse(&entry.sender) {
        plan.change(Change::SetLanguage {
            user,
            language,
            at: bot.clock.now_millis(),
        });
    }
    Ok(plan)
}
