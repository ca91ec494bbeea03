//! `!overleg af`: the meeting is called off. Open polls end, every timer is cancelled, the
//! invitees hear it, and an agreed meeting's calendar entry is withdrawn (METHOD:CANCEL with the
//! next SEQUENCE, the same UID).

use super::choose::calendar;
use super::timers::{cancel_date_finding, cancel_reminders};
use super::*;
use kring_core::meeting::{
    IcsMethod, MeetingChange, MeetingState, candidate_poll_closed, meeting_cancelled,
    meeting_news_in_its_room,
};

pub(crate) async fn cancel(asking: &Asking<'_>) -> Result<Plan, BotError> {
    let context = &asking.context;
    if let Some(refused) = asking.refused(
        MeetingAction::Cancel,
        asking.meeting.as_ref().map(|m| &m.id),
    )? {
        return Ok(refused);
    }
    let Some(meeting) = asking
        .meeting
        .as_ref()
        .filter(|meeting| meeting.is_ahead(context.now))
    else {
        return asking.problem(&MeetingProblem::NoneOpen);
    };
    let mut plan = Plan::new();
    if meeting.state == MeetingState::Choosing {
        // Nobody was invited yet: only whoever is choosing hears it, and the choosing ends.
        plan.change(Change::Meeting(MeetingChange::Cancel {
            meeting_id: meeting.id.clone(),
            at: context.now,
        }))
        .change(asking.log(MeetingAction::Cancel, &meeting.id, Outcome::Done));
        // Its polls are in the private chat of whoever planned it, wherever this was typed.
        if let Some(room_id) = meeting.choosing_room_id.clone() {
            super::invitees::end_choosing(
                context.bot,
                &mut plan,
                meeting,
                Target::Room { room_id },
                context.language,
            )
            .await?;
        }
        plan.effect(Effect::Send {
            to: here(context.entry)?,
            reply: meeting_cancelled(context.language, None),
            reply_to: context.entry.event(),
        });
        return Ok(plan);
    }
    asking.recheck(meeting, &mut plan).await?;
    plan.change(Change::Meeting(MeetingChange::Cancel {
        meeting_id: meeting.id.clone(),
        at: context.now,
    }))
    .change(asking.log(MeetingAction::Cancel, &meeting.id, Outcome::Done));
    cancel_date_finding(&mut plan, &meeting.id);
    cancel_reminders(context.bot, &mut plan, &meeting.id);
    plan.effect(Effect::Meeting(MeetingEffect::EndPolls {
        meeting_id: meeting.id.clone(),
        text: candidate_poll_closed(asking.client_language),
    }));
    let agreed = meeting
        .chosen_moment()
        .filter(|_| meeting.state == MeetingState::Agreed);
    announce(
        asking,
        &mut plan,
        meeting,
        meeting_cancelled(asking.client_language, agreed.as_ref()),
        meeting_news_in_its_room(context.language),
    )?;
    if let Some(moment) = agreed {
        plan.effect(calendar(
            context.bot,
            meeting,
            &moment,
            IcsMethod::Cancel,
            meeting.sequence + 1,
            context.now,
        ));
    }
    Ok(plan)
}
