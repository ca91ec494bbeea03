//! Resource-group meetings in the chat: `!overleg` plans one (the client chairs), each candidate
//! moment is a poll the bot owns in the meeting's own encrypted room, the client chooses with
//! one tap or `!overleg kies`, the invitees get the `.ics` and reminders. The rules and texts
//! are `kring_core::meeting`'s; the tables `kring_store`'s (`meetings.rs`).
//!
//! Details of a meeting (moments, place, who comes) are said only in its own room, which holds
//! the client and the invitees, or in the private chat of whoever steers; the network room,
//! where members without "afspraken" consent read along, hears only that one is planned.

mod actions;
mod agenda;
mod cancel;
mod choose;
pub(crate) mod effects;
pub(crate) mod figures;
mod goal;
mod invitees;
mod move_meeting;
mod plan;
mod propose;
mod recorder;
mod rhythm;
mod tally;
mod timers;
mod vote;

#[cfg(test)]
mod tests;

pub(crate) use timers::on_timer;
pub(crate) use vote::on_poll_response;

use super::Asked;
use crate::capabilities::network::{
    Context, NetworkAsked, network_asked_about, people, person, sender,
};
use crate::dispatch::here;
use crate::{Bot, BotError};
use kring_core::audit::AuditAction;
use kring_core::meeting::{
    self, Meeting, MeetingAction, MeetingEffect, MeetingId, MeetingProblem, MeetingRefusal,
    MeetingRight,
};
use kring_core::messages::{self, BotReply, Person};
use kring_core::network::{Network, Refusal};
use kring_core::plan::{Change, Effect, Outcome, Plan, Target};
use kring_core::{Language, MatrixId, MeetingCommand};
use kring_store::InboxEntry;
use std::collections::HashMap;

/// What one meeting command works with.
pub(crate) struct Asking<'a> {
    pub(crate) context: Context<'a>,
    pub(crate) network: Network,
    /// The meeting this is about: the one whose room it was typed in, or the network's meeting
    /// still ahead.
    pub(crate) meeting: Option<Meeting>,
    /// Typed where only the client and invitees (or only the sender and the bot) read: details
    /// may be answered here.
    pub(crate) private_here: bool,
    /// Typed in the sender's private chat with the bot.
    pub(crate) in_direct_chat: bool,
    /// The meeting room is read in the client's language.
    pub(crate) client_language: Language,
}

impl Asking<'_> {
    pub(crate) fn answer(&self, reply: BotReply) -> Result<Plan, BotError> {
        self.context.answer(reply)
    }

    pub(crate) fn problem(&self, problem: &MeetingProblem) -> Result<Plan, BotError> {
        self.answer(meeting::meeting_problem(self.context.language, problem))
    }

    pub(crate) fn log(
        &self,
        action: MeetingAction,
        meeting_id: &MeetingId,
        outcome: Outcome,
    ) -> Change {
        self.context.log_object(
            &self.network,
            AuditAction::Meeting(action),
            Some(meeting_id.to_string()),
            outcome,
        )
    }

    /// Whether the sender may plan, choose and call off: `None` when they may, else the plan
    /// that refuses (audited: NEN 7513 logs what was tried).
    pub(crate) fn refused(
        &self,
        action: MeetingAction,
        object: Option<&MeetingId>,
    ) -> Result<Option<Plan>, BotError> {
        let refusal = match meeting::meeting_right(&self.network, &self.context.actor) {
            Ok(MeetingRight::Plan) => return Ok(None),
            Ok(MeetingRight::Propose) => {
                meeting::meeting_problem(self.context.language, &MeetingProblem::OnlyClientPlans)
            }
            Err(MeetingRefusal::NotInNetwork) => {
                messages::refusal(self.context.language, &Refusal::NotAMember)
            }
            Err(MeetingRefusal::NetworkNotActive) => {
                messages::refusal(self.context.language, &Refusal::NotActive)
            }
        };
        let mut plan = self.answer(refusal)?;
        plan.change(self.context.log_object(
            &self.network,
            AuditAction::Meeting(action),
            object.map(MeetingId::to_string),
            Outcome::Refused,
        ));
        Ok(Some(plan))
    }

    /// `recheck_consent` for this command's network, at its time.
    pub(crate) async fn recheck(&self, meeting: &Meeting, plan: &mut Plan) -> Result<(), BotError> {
        recheck_consent(
            self.context.bot,
            &self.network,
            meeting,
            plan,
            self.context.now,
        )
        .await
        .map(|_| ())
    }

    pub(crate) async fn names(
        &self,
        extra: &[&MatrixId],
    ) -> Result<HashMap<MatrixId, Person>, BotError> {
        people(self.context.bot, &self.network, extra).await
    }
}

