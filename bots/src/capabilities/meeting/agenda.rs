//! `!afspraken`: the asking member's meetings ahead, the open actions they are responsible
//! for and the consult answers they wait for or owe, in every network they are in, soonest
//! first: only meetings they are invited to (and
//! still may see) or steer. Always answered in their
//! private chat: what someone's appointments are is theirs.

use super::*;
use kring_core::consent::{InfoKind, Subject, may};
use kring_core::meeting::{AgendaItem, MeetingState, agenda, agenda_sent_privately};
use kring_core::network::NetworkState;

pub(crate) async fn show(context: &Context<'_>, in_direct_chat: bool) -> Result<Plan, BotError> {
    let bot = context.bot;
    let mut items: Vec<(kring_core::network::Millis, AgendaItem)> = Vec::new();
    for meeting in bot.store.meetings_of(&context.actor).await? {
        if !meeting.is_ahead(context.now) {
            continue;
        }
        let Some(network) = bot.store.network(&meeting.network_id).await? else {
            continue;
        };
        if network.state != NetworkState::Active {
            continue;
        }
        if !network.steered_by(&context.actor) {
            let consent = bot.store.consent(&network.id).await?;
            let subject = Subject::Member {
                user: context.actor.clone(),
            };
            if !may(
                &network,
                &consent,
                &subject,
                InfoKind::Appointments,
                context.now,
            ) {
                continue;
            }
        }
        match (meeting.state, meeting.chosen_moment()) {
            (MeetingState::Agreed, Some(moment)) => items.push((
                moment.starts_at,
                AgendaItem::Agreed {
                    moment,
                    place: meeting.place.clone(),
                },
            )),
            (MeetingState::Planning, _) => items.push((
                meeting.answer_by,
                AgendaItem::Planning {
                    answer_by: meeting.answer_by,
                },
            )),
            _ => {}
        }
    }
    for (meeting, action) in bot.store.open_actions_of(&context.actor).await? {
        let Some(network) = bot.store.network(&meeting.network_id).await? else {
            continue;
        };
        let still_in = network.steered_by(&context.actor)
            || (meeting.invitees.contains(&context.actor) && {
                let consent = bot.store.consent(&network.id).await?;
                let subject = Subject::Member {
                    user: context.actor.clone(),
                };
                may(
                    &network,
                    &consent,
                    &subject,
                    InfoKind::Appointments,
                    context.now,
                )
            });
        if network.state != NetworkState::Active
            || meeting.state != MeetingState::Agreed
            || !still_in
        {
            continue;
        }
        items.push((
            action.due_at,
            AgendaItem::Action {
                number: action.number,
                text: action.text,
                due_at: action.due_at,
            },
        ));
    }
    for (due_at, line) in crate::capabilities::consult::agenda_lines(
        bot,
        &context.actor,
        context.language,
        context.now,
    )
    .await?
    {
        items.push((due_at, AgendaItem::Other(line)));
    }
    items.sort_by_key(|(at, _)| *at);
    let items: Vec<AgendaItem> = items.into_iter().map(|(_, item)| item).collect();
    let reply = agenda(context.language, &items);
    if in_direct_chat {
        return context.answer(reply);
    }
    match crate::sync::direct_chat_with(bot, &context.actor).await {
        Some(room_id) => {
            let mut plan = context.answer(agenda_sent_privately(context.language, true))?;
            plan.effect(Effect::Send {
                to: Target::Room { room_id },
                reply,
                reply_to: None,
            });
            Ok(plan)
        }
        None => context.answer(agenda_sent_privately(context.language, false)),
    }
}
