//! `cargo bench -p kring --bench many_rooms --profile dev`: the real `kring bots` process under
//! load, next to a plain end-to-end-encrypted echo client in the same run on one real Synapse.
//!
//! 1. One room: `!help` round trips, interleaved with the echo's; the bot process's CPU time per
//!    command.
//! 2. Many rooms: one member opens `KRING_BENCH_MANY_ROOMS` (100) direct chats with the bot and as
//!    many with the echo, then sends `KRING_BENCH_COMMANDS` (500) messages round-robin as fast as
//!    the server takes them, first to the echo, then to the bot. Answered within 180 s, median and
//!    p99 latency, and how often the bot's log shows a send stalled on a pending `/keys/query`.
//! 3. Where a command's time goes in the bot, stage by stage, from its own metrics.
//! 4. Catch-up: the bot is SIGKILLed, one `!help` goes into every one of its rooms while it is
//!    down, and it is started again on the same data; the time from the start to the last answer,
//!    and to the first. (`KRING_BENCH_MANY_ROOMS=1000` for the 1000 rooms.)
//! 5. A slow effect: the bot is restarted behind a loopback proxy, the member starts a network
//!    and invites someone, and asks the bot to remove them; the proxy acknowledges the kick and
//!    drops it, so the member never leaves and the bot's removal waits (and retries) in that
//!    network's lane. The same burst as in 2 goes to the other rooms before (control, through
//!    the proxy too) and while it waits.
//! 6. The bot process's resident memory with one room and with all of them, after the load.
//!
//! It prints ratios and asserts nothing. `KRING_BENCH_ONLY=catch-up` runs only 4 (with the bot's
//! own account of where the catch-up went: its syncs and its stages), without the echo's rooms;
//! `KRING_BENCH_KEEP_LOG=FILE` keeps the bot's log.

use anyhow::{Context, Result};
use futures_util::{StreamExt, TryStreamExt};
use kring_testbed::bench::{
    cpu_time, env_number, install_echo, metric_value, ms, ratio, resident_kb, round_trip,
    round_trip_table, scrape_metrics,
};
use kring_testbed::{BotProcess, HoldingProxy, Persona, TestClient, TestSynapse, percentile};
use matrix_sdk::Room;
use matrix_sdk::ruma::OwnedEventId;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const ONE_ROOM_WARM_UP: usize = 5;
const ONE_ROOM_SAMPLES: usize = 40;
const ANSWER_WITHIN: Duration = Duration::from_secs(180);
/// The bot's parallel lanes (bots/src/worker.rs).
const CATCH_UP_SENDS_AT_A_TIME: usize = 32;

