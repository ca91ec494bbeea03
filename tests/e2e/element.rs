//! What a client does in Element Web, in headless Chromium, against a real Synapse and the real
//! bot: the team's Element build served by Kring's own code. Every step leaves a screenshot in
//! `artifacts/screenshots/` (or `KRING_ARTIFACTS_DIR`), and every room the person looks at is
//! checked for Element's warnings: shields and "unable to decrypt".

use anyhow::{Result, ensure};
use kring_testbed::{
    ElementPerson, ElementWeb, InProcessBot, Persona, TestClient, TestSynapse, fresh_sqlite_url,
};

/// Fails with every warning Element shows in the room the person has open.
async fn no_warnings_in_view(person: &ElementPerson, room: &str) -> Result<()> {
    let warnings = person.warnings().await?;
    ensure!(
        warnings.is_empty(),
        "Element warns in {room}: {warnings:#?}"
    );
    Ok(())
}

/// A client's first steps, all in Element: open the chat with the bot from the link Kring gives,
/// start a network, read the welcome; approve a professional's proposal with one tap on the
/// poll under it; and withdraw a carer's access by tapping the consent polls, after which the
/// carer is gone from the member list. The professional and the carer use other (matrix-sdk)
/// clients, cross-signed as Element's own devices are, so that their messages carry no shield.
#[tokio::test]
async fn a_client_does_everything_in_element() -> Result<()> {
    let synapse = TestSynapse::start().await?;
    let dir = tempfile::tempdir()?;
    let element = ElementWeb::serve(&synapse).await?;
    let bot =
        InProcessBot::start_beside_element_web(&synapse, &fresh_sqlite_url(dir.path()), &element)
            .await?;
    let client_account = synapse.register(Persona::Client).await?;
    let gp_account = synapse.register(Persona::Professional).await?;
    let carer_account = synapse.register(Persona::Carer).await?;
    let gp = TestClient::login(&synapse.base_url(), &gp_account).await?;
    let carer = TestClient::login(&synapse.base_url(), &carer_account).await?;

    // 1. Sign in, open the chat with the bot, start a network.
    let mut client = ElementPerson::sign_in(&element, &client_account, "client").await?;
    client.open_direct_chat(&element, &bot.user_id).await?;
    client.wait_for_message("Kring-bot").await?;
    client.browser.screenshot("direct-chat-greeting").await?;
    client.send("!start").await?;
    client.wait_for_message("Uw netwerk is gemaakt").await?;
    no_warnings_in_view(&client, "the direct chat").await?;
    client.browser.screenshot("network-made").await?;
    client.open_room("Kring").await?;
    client.accept_invite().await?;
    client.wait_for_message("Dit is uw netwerk").await?;
    client.dismiss_toasts().await?;
    no_warnings_in_view(&client, "the new network").await?;
    client.browser.screenshot("welcome").await?;

    // 2. The client invites their GP by typing; the GP proposes a family carer; the client
    //    approves with one tap on the poll under the proposal (votes are encrypted).
    client
        .send(&format!(
            "!uitnodigen {} huisarts Praktijk De Linde",
            gp_account.user_id
        ))
        .await?;
    let network_room = gp.wait_for_any_invite().await?;
    gp.accept_invite(&network_room).await?;
    client
        .wait_for_message_with(&["Welkom", &gp_account.username])
        .await?;
    gp.send_text(
        &gp.room(&network_room)?,
        &format!("!uitnodigen {} mantelzorger", carer_account.user_id),
    )
    .await?;
    client.wait_for_message("Voorstel 1:").await?;
    client.browser.screenshot("proposal").await?;
    client.vote("Ja, dat mag").await?;
    client.wait_for_message("Voorstel 1 is aangenomen").await?;
    client.browser.screenshot("proposal-approved").await?;
    carer.wait_for_any_invite().await?;
    carer.accept_invite(&network_room).await?;
    carer
        .wait_until_joined(&network_room, carer.user_id())
        .await?;
    client
        .wait_for_message_with(&["Welkom", &carer_account.username])
        .await?;
    no_warnings_in_view(&client, "the network with the GP and the carer").await?;
    let members = client.member_list().await?;
    ensure!(
        members
            .iter()
            .any(|name| name.contains(&carer_account.username)),
        "the carer is in the member list first: {members:?}"
    );
    client.browser.screenshot("members-before").await?;

    // 3. In the private chat with the bot: the consent overview, then two taps to withdraw the
    //    carer's access to the chat, which takes them out of the network.
    client.open_room("kring").await?;
    client.send("!toestemming").await?;
    client.wait_for_message("Wat mag wie zien").await?;
    client
        .wait_for_poll("Over wie wilt u iets veranderen")
        .await?;
    client.vote(&carer_account.username).await?;
    client.wait_for_poll("Tik op wat u wilt veranderen").await?;
    client.browser.screenshot("consent-poll").await?;
    client.vote("chat: nu wel").await?;
    carer.wait_until_out(&network_room, carer.user_id()).await?;
    no_warnings_in_view(&client, "the direct chat after the polls").await?;
    client.browser.screenshot("consent-withdrawn").await?;
    client.open_room("Kring").await?;
    let started = std::time::Instant::now();
    loop {
        let members = client.member_list().await?;
        if !members
            .iter()
            .any(|name| name.contains(&carer_account.username))
        {
            break;
        }
        ensure!(
            started.elapsed() < kring_testbed::PATIENCE,
            "the carer stays in the member list: {members:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    no_warnings_in_view(&client, "the network after the withdrawal").await?;
    client.browser.screenshot("members-after").await?;
    client.browser.close().await?;
    Ok(())
}

/// A client plans a resource-group meeting and confirms the moment in Element Web by tapping:
/// the meeting's own room comes as an invite, each moment is a poll answered with one tap, and
/// once everyone answered, one tap on the bot's choice poll agrees it; the announcement and the
/// calendar file follow, with no warnings in view.
#[tokio::test]
async fn a_client_plans_and_confirms_a_meeting_in_element() -> Result<()> {
    let synapse = TestSynapse::start().await?;
    let dir = tempfile::tempdir()?;
    let element = ElementWeb::serve(&synapse).await?;
    let bot =
        InProcessBot::start_beside_element_web(&synapse, &fresh_sqlite_url(dir.path()), &element)
            .await?;
    let client_account = synapse.register(Persona::Client).await?;
    let carer_account = synapse.register(Persona::Carer).await?;
    let carer = TestClient::login(&synapse.base_url(), &carer_account).await?;

    let mut client = ElementPerson::sign_in(&element, &client_account, "meeting-client").await?;
    client.open_direct_chat(&element, &bot.user_id).await?;
    client.wait_for_message("Kring-bot").await?;
    client.send("!start").await?;
    client.wait_for_message("Uw netwerk is gemaakt").await?;
    client.open_room("Kring").await?;
    client.accept_invite().await?;
    client.wait_for_message("Dit is uw netwerk").await?;
    client.dismiss_toasts().await?;
    client
        .send(&format!(
            "!uitnodigen {} mantelzorger",
            carer_account.user_id
        ))
        .await?;
    let network_room = carer.wait_for_any_invite().await?;
    carer.accept_invite(&network_room).await?;
    client
        .wait_for_message_with(&["Welkom", &carer_account.username])
        .await?;

    // In the private chat: the carer may see appointments; a meeting with the bot's suggestions.
    client.open_room("kring").await?;
    client
        .send(&format!(
            "!toestemming {} afspraken ja",
            carer_account.user_id
        ))
        .await?;
    client.wait_for_message("mag nu").await?;
    client.send("!overleg voorstel; plaats video").await?;
    // Whom to invite: one tap per person (the carer is invited already); then one to send.
    client.wait_for_message("Wie nodigt u uit?").await?;
    client.wait_for_poll("Klaar met kiezen?").await?;
    client.dismiss_toasts().await?;
    client.browser.screenshot("meeting-invitees").await?;
    client.vote_in("Klaar met kiezen?", "Versturen").await?;

    // The meeting's own room: the moments as polls, one tap each.
    client.open_room("Overleg").await?;
    client.accept_invite().await?;
    client.wait_for_message("Welkom bij het overleg").await?;
    client.wait_for_poll("Moment 3:").await?;
    client.dismiss_toasts().await?;
    let meeting_room = carer.wait_for_any_invite().await?;
    let carer_meeting = carer.accept_invite(&meeting_room).await?;
    let polls = {
        let started = std::time::Instant::now();
        loop {
            let polls: Vec<_> = carer
                .polls()
                .into_iter()
                .filter(|poll| poll.room_id == meeting_room && poll.question.starts_with("Moment "))
                .collect();
            if polls.len() == 3 {
                break polls;
            }
            ensure!(
                started.elapsed() < kring_testbed::PATIENCE,
                "three moments: {polls:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    };
    for poll in &polls {
        let yes = poll.answer_containing("Ja").expect("Ja");
        carer.vote(&carer_meeting, &poll.event_id, &yes).await?;
    }
    client.vote_in("Moment 1:", "Misschien").await?;
    client.vote_in("Moment 2:", "Ja").await?;
    client.vote_in("Moment 3:", "Nee").await?;
    client.browser.screenshot("meeting-moments").await?;

    // Everyone answered: one tap confirms the best moment.
    client.wait_for_message("Iedereen heeft geantwoord").await?;
    client.wait_for_poll("Welk moment kiest u").await?;
    client.browser.screenshot("meeting-choice").await?;
    client.vote("(beste)").await?;
    client.wait_for_message("Het overleg is gepland").await?;
    carer
        .wait_for("the calendar file", |m| {
            m.room_id == meeting_room && m.file.is_some()
        })
        .await?;
    // Element shows the file after the announcement; a moment to draw it.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    no_warnings_in_view(&client, "the meeting's room").await?;
    client.browser.screenshot("meeting-agreed").await?;
    client.browser.close().await?;
    Ok(())
}

/// The client, in Element, is asked whether a professional may ask advice of someone outside
/// the network, and agrees with one tap; only then is the outsider invited to the consult room.
#[tokio::test]
async fn a_client_lets_a_consult_go_outside_the_network_in_element() -> Result<()> {
    let synapse = TestSynapse::start().await?;
    let dir = tempfile::tempdir()?;
    let element = ElementWeb::serve(&synapse).await?;
    let bot =
        InProcessBot::start_beside_element_web(&synapse, &fresh_sqlite_url(dir.path()), &element)
            .await?;
    let client_account = synapse.register(Persona::Client).await?;
    let gp_account = synapse.register(Persona::Professional).await?;
    let gp = TestClient::login(&synapse.base_url(), &gp_account).await?;
    let outsider_account = synapse.register(Persona::Professional).await?;
    let outsider = TestClient::login(&synapse.base_url(), &outsider_account).await?;

    let mut client = ElementPerson::sign_in(&element, &client_account, "consult-client").await?;
    client.open_direct_chat(&element, &bot.user_id).await?;
    client.wait_for_message("Kring-bot").await?;
    client.send("!start").await?;
    client.wait_for_message("Uw netwerk is gemaakt").await?;
    client.open_room("Kring").await?;
    client.accept_invite().await?;
    client.wait_for_message("Dit is uw netwerk").await?;
    client.dismiss_toasts().await?;
    client
        .send(&format!(
            "!uitnodigen {} huisarts Praktijk De Linde",
            gp_account.user_id
        ))
        .await?;
    let network_room = gp.wait_for_any_invite().await?;
    gp.accept_invite(&network_room).await?;
    client
        .wait_for_message_with(&["Welkom", &gp_account.username])
        .await?;

    let chat = crate::consults::private_chat_with(&gp, &bot).await?;
    crate::consults::fill_in(&bot, &network_room, &gp, &chat, &outsider_account.user_id).await?;
    client.wait_for_poll("wil advies vragen aan").await?;
    client.dismiss_toasts().await?;
    ensure!(
        outsider.client.invited_rooms().is_empty(),
        "nothing goes out before the client's tap"
    );
    client
        .browser
        .screenshot("consult-consent-question")
        .await?;
    client
        .vote_in("wil advies vragen aan", "Ja, dat mag")
        .await?;
    client.wait_for_message("krijgt de vraag").await?;
    no_warnings_in_view(&client, "the network room").await?;
    client.browser.screenshot("consult-consent-given").await?;
    outsider.wait_for_any_invite().await?;
    client.browser.close().await?;
    Ok(())
}

/// Element Web pointed at a homeserver the browser cannot reach (nothing listens there): the
/// sign-in page says so plainly instead of failing silently. It carries Kring's logo.
#[tokio::test]
async fn element_says_when_it_cannot_reach_the_homeserver() -> Result<()> {
    let port = kring_homeserver::free_loopback_port()?;
    let element = ElementWeb::serve_for(&format!("http://127.0.0.1:{port}"), "kring.test").await?;
    let mut browser = kring_testbed::Browser::start("homeserver-unreachable").await?;
    browser
        .client
        .goto(&format!("{}/#/login", element.url))
        .await?;
    browser
        .wait_for_text("body", "Cannot reach homeserver")
        .await?;
    let logo = browser
        .client
        .find(kring_testbed::Locator::Css("img[src$='/kring/logo.svg']"))
        .await?;
    let width = browser
        .client
        .execute(
            "return arguments[0].naturalWidth;",
            vec![serde_json::to_value(&logo)?],
        )
        .await?;
    ensure!(
        width.as_u64().unwrap_or(0) > 0,
        "the Kring logo did not load"
    );
    browser.screenshot("cannot-reach-homeserver").await?;
    browser.close().await?;
    Ok(())
}
