//! `!consult @naam`: a professional of the network asks a colleague for advice. The rules say
//! who may ask whom; the questions follow in the requester's private chat, where only they
//! read what they type about the client.

use super::*;
use crate::effects::account_exists;
use kring_core::consult::chat_texts::{
    consult_refusal, consultant_problem, form_in_private, form_prompt, needs_private_chat,
};
use kring_core::consult::{ConsultChange, Form, check_consultant, consult_right};

pub(crate) async fn ask(
    consulting: &Consulting<'_>,
    consultant: MatrixId,
) -> Result<Plan, BotError> {
    let context = &consulting.context;
    let language = context.language;
    let network = &consulting.network;
    if let Err(refusal) = consult_right(network, &context.actor) {
        return consulting.refuse(
            consult_refusal(language, &refusal),
            ConsultAction::Ask,
            None,
        );
    }
    if let Err(error) = check_consultant(network, &context.actor, &consultant) {
        return consulting.refuse(
            consultant_problem(language, &error),
            ConsultAction::Ask,
            None,
        );
    }
    if account_exists(context.bot, &consultant).await? == Some(false) {
        return consulting.answer(messages::invite_failed(language, &consultant));
    }
    let Some(private_chat) = crate::sync::direct_chat_with(context.bot, &context.actor).await
    else {
        return consulting.answer(needs_private_chat(language));
    };
    let form = Form::new();
    let consultant_person = consulting.person(&consultant).await?;
    let mut plan = Plan::new();
    plan.change(Change::Consult(ConsultChange::PutForm {
        requester: context.actor.clone(),
        network_id: network.id.clone(),
        consultant,
        room_id: private_chat.clone(),
        form: form.clone(),
        at: context.now,
    }));
    let typed_in_private = context.entry.room().as_ref() == Some(&private_chat);
    if !typed_in_private {
        plan.effect(Effect::Send {
            to: crate::dispatch::here(context.entry)?,
            reply: form_in_private(language),
            reply_to: context.entry.event(),
        });
    }
    plan.effect(Effect::Send {
        to: Target::Room {
            room_id: private_chat,
        },
        reply: form_prompt(
            language,
            &form,
            &consultant_person,
            context.bot.consults.working_days,
        ),
        reply_to: typed_in_private.then(|| context.entry.event()).flatten(),
    });
    Ok(plan)
}
