//! Reconciliation: after every start and every hour, each network room's current state as the
//! homeserver has it (membership, power levels, the room's settings) goes through the inbox
//! again, event by event. An event the bot already took in is there under its id and changes
//! nothing; one it never saw (the sync missed it, state resolution replaced what it saw, the
//! store was restored from an older backup) is judged by the same handlers as any other, so a
//! member nobody admitted is removed and a changed power level is put back. No second rule
//! decides what the room should look like.

use crate::sync::{ingest_event, sleep_or_shutdown};
use crate::{Bot, BotError};
use futures_util::StreamExt;
use matrix_sdk::deserialized_responses::TimelineEvent;
use matrix_sdk::ruma::RoomId;
use matrix_sdk::ruma::api::client::state::get_state_events;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tracing::{Instrument, info, info_span, warn};

pub(crate) const EVERY: Duration = Duration::from_secs(3600);
/// How often the open networks are checked for a room the bot is no longer in: a cheap look at
/// the bot's own view, so the alert comes (and clears) within minutes rather than an hour.
const MISSING_ROOMS_EVERY: Duration = Duration::from_secs(300);
/// Rooms asked about at the same time: enough that a thousand rooms take seconds, few enough
/// that the homeserver does not notice.
const ROOMS_AT_ONCE: usize = 4;

/// Waits for the first sync of this start to be in the inbox, then reconciles every network
/// room, and again every `EVERY`; looks for networks the bot is no longer in every
/// `MISSING_ROOMS_EVERY`; until shutdown.
pub(crate) async fn run(bot: Arc<Bot>, mut shutdown: watch::Receiver<bool>) {
    let syncs_before = bot.metrics.syncs.get();
    while bot.metrics.syncs.get() == syncs_before {
        if sleep_or_shutdown(&mut shutdown, Duration::from_millis(200)).await {
            return;
        }
    }
    let mut last_full: Option<std::time::Instant> = None;
    loop {
        if last_full.is_none_or(|at| at.elapsed() >= EVERY) {
            let checked = all_rooms(&bot).await;
            info!(
                rooms = checked,
                "reconciled the network rooms with the homeserver"
            );
            last_full = Some(std::time::Instant::now());
        }
        if let Err(error) = networks_without_the_bot(&bot).await {
            warn!(%error, "reconcile: could not list the open networks; next time");
            bot.metrics.reconcile_failures.inc();
        }
        if let Err(error) = crate::capabilities::refresh_figures(&bot).await {
            warn!(%error, "could not count the figures for the region; next time");
        }
        if sleep_or_shutdown(&mut shutdown, MISSING_ROOMS_EVERY).await {
            return;
        }
    }
}

/// Reconciles every network room the bot is in; returns how many it could check. A room that
/// fails is logged and counted, and checked again next time.
pub(crate) async fn all_rooms(bot: &Bot) -> usize {
    let rooms = bot.client.joined_rooms();
    futures_util::stream::iter(rooms)
        .map(|room| async move {
            let room_id = room.room_id().to_owned();
            match bot.store.network_by_room(room_id.as_str()).await {
                Ok(Some(_)) => {}
                Ok(None) => return false,
                Err(error) => {
                    warn!(%room_id, %error, "reconcile: could not tell whether this is a network room");
                    bot.metrics.reconcile_failures.inc();
                    return false;
                }
            }
            match room_state(bot, &room_id)
                .instrument(info_span!("reconcile", %room_id))
                .await
            {
                Ok(()) => true,
                Err(error) => {
                    warn!(%room_id, %error, "reconcile: could not compare a network room; next time");
                    bot.metrics.reconcile_failures.inc();
                    false
                }
            }
        })
        .buffer_unordered(ROOMS_AT_ONCE)
        .filter(|checked| std::future::ready(*checked))
        .count()
        .await
}

/// Open networks whose room the bot is not joined to, raised one by one (by network id, which
/// names nobody) and counted in `kring_bot_networks_without_the_bot`; returns how many.
pub(crate) async fn networks_without_the_bot(bot: &Bot) -> Result<usize, BotError> {
    let mut missing = 0;
    for (network_id, room_id) in bot.store.open_network_rooms().await? {
        let joined = bot
            .client
            .get_room(&room_id)
            .is_some_and(|room| room.state() == matrix_sdk::RoomState::Joined);
        if !joined {
            tracing::error!(%network_id, "the bot is not in this open network's room: it can neither hear nor enforce anything there");
            missing += 1;
        }
    }
    bot.metrics.networks_without_the_bot.set(missing as i64);
    Ok(missing)
}

#[derive(Deserialize)]
struct StateEventType<'a> {
    #[serde(rename = "type", borrow)]
    event_type: &'a str,
}

/// Whether a state event is one the network's rules judge; the rest (the create event, the
/// encryption setting the room was made with) nobody may change in a way the bot acts on.
fn is_judged(event_type: &str) -> bool {
    event_type == "m.room.member"
        || event_type == "m.room.power_levels"
        || kring_core::room_state::is_network_room_setting(event_type)
}

