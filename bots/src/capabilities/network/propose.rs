//! A professional (or carer) proposes a change the client decides on: a new member, a link,
//! someone's removal. The client gets a one-tap prompt.

use super::*;

pub(crate) async fn propose(carrying: &Carrying<'_>, kind: ProposalKind) -> Result<Plan, BotError> {
    let Carrying {
        context, network, ..
    } = *carrying;
    if let ProposalKind::Invite { user, .. } = &kind
        && account_exists(context.bot, user).await? == Some(false)
    {
        return refuse_unknown(context, network, user, carrying.reply_to.clone());
    }
    let mut plan = Plan::new();
    let number = network.next_proposal_number();
    plan.changes.extend(consequences::proposed(
        network,
        &context.actor,
        &kind,
        context.now,
    ));
    let prompt = proposal_prompt(
        context.bot,
        carrying.client_language,
        network,
        &carrying.names,
        number,
        &context.actor,
        &kind,
    )
    .await?;
    carrying.say(&mut plan, prompt);
    ask_to_decide(&mut plan, network, number, carrying.client_language);
    Ok(plan)
}
