//! The meeting's timers, through the durable scheduler: a reminder to whoever has not answered
//! (once, halfway), the close of date finding, and reminders before the agreed meeting. Each
//! checks the meeting when it fires: a meeting chosen, moved or called off since then makes it
//! do nothing, so a timer never says something that is no longer true.

use super::*;
use kring_core::meeting::{MeetingState, answer_reminder, meeting_reminder, not_answered};
use kring_core::plan::Timer;
use matrix_sdk::ruma::OwnedRoomId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "purpose", rename_all = "snake_case")]
pub(crate) enum Purpose {
    Answers,
    Close,
    Before {
        minutes: u32,
    },
    /// Time to ask the client about the next meeting.
    Next,
    /// The day before action `number` of the plan is due.
    Action {
        number: usize,
    },
}

impl Purpose {
    pub(crate) fn key(self, meeting_id: &MeetingId) -> String {
        match self {
            Self::Answers => format!("{meeting_id}:answers"),
            Self::Close => format!("{meeting_id}:close"),
            Self::Before { minutes } => format!("{meeting_id}:before-{minutes}"),
            Self::Next => format!("{meeting_id}:next"),
            Self::Action { number } => format!("{meeting_id}:action-{number}"),
        }
    }
}

/// What a meeting timer carries: ids only.
#[derive(Debug, Serialize, Deserialize)]
struct MeetingTimer {
    meeting_id: MeetingId,
    #[serde(flatten)]
    purpose: Purpose,
}

/// Sets (or moves) one of the meeting's timers. `lane` is the network's room: a network's
/// timers run in its lane.
pub(crate) fn timer(
    meeting_id: &MeetingId,
    purpose: Purpose,
    due_at: kring_core::network::Millis,
    lane: Option<OwnedRoomId>,
) -> Change {
    let payload = MeetingTimer {
        meeting_id: meeting_id.clone(),
        purpose,
    };
    Change::ScheduleTimer(Timer {
        capability: kring_core::meeting::TIMERS.to_owned(),
        key: purpose.key(meeting_id),
        due_at,
        room_id: lane,
        // Ids and numbers only: it cannot fail to be JSON.
        payload: serde_json::to_value(payload).unwrap_or_default(),
    })
}

pub(crate) fn cancel_timer(meeting_id: &MeetingId, purpose: Purpose) -> Change {
    Change::CancelTimer {
        capability: kring_core::meeting::TIMERS.to_owned(),
        key: purpose.key(meeting_id),
    }
}

/// The timers of date finding, which end when the client chooses or calls it off.
pub(crate) fn cancel_date_finding(plan: &mut Plan, meeting_id: &MeetingId) {
    plan.change(cancel_timer(meeting_id, Purpose::Answers))
        .change(cancel_timer(meeting_id, Purpose::Close));
}

/// The reminders before an agreed meeting at `moment`, as configured: set (or moved) where
/// still ahead, cancelled where that time has passed (a meeting moved to sooner); and the
/// question about the next meeting, after it, by the network's `rhythm` (`rhythm::rhythm_of`).
pub(crate) fn reminders(
    bot: &Bot,
    meeting_id: &MeetingId,
    moment: &kring_core::meeting::Moment,
    now: kring_core::network::Millis,
    lane: Option<OwnedRoomId>,
    rhythm: Option<&kring_core::time::Recurrence>,
) -> Vec<Change> {
    let starts_at = moment.starts_at;
    let next = kring_core::meeting::ask_for_next_at(rhythm, starts_at, moment.ends_at())
        .map(|due_at| timer(meeting_id, Purpose::Next, due_at, lane.clone()));
    bot.meetings
        .reminders_before_minutes
        .iter()
        .map(|minutes| {
            let purpose = Purpose::Before { minutes: *minutes };
            let due_at = kring_core::meeting::before(starts_at, *minutes);
            if due_at > now {
                timer(meeting_id, purpose, due_at, lane.clone())
            } else {
                cancel_timer(meeting_id, purpose)
            }
        })
        .chain(next)
        .collect()
}

/// The configured reminders still ahead for a meeting at `starts_at`, in minutes before it.
pub(crate) fn upcoming_reminders(
    bot: &Bot,
    starts_at: kring_core::network::Millis,
    now: kring_core::network::Millis,
) -> Vec<u32> {
    bot.meetings
        .reminders_before_minutes
        .iter()
        .copied()
        .filter(|minutes| kring_core::meeting::before(starts_at, *minutes) > now)
        .collect()
}

pub(crate) fn cancel_reminders(bot: &Bot, plan: &mut Plan, meeting_id: &MeetingId) {
    for minutes in &bot.meetings.reminders_before_minutes {
        plan.change(cancel_timer(
            meeting_id,
            Purpose::Before { minutes: *minutes },
        ));
    }
}

