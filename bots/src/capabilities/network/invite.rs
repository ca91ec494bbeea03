//! `!uitnodigen`: the client (or representative) invites someone straight away.

use super::*;

pub(crate) async fn directly(
    carrying: &Carrying<'_>,
    user: &MatrixId,
    role: &Role,
) -> Result<Plan, BotError> {
    let Carrying {
        context, network, ..
    } = *carrying;
    if account_exists(context.bot, user).await? == Some(false) {
        return refuse_unknown(context, network, user, carrying.reply_to.clone());
    }
    let announcement = carrying.notice(messages::invited(
        carrying.client_language,
        &person(&carrying.names, user),
        role,
    ));
    let mut plan = Plan::new();
    invite(context, network, &mut plan, user, role, announcement);
    Ok(plan)
}

pub(crate) fn refuse_unknown(
    context: &Context<'_>,
    network: &Network,
    user: &MatrixId,
    reply_to: Option<OwnedEventId>,
) -> Result<Plan, BotError> {
    let reply = messages::invite_failed(context.language, user);
    match reply_to {
        Some(_) => context.answer(reply),
        None => Ok(Plan::reply(to_network(network), reply, None)),
    }
}

/// Invites `user` with `role`, saying `announcement` in the network room first: a message
/// encrypted while the invitee could already join would reach them without its key ("unable to
/// decrypt"), so nothing about an invite is said after it goes out.
pub(crate) fn invite(
    context: &Context<'_>,
    network: &Network,
    plan: &mut Plan,
    user: &MatrixId,
    role: &Role,
    announcement: Effect,
) {
    plan.changes.extend(consequences::invited(
        network,
        &context.actor,
        user,
        role,
        context.now,
    ));
    plan.effect(announcement).effect(Effect::Invite {
        network_id: network.id.clone(),
        user: user.clone(),
        if_unknown: messages::invite_failed(context.language, user),
    });
    if *role == Role::Representative {
        plan.effect(Effect::SetPowerLevel {
            network_id: network.id.clone(),
            user: user.clone(),
            level: 100,
        });
    }
}
