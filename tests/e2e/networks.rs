//! Client-led care networks against a real Synapse with real E2EE clients: start, invite,
//! proposals with one tap, invites around the bot undone, removal, leaving, the overview.

use anyhow::{Context, Result};
pub(crate) use kring_testbed::network::{Network, ask, wait_for_bot};
use kring_testbed::{
    ElementPerson, InProcessBot, Persona, ReceivedMessage, TestClient, TestSynapse,
    fresh_sqlite_url,
};
use matrix_sdk::ruma::events::room::history_visibility::HistoryVisibility;
use matrix_sdk::ruma::events::room::join_rules::JoinRule;
use matrix_sdk::ruma::{EventId, OwnedEventId, RoomId, UserId};

/// The poll under proposal `number`'s prompt in the network room, as `member` sees it.
pub(crate) async fn proposal_poll(
    member: &TestClient,
    network: &Network,
    number: i64,
) -> Result<kring_testbed::ReceivedPoll> {
    let room_id = network.room_id();
    let question = format!("Voorstel {number}:");
    member
        .wait_for_poll("the proposal's poll", |poll| {
            poll.room_id == room_id
                && poll.sender.as_str() == network.bot.user_id
                && poll.question.starts_with(&question)
        })
        .await
}

/// Whether `reader`'s client can decrypt `event_id` when handed its ciphertext, fetched by
/// `fetcher` (a member still in the room: the server no longer shows a removed member new events,
/// so the proof has to be the cryptography itself).
async fn can_decrypt(
    reader: &TestClient,
    fetcher: &TestClient,
    room_id: &RoomId,
    event_id: &EventId,
) -> Result<bool> {
    let request = matrix_sdk::ruma::api::client::room::get_room_event::v3::Request::new(
        room_id.to_owned(),
        event_id.to_owned(),
    );
    let raw = fetcher.client.send(request).await?.event;
    let encrypted = raw.cast_unchecked::<matrix_sdk::ruma::events::room::encrypted::OriginalSyncRoomEncryptedEvent>();
    let attempt = reader.room(room_id)?.decrypt_event(&encrypted, None).await;
    Ok(attempt.as_ref().is_ok_and(|event| !event.kind.is_utd()))
}

