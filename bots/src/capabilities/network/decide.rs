//! The client's answer to a proposal (`!goedkeuren`, `!afwijzen`, or a tap on its poll).

use super::*;

pub(crate) async fn approve(
    carrying: &Carrying<'_>,
    number: i64,
    kind: ProposalKind,
) -> Result<Plan, BotError> {
    let Carrying {
        context,
        network,
        client_language,
        ..
    } = *carrying;
    let names = &carrying.names;
    let proposal = network.proposal(number).expect("decide found it");
    // The link goes to whoever proposed it, or else to the client who approved it, and only
    // ever to a private chat; without one the proposal stays open.
    let link_chat = match &kind {
        ProposalKind::InviteLink { .. } => {
            match private_chat_for_link(context, &[&proposal.proposed_by, &context.actor]).await? {
                Some(chat) => Some(chat),
                None => {
                    return refuse_link(context, network, names, carrying.reply_to.clone());
                }
            }
        }
        _ => None,
    };
    let mut plan = closed(carrying, number, true).await?;
    // A removal the client confirmed was their own request: nobody else to thank.
    if !matches!(kind, ProposalKind::Remove { .. }) {
        carrying.say(
            &mut plan,
            messages::proposal_approved(
                client_language,
                number,
                &person(names, &proposal.proposed_by),
            ),
        );
    }
    match kind {
        ProposalKind::Invite { user, role } => {
            let announcement = carrying.notice(messages::invited(
                client_language,
                &person(names, &user),
                &role,
            ));
            invite(context, network, &mut plan, &user, &role, announcement);
        }
        ProposalKind::InviteLink { role } => {
            let (asker, private_chat) = link_chat.expect("found above for a link");
            create_link(
                context,
                network,
                &mut plan,
                &role,
                (&asker, &private_chat),
                (names, client_language),
                &carrying.reply_to,
            )
            .await?;
        }
        ProposalKind::Remove { user } => {
            remove(context, network, &mut plan, &user);
            lapse_proposals_of(
                context.bot,
                network,
                &mut plan,
                &user,
                context.now,
                client_language,
            )
            .await?;
            carrying.say(
                &mut plan,
                messages::removed(client_language, &person(names, &user)),
            );
        }
    }
    Ok(plan)
}

pub(crate) async fn refuse(carrying: &Carrying<'_>, number: i64) -> Result<Plan, BotError> {
    let Carrying {
        network,
        client_language,
        ..
    } = *carrying;
    let proposal = network.proposal(number).expect("decide found it");
    let mut plan = closed(carrying, number, false).await?;
    carrying.say(
        &mut plan,
        messages::proposal_refused(
            client_language,
            number,
            &person(&carrying.names, &proposal.proposed_by),
            &proposal.kind,
        ),
    );
    Ok(plan)
}

/// The proposal is decided: its poll is closed, so nobody votes on it again, and the decision
/// recorded.
async fn closed(carrying: &Carrying<'_>, number: i64, approved: bool) -> Result<Plan, BotError> {
    let context = carrying.context;
    let mut plan = Plan::new();
    end_proposal_poll(
        context.bot,
        carrying.network,
        &mut plan,
        number,
        carrying.client_language,
    )
    .await?;
    plan.changes.extend(consequences::decided(
        carrying.network,
        &context.actor,
        number,
        approved,
        context.now,
    ));
    Ok(plan)
}
