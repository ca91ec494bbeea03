//! Room settings and power levels changed around the bot: put back.

use super::*;

/// A room setting of a network room changed by someone other than the bot (the client in
/// Element, a representative, a stolen token): put back, told to the network, logged. A room
/// upgrade cannot be put back: the bot stays in this room, does not follow, and says so.
pub(crate) async fn on_room_setting(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let Some(network) = bot.store.network_by_room(&entry.room_id).await? else {
        return Ok(Plan::new());
    };
    let Ok(body) = serde_json::from_str::<serde_json::Value>(&entry.body) else {
        return Ok(Plan::new());
    };
    let Some(event_type) = body["type"].as_str() else {
        return Ok(Plan::new());
    };
    // Any tombstone, whatever it names (or nothing): Element closes the room for writing.
    let upgrade = event_type == kring_core::room_state::TOMBSTONE;
    if !upgrade && kring_core::room_state::keeps_setting(event_type, &body["content"]) {
        return Ok(Plan::new());
    }
    let context = Context {
        bot,
        entry,
        actor: sender(entry)?,
        language: language_of(bot, &network.client).await?,
        now: entry.origin_ts,
    };
    let names = people(bot, &network, &[&context.actor]).await?;
    let who = person(&names, &context.actor);
    let mut plan = Plan::new();
    if upgrade {
        plan.change(context.log_object(
            &network,
            AuditAction::RoomRefuseUpgrade,
            None,
            Outcome::Refused,
        ))
        .effect(Effect::Send {
            to: to_network(&network),
            reply: messages::upgrade_refused(context.language, &who),
            reply_to: None,
        });
        return Ok(plan);
    }
    undo_setting(&context, &mut plan, &network, &who, event_type);
    Ok(plan)
}

/// Puts a network room's setting back, tells the network who changed it, and logs it.
pub(crate) fn undo_setting(
    context: &Context<'_>,
    plan: &mut Plan,
    network: &Network,
    who: &Person,
    event_type: &str,
) {
    plan.change(context.log_object(
        network,
        AuditAction::RoomUndoSetting,
        Some(event_type.to_owned()),
        Outcome::Undone,
    ))
    .effect(Effect::RestoreRoomSetting {
        network_id: network.id.clone(),
        event_type: event_type.to_owned(),
    })
    .effect(Effect::Send {
        to: to_network(network),
        reply: messages::setting_restored(context.language, who, event_type),
        reply_to: None,
    });
}

/// Power levels changed in a network room by someone other than the bot (the client can do so
/// in Element): take back any power the rules do not give, and put back every other field.
pub(crate) async fn on_power_levels(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let Some(network) = bot.store.network_by_room(&entry.room_id).await? else {
        return Ok(Plan::new());
    };
    let Ok(body) = serde_json::from_str::<serde_json::Value>(&entry.body) else {
        return Ok(Plan::new());
    };
    // Entries stored by an older version hold only `users`.
    let content = body.get("content");
    let users = content.map_or(&body["users"], |content| &content["users"]);
    let levels: Vec<(MatrixId, i64)> = users
        .as_object()
        .map(|users| {
            users
                .iter()
                .filter_map(|(user, level)| Some((MatrixId::parse(user).ok()?, level.as_i64()?)))
                .collect()
        })
        .unwrap_or_default();
    let settings_turned = content.is_some_and(|content| {
        !kring_core::room_state::keeps_setting(kring_core::room_state::POWER_LEVELS, content)
    });
    let context = Context {
        bot,
        entry,
        actor: sender(entry)?,
        language: language_of(bot, &network.client).await?,
        now: entry.origin_ts,
    };
    let excess = network::unapproved_power(&network, &context.bot_id(), &levels);
    if excess.is_empty() && !settings_turned {
        return Ok(Plan::new());
    }
    let names = people(
        bot,
        &network,
        &excess.iter().chain([&context.actor]).collect::<Vec<_>>(),
    )
    .await?;
    let mut plan = Plan::new();
    for user in &excess {
        plan.change(context.log(
            &network,
            AuditAction::PowerUndoUnapproved,
            Some(user),
            Outcome::Undone,
        ))
        .effect(Effect::SetPowerLevel {
            network_id: network.id.clone(),
            user: user.clone(),
            level: 0,
        });
    }
    if settings_turned {
        let who = person(&names, &context.actor);
        undo_setting(
            &context,
            &mut plan,
            &network,
            &who,
            kring_core::room_state::POWER_LEVELS,
        );
    }
    if !excess.is_empty() {
        let who: Vec<Person> = excess.iter().map(|user| person(&names, user)).collect();
        plan.effect(Effect::Send {
            to: to_network(&network),
            reply: messages::power_undone(context.language, &who, &person(&names, &network.client)),
            reply_to: None,
        });
    }
    Ok(plan)
}
