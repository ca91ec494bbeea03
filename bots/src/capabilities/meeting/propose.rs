//! Asking the client whether to plan a meeting, with one tap in the network room: when another
//! member types `!overleg` (the client chairs; a professional may only propose), and when the
//! region's schedule says the next one is due. "Ja" plans one with the bot's suggestions and the
//! usual invitees, as `!overleg voorstel` would; "Nee" closes the question.

use super::*;
use crate::capabilities::PollVote;
use crate::session::random_code;
use kring_core::meeting::{
    MeetingChange, NOT_NOW, PLAN_IT, proposal_declined, proposal_open, proposal_poll,
    proposal_poll_closed, proposal_sent,
};

fn new_proposal_id() -> Result<MeetingId, BotError> {
    MeetingId::parse(&format!("mtp-{}", random_code(16)))
        .map_err(|_| BotError::Plan("a proposal id".into()))
}

/// Whether the client was asked.
pub(crate) enum Asked {
    Now(MeetingId),
    MeetingAhead,
    QuestionStands,
}

/// The question to the client, unless one stands or a meeting is ahead already. `proposer` is
/// the member who asked, `None` for the schedule.
pub(crate) async fn ask_client(
    bot: &Bot,
    network: &Network,
    proposer: Option<&MatrixId>,
    plan: &mut Plan,
    now: kring_core::network::Millis,
) -> Result<Asked, BotError> {
    let ahead = bot
        .store
        .latest_meeting(&network.id)
        .await?
        .is_some_and(|meeting| meeting.is_ahead(now));
    if ahead {
        return Ok(Asked::MeetingAhead);
    }
    if bot
        .store
        .open_meeting_proposal(&network.id)
        .await?
        .is_some()
    {
        return Ok(Asked::QuestionStands);
    }
    let language = crate::capabilities::network::language_of(bot, &network.client).await?;
    let proposal_id = new_proposal_id()?;
    let bot_id = MatrixId::parse(bot.identity.user_id.as_str())
        .map_err(|_| BotError::Plan("the bot's own id".into()))?;
    let extra: Vec<&MatrixId> = proposer.into_iter().collect();
    let names = people(bot, network, &extra).await?;
    let proposer_person = proposer.map(|id| person(&names, id));
    plan.change(Change::Meeting(MeetingChange::Propose {
        proposal_id: proposal_id.clone(),
        network_id: network.id.clone(),
        proposed_by: proposer.cloned().unwrap_or(bot_id),
        at: now,
    }))
    .effect(Effect::Meeting(MeetingEffect::SendProposalPoll {
        proposal_id: proposal_id.clone(),
        network_id: network.id.clone(),
        text: proposal_poll(language, proposer_person.as_ref()),
    }));
    Ok(Asked::Now(proposal_id))
}

/// `!overleg …` from a member who does not steer: a proposal to the client.
pub(crate) async fn propose(asking: &Asking<'_>) -> Result<Plan, BotError> {
    let context = &asking.context;
    let mut plan = Plan::new();
    let asked = ask_client(
        context.bot,
        &asking.network,
        Some(&context.actor),
        &mut plan,
        context.now,
    )
    .await?;
    let proposal_id = match asked {
        Asked::Now(proposal_id) => proposal_id,
        Asked::MeetingAhead => return asking.problem(&MeetingProblem::AlreadyOpen),
        Asked::QuestionStands => return asking.answer(proposal_open(context.language)),
    };
    plan.change(asking.log(MeetingAction::Propose, &proposal_id, Outcome::Proposed))
        .effect(Effect::Send {
            to: here(context.entry)?,
            reply: proposal_sent(context.language),
            reply_to: context.entry.event(),
        });
    Ok(plan)
}

/// The client's tap on the question. Anyone else's changes nothing.
pub(crate) async fn on_vote(
    bot: &Bot,
    entry: &InboxEntry,
    proposal_id: MeetingId,
    network_id: kring_core::network::NetworkId,
    vote: &PollVote,
) -> Result<Plan, BotError> {
    let Some(network) = bot.store.network(&network_id).await? else {
        return Ok(Plan::new());
    };
    let voter = sender(entry)?;
    let network_room = bot.store.network_room(&network.id).await?;
    if !network.steered_by(&voter) || network_room != entry.room() {
        return Ok(Plan::new());
    }
    let answer = vote.answers.first().map(String::as_str);
    if !matches!(answer, Some(PLAN_IT | NOT_NOW)) {
        return Ok(Plan::new());
    }
    let now = bot.clock.now_millis();
    let client_language = crate::capabilities::network::language_of(bot, &network.client).await?;
    let mut plan = if answer == Some(PLAN_IT) {
        let asking = Asking {
            context: Context {
                bot,
                entry,
                actor: voter,
                language: client_language,
                now,
            },
            network: network.clone(),
            meeting: None,
            private_here: false,
            in_direct_chat: false,
            client_language,
        };
        super::plan::plan(
            &asking,
            kring_core::meeting::MomentsAsked::Suggested,
            None,
            None,
        )
        .await?
    } else {
        Plan::reply(
            to_network_room(&network),
            proposal_declined(client_language),
            None,
        )
    };
    plan.change(Change::Meeting(MeetingChange::DecideProposal {
        proposal_id,
        at: now,
    }))
    .effect(Effect::EndPoll {
        to: to_network_room(&network),
        poll_event_id: vote.poll.clone(),
        text: proposal_poll_closed(client_language),
    });
    Ok(plan)
}

fn to_network_room(network: &Network) -> Target {
    crate::capabilities::network::to_network(network)
}
