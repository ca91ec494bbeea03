//! The promise of DESIGN.md flow 1: kill the bot mid-burst, restart it, and every command is
//! answered exactly once, including those sent while it was down.

use anyhow::{Result, bail};
use kring_testbed::{BotProcess, Persona, TestClient, TestSynapse, fresh_sqlite_url};
use matrix_sdk::ruma::OwnedEventId;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const ROOMS: usize = 3;
const BURST_PER_ROOM: usize = 20;
const WHILE_DOWN_PER_ROOM: usize = 5;

#[tokio::test]
async fn sigkill_mid_burst_then_restart_answers_every_command_exactly_once() -> Result<()> {
    let synapse = TestSynapse::start().await?;
    let mut bot =
        BotProcess::start(std::path::Path::new(env!("CARGO_BIN_EXE_kring")), &synapse).await?;

    let mut members = Vec::new();
    for persona in [Persona::Client, Persona::Carer, Persona::Professional]
        .into_iter()
        .take(ROOMS)
    {
        let account = synapse.register(persona).await?;
        let member = TestClient::login(&synapse.base_url(), &account).await?;
        let room = member.open_direct_chat(&bot.user_id).await?;
        member
            .wait_for("the greeting", |m| m.sender.as_str() == bot.user_id)
            .await?;
        members.push((member, room));
    }

    // The burst: commands in every room, interleaved.
    let mut sent: Vec<(usize, OwnedEventId)> = Vec::new();
    let mut killed = false;
    for round in 0..BURST_PER_ROOM {
        for (index, (member, room)) in members.iter().enumerate() {
            sent.push((
                index,
                member
                    .send_text(
                        room,
                        &format!("!status {}", if round % 2 == 0 { "nl" } else { "en" }),
                    )
                    .await?,
            ));
        }
        // Kill once the bot is visibly in the middle of answering.
        if !killed && answered(&members, &sent) >= 6 {
            bot.kill_hard().await?;
            killed = true;
        }
    }
    if !killed {
        bot.kill_hard().await?;
    }
    let answered_before_restart = answered(&members, &sent);
    // While the bot is down.
    for round in 0..WHILE_DOWN_PER_ROOM {
        for (index, (member, room)) in members.iter().enumerate() {
            sent.push((
                index,
                member.send_text(room, &format!("!hulp {round}")).await?,
            ));
        }
    }
    assert!(
        answered_before_restart < sent.len(),
        "the kill must leave work undone for this test to mean anything"
    );

    bot.spawn()?;
    let started = Instant::now();
    while answered(&members, &sent) < sent.len() {
        if started.elapsed() > Duration::from_secs(180) {
            let store = kring_store::Store::connect(&bot.database_url).await?;
            let mut missing = Vec::new();
            for (index, event_id) in &sent {
                if members[*index].0.replies_to(event_id).is_empty() {
                    missing.push((
                        event_id.clone(),
                        store.inbox_entry(&bot.user_id, event_id.as_str()).await?,
                    ));
                }
            }
            bail!(
                "only {} of {} commands answered after the restart; unanswered and their inbox rows: {missing:#?}\nundecryptable at the members: {:?}\nbot log:\n{}",
                answered(&members, &sent),
                sent.len(),
                members
                    .iter()
                    .map(|(m, _)| m.undecryptable())
                    .collect::<Vec<_>>(),
                bot.log()
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Give any duplicate a fair chance to show up, then count from each room's full history.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut histories = Vec::new();
    for (member, room) in &members {
        histories.push(member.replies_in_history(room).await?);
    }
    let counts: HashMap<&OwnedEventId, usize> = sent
        .iter()
        .map(|(index, event_id)| {
            (
                event_id,
                histories[*index].get(event_id).copied().unwrap_or(0),
            )
        })
        .collect();
    let doubled: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "answered more than once: {doubled:?}");
    let missing: Vec<_> = counts.iter().filter(|(_, n)| **n == 0).collect();
    assert!(missing.is_empty(), "never answered: {missing:?}");
    assert_eq!(counts.len(), ROOMS * (BURST_PER_ROOM + WHILE_DOWN_PER_ROOM));
    bot.kill_hard().await?;
    Ok(())
}

fn answered(members: &[(TestClient, matrix_sdk::Room)], sent: &[(usize, OwnedEventId)]) -> usize {
    sent.iter()
        .filter(|(index, event_id)| !members[*index].0.replies_to(event_id).is_empty())
        .count()
}

/// The bad day of issue 11: ten SIGKILLs at random moments (every other one while the bot is
/// still starting) while `!help` streams into five rooms, then every command counted from the
/// rooms' server-side history. `scripts/soak-restarts` runs the same storm with 100 kills.
#[tokio::test]
async fn repeated_sigkills_some_during_start_up_lose_and_double_nothing() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let database_url = fresh_sqlite_url(dir.path());
    let plan = kring_testbed::plan_from_env(10, 5)?;
    let report = kring_testbed::restart_storm(
        std::path::Path::new(env!("CARGO_BIN_EXE_kring")),
        &database_url,
        plan,
    )
    .await?;
    println!("restart storm: {}", report.summary());
    if !report.lost.is_empty() || !report.doubled.is_empty() || report.panics_in_log > 0 {
        let store = kring_store::Store::connect(&database_url).await?;
        let mut rows = Vec::new();
        for event_id in report.lost.iter().take(20) {
            rows.push((
                event_id.clone(),
                store
                    .inbox_entry(&report.bot_user_id, event_id.as_str())
                    .await?,
            ));
        }
        bail!(
            "{}\nlost (first 20) and their inbox rows: {rows:#?}\ndoubled: {:?}\nbot log (last 200 lines):\n{}",
            report.summary(),
            report.doubled,
            tail(&report.log, 200)
        );
    }
    assert!(
        report.commands >= 50,
        "too few commands to mean anything: {}",
        report.summary()
    );
    assert!(
        report.kills_during_start_up > 0,
        "no kill landed during start-up: {}",
        report.summary()
    );
    Ok(())
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Two `kring bots` processes of one bot account on one database (each its own device and
/// state folder, as two shards or a restart overlapping the old process): a minute of commands
/// streamed into five rooms, each answered exactly once, counted from the rooms' server-side
/// history. The lanes' leases keep the two from answering one room at the same time.
#[tokio::test]
async fn two_processes_on_one_database_answer_every_command_exactly_once() -> Result<()> {
    const ROOMS: usize = 5;
    const STREAM_FOR: Duration = Duration::from_secs(60);
    let synapse = TestSynapse::start().await?;
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_kring"));
    let first = BotProcess::start(binary, &synapse).await?;
    let account = synapse.register(Persona::Client).await?;
    let member = TestClient::login(&synapse.base_url(), &account).await?;
    let mut rooms = Vec::new();
    for _ in 0..ROOMS {
        let room = member.open_direct_chat(&first.user_id).await?;
        let room_id = room.room_id().to_owned();
        member
            .wait_for("the greeting", |m| {
                m.room_id == room_id && m.sender.as_str() == first.user_id
            })
            .await?;
        rooms.push(room);
    }
    let second = first.another_device(&synapse).await?;
    // The second process is up once it has stored a sync of its own.
    let up_by = Instant::now() + Duration::from_secs(120);
    while !second.has_synced_since_start().await {
        if Instant::now() > up_by {
            bail!(
                "the second process did not start:\n{}",
                tail(&second.log(), 80)
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    let mut sent: Vec<(usize, OwnedEventId)> = Vec::new();
    let started = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_millis(150));
    while started.elapsed() < STREAM_FOR {
        ticker.tick().await;
        let index = sent.len() % ROOMS;
        sent.push((index, member.send_text(&rooms[index], "!help").await?));
    }
    let settle_by = Instant::now() + Duration::from_secs(120);
    let answered = |member: &TestClient| {
        sent.iter()
            .filter(|(_, event_id)| !member.replies_to(event_id).is_empty())
            .count()
    };
    while answered(&member) < sent.len() && Instant::now() < settle_by {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Any second answer gets a fair chance to show up before the histories are read.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let kring_testbed::RepliesCounted { lost, doubled, .. } =
        kring_testbed::count_replies_in_history(&member, &rooms, &sent).await?;
    let replies_by = |process: &BotProcess| {
        let ops_url = process.ops_url.clone();
        async move {
            kring_testbed::bench::scrape_metrics(&ops_url)
                .await
                .and_then(|text| {
                    kring_testbed::bench::metric_value(&text, "kring_bot_replies_sent_total")
                })
                .unwrap_or(0.0)
        }
    };
    let (by_first, by_second) = (replies_by(&first).await, replies_by(&second).await);
    println!(
        "two processes: {} commands over {ROOMS} rooms, {} lost, {} doubled; replies sent by the first {by_first}, by the second {by_second}",
        sent.len(),
        lost.len(),
        doubled.len()
    );
    if !lost.is_empty() || !doubled.is_empty() {
        bail!(
            "lost {lost:?}\ndoubled {doubled:?}\nfirst log:\n{}\nsecond log:\n{}",
            tail(&first.log(), 100),
            tail(&second.log(), 100)
        );
    }
    assert!(sent.len() >= 200, "too few commands: {}", sent.len());
    // Both took part; otherwise this would show nothing about two processes.
    assert!(
        by_first > 0.0 && by_second > 0.0,
        "one process answered everything (first {by_first}, second {by_second})"
    );
    Ok(())
}
