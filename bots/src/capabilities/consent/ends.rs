//! Consent that ends on its date.

use super::*;

/// A member's consent to be in the chat ended by its date: unless a newer grant lets them stay,
/// the bot removes them, as the client decided when giving it.
/// An entry an older version's consent sweep wrote (`body` the kind's code): handled as the
/// timer that replaced the sweep.
pub(crate) async fn on_consent_expired(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let Some(network) = bot.store.network_by_room(&entry.room_id).await? else {
        return Ok(Plan::new());
    };
    let kind = InfoKind::from_code(&entry.body).ok_or_else(|| {
        BotError::Plan(format!(
            "an ended consent of an unknown kind {:?}",
            entry.body
        ))
    })?;
    let ends = consent::GrantEnds {
        network_id: network.id,
        grant_id: entry
            .event_id
            .trim_start_matches("kring-consent-ended-")
            .to_owned(),
        user: sender(entry)?,
        kind,
    };
    on_grant_ends(bot, entry, ends).await
}

/// A grant with an end date reached it: unless it was renewed (or the member left), the member
/// leaves the chat or stops reading what was said before, and the network hears it.
pub(crate) async fn on_grant_ends(
    bot: &Bot,
    entry: &InboxEntry,
    ends: consent::GrantEnds,
) -> Result<Plan, BotError> {
    let Some(network) = bot.store.network(&ends.network_id).await? else {
        return Ok(Plan::new());
    };
    let user = ends.user;
    let kind = ends.kind;
    let now = bot.clock.now_millis();
    let current = bot.store.consent(&network.id).await?;
    let subject = Subject::Member { user: user.clone() };
    if network.current_role(&user).is_none()
        || consent::may(&network, &current, &subject, kind, now)
    {
        return Ok(Plan::new());
    }
    let bot_id = MatrixId::parse(bot.identity.user_id.as_str())
        .map_err(|_| BotError::Plan("the bot's own id".into()))?;
    let context = Context {
        bot,
        entry,
        actor: bot_id,
        language: language_of(bot, &network.client).await?,
        now,
    };
    let mut plan = Plan::new();
    plan.change(context.log(
        &network,
        AuditAction::ConsentEnd(kind),
        Some(&user),
        Outcome::Done,
    ));
    if kind == InfoKind::PastHistory {
        plan.effect(Effect::WithdrawHistory {
            network_id: network.id.clone(),
            user,
        });
        return Ok(plan);
    }
    remove(&context, &network, &mut plan, &user);
    lapse_proposals_of(
        bot,
        &network,
        &mut plan,
        &user,
        context.now,
        context.language,
    )
    .await?;
    let names = people(bot, &network, &[&user]).await?;
    plan.effect(Effect::Send {
        to: to_network(&network),
        reply: messages::removed(context.language, &person(&names, &user)),
        reply_to: None,
    });
    Ok(plan)
}
