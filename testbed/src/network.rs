//! A client's network, ready for a test or a benchmark: a real Synapse, the bot in this
//! process, the client with their direct chat and their network room, and helpers to add members.

use crate::{
    ElementWeb, InProcessBot, Persona, ReceivedMessage, TestClient, TestSynapse, fresh_sqlite_url,
};
use anyhow::{Result, ensure};
use matrix_sdk::Room;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId};

pub struct Network {
    pub synapse: TestSynapse,
    pub bot: InProcessBot,
    pub client: TestClient,
    pub direct_chat: Room,
    pub room: Room,
    /// Served for the tests that follow a newcomer into Element.
    _element_web: Option<ElementWeb>,
    _dir: tempfile::TempDir,
}

impl Network {
    /// A client starts their network from the direct chat and accepts the invite.
    pub async fn start() -> Result<Self> {
        Self::start_with(false, None).await
    }

    /// The same, with Element Web served and the invite pages pointing at it.
    pub async fn start_beside_element_web() -> Result<Self> {
        Self::start_with(true, None).await
    }

    /// The same, the bot reading the time from a clock the test moves.
    pub async fn start_with_clock(
        clock: std::sync::Arc<dyn kring_core::time::Clock>,
    ) -> Result<Self> {
        Self::start_with(false, Some(clock)).await
    }

    async fn start_with(
        serve_element_web: bool,
        clock: Option<std::sync::Arc<dyn kring_core::time::Clock>>,
    ) -> Result<Self> {
        let synapse = TestSynapse::start().await?;
        let dir = tempfile::tempdir()?;
        let database = fresh_sqlite_url(dir.path());
        let (bot, element_web) = if serve_element_web {
            let element_web = ElementWeb::serve(&synapse).await?;
            let bot =
                InProcessBot::start_beside_element_web(&synapse, &database, &element_web).await?;
            (bot, Some(element_web))
        } else if let Some(clock) = clock {
            (
                InProcessBot::start_with_clock(&synapse, &database, clock).await?,
                None,
            )
        } else {
            (InProcessBot::start(&synapse, &database).await?, None)
        };
        let ClientNetwork {
            client,
            direct_chat,
            room,
        } = ClientNetwork::open(&synapse, &bot).await?;
        Ok(Self {
            synapse,
            bot,
            client,
            direct_chat,
            room,
            _element_web: element_web,
            _dir: dir,
        })
    }

    /// The bot's SQLite database and its journal, as they lie on disk.
    pub fn database_bytes(&self) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        for name in ["kring.db", "kring.db-wal"] {
            let path = self._dir.path().join(name);
            if path.exists() {
                bytes.extend(std::fs::read(path)?);
            }
        }
        anyhow::ensure!(!bytes.is_empty(), "no database files");
        Ok(bytes)
    }

    pub fn room_id(&self) -> OwnedRoomId {
        self.room.room_id().to_owned()
    }

    /// The client invites a new person with `role`; they accept and are welcomed.
    pub async fn add(&self, persona: Persona, role: &str) -> Result<TestClient> {
        add_member(
            &self.synapse,
            &self.bot,
            &self.client,
            &self.room,
            persona,
            role,
        )
        .await
    }
}

/// Another client's network on a bot that runs already: for tests and benchmarks with many.
pub struct ClientNetwork {
    pub client: TestClient,
    pub direct_chat: Room,
    pub room: Room,
}

impl ClientNetwork {
    /// A new client starts their network from the direct chat, accepts it and is welcomed.
    pub async fn open(synapse: &TestSynapse, bot: &InProcessBot) -> Result<Self> {
        let account = synapse.register(Persona::Client).await?;
        let client = TestClient::login(&synapse.base_url(), &account).await?;
        let direct_chat = client.open_direct_chat(&bot.user_id).await?;
        let started = ask(&client, &direct_chat, "!start").await?;
        ensure!(
            started.body.contains("Uw netwerk is gemaakt"),
            "!start answered {:?}",
            started.body
        );
        let room_id = client.wait_for_any_invite().await?;
        let room = client.accept_invite(&room_id).await?;
        let welcome = wait_for_bot(&client, bot, &room_id, "Dit is uw netwerk").await?;
        ensure!(welcome.was_encrypted, "the welcome is encrypted");
        Ok(Self {
            client,
            direct_chat,
            room,
        })
    }

    pub async fn add(
        &self,
        synapse: &TestSynapse,
        bot: &InProcessBot,
        persona: Persona,
        role: &str,
    ) -> Result<TestClient> {
        add_member(synapse, bot, &self.client, &self.room, persona, role).await
    }
}

/// `client` invites a new person with `role` into `room`; they accept and are welcomed.
async fn add_member(
    synapse: &TestSynapse,
    bot: &InProcessBot,
    client: &TestClient,
    room: &Room,
    persona: Persona,
    role: &str,
) -> Result<TestClient> {
    let room_id = room.room_id().to_owned();
    let account = synapse.register(persona).await?;
    let member = TestClient::login(&synapse.base_url(), &account).await?;
    let reply = ask(
        client,
        room,
        &format!("!uitnodigen {} {role}", account.user_id),
    )
    .await?;
    ensure!(
        reply.body.contains("Ik heb"),
        "the invitation answered {:?}",
        reply.body
    );
    // The invite itself carries a one-line explanation; it is not encrypted, so it names
    // nobody.
    let reason = member.invite_reason(&room_id).await?;
    ensure!(
        reason.as_deref() == Some(kring_core::messages::INVITE_REASON),
        "the invite's reason is {reason:?}"
    );
    member.accept_invite(&room_id).await?;
    let welcome = wait_for_bot(&member, bot, &room_id, "Welkom").await?;
    ensure!(welcome.was_encrypted, "the welcome is encrypted");
    Ok(member)
}

pub async fn ask(member: &TestClient, room: &Room, text: &str) -> Result<ReceivedMessage> {
    let event_id: OwnedEventId = member.send_text(room, text).await?;
    member.wait_for_reply_to(&event_id).await
}

pub async fn wait_for_bot(
    member: &TestClient,
    bot: &InProcessBot,
    room_id: &OwnedRoomId,
    text: &str,
) -> Result<ReceivedMessage> {
    member
        .wait_for(&format!("the bot saying {text:?}"), |m| {
            m.sender.as_str() == bot.user_id && &m.room_id == room_id && m.body.contains(text)
        })
        .await
}

/// The moment polls of a meeting the bot suggested (three), in `room_id` as `member` sees them,
/// in order, once all are there.
pub async fn moment_polls(
    member: &TestClient,
    room_id: &matrix_sdk::ruma::RoomId,
) -> Result<Vec<crate::ReceivedPoll>> {
    member
        .wait_for_poll("the third moment's poll", |poll| {
            poll.room_id == room_id && poll.question.starts_with("Moment 3:")
        })
        .await?;
    let mut polls: Vec<crate::ReceivedPoll> = member
        .polls()
        .into_iter()
        .filter(|poll| poll.room_id == room_id && poll.question.starts_with("Moment "))
        .collect();
    polls.sort_by(|a, b| a.question.cmp(&b.question));
    Ok(polls)
}
