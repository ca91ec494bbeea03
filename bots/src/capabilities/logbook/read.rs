//! `!logboek`.

use super::*;

/// How far back `!logboek` looks without a period.
pub(crate) const DEFAULT_LOGBOOK_DAYS: i64 = 30;

/// `!logboek`: the audit log of the network the sender steers, readable, in the direct chat only.
pub(crate) async fn on_logbook(
    bot: &Bot,
    entry: &InboxEntry,
    days: Option<i64>,
    in_direct_chat: bool,
    language: Language,
    chosen: Option<&str>,
) -> Result<Plan, BotError> {
    let answer = |reply| Ok(Plan::reply(here(entry)?, reply, entry.event()));
    let actor = sender(entry)?;
    // Typed in a network room by someone who steers it: the log of that network, shown in
    // their private chat (as the consent overview is). In the private chat: the one network
    // they steer; steering several, they are asked which (never shown the first one's).
    let (network, to) = if in_direct_chat {
        match network_asked_about(bot, entry, &actor, language, chosen).await? {
            NetworkAsked::Found(network) if network.steered_by(&actor) => (network, here(entry)?),
            NetworkAsked::Ask(plan) => return Ok(plan),
            NetworkAsked::Found(_) | NetworkAsked::NotFound => {
                return answer(messages::refusal(language, &Refusal::OnlyClientMay));
            }
        }
    } else {
        let Some(network) = bot
            .store
            .network_by_room(&entry.room_id)
            .await?
            .filter(|network| network.steered_by(&actor))
        else {
            return answer(messages::logbook_only_in_direct_chat(language));
        };
        let Some(private_chat) = crate::sync::direct_chat_with(bot, &actor).await else {
            return answer(messages::logbook_only_in_direct_chat(language));
        };
        (
            network,
            Target::Room {
                room_id: private_chat,
            },
        )
    };
    let network_id = network.id.clone();
    let days = days.unwrap_or(DEFAULT_LOGBOOK_DAYS);
    let since = bot.clock.now_millis() - days * 24 * 60 * 60 * 1000;
    let entries: Vec<_> = bot
        .store
        .audit_entries(Some(&network_id))
        .await?
        .into_iter()
        .filter(|audit| audit.at >= since)
        .collect();
    let mentioned: Vec<MatrixId> = entries
        .iter()
        .flat_map(|audit| {
            [
                Some(audit.actor.as_str()),
                audit.object.as_deref(),
                audit.on_behalf_of.as_deref(),
            ]
        })
        .flatten()
        .filter_map(|text| MatrixId::parse(text).ok())
        .collect();
    let names = people(bot, &network, &mentioned.iter().collect::<Vec<_>>()).await?;
    let lookup = |text: &str| match MatrixId::parse(text) {
        Ok(id) => person(&names, &id),
        Err(_) => Person::new(network.client.clone(), Some(text)),
    };
    let log = messages::logbook(language, &entries, days, &lookup);
    if to == here(entry)? {
        return answer(log);
    }
    let mut plan = Plan::reply(to, log, None);
    plan.effect(Effect::Send {
        to: here(entry)?,
        reply: messages::logbook_sent_privately(language),
        reply_to: entry.event(),
    });
    Ok(plan)
}