/// One room's current state, through the inbox: what is already there is left alone.
async fn room_state(bot: &Bot, room_id: &RoomId) -> Result<(), BotError> {
    let request = get_state_events::v3::Request::new(room_id.to_owned());
    let response = bot.client.send(request).await?;
    let mut new = 0;
    for raw in response.room_state {
        let judged = serde_json::from_str::<StateEventType<'_>>(raw.json().get())
            .is_ok_and(|fields| is_judged(fields.event_type));
        if !judged {
            continue;
        }
        let event = TimelineEvent::from_plaintext(raw.cast_unchecked());
        if ingest_event(bot, room_id, &event).await? {
            new += 1;
        }
    }
    if new > 0 {
        info!(%room_id, new, "reconcile: the room held state the bot had not taken in");
        bot.metrics.reconciled_events.inc_by(new);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{id, mock_bot};
    use kring_core::Role;
    use kring_core::plan::Effect;
    use kring_store::{InboxKind, InboxState};
    use matrix_sdk::ruma::room_id;
    use serde_json::json;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};

    fn member(event_id: &str, user: &str, sender: &str, membership: &str) -> serde_json::Value {
        json!({ "type": "m.room.member", "event_id": event_id, "sender": sender,
            "state_key": user, "origin_server_ts": 10,
            "content": { "membership": membership } })
    }

    /// A member the sync never showed the bot (here: invited by the client through Element
    /// while the bot missed it) is found in the room's state and removed by the membership rule;
    /// what the store already agrees with changes nothing, and a second pass adds nothing.
    #[tokio::test]
    async fn a_member_the_sync_missed_is_found_and_removed_and_nothing_else_changes() {
        let mock = mock_bot().await;
        let room_id = room_id!("!network:kring.test");
        let anna = "@anna:kring.test";
        let carer = "@bert:kring.test";
        let mallory = "@mallory:kring.test";
        mock.network("n1", room_id, anna, &[(carer, Role::Carer)])
            .await;
        // The bot knows the room: it is joined.
        mock.server
            .sync_joined_room(&mock.bot.client, room_id)
            .await;
        let bot_id = mock.bot.identity.user_id.to_string();
        let state = json!([
            { "type": "m.room.create", "event_id": "$create", "sender": bot_id, "state_key": "",
              "origin_server_ts": 1, "content": { "room_version": "12" } },
            member("$bot", &bot_id, &bot_id, "join"),
            member("$anna", anna, anna, "join"),
            member("$bert", carer, carer, "join"),
            member("$mallory-invite", mallory, anna, "invite"),
        ]);
        Mock::given(method("GET"))
            .and(path(format!("/_matrix/client/v3/rooms/{room_id}/state")))
            .respond_with(ResponseTemplate::new(200).set_body_json(state))
            .mount(mock.server.server())
            .await;

        assert_eq!(
            all_rooms(&mock.bot).await,
            1,
            "the network room was compared"
        );
        let bot_name = mock.bot.identity.user_id.as_str();
        let waiting = mock
            .bot
            .store
            .inbox_in_state(bot_name, InboxState::Pending, 10)
            .await
            .unwrap();
        assert!(
            waiting
                .iter()
                .all(|entry| entry.kind == InboxKind::Membership),
            "only member events reached the inbox: {waiting:?}"
        );
        let mut removals = Vec::new();
        for entry in &waiting {
            let plan = crate::capabilities::on_entry(&mock.bot, entry)
                .await
                .expect("a membership entry is a capability's")
                .expect("planned");
            removals.extend(plan.effects.into_iter().filter_map(|effect| match effect {
                Effect::Kick { user, .. } => Some(user),
                _ => None,
            }));
        }
        assert_eq!(removals, vec![id(mallory)], "only the one nobody admitted");

        let found = mock.bot.metrics.reconciled_events.get();
        assert_eq!(all_rooms(&mock.bot).await, 1);
        assert_eq!(
            mock.bot.metrics.reconciled_events.get(),
            found,
            "a second pass finds nothing new"
        );
    }

    #[tokio::test]
    async fn a_room_the_homeserver_will_not_describe_is_counted_and_tried_again_later() {
        let mock = mock_bot().await;
        let room_id = room_id!("!network:kring.test");
        mock.network("n1", room_id, "@anna:kring.test", &[]).await;
        mock.server
            .sync_joined_room(&mock.bot.client, room_id)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/_matrix/client/v3/rooms/{room_id}/state")))
            .respond_with(
                ResponseTemplate::new(500)
                    .set_body_json(json!({ "errcode": "M_UNKNOWN", "error": "busy" })),
            )
            .mount(mock.server.server())
            .await;
        assert_eq!(all_rooms(&mock.bot).await, 0);
        assert_eq!(mock.bot.metrics.reconcile_failures.get(), 1);
    }

    /// A network whose room the bot is not in (it was removed, say) is raised; once the bot is
    /// in the room again, the count goes back to zero.
    #[tokio::test]
    async fn an_open_network_whose_room_the_bot_left_is_raised() {
        let mock = mock_bot().await;
        let room_id = room_id!("!network:kring.test");
        mock.network("n1", room_id, "@anna:kring.test", &[]).await;
        assert_eq!(networks_without_the_bot(&mock.bot).await.unwrap(), 1);
        assert_eq!(mock.bot.metrics.networks_without_the_bot.get(), 1);
        mock.server
            .sync_joined_room(&mock.bot.client, room_id)
            .await;
        assert_eq!(networks_without_the_bot(&mock.bot).await.unwrap(), 0);
        assert_eq!(mock.bot.metrics.networks_without_the_bot.get(), 0);
    }

    #[test]
    fn membership_power_levels_and_settings_are_judged_and_nothing_else() {
        assert!(is_judged("m.room.member"));
        assert!(is_judged("m.room.power_levels"));
        assert!(is_judged("m.room.join_rules"));
        assert!(is_judged("m.room.history_visibility"));
        assert!(!is_judged("m.room.create"));
        assert!(!is_judged("m.room.message"));
    }
}
