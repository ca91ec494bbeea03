//! `!consult stand`: the network's consults, whom each was asked of and by when, overdue ones
//! marked. Never what they are about: the network room may read this.

use super::*;
use kring_core::consult::chat_texts::{status, status_line};
use kring_core::consult::is_overdue;
use kring_core::network::Refusal;

/// The most a status shows: the latest ones.
const SHOWN: usize = 20;

pub(crate) async fn show(consulting: &Consulting<'_>) -> Result<Plan, BotError> {
    let context = &consulting.context;
    let network = &consulting.network;
    if context.actor != network.client && network.current_role(&context.actor).is_none() {
        return consulting.answer(messages::refusal(context.language, &Refusal::NotAMember));
    }
    consulting.answer(status(
        context.language,
        lines(context.bot, network, context.language, context.now).await?,
    ))
}

/// The status lines of `network`'s consults, latest last.
pub(crate) async fn lines(
    bot: &Bot,
    network: &Network,
    language: kring_core::Language,
    now: kring_core::network::Millis,
) -> Result<Vec<kring_core::messages::Text>, BotError> {
    let consults = bot.store.consults_of_network(&network.id).await?;
    let skip = consults.len().saturating_sub(SHOWN);
    let mut lines = Vec::new();
    for stored in consults.into_iter().skip(skip) {
        let consultant = person_in(bot, network, &stored.consult.consultant).await?;
        lines.push(status_line(
            language,
            &consultant,
            stored.consult.state,
            stored.consult.due_at,
            is_overdue(&stored.consult, now),
        ));
    }
    Ok(lines)
}