/// After a change to consent or membership (`network` and `consent` as they will be): the
/// invitees of the meeting ahead who may no longer see it leave its room. The one rule is
/// `kring_core::meeting::invitees_to_remove`.
pub(crate) async fn keep_to_consent(
    bot: &Bot,
    network: &Network,
    consent: &kring_core::consent::Consent,
    plan: &mut Plan,
    now: kring_core::network::Millis,
) -> Result<(), BotError> {
    let Some(meeting) = bot
        .store
        .latest_meeting(&network.id)
        .await?
        .filter(|meeting| meeting.is_ahead(now))
    else {
        return Ok(());
    };
    let removed = remove_without_consent(network, consent, &meeting, plan, now);
    if !removed.is_empty() {
        let mut staying = meeting;
        staying
            .invitees
            .retain(|invitee| !removed.contains(invitee));
        ask_choice_if_all_answered(bot, network, &staying, plan, now).await?;
    }
    Ok(())
}

/// An invitee left while date finding was open: when everyone still invited has answered now,
/// the client is asked to choose, as after the last vote (nobody else's vote would ask).
async fn ask_choice_if_all_answered(
    bot: &Bot,
    network: &Network,
    staying: &Meeting,
    plan: &mut Plan,
    now: kring_core::network::Millis,
) -> Result<(), BotError> {
    let open = staying.state == meeting::MeetingState::Planning
        && !staying.choice_asked
        && !staying.candidate_polls_ended;
    if !open {
        return Ok(());
    }
    let votes = bot.store.meeting_votes(staying.id.as_str()).await?;
    let count = staying.candidates.len();
    if meeting::everyone_answered(count, &staying.invitees, &network.client, &votes) {
        choose::ask_choice(bot, plan, staying, network, &votes, true, now).await?;
    }
    Ok(())
}

/// Before anything is said in the meeting's room: whoever may no longer see its details
/// (consent ended by its date, withdrawn through an organisation, left the network) is taken
/// out first, so the message is not encrypted for them. Returns the invitees who stay.
pub(crate) async fn recheck_consent(
    bot: &Bot,
    network: &Network,
    meeting: &Meeting,
    plan: &mut Plan,
    now: kring_core::network::Millis,
) -> Result<Vec<MatrixId>, BotError> {
    let consent = bot.store.consent(&network.id).await?;
    let removed = remove_without_consent(network, &consent, meeting, plan, now);
    Ok(meeting
        .invitees
        .iter()
        .filter(|invitee| !removed.contains(invitee))
        .cloned()
        .collect())
}

fn remove_without_consent(
    network: &Network,
    consent: &kring_core::consent::Consent,
    meeting: &Meeting,
    plan: &mut Plan,
    now: kring_core::network::Millis,
) -> Vec<MatrixId> {
    let removed = meeting::invitees_to_remove(network, consent, &meeting.invitees, now);
    for user in &removed {
        let removed_already = plan.changes.iter().any(|change| {
            matches!(change, Change::Meeting(meeting::MeetingChange::RemoveInvitee { user: gone, .. }) if gone == user)
        });
        if removed_already {
            continue;
        }
        plan.change(Change::Meeting(meeting::MeetingChange::RemoveInvitee {
            meeting_id: meeting.id.clone(),
            user: user.clone(),
        }))
        .effect(Effect::Meeting(MeetingEffect::Remove {
            meeting_id: meeting.id.clone(),
            user: user.clone(),
        }));
    }
    removed
}

/// `user` left the network (or was removed): they are no longer invited to the meeting ahead,
/// and leave its room.
pub(crate) async fn member_gone(
    bot: &Bot,
    network: &Network,
    plan: &mut Plan,
    user: &MatrixId,
    now: kring_core::network::Millis,
) -> Result<(), BotError> {
    let Some(meeting) = bot
        .store
        .latest_meeting(&network.id)
        .await?
        .filter(|meeting| meeting.is_ahead(now) && meeting.invitees.contains(user))
    else {
        return Ok(());
    };
    plan.change(Change::Meeting(meeting::MeetingChange::RemoveInvitee {
        meeting_id: meeting.id.clone(),
        user: user.clone(),
    }))
    .effect(Effect::Meeting(MeetingEffect::Remove {
        meeting_id: meeting.id.clone(),
        user: user.clone(),
    }));
    let mut staying = meeting;
    staying.invitees.retain(|invitee| invitee != user);
    ask_choice_if_all_answered(bot, network, &staying, plan, now).await
}