#[tokio::test]
async fn a_client_starts_a_private_network_and_invites_people() -> Result<()> {
    let network = Network::start().await?;
    let room = &network.room;

    // The room as the protocol enforces it: encrypted, invite-only, history only from joining,
    // a neutral name, and only client and bot own it.
    assert!(room.latest_encryption_state().await?.is_encrypted());
    assert_eq!(room.join_rule(), Some(JoinRule::Invite));
    assert_eq!(room.history_visibility(), Some(HistoryVisibility::Joined));
    assert_eq!(room.name().as_deref(), Some("Kring"));
    assert!(room.topic().is_none());
    let create = room.create_content().context("create event")?;
    let client_id = network.client.user_id().to_owned();
    assert!(
        create.additional_creators.contains(&client_id),
        "the client co-owns the room"
    );
    let power = room.power_levels().await?;
    assert_eq!(i64::from(power.invite), 100);
    assert_eq!(i64::from(power.kick), 100);
    assert_eq!(i64::from(power.state_default), 100);
    assert!(
        power.users.is_empty(),
        "creators hold unlimited power and are not listed"
    );

    // The bot greets in direct chats only, never in the network room it made.
    let greeted_here = network
        .bot
        .store
        .inbox_in_state(
            &network.bot.user_id,
            kring_store::InboxState::Answered,
            1000,
        )
        .await?
        .into_iter()
        .any(|entry| {
            entry.kind == kring_store::InboxKind::Greeting
                && entry.room_id == room.room_id().as_str()
        });
    assert!(!greeted_here);

    // Starting twice is refused.
    let again = ask(&network.client, &network.direct_chat, "!start").await?;
    assert!(again.body.contains("al een netwerk"), "{}", again.body);

    let carer = network.add(Persona::Carer, "mantelzorger").await?;
    let welcome = wait_for_bot(&carer, &network.bot, &network.room_id(), "Welkom").await?;
    assert!(
        welcome.body.contains("mantelzorger of naaste"),
        "{}",
        welcome.body
    );
    assert!(
        welcome
            .formatted_body
            .as_deref()
            .is_some_and(|html| html.contains("https://matrix.to/#/")),
        "the new member is mentioned as a pill"
    );
    let gp = network
        .add(Persona::Professional, "huisarts Praktijk De Linde")
        .await?;

    // Bad input: each answered plainly, nothing changed.
    let twice = ask(
        &network.client,
        room,
        &format!("!uitnodigen {} mantelzorger", carer.user_id()),
    )
    .await?;
    assert!(
        twice.body.contains("zit al in dit netwerk"),
        "{}",
        twice.body
    );
    let server = network.synapse.server_name();
    let nobody = ask(
        &network.client,
        room,
        &format!("!uitnodigen @niemand:{server} mantelzorger"),
    )
    .await?;
    assert!(nobody.body.contains("bestaat niet"), "{}", nobody.body);
    let malformed = ask(&network.client, room, "!uitnodigen piet mantelzorger").await?;
    assert!(
        malformed.body.contains("geen geldig Matrix-adres"),
        "{}",
        malformed.body
    );
    let no_role = ask(&network.client, room, &format!("!invite @iemand:{server}")).await?;
    assert!(no_role.body.contains("Welke rol"), "{}", no_role.body);
    let gp_room = gp.room(&network.room_id())?;
    let not_client = ask(&gp, &gp_room, &format!("!verwijderen {}", carer.user_id())).await?;
    assert!(
        not_client.body.contains("Alleen de cliënt"),
        "{}",
        not_client.body
    );

    // The overview shows who is in, with role and organisation.
    let overview = ask(&network.client, room, "!netwerk").await?;
    for expected in [
        "Wie zitten er in dit netwerk (3)",
        "mantelzorger of naaste",
        "huisarts bij Praktijk De Linde",
        "sinds",
        "Open voorstellen: geen",
    ] {
        assert!(
            overview.body.contains(expected),
            "{expected:?} missing in {}",
            overview.body
        );
    }
    let network_id = network
        .bot
        .store
        .network_by_room(network.room_id().as_str())
        .await?
        .context("stored")?
        .id;
    let actions: Vec<String> = network
        .bot
        .store
        .network_actions(&network_id)
        .await?
        .into_iter()
        .map(|(action, ..)| action)
        .collect();
    for expected in ["network.start", "member.join", "member.invite"] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} not in {actions:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn proposals_wait_for_the_clients_tap() -> Result<()> {
    let network = Network::start().await?;
    let room_id = network.room_id();
    let carer = network.add(Persona::Carer, "naaste").await?;
    let gp = network.add(Persona::Professional, "fact GGZ Noord").await?;
    let newcomer = network.synapse.register(Persona::Carer).await?;
    let newcomer_id = UserId::parse(&newcomer.user_id)?;

    // A professional proposes; nothing happens yet.
    let gp_room = gp.room(&room_id)?;
    let prompt = ask(
        &gp,
        &gp_room,
        &format!("!uitnodigen {} mantelzorger", newcomer.user_id),
    )
    .await?;
    assert!(prompt.body.contains("Voorstel 1"), "{}", prompt.body);
    assert!(
        prompt.body.contains("Kies hieronder Ja of Nee"),
        "the prompt says what to tap: {}",
        prompt.body
    );
    let poll = proposal_poll(&network.client, &network, 1).await?;
    assert!(!network.client.is_in_room(&room_id, &newcomer_id).await?);

    // Someone else's vote does not count.
    let carer_room = carer.room(&room_id)?;
    carer.vote(&carer_room, &poll.event_id, "ja").await?;
    wait_for_bot(&carer, &network.bot, &room_id, "Uw keuze telt daarom niet").await?;
    assert!(!network.client.is_in_room(&room_id, &newcomer_id).await?);

    // A ✅ reaction from the client's own account decides nothing: reactions are not
    // encrypted, so a stolen access token (or the server) could send one. The overview asked
    // after it shows the proposal still open.
    network
        .client
        .react(&network.room, &prompt.event_id, "✅")
        .await?;
    network
        .client
        .react(&network.room, &poll.event_id, "✅")
        .await?;
    let overview = ask(&network.client, &network.room, "!netwerk").await?;
    assert!(
        overview.body.contains(&format!(
            "- 1 {}: {} uitnodigen",
            gp.account.username, newcomer.username
        )),
        "{}",
        overview.body
    );
    assert!(!network.client.is_in_room(&room_id, &newcomer_id).await?);

    // The client's vote does, and the poll is closed.
    network
        .client
        .vote(&network.room, &poll.event_id, "ja")
        .await?;
    wait_for_bot(&gp, &network.bot, &room_id, "Voorstel 1 is aangenomen").await?;
    network
        .client
        .wait_for_poll("the decided poll closed", |closed| {
            closed.event_id == poll.event_id && closed.ended
        })
        .await?;
    let newcomer_client = TestClient::login(&network.synapse.base_url(), &newcomer).await?;
    newcomer_client.accept_invite(&room_id).await?;
    wait_for_bot(&newcomer_client, &network.bot, &room_id, "Welkom").await?;

    // Approving twice is answered, not repeated.
    let twice = ask(&network.client, &network.room, "!ja 1").await?;
    assert!(twice.body.contains("al beslist"), "{}", twice.body);

    // Only the client decides, by command too.
    let carer_decides = ask(&carer, &carer_room, "!ja 1").await?;
    assert!(
        carer_decides.body.contains("Alleen de cliënt"),
        "{}",
        carer_decides.body
    );

    // A member may ask for an invite link; the link comes once the client agrees.
    let link_prompt = ask(&carer, &carer_room, "!link mantelzorger").await?;
    assert!(
        link_prompt.body.contains("Voorstel 2") && link_prompt.body.contains("uitnodigingslink"),
        "{}",
        link_prompt.body
    );
    let link_poll = proposal_poll(&network.client, &network, 2).await?;
    network
        .client
        .vote(&network.room, &link_poll.event_id, "ja")
        .await?;
    // The carer has no private chat with the bot, so the link goes to the client's; the network
    // room only hears that a link was made.
    let link = wait_for_bot(
        &network.client,
        &network.bot,
        &network.direct_chat.room_id().to_owned(),
        "Hier is de uitnodigingslink",
    )
    .await?;
    assert!(link.body.contains(&network.bot.bridge_url), "{}", link.body);
    let announced =
        wait_for_bot(&carer, &network.bot, &room_id, "uitnodigingslink gemaakt").await?;
    assert!(!announced.body.contains("http"), "{}", announced.body);
    assert!(
        carer
            .received()
            .iter()
            .all(|message| !message.body.contains(&network.bot.bridge_url)),
        "a member saw an invite link that was not theirs"
    );

    // A refusal by command; the proposer hears it.
    let other = network.synapse.register(Persona::Carer).await?;
    let prompt = ask(&gp, &gp_room, &format!("!invite {} carer", other.user_id)).await?;
    assert!(prompt.body.contains("Voorstel 3"), "{}", prompt.body);
    let refused = ask(&network.client, &network.room, "!nee 3").await?;
    assert!(refused.body.contains("niet aangenomen"), "{}", refused.body);
    assert!(
        !network
            .client
            .is_in_room(&room_id, &UserId::parse(&other.user_id)?)
            .await?
    );
    let unknown = ask(&network.client, &network.room, "!ja 9").await?;
    assert!(unknown.body.contains("geen voorstel 9"), "{}", unknown.body);
    Ok(())
}

#[tokio::test]
async fn invites_around_the_bot_are_undone() -> Result<()> {
    let network = Network::start().await?;
    let room_id = network.room_id();
    let gp = network
        .add(Persona::Professional, "wijkverpleging Zorg Thuis")
        .await?;
    let stranger = network.synapse.register(Persona::Carer).await?;
    let stranger_id = UserId::parse(&stranger.user_id)?;

    // The protocol stops a professional from inviting directly...
    let gp_room = gp.room(&room_id)?;
    assert!(gp_room.invite_user_by_id(&stranger_id).await.is_err());

    // ...and what the protocol still allows (the client inviting through Element) is undone
    // by the bot, which tells the client how to do it properly.
    network.room.invite_user_by_id(&stranger_id).await?;
    wait_for_bot(&network.client, &network.bot, &room_id, "buiten mij om").await?;
    network
        .client
        .wait_until_out(&room_id, &stranger_id)
        .await?;

    // The client hands the professional the power to invite through Element (the protocol lets
    // the room's owner do that). The bot takes the power back, and an invite the professional
    // manages to send before that is undone like any other.
    let second = network.synapse.register(Persona::Carer).await?;
    let second_id = UserId::parse(&second.user_id)?;
    network
        .room
        .update_power_levels(vec![(gp.user_id(), matrix_sdk::ruma::Int::from(100))])
        .await?;
    let slipped_in = gp_room.invite_user_by_id(&second_id).await.is_ok();
    wait_for_bot(
        &network.client,
        &network.bot,
        &room_id,
        "Ik heb dat teruggezet",
    )
    .await?;
    let started = std::time::Instant::now();
    loop {
        let power = network.room.power_levels().await?;
        if !power.users.contains_key(gp.user_id()) {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < kring_testbed::PATIENCE,
            "the professional kept power 100"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Asked of the server: an invite that loses in state resolution against the bot's reset
    // stays visible in clients' views although nobody is invited.
    network
        .client
        .wait_until_out_on_server(&room_id, &second_id)
        .await?;
    eprintln!("the professional's own invite got through before the reset: {slipped_in}");
    let network_id = network
        .bot
        .store
        .network_by_room(room_id.as_str())
        .await?
        .context("stored")?
        .id;
    let actions = network.bot.store.network_actions(&network_id).await?;
    assert!(actions.iter().any(
        |(action, _, object, outcome)| action == "power.undo_unapproved"
            && object.as_deref() == Some(gp.user_id().as_str())
            && outcome == "undone"
    ));
    if slipped_in {
        assert!(
            actions
                .iter()
                .any(|(action, _, object, _)| action == "member.undo_unapproved"
                    && object.as_deref() == Some(second_id.as_str())),
            "{actions:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn members_are_removed_after_confirmation_and_may_leave() -> Result<()> {
    let network = Network::start().await?;
    let room_id = network.room_id();
    let carer = network.add(Persona::Carer, "mantelzorger").await?;
    let gp = network
        .add(Persona::Professional, "buurtteam Wijkteam Oost")
        .await?;
    let second_carer = network.add(Persona::Carer, "familie").await?;
    let third = network
        .add(Persona::Professional, "psycholoog Praktijk Noord")
        .await?;

    let confirm = ask(
        &network.client,
        &network.room,
        &format!("!verwijderen {}", carer.user_id()),
    )
    .await?;
    assert!(
        confirm.body.contains("Weet u het zeker"),
        "{}",
        confirm.body
    );
    assert!(
        network.client.is_in_room(&room_id, carer.user_id()).await?,
        "nothing before the confirmation"
    );
    let confirm_poll = proposal_poll(&network.client, &network, 1).await?;
    network
        .client
        .vote(&network.room, &confirm_poll.event_id, "ja")
        .await?;
    wait_for_bot(
        &network.client,
        &network.bot,
        &room_id,
        "is uit het netwerk gehaald",
    )
    .await?;
    network
        .client
        .wait_until_out(&room_id, carer.user_id())
        .await?;

    // What is said after the removal is encrypted without the removed carer: handed the very
    // ciphertext, their client cannot read it, while a remaining member can. The bot's own
    // "removed" notice, sent right after the kick, is the first such message.
    let secret = network
        .client
        .send_text(
            &network.room,
            "Nieuwe afspraak, alleen voor wie er nog bij is",
        )
        .await?;
    gp.wait_for("the message after the removal", |m| m.event_id == secret)
        .await?;
    let notice = network
        .client
        .received()
        .into_iter()
        .find(|m| m.body.contains("is uit het netwerk gehaald"))
        .context("the removal notice")?
        .event_id;
    // The control: an earlier message the carer did read decrypts the same way.
    let readable = carer
        .received()
        .into_iter()
        .rfind(|m| m.room_id == room_id && m.was_encrypted)
        .context("a message the carer read")?
        .event_id;
    for (event_id, should_read) in [(readable, true), (secret, false), (notice, false)] {
        assert_eq!(
            can_decrypt(&carer, &network.client, &room_id, &event_id).await?,
            should_read,
            "the removed carer and {event_id}"
        );
    }

    // A member leaves by command, another through their app: the store follows the room.
    let gp_room = gp.room(&room_id)?;
    gp.send_text(&gp_room, "!verlaten").await?;
    wait_for_bot(
        &network.client,
        &network.bot,
        &room_id,
        "heeft het netwerk verlaten",
    )
    .await?;
    network
        .client
        .wait_until_out(&room_id, gp.user_id())
        .await?;
    second_carer.room(&room_id)?.leave().await?;
    network
        .client
        .wait_until_out(&room_id, second_carer.user_id())
        .await?;
    // The client removes someone through Element: the store follows, and the bot says so.
    network.room.kick_user(third.user_id(), None).await?;
    let removed = format!("{} is uit het netwerk gehaald", third.user_id().localpart());
    wait_for_bot(&network.client, &network.bot, &room_id, &removed).await?;
    let stored = loop {
        let network_model = network
            .bot
            .store
            .network_by_room(room_id.as_str())
            .await?
            .context("stored")?;
        let id = kring_core::MatrixId::parse(second_carer.user_id().as_str())?;
        if network_model.current_role(&id).is_none() {
            break network_model;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let current: Vec<&str> = stored
        .members
        .iter()
        .filter(|m| m.membership.is_current())
        .map(|m| m.user.as_str())
        .collect();
    assert_eq!(
        current.len(),
        2,
        "only client and bot are left: {current:?}"
    );
    // The client's own log, in the direct chat only.
    let log = ask(&network.client, &network.direct_chat, "!logboek 7d").await?;
    let carer_name = carer.user_id().localpart().to_owned();
    for expected in [
        "Logboek van uw netwerk, de laatste 7 dagen",
        "startte het netwerk",
        &format!("haalde {carer_name} uit het netwerk"),
        "verliet het netwerk",
        "zei ja tegen voorstel 1",
    ] {
        assert!(
            log.body.contains(expected),
            "{expected:?} missing in {}",
            log.body
        );
    }
    // Asked in the shared room, the log goes to the private chat; the room hears only that.
    let in_room = ask(&network.client, &network.room, "!logboek").await?;
    assert!(
        in_room.body.contains("staat in uw privégesprek"),
        "{}",
        in_room.body
    );
    assert!(
        !in_room.body.contains("startte"),
        "the shared room never sees the log"
    );
    let bad_period = ask(&network.client, &network.direct_chat, "!logboek gisteren").await?;
    assert!(
        bad_period.body.contains("begrijp ik niet"),
        "{}",
        bad_period.body
    );
    let carer_chat = carer.open_direct_chat(&network.bot.user_id).await?;
    let not_client = ask(&carer, &carer_chat, "!logboek").await?;
    assert!(
        not_client.body.contains("Alleen de cliënt"),
        "{}",
        not_client.body
    );

    let leave = ask(&network.client, &network.room, "!verlaten").await?;
    assert!(leave.body.contains("eigen netwerk"), "{}", leave.body);
    Ok(())
}

#[tokio::test]
async fn a_professional_starts_a_network_the_client_accepts_first() -> Result<()> {
    let synapse = TestSynapse::start().await?;
    let dir = tempfile::tempdir()?;
    let bot = InProcessBot::start(&synapse, &fresh_sqlite_url(dir.path())).await?;
    let gp_account = synapse.register(Persona::Professional).await?;
    let gp = TestClient::login(&synapse.base_url(), &gp_account).await?;
    let client_account = synapse.register(Persona::Client).await?;
    let client = TestClient::login(&synapse.base_url(), &client_account).await?;

    let gp_chat = gp.open_direct_chat(&bot.user_id).await?;
    let started = ask(
        &gp,
        &gp_chat,
        &format!(
            "!start voor {} huisarts Praktijk De Linde",
            client_account.user_id
        ),
    )
    .await?;
    assert!(
        started.body.contains("Er wordt niets gedeeld"),
        "{}",
        started.body
    );

    let room_id = client.wait_for_any_invite().await?;
    let room = client.accept_invite(&room_id).await?;
    let welcome = wait_for_bot(&client, &bot, &room_id, "heeft dit netwerk voor u gestart").await?;
    assert!(welcome.was_encrypted);
    let prompt = wait_for_bot(&client, &bot, &room_id, "Voorstel 1").await?;
    assert!(
        prompt.body.contains("huisarts bij Praktijk De Linde"),
        "{}",
        prompt.body
    );
    let poll = client
        .wait_for_poll("the proposal's poll", |poll| {
            poll.room_id == room_id && poll.question.starts_with("Voorstel 1:")
        })
        .await?;
    client.vote(&room, &poll.event_id, "ja").await?;
    gp.accept_invite(&room_id).await?;
    wait_for_bot(&gp, &bot, &room_id, "Welkom").await?;

    // This client has no private chat with the bot yet: who may see what is not shown in the
    // network room, and the client is told where to ask.
    let consent = ask(&client, &room, "!toestemming").await?;
    assert!(
        consent.body.contains("privégesprek") && !consent.body.contains("Wat mag wie zien"),
        "{}",
        consent.body
    );
    assert!(
        client
            .polls()
            .iter()
            .all(|poll| poll.question.starts_with("Voorstel ")),
        "no consent poll in the network room"
    );

    // Declining: a second client rejects the invite; the network closes with nothing shared.
    let other_account = synapse.register(Persona::Client).await?;
    let other = TestClient::login(&synapse.base_url(), &other_account).await?;
    ask(
        &gp,
        &gp_chat,
        &format!(
            "!start voor {} huisarts Praktijk De Linde",
            other_account.user_id
        ),
    )
    .await?;
    let other_room = other.wait_for_any_invite().await?;
    other.room(&other_room)?.leave().await?;
    let other_id = kring_core::MatrixId::parse(&other_account.user_id)?;
    let started_at = std::time::Instant::now();
    while bot.store.open_network_of_client(&other_id).await?.is_some() {
        anyhow::ensure!(
            started_at.elapsed() < kring_testbed::PATIENCE,
            "the declined network stayed open"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Ok(())
}

/// The address in a bot message that contains an invite link.
pub(crate) fn link_in(message: &ReceivedMessage) -> Result<String> {
    message
        .body
        .split_whitespace()
        .find(|word| word.starts_with("http"))
        .map(str::to_owned)
        .context("no link in the message")
}

pub(crate) async fn post_form(url: &str, fields: &[(&str, &str)]) -> Result<(u16, String)> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?;
    Ok((response.status().as_u16(), response.text().await?))
}

async fn get_page(url: &str) -> Result<(u16, String)> {
    let response = reqwest::get(url).await?;
    Ok((response.status().as_u16(), response.text().await?))
}

#[tokio::test]
async fn someone_without_an_account_joins_through_an_invite_link() -> Result<()> {
    let network = Network::start().await?;
    let room_id = network.room_id();
    let reply = ask(&network.client, &network.direct_chat, "!link mantelzorger").await?;
    assert!(reply.body.contains("werkt één keer"), "{}", reply.body);
    let url = link_in(&reply)?;
    assert!(url.starts_with(&network.bot.bridge_url), "{url}");

    let (status, page) = get_page(&url).await?;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("mantelzorger of naaste") && page.contains("Account maken"));
    assert!(
        !page.contains(network.client.user_id().as_str()),
        "the page does not name the client"
    );

    // Bad input on the form: each explained, nothing made, the link still works.
    let good_password = "een-lang-wachtwoord";
    let (status, page) = post_form(
        &url,
        &[
            ("username", "jan"),
            ("password", "kort"),
            ("password_again", "kort"),
        ],
    )
    .await?;
    assert_eq!(status, 400);
    assert!(page.contains("minstens 10 tekens"), "{page}");
    let (status, page) = post_form(
        &url,
        &[
            ("username", "Jan de Vries"),
            ("password", good_password),
            ("password_again", good_password),
        ],
    )
    .await?;
    assert_eq!(status, 400);
    assert!(page.contains("kan niet"), "{page}");
    let (status, page) = post_form(
        &url,
        &[
            ("username", "jan"),
            ("password", good_password),
            ("password_again", "iets-anders-lang"),
        ],
    )
    .await?;
    assert_eq!(status, 400);
    assert!(page.contains("niet hetzelfde"), "{page}");
    let taken = network.client.user_id().localpart().to_owned();
    let (status, page) = post_form(
        &url,
        &[
            ("username", &taken),
            ("password", good_password),
            ("password_again", good_password),
        ],
    )
    .await?;
    assert_eq!(status, 409);
    assert!(page.contains("al bezet"), "{page}");
    let (status, page) = post_form(
        &url,
        &[
            ("username", "kring-support"),
            ("password", good_password),
            ("password_again", good_password),
        ],
    )
    .await?;
    assert_eq!(status, 400);
    assert!(page.contains("gereserveerd"), "{page}");

    // Two people submit the same link at the same moment: one account is made, the other
    // hears the link is used.
    let form = |name: &'static str| {
        [
            ("username", name),
            ("password", good_password),
            ("password_again", good_password),
        ]
    };
    let (jan_form, piet_form) = (form("jan.devries"), form("piet.devries"));
    let (jan_answer, piet_answer) =
        tokio::join!(post_form(&url, &jan_form), post_form(&url, &piet_form));
    let answers = [("jan.devries", jan_answer?), ("piet.devries", piet_answer?)];
    let made: Vec<&str> = answers
        .iter()
        .filter(|(_, (status, _))| *status == 201)
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(made.len(), 1, "{answers:#?}");
    let (_, (_, page)) = answers.iter().find(|(name, _)| *name == made[0]).unwrap();
    assert!(
        page.contains("Uw account is klaar") && page.contains(&network.synapse.base_url()),
        "{page}"
    );
    let (_, (status, page)) = answers.iter().find(|(name, _)| *name != made[0]).unwrap();
    assert!(
        *status == 410 && page.contains("al gebruikt"),
        "{status}: {page}"
    );
    let made = made[0];
    // Nothing of the link stays valid in Synapse.
    let tokens = network
        .synapse
        .admin()
        .valid_registration_tokens(network.synapse.admin_token())
        .await?;
    assert!(tokens.is_empty(), "a used link left {tokens:?}");
    let (status, page) = post_form(
        &url,
        &[
            ("username", "iemand.anders"),
            ("password", good_password),
            ("password_again", good_password),
        ],
    )
    .await?;
    assert_eq!(status, 410, "a used link makes nothing: {page}");
    assert!(page.contains("al gebruikt"), "{page}");
    let (status, page) = get_page(&format!(
        "{}/uitnodiging/{}",
        network.bot.bridge_url, "nepnepnepnepnepnepnepnepnepnep22"
    ))
    .await?;
    assert_eq!(status, 404);
    assert!(page.contains("klopt niet"), "{page}");

    // The new account logs in with an ordinary E2EE client and reads the welcome.
    let account = kring_testbed::TestAccount {
        username: made.into(),
        user_id: format!("@{made}:{}", network.synapse.server_name()),
        password: good_password.into(),
    };
    let jan = TestClient::login(&network.synapse.base_url(), &account).await?;
    wait_for_bot(
        &network.client,
        &network.bot,
        &room_id,
        "uitnodigingslink een account gemaakt",
    )
    .await?;
    jan.accept_invite(&room_id).await?;
    let welcome = wait_for_bot(&jan, &network.bot, &room_id, "Welkom").await?;
    assert!(welcome.was_encrypted, "the welcome is encrypted");
    assert!(
        welcome.body.contains("mantelzorger of naaste"),
        "{}",
        welcome.body
    );

    // A second link, listed in the overview and then revoked.
    let second = ask(
        &network.client,
        &network.direct_chat,
        "!link huisarts Praktijk De Linde",
    )
    .await?;
    let second_url = link_in(&second)?;
    let overview = ask(&network.client, &network.room, "!netwerk").await?;
    assert!(
        overview
            .body
            .contains("huisarts bij Praktijk De Linde, geldig tot"),
        "{}",
        overview.body
    );
    let link_id = overview
        .body
        .lines()
        .find(|line| line.contains("geldig tot"))
        .and_then(|line| line.trim_start_matches("- ").split_whitespace().next())
        .context("link id in the overview")?
        .to_owned();
    // Someone got as far as a registration token for it (as an attempt that failed half-way
    // leaves one) before it was revoked: revoking takes that token out of Synapse too.
    let admin = network.synapse.admin();
    let found = network
        .bot
        .store
        .invite_link(&link_id)
        .await?
        .context("the link is stored")?;
    let half_way = kring_core::network::registration_token(
        &network.bot.invite_link_key,
        &found.network_id,
        &link_id,
        found.link.expires_at,
    );
    network
        .bot
        .store
        .registration_token_was_made(&link_id)
        .await?;
    admin
        .create_named_registration_token(
            network.synapse.admin_token(),
            &half_way,
            found.link.expires_at,
        )
        .await?;
    let revoked = ask(
        &network.client,
        &network.room,
        &format!("!intrekken {link_id}"),
    )
    .await?;
    assert!(revoked.body.contains("ingetrokken"), "{}", revoked.body);
    let started = std::time::Instant::now();
    while admin
        .valid_registration_tokens(network.synapse.admin_token())
        .await?
        .contains(&half_way)
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "a revoked link's registration token stayed valid"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(
        !network.bot.store.registration_token_made(&link_id).await?,
        "nor is it remembered"
    );
    let (status, page) = get_page(&second_url).await?;
    assert_eq!(status, 410);
    assert!(page.contains("ingetrokken"), "{page}");
    let again = ask(
        &network.client,
        &network.room,
        &format!("!intrekken {link_id}"),
    )
    .await?;
    assert!(
        again.body.contains("al gebruikt, ingetrokken of verlopen"),
        "{}",
        again.body
    );
    Ok(())
}

/// The invite-link page as a family carer meets it, in a real headless Chromium: a first visit
/// closed half-way through the form (nothing is made; the link still works), switching to English
/// and back, a mistake explained, the account made; then "open Kring in your browser" leads into
/// Element Web, where the carer signs in, accepts the invitation and reads the encrypted welcome
/// with no warning anywhere. The link is used up afterwards.
#[tokio::test]
async fn a_family_carer_follows_an_invite_link_into_element() -> Result<()> {
    use kring_testbed::Locator;
    let network = Network::start_beside_element_web().await?;
    let reply = ask(&network.client, &network.direct_chat, "!link naaste").await?;
    let url = link_in(&reply)?;

    // Someone starts the form and closes the page: nothing is sent, so nothing is made.
    let half_way = kring_testbed::Browser::start("invite-page-closed-half-way").await?;
    half_way.client.goto(&url).await?;
    half_way.wait_for_text("h1", "Welkom bij Kring").await?;
    half_way.fill("username", "anna.bakker").await?;
    half_way.close().await?;
    let (status, page) = get_page(&url).await?;
    assert_eq!(
        status, 200,
        "the link still works after a page closed half-way"
    );
    assert!(page.contains("<form"), "{page}");

    let mut browser = kring_testbed::Browser::start("invite-page").await?;
    browser.client.goto(&url).await?;
    browser.wait_for_text("h1", "Welkom bij Kring").await?;
    browser.screenshot("invite-page").await?;
    browser
        .client
        .find(Locator::LinkText("English"))
        .await?
        .click()
        .await?;
    browser.wait_for_text("h1", "Welcome to Kring").await?;
    browser
        .client
        .find(Locator::LinkText("Nederlands"))
        .await?
        .click()
        .await?;
    browser.wait_for_text("h1", "Welkom bij Kring").await?;

    // A mistake first: the page explains it and keeps the name typed.
    browser.fill("username", "anna.bakker").await?;
    browser.fill("password", "een-goed-wachtwoord").await?;
    browser
        .fill("password_again", "een-ander-wachtwoord")
        .await?;
    browser
        .client
        .find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    browser.wait_for_text(".problem", "niet hetzelfde").await?;
    browser.screenshot("invite-page-mistake").await?;
    let kept = browser
        .client
        .find(Locator::Id("username"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(kept.as_deref(), Some("anna.bakker"));

    browser.fill("password", "een-goed-wachtwoord").await?;
    browser
        .fill("password_again", "een-goed-wachtwoord")
        .await?;
    browser
        .client
        .find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    browser.wait_for_text("h1", "Uw account is klaar").await?;
    let instructions = browser.wait_for_text("main", "Element X").await?;
    assert!(
        instructions.contains(&network.synapse.base_url()),
        "{instructions}"
    );
    browser.screenshot("account-ready").await?;

    // On a computer: the page hands over to this Element Web, already pointed at the homeserver.
    browser
        .client
        .find(Locator::LinkText("Open Kring in uw browser"))
        .await?
        .click()
        .await?;
    let account = kring_testbed::TestAccount {
        username: "anna.bakker".into(),
        user_id: format!("@anna.bakker:{}", network.synapse.server_name()),
        password: "een-goed-wachtwoord".into(),
    };
    let anna = ElementPerson::sign_in_on_this_page(browser, &account).await?;
    anna.open_room("Kring").await?;
    anna.accept_invite().await?;
    anna.wait_for_message_with(&["Welkom", "anna.bakker"])
        .await?;
    anna.dismiss_toasts().await?;
    let warnings = anna.warnings().await?;
    assert!(
        warnings.is_empty(),
        "Element warns the newcomer: {warnings:#?}"
    );
    let mut browser = anna.browser;
    browser.screenshot("carer-reads-the-welcome").await?;

    // Opening the link again: used, nothing more is made.
    browser.client.goto(&url).await?;
    browser
        .wait_for_text("h1", "Deze link is al gebruikt")
        .await?;
    browser.screenshot("link-used").await?;
    browser.close().await?;
    Ok(())
}

#[tokio::test]
async fn the_client_decides_who_may_see_what() -> Result<()> {
    let network = Network::start().await?;
    let room_id = network.room_id();
    let carer = network.add(Persona::Carer, "mantelzorger").await?;
    let defaults = wait_for_bot(&network.client, &network.bot, &room_id, "Standaard ziet").await?;
    assert!(
        defaults.body.contains("alleen de chat"),
        "{}",
        defaults.body
    );
    let gp = network
        .add(Persona::Professional, "huisarts Praktijk De Linde")
        .await?;

    let overview = ask(&network.client, &network.direct_chat, "!toestemming").await?;
    assert!(
        overview
            .body
            .contains("chat ✅, geschiedenis ❌, afspraken ❌"),
        "{}",
        overview.body
    );

    let gp_id = gp.user_id().to_string();
    let given = ask(
        &network.client,
        &network.direct_chat,
        &format!("!toestemming {gp_id} afspraken ja tot 2030-01-01"),
    )
    .await?;
    assert!(
        given
            .body
            .contains("mag nu afspraken zien, tot 1 januari 2030"),
        "{}",
        given.body
    );
    let overview = ask(&network.client, &network.direct_chat, "!toestemming").await?;
    assert!(
        overview
            .body
            .contains("huisarts bij Praktijk De Linde): chat ✅, geschiedenis ❌, afspraken ✅"),
        "{}",
        overview.body
    );

    // An organisation as a whole, named as typed (case aside); never in the chat.
    let organisation = ask(
        &network.client,
        &network.room,
        "!toestemming organisatie praktijk de linde gegevens ja",
    )
    .await?;
    assert!(
        organisation
            .body
            .contains("Praktijk De Linde mag nu gegevens zien"),
        "{}",
        organisation.body
    );
    let overview = ask(&network.client, &network.direct_chat, "!toestemming").await?;
    assert!(
        overview.body.contains(
            "organisatie Praktijk De Linde: afspraken ❌, vragenlijsten ❌, consult ❌, gegevens ✅"
        ),
        "{}",
        overview.body
    );
    let stranger = ask(
        &network.client,
        &network.room,
        "!toestemming organisatie Ziekenhuis Elders gegevens ja",
    )
    .await?;
    assert!(
        stranger.body.contains("Van die organisatie zit niemand"),
        "{}",
        stranger.body
    );
    let in_chat = ask(
        &network.client,
        &network.room,
        "!toestemming organisatie Praktijk De Linde chat ja",
    )
    .await?;
    assert!(
        in_chat.body.contains("geen organisaties"),
        "{}",
        in_chat.body
    );

    // Bad input: nothing changes.
    let gp_room = gp.room(&room_id)?;
    let not_client = ask(
        &gp,
        &gp_room,
        &format!("!toestemming {} afspraken ja", carer.user_id()),
    )
    .await?;
    assert!(
        not_client.body.contains("Alleen de cliënt"),
        "{}",
        not_client.body
    );
    let past = ask(
        &network.client,
        &network.room,
        &format!("!toestemming {gp_id} vragenlijsten ja tot 2020-01-01"),
    )
    .await?;
    assert!(past.body.contains("al voorbij"), "{}", past.body);
    let unknown = ask(
        &network.client,
        &network.room,
        &format!(
            "!toestemming @niemand:{} afspraken ja",
            network.synapse.server_name()
        ),
    )
    .await?;
    assert!(
        unknown.body.contains("zit niet in dit netwerk"),
        "{}",
        unknown.body
    );
    let odd = ask(
        &network.client,
        &network.room,
        &format!("!toestemming {gp_id} geheimen ja"),
    )
    .await?;
    assert!(odd.body.contains("ken ik niet"), "{}", odd.body);

    // Withdrawing "being in the chat" removes the carer at once; what follows is unreadable to them.
    let withdrawn = ask(
        &network.client,
        &network.direct_chat,
        &format!("!toestemming {} chat nee", carer.user_id()),
    )
    .await?;
    assert!(
        withdrawn.body.contains("mag chat niet meer zien"),
        "{}",
        withdrawn.body
    );
    network
        .client
        .wait_until_out(&room_id, carer.user_id())
        .await?;
    let said_before = carer
        .received()
        .into_iter()
        .rfind(|m| m.room_id == room_id && m.was_encrypted)
        .context("a message the carer read")?
        .event_id;
    let said_after = network
        .client
        .send_text(&network.room, "Alleen voor wie er nog bij is")
        .await?;
    gp.wait_for("the message after the withdrawal", |m| {
        m.event_id == said_after
    })
    .await?;
    assert!(can_decrypt(&carer, &network.client, &room_id, &said_before).await?);
    assert!(
        !can_decrypt(&carer, &network.client, &room_id, &said_after).await?,
        "the carer whose consent was withdrawn cannot read what follows"
    );
    // Consent with an end date is enforced when it ends: the professional's chat consent is
    // set to end three seconds from now.
    kring_testbed::consent_ending_at(
        &network.bot.store,
        room_id.as_str(),
        network.client.user_id().as_str(),
        &gp_id,
        kring_core::consent::InfoKind::ChatMembership,
        kring_testbed::now_millis() + 3000,
    )
    .await?;
    assert!(
        network.client.is_in_room(&room_id, gp.user_id()).await?,
        "still in before the end"
    );
    network
        .client
        .wait_until_out(&room_id, gp.user_id())
        .await?;
    let removed = format!("{} is uit het netwerk gehaald", gp.user_id().localpart());
    wait_for_bot(&network.client, &network.bot, &room_id, &removed).await?;

    let log = ask(&network.client, &network.direct_chat, "!logboek").await?;
    assert!(
        log.body.contains("trok de toestemming van") && log.body.contains("voor chat in"),
        "{}",
        log.body
    );
    assert!(
        log.body.contains("gaf") && log.body.contains("toestemming voor afspraken"),
        "{}",
        log.body
    );
    assert!(log.body.contains("voor de chat liep af"), "{}", log.body);
    assert!(
        log.body.contains("probeerde toestemming te geven")
            && log.body.contains("maar dat mocht niet"),
        "refused attempts are in the log too: {}",
        log.body
    );
    assert!(
        log.body
            .contains("gaf organisatie Praktijk De Linde toestemming voor gegevens"),
        "{}",
        log.body
    );
    Ok(())
}

/// The newest open poll from the bot in `room_id` whose question contains `question`.
pub(crate) async fn open_poll(
    member: &TestClient,
    bot: &InProcessBot,
    room_id: &RoomId,
    question: &str,
    not: &[OwnedEventId],
) -> Result<kring_testbed::ReceivedPoll> {
    member
        .wait_for_poll(question, |poll| {
            poll.sender.as_str() == bot.user_id
                && poll.room_id == room_id
                && !poll.ended
                && poll.question.contains(question)
                && !not.contains(&poll.event_id)
        })
        .await
}

#[tokio::test]
async fn the_client_changes_consent_by_tapping_polls() -> Result<()> {
    let network = Network::start().await?;
    let room_id = network.room_id();
    let carer = network.add(Persona::Carer, "mantelzorger").await?;
    let gp = network
        .add(Persona::Professional, "huisarts Praktijk De Linde")
        .await?;
    let dm_id = network.direct_chat.room_id().to_owned();

    // The overview comes with a poll: whom is it about.
    let overview = ask(&network.client, &network.direct_chat, "!toestemming").await?;
    assert!(
        overview.body.contains("Wat mag wie zien"),
        "{}",
        overview.body
    );
    let whom = open_poll(&network.client, &network.bot, &dm_id, "Over wie", &[]).await?;
    assert_eq!(whom.answers.len(), 3, "{whom:#?}");
    assert!(
        whom.answer_containing("organisatie Praktijk De Linde")
            .is_some()
    );
    let gp_answer = whom
        .answer_containing(gp.user_id().localpart())
        .context("the GP is offered")?;

    // Tapping the GP ends that poll and asks what they may see.
    network
        .client
        .vote(&network.direct_chat, &whom.event_id, &gp_answer)
        .await?;
    let what = open_poll(&network.client, &network.bot, &dm_id, "Wat mag", &[]).await?;
    assert!(what.question.contains("huisarts"), "{}", what.question);
    assert_eq!(what.answers.len(), 6, "{what:#?}");
    network
        .client
        .wait_for_poll("the first poll ended", |p| {
            p.event_id == whom.event_id && p.ended
        })
        .await?;
    let appointments = what
        .answer_containing("afspraken: nu niet")
        .context("appointments offered to switch on")?;
    network
        .client
        .vote(&network.direct_chat, &what.event_id, &appointments)
        .await?;
    let given = wait_for_bot(
        &network.client,
        &network.bot,
        &dm_id,
        "mag nu afspraken zien",
    )
    .await?;
    assert!(
        given.body.contains(gp.user_id().localpart()),
        "{}",
        given.body
    );
    network
        .client
        .wait_for_poll("the second poll ended", |p| {
            p.event_id == what.event_id && p.ended
        })
        .await?;

    // A vote on an ended poll changes nothing.
    let history = what
        .answer_containing("geschiedenis")
        .context("history offered")?;
    network
        .client
        .vote(&network.direct_chat, &what.event_id, &history)
        .await?;

    // Typed in the shared room, the overview and its poll still go to the private chat: the
    // members see only that it is private.
    let pointer = ask(&network.client, &network.room, "!toestemming").await?;
    assert!(pointer.body.contains("privé"), "{}", pointer.body);
    assert!(
        !pointer.body.contains("Wat mag wie zien"),
        "{}",
        pointer.body
    );
    let private = open_poll(&network.client, &network.bot, &dm_id, "Over wie", &[]).await?;
    assert!(
        carer.polls().iter().all(|poll| poll.room_id != room_id),
        "no consent poll in the shared room"
    );
    // A member who gets hold of the poll's id cannot vote on it from the shared room: Synapse
    // refuses a relation to an event in another room.
    let carer_room = carer.room(&room_id)?;
    let forged = carer
        .vote(&carer_room, &private.event_id, &private.answers[0].0)
        .await;
    assert!(
        forged
            .as_ref()
            .is_err_and(|error| error.to_string().contains("same room")),
        "{forged:?}"
    );

    let overview = ask(&network.client, &network.direct_chat, "!toestemming").await?;
    assert!(
        overview
            .body
            .contains("huisarts bij Praktijk De Linde): chat ✅, geschiedenis ❌, afspraken ✅"),
        "only the tapped switch changed: {}",
        overview.body
    );

    // The newer overview closed the older one's poll.
    network
        .client
        .wait_for_poll("the older overview's poll closed", |p| {
            p.event_id == private.event_id && p.ended
        })
        .await?;

    // Withdrawing the carer's chat by two taps takes them out of the network.
    let whom = open_poll(
        &network.client,
        &network.bot,
        &dm_id,
        "Over wie",
        &[whom.event_id.clone(), private.event_id.clone()],
    )
    .await?;
    let carer_answer = whom
        .answer_containing(carer.user_id().localpart())
        .context("the carer is offered")?;
    network
        .client
        .vote(&network.direct_chat, &whom.event_id, &carer_answer)
        .await?;
    let what_carer = open_poll(
        &network.client,
        &network.bot,
        &dm_id,
        "Wat mag",
        std::slice::from_ref(&what.event_id),
    )
    .await?;
    let chat = what_carer
        .answer_containing("uit het netwerk te halen")
        .context("chat offered to switch off")?;
    network
        .client
        .vote(&network.direct_chat, &what_carer.event_id, &chat)
        .await?;
    network
        .client
        .wait_until_out(&room_id, carer.user_id())
        .await?;
    let log = ask(&network.client, &network.direct_chat, "!logboek").await?;
    assert!(
        log.body.contains("trok de toestemming van") && log.body.contains("voor chat in"),
        "{}",
        log.body
    );
    Ok(())
}

/// What the store says about someone's place in the room, in the room's words.
fn stored_membership(network: &kring_core::network::Network, user: &str) -> Option<&'static str> {
    use kring_core::network::Membership;
    let id = kring_core::MatrixId::parse(user).ok()?;
    match network.member(&id)?.membership {
        Membership::Invited => Some("invite"),
        Membership::Joined => Some("join"),
        Membership::Left | Membership::Removed => None,
    }
}

/// The room's own view (the server's state), with everything that is not "in" as `None`.
pub(crate) async fn room_membership(
    asker: &TestClient,
    room_id: &RoomId,
    user: &UserId,
) -> Result<Option<&'static str>> {
    Ok(
        match asker.server_membership(room_id, user).await?.as_deref() {
            Some("invite") => Some("invite"),
            Some("join") => Some("join"),
            _ => None,
        },
    )
}

/// Over a random sequence of steps by random people, through the bot and around it in
/// "Element" (matrix-sdk calls), the store ends every step agreeing with the room's real
/// membership, as the server holds it. The seed is printed; `KRING_PROPERTY_SEED` replays one.
#[tokio::test]
async fn the_store_always_agrees_with_the_room() -> Result<()> {
    use rand::{Rng, SeedableRng};
    const STEPS: usize = 24;
    let seed: u64 = std::env::var("KRING_PROPERTY_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().r#gen());
    println!("KRING_PROPERTY_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    let network = Network::start().await?;
    let room_id = network.room_id();
    let mut people = Vec::new();
    for persona in [
        Persona::Carer,
        Persona::Carer,
        Persona::Professional,
        Persona::Carer,
    ] {
        let account = network.synapse.register(persona).await?;
        people.push(TestClient::login(&network.synapse.base_url(), &account).await?);
    }
    let mut done = Vec::new();
    for step in 0..STEPS {
        let stored = network
            .bot
            .store
            .network_by_room(room_id.as_str())
            .await?
            .context("stored")?;
        let index = rng.gen_range(0..people.len());
        let person = &people[index];
        let user = person.user_id().to_string();
        let other = people[(index + 1) % people.len()].user_id().to_string();
        let place = stored_membership(&stored, &user);
        // Weighted towards the usual path (invite, accept) so that members are often in the
        // room to leave, be removed or act.
        let possible: &[u8] = match place {
            None => &[0, 0, 0, 5],
            Some("invite") => &[1, 1, 1, 3, 4],
            _ => &[2, 2, 3, 4, 6, 7],
        };
        let action = match (possible[rng.gen_range(0..possible.len())], place) {
            (0, None) => {
                ask(
                    &network.client,
                    &network.room,
                    &format!("!uitnodigen {user} mantelzorger"),
                )
                .await?;
                "the client invites through the bot"
            }
            (1, Some("invite")) => {
                person.accept_invite(&room_id).await?;
                "the invitee accepts"
            }
            (2, Some("join")) => {
                person.room(&room_id)?.leave().await?;
                "a member leaves in their app"
            }
            (3, Some(_)) => {
                network.room.kick_user(person.user_id(), None).await?;
                "the client removes in their app"
            }
            (4, Some(_)) => {
                ask(
                    &network.client,
                    &network.room,
                    &format!("!toestemming {user} chat nee"),
                )
                .await?;
                "the client withdraws chat consent"
            }
            (5, None) => {
                network.room.invite_user_by_id(person.user_id()).await?;
                "the client invites in their app, around the bot"
            }
            (6, Some("join")) => {
                let room = person.room(&room_id)?;
                let reply =
                    ask(person, &room, &format!("!uitnodigen {other} mantelzorger")).await?;
                assert!(
                    !reply.body.contains("Ik heb"),
                    "a member's invite only proposes: {}",
                    reply.body
                );
                "a member proposes someone"
            }
            (7, Some("join")) => {
                let room = person.room(&room_id)?;
                ask(person, &room, &format!("!toestemming {other} chat nee")).await?;
                "a member tries to withdraw someone's consent"
            }
            _ => unreachable!("only possible steps are drawn"),
        };
        done.push(format!("{step}: {action} ({user})"));

        // Converged: for everyone, the store and the server say the same.
        let started = std::time::Instant::now();
        loop {
            let stored = network
                .bot
                .store
                .network_by_room(room_id.as_str())
                .await?
                .context("stored")?;
            let mut differences = Vec::new();
            for member in &people {
                let in_store = stored_membership(&stored, member.user_id().as_str());
                let in_room = room_membership(&network.client, &room_id, member.user_id()).await?;
                if in_store != in_room {
                    differences.push(format!(
                        "{}: store {in_store:?}, room {in_room:?}",
                        member.user_id()
                    ));
                }
            }
            if differences.is_empty() {
                break;
            }
            if started.elapsed() > std::time::Duration::from_secs(30) {
                anyhow::bail!(
                    "KRING_PROPERTY_SEED={seed}: the store and the room disagree after\n{}\n{differences:#?}",
                    done.join("\n")
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    }
    println!("{}", done.join("\n"));
    Ok(())
}

/// History consent: a member who joined later reads nothing from before (the room's history is
/// "joined"); with the client's consent the bot shares copies in a room of their own, and takes
/// them away again when the consent is withdrawn.
#[tokio::test]
async fn history_consent_shares_earlier_messages_and_takes_them_back() -> Result<()> {
    let network = Network::start().await?;
    let room_id = network.room_id();
    let carer = network.add(Persona::Carer, "mantelzorger").await?;
    let said = network
        .client
        .send_text(&network.room, "Dinsdag om tien uur naar de huisarts")
        .await?;
    carer
        .wait_for("the earlier message", |m| m.event_id == said)
        .await?;
    let gp = network
        .add(Persona::Professional, "huisarts Praktijk De Linde")
        .await?;
    assert!(
        !gp.received().iter().any(|m| m.event_id == said),
        "a newcomer reads nothing from before they joined"
    );

    let gp_id = gp.user_id().to_string();
    let given = ask(
        &network.client,
        &network.direct_chat,
        &format!("!toestemming {gp_id} geschiedenis ja"),
    )
    .await?;
    assert!(
        given.body.contains("mag nu geschiedenis zien"),
        "{}",
        given.body
    );
    let history_room_id = gp.wait_for_any_invite().await?;
    let history_room = gp.accept_invite(&history_room_id).await?;
    assert_eq!(
        history_room.name().as_deref(),
        Some(kring_core::messages::HISTORY_ROOM_NAME),
        "a neutral name"
    );
    let copy = wait_for_bot(
        &gp,
        &network.bot,
        &history_room_id,
        "Dinsdag om tien uur naar de huisarts",
    )
    .await?;
    assert!(copy.was_encrypted, "the copy is encrypted");
    assert!(copy.body.contains("Eerdere berichten"), "{}", copy.body);

    let withdrawn = ask(
        &network.client,
        &network.direct_chat,
        &format!("!toestemming {gp_id} geschiedenis nee"),
    )
    .await?;
    assert!(
        withdrawn.body.contains("mag geschiedenis niet meer zien"),
        "{}",
        withdrawn.body
    );
    wait_for_bot(&gp, &network.bot, &history_room_id, "ingetrokken").await?;
    // The server holds the copy redacted: no text left for anyone to read.
    let request = matrix_sdk::ruma::api::client::room::get_room_event::v3::Request::new(
        history_room_id.clone(),
        copy.event_id.clone(),
    );
    let raw = gp.client.send(request).await?.event;
    let json: serde_json::Value = serde_json::from_str(raw.json().get())?;
    assert!(
        json["unsigned"]["redacted_because"].is_object(),
        "the copy is redacted: {json}"
    );
    assert_eq!(
        json["content"],
        serde_json::json!({}),
        "nothing left: {json}"
    );
    assert!(
        gp.is_in_room(&room_id, gp.user_id()).await?,
        "still in the network"
    );

    // Given again, and this time ending by its date: the copies go when it ends.
    ask(
        &network.client,
        &network.direct_chat,
        &format!("!toestemming {gp_id} geschiedenis ja"),
    )
    .await?;
    let second = gp
        .wait_for("a second copy", |m| {
            m.room_id == history_room_id
                && m.event_id != copy.event_id
                && m.body.contains("Dinsdag om tien uur")
        })
        .await?;
    kring_testbed::consent_ending_at(
        &network.bot.store,
        room_id.as_str(),
        network.client.user_id().as_str(),
        &gp_id,
        kring_core::consent::InfoKind::PastHistory,
        kring_testbed::now_millis() + 2000,
    )
    .await?;
    gp.wait_for("the copies taken away when the consent ended", |m| {
        m.room_id == history_room_id
            && m.body.contains("ingetrokken")
            && m.event_id != withdrawn.event_id
            && gp
                .received()
                .iter()
                .filter(|earlier| earlier.body.contains("ingetrokken"))
                .count()
                >= 2
    })
    .await?;
    let request = matrix_sdk::ruma::api::client::room::get_room_event::v3::Request::new(
        history_room_id.clone(),
        second.event_id.clone(),
    );
    let raw = gp.client.send(request).await?.event;
    let json: serde_json::Value = serde_json::from_str(raw.json().get())?;
    assert!(
        json["unsigned"]["redacted_because"].is_object(),
        "the second copy is redacted when the consent ended: {json}"
    );

    // Out of the network (chat withdrawn) is out of their history room too.
    ask(
        &network.client,
        &network.direct_chat,
        &format!("!toestemming {gp_id} chat nee"),
    )
    .await?;
    network
        .client
        .wait_until_out(&room_id, gp.user_id())
        .await?;
    // The server no longer lets them look at it; their own app shows it left.
    let started = std::time::Instant::now();
    while gp.room(&history_room_id)?.state() != matrix_sdk::RoomState::Left {
        anyhow::ensure!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "still in the history room"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    // Personal kinds are never for an organisation.
    let organisation = ask(
        &network.client,
        &network.room,
        "!toestemming organisatie Praktijk De Linde geschiedenis ja",
    )
    .await?;
    assert!(
        organisation.body.contains("geen organisaties"),
        "{}",
        organisation.body
    );

    let log = ask(&network.client, &network.direct_chat, "!logboek").await?;
    assert!(
        log.body.contains("toestemming voor geschiedenis"),
        "{}",
        log.body
    );
    assert!(
        log.body.contains("om eerdere berichten te lezen liep af"),
        "{}",
        log.body
    );
    Ok(())
}
