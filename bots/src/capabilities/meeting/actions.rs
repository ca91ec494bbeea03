//! After the meeting, the plan: `!actie @naam wat tot 12-3` records who does what by when (the
//! client, the representative, or whom the client appointed with `!overleg notulist` records it), the person responsible is reminded the day before
//! at 09:00, `!actie klaar 2` marks it done (by them or the client) and the client hears it in
//! the meeting's room, and `!actie` shows the plan. The actions are the meeting's details: said
//! only in its room or in a private chat.

use super::timers::{Purpose, cancel_timer, timer};
use super::*;
use kring_core::consent::{InfoKind, Subject, may};
use kring_core::meeting::{
    MeetingChange, MeetingState, PlanActionLine, action_added, action_done, actions_list,
    meeting_news_in_its_room, moment_refused, parse_moment,
};

/// The meeting actions belong to: the one whose room this is, or the network's newest, once its
/// moment was chosen (before or after it took place).
pub(super) async fn meeting_for_actions(asking: &Asking<'_>) -> Result<Option<Meeting>, BotError> {
    let store = &asking.context.bot.store;
    if asking.network.state != kring_core::network::NetworkState::Active {
        return Ok(None);
    }
    match store.meeting_by_room(&asking.context.entry.room_id).await? {
        Some(meeting) => Ok(Some(meeting).filter(|meeting| meeting.state == MeetingState::Agreed)),
        None => Ok(store.latest_agreed_meeting(&asking.network.id).await?),
    }
}

/// Whether the sender may see the meeting's plan: whoever steers, or an invitee who may still see it.
async fn may_see(asking: &Asking<'_>, meeting: &Meeting) -> Result<bool, BotError> {
    Ok(asking.network.steered_by(&asking.context.actor)
        || may_be_responsible(asking, meeting, &asking.context.actor).await?)
}

/// Whether the sender may write the plan of `meeting` down: `None` when they may (whoever
/// steers, or whom the client appointed for this meeting), else the refusal, audited.
pub(super) async fn refused_to_record(
    asking: &Asking<'_>,
    meeting: Option<&Meeting>,
    action: MeetingAction,
) -> Result<Option<Plan>, BotError> {
    let context = &asking.context;
    if let Some(meeting) = meeting {
        let consent = context.bot.store.consent(&asking.network.id).await?;
        if kring_core::meeting::may_record_plan(
            &asking.network,
            &consent,
            meeting,
            &context.actor,
            context.now,
        ) {
            return Ok(None);
        }
    }
    let member = kring_core::meeting::meeting_right(&asking.network, &context.actor)
        == Ok(MeetingRight::Propose);
    if !member {
        return asking.refused(action, meeting.map(|meeting| &meeting.id));
    }
    let mut plan = asking.problem(&MeetingProblem::OnlyClientRecords)?;
    plan.change(context.log_object(
        &asking.network,
        AuditAction::Meeting(action),
        meeting.map(|meeting| meeting.id.to_string()),
        Outcome::Refused,
    ));
    Ok(Some(plan))
}

/// Whether `user` may do an action of `meeting`: the client, or an invitee who may still see it.
pub(super) async fn may_be_responsible(
    asking: &Asking<'_>,
    meeting: &Meeting,
    user: &MatrixId,
) -> Result<bool, BotError> {
    let network = &asking.network;
    if *user == network.client {
        return Ok(true);
    }
    if !meeting.invitees.contains(user) {
        return Ok(false);
    }
    let consent = asking.context.bot.store.consent(&network.id).await?;
    let subject = Subject::Member { user: user.clone() };
    Ok(may(
        network,
        &consent,
        &subject,
        InfoKind::Appointments,
        asking.context.now,
    ))
}

