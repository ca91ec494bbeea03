//! `cargo bench -p kring --bench roundtrip`: the bot against the physical floor, in one run on one
//! real Synapse.
//!
//! 1. Round trip: a member sends `!help` in an encrypted direct chat and waits for the decrypted
//!    reply; next to it, the same member and measure against a plain E2EE client that echoes
//!    (matrix-sdk with an ordinary event handler). Reported as median, p95 and the ratio.
//! 2. Memory: the resident set of the real `kring bots` process with 1, 100 and 1000 joined
//!    encrypted rooms, as a ratio to 1 room.
//!
//! Set `KRING_BENCH_ROOMS=1,100` to shorten the memory part.

use anyhow::{Context, Result, bail};
use kring_testbed::{
    BotProcess, InProcessBot, Persona, TestClient, TestSynapse, fresh_sqlite_url, percentile,
};
use matrix_sdk::Room;
use matrix_sdk::ruma::events::relation::Reply;
use matrix_sdk::ruma::events::room::message::{
    OriginalSyncRoomMessageEvent, Relation, RoomMessageEventContent,
};
use std::time::{Duration, Instant};

const WARM_UP: usize = 5;
const SAMPLES: usize = 40;

#[tokio::main]
async fn main() -> Result<()> {
    let synapse = TestSynapse::start().await?;
    let dir = tempfile::tempdir()?;

    eprintln!("round trip: {SAMPLES} samples each, after {WARM_UP} to warm up");
    let bot = InProcessBot::start(&synapse, &fresh_sqlite_url(dir.path())).await?;
    let member = TestClient::login(
        &synapse.base_url(),
        &synapse.register(Persona::Client).await?,
    )
    .await?;
    let bot_room = member.open_direct_chat(&bot.user_id).await?;
    let echo = TestClient::login(
        &synapse.base_url(),
        &synapse.register(Persona::Carer).await?,
    )
    .await?;
    install_echo(&echo);
    let echo_room = member.open_direct_chat_with(&echo).await?;

    // Interleaved, so that both see the same machine load.
    let (mut bot_times, mut echo_times) = (Vec::new(), Vec::new());
    for round in 0..WARM_UP + SAMPLES {
        let bot_time = round_trip(&member, &bot_room, "!help").await?;
        let echo_time = round_trip(&member, &echo_room, "ping").await?;
        if round >= WARM_UP {
            bot_times.push(bot_time);
            echo_times.push(echo_time);
        }
    }
    bot.stop().await?;
    let (bot_median, bot_p95) = (
        percentile(&mut bot_times, 50),
        percentile(&mut bot_times, 95),
    );
    let (echo_median, echo_p95) = (
        percentile(&mut echo_times, 50),
        percentile(&mut echo_times, 95),
    );

    let room_counts: Vec<usize> = std::env::var("KRING_BENCH_ROOMS")
        .unwrap_or_else(|_| "1,100,1000".into())
        .split(',')
        .map(|n| {
            n.trim()
                .parse()
                .context("KRING_BENCH_ROOMS is a comma-separated list of numbers")
        })
        .collect::<Result<_>>()?;
    let memory = resident_memory_by_rooms(&synapse, dir.path(), &room_counts).await?;

    println!();
    println!("| round trip (ms)          | median | p95    |");
    println!("|--------------------------|--------|--------|");
    println!(
        "| plain E2EE echo (floor)  | {:>6.0} | {:>6.0} |",
        ms(echo_median),
        ms(echo_p95)
    );
    println!(
        "| bot, !help               | {:>6.0} | {:>6.0} |",
        ms(bot_median),
        ms(bot_p95)
    );
    println!(
        "| ratio bot / echo         | {:>5.2}x | {:>5.2}x |",
        ratio(bot_median, echo_median),
        ratio(bot_p95, echo_p95)
    );
    println!();
    println!("| joined rooms | bot RSS (MB) | ratio to 1 room |");
    println!("|--------------|--------------|-----------------|");
    let base = memory.first().map(|(_, kb)| *kb).unwrap_or(1).max(1);
    for (rooms, kb) in &memory {
        println!(
            "| {rooms:>12} | {:>12.1} | {:>14.2}x |",
            *kb as f64 / 1024.0,
            *kb as f64 / base as f64
        );
    }
    Ok(())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(f64::EPSILON)
}

async fn round_trip(member: &TestClient, room: &Room, text: &str) -> Result<Duration> {
    let started = Instant::now();
    let event_id = member.send_text(room, text).await?;
    member.wait_for_reply_to(&event_id).await?;
    Ok(started.elapsed())
}

/// The physical floor: an ordinary client that answers every text with a reply, encrypted.
fn install_echo(echo: &TestClient) {
    let own = echo.user_id().to_owned();
    echo.client
        .add_event_handler(move |event: OriginalSyncRoomMessageEvent, room: Room| {
            let own = own.clone();
            async move {
                if event.sender == own {
                    return;
                }
                let mut content = RoomMessageEventContent::notice_plain("pong");
                content.relates_to = Some(Relation::Reply(Reply::with_event_id(
                    event.event_id.clone(),
                )));
                let _ = room.send(content).await;
            }
        });
}

/// Starts the real bot process, has it join `counts` encrypted rooms in turn, and reads its RSS.
async fn resident_memory_by_rooms(
    synapse: &TestSynapse,
    dir: &std::path::Path,
    counts: &[usize],
) -> Result<Vec<(usize, u64)>> {
    let database = dir.join("memory");
    std::fs::create_dir_all(&database)?;
    let bot = BotProcess::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_kring")),
        synapse,
        &fresh_sqlite_url(&database),
    )
    .await?;
    let creator = synapse.register(Persona::Professional).await?;
    let token = synapse
        .admin()
        .login_password(&creator.username, &creator.password)
        .await?;
    let http = reqwest::Client::new();
    let mut created = 0;
    let mut results = Vec::new();
    for &count in counts {
        let started = Instant::now();
        while created < count {
            let body = serde_json::json!({ "preset": "private_chat", "invite": [bot.user_id] });
            let response = http
                .post(format!(
                    "{}/_matrix/client/v3/createRoom",
                    synapse.base_url()
                ))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await?;
            if !response.status().is_success() {
                bail!("creating room {created} failed: {}", response.text().await?);
            }
            created += 1;
            if created % 100 == 0 {
                eprintln!("memory: {created} rooms created");
            }
        }
        wait_until_bot_joined(synapse, &bot.user_id, count).await?;
        // Let the bot settle (greetings, key sharing) before reading its memory.
        tokio::time::sleep(Duration::from_secs(5)).await;
        let pid = bot.pid().context("the bot process is running")?;
        let kb = resident_kb(pid)?;
        eprintln!(
            "memory: {count} rooms joined after {:.0} s, RSS {:.1} MB",
            started.elapsed().as_secs_f64(),
            kb as f64 / 1024.0
        );
        results.push((count, kb));
    }
    Ok(results)
}

async fn wait_until_bot_joined(synapse: &TestSynapse, bot: &str, count: usize) -> Result<()> {
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let joined: serde_json::Value = http
            .get(format!(
                "{}/_synapse/admin/v1/users/{bot}/joined_rooms",
                synapse.base_url()
            ))
            .bearer_auth(synapse.admin_token())
            .send()
            .await?
            .json()
            .await?;
        let total = joined["total"].as_u64().unwrap_or(0) as usize;
        if total >= count {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(1200) {
            bail!("the bot joined only {total} of {count} rooms");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn resident_kb(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in /proc")
}
