//! `!doel tekst`: a goal of the meeting's plan, in the client's words, recorded by whoever
//! steers or whom the client appointed (`!overleg notulist`). Said in the meeting's room only,
//! like the actions.

use super::actions::{meeting_for_actions, refused_to_record};
use super::*;
use kring_core::meeting::{MeetingChange, goal_added, meeting_news_in_its_room};

pub(crate) async fn add(asking: &Asking<'_>, text: String) -> Result<Plan, BotError> {
    let context = &asking.context;
    let meeting = meeting_for_actions(asking).await?;
    if let Some(refused) =
        refused_to_record(asking, meeting.as_ref(), MeetingAction::GoalAdd).await?
    {
        return Ok(refused);
    }
    if !asking.private_here {
        return asking.problem(&MeetingProblem::TypeItPrivately);
    }
    let Some(meeting) = meeting else {
        return asking.problem(&MeetingProblem::NoMeetingForActions);
    };
    let number = meeting.goals.len() + 1;
    let mut plan = Plan::new();
    asking.recheck(&meeting, &mut plan).await?;
    plan.change(Change::Meeting(MeetingChange::AddGoal {
        meeting_id: meeting.id.clone(),
        number,
        text: text.clone(),
        by: context.actor.clone(),
        at: context.now,
    }))
    .change(asking.log(MeetingAction::GoalAdd, &meeting.id, Outcome::Done));
    announce(
        asking,
        &mut plan,
        &meeting,
        goal_added(asking.client_language, number, &text),
        meeting_news_in_its_room(context.language),
    )?;
    Ok(plan)
}