pub(crate) async fn add(
    asking: &Asking<'_>,
    responsible: MatrixId,
    text: String,
    due: &str,
) -> Result<Plan, BotError> {
    let context = &asking.context;
    let meeting = meeting_for_actions(asking).await?;
    if let Some(refused) =
        refused_to_record(asking, meeting.as_ref(), MeetingAction::ActionAdd).await?
    {
        return Ok(refused);
    }
    // The command itself carries the details: not where members without consent read.
    if !asking.private_here {
        return asking.problem(&MeetingProblem::TypeItPrivately);
    }
    let Some(meeting) = meeting else {
        return asking.problem(&MeetingProblem::NoMeetingForActions);
    };
    if !may_be_responsible(asking, &meeting, &responsible).await? {
        // Who lost the invitation (or consent) is said only in the private chat.
        let named = if asking.in_direct_chat {
            let names = asking.names(&[&responsible]).await?;
            Some(person(&names, &responsible))
        } else {
            None
        };
        return asking.problem(&MeetingProblem::NotForAction(named));
    }
    // Due on that day (today too, until it ends); reminded at 09:00 the day before.
    let due_at = match parse_moment(&format!("{due} 23:59"), context.now, 0) {
        Ok(moment) => moment.starts_at - (14 * 60 + 59) * 60_000,
        Err(error) => return asking.answer(moment_refused(context.language, due, error)),
    };
    let number = meeting.actions.len() + 1;
    let lane = context.bot.store.network_room(&asking.network.id).await?;
    let mut plan = Plan::new();
    asking.recheck(&meeting, &mut plan).await?;
    plan.change(Change::Meeting(MeetingChange::AddAction {
        meeting_id: meeting.id.clone(),
        number,
        responsible: responsible.clone(),
        text: text.clone(),
        due_at,
        by: context.actor.clone(),
        at: context.now,
    }))
    .change(asking.log(MeetingAction::ActionAdd, &meeting.id, Outcome::Done));
    let remind_at = kring_core::meeting::before(due_at, 24 * 60);
    if remind_at > context.now {
        plan.change(timer(
            &meeting.id,
            Purpose::Action { number },
            remind_at,
            lane,
        ));
    }
    let names = asking.names(&[&responsible]).await?;
    announce(
        asking,
        &mut plan,
        &meeting,
        action_added(
            asking.client_language,
            number,
            &person(&names, &responsible),
            &text,
            due_at,
        ),
        meeting_news_in_its_room(context.language),
    )?;
    Ok(plan)
}

pub(crate) async fn done(asking: &Asking<'_>, number: usize) -> Result<Plan, BotError> {
    let context = &asking.context;
    let Some(meeting) = meeting_for_actions(asking).await? else {
        return asking.problem(&MeetingProblem::NoMeetingForActions);
    };
    // Nothing about the plan (not even how many actions it has) for whoever may not see it.
    if !may_see(asking, &meeting).await? {
        return asking.problem(&MeetingProblem::NotInvited);
    }
    let count = meeting.actions.len();
    let Some(action) = meeting
        .actions
        .iter()
        .find(|action| action.number == number)
    else {
        return asking.problem(&MeetingProblem::NoSuchAction { number, count });
    };
    let consent = context.bot.store.consent(&asking.network.id).await?;
    let records_the_plan = kring_core::meeting::may_record_plan(
        &asking.network,
        &consent,
        &meeting,
        &context.actor,
        context.now,
    );
    if action.responsible != context.actor && !records_the_plan {
        let mut plan = asking.problem(&MeetingProblem::NotYourAction)?;
        plan.change(asking.log(MeetingAction::ActionDone, &meeting.id, Outcome::Refused));
        return Ok(plan);
    }
    if action.done {
        return list(asking).await;
    }
    let mut plan = Plan::new();
    asking.recheck(&meeting, &mut plan).await?;
    plan.change(Change::Meeting(MeetingChange::ActionDone {
        meeting_id: meeting.id.clone(),
        number,
        at: context.now,
    }))
    .change(cancel_timer(&meeting.id, Purpose::Action { number }))
    .change(asking.log(MeetingAction::ActionDone, &meeting.id, Outcome::Done))
    .effect(end_action_poll(&meeting.id, number, asking.client_language));
    let names = asking.names(&[]).await?;
    announce(
        asking,
        &mut plan,
        &meeting,
        action_done(
            asking.client_language,
            number,
            &person(&names, &context.actor),
            &action.text,
        ),
        meeting_news_in_its_room(context.language),
    )?;
    Ok(plan)
}

