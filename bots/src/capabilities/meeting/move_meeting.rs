//! `!overleg verzet <moment>`: the agreed meeting moves. The invitees hear the new moment and
//! get the updated `.ics` (same UID, next SEQUENCE, METHOD:REQUEST); every reminder moves with
//! it, and one whose time has passed is cancelled.

use super::choose::calendar;
use super::timers::reminders;
use super::*;
use kring_core::meeting::{
    IcsMethod, MeetingChange, MeetingState, meeting_moved, meeting_news_in_its_room,
    moment_refused, parse_moment,
};

pub(crate) async fn move_meeting(asking: &Asking<'_>, typed: &str) -> Result<Plan, BotError> {
    let context = &asking.context;
    if let Some(refused) =
        asking.refused(MeetingAction::Move, asking.meeting.as_ref().map(|m| &m.id))?
    {
        return Ok(refused);
    }
    let Some(meeting) = asking
        .meeting
        .as_ref()
        .filter(|meeting| meeting.is_ahead(context.now))
    else {
        return asking.problem(&MeetingProblem::NoneOpen);
    };
    let Some(chosen) = meeting
        .chosen_moment()
        .filter(|_| meeting.state == MeetingState::Agreed)
    else {
        return asking.problem(&MeetingProblem::NotAgreed);
    };
    // As long as it was.
    let moment = match parse_moment(typed, context.now, chosen.minutes) {
        Ok(moment) => moment,
        Err(error) => return asking.answer(moment_refused(context.language, typed, error)),
    };
    let lane = context.bot.store.network_room(&asking.network.id).await?;
    let mut plan = Plan::new();
    asking.recheck(meeting, &mut plan).await?;
    plan.change(Change::Meeting(MeetingChange::Move {
        meeting_id: meeting.id.clone(),
        number: meeting.candidates.len(),
        moment,
        at: context.now,
    }))
    .change(asking.log(MeetingAction::Move, &meeting.id, Outcome::Done));
    let rhythm = super::rhythm::rhythm_of(context.bot, &asking.network.id).await?;
    for reminder in reminders(
        context.bot,
        &meeting.id,
        &moment,
        context.now,
        lane,
        rhythm.as_ref(),
    ) {
        plan.change(reminder);
    }
    announce(
        asking,
        &mut plan,
        meeting,
        meeting_moved(asking.client_language, &moment, meeting.place.as_deref()),
        meeting_news_in_its_room(context.language),
    )?;
    plan.effect(calendar(
        context.bot,
        meeting,
        &moment,
        IcsMethod::Request,
        meeting.sequence + 1,
        context.now,
    ));
    Ok(plan)
}
