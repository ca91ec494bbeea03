//! The requester's gist for the network: `!consult deel …` in the consult room shows it back
//! with one tap; "Ja, delen" posts it in the network room (the client reads it) and closes the
//! consult; "Nog niet" keeps it, and a new `!consult deel` replaces it.

use super::*;
use kring_core::consult::chat_texts::{
    KEEP, SHARE, consult_refusal, decision_poll_closed, share_kept, share_poll, shared_line,
};
use kring_core::consult::{ConsultChange, ConsultEvent, ConsultRefusal, ConsultState, next_state};

pub(crate) async fn offer(
    consulting: &Consulting<'_>,
    stored: &StoredConsult,
    gist: String,
) -> Result<Plan, BotError> {
    let context = &consulting.context;
    let refusal = if context.actor != stored.consult.requester {
        Some(ConsultRefusal::NotTheirs)
    } else if stored.consult.state != ConsultState::Answered {
        Some(ConsultRefusal::OutOfOrder)
    } else {
        None
    };
    if let Some(refusal) = refusal {
        return consulting.refuse(
            consult_refusal(context.language, &refusal),
            ConsultAction::Share,
            Some(&stored.id),
        );
    }
    let mut plan = Plan::new();
    plan.change(Change::Consult(ConsultChange::SetGist {
        consult_id: stored.id.clone(),
        gist: gist.clone(),
    }))
    .effect(Effect::Consult(ConsultEffect::SendSharePoll {
        consult_id: stored.id.clone(),
        gist: gist.clone(),
        text: share_poll(context.language, &gist),
    }));
    Ok(plan)
}

pub(crate) async fn on_vote(
    consulting: &Consulting<'_>,
    stored: &StoredConsult,
    poll: &OwnedEventId,
    answer: Option<&str>,
) -> Result<Plan, BotError> {
    let context = &consulting.context;
    let share = match answer {
        Some(SHARE) => true,
        Some(KEEP) => false,
        _ => return Ok(Plan::new()),
    };
    let is_theirs = context.actor == stored.consult.requester;
    if !in_its_room(stored, context.entry) || !is_theirs {
        return Ok(Plan::new());
    }
    let Some(gist) = stored.gist.clone() else {
        return Ok(Plan::new());
    };
    let mut plan = Plan::new();
    if let Some(to) = to_consult_room(stored) {
        plan.effect(Effect::EndPoll {
            to,
            poll_event_id: poll.clone(),
            text: decision_poll_closed(context.language),
        });
    }
    if !share {
        // Already shared (or never answered): nothing is kept back any more.
        if stored.consult.state == ConsultState::Answered {
            plan.effect(say(&stored.id, share_kept(context.language)));
        }
        return Ok(plan);
    }
    let Ok(next) = next_state(
        &consulting.network,
        &stored.consult,
        &context.actor,
        &ConsultEvent::Close,
    ) else {
        return Ok(Plan::new());
    };
    let bot = context.bot;
    let client_language = language_of(bot, &consulting.network.client).await?;
    let consultant = consulting.person(&stored.consult.consultant).await?;
    let requester = consulting.person(&stored.consult.requester).await?;
    plan.change(Change::Consult(ConsultChange::Step {
        consult_id: stored.id.clone(),
        from: stored.consult.state,
        to: next,
        at: context.now,
        sent_at: None,
        due_at: None,
        outcome: None,
        reason: None,
        minutes_spent: None,
    }))
    .effect(Effect::Send {
        to: to_network(&consulting.network),
        reply: shared_line(
            client_language,
            &consultant,
            &requester,
            stored.outcome,
            &gist,
        ),
        reply_to: None,
    })
    .change(consulting.log(ConsultAction::Share, Some(&stored.id), Outcome::Done));
    super::timers::archive_later(bot, &mut plan, stored, context.now).await?;
    Ok(plan)
}
