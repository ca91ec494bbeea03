//! Meedenkconsults against a real Synapse with real end-to-end encryption: a professional asks a
//! colleague for advice, answers the form in their private chat, the consultant accepts with one
//! tap in the consult room and answers there, and the requester's gist reaches the network after
//! one more tap. A consultant outside the network sees nothing before the client agrees; when the
//! client refuses, nothing leaves the network. The deadline runs on the region's working days,
//! on a test clock: the consultant is reminded, and when it passes the requester and the region's
//! contact are told.

use crate::networks::{Network, ask, wait_for_bot};
use anyhow::{Context, Result, ensure};
use kring_core::consult::ConsultState;
use kring_testbed::{Persona, TestClient};
use matrix_sdk::Room;
use matrix_sdk::ruma::OwnedRoomId;
use std::time::Duration;

/// What the requester types about the client: it must never reach the network room.
const QUESTION: &str = "Is lithium hier een optie naast de sertraline?";
const SUMMARY: &str = "Sinds maart somber, slaapt slecht, werk gestopt.";

/// The requester's private chat with the bot, opened and answered once so the bot knows it.
async fn private_chat(member: &TestClient, network: &Network) -> Result<Room> {
    private_chat_with(member, &network.bot).await
}

pub(crate) async fn private_chat_with(
    member: &TestClient,
    bot: &kring_testbed::InProcessBot,
) -> Result<Room> {
    let chat = member.open_direct_chat(&bot.user_id).await?;
    let hello = ask(member, &chat, "!help").await?;
    ensure!(hello.body.contains("!consult"), "{}", hello.body);
    Ok(chat)
}

/// `requester` asks `consultant` in the network room and answers the form in `chat`; returns
/// the bot's answer to "versturen".
async fn ask_and_fill_in(
    network: &Network,
    requester: &TestClient,
    chat: &Room,
    consultant: &str,
) -> Result<String> {
    fill_in(
        &network.bot,
        &network.room_id(),
        requester,
        chat,
        consultant,
    )
    .await
}

/// [`ask_and_fill_in`] on any bot, for a network in `network_room_id`.
pub(crate) async fn fill_in(
    bot: &kring_testbed::InProcessBot,
    network_room_id: &OwnedRoomId,
    requester: &TestClient,
    chat: &Room,
    consultant: &str,
) -> Result<String> {
    let network_room = requester.room(network_room_id)?;
    let pointed = ask(requester, &network_room, &format!("!consult {consultant}")).await?;
    ensure!(
        pointed.body.contains("privégesprek"),
        "the network room hears only where the questions go: {}",
        pointed.body
    );
    let chat_id = chat.room_id().to_owned();
    wait_for_bot(requester, bot, &chat_id, "1. Wat is uw vraag?").await?;
    let second = ask(requester, chat, QUESTION).await?;
    ensure!(
        second.body.contains("2. Een korte samenvatting"),
        "{}",
        second.body
    );
    let third = ask(requester, chat, SUMMARY).await?;
    ensure!(third.body.contains("3. Medicatie"), "{}", third.body);
    let fourth = ask(requester, chat, "overslaan").await?;
    ensure!(fourth.body.contains("4. Hoe dringend"), "{}", fourth.body);
    // A wrong answer changes nothing: the question is asked again.
    let unclear = ask(requester, chat, "morgen graag").await?;
    ensure!(unclear.body.contains("past niet"), "{}", unclear.body);
    wait_for_bot(requester, bot, &chat_id, "4. Hoe dringend").await?;
    let look = ask(requester, chat, "1").await?;
    ensure!(
        look.body.contains(QUESTION),
        "the last look shows it: {}",
        look.body
    );
    let sent = ask(requester, chat, "versturen").await?;
    Ok(sent.body)
}

/// The consult room `member` is invited to, joined.
async fn join_consult_room(member: &TestClient) -> Result<Room> {
    let room_id = member.wait_for_any_invite().await?;
    member.accept_invite(&room_id).await
}

async fn tap(member: &TestClient, room: &Room, question_starts: &str, answer: &str) -> Result<()> {
    let room_id = room.room_id().to_owned();
    let poll = member
        .wait_for_poll(question_starts, |poll| {
            poll.room_id == room_id && poll.question.starts_with(question_starts)
        })
        .await?;
    let answer_id = poll.answer_containing(answer).context("the answer")?;
    member.vote(room, &poll.event_id, &answer_id).await
}