pub(crate) async fn list(asking: &Asking<'_>) -> Result<Plan, BotError> {
    let context = &asking.context;
    let Some(meeting) = meeting_for_actions(asking).await? else {
        return asking.problem(&MeetingProblem::NoMeetingForActions);
    };
    if !may_see(asking, &meeting).await? {
        return asking.problem(&MeetingProblem::NotInvited);
    }
    let names = asking.names(&[]).await?;
    let lines: Vec<(PlanActionLine, kring_core::messages::Person)> = meeting
        .actions
        .iter()
        .map(|action| {
            (
                PlanActionLine {
                    number: action.number,
                    text: action.text.clone(),
                    due_at: action.due_at,
                    done: action.done,
                },
                person(&names, &action.responsible),
            )
        })
        .collect();
    if asking.in_direct_chat {
        return asking.answer(actions_list(context.language, &meeting.goals, &lines));
    }
    let mut plan = Plan::new();
    asking.recheck(&meeting, &mut plan).await?;
    announce(
        asking,
        &mut plan,
        &meeting,
        actions_list(asking.client_language, &meeting.goals, &lines),
        meeting_news_in_its_room(context.language),
    )?;
    Ok(plan)
}

/// A tap in an action's reminder poll: "gedaan" marks it done, as `!actie klaar N` does, when
/// it comes from the person responsible (still invited) or whoever records the plan, in the
/// meeting's room; "nog niet", or anyone else's tap, changes nothing.
pub(crate) async fn by_poll(
    bot: &Bot,
    entry: &InboxEntry,
    meeting: Meeting,
    number: usize,
    vote: &crate::capabilities::PollVote,
) -> Result<Plan, BotError> {
    let in_its_room = meeting.room_id.is_some() && meeting.room_id == entry.room();
    if !in_its_room || meeting.state != MeetingState::Agreed {
        return Ok(Plan::new());
    }
    let done = vote
        .answers
        .first()
        .and_then(|id| kring_core::meeting::action_done_from_id(id));
    if done != Some(true) {
        return Ok(Plan::new());
    }
    let Some(action) = meeting.actions.iter().find(|a| a.number == number) else {
        return Ok(Plan::new());
    };
    if action.done {
        return Ok(Plan::new());
    }
    let Some(network) = bot.store.network(&meeting.network_id).await? else {
        return Ok(Plan::new());
    };
    let voter = sender(entry)?;
    let now = bot.clock.now_millis();
    let consent = bot.store.consent(&network.id).await?;
    let responsible = voter == action.responsible
        && (voter == network.client
            || kring_core::meeting::invitees_to_remove(&network, &consent, &meeting.invitees, now)
                .iter()
                .all(|gone| *gone != voter)
                && meeting.invitees.contains(&voter));
    let records = kring_core::meeting::may_record_plan(&network, &consent, &meeting, &voter, now);
    if !responsible && !records {
        return Ok(Plan::new());
    }
    let language = crate::capabilities::network::language_of(bot, &network.client).await?;
    let context = Context {
        bot,
        entry,
        actor: voter.clone(),
        language,
        now,
    };
    let mut plan = Plan::new();
    super::recheck_consent(bot, &network, &meeting, &mut plan, now).await?;
    plan.change(Change::Meeting(MeetingChange::ActionDone {
        meeting_id: meeting.id.clone(),
        number,
        at: now,
    }))
    .change(cancel_timer(&meeting.id, Purpose::Action { number }))
    .change(context.log_object(
        &network,
        AuditAction::Meeting(MeetingAction::ActionDone),
        Some(meeting.id.to_string()),
        Outcome::Done,
    ));
    let names = people(bot, &network, &[&voter]).await?;
    plan.effect(end_action_poll(&meeting.id, number, language))
        .effect(say(
            &meeting.id,
            action_done(language, number, &person(&names, &voter), &action.text),
        ));
    Ok(plan)
}

fn end_action_poll(meeting_id: &MeetingId, number: usize, language: Language) -> Effect {
    Effect::Meeting(MeetingEffect::EndActionPoll {
        meeting_id: meeting_id.clone(),
        number,
        text: kring_core::meeting::action_poll_closed(language),
    })
}
