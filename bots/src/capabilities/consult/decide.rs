//! The consultant's one tap in the consult room: take it on, or not.

use super::*;
use kring_core::consult::chat_texts::{
    ACCEPT, DECLINE, accepted, decision_poll_closed, declined, declined_line,
};
use kring_core::consult::{ConsultChange, ConsultEvent, ConsultState, next_state};

pub(crate) async fn on_vote(
    consulting: &Consulting<'_>,
    stored: &StoredConsult,
    poll: &OwnedEventId,
    answer: Option<&str>,
) -> Result<Plan, BotError> {
    let context = &consulting.context;
    let event = match answer {
        Some(ACCEPT) => ConsultEvent::Accept,
        Some(DECLINE) => ConsultEvent::Decline,
        _ => return Ok(Plan::new()),
    };
    if !in_its_room(stored, context.entry) {
        return Ok(Plan::new());
    }
    let Ok(next) = next_state(&consulting.network, &stored.consult, &context.actor, &event) else {
        return Ok(Plan::new());
    };
    let mut plan = step(consulting, stored, next, None);
    let language = context.language;
    let consultant = consulting.person(&stored.consult.consultant).await?;
    if let Some(to) = to_consult_room(stored) {
        plan.effect(Effect::EndPoll {
            to,
            poll_event_id: poll.clone(),
            text: decision_poll_closed(language),
        });
    }
    if next == ConsultState::Accepted {
        let due_at = stored
            .consult
            .due_at
            .ok_or_else(|| BotError::Plan("an accepted consult without a deadline".into()))?;
        plan.effect(say(&stored.id, accepted(language, &consultant, due_at)))
            .change(consulting.log(ConsultAction::Accept, Some(&stored.id), Outcome::Done));
    } else {
        declined_plan(consulting, stored, &mut plan, &consultant, None).await?;
    }
    Ok(plan)
}

/// The consult's step from where it is now.
pub(crate) fn step(
    consulting: &Consulting<'_>,
    stored: &StoredConsult,
    to: ConsultState,
    reason: Option<String>,
) -> Plan {
    let mut plan = Plan::new();
    plan.change(Change::Consult(ConsultChange::Step {
        consult_id: stored.id.clone(),
        from: stored.consult.state,
        to,
        at: consulting.context.now,
        sent_at: None,
        due_at: None,
        outcome: None,
        reason,
        minutes_spent: None,
    }));
    plan
}

/// Declined: said in the consult room (with the reason), the network hears who could not, and
/// the reminder and deadline are off.
pub(crate) async fn declined_plan(
    consulting: &Consulting<'_>,
    stored: &StoredConsult,
    plan: &mut Plan,
    consultant: &Person,
    reason: Option<&str>,
) -> Result<(), BotError> {
    let bot = consulting.context.bot;
    let client_language = language_of(bot, &consulting.network.client).await?;
    plan.effect(say(
        &stored.id,
        declined(consulting.context.language, consultant, reason),
    ))
    .effect(Effect::Send {
        to: to_network(&consulting.network),
        reply: declined_line(client_language, consultant),
        reply_to: None,
    })
    .change(consulting.log(ConsultAction::Decline, Some(&stored.id), Outcome::Done));
    super::timers::cancel_all(plan, &stored.id);
    super::timers::archive_later(bot, plan, stored, consulting.context.now).await
}
