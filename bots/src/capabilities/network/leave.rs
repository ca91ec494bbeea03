//! `!verlaten`: a member leaves the network themselves.

use super::*;

pub(crate) async fn leave(carrying: &Carrying<'_>) -> Result<Plan, BotError> {
    let Carrying {
        context,
        network,
        client_language,
        ..
    } = *carrying;
    let actor = context.actor.clone();
    let mut plan = Plan::new();
    lapse_proposals_of(
        context.bot,
        network,
        &mut plan,
        &actor,
        context.now,
        client_language,
    )
    .await?;
    plan.changes
        .extend(consequences::left(network, &actor, context.now));
    if network.current_role(&actor) == Some(&Role::Representative) {
        plan.effect(Effect::SetPowerLevel {
            network_id: network.id.clone(),
            user: actor.clone(),
            level: 0,
        });
    }
    plan.effect(Effect::Kick {
        network_id: network.id.clone(),
        user: actor.clone(),
    });
    carrying.say(
        &mut plan,
        messages::left(client_language, &person(&carrying.names, &actor)),
    );
    Ok(plan)
}
