//! `!verwijderen`: taking someone out of the network. A professional's request becomes a
//! proposal; the client's own asks once more before it is done.

use super::*;

/// The client asked to remove someone: they confirm with one tap first.
pub(crate) fn confirm(carrying: &Carrying<'_>, user: &MatrixId) -> Plan {
    let Carrying {
        context, network, ..
    } = *carrying;
    let mut plan = Plan::new();
    let number = network.next_proposal_number();
    plan.changes.extend(consequences::removal_asked(
        network,
        &context.actor,
        user,
        context.now,
    ));
    carrying.say(
        &mut plan,
        messages::removal_prompt(context.language, number, &person(&carrying.names, user)),
    );
    ask_to_decide(&mut plan, network, number, context.language);
    plan
}

pub(crate) fn remove(context: &Context<'_>, network: &Network, plan: &mut Plan, user: &MatrixId) {
    plan.changes.extend(consequences::removed(
        network,
        &context.actor,
        user,
        context.now,
    ));
    out_of_the_rooms(network, plan, user);
}

/// What leaving the network does in the rooms, whether someone is taken out or goes by their
/// own `!verlaten`: a representative's power goes, they are out of the network room, and they
/// keep no copies of its history.
pub(crate) fn out_of_the_rooms(network: &Network, plan: &mut Plan, user: &MatrixId) {
    if network.current_role(user) == Some(&Role::Representative) {
        plan.effect(Effect::SetPowerLevel {
            network_id: network.id.clone(),
            user: user.clone(),
            level: 0,
        });
    }
    plan.effect(Effect::Kick {
        network_id: network.id.clone(),
        user: user.clone(),
    })
    .effect(Effect::WithdrawHistory {
        network_id: network.id.clone(),
        user: user.clone(),
    });
}