/// A notice in the meeting's room.
pub(crate) fn say(meeting_id: &MeetingId, reply: BotReply) -> Effect {
    Effect::Meeting(MeetingEffect::Say {
        meeting_id: meeting_id.clone(),
        reply,
        only_while_planning: false,
    })
}

pub(crate) fn people_named(names: &HashMap<MatrixId, Person>, ids: &[MatrixId]) -> Vec<Person> {
    ids.iter().map(|id| person(names, id)).collect()
}

pub(crate) async fn on_command(
    bot: &Bot,
    entry: &InboxEntry,
    command: MeetingCommand,
    asked: &Asked<'_>,
) -> Result<Plan, BotError> {
    let context = Context {
        bot,
        entry,
        actor: sender(entry)?,
        language: asked.preferred,
        now: bot.clock.now_millis(),
    };
    // About every network the sender is in, answered in private.
    if command == MeetingCommand::Agenda {
        return agenda::show(&context, asked.in_direct_chat).await;
    }
    let room_meeting = bot.store.meeting_by_room(&entry.room_id).await?;
    let network = match &room_meeting {
        Some(meeting) => bot.store.network(&meeting.network_id).await?,
        None => {
            match network_asked_about(bot, entry, &context.actor, asked.preferred, asked.chosen)
                .await?
            {
                NetworkAsked::Found(network) => Some(network),
                NetworkAsked::Ask(plan) => return Ok(plan),
                NetworkAsked::NotFound => None,
            }
        }
    };
    let Some(network) = network else {
        return context.answer(messages::not_a_network_room(asked.preferred));
    };
    let private_here = room_meeting.is_some() || asked.in_direct_chat;
    // Typed in an old meeting's room, a command is about the network's meeting ahead.
    let meeting = match room_meeting.filter(|meeting| meeting.is_ahead(context.now)) {
        Some(meeting) => Some(meeting),
        None => bot
            .store
            .latest_meeting(&network.id)
            .await?
            .filter(|meeting| meeting.is_ahead(context.now)),
    };
    let client_language = crate::capabilities::network::language_of(bot, &network.client).await?;
    let asking = Asking {
        context,
        network,
        meeting,
        private_here,
        in_direct_chat: asked.in_direct_chat,
        client_language,
    };
    match command {
        MeetingCommand::Plan {
            moments,
            invitees,
            place,
        } => plan::plan(&asking, moments, invitees, place).await,
        MeetingCommand::Tally => tally::show(&asking).await,
        MeetingCommand::Choose { number } => choose::by_command(&asking, number).await,
        MeetingCommand::Cancel => cancel::cancel(&asking).await,
        MeetingCommand::Move { moment } => move_meeting::move_meeting(&asking, &moment).await,
        MeetingCommand::AddAction {
            responsible,
            text,
            due,
        } => actions::add(&asking, responsible, text, &due).await,
        MeetingCommand::ActionDone { number } => actions::done(&asking, number).await,
        MeetingCommand::Actions => actions::list(&asking).await,
        MeetingCommand::AddGoal { text } => goal::add(&asking, text).await,
        MeetingCommand::AppointRecorder { recorder } => recorder::appoint(&asking, recorder).await,
        MeetingCommand::SetRhythm { rhythm } => rhythm::set(&asking, rhythm).await,
        // Answered above, before a network was looked for.
        MeetingCommand::Agenda => Ok(Plan::new()),
    }
}

/// Where a meeting's news goes when it was asked for by command: in its own room as an answer
/// when typed there; otherwise said in its room, with a short answer where it was typed.
pub(crate) fn announce(
    asking: &Asking<'_>,
    plan: &mut Plan,
    meeting: &Meeting,
    news: BotReply,
    pointer: BotReply,
) -> Result<(), BotError> {
    let typed_in_its_room =
        meeting.room_id.is_some() && meeting.room_id == asking.context.entry.room();
    if typed_in_its_room {
        plan.effect(Effect::Send {
            to: here(asking.context.entry)?,
            reply: news,
            reply_to: asking.context.entry.event(),
        });
    } else {
        plan.effect(say(&meeting.id, news));
        plan.effect(Effect::Send {
            to: here(asking.context.entry)?,
            reply: pointer,
            reply_to: asking.context.entry.event(),
        });
    }
    Ok(())
}
