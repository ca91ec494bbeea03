//! A bot on matrix-sdk's `MatrixMockServer` and a fresh SQLite store: the fast middle layer of
//! tests, between the pure rules and the end-to-end tests on a real Synapse. What the homeserver
//! answers is set per test; everything Kring does with it is the real code.

use crate::{Bot, key_queries, trust};
use kring_core::MatrixId;
use kring_core::Role;
use kring_core::network::{Membership, NetworkId, NetworkState};
use kring_core::plan::{Change, Plan};
use kring_store::{InboxEntry, InboxKind, NewInboxEntry, Store};
use matrix_sdk::ruma::RoomId;
use matrix_sdk::test_utils::mocks::MatrixMockServer;
use std::sync::Arc;
use tokio::sync::Notify;

pub(crate) struct MockBot {
    pub(crate) server: MatrixMockServer,
    pub(crate) bot: Arc<Bot>,
    _dir: tempfile::TempDir,
}

pub(crate) async fn mock_bot() -> MockBot {
    let server = MatrixMockServer::new().await;
    let client = server.client_builder().build().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::connect(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("kring.db").display()
    ))
    .await
    .expect("a fresh store");
    let lock = std::fs::File::create(dir.path().join("lock")).expect("a lock file");
    let identity = crate::BotIdentity {
        user_id: client.user_id().expect("logged in").to_owned(),
        device_id: client.device_id().expect("a device").to_owned(),
    };
    let bot = Bot {
        client: client.clone(),
        store,
        identity,
        metrics: crate::BotMetrics::unregistered(),
        wake_worker: Arc::new(Notify::new()),
        key_queries: key_queries::KeyQueries::new(client),
        fresh_store: true,
        invite_base_url: "https://kring.test/invite".into(),
        invite_link_key: vec![7; 32],
        unreadable_after: crate::DEFAULT_UNREADABLE_AFTER,
        trust_cache: trust::TrustCache::default(),
        account_lookup: None,
        clock: Arc::new(kring_core::time::SystemClock),
        calendar: kring_core::time::RegionCalendar::statutory(),
        meetings: crate::MeetingSettings::default(),
        consults: crate::ConsultSettings::default(),
        planning: tokio::sync::Mutex::new(()),
        room_guards: crate::room_guards::RoomGuards::default(),
        _state_dir_lock: lock,
    };
    MockBot {
        server,
        bot: Arc::new(bot),
        _dir: dir,
    }
}

pub(crate) fn id(user: &str) -> MatrixId {
    MatrixId::parse(user).expect("a valid Matrix ID")
}

/// A command `sender` typed in `room_id`, put into the inbox as the sync would; the entry as
/// the worker reads it.
pub(crate) async fn received_command(
    bot: &Bot,
    event_id: &str,
    room_id: &str,
    sender: &str,
    body: &str,
    origin_ts: i64,
) -> InboxEntry {
    let bot_name = bot.identity.user_id.as_str();
    let entry = NewInboxEntry {
        event_id: event_id.into(),
        room_id: room_id.into(),
        sender: sender.into(),
        kind: InboxKind::Command,
        body: Some(body.into()),
        encrypted_event: None,
        origin_ts,
    };
    bot.store
        .inbox_insert(bot_name, &entry)
        .await
        .expect("an inbox entry");
    bot.store
        .inbox_entry(bot_name, event_id)
        .await
        .expect("read back")
        .expect("in the inbox")
}

impl MockBot {
    /// A network for `client` in `room_id`, active, with `members` (user, role) joined, as the
    /// store holds it after the client accepted and the members joined.
    pub(crate) async fn network(
        &self,
        network_id: &str,
        room_id: &RoomId,
        client: &str,
        members: &[(&str, Role)],
    ) {
        let store = &self.bot.store;
        let cause = format!("$start-{room_id}");
        received_command(&self.bot, &cause, "!dm:kring.test", client, "!start", 1).await;
        let mut plan = Plan::new();
        plan.change(Change::CreateNetwork {
            network_id: NetworkId::parse(network_id).expect("a network id"),
            client: id(client),
            started_by: id(client),
            state: NetworkState::Active,
            at: 1,
        });
        for (user, role) in [(client, Role::Client)]
            .into_iter()
            .chain(members.iter().cloned())
        {
            plan.change(Change::PutMember {
                network_id: NetworkId::parse(network_id).expect("a network id"),
                user: id(user),
                role,
                membership: Membership::Joined,
                since: 1,
                added_by: id(client),
            });
        }
        store
            .apply_plan(self.bot.identity.user_id.as_str(), &cause, &plan)
            .await
            .expect("the network is stored");
        store
            .inbox_answered(self.bot.identity.user_id.as_str(), &cause, None)
            .await
            .expect("the start is answered");
        store
            .set_network_room(network_id, room_id.as_str())
            .await
            .expect("the room is recorded");
    }
}
