//! The client's one tap on "may this go to someone outside the network?", in the network room.
//! Yes: consent of the consult kind is given to that consultant, and the consult is sent. No:
//! the requester hears it, and nothing leaves the network (no room is made, nobody is invited).

use super::*;
use kring_core::consent::{InfoKind, Subject};
use kring_core::consult::chat_texts::{AGREE, REFUSE, consent_answered, consent_refused};
use kring_core::consult::{ConsultChange, ConsultEvent, ConsultState, answer_due, next_state};

pub(crate) async fn on_vote(
    consulting: &Consulting<'_>,
    stored: &StoredConsult,
    poll: &OwnedEventId,
    answer: Option<&str>,
) -> Result<Plan, BotError> {
    let context = &consulting.context;
    let bot = context.bot;
    let network = &consulting.network;
    let agreed = match answer {
        Some(AGREE) => true,
        Some(REFUSE) => false,
        _ => return Ok(Plan::new()),
    };
    // Only in the network room, where the question was asked.
    if bot.store.network_room(&network.id).await? != context.entry.room() {
        return Ok(Plan::new());
    }
    let event = ConsultEvent::ClientConsent { agreed };
    let Ok(next) = next_state(network, &stored.consult, &context.actor, &event) else {
        // Not theirs to answer, or answered already: changes nothing.
        return Ok(Plan::new());
    };
    let now = context.now;
    let consultant = &stored.consult.consultant;
    let consultant_person = consulting.person(consultant).await?;
    let client_language = language_of(bot, &network.client).await?;
    let mut plan = Plan::new();
    let due_at = if agreed {
        Some(
            answer_due(&bot.calendar, now, stored.working_days)
                .ok_or_else(|| BotError::Plan("a consult's deadline".into()))?,
        )
    } else {
        None
    };
    plan.change(Change::Consult(ConsultChange::Step {
        consult_id: stored.id.clone(),
        from: ConsultState::AwaitingConsent,
        to: next,
        at: now,
        sent_at: agreed.then_some(now),
        due_at,
        outcome: None,
        reason: None,
        minutes_spent: None,
    }))
    .effect(Effect::EndPoll {
        to: to_network(network),
        poll_event_id: poll.clone(),
        text: messages::consent_poll_ended(client_language),
    })
    .effect(Effect::Send {
        to: to_network(network),
        reply: consent_answered(client_language, agreed, &consultant_person),
        reply_to: None,
    });
    let on_behalf_of = (context.actor != network.client).then(|| network.client.clone());
    match due_at {
        Some(due_at) => {
            plan.change(Change::GiveConsent {
                network_id: network.id.clone(),
                grant_id: format!("g-{}", crate::session::random_code(16)),
                subject: Subject::Member {
                    user: consultant.clone(),
                },
                kind: InfoKind::ConsultSharing,
                given_by: context.actor.clone(),
                on_behalf_of,
                at: now,
                ends_at: None,
            })
            .change(context.log(
                network,
                AuditAction::ConsentGive(InfoKind::ConsultSharing),
                Some(consultant),
                Outcome::Done,
            ));
            let requester_room = stored
                .requester_room
                .clone()
                .ok_or_else(|| BotError::Plan("a consult without its requester's chat".into()))?;
            let sending = super::send::Sending {
                consult_id: &stored.id,
                requester: &stored.consult.requester,
                consultant,
                request: &stored.request,
                due_at,
                requester_room: &requester_room,
                // The thanks promises the deadline in the network room: this is it.
                announce: true,
                reply_to: None,
            };
            super::send::send_out(consulting, &mut plan, &sending).await?;
        }
        None => {
            plan.change(consulting.log(ConsultAction::Ask, Some(&stored.id), Outcome::Undone));
            if let Some(to) = to_requester(stored) {
                let requester_language = language_of(bot, &stored.consult.requester).await?;
                plan.effect(Effect::Send {
                    to,
                    reply: consent_refused(requester_language, &consultant_person),
                    reply_to: None,
                });
            }
        }
    }
    Ok(plan)
}
