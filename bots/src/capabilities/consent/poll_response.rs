//! Votes in the bot's polls.

use super::*;

/// A vote in one of the bot's consent polls. The first poll's answer brings the second poll
/// (what that person or organisation may see); the second's switches one kind through
/// [`consent_plan`]. Each poll is answered once and then ended, so an old poll cannot change
/// anything later.
pub(crate) async fn on_poll_response(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let Some(vote) = crate::capabilities::PollVote::of(entry) else {
        return Ok(Plan::new());
    };
    if let Some(proposal) = bot.store.proposal_by_prompt(vote.poll.as_str()).await? {
        let answer = vote.answers.first().map(String::as_str);
        return on_proposal_vote(bot, entry, proposal, answer).await;
    }
    let Some((network_id, poll_room, poll)) =
        bot.store.open_consent_poll(vote.poll.as_str()).await?
    else {
        return Ok(Plan::new());
    };
    // A vote counts in the poll's own room only: anyone could relate one to it from elsewhere.
    if poll_room != entry.room_id {
        return Ok(Plan::new());
    }
    let Some(network) = bot.store.network(&network_id).await? else {
        return Ok(Plan::new());
    };
    let actor = sender(entry)?;
    let language = language_of(bot, &actor).await?;
    let context = Context {
        bot,
        entry,
        actor,
        language,
        now: bot.clock.now_millis(),
    };
    if !network.steered_by(&context.actor) {
        return Ok(Plan::reply(
            here(entry)?,
            messages::consent_poll_not_for_you(language),
            None,
        ));
    }
    let current = bot.store.consent(&network.id).await?;
    let Some(choice) = vote
        .answers
        .first()
        .and_then(|answer| poll.choice(answer, &current, context.now))
    else {
        return Ok(Plan::new());
    };
    let names = people(bot, &network, &[]).await?;
    let mut plan = match &choice {
        PollChoice::Subject(subject) | PollChoice::Outdated(subject) => {
            let mut plan = Plan::new();
            if matches!(choice, PollChoice::Outdated(_)) {
                plan.effect(Effect::Send {
                    to: here(entry)?,
                    reply: messages::consent_poll_outdated(language),
                    reply_to: None,
                });
            }
            let next = ConsentPoll::what_may(subject.clone(), &current, context.now);
            let lookup = |id: &MatrixId| person(&names, id);
            plan.effect(Effect::SendConsentPoll {
                to: here(entry)?,
                network_id: network.id.clone(),
                text: messages::consent_poll(
                    language,
                    &next,
                    &network,
                    &current,
                    &lookup,
                    context.now,
                    0,
                ),
                poll: next,
            });
            plan
        }
        PollChoice::Switch(request) => {
            consent_plan(&context, &network, &current, &names, request, None).await?
        }
    };
    plan.change(Change::CloseConsentPoll {
        poll_event_id: vote.poll.clone(),
        at: context.now,
    })
    .effect(Effect::EndPoll {
        to: here(entry)?,
        poll_event_id: vote.poll,
        text: messages::consent_poll_ended(language),
    });
    Ok(plan)
}
