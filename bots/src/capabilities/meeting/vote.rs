//! Votes in the meeting's polls: a candidate's (Ja / Misschien / Nee, each voter's latest
//! counts), the client's choice, an action's reminder ("gedaan"), or choosing whom to invite. A vote counts only in the meeting's own room, from an
//! invitee or the client, while date finding is open; anything else changes nothing.

use super::*;
use crate::capabilities::PollVote;
use kring_core::meeting::{MeetingChange, MeetingState, Vote, answer_from_id, everyone_answered};

/// `None` when the poll is not a meeting's: another capability's, or unknown.
pub(crate) async fn on_poll_response(
    bot: &Bot,
    entry: &InboxEntry,
) -> Result<Option<Plan>, BotError> {
    let Some(vote) = PollVote::of(entry) else {
        return Ok(None);
    };
    if let Some((meeting, candidate)) = bot.store.meeting_by_poll(vote.poll.as_str()).await? {
        return candidate_vote(bot, entry, meeting, candidate, &vote)
            .await
            .map(Some);
    }
    if let Some((proposal_id, network_id, decided)) = bot
        .store
        .meeting_proposal_by_poll(vote.poll.as_str())
        .await?
    {
        if decided {
            return Ok(Some(Plan::new()));
        }
        return super::propose::on_vote(bot, entry, proposal_id, network_id, &vote)
            .await
            .map(Some);
    }
    if let Some((meeting, user, gives_consent)) = bot
        .store
        .meeting_by_invitee_poll(vote.poll.as_str())
        .await?
    {
        return super::invitees::on_invitee_vote(bot, entry, meeting, user, gives_consent, &vote)
            .await
            .map(Some);
    }
    if let Some(meeting) = bot.store.meeting_by_start_poll(vote.poll.as_str()).await? {
        return super::invitees::on_start_vote(bot, entry, meeting, &vote)
            .await
            .map(Some);
    }
    if let Some((meeting, number)) = bot.store.meeting_by_action_poll(vote.poll.as_str()).await? {
        return super::actions::by_poll(bot, entry, meeting, number, &vote)
            .await
            .map(Some);
    }
    if let Some(meeting) = bot.store.meeting_by_choice_poll(vote.poll.as_str()).await? {
        return super::choose::by_poll(bot, entry, meeting, &vote)
            .await
            .map(Some);
    }
    Ok(None)
}

async fn candidate_vote(
    bot: &Bot,
    entry: &InboxEntry,
    meeting: Meeting,
    candidate: usize,
    vote: &PollVote,
) -> Result<Plan, BotError> {
    let open = meeting.state == MeetingState::Planning && !meeting.candidate_polls_ended;
    if !open || meeting.room_id.is_none() || meeting.room_id != entry.room() {
        return Ok(Plan::new());
    }
    let Some(network) = bot.store.network(&meeting.network_id).await? else {
        return Ok(Plan::new());
    };
    let voter = sender(entry)?;
    if !meeting.invitees.contains(&voter) && voter != network.client {
        return Ok(Plan::new());
    }
    // An empty selection takes a vote back (MSC3381): it is kept as it was.
    let Some(answer) = vote.answers.first().and_then(|id| answer_from_id(id)) else {
        return Ok(Plan::new());
    };
    let now = bot.clock.now_millis();
    let context = Context {
        bot,
        entry,
        actor: voter.clone(),
        language: kring_core::Language::Dutch,
        now,
    };
    let mut plan = Plan::new();
    plan.change(Change::Meeting(MeetingChange::Vote {
        meeting_id: meeting.id.clone(),
        candidate,
        voter: voter.clone(),
        answer,
        // When it was cast, not when it was read: a vote fetched late never overrides a newer.
        at: entry.origin_ts,
    }))
    .change(context.log_object(
        &network,
        AuditAction::Meeting(MeetingAction::Vote),
        Some(meeting.id.to_string()),
        Outcome::Done,
    ));
    if !meeting.choice_asked {
        let mut votes = bot.store.meeting_votes(meeting.id.as_str()).await?;
        let count = meeting.candidates.len();
        let before = everyone_answered(count, &meeting.invitees, &network.client, &votes);
        votes.retain(|earlier| !(earlier.voter == voter && earlier.candidate == candidate));
        votes.push(Vote {
            voter,
            candidate,
            answer,
        });
        if !before && everyone_answered(count, &meeting.invitees, &network.client, &votes) {
            super::choose::ask_choice(bot, &mut plan, &meeting, &network, &votes, true, now)
                .await?;
        }
    }
    Ok(plan)
}
