//! The meedenkconsult in the chat: `!consult @naam` in the network room starts a short form in
//! the requester's private chat; once sent, a consultant outside the network waits for the
//! client's one tap; the bot opens an encrypted consult room for requester and consultant, who
//! accepts or declines with one tap and answers there; the requester's gist goes to the network
//! after one more tap. The rules and texts are `kring_core::consult`'s; the tables
//! `kring_store`'s (`consults.rs`).
//!
//! What the consult is about (question, summary, medication) is said only in the requester's
//! private chat and the consult room. The network room reads that advice was asked of whom and
//! by when, and later the gist the requester chose to share.

mod answer;
mod ask;
mod consent;
mod decide;
pub(crate) mod effects;
pub(crate) mod figures;
mod form;
mod send;
mod share;
mod status;
mod timers;

#[cfg(test)]
mod tests;

pub(crate) use form::on_private_text;
pub(crate) use status::{agenda_lines, open_lines};
pub(crate) use timers::on_timer;

use super::Asked;
use crate::capabilities::PollVote;
use crate::capabilities::network::{
    Context, NetworkAsked, language_of, network_asked_about, people, person, sender,
};
use crate::{Bot, BotError};
use kring_core::audit::AuditAction;
use kring_core::consult::{self, ConsultAction, ConsultEffect, ConsultId};
use kring_core::messages::{self, BotReply, Person};
use kring_core::network::Network;
use kring_core::plan::{Change, Effect, Outcome, Plan, Target};
use kring_core::{ConsultCommand, MatrixId};
use kring_store::{ConsultPoll, InboxEntry, StoredConsult};
use matrix_sdk::ruma::OwnedEventId;

/// What one consult command or tap works with.
pub(crate) struct Consulting<'a> {
    pub(crate) context: Context<'a>,
    pub(crate) network: Network,
}

impl Consulting<'_> {
    pub(crate) fn answer(&self, reply: BotReply) -> Result<Plan, BotError> {
        self.context.answer(reply)
    }

    pub(crate) fn log(
        &self,
        action: ConsultAction,
        consult_id: Option<&ConsultId>,
        outcome: Outcome,
    ) -> Change {
        self.context.log_object(
            &self.network,
            AuditAction::Consult(action),
            consult_id.map(ConsultId::to_string),
            outcome,
        )
    }

    /// A refusal answered where it was typed, and audited (NEN 7513 logs what was tried).
    pub(crate) fn refuse(
        &self,
        reply: BotReply,
        action: ConsultAction,
        consult_id: Option<&ConsultId>,
    ) -> Result<Plan, BotError> {
        let mut plan = self.answer(reply)?;
        plan.change(self.log(action, consult_id, Outcome::Refused));
        Ok(plan)
    }

    pub(crate) async fn person(&self, user: &MatrixId) -> Result<Person, BotError> {
        let names = people(self.context.bot, &self.network, &[user]).await?;
        Ok(person(&names, user))
    }
}

/// Whether `user` may still take part in `stored` (`kring_core::consult::may_take_part`).
pub(crate) async fn may_take_part(
    bot: &Bot,
    network: &Network,
    stored: &StoredConsult,
    user: &MatrixId,
) -> Result<bool, BotError> {
    let consent = bot.store.consent(&network.id).await?;
    Ok(consult::may_take_part(
        network,
        &consent,
        &stored.consult,
        user,
        bot.clock.now_millis(),
    ))
}

/// After a change to consent or membership (`network` and `consent` as they will be): whoever
/// may no longer take part in one of the network's consults leaves its room.
pub(crate) async fn keep_to_consent(
    bot: &Bot,
    network: &Network,
    consent: &kring_core::consent::Consent,
    plan: &mut Plan,
    now: kring_core::network::Millis,
) -> Result<(), BotError> {
    for stored in bot.store.consults_of_network(&network.id).await? {
        if stored.room_id.is_none() || stored.archived_at.is_some() {
            continue;
        }
        for user in [&stored.consult.requester, &stored.consult.consultant] {
            if !consult::may_take_part(network, consent, &stored.consult, user, now) {
                plan.effect(Effect::Consult(ConsultEffect::Remove {
                    consult_id: stored.id.clone(),
                    user: user.clone(),
                }));
            }
        }
    }
    Ok(())
}

