//! `!start`, for oneself or for a client.

use super::*;

/// `!start`, or `!start voor @client …`.
pub(crate) async fn start(
    context: &Context<'_>,
    for_client: Option<(MatrixId, Role)>,
) -> Result<Plan, BotError> {
    let (client, starter_role) = match for_client {
        Some((client, role)) if client != context.actor => (client, Some(role)),
        _ => (context.actor.clone(), None),
    };
    let asked_for_self = starter_role.is_none();
    if let Some(existing) = context.bot.store.open_network_of_client(&client).await? {
        let Some(role) = starter_role.filter(|_| !asked_for_self) else {
            return context.answer(messages::already_has_network(context.language, true));
        };
        return start_beside(context, &existing, role).await;
    }
    if client.as_str() == context.bot.identity.user_id.as_str()
        || account_exists(context.bot, &client).await? == Some(false)
    {
        return context.answer(messages::invite_failed(context.language, &client));
    }
    let network_id = NetworkId::parse(&format!("net-{}", random_code(16)))
        .map_err(|error| BotError::Plan(error.to_string()))?;
    let network = Network {
        id: network_id.clone(),
        client: client.clone(),
        started_by: context.actor.clone(),
        state: NetworkState::Active,
        members: vec![],
        proposals: vec![],
        links: vec![],
    };
    let mut plan = Plan::new();
    plan.change(Change::CreateNetwork {
        network_id: network_id.clone(),
        client: client.clone(),
        started_by: context.actor.clone(),
        state: if asked_for_self {
            NetworkState::Active
        } else {
            NetworkState::AwaitingClient
        },
        at: context.now,
    })
    .change(Change::PutMember {
        network_id: network_id.clone(),
        user: client.clone(),
        role: Role::Client,
        membership: Membership::Invited,
        since: context.now,
        added_by: context.actor.clone(),
    })
    .change(Change::PutMember {
        network_id: network_id.clone(),
        user: context.bot_id(),
        role: Role::Bot,
        membership: Membership::Joined,
        since: context.now,
        added_by: context.actor.clone(),
    })
    .change(context.log(
        &network,
        AuditAction::NetworkStart,
        Some(&client),
        Outcome::Done,
    ));
    if let Some(role) = starter_role {
        // Asked of the client as soon as they accept; nothing is shared before.
        plan.change(Change::AddProposal {
            network_id: network_id.clone(),
            number: 1,
            kind: ProposalKind::Invite {
                user: context.actor.clone(),
                role,
            },
            proposed_by: context.actor.clone(),
            at: context.now,
        });
    }
    plan.effect(Effect::CreateNetworkRoom {
        network_id,
        client: client.clone(),
    });
    let reply = if asked_for_self {
        messages::network_started(context.language)
    } else {
        messages::network_started_for(context.language, &Person::new(client, None))
    };
    plan.effect(Effect::Send {
        to: here(context.entry)?,
        reply,
        reply_to: context.entry.event(),
    });
    Ok(plan)
}

/// `!start voor @client …` for someone who already has a network. The starter gets the same
/// answer as when a network is made, so nobody learns who is a client; in the network the
/// client has, they are asked whether the starter may join (once, as with any proposal).
pub(crate) async fn start_beside(
    context: &Context<'_>,
    existing: &Network,
    role: Role,
) -> Result<Plan, BotError> {
    let mut plan = Plan::new();
    let already_there = existing.current_role(&context.actor).is_some()
        || existing.open_proposals_by(&context.actor).next().is_some();
    if !already_there {
        let kind = ProposalKind::Invite {
            user: context.actor.clone(),
            role,
        };
        let number = existing.next_proposal_number();
        let client_language = language_of(context.bot, &existing.client).await?;
        let names = people(context.bot, existing, &[&context.actor]).await?;
        plan.change(Change::AddProposal {
            network_id: existing.id.clone(),
            number,
            kind: kind.clone(),
            proposed_by: context.actor.clone(),
            at: context.now,
        })
        .change(context.log_object(
            existing,
            AuditAction::ProposalAdd,
            Some(number.to_string()),
            Outcome::Proposed,
        ))
        .effect(Effect::Send {
            to: to_network(existing),
            reply: proposal_prompt(
                context.bot,
                client_language,
                existing,
                &names,
                number,
                &context.actor,
                &kind,
            )
            .await?,
            reply_to: None,
        });
        ask_to_decide(&mut plan, existing, number, client_language);
    }
    plan.effect(Effect::Send {
        to: here(context.entry)?,
        reply: messages::network_started_for(
            context.language,
            &Person::new(existing.client.clone(), None),
        ),
        reply_to: context.entry.event(),
    });
    Ok(plan)
}