#[tokio::main]
async fn main() -> Result<()> {
    let rooms = env_number("KRING_BENCH_MANY_ROOMS", 100)?;
    let commands = env_number("KRING_BENCH_COMMANDS", 500)?;
    let only_catch_up = match std::env::var("KRING_BENCH_ONLY").ok().as_deref() {
        None | Some("") => false,
        Some("catch-up") => true,
        Some(other) => anyhow::bail!("KRING_BENCH_ONLY={other}: only `catch-up` is known"),
    };
    let synapse = TestSynapse::start().await?;
    let mut bot =
        BotProcess::start(std::path::Path::new(env!("CARGO_BIN_EXE_kring")), &synapse).await?;
    let member = TestClient::login(
        &synapse.base_url(),
        &synapse.register(Persona::Client).await?,
    )
    .await?;
    let echo = TestClient::login(
        &synapse.base_url(),
        &synapse.register(Persona::Carer).await?,
    )
    .await?;
    install_echo(&echo);

    // 1. One room.
    let bot_room = member.open_direct_chat(&bot.user_id).await?;
    let echo_room = member.open_direct_chat_with(&echo).await?;
    wait_for_greetings(&member, &bot.user_id, 1).await?;
    let pid = bot.pid().context("the bot process runs")?;
    let (mut bot_times, mut echo_times) = (Vec::new(), Vec::new());
    let mut cpu_one_room = Duration::ZERO;
    let one_room_stages_before = scrape_stages(&bot.ops_url).await?;
    for round in 0..ONE_ROOM_WARM_UP + ONE_ROOM_SAMPLES {
        let cpu_before = cpu_time(pid)?;
        let bot_time = round_trip(&member, &bot_room, "!help").await?;
        let cpu_after = cpu_time(pid)?;
        let echo_time = round_trip(&member, &echo_room, "ping").await?;
        if round >= ONE_ROOM_WARM_UP {
            bot_times.push(bot_time);
            echo_times.push(echo_time);
            cpu_one_room += cpu_after.saturating_sub(cpu_before);
        }
    }

    let one_room_stages_after = scrape_stages(&bot.ops_url).await?;
    let rss_one_room = resident_kb(pid)?;

    // 2. Many rooms.
    eprintln!("many rooms: opening {rooms} chats with the bot and {rooms} with the echo");
    let mut bot_rooms = vec![bot_room];
    let mut echo_rooms = vec![echo_room];
    while bot_rooms.len() < rooms {
        bot_rooms.push(member.open_direct_chat(&bot.user_id).await?);
        if !only_catch_up {
            echo_rooms.push(member.open_direct_chat_with(&echo).await?);
        }
    }
    wait_for_greetings(&member, &bot.user_id, rooms).await?;
    if only_catch_up {
        let caught_up = catch_up(&mut bot, &member, &bot_rooms, synapse.pid()).await?;
        let bot_cpu = bot.pid().map(cpu_time).transpose()?;
        println!("\n{}", caught_up.sentence(rooms));
        println!(
            "CPU time from the start to the last answer: Synapse {:.1} s, the bot {:.1} s",
            caught_up.synapse_cpu.as_secs_f64(),
            bot_cpu.unwrap_or_default().as_secs_f64()
        );
        let stages = scrape_stages(&bot.ops_url).await?;
        println!("\n| where the catch-up's time went in the bot (mean ms) | {rooms} rooms |");
        println!("|---|---|");
        for stage in ["queued", "plan", "send"] {
            println!(
                "| {stage} | {:.1} |",
                stage_mean_ms(&Stages::new(), &stages, stage)
            );
        }
        println!("\nthe bot's syncs after the start (from its log):");
        let log = bot.log();
        let since_start = log.get(caught_up.log_from..).unwrap_or_default();
        for line in since_start.lines().filter(|line| line.contains(" synced")) {
            println!("    {line}");
        }
        keep_log(&bot)?;
        return Ok(());
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let stalls_before = stalls(&bot.log());
    let echo_load = burst(&member, &echo_rooms, commands, "ping").await?;
    let stages_before = scrape_stages(&bot.ops_url).await?;
    let cpu_before = cpu_time(pid)?;
    let bot_load = burst(&member, &bot_rooms, commands, "!help").await?;
    let cpu_burst = cpu_time(pid)?.saturating_sub(cpu_before);
    let stages_after = scrape_stages(&bot.ops_url).await?;
    let stalls_during = stalls(&bot.log()) - stalls_before;
    let rss_many_rooms = resident_kb(pid)?;

    // 4. Catch-up after a restart.
    let caught_up = catch_up(&mut bot, &member, &bot_rooms, synapse.pid()).await?;

    // 5. A slow effect in one network.
    eprintln!("slow effect: restarting the bot behind a proxy; a network whose kick never lands");
    let proxy = HoldingProxy::start(&synapse.base_url()).await?;
    bot.kill_hard().await?;
    bot.talk_through(&proxy.url);
    bot.spawn()?;
    let network_room = start_network(&member, &bot_rooms[0], &bot.user_id).await?;
    let invitee = synapse.register(Persona::Carer).await?;
    let invited = ask(
        &member,
        &network_room,
        &format!("!uitnodigen {} mantelzorger", invitee.user_id),
    )
    .await?;
    anyhow::ensure!(invited.body.contains("Ik heb"), "{}", invited.body);
    let control = burst(&member, &bot_rooms, commands, "!help").await?;
    proxy.swallow_kicks();
    let asked = ask(
        &member,
        &network_room,
        &format!("!verwijderen {}", invitee.user_id),
    )
    .await?;
    anyhow::ensure!(asked.body.contains("Weet u het zeker"), "{}", asked.body);
    let poll = member
        .wait_for_poll("the removal's poll", |poll| {
            poll.room_id == network_room.room_id() && poll.question.starts_with("Voorstel")
        })
        .await?;
    member.vote(&network_room, &poll.event_id, "ja").await?;
    let voted = Instant::now();
    // The vote is planned and the kick sent (and dropped) well within this.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let slowed = burst(&member, &bot_rooms, commands, "!help").await?;
    let removed = |member: &TestClient| {
        member.received().iter().any(|m| {
            m.room_id == network_room.room_id() && m.body.contains("is uit het netwerk gehaald")
        })
    };
    let held_through_the_burst = !removed(&member);
    let held_for = voted.elapsed();
    proxy.forward_kicks();
    let removal_done = loop {
        if removed(&member) {
            break Some(voted.elapsed());
        }
        if voted.elapsed() > held_for + ANSWER_WITHIN {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    println!();
    println!("The real `kring bots` process and a plain E2EE echo client, one Synapse, one run.");
    println!();
    println!(
        "{}",
        round_trip_table("one room, round trip (ms)", &mut echo_times, &mut bot_times)
    );
    println!(
        "\nbot CPU per command, one room: {:.1} ms",
        ms(cpu_one_room) / ONE_ROOM_SAMPLES as f64
    );
    println!();
    println!(
        "| {commands} messages over {rooms} rooms | answered in 180 s | median (ms) | p99 (ms) |"
    );
    println!("|------------------------------|-------------------|-------------|----------|");
    for (name, load) in [("plain E2EE echo", &echo_load), ("bot, !help", &bot_load)] {
        println!(
            "| {name:<28} | {:>9} of {:<5} | {:>11.0} | {:>8.0} |",
            load.answered,
            load.sent,
            ms(load.median),
            ms(load.p99)
        );
    }
    println!(
        "| ratio bot / echo             |                   | {:>10.2}x | {:>7.2}x |",
        ratio(bot_load.median, echo_load.median),
        ratio(bot_load.p99, echo_load.p99)
    );
    println!(
        "\nbot CPU per command over {rooms} rooms: {:.1} ms; sends stalled on a pending /keys/query: {stalls_during}",
        ms(cpu_burst) / commands.max(1) as f64
    );
    println!("\n{}", caught_up.sentence(rooms));
    println!();
    println!(
        "| {commands} messages over {rooms} rooms, the bot behind a proxy | answered in 180 s | median (ms) | p99 (ms) |"
    );
    println!("|---|---|---|---|");
    for (name, load) in [
        ("nothing slow (control)", &control),
        ("one network's kick never lands", &slowed),
    ] {
        println!(
            "| {name} | {} of {} | {:.0} | {:.0} |",
            load.answered,
            load.sent,
            ms(load.median),
            ms(load.p99)
        );
    }
    println!(
        "| ratio slow / control | | {:.2}x | {:.2}x |",
        ratio(slowed.median, control.median),
        ratio(slowed.p99, control.p99)
    );
    println!(
        "\nthe network's removal was still waiting when the burst was answered: {}; held {:.1} s; \
         done {} after the vote once kicks went through again",
        if held_through_the_burst { "yes" } else { "no" },
        held_for.as_secs_f64(),
        removal_done.map_or("not within 180 s".into(), |d| format!(
            "{:.1} s",
            d.as_secs_f64()
        )),
    );
    println!(
        "\nbot RSS: {:.1} MB with one room, {:.1} MB with {rooms} rooms after the load ({:.2}x)",
        rss_one_room as f64 / 1024.0,
        rss_many_rooms as f64 / 1024.0,
        rss_many_rooms as f64 / rss_one_room.max(1) as f64
    );
    println!();
    println!("| where a command's time goes in the bot (mean ms) | one room | {rooms} rooms |");
    println!("|---|---|---|");
    for (stage, what) in [
        (
            "arrival",
            "homeserver → in the inbox (sync wait, decryption, insert)",
        ),
        ("queued", "in the inbox → the worker takes it"),
        ("plan", "rules and the stored plan"),
        ("send", "encryption and the send"),
    ] {
        println!(
            "| {stage}: {what} | {:.1} | {:.1} |",
            stage_mean_ms(&one_room_stages_before, &one_room_stages_after, stage),
            stage_mean_ms(&stages_before, &stages_after, stage)
        );
    }
    keep_log(&bot)?;
    Ok(())
}

/// When the answers to the commands sent while the bot was down came, counted from its start.
struct CatchUp {
    first: Option<Duration>,
    last: Option<Duration>,
    /// Where the restarted process's lines begin in the bot's log.
    log_from: usize,
    /// Synapse's CPU time from the start to the last answer.
    synapse_cpu: Duration,
    /// How long the member's messages took to send, as many at a time as the bot answers.
    floor: Duration,
}

impl CatchUp {
    fn sentence(&self, rooms: usize) -> String {
        format!(
            "catch-up after a SIGKILL, one !help waiting in each of {rooms} rooms: first answer {} s, last {} s after the start \
             (the member's {rooms} messages took {:.1} s to send, {CATCH_UP_SENDS_AT_A_TIME} at a time: the floor{})",
            self.first
                .map_or("none".into(), |d| format!("{:.1}", d.as_secs_f64())),
            self.last.map_or(
                format!("not all within {} s", ANSWER_WITHIN.as_secs()),
                |d| format!("{:.1}", d.as_secs_f64())
            ),
            self.floor.as_secs_f64(),
            self.last.map_or(String::new(), |last| format!(
                "; ratio last answer / floor {:.2}x",
                ratio(last, self.floor)
            )),
        )
    }
}

/// Kills the bot, sends one `!help` into each room while it is down, starts it again on the
/// same data and waits for every answer.
async fn catch_up(
    bot: &mut BotProcess,
    member: &TestClient,
    rooms: &[Room],
    synapse_pid: Option<u32>,
) -> Result<CatchUp> {
    let synapse_cpu = || {
        synapse_pid
            .map(cpu_time)
            .transpose()
            .map(Option::unwrap_or_default)
    };
    eprintln!(
        "catch-up: killing the bot, one !help into each of {} rooms, restarting",
        rooms.len()
    );
    bot.kill_hard().await?;
    // As many at a time as the bot answers at a time: what Synapse needs to take this many
    // encrypted messages in is the floor under the bot's catch-up, which sends as many.
    let sending = Instant::now();
    let waiting: Vec<OwnedEventId> = futures_util::stream::iter(rooms)
        .map(|room| member.send_text(room, "!help"))
        .buffered(CATCH_UP_SENDS_AT_A_TIME)
        .try_collect()
        .await?;
    let floor = sending.elapsed();
    let log_from = bot.log().len();
    let synapse_cpu_before = synapse_cpu()?;
    let restarted = Instant::now();
    bot.spawn()?;
    let mut caught_up = CatchUp {
        first: None,
        last: None,
        log_from,
        synapse_cpu: Duration::ZERO,
        floor,
    };
    while restarted.elapsed() < ANSWER_WITHIN {
        let arrivals = reply_arrivals(member);
        let answered: Vec<Instant> = waiting
            .iter()
            .filter_map(|id| arrivals.get(id).copied())
            .collect();
        caught_up.first = answered.iter().min().map(|at| at.duration_since(restarted));
        if answered.len() == waiting.len() {
            caught_up.last = answered.iter().max().map(|at| at.duration_since(restarted));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    caught_up.synapse_cpu = synapse_cpu()?.saturating_sub(synapse_cpu_before);
    Ok(caught_up)
}

/// Copies the bot's log to `KRING_BENCH_KEEP_LOG`, if set: the run's scratch folder goes.
fn keep_log(bot: &BotProcess) -> Result<()> {
    if let Ok(path) = std::env::var("KRING_BENCH_KEEP_LOG") {
        std::fs::write(&path, bot.log()).with_context(|| format!("writing {path}"))?;
    }
    Ok(())
}

struct Load {
    sent: usize,
    answered: usize,
    median: Duration,
    p99: Duration,
}

/// Sends `count` messages round-robin over `rooms`, each as soon as the previous was accepted,
/// then waits up to `ANSWER_WITHIN` for the replies. Unanswered ones count as `ANSWER_WITHIN`.
async fn burst(member: &TestClient, rooms: &[Room], count: usize, text: &str) -> Result<Load> {
    let mut sent = Vec::new();
    for index in 0..count {
        let started = Instant::now();
        let event_id = member.send_text(&rooms[index % rooms.len()], text).await?;
        sent.push((event_id, started));
    }
    let burst_started = sent.first().map(|(_, at)| *at).unwrap_or_else(Instant::now);
    let mut arrivals = reply_arrivals(member);
    while sent.iter().any(|(id, _)| !arrivals.contains_key(id))
        && burst_started.elapsed() < ANSWER_WITHIN
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
        arrivals = reply_arrivals(member);
    }
    let mut latencies: Vec<Duration> = sent
        .iter()
        .map(|(id, started)| {
            arrivals
                .get(id)
                .map(|arrived| arrived.duration_since(*started))
                .unwrap_or(ANSWER_WITHIN)
        })
        .collect();
    Ok(Load {
        sent: sent.len(),
        answered: sent
            .iter()
            .filter(|(id, _)| arrivals.contains_key(id))
            .count(),
        median: percentile(&mut latencies, 50),
        p99: percentile(&mut latencies, 99),
    })
}

/// The member's `!start` in its direct chat with the bot; the network room, joined and welcomed.
async fn start_network(member: &TestClient, direct_chat: &Room, bot: &str) -> Result<Room> {
    let started = ask(member, direct_chat, "!start").await?;
    anyhow::ensure!(
        started.body.contains("Uw netwerk is gemaakt"),
        "{}",
        started.body
    );
    let room_id = member.wait_for_any_invite().await?;
    let room = member.accept_invite(&room_id).await?;
    member
        .wait_for("the network's welcome", |m| {
            m.sender.as_str() == bot && m.room_id == room_id && m.body.contains("Dit is uw netwerk")
        })
        .await?;
    Ok(room)
}

async fn ask(
    member: &TestClient,
    room: &Room,
    text: &str,
) -> Result<kring_testbed::ReceivedMessage> {
    let event_id = member.send_text(room, text).await?;
    member.wait_for_reply_to(&event_id).await
}

/// When the first reply to each event reached the member.
fn reply_arrivals(member: &TestClient) -> HashMap<OwnedEventId, Instant> {
    let mut arrivals = HashMap::new();
    for message in member.received() {
        if let Some(answered) = message.in_reply_to {
            arrivals.entry(answered).or_insert(message.arrived_at);
        }
    }
    arrivals
}

async fn wait_for_greetings(member: &TestClient, bot: &str, rooms: usize) -> Result<()> {
    let started = Instant::now();
    loop {
        let greeted: std::collections::HashSet<_> = member
            .received()
            .into_iter()
            .filter(|m| m.sender.as_str() == bot)
            .map(|m| m.room_id)
            .collect();
        if greeted.len() >= rooms {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(600) {
            anyhow::bail!("only {} of {rooms} chats greeted", greeted.len());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// matrix-sdk's warning when a send waited for a `/keys/query` that did not come.
fn stalls(log: &str) -> usize {
    log.matches("pending `/keys/query` request which did not finish yet")
        .count()
}

type Stages = HashMap<&'static str, (f64, f64)>;

/// A stage's mean time between two scrapes.
fn stage_mean_ms(before: &Stages, after: &Stages, stage: &str) -> f64 {
    let before = before.get(stage).copied().unwrap_or_default();
    let after = after.get(stage).copied().unwrap_or_default();
    (after.0 - before.0) / (after.1 - before.1).max(1.0) * 1000.0
}

/// Each stage histogram's (sum in seconds, count) from the bot's `/metrics`.
async fn scrape_stages(bridge_url: &str) -> Result<Stages> {
    let text = scrape_metrics(bridge_url)
        .await
        .context("the bot's /metrics does not answer")?;
    let value = |name: String| metric_value(&text, &name).unwrap_or(0.0);
    Ok(["arrival", "queued", "plan", "send"]
        .into_iter()
        .map(|stage| {
            let base = format!("kring_bot_stage_{stage}_seconds");
            (
                stage,
                (value(format!("{base}_sum")), value(format!("{base}_count"))),
            )
        })
        .collect())
}
