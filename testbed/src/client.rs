use crate::PATIENCE;
use crate::synapse::TestAccount;
use anyhow::{Context, Result, bail};
use matrix_sdk::config::SyncSettings;
use matrix_sdk::deserialized_responses::EncryptionInfo;
use matrix_sdk::room::MessagesOptions;
use matrix_sdk::ruma::UInt;
use matrix_sdk::ruma::api::client::filter::FilterDefinition;
use matrix_sdk::ruma::api::client::sync::sync_events::v3::Filter;
use matrix_sdk::ruma::events::poll::unstable_end::OriginalSyncUnstablePollEndEvent;
use matrix_sdk::ruma::events::poll::unstable_response::UnstablePollResponseEventContent;
use matrix_sdk::ruma::events::poll::unstable_start::OriginalSyncUnstablePollStartEvent;
use matrix_sdk::ruma::events::room::encrypted::OriginalSyncRoomEncryptedEvent;
use matrix_sdk::ruma::events::room::message::{
    OriginalSyncRoomMessageEvent, Relation, RoomMessageEventContent,
};
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedUserId, RoomId, UserId};
use matrix_sdk::{Client, Room};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::sync::Notify;

/// A decrypted message as a test client saw it.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    pub room_id: OwnedRoomId,
    pub event_id: OwnedEventId,
    pub sender: OwnedUserId,
    pub body: String,
    pub formatted_body: Option<String>,
    pub in_reply_to: Option<OwnedEventId>,
    /// Whether it arrived encrypted and was decrypted by this client.
    pub was_encrypted: bool,
    /// An attachment (`m.file`), to fetch with [`TestClient::download`].
    pub file: Option<matrix_sdk::ruma::events::room::message::FileMessageEventContent>,
    /// When this client's sync handed it over, for the benchmarks' timings.
    pub arrived_at: Instant,
}

/// A poll (MSC3381) as a test client saw it, decrypted.
#[derive(Debug, Clone)]
pub struct ReceivedPoll {
    pub room_id: OwnedRoomId,
    pub event_id: OwnedEventId,
    pub sender: OwnedUserId,
    pub question: String,
    /// (answer id, answer text), in order.
    pub answers: Vec<(String, String)>,
    /// Whether its sender has ended it since.
    pub ended: bool,
}

impl ReceivedPoll {
    /// The id of the answer whose text contains `text`.
    pub fn answer_containing(&self, text: &str) -> Option<String> {
        self.answers
            .iter()
            .find(|(_, answer)| answer.contains(text))
            .map(|(id, _)| id.clone())
    }
}

/// A real matrix-sdk client with end-to-end encryption and its own crypto store, syncing in the
/// background and remembering every message it could decrypt.
pub struct TestClient {
    pub client: Client,
    pub account: TestAccount,
    received: Arc<Mutex<Vec<ReceivedMessage>>>,
    polls: Arc<Mutex<Vec<ReceivedPoll>>>,
    undecryptable: Arc<Mutex<Vec<(OwnedRoomId, OwnedEventId)>>>,
    arrived: Arc<Notify>,
    sync: tokio::task::JoinHandle<()>,
    _dir: TempDir,
}

impl Drop for TestClient {
    fn drop(&mut self) {
        self.sync.abort();
    }
}

impl TestClient {
    /// Signs in a new device that its owner cross-signs, as Element does for its own.
    pub async fn login(homeserver_url: &str, account: &TestAccount) -> Result<Self> {
        Self::login_device(homeserver_url, account, true).await
    }

    /// Signs in another device of `account` with the password alone, which its owner never
    /// confirms: what someone who learnt the password can do.
    pub async fn login_unconfirmed(homeserver_url: &str, account: &TestAccount) -> Result<Self> {
        Self::login_device(homeserver_url, account, false).await
    }

