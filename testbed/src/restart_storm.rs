//! A region's bad day, reproducible: commands stream into several encrypted rooms while the real
//! `kring bots` process is SIGKILLed again and again at random moments (some while it is still
//! starting), then it runs undisturbed; every command is then counted from the rooms' server-side
//! history. Used by the end-to-end test (10 kills) and the soak script (100 kills).

use crate::bench::env_number;
use crate::{BotProcess, Persona, TestClient, TestSynapse};
use anyhow::{Context, Result};
use matrix_sdk::ruma::OwnedEventId;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a storm does.
#[derive(Debug, Clone)]
pub struct StormPlan {
    pub rooms: usize,
    pub kills: usize,
    /// Time between two commands, sent round-robin over the rooms.
    pub command_every: Duration,
    /// How long the bot may take to answer everything once the kills are over.
    pub settle: Duration,
    pub seed: u64,
}

/// What the rooms' histories say afterwards.
#[derive(Debug)]
pub struct StormReport {
    pub plan: StormPlan,
    /// The bot account whose inbox the commands went into.
    pub bot_user_id: String,
    pub commands: usize,
    pub answered_once: usize,
    pub lost: Vec<OwnedEventId>,
    pub doubled: Vec<(OwnedEventId, usize)>,
    /// Kills that came before the restarted bot had finished its first sync.
    pub kills_during_start_up: usize,
    pub storm_time: Duration,
    /// From the last restart until every command was answered (or `settle` ran out).
    pub catch_up_time: Duration,
    pub panics_in_log: usize,
    pub log: String,
}

impl StormReport {
    pub fn summary(&self) -> String {
        format!(
            "{} kills ({} during start-up) over {} rooms in {:.0} s, seed {}: {} commands, {} answered exactly once, {} lost, {} answered more than once, {} panics; caught up {:.1} s after the last restart",
            self.plan.kills,
            self.kills_during_start_up,
            self.plan.rooms,
            self.storm_time.as_secs_f64(),
            self.plan.seed,
            self.commands,
            self.answered_once,
            self.lost.len(),
            self.doubled.len(),
            self.panics_in_log,
            self.catch_up_time.as_secs_f64(),
        )
    }
}

/// Runs the storm against `binary` (the `kring` executable) on a fresh Synapse and database.
pub async fn restart_storm(
    binary: &Path,
    database_url: &str,
    plan: StormPlan,
) -> Result<StormReport> {
    let synapse = TestSynapse::start().await?;
    let mut bot = BotProcess::start_on(binary, &synapse, database_url, "").await?;
    let account = synapse.register(Persona::Client).await?;
    let member = Arc::new(TestClient::login(&synapse.base_url(), &account).await?);
    let mut rooms = Vec::new();
    for _ in 0..plan.rooms {
        let room = member.open_direct_chat(&bot.user_id).await?;
        rooms.push(room);
    }
    for room in &rooms {
        let room_id = room.room_id().to_owned();
        let bot_id = bot.user_id.clone();
        member
            .wait_for("the greeting", |m| {
                m.room_id == room_id && m.sender.as_str() == bot_id
            })
            .await?;
    }

    let sent: Arc<Mutex<Vec<(usize, OwnedEventId)>>> = Arc::default();
    let (stop_sending, mut stopped) = tokio::sync::watch::channel(false);
    let sender = {
        let member = member.clone();
        let rooms = rooms.clone();
        let sent = sent.clone();
        let every = plan.command_every;
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            let mut next = 0usize;
            loop {
                tokio::select! {
                    _ = ticker.tick() => {}
                    _ = stopped.changed() => return,
                }
                let index = next % rooms.len();
                next += 1;
                // Synapse stays up throughout, so a failed send is the test's own trouble.
                match member.send_text(&rooms[index], "!help").await {
                    Ok(event_id) => sent.lock().expect("not poisoned").push((index, event_id)),
                    Err(error) => tracing::warn!(%error, "a storm command could not be sent"),
                }
            }
        })
    };

    let mut rng = StdRng::seed_from_u64(plan.seed);
    let storm_started = Instant::now();
    let mut kills_during_start_up = 0;
    for kill in 0..plan.kills {
        // Every other kill comes soon after the restart, while the bot is still starting (where
        // the losses were); the others anywhere in 0.3–3 s. A warm machine can start and sync
        // within those few hundred milliseconds, so the last start-up kill, if none has landed
        // there yet, comes at once.
        let wait = if kill % 2 == 1 {
            let last_chance = kill + 2 >= plan.kills && kills_during_start_up == 0;
            if last_chance {
                0
            } else {
                rng.gen_range(50..600)
            }
        } else {
            rng.gen_range(300..3000)
        };
        tokio::time::sleep(Duration::from_millis(wait)).await;
        if !bot.has_synced_since_start().await {
            kills_during_start_up += 1;
        }
        bot.kill_hard().await?;
        bot.spawn()?;
    }
    let storm_time = storm_started.elapsed();
    // A few more seconds of traffic into the last restart, then quiet; longer when the kills
    // happened to come quickly, so that a storm always carries enough commands to count.
    let tail = Duration::from_secs(2).max(MIN_TRAFFIC.saturating_sub(storm_time));
    tokio::time::sleep(tail).await;
    let _ = stop_sending.send(true);
    sender.await?;
    let sent = sent.lock().expect("not poisoned").clone();

    let settle_started = Instant::now();
    while settle_started.elapsed() < plan.settle && !all_answered(&member, &sent) {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let catch_up_time = settle_started.elapsed();
    // Give any duplicate a fair chance to show up, then count from each room's history.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let counted = count_replies_in_history(&member, &rooms, &sent).await?;
    let log = bot.log();
    let panics_in_log = log.matches("panicked at").count();
    bot.kill_hard().await?;
    Ok(StormReport {
        plan,
        bot_user_id: bot.user_id.clone(),
        commands: sent.len(),
        answered_once: counted.answered_once,
        lost: counted.lost,
        doubled: counted.doubled,
        kills_during_start_up,
        storm_time,
        catch_up_time,
        panics_in_log,
        log,
    })
}

