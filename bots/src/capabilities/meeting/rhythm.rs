//! `!overleg herhaal elke 3 maanden`: the network's own rhythm of meetings, set by the client
//! (or representative), instead of the region's schedule (`meetings.next_meeting_schedule`). After
//! each meeting the client is asked about the next by it (`kring_core::meeting::ask_for_next_at`);
//! a question already waiting for the agreed meeting moves with the new rhythm.

use super::timers::{Purpose, timer};
use super::*;
use kring_core::meeting::{
    MeetingChange, MeetingState, ask_for_next_at, parse_rhythm, rhythm_refused, rhythm_set,
};
use kring_core::time::Recurrence;
use kring_store::TimerState;

/// The rhythm that counts for `network_id`: its own, or else the region's (checked when the
/// configuration was loaded). An own rhythm that no longer reads (a later version reads rules
/// differently) is logged and the region's counts, rather than no question at all.
pub(crate) async fn rhythm_of(
    bot: &Bot,
    network_id: &kring_core::network::NetworkId,
) -> Result<Option<Recurrence>, BotError> {
    if let Some(own) = bot.store.meeting_rhythm(network_id.as_str()).await? {
        match parse_rhythm(&own) {
            Ok(rhythm) => return Ok(Some(rhythm)),
            Err(error) => {
                tracing::warn!(%network_id, %error, "a network's rhythm of meetings no longer reads; the region's counts");
                bot.metrics.unreadable_rows.inc();
            }
        }
    }
    Ok(bot.meetings.schedule().ok().flatten())
}

pub(crate) async fn set(asking: &Asking<'_>, typed: Option<String>) -> Result<Plan, BotError> {
    let context = &asking.context;
    let bot = context.bot;
    if let Some(refused) = asking.refused(MeetingAction::SetRhythm, None)? {
        return Ok(refused);
    }
    let rhythm = match typed.as_deref().map(parse_rhythm).transpose() {
        Ok(rhythm) => rhythm,
        Err(_) => {
            return asking.answer(rhythm_refused(
                context.language,
                typed.as_deref().unwrap_or(""),
            ));
        }
    };
    let mut plan = asking.answer(rhythm_set(context.language, typed.as_deref()))?;
    plan.change(Change::Meeting(MeetingChange::SetRhythm {
        network_id: asking.network.id.clone(),
        rhythm: typed.clone(),
        by: context.actor.clone(),
        at: context.now,
    }))
    .change(context.log_object(
        &asking.network,
        kring_core::audit::AuditAction::Meeting(MeetingAction::SetRhythm),
        None,
        Outcome::Done,
    ));
    // The question about the next meeting after the agreed one, if it still waits, follows the
    // new rhythm (the region's, when the client went back to it).
    let rhythm = match rhythm {
        Some(rhythm) => Some(rhythm),
        None => bot.meetings.schedule().ok().flatten(),
    };
    let agreed = bot
        .store
        .latest_meeting(&asking.network.id)
        .await?
        .filter(|meeting| meeting.state == MeetingState::Agreed);
    if let Some((meeting, moment)) = agreed.and_then(|meeting| {
        let moment = meeting.chosen_moment()?;
        Some((meeting, moment))
    }) {
        let waiting = bot
            .store
            .timer(kring_core::meeting::TIMERS, &Purpose::Next.key(&meeting.id))
            .await?
            .is_some_and(|stored| stored.state == TimerState::Scheduled);
        let due = ask_for_next_at(rhythm.as_ref(), moment.starts_at, moment.ends_at());
        if let (true, Some(due)) = (waiting, due) {
            let lane = bot.store.network_room(&asking.network.id).await?;
            plan.change(timer(&meeting.id, Purpose::Next, due, lane));
        }
    }
    Ok(plan)
}
