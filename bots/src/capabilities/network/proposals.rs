//! Proposals: the prompt the client answers with one tap, its poll, and what lapses.

use super::*;

/// The prompt the client answers with one tap, naming who proposed what about whom, and what a
/// professional would see through consent their organisation already holds: the organisation
/// is only a name the proposer typed, so the client decides knowing what it brings.
pub(crate) async fn proposal_prompt(
    bot: &Bot,
    language: Language,
    network: &Network,
    names: &HashMap<MatrixId, Person>,
    number: i64,
    proposed_by: &MatrixId,
    kind: &ProposalKind,
) -> Result<BotReply, BotError> {
    let subject = match kind {
        ProposalKind::Invite { user, .. } | ProposalKind::Remove { user } => {
            Some(person(names, user))
        }
        ProposalKind::InviteLink { .. } => None,
    };
    let organisation_may: Vec<InfoKind> = match kind {
        ProposalKind::Invite {
            role: Role::Professional { organisation, .. },
            ..
        } => {
            let consent = bot.store.consent(&network.id).await?;
            let organisation = Subject::Organisation {
                name: organisation.clone(),
            };
            InfoKind::ALL
                .into_iter()
                .filter(|kind| consent.holds(&organisation, *kind, bot.clock.now_millis()))
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(messages::proposal_prompt(
        language,
        number,
        &person(names, proposed_by),
        &person(names, &network.client),
        kind,
        subject.as_ref(),
        &organisation_may,
    ))
}

/// The client decides a proposal with one tap on an encrypted poll in the network room.
pub(crate) fn ask_to_decide(plan: &mut Plan, network: &Network, number: i64, language: Language) {
    plan.effect(Effect::SendProposalPoll {
        network_id: network.id.clone(),
        number,
        text: messages::proposal_poll(language, number),
    });
}

/// `user` is no longer in the network: what they proposed and the client did not decide yet
/// lapses, its poll is closed, and the network hears it; and they leave the room of a meeting
/// they were invited to.
pub(crate) async fn lapse_proposals_of(
    bot: &Bot,
    network: &Network,
    plan: &mut Plan,
    user: &MatrixId,
    at: Millis,
    language: Language,
) -> Result<(), BotError> {
    crate::capabilities::meeting::member_gone(bot, network, plan, user, at).await?;
    crate::capabilities::consult::member_gone(bot, network, plan, user, at).await?;
    let (lapsed, changes) = consequences::proposals_lapse(network, user, at);
    plan.changes.extend(changes);
    for number in lapsed {
        end_proposal_poll(bot, network, plan, number, language).await?;
        plan.effect(Effect::Send {
            to: to_network(network),
            reply: messages::proposal_lapsed(language, number, &Person::new(user.clone(), None)),
            reply_to: None,
        });
    }
    Ok(())
}

/// Closes the poll that asked about proposal `number`, once it is decided (by a vote or by
/// `!ja N`), so that nobody votes on it again.
pub(crate) async fn end_proposal_poll(
    bot: &Bot,
    network: &Network,
    plan: &mut Plan,
    number: i64,
    language: Language,
) -> Result<(), BotError> {
    if let Some(poll_event_id) = bot.store.proposal_prompt(&network.id, number).await? {
        plan.effect(Effect::EndPoll {
            to: to_network(network),
            poll_event_id,
            text: messages::proposal_poll_ended(language),
        });
    }
    Ok(())
}

/// A vote on a proposal's poll. It counts only in the network room the poll was asked in, and
/// only from someone who steers the network.
pub(crate) async fn on_proposal_vote(
    bot: &Bot,
    entry: &InboxEntry,
    (network_id, number): (String, i64),
    answer: Option<&str>,
) -> Result<Plan, BotError> {
    let Some(network) = bot.store.network(&network_id).await? else {
        return Ok(Plan::new());
    };
    let here = entry.room();
    if here.is_none() || bot.store.network_room(&network.id).await? != here {
        return Ok(Plan::new());
    }
    let approve = match answer {
        Some(messages::PROPOSAL_YES) => true,
        Some(messages::PROPOSAL_NO) => false,
        _ => return Ok(Plan::new()),
    };
    let actor = sender(entry)?;
    let context = Context {
        bot,
        entry,
        language: language_of(bot, &actor).await?,
        actor,
        now: bot.clock.now_millis(),
    };
    if !network.steered_by(&context.actor) {
        let names = people(bot, &network, &[&context.actor]).await?;
        let reply = messages::not_yours_to_decide(
            context.language,
            &person(&names, &context.actor),
            &person(&names, &network.client),
        );
        return Ok(Plan::reply(to_network(&network), reply, None));
    }
    carry(
        &context,
        &network,
        &NetworkRequest::Decide { number, approve },
        None,
    )
    .await
}
