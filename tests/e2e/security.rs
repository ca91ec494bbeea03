//! Attacks on the client's say over their network, each tried against a real Synapse with real
//! end-to-end encryption: an invite link read by a member it was not for, a command without
//! encryption (what a stolen access token can send), a look-alike history room, and a device
//! someone signed in on with the password alone.

use crate::networks::{Network, ask, open_poll, room_membership, wait_for_bot};
use anyhow::{Context, Result};
use kring_testbed::{Persona, TestClient};
use matrix_sdk::deserialized_responses::{TimelineEventKind, UnableToDecryptReason, WithheldCode};
use matrix_sdk::ruma::api::client::message::send_message_event;
use matrix_sdk::ruma::api::client::room::create_room;
use matrix_sdk::ruma::api::client::state::get_state_event_for_key;
use matrix_sdk::ruma::events::StateEventType;
use matrix_sdk::ruma::events::room::message::RoomMessageEventContent;
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedRoomId, TransactionId, UserId};

/// Waits until `reader`'s device is told the bot withheld the key of `event_id` from it as
/// "unverified" (not a key that is merely late), and checks it never read the event.
async fn withheld_from(
    reader: &TestClient,
    room_id: &matrix_sdk::ruma::RoomId,
    event_id: &matrix_sdk::ruma::EventId,
) -> Result<()> {
    let started = std::time::Instant::now();
    loop {
        let seen = reader.room(room_id)?.event(event_id, None).await?;
        assert!(
            seen.encryption_info().is_none(),
            "{} read {event_id}",
            reader.user_id()
        );
        if let TimelineEventKind::UnableToDecrypt { utd_info, .. } = &seen.kind
            && let UnableToDecryptReason::MissingMegolmSession {
                withheld_code: Some(code),
            } = &utd_info.reason
        {
            assert_eq!(*code, WithheldCode::Unverified);
            return Ok(());
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the bot never said it withheld {event_id} from {}",
            reader.user_id()
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// The newest event the bot sent in `room_id` after `after`, as `reader` sees it (read or not).
async fn newest_from_bot(
    reader: &TestClient,
    network: &Network,
    room_id: &matrix_sdk::ruma::RoomId,
    after: matrix_sdk::ruma::MilliSecondsSinceUnixEpoch,
) -> Result<matrix_sdk::ruma::OwnedEventId> {
    let started = std::time::Instant::now();
    loop {
        let room = reader.room(room_id)?;
        let page = room
            .messages(matrix_sdk::room::MessagesOptions::backward())
            .await?;
        for event in page.chunk {
            let raw = event.raw();
            let sender = raw.get_field::<String>("sender")?;
            let at =
                raw.get_field::<matrix_sdk::ruma::MilliSecondsSinceUnixEpoch>("origin_server_ts")?;
            if sender.as_deref() == Some(network.bot.user_id.as_str())
                && at.is_some_and(|at| at >= after)
                && let Some(event_id) = event.event_id()
            {
                return Ok(event_id);
            }
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the bot said nothing in {room_id}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// What the client reads in the network's log (shown only in their private chat).
async fn logbook(network: &Network) -> Result<String> {
    Ok(ask(&network.client, &network.direct_chat, "!logboek")
        .await?
        .body)
}

#[tokio::test]
async fn an_invite_link_is_shown_only_to_whoever_asked_for_it() -> Result<()> {
    let network = Network::start().await?;
    let carer = network.add(Persona::Carer, "mantelzorger").await?;
    let reply = ask(
        &network.client,
        &network.direct_chat,
        "!link vertegenwoordiger",
    )
    .await?;
    assert!(
        reply.body.contains(&network.bot.bridge_url),
        "the asker gets the link: {}",
        reply.body
    );
    let announced = wait_for_bot(
        &carer,
        &network.bot,
        &network.room_id(),
        "uitnodigingslink gemaakt",
    )
    .await?;
    assert!(
        announced.body.contains("vertegenwoordiger") && !announced.body.contains("http"),
        "{}",
        announced.body
    );
    // Everything the member could decrypt, in every room they are in.
    assert!(
        carer
            .received()
            .iter()
            .all(|message| !message.body.contains(&network.bot.bridge_url)),
        "a member read an invite link that was not theirs"
    );
    // Nor does the database hold the secret anywhere (the outbox row of the message that showed
    // it included): only its hash.
    let url = crate::networks::link_in(&reply)?;
    let secret = url.rsplit('/').next().context("the secret")?;
    let stored = network.database_bytes()?;
    assert!(
        !stored
            .windows(secret.len())
            .any(|window| window == secret.as_bytes()),
        "the invite link's secret is stored"
    );
    Ok(())
}

#[tokio::test]
async fn a_command_sent_without_encryption_changes_nothing() -> Result<()> {
    let network = Network::start().await?;
    let stranger = network.synapse.register(Persona::Carer).await?;
    let stranger_id = UserId::parse(&stranger.user_id)?;
    // What an access token without the device's keys can send: a plain `m.room.message` in the
    // encrypted network room, from the client's own account.
    let content = RoomMessageEventContent::text_plain(format!(
        "!uitnodigen {} mantelzorger",
        stranger.user_id
    ));
    let request =
        send_message_event::v3::Request::new(network.room_id(), TransactionId::new(), &content)?;
    network.client.client.send(request).await?;

    let refused = wait_for_bot(
        &network.client,
        &network.bot,
        &network.direct_chat.room_id().to_owned(),
        "niet versleuteld",
    )
    .await?;
    assert!(refused.was_encrypted, "{}", refused.body);
    assert_eq!(
        room_membership(&network.client, &network.room_id(), &stranger_id).await?,
        None,
        "a plaintext command invited someone"
    );
    let log = logbook(&network).await?;
    assert!(
        log.contains("probeerde iets te veranderen met een onversleuteld bericht"),
        "{log}"
    );
    // The same command, encrypted from the client's confirmed device, works.
    let invited = ask(
        &network.client,
        &network.room,
        &format!("!uitnodigen {} mantelzorger", stranger.user_id),
    )
    .await?;
    assert!(invited.body.contains("Ik heb"), "{}", invited.body);
    let invitee = TestClient::login(&network.synapse.base_url(), &stranger).await?;
    assert_eq!(invitee.wait_for_any_invite().await?, network.room_id());
    Ok(())
}

#[tokio::test]
async fn a_device_its_owner_did_not_confirm_changes_nothing() -> Result<()> {
    let network = Network::start().await?;
    let stranger = network.synapse.register(Persona::Carer).await?;
    let stranger_id = UserId::parse(&stranger.user_id)?;
    // Someone who learnt the client's password signs in on a device of their own.
    let intruder =
        TestClient::login_unconfirmed(&network.synapse.base_url(), &network.client.account).await?;
    let intruder_room = intruder.room(&network.room_id())?;
    let command = format!("!uitnodigen {} mantelzorger", stranger.user_id);
    intruder.send_text(&intruder_room, &command).await?;

    // The client hears of it on their own device, in their private chat.
    let warned = wait_for_bot(
        &network.client,
        &network.bot,
        &network.direct_chat.room_id().to_owned(),
        "apparaat dat u nog niet hebt bevestigd",
    )
    .await?;
    assert!(warned.body.contains("Was u het niet?"), "{}", warned.body);
    assert_eq!(
        room_membership(&network.client, &network.room_id(), &stranger_id).await?,
        None,
        "an unconfirmed device invited someone"
    );
    let log = logbook(&network).await?;
    assert!(
        log.contains("probeerde iets te veranderen vanaf een apparaat dat niet bevestigd is"),
        "{log}"
    );
    // From the device the client confirmed, the same command works.
    let invited = ask(&network.client, &network.room, &command).await?;
    assert!(invited.body.contains("Ik heb"), "{}", invited.body);

    // The bot gives its room keys only to devices their owner signed: the intruder's device
    // can read neither the warning nor what the bot says in the network room, and it is told
    // so (the key withheld as "unverified"), which is not a matter of the key being late.
    for (room_id, event_id) in [
        (network.direct_chat.room_id(), &warned.event_id),
        (network.room.room_id(), &invited.event_id),
    ] {
        withheld_from(&intruder, room_id, event_id).await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_look_alike_history_room_gets_no_copies() -> Result<()> {
    let network = Network::start().await?;
    let carer = network.add(Persona::Carer, "mantelzorger").await?;
    let said = network
        .client
        .send_text(&network.room, "Het gesprek met de psychiater was zwaar")
        .await?;
    carer
        .wait_for("the message before the newcomer", |m| m.event_id == said)
        .await?;
    let gp_account = network.synapse.register(Persona::Professional).await?;

    // The carer reads the network's id from the room state and makes a room of their own that
    // claims to be the newcomer's history room, marked as a direct chat, and invites the bot.
    let tag = carer
        .client
        .send(get_state_event_for_key::v3::Request::new(
            network.room_id(),
            StateEventType::from("org.kring.network"),
            String::new(),
        ))
        .await?;
    let tag: serde_json::Value = serde_json::from_str(tag.event_or_content.get())?;
    let network_id = tag["network_id"]
        .as_str()
        .context("the network id in the room state")?
        .to_owned();
    let mut request = create_room::v3::Request::new();
    request.is_direct = true;
    request.invite = vec![UserId::parse(&network.bot.user_id)?];
    request.initial_state = vec![
        Raw::new(&serde_json::json!({
            "type": "org.kring.history",
            "state_key": "",
            "content": { "network_id": network_id, "member": gp_account.user_id },
        }))?
        .cast_unchecked(),
    ];
    let look_alike: OwnedRoomId = carer
        .client
        .create_room(request)
        .await?
        .room_id()
        .to_owned();

    // The client invites the newcomer and lets them read the history.
    let gp = TestClient::login(&network.synapse.base_url(), &gp_account).await?;
    let invited = ask(
        &network.client,
        &network.room,
        &format!(
            "!uitnodigen {} huisarts Praktijk De Linde",
            gp_account.user_id
        ),
    )
    .await?;
    assert!(invited.body.contains("Ik heb"), "{}", invited.body);
    gp.accept_invite(&network.room_id()).await?;
    wait_for_bot(&gp, &network.bot, &network.room_id(), "Welkom").await?;
    let given = ask(
        &network.client,
        &network.direct_chat,
        &format!("!toestemming {} geschiedenis ja", gp_account.user_id),
    )
    .await?;
    assert!(
        given.body.contains("mag nu geschiedenis zien"),
        "{}",
        given.body
    );

    // The real member gets the copies, in a room the bot made for them alone.
    let history_room_id = gp.wait_for_any_invite().await?;
    assert_ne!(history_room_id, look_alike);
    let history_room = gp.accept_invite(&history_room_id).await?;
    let create = history_room.create_content().context("create event")?;
    assert_eq!(create.creator.as_str(), network.bot.user_id);
    wait_for_bot(
        &gp,
        &network.bot,
        &history_room_id,
        "Het gesprek met de psychiater was zwaar",
    )
    .await?;
    // Every copy went there, and the carer's room got nothing of it.
    let gp_id = kring_core::MatrixId::parse(&gp_account.user_id)?;
    let copies = network
        .bot
        .store
        .shared_history(&network_id, &gp_id)
        .await?;
    assert!(!copies.is_empty());
    assert!(
        copies
            .iter()
            .all(|(room_id, _)| room_id == history_room_id.as_str()),
        "{copies:?}"
    );
    assert!(
        carer
            .received()
            .iter()
            .all(|message| message.room_id != look_alike || !message.body.contains("psychiater")),
        "the bot copied the network's history into a member's own room"
    );
    Ok(())
}

#[tokio::test]
async fn new_security_keys_pause_steering_until_the_administrator_confirms() -> Result<()> {
    let network = Network::start().await?;
    // The client's first steering command pins the identity the bot sees for them.
    ask(&network.client, &network.room, "!netwerk").await?;

    // The client loses their recovery key and starts anew on a new phone: a new identity, which
    // signs the new device. To the bot that looks exactly like someone taking the account over.
    let account = &network.client.account;
    let new_phone = TestClient::login_unconfirmed(&network.synapse.base_url(), account).await?;
    kring_bots::bootstrap_cross_signing(
        &new_phone.client,
        &kring_bots::BotCredentials {
            username: account.username.clone(),
            password: account.password.clone(),
        },
        kring_bots::ExistingIdentity::Replace,
    )
    .await?;
    let stranger = network.synapse.register(Persona::Carer).await?;
    let stranger_id = UserId::parse(&stranger.user_id)?;
    let command = format!("!uitnodigen {} mantelzorger", stranger.user_id);
    let room = new_phone.room(&network.room_id())?;
    let sent_at = matrix_sdk::ruma::MilliSecondsSinceUnixEpoch::now();
    new_phone.send_text(&room, &command).await?;
    // The bot answers in the private chat, but with keys the administrator has not confirmed
    // the new phone reads nothing the bot says: someone who reset the client's keys with the
    // password alone learns nothing from the bot either.
    let paused =
        newest_from_bot(&new_phone, &network, network.direct_chat.room_id(), sent_at).await?;
    withheld_from(&new_phone, network.direct_chat.room_id(), &paused).await?;
    let refusal_logged = network
        .bot
        .store
        .audit_entries(None)
        .await?
        .into_iter()
        .any(|entry| entry.event_type == "input.changed_identity");
    assert!(refusal_logged, "the refused attempt is in the log");
    assert_eq!(
        room_membership(&new_phone, &network.room_id(), &stranger_id).await?,
        None,
        "a changed identity steered"
    );

    // The administrator sees who is paused and, having checked it is them, confirms (what
    // `kring user confirm-identity` does).
    let client_id = kring_core::MatrixId::parse(&account.user_id)?;
    let paused_people = network.bot.store.changed_identities().await?;
    let (_, new_key, _) = paused_people
        .iter()
        .find(|(user, _, _)| user == &account.user_id)
        .context("the client is listed as paused")?;
    let shown = new_phone
        .client
        .encryption()
        .get_user_identity(new_phone.user_id())
        .await?
        .and_then(|identity| identity.master_key().get_first_key())
        .context("the new phone's identity")?
        .to_base64();
    assert_eq!(
        new_key, &shown,
        "the administrator compares the key the person has"
    );
    assert!(
        network
            .bot
            .store
            .confirm_identity(&client_id, new_key)
            .await?
    );
    wait_for_bot(
        &new_phone,
        &network.bot,
        &network.direct_chat.room_id().to_owned(),
        "Ik voer opdrachten van dat account weer uit",
    )
    .await?;
    let invited = ask(&new_phone, &room, &command).await?;
    assert!(invited.body.contains("Ik heb"), "{}", invited.body);
    let log = ask(
        &new_phone,
        &new_phone.room(network.direct_chat.room_id())?,
        "!logboek",
    )
    .await?
    .body;
    assert!(
        log.contains("probeerde iets te veranderen met beveiligingssleutels die veranderd zijn")
            && log.contains("de beheerder ging na"),
        "{log}"
    );
    Ok(())
}

/// The client's keys reset by someone with the password, who then only reads: the bot notices
/// the new identity before it next speaks in the network, shares nothing with it, lists it for
/// the administrator and logs it, without waiting for a command from it.
#[tokio::test]
async fn a_steerers_reset_keys_are_noticed_before_the_bot_speaks() -> Result<()> {
    let network = Network::start().await?;
    let carer = network.add(Persona::Carer, "mantelzorger").await?;
    let account = &network.client.account;
    let reader = TestClient::login_unconfirmed(&network.synapse.base_url(), account).await?;
    kring_bots::bootstrap_cross_signing(
        &reader.client,
        &kring_bots::BotCredentials {
            username: account.username.clone(),
            password: account.password.clone(),
        },
        kring_bots::ExistingIdentity::Replace,
    )
    .await?;
    let started = std::time::Instant::now();
    loop {
        ask(&carer, &carer.room(&network.room_id())?, "!netwerk").await?;
        if network
            .bot
            .store
            .changed_identities()
            .await?
            .iter()
            .any(|(user, _, _)| user == &account.user_id)
        {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the client's new keys were never noticed"
        );
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    // Logged by the worker right after the send that noticed it.
    let started = std::time::Instant::now();
    while !network
        .bot
        .store
        .audit_entries(None)
        .await?
        .into_iter()
        .any(|entry| entry.event_type == "identity.changed")
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the change is in the log"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let next = ask(&carer, &carer.room(&network.room_id())?, "!netwerk").await?;
    withheld_from(&reader, network.room.room_id(), &next.event_id).await?;
    Ok(())
}

/// `kring user changed-identities` and `kring user confirm-identity` as the region's
/// administrator runs them.
#[tokio::test]
async fn the_administrator_confirms_new_keys_from_the_command_line() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let database_url = kring_testbed::fresh_sqlite_url(dir.path());
    let store = kring_store::Store::connect(&database_url).await?;
    let anna = kring_core::MatrixId::parse("@anna:kring.test")?;
    store.check_identity(&anna, "key-1").await?;
    store.check_identity(&anna, "key-2").await?;
    let url_file = dir.path().join("database-url");
    std::fs::write(&url_file, &database_url)?;
    let config = dir.path().join("kring.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\ndatabase_url_file = {:?}\nserver_name = \"kring.test\"\n",
            dir.path().display().to_string(),
            url_file.display().to_string()
        ),
    )?;
    let kring = |args: &[&str]| -> Result<(bool, String)> {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_kring"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()?;
        Ok((
            output.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        ))
    };
    let (ok, listed) = kring(&["user", "changed-identities"])?;
    assert!(
        ok && listed.contains("@anna:kring.test") && listed.contains("key key-2"),
        "{listed}"
    );
    let (ok, wrong) = kring(&["user", "confirm-identity", "anna", "--key", "key-3"])?;
    assert!(!ok && wrong.contains("no new security keys"), "{wrong}");
    let (ok, confirmed) = kring(&["user", "confirm-identity", "anna", "--key", "key-2"])?;
    assert!(ok && confirmed.contains("confirmed"), "{confirmed}");
    assert_eq!(
        store.check_identity(&anna, "key-2").await?.0,
        kring_core::trust::IdentityVerdict::Same
    );
    let (ok, again) = kring(&["user", "confirm-identity", "anna", "--key", "key-2"])?;
    assert!(!ok && again.contains("no new security keys"), "{again}");
    Ok(())
}

/// A consent poll's answer says what a tap will do ("nu niet, tik om toe te staan"). When the
/// consent changed after it was sent, the tap is refused rather than doing the opposite; a new
/// overview closes the polls of the older one. (A vote from another room is refused by Synapse
/// already, see `the_client_changes_consent_by_tapping_polls`; the bot checks the room too.)
#[tokio::test]
async fn a_consent_tap_does_only_what_its_poll_said() -> Result<()> {
    let network = Network::start().await?;
    let gp = network
        .add(Persona::Professional, "huisarts Praktijk De Linde")
        .await?;
    let gp_id = gp.user_id().to_string();
    let dm_id = network.direct_chat.room_id().to_owned();

    ask(&network.client, &network.direct_chat, "!toestemming").await?;
    let whom = open_poll(&network.client, &network.bot, &dm_id, "Over wie", &[]).await?;
    let gp_answer = whom
        .answer_containing(gp.user_id().localpart())
        .context("the GP is offered")?;
    network
        .client
        .vote(&network.direct_chat, &whom.event_id, &gp_answer)
        .await?;
    let what = open_poll(&network.client, &network.bot, &dm_id, "Wat mag", &[]).await?;
    let appointments = what
        .answer_containing("afspraken: nu niet")
        .context("appointments offered to switch on")?;

    // Meanwhile the client gives it by command; the poll still says "nu niet".
    let given = ask(
        &network.client,
        &network.direct_chat,
        &format!("!toestemming {gp_id} afspraken ja"),
    )
    .await?;
    assert!(
        given.body.contains("mag nu afspraken zien"),
        "{}",
        given.body
    );

    // The tap in the poll's own room would now withdraw: refused, with a fresh poll.
    network
        .client
        .vote(&network.direct_chat, &what.event_id, &appointments)
        .await?;
    wait_for_bot(
        &network.client,
        &network.bot,
        &dm_id,
        "Ik heb niets veranderd",
    )
    .await?;
    let fresh = open_poll(
        &network.client,
        &network.bot,
        &dm_id,
        "Wat mag",
        std::slice::from_ref(&what.event_id),
    )
    .await?;
    assert!(
        fresh.answer_containing("afspraken: nu wel").is_some(),
        "{fresh:#?}"
    );
    let network_id = network
        .bot
        .store
        .network_by_room(network.room_id().as_str())
        .await?
        .context("stored")?
        .id;
    let consent = network.bot.store.consent(&network_id).await?;
    let gp_subject = kring_core::consent::Subject::Member {
        user: kring_core::MatrixId::parse(&gp_id)?,
    };
    assert!(
        consent.holds(
            &gp_subject,
            kring_core::consent::InfoKind::Appointments,
            kring_testbed::now_millis()
        ),
        "the outdated tap withdrew what the client gave"
    );

    // A second overview closes the open poll of the first.
    ask(&network.client, &network.direct_chat, "!toestemming").await?;
    network
        .client
        .wait_for_poll("the older poll closed", |poll| {
            poll.event_id == fresh.event_id && poll.ended
        })
        .await?;
    Ok(())
}

/// A two-person room of the client and the bot is the client's private chat only if the
/// client made it: a member who makes one (say, with a public join rule, to come back later),
/// invites both and leaves gets no invite link sent there.
#[tokio::test]
async fn a_room_someone_else_made_is_never_taken_for_the_private_chat() -> Result<()> {
    let network = Network::start().await?;
    let carer = network.add(Persona::Carer, "mantelzorger").await?;
    let bot_id = UserId::parse(&network.bot.user_id)?;
    let mut request = create_room::v3::Request::new();
    request.is_direct = true;
    request.invite = vec![bot_id.clone(), network.client.user_id().to_owned()];
    let look_alike = carer.client.create_room(request).await?;
    carer
        .wait_until_joined(look_alike.room_id(), &bot_id)
        .await?;
    network.client.accept_invite(look_alike.room_id()).await?;
    look_alike.leave().await?;
    // The client's real private chat is gone, so the look-alike is the only two-person room.
    // (The answer to a command sent after both leaves shows the bot has seen them.)
    network.direct_chat.leave().await?;
    ask(&network.client, &network.room, "!netwerk").await?;

    let reply = ask(&network.client, &network.room, "!link vertegenwoordiger").await?;
    assert!(
        reply.body.contains("alleen in een privégesprek"),
        "{}",
        reply.body
    );
    let overview = ask(&network.client, &network.room, "!netwerk").await?;
    assert!(
        overview.body.contains("Open uitnodigingslinks: geen"),
        "no link was made: {}",
        overview.body
    );
    assert!(
        network
            .client
            .received()
            .iter()
            .all(|message| !message.body.contains(&network.bot.bridge_url)),
        "an invite link went to a room the client did not make"
    );
    Ok(())
}

/// Someone out of the network keeps no say in it: what they proposed lapses when they leave.
#[tokio::test]
async fn proposals_lapse_when_their_proposer_leaves() -> Result<()> {
    let network = Network::start().await?;
    let gp = network
        .add(Persona::Professional, "huisarts Praktijk De Linde")
        .await?;
    let newcomer = network.synapse.register(Persona::Carer).await?;
    let gp_room = gp.room(&network.room_id())?;
    let prompt = ask(
        &gp,
        &gp_room,
        &format!("!uitnodigen {} mantelzorger", newcomer.user_id),
    )
    .await?;
    assert!(prompt.body.contains("Voorstel 1"), "{}", prompt.body);
    let poll = crate::networks::proposal_poll(&network.client, &network, 1).await?;

    gp.send_text(&gp_room, "!verlaten").await?;
    wait_for_bot(
        &network.client,
        &network.bot,
        &network.room_id(),
        "Voorstel 1 is vervallen",
    )
    .await?;
    network
        .client
        .wait_for_poll("the lapsed proposal's poll closed", |closed| {
            closed.event_id == poll.event_id && closed.ended
        })
        .await?;
    let late = ask(&network.client, &network.room, "!ja 1").await?;
    assert!(late.body.contains("vervallen"), "{}", late.body);
    let newcomer_id = UserId::parse(&newcomer.user_id)?;
    assert_eq!(
        room_membership(&network.client, &network.room_id(), &newcomer_id).await?,
        None
    );
    Ok(())
}

/// The settings that decide who may enter and read, and the room's unencrypted name, are put
/// back when someone with the power to change them does (here the client, in Element's place).
#[tokio::test]
async fn room_settings_changed_around_the_bot_are_put_back() -> Result<()> {
    use matrix_sdk::ruma::events::room::history_visibility::{
        HistoryVisibility, RoomHistoryVisibilityEventContent,
    };
    use matrix_sdk::ruma::events::room::join_rules::{JoinRule, RoomJoinRulesEventContent};
    use matrix_sdk::ruma::events::room::name::RoomNameEventContent;
    let network = Network::start().await?;
    let room = &network.room;
    room.send_state_event(RoomHistoryVisibilityEventContent::new(
        HistoryVisibility::WorldReadable,
    ))
    .await?;
    room.send_state_event(RoomJoinRulesEventContent::new(JoinRule::Public))
        .await?;
    room.send_state_event(RoomNameEventContent::new(
        "Netwerk van Anna de Vries".into(),
    ))
    .await?;
    // Anyone may invite, members' messages need power nobody has, and a longer key rotation.
    let mut levels = state_of(&network, "m.room.power_levels").await?;
    levels["invite"] = 0.into();
    levels["events_default"] = 100.into();
    room.send_state_event_raw("m.room.power_levels", "", levels)
        .await?;
    room.send_state_event_raw(
        "m.room.encryption",
        "",
        serde_json::json!({
            "algorithm": "m.megolm.v1.aes-sha2",
            "rotation_period_msgs": 1_000_000
        }),
    )
    .await?;
    for what in [
        "wie eerdere berichten mag lezen",
        "wie er zonder uitnodiging binnen mag komen",
        "de naam",
        "wie wat mag doen",
        "hoe het gesprek versleuteld is",
    ] {
        wait_for_bot(&network.client, &network.bot, &network.room_id(), what).await?;
    }
    let state = |event_type| state_of(&network, event_type);
    let started = std::time::Instant::now();
    loop {
        let (history, join_rule, name, levels, encryption) = (
            state("m.room.history_visibility").await?,
            state("m.room.join_rules").await?,
            state("m.room.name").await?,
            state("m.room.power_levels").await?,
            state("m.room.encryption").await?,
        );
        if history["history_visibility"] == "joined"
            && join_rule["join_rule"] == "invite"
            && name["name"] == "Kring"
            && levels["invite"] == 100
            && levels["events_default"] == 0
            && levels["events"]["m.room.tombstone"] == 150
            && encryption == serde_json::json!({ "algorithm": "m.megolm.v1.aes-sha2" })
        {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "not put back: {history} {join_rule} {name} {levels} {encryption}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let log = logbook(&network).await?;
    assert!(
        log.contains("de bot zette een instelling van het gesprek terug"),
        "{log}"
    );
    Ok(())
}

/// A network room's state as the client's server has it.
async fn state_of(network: &Network, event_type: &str) -> Result<serde_json::Value> {
    let response = network
        .client
        .client
        .send(get_state_event_for_key::v3::Request::new(
            network.room_id(),
            StateEventType::from(event_type),
            String::new(),
        ))
        .await?;
    Ok(serde_json::from_str(response.event_or_content.get())?)
}

/// A room upgrade made from the client's account (the only one besides the bot with the power
/// to make one: a stolen token) is not followed: the bot stays in the network room, still
/// answers there, says what happened, and logs it.
#[tokio::test]
async fn a_room_upgrade_the_bot_did_not_make_is_not_followed() -> Result<()> {
    let network = Network::start().await?;
    let elsewhere = network
        .client
        .client
        .create_room(create_room::v3::Request::new())
        .await?;
    network
        .room
        .send_state_event_raw(
            "m.room.tombstone",
            "",
            serde_json::json!({
                "body": "Dit gesprek gaat verder in een nieuw gesprek",
                "replacement_room": elsewhere.room_id(),
            }),
        )
        .await?;
    wait_for_bot(
        &network.client,
        &network.bot,
        &network.room_id(),
        "ga er niet heen",
    )
    .await?;
    let overview = ask(&network.client, &network.room, "!netwerk").await?;
    assert!(overview.body.contains("sinds"), "{}", overview.body);
    let log = logbook(&network).await?;
    assert!(
        log.contains("probeerde het gesprek te vervangen door een ander gesprek"),
        "{log}"
    );
    // Not even the representative's power replaces the room: only its creators may.
    let levels = state_of(&network, "m.room.power_levels").await?;
    assert_eq!(levels["events"]["m.room.tombstone"], 150, "{levels}");
    Ok(())
}

/// `!start voor @x` answers the same whether or not @x already has a network, so nobody learns
/// who is a client; a client who has one is asked there whether the starter may join.
#[tokio::test]
async fn starting_a_network_for_someone_tells_nobody_who_is_a_client() -> Result<()> {
    let network = Network::start().await?;
    let gp_account = network.synapse.register(Persona::Professional).await?;
    let gp = TestClient::login(&network.synapse.base_url(), &gp_account).await?;
    let stranger = network.synapse.register(Persona::Client).await?;
    let gp_chat = gp.open_direct_chat(&network.bot.user_id).await?;
    let answer_for = |client: &str| format!("!start voor {client} huisarts Praktijk De Linde");

    let for_someone_new = ask(&gp, &gp_chat, &answer_for(&stranger.user_id)).await?;
    let for_a_client = ask(
        &gp,
        &gp_chat,
        &answer_for(network.client.user_id().as_str()),
    )
    .await?;
    let without_names = |body: &str| {
        body.replace(&stranger.username, "X")
            .replace(network.client.user_id().localpart(), "X")
    };
    assert_eq!(
        without_names(&for_someone_new.body),
        without_names(&for_a_client.body),
        "the answers differ"
    );
    // The client decides in the network they have.
    let prompt = wait_for_bot(
        &network.client,
        &network.bot,
        &network.room_id(),
        "Voorstel 1",
    )
    .await?;
    assert!(
        prompt.body.contains(gp.user_id().localpart()),
        "{}",
        prompt.body
    );
    crate::networks::proposal_poll(&network.client, &network, 1).await?;
    Ok(())
}

/// Someone who steers two networks (a representative in one, client of their own) is never
/// answered about the first one found: asked in the private chat, they choose the network by
/// number; asked in a network room, it is that one, and the answer comes privately.
#[tokio::test]
async fn someone_who_steers_two_networks_is_not_answered_about_a_guessed_one() -> Result<()> {
    let network = Network::start().await?;
    let representative = network.add(Persona::Carer, "vertegenwoordiger").await?;
    let own_chat = representative
        .open_direct_chat(&network.bot.user_id)
        .await?;
    let started = ask(&representative, &own_chat, "!start").await?;
    assert!(
        started.body.contains("Uw netwerk is gemaakt"),
        "{}",
        started.body
    );
    let own_room = representative.wait_for_any_invite().await?;
    representative.accept_invite(&own_room).await?;
    wait_for_bot(
        &representative,
        &network.bot,
        &own_room,
        "Dit is uw netwerk",
    )
    .await?;

    // Asked in a network room, it is about that network, answered privately.
    let in_room = ask(
        &representative,
        &representative.room(&network.room_id())?,
        "!logboek",
    )
    .await?;
    assert!(in_room.body.contains("privégesprek"), "{}", in_room.body);
    let log = wait_for_bot(
        &representative,
        &network.bot,
        &own_chat.room_id().to_owned(),
        "nodigde",
    )
    .await?;
    assert!(
        log.body.contains(network.client.user_id().localpart()),
        "the log of the client's network: {}",
        log.body
    );
    // Asked in the private chat, they are asked which network, by number, and the number
    // answers the command that waited for it.
    let client_name = network.client.user_id().localpart().to_owned();
    let number_of = |list: &str| -> Result<String> {
        let line = list
            .lines()
            .find(|line| line.contains(&client_name))
            .with_context(|| format!("the client's network is listed: {list}"))?;
        Ok(line
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect())
    };
    let which = ask(&representative, &own_chat, "!logboek").await?;
    assert!(
        which.body.contains("meer dan één netwerk")
            && which.body.contains("Antwoord met het nummer"),
        "{}",
        which.body
    );
    let wrong = ask(&representative, &own_chat, "7").await?;
    assert!(wrong.body.contains("niet in de lijst"), "{}", wrong.body);
    let log = ask(&representative, &own_chat, &number_of(&which.body)?).await?;
    assert!(
        log.body.contains("nodigde") && log.body.contains(network.client.user_id().localpart()),
        "the log of the client's network: {}",
        log.body
    );
    // Answered once: the same number again is only a number.
    let again = ask(&representative, &own_chat, &number_of(&which.body)?).await?;
    assert!(!again.body.contains("nodigde"), "{}", again.body);
    let which = ask(&representative, &own_chat, "!toestemming").await?;
    assert!(
        which.body.contains("meer dan één netwerk"),
        "{}",
        which.body
    );
    let overview = ask(&representative, &own_chat, &number_of(&which.body)?).await?;
    assert!(
        !overview.body.contains("meer dan één netwerk"),
        "{}",
        overview.body
    );

    Ok(())
}

/// A link for a representative gives power over the network to whoever opens it first, so the
/// client confirms who used it before that person is let in at all.
#[tokio::test]
async fn a_representative_link_waits_for_the_client_to_confirm_who_used_it() -> Result<()> {
    let network = Network::start().await?;
    let reply = ask(
        &network.client,
        &network.direct_chat,
        "!link vertegenwoordiger",
    )
    .await?;
    let url = crate::networks::link_in(&reply)?;
    let password = "een-lang-wachtwoord";
    let (status, page) = crate::networks::post_form(
        &url,
        &[
            ("username", "vera"),
            ("password", password),
            ("password_again", password),
        ],
    )
    .await?;
    assert_eq!(status, 201, "{page}");
    let vera_id = UserId::parse(format!("@vera:{}", network.synapse.server_name()))?;
    wait_for_bot(
        &network.client,
        &network.bot,
        &network.room_id(),
        "Met de uitnodigingslink voor een vertegenwoordiger is een account gemaakt",
    )
    .await?;
    let poll = crate::networks::proposal_poll(&network.client, &network, 1).await?;
    assert_eq!(
        room_membership(&network.client, &network.room_id(), &vera_id).await?,
        None,
        "let in before the client confirmed"
    );
    network
        .client
        .vote(&network.room, &poll.event_id, "ja")
        .await?;
    let vera = TestClient::login(
        &network.synapse.base_url(),
        &kring_testbed::TestAccount {
            username: "vera".into(),
            user_id: vera_id.to_string(),
            password: password.into(),
        },
    )
    .await?;
    assert_eq!(vera.wait_for_any_invite().await?, network.room_id());
    let log = logbook(&network).await?;
    assert!(log.contains("werd gebruikt"), "{log}");
    Ok(())
}