/// `user` left the network or was removed (`network` as it was): they leave the rooms of its
/// consults they took part in, unless the client's consent lets them stay as an outsider.
pub(crate) async fn member_gone(
    bot: &Bot,
    network: &Network,
    plan: &mut Plan,
    user: &MatrixId,
    now: kring_core::network::Millis,
) -> Result<(), BotError> {
    let mut after = network.clone();
    after.members.retain(|member| &member.user != user);
    let consent = bot.store.consent(&network.id).await?;
    keep_to_consent(bot, &after, &consent, plan, now).await
}

/// A notice in the consult's own room.
pub(crate) fn say(consult_id: &ConsultId, reply: BotReply) -> Effect {
    Effect::Consult(ConsultEffect::Say {
        consult_id: consult_id.clone(),
        reply,
    })
}

/// The consult room, for an answer or a poll's end there.
pub(crate) fn to_consult_room(stored: &StoredConsult) -> Option<Target> {
    stored
        .room_id
        .clone()
        .map(|room_id| Target::Room { room_id })
}

/// Typed or tapped in the consult's own room.
pub(crate) fn in_its_room(stored: &StoredConsult, entry: &InboxEntry) -> bool {
    stored.room_id.is_some() && stored.room_id == entry.room()
}

/// To the requester, in the private chat the form was asked in.
pub(crate) fn to_requester(stored: &StoredConsult) -> Option<Target> {
    stored
        .requester_room
        .clone()
        .map(|room_id| Target::Room { room_id })
}

pub(crate) fn to_network(network: &Network) -> Target {
    crate::capabilities::network::to_network(network)
}

pub(crate) async fn on_command(
    bot: &Bot,
    entry: &InboxEntry,
    command: ConsultCommand,
    asked: &Asked<'_>,
) -> Result<Plan, BotError> {
    let context = Context {
        bot,
        entry,
        actor: sender(entry)?,
        language: asked.preferred,
        now: bot.clock.now_millis(),
    };
    // Typed in a consult room: about that consult.
    if let Some(stored) = bot.store.consult_by_room(&entry.room_id).await? {
        let Some(network) = bot.store.network(&stored.network_id).await? else {
            return context.answer(messages::not_a_network_room(asked.preferred));
        };
        let acts_on_it = matches!(
            command,
            ConsultCommand::Answer { .. }
                | ConsultCommand::Decline { .. }
                | ConsultCommand::Share { .. }
        );
        if acts_on_it && !may_take_part(bot, &network, &stored, &context.actor).await? {
            let reply = consult::chat_texts::consult_refusal(
                context.language,
                &consult::ConsultRefusal::NotTheirs,
            );
            return context.answer(reply);
        }
        let consulting = Consulting { context, network };
        return match command {
            ConsultCommand::Answer {
                outcome,
                minutes_spent,
            } => answer::answer(&consulting, &stored, outcome, minutes_spent).await,
            ConsultCommand::Decline { reason } => {
                answer::decline(&consulting, &stored, reason).await
            }
            ConsultCommand::Share { gist } => share::offer(&consulting, &stored, gist).await,
            ConsultCommand::Status => status::show(&consulting).await,
            // A new consult is asked, and reading along chosen, where the network reads it.
            ConsultCommand::Ask { .. } | ConsultCommand::Join => {
                consulting.answer(messages::not_a_network_room(asked.preferred))
            }
        };
    }
    let network =
        match network_asked_about(bot, entry, &context.actor, asked.preferred, asked.chosen).await?
        {
            NetworkAsked::Found(network) => network,
            NetworkAsked::Ask(plan) => return Ok(plan),
            NetworkAsked::NotFound => {
                return context.answer(messages::not_a_network_room(asked.preferred));
            }
        };
    let consulting = Consulting { context, network };
    match command {
        ConsultCommand::Ask { consultant } => ask::ask(&consulting, consultant).await,
        ConsultCommand::Status => status::show(&consulting).await,
        ConsultCommand::Join => join_rooms(&consulting).await,
        ConsultCommand::Answer { .. }
        | ConsultCommand::Decline { .. }
        | ConsultCommand::Share { .. } => consulting.answer(
            consult::chat_texts::not_in_a_consult_room(consulting.context.language),
        ),
    }
}

