//! In the consult room, the consultant's `!consult antwoord advies 30` (the advice is written
//! there, above it) and `!consult weiger reden`. Answering at once is accepting it too.

use super::*;
use kring_core::consult::chat_texts::{answered, consult_refusal, decision_poll_closed, declined};
use kring_core::consult::{
    ConsultChange, ConsultEvent, ConsultRefusal, ConsultState, Outcome as Conclusion, next_state,
};

pub(crate) async fn answer(
    consulting: &Consulting<'_>,
    stored: &StoredConsult,
    outcome: Conclusion,
    minutes_spent: u32,
) -> Result<Plan, BotError> {
    let context = &consulting.context;
    let event = ConsultEvent::Answer { outcome };
    let next = match next_state(&consulting.network, &stored.consult, &context.actor, &event) {
        Ok(next) => next,
        Err(refusal) => {
            return consulting.refuse(
                consult_refusal(context.language, &refusal),
                ConsultAction::Answer,
                Some(&stored.id),
            );
        }
    };
    let mut plan = Plan::new();
    plan.change(Change::Consult(ConsultChange::Step {
        consult_id: stored.id.clone(),
        from: stored.consult.state,
        to: next,
        at: context.now,
        sent_at: None,
        due_at: None,
        outcome: Some(outcome),
        reason: None,
        minutes_spent: Some(minutes_spent),
    }))
    .change(consulting.log(ConsultAction::Answer, Some(&stored.id), Outcome::Done));
    let requester = consulting.person(&stored.consult.requester).await?;
    let requester_language = language_of(context.bot, &stored.consult.requester).await?;
    end_decision_poll(stored, &mut plan, context.language);
    plan.effect(Effect::Send {
        to: crate::dispatch::here(context.entry)?,
        reply: answered(requester_language, &requester, outcome),
        reply_to: context.entry.event(),
    });
    super::timers::cancel_all(&mut plan, &stored.id);
    super::timers::archive_later(context.bot, &mut plan, stored, context.now).await?;
    Ok(plan)
}

pub(crate) async fn decline(
    consulting: &Consulting<'_>,
    stored: &StoredConsult,
    reason: Option<String>,
) -> Result<Plan, BotError> {
    let context = &consulting.context;
    let consultant = consulting.person(&stored.consult.consultant).await?;
    // Declined with one tap: the reason typed after it is kept and said.
    let theirs = context.actor == stored.consult.consultant;
    if theirs && stored.consult.state == ConsultState::Declined {
        let Some(reason) = reason.filter(|_| stored.decline_reason.is_none()) else {
            return consulting.answer(consult_refusal(
                context.language,
                &ConsultRefusal::OutOfOrder,
            ));
        };
        let mut plan = consulting.answer(declined(context.language, &consultant, Some(&reason)))?;
        plan.change(Change::Consult(ConsultChange::SetDeclineReason {
            consult_id: stored.id.clone(),
            reason,
        }));
        return Ok(plan);
    }
    let next = match next_state(
        &consulting.network,
        &stored.consult,
        &context.actor,
        &ConsultEvent::Decline,
    ) {
        Ok(next) => next,
        Err(refusal) => {
            return consulting.refuse(
                consult_refusal(context.language, &refusal),
                ConsultAction::Decline,
                Some(&stored.id),
            );
        }
    };
    let mut plan = super::decide::step(consulting, stored, next, reason.clone());
    end_decision_poll(stored, &mut plan, context.language);
    super::decide::declined_plan(
        consulting,
        stored,
        &mut plan,
        &consultant,
        reason.as_deref(),
    )
    .await?;
    Ok(plan)
}

/// The accept/decline poll, while it is still open, is over once answered by command.
fn end_decision_poll(stored: &StoredConsult, plan: &mut Plan, language: kring_core::Language) {
    if stored.consult.state != ConsultState::Requested {
        return;
    }
    if let (Some(to), Some(poll)) = (to_consult_room(stored), stored.decision_poll.clone()) {
        plan.effect(Effect::EndPoll {
            to,
            poll_event_id: poll,
            text: decision_poll_closed(language),
        });
    }
}
