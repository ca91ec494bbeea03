//! The request form in the requester's private chat: every line they type there while a form
//! of theirs is open is its next answer. "stop", "terug", "overslaan" and "versturen" steer it
//! at any question; a wrong answer changes nothing and the question is asked again; a crisis
//! ends it with where to go instead.

use super::*;
use crate::dispatch::here;
use kring_core::consult::chat_texts::{
    FormWord, form_problem, form_prompt, form_stopped, form_word, urgency_typed,
};
use kring_core::consult::{ConsultChange, FormAnswer, FormProblem, FormStep};

/// A line typed in a private chat that is not a command: `None` when no form of theirs is
/// open there (the runtime answers it as ordinary chat).
pub(crate) async fn on_private_text(
    bot: &Bot,
    entry: &InboxEntry,
) -> Result<Option<Plan>, BotError> {
    let actor = sender(entry)?;
    let Some(open) = bot.store.consult_form(actor.as_str()).await? else {
        return Ok(None);
    };
    if open.room_id.as_str() != entry.room_id {
        return Ok(None);
    }
    let language = language_of(bot, &actor).await?;
    let drop = Change::Consult(ConsultChange::DropForm {
        requester: actor.clone(),
    });
    let typed_here = here(entry)?;
    let reply = |reply| Plan::reply(typed_here.clone(), reply, entry.event());
    let Some(network) = bot.store.network(&open.network_id).await? else {
        let mut plan = reply(form_stopped(language));
        plan.change(drop);
        return Ok(Some(plan));
    };
    let text = entry.body.trim();
    let answer = match form_word(text) {
        Some(FormWord::Stop) => {
            let mut plan = reply(form_stopped(language));
            plan.change(drop);
            return Ok(Some(plan));
        }
        Some(FormWord::Back) => FormAnswer::Back,
        Some(FormWord::Skip) => FormAnswer::Skip,
        Some(FormWord::Send) => FormAnswer::Send,
        None if open.form.step == FormStep::Urgency => match urgency_typed(text) {
            Some(urgency) => FormAnswer::Urgency(urgency),
            None => FormAnswer::Text(text.to_owned()),
        },
        None => FormAnswer::Text(text.to_owned()),
    };
    let consultant = person_in(bot, &network, &open.consultant).await?;
    let working_days = bot.consults.working_days;
    let next = match open.form.answer(answer) {
        Ok(next) => next,
        Err(FormProblem::Crisis) => {
            let mut plan = reply(form_problem(language, &FormProblem::Crisis));
            plan.change(drop);
            return Ok(Some(plan));
        }
        Err(problem) => {
            let mut plan = reply(form_problem(language, &problem));
            plan.effect(Effect::Send {
                to: typed_here.clone(),
                reply: form_prompt(language, &open.form, &consultant, working_days),
                reply_to: None,
            });
            return Ok(Some(plan));
        }
    };
    if next.step == FormStep::Done {
        let Some(request) = next.request() else {
            return Err(BotError::Plan("a finished form without a request".into()));
        };
        let context = Context {
            bot,
            entry,
            actor,
            language,
            now: bot.clock.now_millis(),
        };
        let consulting = Consulting { context, network };
        let mut plan = super::send::submit(&consulting, &open, request).await?;
        plan.change(drop);
        return Ok(Some(plan));
    }
    let mut plan = reply(form_prompt(language, &next, &consultant, working_days));
    plan.change(Change::Consult(ConsultChange::PutForm {
        requester: actor,
        network_id: open.network_id,
        consultant: open.consultant,
        room_id: open.room_id,
        form: next,
        at: bot.clock.now_millis(),
    }));
    Ok(Some(plan))
}