pub(crate) async fn on_timer(
    bot: &Bot,
    _entry: &InboxEntry,
    payload: serde_json::Value,
) -> Result<Plan, BotError> {
    let fired: MeetingTimer = serde_json::from_value(payload)
        .map_err(|error| BotError::Plan(format!("a meeting timer that cannot be read: {error}")))?;
    let Some(meeting) = bot.store.meeting(fired.meeting_id.as_str()).await? else {
        return Ok(Plan::new());
    };
    let Some(network) = bot.store.network(&meeting.network_id).await? else {
        return Ok(Plan::new());
    };
    // A closed network's meetings say nothing more.
    if network.state != kring_core::network::NetworkState::Active {
        return Ok(Plan::new());
    }
    let language = crate::capabilities::network::language_of(bot, &network.client).await?;
    let now = bot.clock.now_millis();
    let mut plan = Plan::new();
    let mut meeting = meeting;
    if matches!(meeting.state, MeetingState::Planning | MeetingState::Agreed) {
        meeting.invitees = super::recheck_consent(bot, &network, &meeting, &mut plan, now).await?;
    }
    match fired.purpose {
        Purpose::Answers => {
            if meeting.state != MeetingState::Planning || meeting.choice_asked {
                return Ok(plan);
            }
            let votes = bot.store.meeting_votes(meeting.id.as_str()).await?;
            let missing = not_answered(&meeting.invitees, &votes);
            let count = meeting.candidates.len();
            if kring_core::meeting::everyone_answered(
                count,
                &meeting.invitees,
                &network.client,
                &votes,
            ) {
                // Those still invited have all answered (whoever had not lost the right to see
                // the meeting just now): date finding is done.
                super::choose::ask_choice(bot, &mut plan, &meeting, &network, &votes, true, now)
                    .await?;
                return Ok(plan);
            }
            if missing.is_empty() {
                return Ok(plan);
            }
            let names = people(bot, &network, &[]).await?;
            plan.effect(say(
                &meeting.id,
                answer_reminder(language, &people_named(&names, &missing), meeting.answer_by),
            ));
        }
        Purpose::Close => {
            if meeting.state != MeetingState::Planning {
                return Ok(plan);
            }
            let votes = bot.store.meeting_votes(meeting.id.as_str()).await?;
            plan.effect(Effect::Meeting(MeetingEffect::EndPolls {
                meeting_id: meeting.id.clone(),
                text: kring_core::meeting::candidate_poll_closed(language),
            }));
            if !meeting.choice_asked {
                super::choose::ask_choice(bot, &mut plan, &meeting, &network, &votes, false, now)
                    .await?;
            }
        }
        Purpose::Next => {
            // Only after the newest meeting took place: one planned since asks nothing.
            let newest = bot.store.latest_meeting(&network.id).await?;
            let taken_place = meeting.state == MeetingState::Agreed
                && newest.as_ref().map(|newest| &newest.id) == Some(&meeting.id);
            if taken_place {
                super::propose::ask_client(bot, &network, None, &mut plan, now).await?;
            }
        }
        Purpose::Action { number } => {
            let Some(action) = meeting.actions.iter().find(|a| a.number == number) else {
                return Ok(plan);
            };
            // Still to do, and for someone who may still see the meeting.
            let responsible_stays = action.responsible == network.client
                || meeting.invitees.contains(&action.responsible);
            if !action.done && responsible_stays && meeting.state == MeetingState::Agreed {
                let names = people(bot, &network, &[&action.responsible]).await?;
                plan.effect(Effect::Meeting(MeetingEffect::SendActionPoll {
                    meeting_id: meeting.id.clone(),
                    number,
                    text: kring_core::meeting::action_reminder_poll(
                        language,
                        number,
                        &person(&names, &action.responsible),
                        &action.text,
                        action.due_at,
                    ),
                }));
            }
        }
        Purpose::Before { .. } => {
            let Some(moment) = meeting.chosen_moment() else {
                return Ok(plan);
            };
            if meeting.state == MeetingState::Agreed && moment.starts_at > now {
                plan.effect(say(
                    &meeting.id,
                    meeting_reminder(language, &moment, meeting.place.as_deref()),
                ));
            }
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timers_payload_reads_back_as_it_was_set() {
        let meeting_id = MeetingId::parse("mtg-abc").unwrap();
        for purpose in [
            Purpose::Answers,
            Purpose::Close,
            Purpose::Before { minutes: 60 },
        ] {
            let Change::ScheduleTimer(timer) = timer(&meeting_id, purpose, 5, None) else {
                panic!("a timer");
            };
            let read: MeetingTimer = serde_json::from_value(timer.payload).unwrap();
            assert_eq!(read.meeting_id, meeting_id);
            assert_eq!(read.purpose, purpose);
        }
    }

    #[test]
    fn each_purpose_has_its_own_key() {
        let meeting_id = MeetingId::parse("mtg-abc").unwrap();
        let keys: std::collections::HashSet<_> = [
            Purpose::Answers,
            Purpose::Close,
            Purpose::Before { minutes: 60 },
            Purpose::Before { minutes: 1440 },
            Purpose::Next,
        ]
        .into_iter()
        .map(|purpose| purpose.key(&meeting_id))
        .collect();
        assert_eq!(keys.len(), 5);
    }
}
