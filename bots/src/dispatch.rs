//! From an inbox entry to a plan: the runtime's routing. Entries of a kind a capability owns go
//! to it (`crate::capabilities`); commands are parsed against every capability's verbs and
//! carried out by the one that offers them; the runtime keeps only what is about how input
//! arrived (trust) and the "which network?" question every steering command may raise.

use crate::capabilities::{self, Asked};
use crate::{Bot, BotError, sync};
use kring_core::messages;
use kring_core::plan::{Change, FiredTimer, Plan, Target};
use kring_core::{Language, parse_message};
use kring_store::{InboxEntry, InboxKind};
use tracing::warn;

pub(crate) async fn plan(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    if let Some(plan) = capabilities::on_entry(bot, entry).await {
        return plan;
    }
    match entry.kind {
        // Reactions are not encrypted, so anyone holding a member's access token (or the
        // server) could forge one: none decides anything. Proposals are answered by poll votes.
        // Kept for reactions an older version stored before this one started.
        InboxKind::Reaction => Ok(Plan::new()),
        InboxKind::Timer => {
            let fired: FiredTimer = serde_json::from_str(&entry.body).map_err(|error| {
                BotError::Plan(format!("a fired timer that cannot be read: {error}"))
            })?;
            capabilities::on_timer(bot, entry, fired).await
        }
        InboxKind::Command => command(bot, entry).await,
        InboxKind::Untrusted => crate::trust::on_untrusted(bot, entry).await,
        InboxKind::IdentityConfirmed => crate::trust::on_identity_confirmed(bot, entry).await,
        // Owned by a capability, answered above.
        InboxKind::Greeting
        | InboxKind::Membership
        | InboxKind::LinkUsed
        | InboxKind::PowerLevels
        | InboxKind::RoomSetting
        | InboxKind::ConsentExpired
        | InboxKind::PollResponse
        | InboxKind::Unreadable => Ok(Plan::new()),
    }
}

/// The room the entry arrived in, to answer there. An entry from outside any room (a timer,
/// an administrator's confirmation) has no "here"; asking for one is a planning error, not a
/// message into nowhere.
pub(crate) fn here(entry: &InboxEntry) -> Result<Target, BotError> {
    let room_id = entry
        .room()
        .ok_or_else(|| BotError::Plan("an entry from no room cannot be answered in it".into()))?;
    Ok(Target::Room { room_id })
}

async fn command(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let preferred = bot
        .store
        .member_language(&entry.sender)
        .await?
        .unwrap_or_default();
    let answer = |reply| Ok(Plan::reply(here(entry)?, reply, entry.event()));
    let in_direct_chat = match entry.room() {
        Some(room_id) => sync::is_direct_chat(bot, &room_id).await,
        None => false,
    };
    let command = match parse_message(&entry.body) {
        Ok(Some(command)) => command,
        Ok(None) if in_direct_chat => {
            // A form being answered here takes the line first: its answers are numbers too.
            if let Some(plan) = capabilities::on_private_text(bot, entry).await? {
                return Ok(plan);
            }
            return match network_chosen(bot, entry, preferred, in_direct_chat).await? {
                Some(plan) => Ok(plan),
                None => answer(messages::chat_hint(preferred)),
            };
        }
        Ok(None) => return Ok(Plan::new()),
        Err(error) => return answer(messages::command_error(preferred, &error)),
    };
    capabilities::on_command(
        bot,
        entry,
        command,
        Asked {
            preferred,
            in_direct_chat,
            chosen: None,
        },
    )
    .await
}

/// A bare number in the private chat, while a "which network?" question of theirs stands: the
/// command it waited for, about the network with that number.
async fn network_chosen(
    bot: &Bot,
    entry: &InboxEntry,
    preferred: Language,
    in_direct_chat: bool,
) -> Result<Option<Plan>, BotError> {
    let Ok(number) = entry.body.trim().parse::<usize>() else {
        return Ok(None);
    };
    let Ok(actor) = kring_core::MatrixId::parse(&entry.sender) else {
        return Ok(None);
    };
    let choice = match bot
        .store
        .network_choice(&actor, bot.clock.now_millis())
        .await
    {
        Ok(choice) => choice,
        // A damaged list answers nothing: the number is taken as if no question stood, rather
        // than the message failing until it is given up on.
        Err(kring_store::StoreError::Corrupt(why)) => {
            warn!(
                why,
                "a stored which-network question cannot be read; passed over"
            );
            bot.metrics.unreadable_rows.inc();
            None
        }
        Err(error) => return Err(error.into()),
    };
    let Some((command_text, network_ids)) = choice else {
        return Ok(None);
    };
    let Some(network_id) = number
        .checked_sub(1)
        .and_then(|index| network_ids.get(index))
    else {
        return Ok(Some(Plan::reply(
            here(entry)?,
            messages::not_a_listed_network(preferred, network_ids.len()),
            entry.event(),
        )));
    };
    let mut plan = match parse_message(&command_text) {
        Ok(Some(command)) => {
            capabilities::on_command(
                bot,
                entry,
                command,
                Asked {
                    preferred,
                    in_direct_chat,
                    chosen: Some(network_id),
                },
            )
            .await?
        }
        // Stored only after it parsed; a newer version may read it differently.
        _ => Plan::new(),
    };
    plan.change(Change::ForgetNetworkChoice { user: actor });
    Ok(Some(plan))
}

#[cfg(test)]
mod tests {
    use super::network_chosen;
    use kring_core::Language;

    /// A which-network question whose stored list is damaged is passed over (counted and
    /// logged), so the person's number is answered like any other message instead of failing
    /// until it is given up on.
    #[tokio::test]
    async fn a_damaged_network_question_is_passed_over() {
        let mock = crate::testing::mock_bot().await;
        let bot = &mock.bot;
        let anna = "@anna:kring.test";
        sqlx::query(
            "INSERT INTO network_choices (user_id, command, network_ids, asked_at)
             VALUES ($1, '!logboek', $2, $3)",
        )
        .bind(anna)
        .bind("not a network id!")
        .bind(bot.clock.now_millis())
        .execute(bot.store.pool())
        .await
        .expect("a damaged row");
        let entry =
            crate::testing::received_command(bot, "$two", "!chat:kring.test", anna, "2", 0).await;
        let chosen = network_chosen(bot, &entry, Language::Dutch, true)
            .await
            .expect("no error");
        assert!(chosen.is_none());
        assert_eq!(bot.metrics.unreadable_rows.get(), 1);
    }
}
