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
    super::remove::out_of_the_rooms(network, &mut plan, &actor);
    carrying.say(
        &mut plan,
        messages::left(client_language, &person(&carrying.names, &actor)),
    );
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{id, mock_bot};
    use kring_store::{InboxKind, InboxState};
    use matrix_sdk::ruma::room_id;

    /// `!verlaten` does in the rooms what a removal does: the representative's power goes, they
    /// are out of the network room, and their copies of its history are taken back.
    #[tokio::test]
    async fn leaving_takes_the_power_the_room_and_the_copies_of_history() {
        let mock = mock_bot().await;
        let room = room_id!("!network:kring.test");
        let rep = "@rita:kring.test";
        mock.network(
            "n1",
            room,
            "@anna:kring.test",
            &[(rep, Role::Representative)],
        )
        .await;
        let network = mock.bot.store.network("n1").await.unwrap().expect("stored");
        let entry = InboxEntry {
            event_id: "$leave".into(),
            room_id: room.to_string(),
            sender: rep.into(),
            kind: InboxKind::Command,
            body: "!verlaten".into(),
            encrypted_event: None,
            origin_ts: 5,
            received_at: 5,
            state: InboxState::Pending,
            attempts: 0,
            reply_event_id: None,
            answered_at: None,
        };
        let context = Context {
            bot: &mock.bot,
            entry: &entry,
            actor: id(rep),
            language: Language::Dutch,
            now: 5,
        };
        let plan = carry(&context, &network, &NetworkRequest::Leave, None)
            .await
            .expect("planned");
        let in_the_rooms: Vec<_> = plan
            .effects
            .iter()
            .filter(|effect| !matches!(effect, Effect::Send { .. }))
            .cloned()
            .collect();
        let network_id = NetworkId::parse("n1").unwrap();
        assert_eq!(
            in_the_rooms,
            [
                Effect::SetPowerLevel {
                    network_id: network_id.clone(),
                    user: id(rep),
                    level: 0
                },
                Effect::Kick {
                    network_id: network_id.clone(),
                    user: id(rep)
                },
                Effect::WithdrawHistory {
                    network_id,
                    user: id(rep)
                },
            ]
        );
        let mut after = network.clone();
        plan.changes.iter().for_each(|change| after.apply(change));
        assert_eq!(after.current_role(&id(rep)), None);
        assert!(!after.steered_by(&id(rep)));
    }
}