async fn consults(network: &Network) -> Result<Vec<kring_store::StoredConsult>> {
    let client = kring_core::MatrixId::parse(network.client.user_id().as_str())?;
    let steered = network.bot.store.networks_steered_by(&client).await?;
    let network_id = steered.first().context("the client's network")?;
    Ok(network.bot.store.consults_of_network(network_id).await?)
}

fn nobody_read_in(member: &TestClient, room_id: &OwnedRoomId, text: &str) -> bool {
    !member
        .received()
        .iter()
        .any(|m| &m.room_id == room_id && m.body.contains(text))
}

#[tokio::test]
async fn a_professional_asks_a_colleague_in_the_network_and_the_gist_reaches_the_client()
-> Result<()> {
    let network = Network::start().await?;
    let gp = network
        .add(Persona::Professional, "huisarts Praktijk De Linde")
        .await?;
    let psychiatrist = network
        .add(Persona::Professional, "psychiater GGZ Noord")
        .await?;
    let chat = private_chat(&gp, &network).await?;
    let sent = ask_and_fill_in(&network, &gp, &chat, psychiatrist.user_id().as_str()).await?;
    ensure!(sent.contains("Verstuurd aan"), "{sent}");
    ensure!(sent.contains("uiterlijk"), "{sent}");

    // The network reads that advice was asked, of whom and by when; never what about.
    let room_id = network.room_id();
    let line = wait_for_bot(
        &network.client,
        &network.bot,
        &room_id,
        "Advies gevraagd aan",
    )
    .await?;
    ensure!(line.body.contains("antwoord uiterlijk"), "{}", line.body);

    // The consult room: the consultant reads the request, encrypted, and takes it on.
    let consult_room = join_consult_room(&psychiatrist).await?;
    let consult_room_id = consult_room.room_id().to_owned();
    let request = wait_for_bot(
        &psychiatrist,
        &network.bot,
        &consult_room_id,
        "Meedenkconsult van",
    )
    .await?;
    ensure!(request.was_encrypted, "the request is encrypted");
    ensure!(
        request.body.contains(QUESTION) && request.body.contains(SUMMARY),
        "{}",
        request.body
    );
    // The client may read along, from their invitation on: not what was said before.
    let joined = ask(&network.client, &network.room, "!consult meelezen").await?;
    ensure!(
        joined.body.contains("uitgenodigd in de consultkamer"),
        "{}",
        joined.body
    );
    network.client.accept_invite(&consult_room_id).await?;
    tap(
        &psychiatrist,
        &consult_room,
        "Neemt u dit consult aan?",
        "Ja",
    )
    .await?;
    wait_for_bot(
        &network.client,
        &network.bot,
        &consult_room_id,
        "heeft het consult aangenomen",
    )
    .await?;
    wait_for_bot(
        &psychiatrist,
        &network.bot,
        &consult_room_id,
        "heeft het consult aangenomen",
    )
    .await?;

    // The deadline shows in `!netwerk` and in the `!afspraken` of the requester and the client.
    let overview = ask(&network.client, &network.room, "!netwerk").await?;
    ensure!(
        overview.body.contains("Gevraagd advies"),
        "{}",
        overview.body
    );
    ensure!(
        overview.body.contains("antwoord uiterlijk"),
        "{}",
        overview.body
    );
    for (member, private) in [(&gp, &chat), (&network.client, &network.direct_chat)] {
        let agenda = ask(member, private, "!afspraken").await?;
        ensure!(
            agenda.body.contains("Advies gevraagd aan"),
            "{}",
            agenda.body
        );
        ensure!(!agenda.body.contains(QUESTION), "{}", agenda.body);
    }

    // Only the consultant answers.
    let gp_consult_room = join_consult_room(&gp).await?;
    let not_theirs = ask(&gp, &gp_consult_room, "!consult antwoord advies 10").await?;
    ensure!(
        !not_theirs.body.contains("Het advies is gegeven"),
        "{}",
        not_theirs.body
    );
    let answered = ask(&psychiatrist, &consult_room, "!consult antwoord advies 30").await?;
    ensure!(
        answered.body.contains("Het advies is gegeven"),
        "{}",
        answered.body
    );

    // The gist, shown back, goes to the network with one tap.
    let gist = "Geen lithium; eerst de slaap op orde, over vier weken opnieuw kijken.";
    gp.send_text(&gp_consult_room, &format!("!consult deel {gist}"))
        .await?;
    tap(
        &gp,
        &gp_consult_room,
        "Dit delen met het netwerk?",
        "Ja, delen",
    )
    .await?;
    let shared = wait_for_bot(&network.client, &network.bot, &room_id, gist).await?;
    ensure!(
        shared.was_encrypted && shared.body.contains("Advies van"),
        "{}",
        shared.body
    );

    let status = ask(&network.client, &network.room, "!consult stand").await?;
    ensure!(
        status.body.contains("Advies gegeven door"),
        "{}",
        status.body
    );
    // The question and summary were never in the network room, nor in the client's view.
    for text in [QUESTION, SUMMARY] {
        ensure!(
            nobody_read_in(&network.client, &room_id, text),
            "{text} leaked"
        );
        ensure!(
            !network
                .client
                .received()
                .iter()
                .any(|m| m.body.contains(text)),
            "the client read {text}"
        );
    }
    let stored = consults(&network).await?;
    let [consult] = stored.as_slice() else {
        anyhow::bail!("one consult, not {}", stored.len());
    };
    ensure!(
        consult.consult.state == ConsultState::Closed,
        "{:?}",
        consult.consult.state
    );
    ensure!(consult.minutes_spent == Some(30));
    ensure!(consult.accepted_at.is_some() && consult.answered_at.is_some());
    ensure!(
        consult.opened_at.is_some(),
        "the consultant's join is when they had it"
    );

    // Only the bot lets people into a consult room: the requester cannot invite anyone.
    let stranger = network.synapse.register(Persona::Carer).await?;
    let stranger_id = matrix_sdk::ruma::UserId::parse(stranger.user_id.as_str())?;
    let invited = gp_consult_room.invite_user_by_id(&stranger_id).await;
    let why = format!(
        "{:#}",
        invited.err().context("the requester invited someone")?
    );
    ensure!(
        why.contains("M_FORBIDDEN"),
        "refused for another reason: {why}"
    );
    // Out of the network, out of its consult rooms too.
    ask(
        &network.client,
        &network.direct_chat,
        &format!("!toestemming {} chat nee", psychiatrist.user_id()),
    )
    .await?;
    gp.wait_until_out(&consult_room_id, psychiatrist.user_id())
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_consultant_outside_the_network_sees_nothing_when_the_client_says_no() -> Result<()> {
    let network = Network::start().await?;
    let gp = network
        .add(Persona::Professional, "huisarts Praktijk De Linde")
        .await?;
    let account = network.synapse.register(Persona::Professional).await?;
    let outsider = TestClient::login(&network.synapse.base_url(), &account).await?;
    let chat = private_chat(&gp, &network).await?;
    let waiting = ask_and_fill_in(&network, &gp, &chat, &account.user_id).await?;
    ensure!(waiting.contains("zit niet in het netwerk"), "{waiting}");

    // The client is asked in the network room, naming who would see it.
    let room_id = network.room_id();
    let question = network
        .client
        .wait_for_poll("the consent question", |poll| {
            poll.room_id == room_id && poll.question.contains("wil advies vragen aan")
        })
        .await?;
    ensure!(
        question.question.contains(&account.user_id),
        "{}",
        question.question
    );
    // Nobody else's tap counts.
    let gp_room = gp.room(&room_id)?;
    let yes = question.answer_containing("Ja").context("yes")?;
    gp.vote(&gp_room, &question.event_id, &yes).await?;
    let no = question.answer_containing("Nee").context("no")?;
    network
        .client
        .vote(&network.room, &question.event_id, &no)
        .await?;
    let told = wait_for_bot(
        &gp,
        &network.bot,
        &chat.room_id().to_owned(),
        "niet delen met",
    )
    .await?;
    ensure!(told.body.contains("Er is niets gedeeld"), "{}", told.body);

    // Nothing left the network: no room, no invite, no text for the outsider.
    tokio::time::sleep(Duration::from_secs(3)).await;
    outsider.client.sync_once(Default::default()).await?;
    ensure!(
        outsider.client.invited_rooms().is_empty(),
        "the outsider got an invite"
    );
    ensure!(
        outsider.client.joined_rooms().is_empty(),
        "the outsider is in a room"
    );
    ensure!(
        outsider.received().is_empty(),
        "the outsider read something"
    );
    let stored = consults(&network).await?;
    ensure!(stored.len() == 1 && stored[0].consult.state == ConsultState::ConsentRefused);
    ensure!(stored[0].room_id.is_none(), "no consult room was made");
    Ok(())
}

/// The client agrees to a consultant outside the network; the consultant is reminded on the
/// morning of the last working day and, when the day is over, the requester and the region's
/// contact are told (the region by the consult's random id only) and it shows as overdue.
#[tokio::test]
async fn an_outside_consultant_after_the_clients_yes_is_reminded_and_then_overdue() -> Result<()> {
    use chrono::TimeZone;
    use std::sync::Arc;
    // A Monday morning, so that three working days end on Thursday.
    let monday = kring_core::time::LOCAL_TIME_ZONE
        .with_ymd_and_hms(2027, 3, 8, 10, 0, 0)
        .single()
        .context("a moment")?
        .with_timezone(&chrono::Utc);
    let clock = Arc::new(kring_core::time::TestClock::at(monday));
    let network = Network::start_with_clock(clock.clone()).await?;
    let gp = network
        .add(Persona::Professional, "huisarts Praktijk De Linde")
        .await?;
    let account = network.synapse.register(Persona::Professional).await?;
    let outsider = TestClient::login(&network.synapse.base_url(), &account).await?;
    let regio_account = network.synapse.register_named("regio").await?;
    let regio = TestClient::login(&network.synapse.base_url(), &regio_account).await?;
    let regio_chat = private_chat(&regio, &network).await?;
    let chat = private_chat(&gp, &network).await?;
    ask_and_fill_in(&network, &gp, &chat, &account.user_id).await?;
    let room_id = network.room_id();
    let question = network
        .client
        .wait_for_poll("the consent question", |poll| {
            poll.room_id == room_id && poll.question.contains("wil advies vragen aan")
        })
        .await?;
    let yes = question.answer_containing("Ja").context("yes")?;
    network
        .client
        .vote(&network.room, &question.event_id, &yes)
        .await?;
    let chat_id = chat.room_id().to_owned();
    let sent = wait_for_bot(&gp, &network.bot, &chat_id, "Verstuurd aan").await?;
    ensure!(sent.body.contains("donderdag 11 maart"), "{}", sent.body);
    let line = wait_for_bot(
        &network.client,
        &network.bot,
        &room_id,
        "Advies gevraagd aan",
    )
    .await?;
    ensure!(
        line.body.contains("antwoord uiterlijk donderdag 11 maart"),
        "{}",
        line.body
    );

    // Now they may: the consult room, the request, and consent of the consult kind recorded.
    let consult_room = join_consult_room(&outsider).await?;
    let consult_room_id = consult_room.room_id().to_owned();
    wait_for_bot(&outsider, &network.bot, &consult_room_id, QUESTION).await?;
    ensure!(
        nobody_read_in(&outsider, &room_id, QUESTION),
        "the outsider is not in the network room"
    );

    // Thursday at nine: the reminder in the consult room.
    let thursday_nine = kring_core::time::LOCAL_TIME_ZONE
        .with_ymd_and_hms(2027, 3, 11, 9, 1, 0)
        .single()
        .context("a moment")?
        .with_timezone(&chrono::Utc);
    clock.set(thursday_nine);
    wait_for_bot(&outsider, &network.bot, &consult_room_id, "Herinnering").await?;

    // Friday: overdue. The requester hears it; the region's contact hears only the random id.
    clock.set(thursday_nine + chrono::Duration::hours(16));
    let late = wait_for_bot(&gp, &network.bot, &chat_id, "had er uiterlijk").await?;
    ensure!(late.body.contains("donderdag 11 maart"), "{}", late.body);
    let regio_chat_id = regio_chat.room_id().to_owned();
    let region = wait_for_bot(&regio, &network.bot, &regio_chat_id, "over de termijn").await?;
    ensure!(region.body.contains("cst-"), "{}", region.body);
    ensure!(!region.body.contains(QUESTION) && !region.body.contains(gp.user_id().as_str()));
    let status = ask(&network.client, &network.room, "!consult stand").await?;
    ensure!(status.body.contains("te laat"), "{}", status.body);

    // Answered late; the region's retention time later the room closes: read-only, nothing
    // deleted.
    let answered = ask(&outsider, &consult_room, "!consult antwoord advies 20").await?;
    ensure!(
        answered.body.contains("Het advies is gegeven"),
        "{}",
        answered.body
    );
    clock.set(thursday_nine + chrono::Duration::days(32));
    wait_for_bot(&outsider, &network.bot, &consult_room_id, "gearchiveerd").await?;
    let refused = outsider.send_text(&consult_room, "nog een vraag").await;
    let why = format!(
        "{:#}",
        refused.err().context("the archived room took a message")?
    );
    ensure!(
        why.contains("M_FORBIDDEN"),
        "refused for another reason: {why}"
    );
    let history = outsider.history(&consult_room).await?;
    ensure!(
        history.iter().any(|event| event["content"]["body"]
            .as_str()
            .is_some_and(|body| body.contains(QUESTION))),
        "the request is still there to read"
    );
    Ok(())
}

#[tokio::test]
async fn a_declined_consult_tells_the_network_who_could_not_and_keeps_the_reason_to_the_two()
-> Result<()> {
    let network = Network::start().await?;
    let gp = network
        .add(Persona::Professional, "huisarts Praktijk De Linde")
        .await?;
    let psychiatrist = network
        .add(Persona::Professional, "psychiater GGZ Noord")
        .await?;
    let chat = private_chat(&gp, &network).await?;
    ask_and_fill_in(&network, &gp, &chat, psychiatrist.user_id().as_str()).await?;
    let consult_room = join_consult_room(&psychiatrist).await?;
    let consult_room_id = consult_room.room_id().to_owned();
    tap(
        &psychiatrist,
        &consult_room,
        "Neemt u dit consult aan?",
        "Nee",
    )
    .await?;
    let asked_why = wait_for_bot(
        &psychiatrist,
        &network.bot,
        &consult_room_id,
        "kan dit consult niet",
    )
    .await?;
    ensure!(
        asked_why.body.contains("!consult weiger"),
        "{}",
        asked_why.body
    );
    let reason = "geen plek deze maand";
    let kept = ask(
        &psychiatrist,
        &consult_room,
        &format!("!consult weiger {reason}"),
    )
    .await?;
    ensure!(kept.body.contains(reason), "{}", kept.body);

    let room_id = network.room_id();
    wait_for_bot(
        &network.client,
        &network.bot,
        &room_id,
        "kon het gevraagde advies niet geven",
    )
    .await?;
    ensure!(
        nobody_read_in(&network.client, &room_id, reason),
        "the reason reached the network"
    );
    // Declined is over: an answer now is out of order.
    let late = ask(&psychiatrist, &consult_room, "!consult antwoord advies 5").await?;
    ensure!(
        !late.body.contains("Het advies is gegeven"),
        "{}",
        late.body
    );
    let stored = consults(&network).await?;
    ensure!(stored.len() == 1 && stored[0].consult.state == ConsultState::Declined);
    ensure!(stored[0].decline_reason.as_deref() == Some(reason));
    Ok(())
}

/// The real `kring bots` process, SIGKILLed in the middle of the form and again right after
/// "versturen": what was typed is kept, and the consult room, the request, the consultant's
/// poll and the network's line each come exactly once (counted from the rooms' whole histories).
#[tokio::test]
async fn a_consult_survives_kills_mid_form_and_right_after_it_is_sent() -> Result<()> {
    use kring_testbed::{BotProcess, TestSynapse};
    let synapse = TestSynapse::start().await?;
    let mut bot =
        BotProcess::start(std::path::Path::new(env!("CARGO_BIN_EXE_kring")), &synapse).await?;
    let account = synapse.register(Persona::Client).await?;
    let client = TestClient::login(&synapse.base_url(), &account).await?;
    let direct_chat = client.open_direct_chat(&bot.user_id).await?;
    client.send_text(&direct_chat, "!start").await?;
    let room_id = client.wait_for_any_invite().await?;
    let room = client.accept_invite(&room_id).await?;
    client
        .wait_for("the welcome", |m| {
            m.room_id == room_id && m.body.contains("Dit is uw netwerk")
        })
        .await?;
    let mut professionals = Vec::new();
    for role in ["huisarts Praktijk De Linde", "psychiater GGZ Noord"] {
        let account = synapse.register(Persona::Professional).await?;
        let member = TestClient::login(&synapse.base_url(), &account).await?;
        ask(
            &client,
            &room,
            &format!("!uitnodigen {} {role}", account.user_id),
        )
        .await?;
        member.accept_invite(&room_id).await?;
        member
            .wait_for("the welcome", |m| {
                m.room_id == room_id && m.body.contains("Welkom")
            })
            .await?;
        professionals.push(member);
    }
    let [gp, psychiatrist] = professionals.as_slice() else {
        anyhow::bail!("two professionals");
    };
    let chat = gp.open_direct_chat(&bot.user_id).await?;
    ask(gp, &chat, "!help").await?;
    let gp_room = gp.room(&room_id)?;
    ask(
        gp,
        &gp_room,
        &format!("!consult {}", psychiatrist.user_id()),
    )
    .await?;
    let chat_id = chat.room_id().to_owned();
    gp.wait_for("the first question", |m| {
        m.room_id == chat_id && m.body.contains("1. Wat is uw vraag?")
    })
    .await?;
    ask(gp, &chat, QUESTION).await?;

    bot.kill_hard().await?;
    bot.spawn()?;
    let medication = ask(gp, &chat, SUMMARY).await?;
    ensure!(
        medication.body.contains("3. Medicatie"),
        "the form went on where it was: {}",
        medication.body
    );
    ask(gp, &chat, "overslaan").await?;
    let look = ask(gp, &chat, "1").await?;
    ensure!(
        look.body.contains(QUESTION) && look.body.contains(SUMMARY),
        "{}",
        look.body
    );
    gp.send_text(&chat, "versturen").await?;
    // Killed as the consult is made: the room, the request and the poll may be half done.
    tokio::time::sleep(Duration::from_millis(300)).await;
    bot.kill_hard().await?;
    bot.spawn()?;

    let consult_room_id = psychiatrist.wait_for_any_invite().await?;
    let consult_room = psychiatrist.accept_invite(&consult_room_id).await?;
    psychiatrist
        .wait_for_poll("the consultant's tap", |poll| {
            poll.room_id == consult_room_id && poll.question.starts_with("Neemt u dit consult aan?")
        })
        .await?;
    client
        .wait_for("the network's line", |m| {
            m.room_id == room_id && m.body.contains("Advies gevraagd aan")
        })
        .await?;
    gp.wait_for("the confirmation", |m| {
        m.room_id == chat_id && m.body.contains("Verstuurd aan")
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(3)).await;

    let count = |events: &[serde_json::Value], wanted: &dyn Fn(&serde_json::Value) -> bool| {
        events.iter().filter(|event| wanted(event)).count()
    };
    let body_has = |text: &'static str| {
        move |event: &serde_json::Value| {
            event["content"]["body"]
                .as_str()
                .is_some_and(|body| body.contains(text))
        }
    };
    let in_consult_room = psychiatrist.history(&consult_room).await?;
    ensure!(
        count(&in_consult_room, &body_has("Meedenkconsult van")) == 1,
        "one request"
    );
    let polls = count(&in_consult_room, &|event| {
        event["type"] == "org.matrix.msc3381.poll.start"
    });
    ensure!(polls == 1, "one accept/decline poll, not {polls}");
    let network_room = client.history(&room).await?;
    ensure!(
        count(&network_room, &body_has("Advies gevraagd aan")) == 1,
        "one line"
    );
    ensure!(
        count(&network_room, &body_has("lithium")) == 0,
        "the question stayed out of the network room"
    );
    let gp_chat = gp.history(&chat).await?;
    ensure!(
        count(&gp_chat, &body_has("Verstuurd aan")) == 1,
        "one confirmation"
    );
    ensure!(
        count(&gp_chat, &body_has("3. Medicatie")) == 1,
        "the form asked once"
    );
    // One consult room: the psychiatrist has no second invite.
    ensure!(
        psychiatrist.client.invited_rooms().is_empty(),
        "a second consult room"
    );
    let store = kring_store::Store::connect(&bot.database_url).await?;
    let network = store
        .network_by_room(room_id.as_str())
        .await?
        .context("stored")?;
    let stored = store.consults_of_network(&network.id).await?;
    ensure!(stored.len() == 1, "one consult, not {}", stored.len());
    ensure!(stored[0].room_id.as_deref() == Some(consult_room_id.as_ref()));
    ensure!(
        store.consult_form(gp.user_id().as_str()).await?.is_none(),
        "the form is gone"
    );

    // The reminder and then the deadline, each made due now and the bot killed the moment the
    // scheduler fires it: after the restart each is said once.
    let consult_id = stored[0].id.to_string();
    for (purpose, member, room, text) in [
        ("reminder", psychiatrist, &consult_room, "Herinnering"),
        ("overdue", gp, &chat, "had er uiterlijk"),
    ] {
        crate::network_restart::kill_when_it_fires(
            &store,
            &mut bot,
            "consult",
            &format!("{consult_id}:{purpose}"),
        )
        .await?;
        bot.spawn()?;
        let room_id = room.room_id().to_owned();
        member
            .wait_for(purpose, |m| m.room_id == room_id && m.body.contains(text))
            .await?;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let said = count(&member.history(room).await?, &body_has(text));
        ensure!(said == 1, "{purpose} said {said} times");
    }
    Ok(())
}

/// `kring consults export` as the region's beheer runs it, on SQLite and on a real PostgreSQL:
/// the CSV read back by an independent parser (Python's `csv`), the JSON by serde; the period's
/// consults only, with their practitioners, deadline, outcome, minutes and the funding route,
/// and nothing of what they were about.
async fn the_export_has_the_periods_consults_and_nothing_about_the_client(
    database_url: &str,
) -> Result<()> {
    use kring_core::consult::{
        ConsultChange, ConsultId, Outcome as Conclusion, Practitioner, Request, Urgency,
    };
    use kring_core::network::{NetworkId, NetworkState};
    use kring_core::plan::{Change, Plan};
    let dir = tempfile::tempdir()?;
    let store = kring_store::Store::connect(database_url).await?;
    let id = |name: &str| kring_core::MatrixId::parse(&format!("@{name}:kring.test")).unwrap();
    let millis = |y, m, d, h| {
        use chrono::TimeZone;
        kring_core::time::LOCAL_TIME_ZONE
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .timestamp_millis()
    };
    let network_id = NetworkId::parse("net-export").unwrap();
    let mut plan = Plan::new();
    plan.change(Change::CreateNetwork {
        network_id: network_id.clone(),
        client: id("anna"),
        started_by: id("anna"),
        state: NetworkState::Active,
        at: 1,
    });
    for (consult, asked) in [
        ("cst-march", millis(2027, 3, 8, 10)),
        ("cst-april", millis(2027, 4, 1, 0)),
    ] {
        plan.change(Change::Consult(ConsultChange::Ask {
            consult_id: ConsultId::parse(consult).unwrap(),
            network_id: network_id.clone(),
            requester: id("gp"),
            consultant: id("psy"),
            request: Request {
                question: QUESTION.into(),
                summary: SUMMARY.into(),
                medication: Some("sertraline 50 mg".into()),
                urgency: Urgency::Normal,
            },
            state: ConsultState::Requested,
            working_days: 3,
            sent_at: Some(asked),
            due_at: Some(millis(2027, 3, 12, 0)),
            requester_room: OwnedRoomId::try_from("!gp:kring.test")?,
            requester_practice: Some(Practitioner {
                organisation: "Praktijk \"De Linde\", Utrecht".into(),
                discipline: "huisarts".into(),
            }),
            consultant_practice: Some(Practitioner {
                organisation: "GGZ Noord".into(),
                discipline: "psychiater".into(),
            }),
            at: asked,
        }));
    }
    plan.change(Change::Consult(ConsultChange::Step {
        consult_id: ConsultId::parse("cst-march").unwrap(),
        from: ConsultState::Requested,
        to: ConsultState::Answered,
        at: millis(2027, 3, 10, 15),
        sent_at: None,
        due_at: None,
        outcome: Some(Conclusion::ReferralAdvised),
        reason: None,
        minutes_spent: Some(45),
    }));
    store
        .inbox_insert(
            "@kring:kring.test",
            &kring_store::NewInboxEntry {
                event_id: "$setup".into(),
                room_id: "!network:kring.test".into(),
                sender: "@gp:kring.test".into(),
                kind: kring_store::InboxKind::Command,
                body: Some("!consult".into()),
                encrypted_event: None,
                origin_ts: 1,
            },
        )
        .await?;
    store
        .apply_plan("@kring:kring.test", "$setup", &plan)
        .await?;
    let url_file = dir.path().join("database-url");
    std::fs::write(&url_file, database_url)?;
    let config = dir.path().join("kring.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\ndatabase_url_file = {:?}\n\n[consults]\nfunding_route = \"ketenfinanciering\"\n",
            dir.path().display().to_string(),
            url_file.display().to_string()
        ),
    )?;
    let kring = |args: &[&str]| -> Result<String> {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_kring"))
            .arg("--config")
            .arg(&config)
            .args([
                "consults",
                "export",
                "--from",
                "2027-03-01",
                "--to",
                "2027-04-01",
            ])
            .args(args)
            .output()?;
        ensure!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(String::from_utf8(output.stdout)?)
    };
    for text in [kring(&[])?, kring(&["--format", "json"])?] {
        for about_the_client in [QUESTION, SUMMARY, "sertraline", "net-export"] {
            ensure!(
                !text.contains(about_the_client),
                "{about_the_client} in {text}"
            );
        }
    }
    let json: serde_json::Value = serde_json::from_str(&kring(&["--format", "json"])?)?;
    let rows = json.as_array().context("a list")?;
    ensure!(rows.len() == 1, "the period's consult only: {json}");
    let row = &rows[0];
    ensure!(
        row["consult_id"] == "cst-march" && row["state"] == "answered",
        "{row}"
    );
    ensure!(
        row["outcome"] == "referral_advised" && row["minutes_spent"] == 45,
        "{row}"
    );
    ensure!(
        row["answered_in_time"] == true && row["overdue"] == false,
        "{row}"
    );
    ensure!(row["funding_route"] == "ketenfinanciering", "{row}");
    ensure!(row["due_at"] == "2027-03-11T23:00:00Z", "{row}");

    let csv_file = dir.path().join("consults.csv");
    kring(&["--output", csv_file.to_str().context("a path")?])?;
    let read_back = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import csv, json, sys\n\
             rows = list(csv.DictReader(open(sys.argv[1], newline='')))\n\
             print(json.dumps(rows))\n",
        )
        .arg(&csv_file)
        .output()?;
    ensure!(
        read_back.status.success(),
        "{}",
        String::from_utf8_lossy(&read_back.stderr)
    );
    let parsed: serde_json::Value = serde_json::from_slice(&read_back.stdout)?;
    let rows = parsed.as_array().context("rows")?;
    ensure!(rows.len() == 1, "{parsed}");
    ensure!(
        rows[0]["requester_organisation"] == "Praktijk \"De Linde\", Utrecht",
        "{parsed}"
    );
    // A spreadsheet would read a cell starting with @ as a formula: it is disarmed.
    ensure!(rows[0]["requester"] == "'@gp:kring.test", "{parsed}");
    ensure!(rows[0]["minutes_spent"] == "45", "{parsed}");
    Ok(())
}

#[tokio::test]
async fn the_consult_export_on_sqlite() -> Result<()> {
    let dir = tempfile::tempdir()?;
    the_export_has_the_periods_consults_and_nothing_about_the_client(
        &kring_testbed::fresh_sqlite_url(dir.path()),
    )
    .await
}

#[tokio::test]
async fn the_consult_export_on_postgresql() -> Result<()> {
    the_export_has_the_periods_consults_and_nothing_about_the_client(
        &kring_testbed::fresh_postgres_url().await?,
    )
    .await
}
