//! Invite links: made for whoever asked, shown only in their private chat, used through the invite page.

use super::*;

/// The first of `candidates` who has a private chat with the bot, and that chat: where an
/// invite link may be shown.
pub(crate) async fn private_chat_for_link(
    context: &Context<'_>,
    candidates: &[&MatrixId],
) -> Result<Option<(MatrixId, OwnedRoomId)>, BotError> {
    for candidate in candidates {
        if let Some(chat) = crate::sync::direct_chat_with(context.bot, candidate).await {
            return Ok(Some(((*candidate).clone(), chat)));
        }
    }
    Ok(None)
}

pub(crate) fn refuse_link(
    context: &Context<'_>,
    network: &Network,
    names: &HashMap<MatrixId, Person>,
    reply_to: Option<OwnedEventId>,
) -> Result<Plan, BotError> {
    let reply = messages::link_needs_private_chat(context.language, &person(names, &context.actor));
    match reply_to {
        Some(_) => context.answer(reply),
        None => Ok(Plan::reply(to_network(network), reply, None)),
    }
}

/// Makes an invite link for `asker`. Its secret is shown only in their private chat (anyone who
/// reads it can use it first); the network room hears that a link was made, by whom and for
/// which role.
pub(crate) async fn create_link(
    context: &Context<'_>,
    network: &Network,
    plan: &mut Plan,
    role: &Role,
    (asker, private_chat): (&MatrixId, &RoomId),
    (names, network_language): (&HashMap<MatrixId, Person>, Language),
    reply_to: &Option<OwnedEventId>,
) -> Result<(), BotError> {
    let link = network::InviteLink {
        id: random_code(4),
        role: role.clone(),
        created_by: asker.clone(),
        expires_at: context.now + INVITE_LINK_LIFETIME,
        state: network::LinkState::Open,
    };
    let secret = network::invite_secret(
        &context.bot.invite_link_key,
        &network.id,
        &link.id,
        link.expires_at,
    );
    plan.changes.extend(consequences::link_made(
        network,
        &context.actor,
        role,
        &consequences::NewLink {
            id: link.id.clone(),
            secret_hash: network::invite_secret_hash(&secret),
            created_by: asker.clone(),
            expires_at: link.expires_at,
        },
        context.now,
    ));
    let asked_here = context.entry.room().as_deref() == Some(private_chat);
    plan.effect(Effect::SendInviteLink {
        to: Target::Room {
            room_id: private_chat.to_owned(),
        },
        link_id: link.id.clone(),
        reply_to: reply_to.clone().filter(|_| asked_here),
    })
    .effect(Effect::Send {
        to: to_network(network),
        reply: messages::link_announced(network_language, &person(names, asker), &link),
        reply_to: reply_to.clone().filter(|_| !asked_here),
    });
    Ok(())
}

/// The bridge recorded that someone made an account through an invite link: invite them with
/// the role the link was made for.
pub(crate) async fn on_link_used(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let Some(found) = bot.store.invite_link(&entry.body).await? else {
        return Ok(Plan::new());
    };
    let Some(network) = bot.store.network(&found.network_id).await? else {
        return Ok(Plan::new());
    };
    let user = sender(entry)?;
    if network.current_role(&user).is_some() {
        return Ok(Plan::new());
    }
    let context = Context {
        bot,
        entry,
        actor: found.link.created_by.clone(),
        language: language_of(bot, &network.client).await?,
        now: entry.origin_ts,
    };
    let mut plan = Plan::new();
    // The new account used the link; it did so on behalf of whoever made it.
    plan.change(Change::Log(ActionRecord {
        network_id: network.id.clone(),
        at: context.now,
        actor: user.clone(),
        on_behalf_of: Some(found.link.created_by.clone()),
        action: AuditAction::LinkUse,
        object: Some(found.link.id.clone()),
        outcome: Outcome::Done,
    }));
    if found.link.role == Role::Representative {
        // Whoever opens a link first gets what it gives, and a representative steers the
        // network: the client confirms who used it before anything is shared or any power given.
        let number = network.next_proposal_number();
        let kind = ProposalKind::Invite {
            user: user.clone(),
            role: Role::Representative,
        };
        let names = people(bot, &network, &[&user]).await?;
        plan.change(Change::AddProposal {
            network_id: network.id.clone(),
            number,
            kind: kind.clone(),
            proposed_by: found.link.created_by.clone(),
            at: context.now,
        })
        .effect(Effect::Send {
            to: to_network(&network),
            reply: messages::representative_link_used(context.language, &person(&names, &user)),
            reply_to: None,
        })
        .effect(Effect::Send {
            to: to_network(&network),
            reply: proposal_prompt(
                context.bot,
                context.language,
                &network,
                &names,
                number,
                &found.link.created_by,
                &kind,
            )
            .await?,
            reply_to: None,
        });
        ask_to_decide(&mut plan, &network, number, context.language);
        return Ok(plan);
    }
    let announcement = Effect::Send {
        to: to_network(&network),
        reply: messages::link_used(
            context.language,
            &Person::new(user.clone(), None),
            &found.link.role,
        ),
        reply_to: None,
    };
    invite(
        &context,
        &network,
        &mut plan,
        &user,
        &found.link.role,
        announcement,
    );
    Ok(plan)
}

/// An invite link asked for directly (the client, or a representative): it goes to the
/// asker's private chat, never into the network room.
pub(crate) async fn make(carrying: &Carrying<'_>, role: &Role) -> Result<Plan, BotError> {
    let Carrying {
        context, network, ..
    } = *carrying;
    let Some((asker, private_chat)) = private_chat_for_link(context, &[&context.actor]).await?
    else {
        return refuse_link(context, network, &carrying.names, carrying.reply_to.clone());
    };
    let mut plan = Plan::new();
    create_link(
        context,
        network,
        &mut plan,
        role,
        (&asker, &private_chat),
        (&carrying.names, carrying.client_language),
        &carrying.reply_to,
    )
    .await?;
    Ok(plan)
}

pub(crate) fn revoke(carrying: &Carrying<'_>, id: &str) -> Plan {
    let Carrying {
        context, network, ..
    } = *carrying;
    let mut plan = Plan::new();
    plan.changes.extend(consequences::link_revoked(
        network,
        &context.actor,
        id,
        context.now,
    ));
    carrying.say(
        &mut plan,
        messages::link_revoked(carrying.client_language, id),
    );
    plan
}