/// Every command's replies, counted from its room's server-side history.
#[derive(Debug, Default)]
pub struct RepliesCounted {
    pub answered_once: usize,
    pub lost: Vec<OwnedEventId>,
    pub doubled: Vec<(OwnedEventId, usize)>,
}

/// Counts the replies to each of `sent` (the index of its room in `rooms`, its event id) from
/// the rooms' server-side history (`/messages`, decrypted), not from what `member`'s sync saw.
pub async fn count_replies_in_history(
    member: &TestClient,
    rooms: &[matrix_sdk::Room],
    sent: &[(usize, OwnedEventId)],
) -> Result<RepliesCounted> {
    let mut histories: Vec<HashMap<OwnedEventId, usize>> = Vec::new();
    for room in rooms {
        histories.push(member.replies_in_history(room).await?);
    }
    let mut counted = RepliesCounted::default();
    for (index, event_id) in sent {
        match histories[*index].get(event_id).copied().unwrap_or(0) {
            0 => counted.lost.push(event_id.clone()),
            1 => counted.answered_once += 1,
            n => counted.doubled.push((event_id.clone(), n)),
        }
    }
    Ok(counted)
}

/// Whether `member` has seen a reply to every command sent.
fn all_answered(member: &TestClient, sent: &[(usize, OwnedEventId)]) -> bool {
    let answered: std::collections::HashSet<OwnedEventId> = member
        .received()
        .into_iter()
        .filter_map(|message| message.in_reply_to)
        .collect();
    sent.iter().all(|(_, event_id)| answered.contains(event_id))
}

/// The least time commands stream, kills and the tail after them together.
const MIN_TRAFFIC: Duration = Duration::from_secs(12);

/// The storm the test suite runs, its size overridable for the soak script.
pub fn plan_from_env(default_kills: usize, default_rooms: usize) -> Result<StormPlan> {
    let kills = env_number("KRING_STORM_KILLS", default_kills)?;
    let seed = match std::env::var("KRING_STORM_SEED") {
        Ok(value) => value.parse().context("KRING_STORM_SEED")?,
        Err(_) => rand::thread_rng().r#gen(),
    };
    Ok(StormPlan {
        rooms: env_number("KRING_STORM_ROOMS", default_rooms)?,
        kills,
        command_every: Duration::from_millis(150),
        settle: Duration::from_secs(env_number("KRING_STORM_SETTLE_SECS", 180)? as u64),
        seed,
    })
}
