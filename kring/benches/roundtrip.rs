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
use kring_testbed::bench::{install_echo, resident_kb, round_trip, round_trip_table};
use kring_testbed::{BotProcess, InProcessBot, Persona, TestClient, TestSynapse, fresh_sqlite_url};
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

    let room_counts: Vec<usize> = std::env::var("KRING_BENCH_ROOMS")
        .unwrap_or_else(|_| "1,100,1000".into())
        .split(',')
        .map(|n| {
            n.trim()
                .parse()
                .context("KRING_BENCH_ROOMS is a comma-separated list of numbers")
        })
        .collect::<Result<_>>()?;
    let memory = resident_memory_by_rooms(&synapse, &room_counts).await?;

    println!();
    println!(
        "{}",
        round_trip_table("round trip (ms)", &mut echo_times, &mut bot_times)
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

/// Starts the real bot process, has it join `counts` encrypted rooms in turn, and reads its RSS.
async fn resident_memory_by_rooms(
    synapse: &TestSynapse,
    counts: &[usize],
) -> Result<Vec<(usize, u64)>> {
    let bot = BotProcess::start(std::path::Path::new(env!("CARGO_BIN_EXE_kring")), synapse).await?;
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
            // A direct chat, as Element makes one: the bot joins only those (kring_core::trust::may_join).
            let body = serde_json::json!({
                "preset": "trusted_private_chat",
                "is_direct": true,
                "invite": [bot.user_id],
            });
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
