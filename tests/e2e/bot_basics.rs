use anyhow::Result;
use kring_testbed::{InProcessBot, Persona, TestClient, TestSynapse, fresh_sqlite_url};
use matrix_sdk::ruma::OwnedEventId;

struct Setup {
    _synapse: TestSynapse,
    bot: InProcessBot,
    member: TestClient,
    room: matrix_sdk::Room,
    _dir: tempfile::TempDir,
}

async fn direct_chat_with_bot() -> Result<Setup> {
    let synapse = TestSynapse::start().await?;
    let dir = tempfile::tempdir()?;
    let bot = InProcessBot::start(&synapse, &fresh_sqlite_url(dir.path())).await?;
    let account = synapse.register(Persona::Client).await?;
    let member = TestClient::login(&synapse.base_url(), &account).await?;
    let room = member.open_direct_chat(&bot.user_id).await?;
    Ok(Setup {
        _synapse: synapse,
        bot,
        member,
        room,
        _dir: dir,
    })
}

async fn command(setup: &Setup, text: &str) -> Result<kring_testbed::ReceivedMessage> {
    let event_id: OwnedEventId = setup.member.send_text(&setup.room, text).await?;
    setup.member.wait_for_reply_to(&event_id).await
}

#[tokio::test]
async fn help_in_an_encrypted_direct_chat_is_answered_and_decrypted_by_the_member() -> Result<()> {
    let setup = direct_chat_with_bot().await?;
    assert!(
        setup.room.latest_encryption_state().await?.is_encrypted(),
        "the direct chat must be encrypted"
    );

    let greeting = setup
        .member
        .wait_for("the bot's greeting", |m| {
            m.sender.as_str() == setup.bot.user_id
        })
        .await?;
    assert!(greeting.body.contains("versleuteld"), "{}", greeting.body);
    assert!(greeting.was_encrypted);

    let help = command(&setup, "!help").await?;
    assert!(help.was_encrypted, "the reply must arrive encrypted");
    assert_eq!(help.sender.as_str(), setup.bot.user_id);
    assert!(
        help.body.contains("!status") && help.body.contains("encrypted"),
        "{}",
        help.body
    );
    assert!(
        help.formatted_body
            .as_deref()
            .is_some_and(|html| html.contains("<code>!status</code>"))
    );

    // The bot's device is cross-signed by its own identity, so Element shows no warning on it.
    let bot_user = matrix_sdk::ruma::UserId::parse(&setup.bot.user_id)?;
    let devices = setup
        .member
        .client
        .encryption()
        .get_user_devices(&bot_user)
        .await?;
    let devices: Vec<_> = devices.devices().collect();
    assert!(!devices.is_empty(), "the member must know the bot's device");
    assert!(
        devices
            .iter()
            .all(|device| device.is_cross_signed_by_owner()),
        "every bot device is cross-signed"
    );

    let hulp = command(&setup, "!hulp").await?;
    assert!(hulp.body.contains("versleuteld"), "{}", hulp.body);

    let status = command(&setup, "!status").await?;
    assert!(status.body.contains("Kring werkt."), "{}", status.body);
    assert!(
        status.body.contains("server bereikbaar: ja") && status.body.contains("opslag in orde: ja"),
        "{}",
        status.body
    );
    setup.bot.stop().await
}

#[tokio::test]
async fn unknown_commands_chat_and_over_long_messages_get_clear_answers() -> Result<()> {
    let setup = direct_chat_with_bot().await?;

    let unknown = command(&setup, "!afspraak morgen").await?;
    assert!(
        unknown
            .body
            .contains("Die opdracht ken ik niet: !afspraak."),
        "{}",
        unknown.body
    );
    assert!(unknown.body.contains("!hulp"));

    let chat = command(&setup, "Hallo, wie ben jij?").await?;
    assert!(chat.body.contains("uitroepteken"), "{}", chat.body);

    // As long as the homeserver lets through in an encrypted room, far past the command limit.
    let long = command(&setup, &format!("!help {}", "x".repeat(40 * 1024))).await?;
    assert!(long.body.contains("te lang"), "{}", long.body);

    // A 64 KiB message cannot even be sent: encrypted it exceeds Matrix's 64 KiB event limit,
    // so the homeserver refuses it to the sender and the bot never sees it.
    let refused = setup
        .member
        .send_text(&setup.room, &format!("!help {}", "x".repeat(64 * 1024)))
        .await;
    let error = refused
        .expect_err("a 64 KiB message must be refused by the homeserver")
        .to_string();
    assert!(
        error.contains("M_TOO_LARGE") || error.to_lowercase().contains("too large"),
        "{error}"
    );

    // And the bot carries on.
    let after = command(&setup, "!status en").await?;
    assert!(
        after.body.starts_with("Kring is working."),
        "{}",
        after.body
    );
    setup.bot.stop().await
}

#[tokio::test]
async fn a_member_can_switch_to_english_for_good() -> Result<()> {
    let setup = direct_chat_with_bot().await?;
    let switched = command(&setup, "!taal en").await?;
    assert!(switched.body.contains("English"), "{}", switched.body);
    let status = command(&setup, "!status").await?;
    assert!(
        status.body.starts_with("Kring is working."),
        "{}",
        status.body
    );
    let unknown_language = command(&setup, "!taal klingon").await?;
    assert!(
        unknown_language.body.contains("Which language"),
        "{}",
        unknown_language.body
    );
    setup.bot.stop().await
}

#[tokio::test]
async fn in_a_shared_room_only_commands_are_answered() -> Result<()> {
    let setup = direct_chat_with_bot().await?;
    // A third member makes it a shared room rather than a direct chat.
    let synapse = &setup._synapse;
    let carer_account = synapse.register(Persona::Carer).await?;
    let carer = TestClient::login(&synapse.base_url(), &carer_account).await?;
    setup.room.invite_user_by_id(carer.user_id()).await?;
    carer.client.join_room_by_id(setup.room.room_id()).await?;
    setup
        .member
        .wait_until_joined(setup.room.room_id(), carer.user_id())
        .await?;

    let chat = setup
        .member
        .send_text(&setup.room, "Fijn dat je er bent!")
        .await?;
    let help = command(&setup, "!help").await?;
    assert!(help.body.contains("!status"));
    // The command sent after the chat is answered, so the chat had its chance to be answered.
    assert!(
        setup.member.replies_to(&chat).is_empty(),
        "ordinary chat in a shared room must not be answered"
    );
    // The carer reads the bot's answer too.
    carer
        .wait_for("the carer decrypting the bot's reply", |m| {
            m.event_id == help.event_id
        })
        .await?;
    setup.bot.stop().await
}

#[tokio::test]
async fn the_bot_recovers_by_itself_when_the_homeserver_restarts() -> Result<()> {
    let mut setup = direct_chat_with_bot().await?;
    command(&setup, "!status").await?;

    setup._synapse.stop().await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    setup._synapse.start_again().await?;

    let after = command(&setup, "!status en").await?;
    assert!(
        after.body.starts_with("Kring is working."),
        "{}",
        after.body
    );
    setup.bot.stop().await
}
