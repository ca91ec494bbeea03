//! A command whose room key reaches the bot after the message itself is still answered; one
//! whose key never comes is not lost in silence.

use anyhow::{Result, bail};
use kring_store::{InboxState, Store};
use kring_testbed::{BotProcess, HoldingProxy, Persona, TestClient, TestSynapse};
use std::time::{Duration, Instant};

/// A member in a direct chat with the real bot process (configured with `extra_toml`), talking
/// to Synapse through a pass-through that can hold back their room keys. One command is answered
/// first, so the chat and its first room key are known to work.
struct ChatWithHeldKeys {
    _synapse: TestSynapse,
    bot: BotProcess,
    proxy: HoldingProxy,
    member: TestClient,
    room: matrix_sdk::Room,
}

impl ChatWithHeldKeys {
    async fn start(extra_toml: &str) -> Result<Self> {
        let synapse = TestSynapse::start().await?;
        let bot = BotProcess::start_configured(
            std::path::Path::new(env!("CARGO_BIN_EXE_kring")),
            &synapse,
            extra_toml,
        )
        .await?;
        let proxy = HoldingProxy::start(&synapse.base_url()).await?;
        let member =
            TestClient::login(&proxy.url, &synapse.register(Persona::Client).await?).await?;
        let room = member.open_direct_chat(&bot.user_id).await?;
        let first = member.send_text(&room, "!status").await?;
        member.wait_for_reply_to(&first).await?;
        Ok(Self {
            _synapse: synapse,
            bot,
            proxy,
            member,
            room,
        })
    }

    /// A new room key, held back on its way; the messages after it go through.
    async fn hold_the_next_key(&self) -> Result<()> {
        self.proxy.hold_to_device();
        self.room.discard_room_key().await?;
        Ok(())
    }
}

#[tokio::test]
async fn a_command_whose_room_key_comes_late_waits_for_it_and_is_then_answered() -> Result<()> {
    let chat = ChatWithHeldKeys::start("").await?;
    let (bot, proxy, member, room) = (&chat.bot, &chat.proxy, &chat.member, &chat.room);
    chat.hold_the_next_key().await?;
    let late = member.send_text(room, "!help").await?;

    // The bot has the message but cannot read it: it waits in the inbox, unanswered.
    let store = Store::connect(&bot.database_url).await?;
    let started = Instant::now();
    loop {
        match store.inbox_entry(&bot.user_id, late.as_str()).await? {
            Some(entry) if entry.state == InboxState::AwaitingKey => break,
            Some(entry) => bail!(
                "the command should wait for its key, but is {:?}",
                entry.state
            ),
            None if started.elapsed() > Duration::from_secs(60) => {
                bail!("the bot never stored the command")
            }
            None => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        member.replies_to(&late).is_empty(),
        "no answer without the key"
    );

    // The key arrives; the bot decrypts the waiting command and answers it, once.
    proxy.release_to_device();
    let reply = member.wait_for_reply_to(&late).await?;
    assert!(reply.body.contains("!status"), "{}", reply.body);
    let history = member.replies_in_history(room).await?;
    assert_eq!(history.get(&late), Some(&1));
    Ok(())
}

/// A room key that never comes: after the configured wait the bot says in the room, naming the
/// sender, that it could not read a message and asks for it again. A key that turns up after
/// that changes nothing: the sender was told to send it again, so answering would do it twice.
#[tokio::test]
async fn a_message_whose_key_never_comes_is_not_lost_in_silence() -> Result<()> {
    let chat = ChatWithHeldKeys::start("unreadable_after_secs = 2").await?;
    let (bot, proxy, member, room) = (&chat.bot, &chat.proxy, &chat.member, &chat.room);
    chat.hold_the_next_key().await?;
    let lost = member.send_text(room, "!help").await?;
    let notice = member
        .wait_for("the bot saying it could not read a message", |message| {
            message.sender.as_str() == bot.user_id && message.body.contains("niet lezen")
        })
        .await?;
    assert!(
        notice.body.contains(member.user_id().localpart()) && notice.body.contains("nog een keer"),
        "{}",
        notice.body
    );
    let store = Store::connect(&bot.database_url).await?;
    let entry = store
        .inbox_entry(&bot.user_id, lost.as_str())
        .await?
        .expect("the message is in the inbox");
    assert_eq!(entry.state, InboxState::Answered);
    assert_eq!(entry.encrypted_event, None, "no ciphertext kept");

    // The key turns up after all: the message stays unanswered.
    proxy.release_to_device();
    let after = member.send_text(room, "!status").await?;
    member.wait_for_reply_to(&after).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(member.replies_to(&lost).is_empty(), "answered after all");
    Ok(())
}

/// A command whose key comes late is judged like any other once it can be read: sent from a
/// device its owner never confirmed, it is refused (the path that decrypts waiting commands
/// checks the sender's device as the sync does).
#[tokio::test]
async fn a_late_command_from_an_unconfirmed_device_is_refused_when_it_can_be_read() -> Result<()> {
    let chat = ChatWithHeldKeys::start("").await?;
    let (bot, proxy, member, room) = (&chat.bot, &chat.proxy, &chat.member, &chat.room);
    let other_device = TestClient::login_unconfirmed(&proxy.url, &member.account).await?;
    let other_room = other_device.room(room.room_id())?;
    proxy.hold_to_device();
    other_room.discard_room_key().await?;
    let late = other_device.send_text(&other_room, "!help").await?;
    let store = Store::connect(&bot.database_url).await?;
    let started = Instant::now();
    while !matches!(
        store.inbox_entry(&bot.user_id, late.as_str()).await?,
        Some(entry) if entry.state == InboxState::AwaitingKey
    ) {
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the command never waited for its key");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    proxy.release_to_device();
    // The answer is the refusal, readable on the device the member did confirm.
    let refusal = member.wait_for_reply_to(&late).await?;
    assert!(
        refusal.body.contains("niet uitgevoerd")
            && refusal
                .body
                .contains("apparaat dat u nog niet hebt bevestigd"),
        "{}",
        refusal.body
    );
    assert!(
        !refusal.body.contains("!status"),
        "the help was given to an unconfirmed device"
    );
    Ok(())
}
