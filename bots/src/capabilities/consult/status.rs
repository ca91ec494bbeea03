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
    lines_of(bot, network, language, now, |_| true).await
}

/// For `!netwerk`: the consults not over yet.
pub(crate) async fn open_lines(
    bot: &Bot,
    network: &Network,
    language: kring_core::Language,
    now: kring_core::network::Millis,
) -> Result<Vec<kring_core::messages::Text>, BotError> {
    lines_of(bot, network, language, now, |stored| {
        !stored.consult.state.is_over()
    })
    .await
}

/// For `!afspraken`: the answers `user` is waiting for or owes, and those of the networks
/// they steer, each with the instant it is due (to sort by).
pub(crate) async fn agenda_lines(
    bot: &Bot,
    user: &MatrixId,
    language: kring_core::Language,
    now: kring_core::network::Millis,
) -> Result<Vec<(kring_core::network::Millis, kring_core::messages::Text)>, BotError> {
    let mut open = bot.store.open_consults_of(user.as_str()).await?;
    for network_id in bot.store.networks_steered_by(user).await? {
        for stored in bot.store.consults_of_network(&network_id).await? {
            let seen = open.iter().any(|known| known.id == stored.id);
            if stored.consult.state.awaits_answer() && !seen {
                open.push(stored);
            }
        }
    }
    let mut lines = Vec::new();
    for stored in open {
        let (Some(due_at), Some(network)) = (
            stored.consult.due_at,
            bot.store.network(&stored.network_id).await?,
        ) else {
            continue;
        };
        if network.state != kring_core::network::NetworkState::Active {
            continue;
        }
        let overdue = is_overdue(&stored.consult, now);
        let line = if *user == stored.consult.consultant {
            let requester = person_in(bot, &network, &stored.consult.requester).await?;
            kring_core::consult::chat_texts::to_answer_line(language, &requester, due_at, overdue)
        } else {
            let consultant = person_in(bot, &network, &stored.consult.consultant).await?;
            status_line(
                language,
                &consultant,
                stored.consult.state,
                Some(due_at),
                overdue,
            )
        };
        lines.push((due_at, line));
    }
    Ok(lines)
}

async fn lines_of(
    bot: &Bot,
    network: &Network,
    language: kring_core::Language,
    now: kring_core::network::Millis,
    shown: impl Fn(&StoredConsult) -> bool,
) -> Result<Vec<kring_core::messages::Text>, BotError> {
    let consults: Vec<StoredConsult> = bot
        .store
        .consults_of_network(&network.id)
        .await?
        .into_iter()
        .filter(|stored| shown(stored))
        .collect();
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
