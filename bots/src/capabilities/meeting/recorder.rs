//! `!overleg notulist @naam`: the client (or representative) appoints an invitee to write down
//! the plan of this meeting (goals and actions), as a chair asks someone to take notes. The
//! rule is `kring_core::meeting::may_record_plan`; appointing is the client's alone.

use super::actions::{may_be_responsible, meeting_for_actions};
use super::*;
use kring_core::meeting::{MeetingChange, meeting_news_in_its_room, recorder_appointed};

pub(crate) async fn appoint(asking: &Asking<'_>, recorder: MatrixId) -> Result<Plan, BotError> {
    let context = &asking.context;
    let meeting = meeting_for_actions(asking).await?;
    if let Some(refused) = asking.refused(
        MeetingAction::AppointRecorder,
        meeting.as_ref().map(|meeting| &meeting.id),
    )? {
        return Ok(refused);
    }
    // Who is invited, and who may see appointments, is not for the network room.
    if !asking.private_here {
        return asking.problem(&MeetingProblem::TypeItPrivately);
    }
    let Some(meeting) = meeting else {
        return asking.problem(&MeetingProblem::NoMeetingForActions);
    };
    if !may_be_responsible(asking, &meeting, &recorder).await? {
        // Who is not invited (or lost consent) is said only in the private chat.
        let named = if asking.in_direct_chat {
            let names = asking.names(&[&recorder]).await?;
            Some(person(&names, &recorder))
        } else {
            None
        };
        return asking.problem(&MeetingProblem::NotForRecorder(named));
    }
    let mut plan = Plan::new();
    asking.recheck(&meeting, &mut plan).await?;
    plan.change(Change::Meeting(MeetingChange::AppointRecorder {
        meeting_id: meeting.id.clone(),
        recorder: recorder.clone(),
        at: context.now,
    }))
    .change(asking.log(MeetingAction::AppointRecorder, &meeting.id, Outcome::Done));
    let names = asking.names(&[&recorder]).await?;
    announce(
        asking,
        &mut plan,
        &meeting,
        recorder_appointed(asking.client_language, &person(&names, &recorder)),
        meeting_news_in_its_room(context.language),
    )?;
    Ok(plan)
}
