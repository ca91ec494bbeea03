//! A finished form becomes a consult: sent at once to a consultant in the network, or held for
//! the client's one tap when the consultant is outside it. Sending opens the consult room,
//! posts the request with the consultant's accept/decline poll, tells the network who was asked
//! and by when, and sets the reminder and the deadline.

use super::*;
use crate::session::random_code;
use kring_core::consult::chat_texts::{
    consent_poll, consult_refusal, consultant_problem, decision_poll, request_message, sent,
    waiting_for_consent,
};
use kring_core::consult::{
    ConsultChange, ConsultState, Consultant, Practitioner, Request, answer_due, check_consultant,
    consult_asked_notice, consult_right, reminder_at,
};
use kring_core::network::Millis;
use kring_store::StoredForm;
use matrix_sdk::ruma::OwnedRoomId;

fn new_consult_id() -> Result<ConsultId, BotError> {
    ConsultId::parse(&format!("cst-{}", random_code(16)))
        .map_err(|_| BotError::Plan("a consult id".into()))
}

/// The form is sent: the rules are asked again (the network may have changed while it was
/// typed), then the consult is made.
pub(crate) async fn submit(
    consulting: &Consulting<'_>,
    form: &StoredForm,
    request: Request,
) -> Result<Plan, BotError> {
    let context = &consulting.context;
    let bot = context.bot;
    let language = context.language;
    let network = &consulting.network;
    let requester = &context.actor;
    if let Err(refusal) = consult_right(network, requester) {
        return consulting.refuse(
            consult_refusal(language, &refusal),
            ConsultAction::Ask,
            None,
        );
    }
    let consultant = match check_consultant(network, requester, &form.consultant) {
        Ok(consultant) => consultant,
        Err(error) => {
            return consulting.refuse(
                consultant_problem(language, &error),
                ConsultAction::Ask,
                None,
            );
        }
    };
    let consult_id = new_consult_id()?;
    let working_days = bot.consults.working_days;
    let now = context.now;
    let consultant_person = consulting.person(consultant.user()).await?;
    let mut plan = Plan::new();
    let ask = |state, sent_at: Option<Millis>, due_at: Option<Millis>| {
        Change::Consult(ConsultChange::Ask {
            consult_id: consult_id.clone(),
            network_id: network.id.clone(),
            requester: requester.clone(),
            consultant: consultant.user().clone(),
            request: request.clone(),
            state,
            working_days,
            sent_at,
            due_at,
            requester_room: form.room_id.clone(),
            requester_practice: Practitioner::in_network(network, requester),
            consultant_practice: Practitioner::in_network(network, consultant.user()),
            at: now,
        })
    };
    match &consultant {
        Consultant::InNetwork(_) => {
            let due_at = answer_due(&bot.calendar, now, working_days)
                .ok_or_else(|| BotError::Plan("a consult's deadline".into()))?;
            plan.change(ask(ConsultState::Requested, Some(now), Some(due_at)));
            let sending = Sending {
                consult_id: &consult_id,
                requester,
                consultant: consultant.user(),
                request: &request,
                due_at,
                requester_room: &form.room_id,
                announce: true,
                reply_to: context.entry.event(),
            };
            send_out(consulting, &mut plan, &sending).await?;
            plan.change(consulting.log(ConsultAction::Ask, Some(&consult_id), Outcome::Done));
        }
        Consultant::Outside(_) => {
            plan.change(ask(ConsultState::AwaitingConsent, None, None));
            let client_language = language_of(bot, &network.client).await?;
            let requester_person = consulting.person(requester).await?;
            plan.effect(Effect::Consult(ConsultEffect::SendConsentPoll {
                consult_id: consult_id.clone(),
                to: to_network(network),
                text: consent_poll(client_language, &requester_person, &consultant_person),
            }))
            .effect(Effect::Send {
                to: Target::Room {
                    room_id: form.room_id.clone(),
                },
                reply: waiting_for_consent(language, &consultant_person),
                reply_to: context.entry.event(),
            })
            .change(consulting.log(
                ConsultAction::Ask,
                Some(&consult_id),
                Outcome::Proposed,
            ));
        }
    }
    Ok(plan)
}

/// What sending a consult needs.
pub(crate) struct Sending<'a> {
    pub(crate) consult_id: &'a ConsultId,
    pub(crate) requester: &'a MatrixId,
    pub(crate) consultant: &'a MatrixId,
    pub(crate) request: &'a Request,
    pub(crate) due_at: Millis,
    pub(crate) requester_room: &'a OwnedRoomId,
    /// Whether the network room hears that it was asked (not when the client's tap just said
    /// so there).
    pub(crate) announce: bool,
    /// The requester's "versturen", when they are answered right after it.
    pub(crate) reply_to: Option<matrix_sdk::ruma::OwnedEventId>,
}

/// The consult room, the request and the consultant's tap, the network's line, the requester's
/// confirmation, the reminder and the deadline.
pub(crate) async fn send_out(
    consulting: &Consulting<'_>,
    plan: &mut Plan,
    sending: &Sending<'_>,
) -> Result<(), BotError> {
    let bot = consulting.context.bot;
    let network = &consulting.network;
    let requester_person = consulting.person(sending.requester).await?;
    let consultant_person = consulting.person(sending.consultant).await?;
    let requester_language = language_of(bot, sending.requester).await?;
    let consultant_language = language_of(bot, sending.consultant).await?;
    plan.effect(Effect::Consult(ConsultEffect::OpenRoom {
        consult_id: sending.consult_id.clone(),
    }))
    .effect(Effect::Consult(ConsultEffect::PostRequest {
        consult_id: sending.consult_id.clone(),
        request: request_message(
            consultant_language,
            &requester_person,
            &consultant_person,
            sending.request,
            sending.due_at,
        ),
        poll: decision_poll(consultant_language),
    }));
    if sending.announce {
        let client_language = language_of(bot, &network.client).await?;
        plan.effect(Effect::Send {
            to: to_network(network),
            reply: consult_asked_notice(client_language, &consultant_person, Some(sending.due_at)),
            reply_to: None,
        });
    }
    plan.effect(Effect::Send {
        to: Target::Room {
            room_id: sending.requester_room.clone(),
        },
        reply: sent(requester_language, &consultant_person, sending.due_at),
        reply_to: sending.reply_to.clone(),
    });
    let lane = bot.store.network_room(&network.id).await?;
    let now = consulting.context.now;
    if let Some(reminder) = reminder_at(sending.due_at).filter(|at| *at > now) {
        plan.change(super::timers::timer(
            sending.consult_id,
            super::timers::Purpose::Reminder,
            reminder,
            lane.clone(),
        ));
    }
    plan.change(super::timers::timer(
        sending.consult_id,
        super::timers::Purpose::Overdue,
        sending.due_at,
        lane,
    ));
    Ok(())
}