/// A membership change in a consult room (`None` elsewhere): the consultant's first join is
/// when they had the request, for the region's figures.
pub(crate) async fn on_membership(bot: &Bot, entry: &InboxEntry) -> Result<Option<Plan>, BotError> {
    let Some(stored) = bot.store.consult_by_room(&entry.room_id).await? else {
        return Ok(None);
    };
    #[derive(serde::Deserialize)]
    struct Change {
        user: String,
        membership: String,
    }
    let mut plan = Plan::new();
    let Ok(change) = serde_json::from_str::<Change>(&entry.body) else {
        return Ok(Some(plan));
    };
    let Ok(user) = MatrixId::parse(&change.user) else {
        return Ok(Some(plan));
    };
    // Only the bot invites there; anyone else who gets in (a server admin, a bug) is taken out
    // before anything more is said.
    let entering = matches!(change.membership.as_str(), "invite" | "join");
    let is_bot = user.as_str() == bot.identity.user_id.as_str();
    if entering && !is_bot {
        let allowed = match bot.store.network(&stored.network_id).await? {
            Some(network) => may_take_part(bot, &network, &stored, &user).await?,
            None => false,
        };
        if !allowed {
            plan.effect(Effect::Consult(ConsultEffect::Remove {
                consult_id: stored.id.clone(),
                user,
            }));
            return Ok(Some(plan));
        }
    }
    let first_join = change.membership == "join"
        && change.user == stored.consult.consultant.as_str()
        && stored.opened_at.is_none();
    if first_join {
        plan.change(kring_core::plan::Change::Consult(
            consult::ConsultChange::Opened {
                consult_id: stored.id.clone(),
                at: entry.origin_ts,
            },
        ));
    }
    Ok(Some(plan))
}

/// `!consult meelezen`: the client is invited to the network's consult rooms still in use.
async fn join_rooms(consulting: &Consulting<'_>) -> Result<Plan, BotError> {
    let context = &consulting.context;
    if context.actor != consulting.network.client {
        return consulting.answer(consult::chat_texts::join_only_client(context.language));
    }
    let mut plan = Plan::new();
    let mut rooms = 0;
    for stored in context
        .bot
        .store
        .consults_of_network(&consulting.network.id)
        .await?
    {
        if stored.room_id.is_some() && stored.archived_at.is_none() {
            rooms += 1;
            plan.effect(Effect::Consult(ConsultEffect::InviteClient {
                consult_id: stored.id.clone(),
            }));
        }
    }
    plan.effect(Effect::Send {
        to: crate::dispatch::here(context.entry)?,
        reply: consult::chat_texts::join_answer(context.language, rooms),
        reply_to: context.entry.event(),
    });
    Ok(plan)
}

/// `None` when the poll is not a consult's.
pub(crate) async fn on_poll_response(
    bot: &Bot,
    entry: &InboxEntry,
) -> Result<Option<Plan>, BotError> {
    let Some(vote) = PollVote::of(entry) else {
        return Ok(None);
    };
    let Some((stored, poll)) = bot.store.consult_by_poll(vote.poll.as_str()).await? else {
        return Ok(None);
    };
    let Some(network) = bot.store.network(&stored.network_id).await? else {
        return Ok(Some(Plan::new()));
    };
    let voter = sender(entry)?;
    let language = language_of(bot, &voter).await?;
    let consulting = Consulting {
        context: Context {
            bot,
            entry,
            actor: voter,
            language,
            now: bot.clock.now_millis(),
        },
        network,
    };
    // The client's yes counts while the requester may still ask; a tap in the consult room
    // while its voter may still take part.
    let who_must_take_part = match poll {
        ConsultPoll::Consent => &stored.consult.requester,
        ConsultPoll::Decision | ConsultPoll::Share => &consulting.context.actor,
    };
    if !may_take_part(bot, &consulting.network, &stored, who_must_take_part).await? {
        return Ok(Some(Plan::new()));
    }
    let answer = vote.answers.first().map(String::as_str);
    let plan = match poll {
        ConsultPoll::Consent => consent::on_vote(&consulting, &stored, &vote.poll, answer).await?,
        ConsultPoll::Decision => decide::on_vote(&consulting, &stored, &vote.poll, answer).await?,
        ConsultPoll::Share => share::on_vote(&consulting, &stored, &vote.poll, answer).await?,
    };
    Ok(Some(plan))
}

/// The person a consult names, as the network room knows them.
pub(crate) async fn person_in(
    bot: &Bot,
    network: &Network,
    user: &MatrixId,
) -> Result<Person, BotError> {
    let names = people(bot, network, &[user]).await?;
    Ok(person(&names, user))
}
