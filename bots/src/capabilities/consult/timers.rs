//! The consult's two timers, through the durable scheduler: the consultant's reminder on the
//! morning of the last day, and the deadline itself, when the requester and the region's contact
//! are told. Each looks at the consult when it fires: one answered or declined meanwhile says
//! nothing.

use super::*;
use kring_core::consult::chat_texts::{overdue_for_region, reminder};
use kring_core::consult::consult_overdue;
use kring_core::plan::Timer;
use matrix_sdk::ruma::OwnedRoomId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Purpose {
    Reminder,
    Overdue,
    /// The retention policy closes the room.
    Archive,
}

impl Purpose {
    fn key(self, consult_id: &ConsultId) -> String {
        match self {
            Self::Reminder => format!("{consult_id}:reminder"),
            Self::Overdue => format!("{consult_id}:overdue"),
            Self::Archive => format!("{consult_id}:archive"),
        }
    }
}

/// What a consult timer carries: ids only.
#[derive(Debug, Serialize, Deserialize)]
struct ConsultTimer {
    consult_id: ConsultId,
    purpose: Purpose,
}

pub(crate) fn timer(
    consult_id: &ConsultId,
    purpose: Purpose,
    due_at: kring_core::network::Millis,
    lane: Option<OwnedRoomId>,
) -> Change {
    let payload = ConsultTimer {
        consult_id: consult_id.clone(),
        purpose,
    };
    Change::ScheduleTimer(Timer {
        capability: kring_core::consult::TIMERS.to_owned(),
        key: purpose.key(consult_id),
        due_at,
        room_id: lane,
        payload: serde_json::to_value(payload).unwrap_or_default(),
    })
}

/// The consult ended at `ended_at`: its room closes when the region's retention time is over
/// (set again, so moved, when it ends a second way: answered, then shared).
pub(crate) async fn archive_later(
    bot: &Bot,
    plan: &mut Plan,
    stored: &StoredConsult,
    ended_at: kring_core::network::Millis,
) -> Result<(), BotError> {
    let lane = bot.store.network_room(&stored.network_id).await?;
    let after = i64::from(bot.consults.retention_days) * 24 * 3_600_000;
    plan.change(timer(&stored.id, Purpose::Archive, ended_at + after, lane));
    Ok(())
}

/// Answered or declined: nothing more to remind of.
pub(crate) fn cancel_all(plan: &mut Plan, consult_id: &ConsultId) {
    for purpose in [Purpose::Reminder, Purpose::Overdue] {
        plan.change(Change::CancelTimer {
            capability: kring_core::consult::TIMERS.to_owned(),
            key: purpose.key(consult_id),
        });
    }
}

pub(crate) async fn on_timer(
    bot: &Bot,
    entry: &InboxEntry,
    payload: serde_json::Value,
) -> Result<Plan, BotError> {
    let fired: ConsultTimer = serde_json::from_value(payload)
        .map_err(|error| BotError::Plan(format!("a consult timer that cannot be read: {error}")))?;
    let Some(stored) = bot.store.consult(fired.consult_id.as_str()).await? else {
        return Ok(Plan::new());
    };
    if fired.purpose == Purpose::Archive {
        let ended = matches!(
            stored.consult.state,
            kring_core::consult::ConsultState::Answered
                | kring_core::consult::ConsultState::Closed
                | kring_core::consult::ConsultState::Declined
        );
        if !ended || stored.archived_at.is_some() || stored.room_id.is_none() {
            return Ok(Plan::new());
        }
        let language = language_of(bot, &stored.consult.consultant).await?;
        let mut plan = Plan::new();
        plan.effect(Effect::Consult(ConsultEffect::Archive {
            consult_id: stored.id.clone(),
            notice: kring_core::consult::chat_texts::archived(language),
        }));
        return Ok(plan);
    }
    let (Some(due_at), true) = (stored.consult.due_at, stored.consult.state.awaits_answer()) else {
        return Ok(Plan::new());
    };
    let Some(network) = bot.store.network(&stored.network_id).await? else {
        return Ok(Plan::new());
    };
    let consultant = person_in(bot, &network, &stored.consult.consultant).await?;
    let mut plan = Plan::new();
    match fired.purpose {
        Purpose::Reminder => {
            let language = language_of(bot, &stored.consult.consultant).await?;
            plan.effect(say(&stored.id, reminder(language, due_at)));
        }
        // Planned above: it fires once the consult is over.
        Purpose::Archive => {}
        Purpose::Overdue => {
            let requester_language = language_of(bot, &stored.consult.requester).await?;
            if let Some(to) = to_requester(&stored) {
                plan.effect(Effect::Send {
                    to,
                    reply: consult_overdue(requester_language, &consultant, due_at),
                    reply_to: None,
                });
            }
            if let Some(contact) = &bot.consults.regional_contact
                && let Some(room_id) = crate::sync::direct_chat_with(bot, contact).await
            {
                let language = language_of(bot, contact).await?;
                plan.effect(Effect::Send {
                    to: Target::Room { room_id },
                    reply: overdue_for_region(language, stored.id.as_str(), due_at),
                    reply_to: None,
                });
            }
            let bot_id = MatrixId::parse(bot.identity.user_id.as_str())
                .map_err(|_| BotError::Plan("the bot's own id".into()))?;
            plan.change(kring_core::network::consequences::logged(
                &network,
                &bot_id,
                AuditAction::Consult(ConsultAction::Overdue),
                Some(stored.id.to_string()),
                Outcome::Done,
                entry.origin_ts.max(due_at),
            ));
        }
    }
    Ok(plan)
}