    async fn login_device(
        homeserver_url: &str,
        account: &TestAccount,
        cross_signed: bool,
    ) -> Result<Self> {
        let dir = tempfile::Builder::new().prefix("kring-client-").tempdir()?;
        let client = Client::builder()
            .homeserver_url(homeserver_url)
            .sqlite_store(dir.path(), None)
            .build()
            .await?;
        client
            .matrix_auth()
            .login_username(&account.username, &account.password)
            .await?;
        // A person's device is cross-signed by its owner, as Element does for its own; else
        // Element shows a red shield on everything this person writes.
        if cross_signed {
            kring_bots::bootstrap_cross_signing(
                &client,
                &kring_bots::BotCredentials {
                    username: account.username.clone(),
                    password: account.password.clone(),
                },
                kring_bots::ExistingIdentity::Keep,
            )
            .await?;
        }
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        {
            let received = received.clone();
            let arrived = arrived.clone();
            client.add_event_handler(
                move |event: OriginalSyncRoomMessageEvent,
                      room: Room,
                      encryption: Option<EncryptionInfo>| {
                    let received = received.clone();
                    let arrived = arrived.clone();
                    async move {
                        let in_reply_to = match &event.content.relates_to {
                            Some(Relation::Reply(reply)) => {
                                Some(reply.in_reply_to.event_id.clone())
                            }
                            _ => None,
                        };
                        let formatted_body = match &event.content.msgtype {
                            matrix_sdk::ruma::events::room::message::MessageType::Notice(
                                notice,
                            ) => notice.formatted.as_ref().map(|f| f.body.clone()),
                            matrix_sdk::ruma::events::room::message::MessageType::Text(text) => {
                                text.formatted.as_ref().map(|f| f.body.clone())
                            }
                            _ => None,
                        };
                        let file = match &event.content.msgtype {
                            matrix_sdk::ruma::events::room::message::MessageType::File(file) => {
                                Some(file.clone())
                            }
                            _ => None,
                        };
                        received
                            .lock()
                            .expect("not poisoned")
                            .push(ReceivedMessage {
                                room_id: room.room_id().to_owned(),
                                event_id: event.event_id.clone(),
                                sender: event.sender.clone(),
                                body: event.content.body().to_owned(),
                                formatted_body,
                                in_reply_to,
                                was_encrypted: encryption.is_some(),
                                file,
                                arrived_at: Instant::now(),
                            });
                        arrived.notify_waiters();
                    }
                },
            );
        }
        let polls: Arc<Mutex<Vec<ReceivedPoll>>> = Arc::new(Mutex::new(Vec::new()));
        {
            let polls = polls.clone();
            let arrived = arrived.clone();
            client.add_event_handler(
                move |event: OriginalSyncUnstablePollStartEvent, room: Room| {
                    let polls = polls.clone();
                    let arrived = arrived.clone();
                    async move {
                        let start = event.content.poll_start();
                        polls.lock().expect("not poisoned").push(ReceivedPoll {
                            room_id: room.room_id().to_owned(),
                            event_id: event.event_id.clone(),
                            sender: event.sender.clone(),
                            question: start.question.text.clone(),
                            answers: start
                                .answers
                                .iter()
                                .map(|answer| (answer.id.clone(), answer.text.clone()))
                                .collect(),
                            ended: false,
                        });
                        arrived.notify_waiters();
                    }
                },
            );
        }
        {
            let polls = polls.clone();
            let arrived = arrived.clone();
            client.add_event_handler(move |event: OriginalSyncUnstablePollEndEvent| {
                let polls = polls.clone();
                let arrived = arrived.clone();
                async move {
                    let started = &event.content.relates_to.event_id;
                    for poll in polls.lock().expect("not poisoned").iter_mut() {
                        if &poll.event_id == started && poll.sender == event.sender {
                            poll.ended = true;
                        }
                    }
                    arrived.notify_waiters();
                }
            });
        }
        let undecryptable = Arc::new(Mutex::new(Vec::new()));
        {
            let undecryptable = undecryptable.clone();
            // The SDK hands an encrypted event to this handler only when it could not decrypt it.
            client.add_event_handler(move |event: OriginalSyncRoomEncryptedEvent, room: Room| {
                let undecryptable = undecryptable.clone();
                async move {
                    undecryptable
                        .lock()
                        .expect("not poisoned")
                        .push((room.room_id().to_owned(), event.event_id));
                }
            });
        }
        // Synapse's default of 10 timeline events per room loses events in bursts (DESIGN.md,
        // known traps); a test client must not miss what it is there to check.
        let mut filter = FilterDefinition::default();
        filter.room.timeline.limit = Some(UInt::from(1000u32));
        let filter = Filter::FilterDefinition(filter);
        client
            .sync_once(SyncSettings::new().filter(filter.clone()))
            .await?;
        let sync_client = client.clone();
        let sync = tokio::spawn(async move {
            // Its own loop of `sync_once` rather than `Client::sync`, which sleeps a second
            // whenever two syncs come less than a second apart: a test client (and the echo
            // that is the benchmark's floor) must see events when they arrive. Keeps syncing
            // through homeserver restarts.
            loop {
                let settings = SyncSettings::new()
                    .filter(filter.clone())
                    .timeout(Duration::from_secs(10));
                if sync_client.sync_once(settings).await.is_err() {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
        Ok(Self {
            client,
            account: account.clone(),
            received,
            polls,
            undecryptable,
            arrived,
            sync,
            _dir: dir,
        })
    }

    /// Cross-signs every other device of this account, as a person does when they confirm a
    /// new device in Element with one they already trust. Returns how many it signed.
    pub async fn confirm_my_other_devices(&self) -> Result<usize> {
        let own = self.user_id().to_owned();
        // A fresh look at the account's devices, including one that signed in a moment ago.
        self.client.encryption().request_user_identity(&own).await?;
        let devices = self.client.encryption().get_user_devices(&own).await?;
        let mut signed = 0;
        for device in devices.devices() {
            if !device.is_cross_signed_by_owner() {
                device.verify().await?;
                signed += 1;
            }
        }
        Ok(signed)
    }

    pub fn user_id(&self) -> &UserId {
        self.client.user_id().expect("logged in")
    }

    /// Opens an encrypted direct chat with `other` and waits until they have joined.
    pub async fn open_direct_chat(&self, other: &str) -> Result<Room> {
        let other = UserId::parse(other)?;
        let room = self.client.create_dm(&other).await?;
        self.wait_until_joined(room.room_id(), &other).await?;
        Ok(room)
    }

    /// Opens an encrypted direct chat with another test client, which accepts the invite.
    pub async fn open_direct_chat_with(&self, other: &TestClient) -> Result<Room> {
        let room = self.client.create_dm(other.user_id()).await?;
        let started = Instant::now();
        while let Err(error) = other.client.join_room_by_id(room.room_id()).await {
            if started.elapsed() > PATIENCE {
                bail!("{} could not join: {error}", other.user_id());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.wait_until_joined(room.room_id(), other.user_id())
            .await?;
        Ok(room)
    }

    pub async fn wait_until_joined(&self, room_id: &RoomId, user: &UserId) -> Result<()> {
        let started = Instant::now();
        loop {
            if let Some(room) = self.client.get_room(room_id) {
                // This client's own join shows in the room's state as soon as its sync has it;
                // someone else's in their member event.
                let own_join =
                    user == self.user_id() && room.state() == matrix_sdk::RoomState::Joined;
                let member_joined = matches!(
                    room.get_member_no_sync(user).await,
                    Ok(Some(member)) if *member.membership()
                        == matrix_sdk::ruma::events::room::member::MembershipState::Join
                );
                if own_join || member_joined {
                    return Ok(());
                }
            }
            if started.elapsed() > PATIENCE {
                // Say what the server has, so a failure tells a slow sync from a removal.
                let on_server = self.server_membership(room_id, user).await.ok().flatten();
                bail!(
                    "{user} did not join {room_id} in time (the server has them as {on_server:?})"
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for an invite to `room_id` and accepts it.
    pub async fn accept_invite(&self, room_id: &RoomId) -> Result<Room> {
        let started = Instant::now();
        loop {
            if let Some(room) = self.client.get_room(room_id)
                && room.state() == matrix_sdk::RoomState::Invited
            {
                room.join().await?;
                self.wait_until_joined(room_id, self.user_id()).await?;
                return self.room(room_id);
            }
            if started.elapsed() > PATIENCE {
                bail!("{} got no invite to {room_id}", self.user_id());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The reason given with this client's pending invite to `room_id` (waits for the invite).
    pub async fn invite_reason(&self, room_id: &RoomId) -> Result<Option<String>> {
        let started = Instant::now();
        loop {
            if let Some(room) = self.client.get_room(room_id)
                && room.state() == matrix_sdk::RoomState::Invited
            {
                // The room can show as invited a moment before its member event is stored.
                match room.invite_details().await {
                    Ok(details) => {
                        use matrix_sdk::deserialized_responses::MemberEvent;
                        return Ok(match details.invitee.event().as_ref() {
                            MemberEvent::Sync(event) => event
                                .as_original()
                                .and_then(|event| event.content.reason.clone()),
                            MemberEvent::Stripped(event) => event.content.reason.clone(),
                        });
                    }
                    Err(error) if started.elapsed() > PATIENCE => return Err(error.into()),
                    Err(_) => {}
                }
            }
            if started.elapsed() > PATIENCE {
                bail!("{} got no invite to {room_id}", self.user_id());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until this client has an invite to any room, and returns that room's id.
    pub async fn wait_for_any_invite(&self) -> Result<OwnedRoomId> {
        let started = Instant::now();
        loop {
            if let Some(room) = self.client.invited_rooms().into_iter().next() {
                return Ok(room.room_id().to_owned());
            }
            if started.elapsed() > PATIENCE {
                bail!("{} got no invite", self.user_id());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether `user` is invited to or in `room_id`, as this client sees it now.
    pub async fn is_in_room(&self, room_id: &RoomId, user: &UserId) -> Result<bool> {
        use matrix_sdk::ruma::events::room::member::MembershipState;
        let room = self.room(room_id)?;
        Ok(room.get_member_no_sync(user).await?.is_some_and(|member| {
            matches!(
                member.membership(),
                MembershipState::Invite | MembershipState::Join
            )
        }))
    }

    /// Waits until `user` is neither invited to nor in `room_id`, as this client sees it.
    pub async fn wait_until_out(&self, room_id: &RoomId, user: &UserId) -> Result<()> {
        let started = Instant::now();
        while self.is_in_room(room_id, user).await? {
            if started.elapsed() > PATIENCE {
                bail!("{user} is still in {room_id}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// `user`'s membership in `room_id` as the server's current state has it (`None`: none).
    /// A client's own view can lag, or keep an invite that lost in state resolution.
    pub async fn server_membership(
        &self,
        room_id: &RoomId,
        user: &UserId,
    ) -> Result<Option<String>> {
        use matrix_sdk::ruma::api::client::state::get_state_event_for_key;
        use matrix_sdk::ruma::events::StateEventType;
        let request = get_state_event_for_key::v3::Request::new(
            room_id.to_owned(),
            StateEventType::RoomMember,
            user.to_string(),
        );
        match self.client.send(request).await {
            Ok(response) => {
                let content: serde_json::Value =
                    serde_json::from_str(response.event_or_content.get())?;
                Ok(content["membership"].as_str().map(str::to_owned))
            }
            Err(error)
                if error
                    .as_client_api_error()
                    .is_some_and(|e| e.status_code.as_u16() == 404) =>
            {
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Waits until the server has `user` neither invited to nor in `room_id`.
    pub async fn wait_until_out_on_server(&self, room_id: &RoomId, user: &UserId) -> Result<()> {
        let started = Instant::now();
        loop {
            let membership = self.server_membership(room_id, user).await?;
            if !matches!(membership.as_deref(), Some("invite" | "join" | "knock")) {
                return Ok(());
            }
            if started.elapsed() > PATIENCE {
                bail!("{user} is still {membership:?} in {room_id} on the server");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Reacts to `event_id` with `key` (✅ or ❌ on a bot prompt).
    pub async fn react(
        &self,
        room: &Room,
        event_id: &OwnedEventId,
        key: &str,
    ) -> Result<OwnedEventId> {
        use matrix_sdk::ruma::events::reaction::ReactionEventContent;
        use matrix_sdk::ruma::events::relation::Annotation;
        let content = ReactionEventContent::new(Annotation::new(event_id.clone(), key.to_owned()));
        Ok(room.send(content).await?.response.event_id)
    }

    pub fn room(&self, room_id: &RoomId) -> Result<Room> {
        self.client
            .get_room(room_id)
            .context("the client does not know this room")
    }

    pub async fn send_text(&self, room: &Room, body: &str) -> Result<OwnedEventId> {
        Ok(room
            .send(RoomMessageEventContent::text_plain(body))
            .await?
            .response
            .event_id)
    }

    /// Events this client received but could not decrypt when they arrived.
    pub fn undecryptable(&self) -> Vec<OwnedEventId> {
        self.undecryptable
            .lock()
            .expect("not poisoned")
            .iter()
            .map(|(_, event)| event.clone())
            .collect()
    }

    /// Events that arrived undecryptable and still cannot be decrypted after `patience`, each
    /// described (sender, megolm session, time) for the failure message. A room key may travel
    /// a moment behind its message (Element shows "waiting for this message" meanwhile), so an
    /// event only counts once the key had time to come; a key that was never shared stays.
    pub async fn still_unreadable(&self, patience: Duration) -> Result<Vec<String>> {
        let deadline = Instant::now() + patience;
        loop {
            let recorded = self.undecryptable.lock().expect("not poisoned").clone();
            let mut unreadable = Vec::new();
            for (room_id, event_id) in recorded {
                let room = self.room(&room_id)?;
                let event = room.event(&event_id, None).await?;
                if event.encryption_info().is_none() {
                    let json: serde_json::Value = serde_json::from_str(event.raw().json().get())?;
                    let reason = match &event.kind {
                        matrix_sdk::deserialized_responses::TimelineEventKind::UnableToDecrypt {
                            utd_info,
                            ..
                        } => format!("{:?}", utd_info.reason),
                        _ => "not encrypted".to_owned(),
                    };
                    unreadable.push(format!(
                        "{event_id} in {room_id} from {} (session {}, ts {}): {reason}",
                        json["sender"], json["content"]["session_id"], json["origin_server_ts"]
                    ));
                }
            }
            if unreadable.is_empty() || Instant::now() >= deadline {
                return Ok(unreadable);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// How many replies each event has in `room`'s whole history, read back page by page
    /// with `/messages` and decrypted: the ground truth, independent of what sync delivered.
    pub async fn replies_in_history(
        &self,
        room: &Room,
    ) -> Result<std::collections::HashMap<OwnedEventId, usize>> {
        let mut counts = std::collections::HashMap::new();
        for json in self.history(room).await? {
            if let Some(target) =
                json["content"]["m.relates_to"]["m.in_reply_to"]["event_id"].as_str()
            {
                *counts.entry(OwnedEventId::try_from(target)?).or_insert(0) += 1;
            }
        }
        Ok(counts)
    }

    /// Every event of `room`'s whole history as JSON, newest first, read back page by page with
    /// `/messages` and decrypted where this client can.
    pub async fn history(&self, room: &Room) -> Result<Vec<serde_json::Value>> {
        let mut events = Vec::new();
        let mut from: Option<String> = None;
        loop {
            let mut options = MessagesOptions::backward();
            options.from = from.clone();
            options.limit = UInt::from(100u32);
            let page = room.messages(options).await?;
            for event in &page.chunk {
                events.push(serde_json::from_str(event.raw().json().get())?);
            }
            match page.end {
                Some(end) if !page.chunk.is_empty() => from = Some(end),
                _ => return Ok(events),
            }
        }
    }

    /// Every message received so far.
    /// An attachment's bytes, fetched from the media store and decrypted when it was sent
    /// encrypted.
    pub async fn download(
        &self,
        file: &matrix_sdk::ruma::events::room::message::FileMessageEventContent,
    ) -> Result<Vec<u8>> {
        self.client
            .media()
            .get_file(file, false)
            .await?
            .context("the attachment has no content")
    }

    pub fn received(&self) -> Vec<ReceivedMessage> {
        self.received.lock().expect("not poisoned").clone()
    }

    pub fn replies_to(&self, event_id: &OwnedEventId) -> Vec<ReceivedMessage> {
        self.received()
            .into_iter()
            .filter(|m| m.in_reply_to.as_ref() == Some(event_id))
            .collect()
    }

    /// Waits for the first message matching `wanted`, up to `PATIENCE`.
    pub async fn wait_for(
        &self,
        what: &str,
        wanted: impl Fn(&ReceivedMessage) -> bool,
    ) -> Result<ReceivedMessage> {
        self.wait_for_within(what, PATIENCE, wanted).await
    }

    pub async fn wait_for_within(
        &self,
        what: &str,
        limit: Duration,
        wanted: impl Fn(&ReceivedMessage) -> bool,
    ) -> Result<ReceivedMessage> {
        let started = Instant::now();
        loop {
            let notified = self.arrived.notified();
            if let Some(found) = self.received().into_iter().find(|m| wanted(m)) {
                return Ok(found);
            }
            let Some(left) = limit.checked_sub(started.elapsed()) else {
                bail!("timed out waiting for {what}");
            };
            let _ = tokio::time::timeout(left.min(Duration::from_millis(500)), notified).await;
        }
    }

    pub fn polls(&self) -> Vec<ReceivedPoll> {
        self.polls.lock().expect("not poisoned").clone()
    }

    /// Waits until a poll that `wanted` accepts has arrived (decrypted).
    pub async fn wait_for_poll(
        &self,
        what: &str,
        wanted: impl Fn(&ReceivedPoll) -> bool,
    ) -> Result<ReceivedPoll> {
        let started = Instant::now();
        loop {
            let notified = self.arrived.notified();
            if let Some(found) = self.polls().into_iter().find(|p| wanted(p)) {
                return Ok(found);
            }
            let Some(left) = PATIENCE.checked_sub(started.elapsed()) else {
                bail!(
                    "timed out waiting for {what}; polls seen: {:#?}",
                    self.polls()
                );
            };
            let _ = tokio::time::timeout(left.min(Duration::from_millis(500)), notified).await;
        }
    }

    /// Votes in a poll, as Element does when someone taps an answer.
    pub async fn vote(&self, room: &Room, poll: &OwnedEventId, answer_id: &str) -> Result<()> {
        room.send(UnstablePollResponseEventContent::new(
            vec![answer_id.to_owned()],
            poll.clone(),
        ))
        .await?;
        Ok(())
    }

    pub async fn wait_for_reply_to(&self, event_id: &OwnedEventId) -> Result<ReceivedMessage> {
        self.wait_for(&format!("a reply to {event_id}"), |m| {
            m.in_reply_to.as_ref() == Some(event_id)
        })
        .await
    }
}
