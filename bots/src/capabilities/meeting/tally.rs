//! `!overleg stand`: per moment how many can come, who has not answered, the best moment. For
//! the client, the representative and the invitees; said where only they read.

use super::*;
use kring_core::meeting::{
    Moment, best_candidate, meeting_news_in_its_room, meeting_tally, not_answered, tally,
};

pub(crate) async fn show(asking: &Asking<'_>) -> Result<Plan, BotError> {
    let context = &asking.context;
    let network = &asking.network;
    let Some(meeting) = &asking.meeting else {
        return asking.problem(&MeetingProblem::NoneOpen);
    };
    // Before the invitations go out, nobody but whoever steers knows of it.
    if meeting.state == kring_core::meeting::MeetingState::Choosing {
        return asking.problem(if network.steered_by(&context.actor) {
            &MeetingProblem::StillChoosing
        } else {
            &MeetingProblem::NoneOpen
        });
    }
    if !network.steered_by(&context.actor) && !meeting.invitees.contains(&context.actor) {
        return asking.problem(&MeetingProblem::NotInvited);
    }
    let votes = context.bot.store.meeting_votes(meeting.id.as_str()).await?;
    let moments: Vec<Moment> = meeting.candidates.iter().map(|c| c.moment).collect();
    let tallies = tally(moments.len(), &meeting.invitees, &network.client, &votes);
    let missing = not_answered(&meeting.invitees, &votes);
    let names = asking.names(&[]).await?;
    let language = if asking.private_here && asking.in_direct_chat {
        context.language
    } else {
        asking.client_language
    };
    let reply = meeting_tally(
        language,
        &moments,
        &tallies,
        &people_named(&names, &missing),
        best_candidate(&tallies),
    );
    if asking.in_direct_chat {
        return asking.answer(reply);
    }
    let mut plan = Plan::new();
    asking.recheck(meeting, &mut plan).await?;
    announce(
        asking,
        &mut plan,
        meeting,
        reply,
        meeting_news_in_its_room(context.language),
    )?;
    Ok(plan)
}
