//! The client chooses the moment: with one tap in the choice poll, or `!overleg kies 2`. The
//! candidates' polls end, the invitees hear the moment and get the `.ics` (METHOD:REQUEST), and
//! the reminders are set.

use super::timers::{cancel_date_finding, reminders, upcoming_reminders};
use super::*;
use crate::capabilities::PollVote;
use kring_core::meeting::{
    CalendarEvent, IcsMethod, MeetingChange, MeetingState, Moment, Vote, answers_are_in,
    best_candidate, calendar_file, candidate_poll_closed, choice_from_id, choice_poll,
    meeting_agreed, meeting_news_in_its_room, not_answered, tally,
};
use kring_core::network::Millis;

/// What the calendar calls every meeting: the kind, never the client.
const CALENDAR_SUMMARY: &str = "Netwerkoverleg";
/// The attachment's name.
pub(crate) const CALENDAR_FILE_NAME: &str = "overleg.ics";

/// Date finding is over (everyone answered, or the time is up): the tally, the best moment,
/// and the poll the client chooses with.
pub(crate) async fn ask_choice(
    bot: &Bot,
    plan: &mut Plan,
    meeting: &Meeting,
    network: &Network,
    votes: &[Vote],
    everyone: bool,
    now: Millis,
) -> Result<(), BotError> {
    let language = crate::capabilities::network::language_of(bot, &network.client).await?;
    let names = people(bot, network, &[]).await?;
    let mut meeting = meeting.clone();
    meeting.invitees = super::recheck_consent(bot, network, &meeting, plan, now).await?;
    let meeting = &meeting;
    let moments: Vec<Moment> = meeting.candidates.iter().map(|c| c.moment).collect();
    let tallies = tally(moments.len(), &meeting.invitees, &network.client, votes);
    let best = best_candidate(&tallies);
    let missing = not_answered(&meeting.invitees, votes);
    plan.change(Change::Meeting(MeetingChange::AskChoice {
        meeting_id: meeting.id.clone(),
        at: now,
    }))
    .effect(say(
        &meeting.id,
        answers_are_in(
            language,
            &moments,
            &tallies,
            &people_named(&names, &missing),
            best,
            everyone,
        ),
    ))
    .effect(Effect::Meeting(MeetingEffect::SendChoicePoll {
        meeting_id: meeting.id.clone(),
        text: choice_poll(language, &moments, best),
    }));
    Ok(())
}

/// The calendar file of `meeting` at `moment`, made now.
pub(crate) fn calendar(
    bot: &Bot,
    meeting: &Meeting,
    moment: &Moment,
    method: IcsMethod,
    sequence: u32,
    now: Millis,
) -> Effect {
    let uid = meeting.calendar_uid(bot.identity.user_id.server_name().as_str());
    let matrix_uri = |user: &str| format!("matrix:u/{}", user.trim_start_matches('@'));
    let organiser = matrix_uri(bot.identity.user_id.as_str());
    let attendees: Vec<String> = meeting
        .invitees
        .iter()
        .map(|invitee| matrix_uri(invitee.as_str()))
        .collect();
    let event = CalendarEvent {
        uid: &uid,
        sequence,
        stamped_at: now,
        starts_at: moment.starts_at,
        ends_at: moment.ends_at(),
        summary: CALENDAR_SUMMARY,
        location: meeting.place.as_deref(),
        description: None,
        organiser: &organiser,
        attendees: &attendees,
    };
    Effect::Meeting(MeetingEffect::SendCalendar {
        meeting_id: meeting.id.clone(),
        method,
        file_name: CALENDAR_FILE_NAME.to_owned(),
        ics: calendar_file(&event, method),
    })
}

