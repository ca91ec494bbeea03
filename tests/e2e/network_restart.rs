//! Network changes survive a crash: kill the real bot process while it works through a burst of
//! invitations, restart it, and every invitation is carried out exactly once, every command
//! answered exactly once, and the store agrees with the room.

use anyhow::{Context, Result, bail};
use kring_testbed::{BotProcess, Persona, TestClient, TestSynapse};
use matrix_sdk::room::MessagesOptions;
use matrix_sdk::ruma::{OwnedEventId, UInt};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const INVITES: usize = 12;

/// A client's network, run by the real `kring bots` process (which the tests kill and restart).
struct NetworkWithBotProcess {
    synapse: TestSynapse,
    bot: BotProcess,
    client: TestClient,
    room_id: matrix_sdk::ruma::OwnedRoomId,
    room: matrix_sdk::Room,
}

impl NetworkWithBotProcess {
    /// The client starts their network from the direct chat, accepts it and is welcomed.
    async fn start() -> Result<Self> {
        let synapse = TestSynapse::start().await?;
        let bot =
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
        Ok(Self {
            synapse,
            bot,
            client,
            room_id,
            room,
        })
    }
}

#[tokio::test]
async fn invitations_interrupted_by_a_crash_happen_exactly_once() -> Result<()> {
    let NetworkWithBotProcess {
        synapse,
        mut bot,
        client,
        room_id,
        room,
    } = NetworkWithBotProcess::start().await?;

    let mut carers = Vec::new();
    for _ in 0..INVITES {
        carers.push(synapse.register(Persona::Carer).await?.user_id);
    }
    let mut sent: Vec<OwnedEventId> = Vec::new();
    let mut killed = false;
    for carer in &carers {
        sent.push(
            client
                .send_text(&room, &format!("!uitnodigen {carer} mantelzorger"))
                .await?,
        );
        if !killed && answered(&client, &sent) >= 3 {
            bot.kill_hard().await?;
            killed = true;
        }
    }
    if !killed {
        bot.kill_hard().await?;
    }
    assert!(
        answered(&client, &sent) < sent.len(),
        "the kill must leave work undone"
    );

    bot.spawn()?;
    let started = Instant::now();
    while answered(&client, &sent) < sent.len() {
        if started.elapsed() > Duration::from_secs(180) {
            bail!(
                "only {} of {} answered after the restart; bot log:\n{}",
                answered(&client, &sent),
                sent.len(),
                bot.log()
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Count from the room's whole history: replies per command, invites per person.
    let mut replies: HashMap<String, usize> = HashMap::new();
    let mut invites: HashMap<String, usize> = HashMap::new();
    let mut from: Option<String> = None;
    loop {
        let mut options = MessagesOptions::backward();
        options.from = from.clone();
        options.limit = UInt::from(100u32);
        let page = room.messages(options).await?;
        for event in &page.chunk {
            let json: serde_json::Value = serde_json::from_str(event.raw().json().get())?;
            if let Some(target) =
                json["content"]["m.relates_to"]["m.in_reply_to"]["event_id"].as_str()
            {
                *replies.entry(target.to_owned()).or_default() += 1;
            }
            if json["type"] == "m.room.member" && json["content"]["membership"] == "invite" {
                let user = json["state_key"].as_str().unwrap_or_default().to_owned();
                *invites.entry(user).or_default() += 1;
            }
        }
        match page.end {
            Some(end) if !page.chunk.is_empty() => from = Some(end),
            _ => break,
        }
    }
    for event_id in &sent {
        assert_eq!(
            replies.get(event_id.as_str()),
            Some(&1),
            "replies to {event_id}"
        );
    }
    for carer in &carers {
        assert_eq!(invites.get(carer), Some(&1), "invites of {carer}");
    }
    let store = kring_store::Store::connect(&bot.database_url).await?;
    let network = store
        .network_by_room(room_id.as_str())
        .await?
        .context("stored")?;
    for carer in &carers {
        let id = kring_core::MatrixId::parse(carer)?;
        assert_eq!(
            network.member(&id).map(|m| m.membership),
            Some(kring_core::network::Membership::Invited),
            "{carer} in the store"
        );
    }
    let logged = store
        .network_actions(&network.id)
        .await?
        .into_iter()
        .filter(|(action, ..)| action == "member.invite")
        .count();
    assert_eq!(logged, INVITES, "each invitation logged once");
    bot.kill_hard().await?;
    Ok(())
}

fn answered(client: &TestClient, sent: &[OwnedEventId]) -> usize {
    sent.iter()
        .filter(|event_id| !client.replies_to(event_id).is_empty())
        .count()
}

/// Consent with an end date is enforced when it ends, also when the bot was down at that
/// moment: the sweep after the restart finds the ended grant and removes the member.
#[tokio::test]
async fn consent_that_ended_while_the_bot_was_down_is_enforced_after_the_restart() -> Result<()> {
    let NetworkWithBotProcess {
        synapse,
        mut bot,
        client,
        room_id,
        room,
    } = NetworkWithBotProcess::start().await?;
    let carer_account = synapse.register(Persona::Carer).await?;
    let carer = TestClient::login(&synapse.base_url(), &carer_account).await?;
    client
        .send_text(
            &room,
            &format!("!uitnodigen {} mantelzorger", carer.user_id()),
        )
        .await?;
    carer.wait_for_any_invite().await?;
    carer.accept_invite(&room_id).await?;
    client
        .wait_for("the consent defaults", |m| {
            m.room_id == room_id && m.body.contains("Standaard ziet")
        })
        .await?;

    bot.kill_hard().await?;
    let ends_at = kring_testbed::now_millis() + 1000;
    let store = kring_store::Store::connect(&bot.database_url).await?;
    kring_testbed::consent_ending_at(
        &store,
        room_id.as_str(),
        client.user_id().as_str(),
        carer.user_id().as_str(),
        kring_core::consent::InfoKind::ChatMembership,
        ends_at,
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        client.is_in_room(&room_id, carer.user_id()).await?,
        "no one acts while the bot is down"
    );

    bot.spawn()?;
    if let Err(error) = client.wait_until_out(&room_id, carer.user_id()).await {
        bail!("{error:#}\nbot log:\n{}", bot.log());
    }
    client
        .wait_for("the removal notice", |m| {
            m.room_id == room_id && m.body.contains("is uit het netwerk gehaald")
        })
        .await?;
    let network = store
        .network_by_room(room_id.as_str())
        .await?
        .context("stored")?;
    let carer_id = kring_core::MatrixId::parse(carer.user_id().as_str())?;
    assert_eq!(
        network.member(&carer_id).map(|m| m.membership),
        Some(kring_core::network::Membership::Removed)
    );
    assert!(
        store
            .network_actions(&network.id)
            .await?
            .iter()
            .any(|(action, ..)| action == "consent.end.chat_membership"),
        "the end is in the audit log"
    );
    bot.kill_hard().await?;
    Ok(())
}

/// A timer that came due fires once even when the bot dies between "due" and "done": the bot
/// is SIGKILLed the moment the scheduler has turned the timer into an inbox entry (polled in
/// the store every 10 ms), before or while that entry is planned and carried out. After the
/// restart the member is removed once: one removal notice, one audit line, the timer fired.
#[tokio::test]
async fn a_timer_killed_between_due_and_done_fires_once() -> Result<()> {
    let NetworkWithBotProcess {
        synapse,
        mut bot,
        client,
        room_id,
        room,
    } = NetworkWithBotProcess::start().await?;
    let carer_account = synapse.register(Persona::Carer).await?;
    let carer = TestClient::login(&synapse.base_url(), &carer_account).await?;
    client
        .send_text(
            &room,
            &format!("!uitnodigen {} mantelzorger", carer.user_id()),
        )
        .await?;
    carer.wait_for_any_invite().await?;
    carer.accept_invite(&room_id).await?;
    client
        .wait_for("the consent defaults", |m| {
            m.room_id == room_id && m.body.contains("Standaard ziet")
        })
        .await?;

    let store = kring_store::Store::connect(&bot.database_url).await?;
    let timer = kring_testbed::consent_ending_at(
        &store,
        room_id.as_str(),
        client.user_id().as_str(),
        carer.user_id().as_str(),
        kring_core::consent::InfoKind::ChatMembership,
        kring_testbed::now_millis() + 1500,
    )
    .await?;
    let fired_entry =
        kring_store::fired_timer_event_id(&timer.capability, &timer.key, timer.due_at);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = store.timer(&timer.capability, &timer.key).await?;
        if state.is_some_and(|stored| stored.state == kring_store::TimerState::Fired) {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the timer never fired:\n{}",
            bot.log()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bot.kill_hard().await?;
    let at_kill = store
        .inbox_entry(&bot.user_id, &fired_entry)
        .await?
        .context("firing wrote the inbox entry in the same transaction")?;
    eprintln!("killed with the fired timer's entry {:?}", at_kill.state);

    bot.spawn()?;
    if let Err(error) = client.wait_until_out(&room_id, carer.user_id()).await {
        bail!("{error:#}\nbot log:\n{}", bot.log());
    }
    // Long enough for a second removal, had the entry been carried out twice.
    let asked = client.send_text(&room, "!netwerk").await?;
    client.wait_for_reply_to(&asked).await?;
    let notices = client
        .received()
        .into_iter()
        .filter(|m| m.room_id == room_id && m.body.contains("is uit het netwerk gehaald"))
        .count();
    assert_eq!(notices, 1, "one removal notice");
    let network = store
        .network_by_room(room_id.as_str())
        .await?
        .context("stored")?;
    let ended = store
        .network_actions(&network.id)
        .await?
        .into_iter()
        .filter(|(action, ..)| action == "consent.end.chat_membership")
        .count();
    assert_eq!(ended, 1, "one audit line");
    let entry = store
        .inbox_entry(&bot.user_id, &fired_entry)
        .await?
        .context("the entry is kept")?;
    assert_eq!(entry.state, kring_store::InboxState::Answered);
    bot.kill_hard().await?;
    Ok(())
}

/// The bot's private keys are encrypted at rest: its crypto store opens only with the passphrase
/// made on first start (a secret file, 0600). With a wrong passphrase the bot stops with a message
/// that names the file; with the right one back it carries on where it was.
#[tokio::test]
async fn the_bots_keys_open_only_with_their_passphrase() -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let NetworkWithBotProcess {
        synapse: _synapse,
        mut bot,
        client,
        room_id: _,
        room,
    } = NetworkWithBotProcess::start().await?;
    let passphrase_file = bot.state_dir().join("crypto-store-passphrase");
    let passphrase = std::fs::read_to_string(&passphrase_file)?;
    assert!(passphrase.len() >= 32, "a long random passphrase");
    assert_eq!(
        std::fs::metadata(&passphrase_file)?.permissions().mode() & 0o777,
        0o600
    );

    bot.kill_hard().await?;
    std::fs::write(&passphrase_file, "not-the-passphrase")?;
    bot.spawn()?;
    let status = bot
        .wait_for_exit(Duration::from_secs(60))
        .await?
        .context("the bot must stop when its crypto store does not open")?;
    assert!(!status.success());
    let log = bot.log();
    assert!(
        log.contains("cannot be opened with the passphrase")
            && log.contains("crypto-store-passphrase"),
        "{log}"
    );

    std::fs::write(&passphrase_file, &passphrase)?;
    bot.spawn()?;
    let asked = client.send_text(&room, "!netwerk").await?;
    let reply = client.wait_for_reply_to(&asked).await?;
    assert!(reply.body.contains("Wie zitten er"), "{}", reply.body);
    Ok(())
}

/// A meeting survives SIGKILLs at its risky moments, with nothing lost or doubled: the bot is
/// killed the moment the plan of `!overleg` is stored (before its room, welcome and polls
/// exist), the moment a reminder's timer has fired (before or while it is said), and the moment
/// an action's reminder has fired. After each restart there is one meeting room, one welcome,
/// three polls, one reminder, one action poll.
#[tokio::test]
async fn a_meeting_killed_after_planning_and_at_its_reminder_loses_and_doubles_nothing()
-> Result<()> {
    let NetworkWithBotProcess {
        synapse,
        mut bot,
        client,
        room_id,
        room,
    } = NetworkWithBotProcess::start().await?;
    let carer_account = synapse.register(Persona::Carer).await?;
    let carer = TestClient::login(&synapse.base_url(), &carer_account).await?;
    client
        .send_text(
            &room,
            &format!("!uitnodigen {} mantelzorger", carer.user_id()),
        )
        .await?;
    carer.wait_for_any_invite().await?;
    carer.accept_invite(&room_id).await?;
    let consent = client
        .send_text(
            &room,
            &format!("!toestemming {} afspraken ja", carer.user_id()),
        )
        .await?;
    let given = client.wait_for_reply_to(&consent).await?;
    anyhow::ensure!(given.body.contains("mag nu"), "{}", given.body);

    // Killed as soon as the meeting is stored: its room and polls are still to come.
    let store = kring_store::Store::connect(&bot.database_url).await?;
    let network = store
        .network_by_room(room_id.as_str())
        .await?
        .context("stored")?;
    client
        .send_text(
            &room,
            &format!("!overleg voorstel; met {}", carer.user_id()),
        )
        .await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let meeting = loop {
        if let Some(meeting) = store.latest_meeting(&network.id).await? {
            break meeting;
        }
        anyhow::ensure!(Instant::now() < deadline, "never planned:\n{}", bot.log());
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    bot.kill_hard().await?;
    eprintln!(
        "killed after planning; room made before the kill: {}",
        meeting.room_id.is_some()
    );
    bot.spawn()?;
    let meeting_room = carer.wait_for_any_invite().await?;
    carer.accept_invite(&meeting_room).await?;
    carer
        .wait_for_poll("the third moment", |poll| {
            poll.room_id == meeting_room && poll.question.starts_with("Moment 3:")
        })
        .await?;
    // Long enough for anything doubled to arrive: a command answered in the same lane after it.
    let asked = client.send_text(&room, "!netwerk").await?;
    client.wait_for_reply_to(&asked).await?;
    let polls = carer
        .polls()
        .into_iter()
        .filter(|poll| poll.room_id == meeting_room)
        .count();
    assert_eq!(polls, 3, "three moment polls, once each");
    let welcomes = carer
        .received()
        .into_iter()
        .filter(|m| m.room_id == meeting_room && m.body.contains("Welkom bij het overleg"))
        .count();
    assert_eq!(welcomes, 1, "one welcome");
    let client_meeting = client.accept_invite(&meeting_room).await?;
    assert!(
        client.client.invited_rooms().is_empty(),
        "no second meeting room"
    );

    // Agreed; then its hour-before reminder is made due now, and the bot killed when it fires.
    let chosen = client.send_text(&client_meeting, "!overleg kies 1").await?;
    client.wait_for_reply_to(&chosen).await?;
    let timer_key = format!("{}:before-60", meeting.id);
    kill_when_it_fires(&store, &mut bot, "meeting", &timer_key).await?;
    bot.spawn()?;
    if let Err(error) = carer
        .wait_for("the reminder", |m| {
            m.room_id == meeting_room && m.body.starts_with("Herinnering")
        })
        .await
    {
        bail!("{error:#}\nbot log:\n{}", bot.log());
    }
    let asked = client.send_text(&room, "!netwerk").await?;
    client.wait_for_reply_to(&asked).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let reminders = carer
        .received()
        .into_iter()
        .filter(|m| m.room_id == meeting_room && m.body.starts_with("Herinnering"))
        .count();
    assert_eq!(reminders, 1, "one reminder");

    // An action for the carer; its reminder (a poll) made due now, and the bot killed when it
    // fires: one poll after the restart.
    let due_day = (chrono::Utc::now() + chrono::Duration::days(10))
        .with_timezone(&kring_core::time::LOCAL_TIME_ZONE)
        .date_naive();
    let action = client
        .send_text(
            &client_meeting,
            &format!(
                "!actie {} belt de school tot {}",
                carer.user_id(),
                due_day.format("%-d-%-m-%Y")
            ),
        )
        .await?;
    let added = client.wait_for_reply_to(&action).await?;
    anyhow::ensure!(added.body.contains("Actie 1:"), "{}", added.body);
    kill_when_it_fires(
        &store,
        &mut bot,
        "meeting",
        &format!("{}:action-1", meeting.id),
    )
    .await?;
    bot.spawn()?;
    let is_action_poll = |poll: &kring_testbed::ReceivedPoll| {
        poll.room_id == meeting_room && poll.question.starts_with("Herinnering voor")
    };
    if let Err(error) = carer
        .wait_for_poll("the action's reminder", is_action_poll)
        .await
    {
        bail!("{error:#}\nbot log:\n{}", bot.log());
    }
    let asked = client.send_text(&room, "!netwerk").await?;
    client.wait_for_reply_to(&asked).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let action_polls = carer.polls().into_iter().filter(is_action_poll).count();
    assert_eq!(action_polls, 1, "one reminder poll for the action");
    bot.kill_hard().await?;
    Ok(())
}

/// Makes the meeting timer `timer_key` due in a moment and SIGKILLs the bot as soon as it has
/// fired (its inbox entry written, its plan perhaps not yet).
pub(crate) async fn kill_when_it_fires(
    store: &kring_store::Store,
    bot: &mut BotProcess,
    capability: &str,
    timer_key: &str,
) -> Result<()> {
    let moved =
        sqlx::query("UPDATE timers SET due_at = $1 WHERE capability = $2 AND timer_key = $3")
            .bind(kring_testbed::now_millis() + 1500)
            .bind(capability)
            .bind(timer_key)
            .execute(store.pool())
            .await?;
    anyhow::ensure!(
        moved.rows_affected() == 1,
        "no timer {capability} {timer_key}"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = store.timer(capability, timer_key).await?;
        if state.is_some_and(|stored| stored.state == kring_store::TimerState::Fired) {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{timer_key} never fired:\n{}",
            bot.log()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bot.kill_hard().await
}