/// What choosing candidate `index` changes, whoever chose: the state, the timers, the polls.
/// The announcement goes where the caller says, then the calendar file after it.
async fn agree(
    bot: &Bot,
    network: &Network,
    meeting: &Meeting,
    index: usize,
    now: Millis,
    plan: &mut Plan,
) -> Result<Moment, BotError> {
    let moment = meeting.candidates[index].moment;
    let language = crate::capabilities::network::language_of(bot, &network.client).await?;
    let lane = bot.store.network_room(&network.id).await?;
    super::recheck_consent(bot, network, meeting, plan, now).await?;
    plan.change(Change::Meeting(MeetingChange::Agree {
        meeting_id: meeting.id.clone(),
        candidate: index,
        at: now,
    }));
    cancel_date_finding(plan, &meeting.id);
    let rhythm = super::rhythm::rhythm_of(bot, &network.id).await?;
    for reminder in reminders(bot, &meeting.id, &moment, now, lane, rhythm.as_ref()) {
        plan.change(reminder);
    }
    plan.effect(Effect::Meeting(MeetingEffect::EndPolls {
        meeting_id: meeting.id.clone(),
        text: candidate_poll_closed(language),
    }));
    Ok(moment)
}

/// `!overleg kies N`.
pub(crate) async fn by_command(asking: &Asking<'_>, number: usize) -> Result<Plan, BotError> {
    let context = &asking.context;
    if let Some(refused) =
        asking.refused(MeetingAction::Agree, asking.meeting.as_ref().map(|m| &m.id))?
    {
        return Ok(refused);
    }
    let Some(meeting) = &asking.meeting else {
        return asking.problem(&MeetingProblem::NoneOpen);
    };
    if meeting.state != MeetingState::Planning {
        return asking.problem(&MeetingProblem::NotPlanning);
    }
    let count = meeting.candidates.len();
    let Some(index) = number.checked_sub(1).filter(|index| *index < count) else {
        return asking.problem(&MeetingProblem::NoSuchCandidate { number, count });
    };
    if meeting.candidates[index].moment.starts_at <= context.now {
        return asking.problem(&MeetingProblem::MomentPassed);
    }
    let mut plan = Plan::new();
    let moment = agree(
        context.bot,
        &asking.network,
        meeting,
        index,
        context.now,
        &mut plan,
    )
    .await?;
    plan.change(asking.log(MeetingAction::Agree, &meeting.id, Outcome::Done));
    announce(
        asking,
        &mut plan,
        meeting,
        meeting_agreed(
            asking.client_language,
            &moment,
            meeting.place.as_deref(),
            &upcoming_reminders(context.bot, moment.starts_at, context.now),
        ),
        meeting_news_in_its_room(context.language),
    )?;
    plan.effect(calendar(
        context.bot,
        meeting,
        &moment,
        IcsMethod::Request,
        meeting.sequence,
        context.now,
    ));
    Ok(plan)
}

/// A vote in the choice poll: counts only from whoever steers the network, in the meeting's room,
/// while the meeting is being planned.
pub(crate) async fn by_poll(
    bot: &Bot,
    entry: &InboxEntry,
    meeting: Meeting,
    vote: &PollVote,
) -> Result<Plan, BotError> {
    if meeting.room_id.is_none() || meeting.room_id != entry.room() {
        return Ok(Plan::new());
    }
    let Some(network) = bot.store.network(&meeting.network_id).await? else {
        return Ok(Plan::new());
    };
    let voter = sender(entry)?;
    if !network.steered_by(&voter) || meeting.state != MeetingState::Planning {
        return Ok(Plan::new());
    }
    let Some(index) = vote
        .answers
        .first()
        .and_then(|id| choice_from_id(id))
        .filter(|index| *index < meeting.candidates.len())
    else {
        return Ok(Plan::new());
    };
    let now = bot.clock.now_millis();
    if meeting.candidates[index].moment.starts_at <= now {
        return Ok(Plan::new());
    }
    let context = Context {
        bot,
        entry,
        actor: voter,
        language: crate::capabilities::network::language_of(bot, &network.client).await?,
        now,
    };
    let mut plan = Plan::new();
    let moment = agree(bot, &network, &meeting, index, now, &mut plan).await?;
    plan.change(context.log_object(
        &network,
        AuditAction::Meeting(MeetingAction::Agree),
        Some(meeting.id.to_string()),
        Outcome::Done,
    ))
    .effect(say(
        &meeting.id,
        meeting_agreed(
            context.language,
            &moment,
            meeting.place.as_deref(),
            &upcoming_reminders(bot, moment.starts_at, now),
        ),
    ))
    .effect(calendar(
        bot,
        &meeting,
        &moment,
        IcsMethod::Request,
        meeting.sequence,
        now,
    ));
    Ok(plan)
}
