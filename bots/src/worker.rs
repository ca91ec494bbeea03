//! The worker: answers what is in the inbox, each entry exactly once. Entries of one room (a
//! lane) are answered in order; different rooms in parallel, so a slow effect in one network
//! never holds up another. Each lane is answered under a lease in the store, so a second process
//! on the same database never answers a room's entries beside this one.

use crate::{Bot, BotError};
use crate::{dispatch, effects};
use kring_store::{InboxEntry, InboxKind, PlanWritten};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{Instrument, warn};

/// An entry that could not be planned this many times (a second apart) is left: nothing of it
/// was stored or done.
const MAX_ATTEMPTS: i64 = 20;
/// A planned entry whose steps failed this many times (about eight minutes of growing pauses)
/// is raised as stuck, and retried on.
const STUCK_AFTER: i64 = 10;
const MAX_PAUSE: Duration = Duration::from_secs(300);
const BATCH: i64 = 100;
const IDLE_LOOK: Duration = Duration::from_secs(1);
/// Timers due close together fire together: at most one look for them this often. Each look
/// is a write transaction, and on SQLite every lane's plan waits for it (the meetings benchmark,
/// 10,000 timers over 20 s: a look per due timer fired most within milliseconds but one in a
/// hundred over a second late, behind the lanes' writes; gathered, 177 ms at the 99th).
const TIMER_GATHER: Duration = Duration::from_millis(100);
/// How many rooms are answered at the same time. Sends wait mostly on the homeserver, so
/// this is about its load, not the bot's cores.
const PARALLEL_LANES: usize = 32;
/// How long a lane's lease holds without renewal; renewed every third of it while held.
const LEASE: Duration = Duration::from_secs(30);

pub(crate) async fn run(
    bot: Arc<Bot>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), BotError> {
    let bot_name = bot.identity.user_id.to_string();
    let holder = bot.identity.device_id.to_string();
    let mut last_sweep: Option<std::time::Instant> = None;
    // When the soonest stored timer is due, as the last look found it: the worker wakes for it
    // rather than at its next look, so a timer fires within milliseconds of its time.
    let mut next_timer: Option<i64> = None;
    let mut last_renewal = std::time::Instant::now();
    let mut busy: HashSet<String> = HashSet::new();
    let mut lanes: JoinSet<(String, Result<(), BotError>)> = JoinSet::new();
    loop {
        if *shutdown.borrow() {
            break;
        }
        if !busy.is_empty() && last_renewal.elapsed() >= LEASE / 3 {
            if let Err(error) = bot
                .store
                .renew_lanes(&bot_name, &holder, lease_until())
                .await
            {
                warn!(%error, "could not renew the leases on the rooms being answered");
            }
            last_renewal = std::time::Instant::now();
        }
        match bot
            .store
            .pending_lanes(&bot_name, &holder, now(), BATCH)
            .await
        {
            Ok(waiting) => {
                for lane in waiting {
                    if busy.len() >= PARALLEL_LANES {
                        break;
                    }
                    if busy.contains(&lane) {
                        continue;
                    }
                    // Read before the claim: the lease holds at least this long from here.
                    let lease_taken_at = std::time::Instant::now();
                    let claimed = bot
                        .store
                        .claim_lane(&bot_name, &lane, &holder, now(), lease_until())
                        .await;
                    match claimed {
                        Ok(true) => {}
                        // Another process answers this room now; it is looked at again later.
                        Ok(false) => continue,
                        Err(error) => {
                            warn!(%error, "could not take a room's lease; retrying");
                            break;
                        }
                    }
                    busy.insert(lane.clone());
                    bot.metrics.lanes_busy.set(busy.len() as i64);
                    let bot = bot.clone();
                    let shutdown = shutdown.clone();
                    lanes.spawn(async move {
                        let answered = answer_lane(&bot, &lane, lease_taken_at, shutdown).await;
                        (lane, answered)
                    });
                }
            }
            Err(error) => warn!(%error, "could not read the inbox; retrying"),
        }
        // Due timers are looked for when the soonest is due (or once a second), not before
        // every answer, and after the waiting rooms are under way: a command that woke the
        // worker does not wait for it.
        let since_sweep = last_sweep.map_or(IDLE_LOOK, |at| at.elapsed());
        let timer_due = next_timer.is_some_and(|due| due <= bot.clock.now_millis())
            && since_sweep >= TIMER_GATHER;
        if timer_due || since_sweep >= IDLE_LOOK {
            match sweep(&bot).await {
                Ok(swept) => {
                    // What it put into the inbox is answered at once, not after the next second.
                    if swept.added {
                        bot.wake_worker.notify_one();
                    }
                    next_timer = swept.next_timer;
                }
                Err(error) => {
                    // Not woken early again until a look succeeds: no tight loop on a failing store.
                    next_timer = None;
                    warn!(%error, "could not look for due timers; retrying");
                }
            }
            last_sweep = Some(std::time::Instant::now());
        }
        // A timer set since the last look (by a plan, or another process) is found at the next
        // one, at most a second later.
        let until_next_look = next_timer
            .map(|due| {
                let wait = Duration::from_millis((due - bot.clock.now_millis()).max(0) as u64);
                let gather = last_sweep.map_or(Duration::ZERO, |at| {
                    TIMER_GATHER.saturating_sub(at.elapsed())
                });
                wait.max(gather)
            })
            .map_or(IDLE_LOOK, |wait| wait.min(IDLE_LOOK));
        tokio::select! {
            _ = bot.wake_worker.notified() => {}
            _ = shutdown.changed() => {}
            // Work also arrives from outside the sync (the bridge records used invite links,
            // timers come due), so an idle worker looks again every second.
            _ = tokio::time::sleep(until_next_look) => {}
            Some(done) = lanes.join_next(), if !lanes.is_empty() => {
                let (lane, answered) = lane_ended(done)?;
                busy.remove(&lane);
                bot.metrics.lanes_busy.set(busy.len() as i64);
                if let Err(error) = bot.store.release_lane(&bot_name, &lane, &holder).await {
                    warn!(%error, "could not let go of a room's lease; it runs out by itself");
                }
                answered?;
            }
        }
    }
    // Shutting down: every lane finishes the step it is in (each step is safe to stop after).
    while let Some(done) = lanes.join_next().await {
        let (lane, answered) = lane_ended(done)?;
        let _ = bot.store.release_lane(&bot_name, &lane, &holder).await;
        answered?;
    }
    Ok(())
}

/// A lane that panicked ends the bot with an error: the supervisor restarts the process, and
/// exactly-once delivery makes that safe, where carrying on would leave the room unanswered.
fn lane_ended(
    done: Result<(String, Result<(), BotError>), tokio::task::JoinError>,
) -> Result<(String, Result<(), BotError>), BotError> {
    done.map_err(|error| BotError::LaneFailed(error.to_string()))
}

/// One second after the first failure, doubling up to five minutes.
fn retry_pause(attempts: i64) -> Duration {
    let doublings = attempts.clamp(1, 10) - 1;
    Duration::from_secs(1 << doublings).min(MAX_PAUSE)
}

fn now() -> i64 {
    kring_core::time::Clock::now_millis(&kring_core::time::SystemClock)
}

fn lease_until() -> i64 {
    now() + LEASE.as_millis() as i64
}

/// Answers one room's waiting entries in order until none is left. A failed entry pauses this
/// lane only: the lane is let go until the retry is due (`Store::pause_lane`), so a room that
/// keeps failing holds none of the places the other rooms are answered in. A storage error
/// ends the lane (and the bot).
async fn answer_lane(
    bot: &Bot,
    lane: &str,
    lease_taken_at: std::time::Instant,
    shutdown: watch::Receiver<bool>,
) -> Result<(), BotError> {
    let bot_name = bot.identity.user_id.as_str();
    let mut first_list = true;
    loop {
        let pending = bot.store.pending_in_lane(bot_name, lane, BATCH).await?;
        if pending.is_empty() {
            return Ok(());
        }
        // The dispatcher took the lease just before, and the first list is read after it: its
        // first entry needs neither the check nor the fresh read below (most lanes hold one
        // entry), unless getting here (the read included) took long enough for the lease to be
        // worth checking again.
        let mut lease_just_taken =
            std::mem::take(&mut first_list) && lease_taken_at.elapsed() < LEASE / 3;
        let mut pause = None;
        for entry in &pending {
            if *shutdown.borrow() {
                return Ok(());
            }
            if !std::mem::take(&mut lease_just_taken) {
                // The lease is checked (and extended) before every entry, not only by the
                // dispatcher's renewal: a lane whose lease ran out while it was held up (a
                // stalled database, a long shutdown) must not answer beside the process that
                // took the room.
                let holder = bot.identity.device_id.as_str();
                if !bot
                    .store
                    .claim_lane(bot_name, lane, holder, now(), lease_until())
                    .await?
                {
                    warn!("another process took over a room's lease; this one stops answering it");
                    return Ok(());
                }
                // Read afresh: the list is from before, and another holder may have answered
                // it.
                if bot
                    .store
                    .inbox_entry(bot_name, &entry.event_id)
                    .await?
                    .is_none_or(|now| now.state != kring_store::InboxState::Pending)
                {
                    continue;
                }
            }
            let span = tracing::info_span!("inbox_entry", kind = ?entry.kind, attempt = entry.attempts + 1);
            let Err(error) = answer(bot, entry).instrument(span).await else {
                continue;
            };
            if let BotError::StateKeptChanging(_) = error {
                // Nothing failed: others wrote first, and their work is done. Not an attempt,
                // so a busy database never makes an entry be left.
                warn!(%error, "planned again after a pause");
                pause = Some(Duration::from_secs(1));
                break;
            }
            let attempts = entry.attempts + 1;
            bot.metrics.send_failures.inc();
            warn!(%error, attempts, "could not answer; will retry");
            bot.store
                .inbox_attempt_failed(bot_name, &entry.event_id)
                .await?;
            if bot.store.is_planned(bot_name, &entry.event_id).await? {
                // What was decided must happen (a removal after consent was withdrawn, say):
                // retried with a growing pause for as long as it takes, and raised.
                if attempts == STUCK_AFTER {
                    bot.metrics.stuck_entries.inc();
                    tracing::error!(
                        attempts,
                        "a planned step keeps failing; its room waits behind it"
                    );
                }
                pause = Some(retry_pause(attempts));
            } else if attempts >= MAX_ATTEMPTS {
                // Nothing of it was stored or done: left, and said.
                bot.metrics.unplannable_entries.inc();
                tracing::error!(attempts, %error, "an inbox entry could not be planned; it is left unanswered");
                bot.store
                    .inbox_answered(bot_name, &entry.event_id, None)
                    .await?;
            } else {
                pause = Some(Duration::from_secs(1));
            }
            // The entries after it in this room wait: they are answered in order.
            break;
        }
        if let Some(pause) = pause {
            let holder = bot.identity.device_id.as_str();
            let resume_at = now() + pause.as_millis() as i64;
            bot.store
                .pause_lane(bot_name, lane, holder, resume_at)
                .await?;
            return Ok(());
        }
    }
}

/// What one look for due timers found.
struct Swept {
    /// Whether anything was put into the inbox.
    added: bool,
    /// When the soonest timer still to fire is due.
    next_timer: Option<i64>,
}

/// Timers that came due become inbox entries (`kring_store::Store::fire_due_timers`), which
/// the rules then plan like any other event; and what reaches the bot from outside the sync is
/// picked up.
async fn sweep(bot: &Bot) -> Result<Swept, BotError> {
    let bot_name = bot.identity.user_id.as_str();
    let mut added = false;
    loop {
        let outcome = bot
            .store
            .fire_due_timers(bot_name, bot.clock.now_millis(), BATCH)
            .await?;
        for (capability, key) in &outcome.broken {
            bot.metrics.broken_timers.inc();
            warn!(
                capability,
                key, "a timer's stored payload cannot be read; it will not fire"
            );
        }
        added |= outcome.fired > 0;
        if outcome.fired + outcome.broken.len() < BATCH as usize {
            break;
        }
    }
    let now = bot.clock.now_millis();
    // Identities the region's administrator confirmed (`kring user confirm-identity`, which
    // cannot reach the bot otherwise): announced once, through the inbox like everything else.
    for confirmed in bot.store.unannounced_confirmations().await? {
        bot.store
            .inbox_insert(
                bot.identity.user_id.as_str(),
                &kring_store::NewInboxEntry {
                    event_id: format!(
                        "kring-identity-confirmed-{}-{}",
                        confirmed.user_id, confirmed.confirmed_at
                    ),
                    room_id: String::new(),
                    sender: confirmed.user_id.clone(),
                    kind: InboxKind::IdentityConfirmed,
                    body: Some(String::new()),
                    encrypted_event: None,
                    origin_ts: now,
                },
            )
            .await?;
        bot.store
            .confirmation_announced(&confirmed.user_id, confirmed.confirmed_at)
            .await?;
        added = true;
    }
    Ok(Swept {
        added,
        next_timer: bot.store.next_timer_due().await?,
    })
}

/// How often a plan is made again because another process wrote meanwhile, before the entry
/// is retried later like any other that could not be planned.
const MAX_REPLANS: usize = 20;

/// Plans the entry unless it was planned before, and writes the plan if the state it was made
/// from is still the state in the store (`kring_store::Store::apply_plan_made_at`).
async fn plan_from_unchanged_state(bot: &Bot, entry: &InboxEntry) -> Result<(), BotError> {
    let bot_name = bot.identity.user_id.as_str();
    for _ in 0..MAX_REPLANS {
        if bot.store.is_planned(bot_name, &entry.event_id).await? {
            return Ok(());
        }
        let basis = bot.store.plan_basis().await?;
        let plan = dispatch::plan(bot, entry).await?;
        match bot
            .store
            .apply_plan_made_at(bot_name, &entry.event_id, &plan, basis)
            .await?
        {
            PlanWritten::Written | PlanWritten::PlannedBefore => return Ok(()),
            PlanWritten::StateChanged => {
                bot.metrics.plans_made_again.inc();
            }
        }
    }
    Err(BotError::StateKeptChanging(MAX_REPLANS))
}

/// Plans the entry (once; a replay finds the stored plan), carries out what is left of its
/// effects in order, and marks it answered.
async fn answer(bot: &Bot, entry: &InboxEntry) -> Result<(), BotError> {
    let bot_name = bot.identity.user_id.as_str();
    let is_command = entry.kind == InboxKind::Command;
    let started = std::time::Instant::now();
    if is_command {
        bot.metrics
            .stage_queued_seconds
            .observe((now() - entry.received_at).max(0) as f64 / 1000.0);
    }
    if !bot.store.is_planned(bot_name, &entry.event_id).await? {
        // Plans are made one at a time, whichever room they come from: each reads the
        // network's state and writes what follows from it, and two made side by side could
        // each miss the other's (two lanes of one network: its room and a member's chat).
        // Another process on the same database is not held by this lock: a plan is written
        // only if nothing it was made from changed meanwhile, and is made again if it did.
        let _one_plan_at_a_time = bot.planning.lock().await;
        plan_from_unchanged_state(bot, entry).await?;
    }
    let planned = std::time::Instant::now();
    // Whatever key query a sync queued is sent before encrypting, and while (key_queries.rs).
    let _answering = bot.key_queries.answering();
    if let Err(error) = bot.key_queries.send_pending().await {
        warn!(%error, "could not send a queued key query before answering");
    }
    let mut last_sent = None;
    for pending in bot.store.pending_effects(bot_name, &entry.event_id).await? {
        if let Some(event_id) = effects::carry_out(bot, &pending).await? {
            last_sent = Some(event_id);
        }
    }
    if is_command {
        bot.metrics
            .stage_plan_seconds
            .observe((planned - started).as_secs_f64());
        bot.metrics
            .stage_send_seconds
            .observe(planned.elapsed().as_secs_f64());
    }
    bot.store
        .inbox_answered(bot_name, &entry.event_id, last_sent.as_deref())
        .await?;
    if is_command && last_sent.is_some() {
        bot.metrics
            .reply_seconds
            .observe((now() - entry.origin_ts).max(0) as f64 / 1000.0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{MAX_PAUSE, retry_pause};
    use crate::effects::transaction_id;
    use std::time::Duration;

    #[test]
    fn a_failing_step_is_retried_after_a_doubling_pause_of_at_most_five_minutes() {
        assert_eq!(retry_pause(1), Duration::from_secs(1));
        assert_eq!(retry_pause(2), Duration::from_secs(2));
        assert_eq!(retry_pause(9), Duration::from_secs(256));
        assert_eq!(retry_pause(10), MAX_PAUSE);
        assert_eq!(retry_pause(i64::MAX), MAX_PAUSE);
        assert_eq!(retry_pause(0), Duration::from_secs(1));
        let until_raised: Duration = (1..super::STUCK_AFTER).map(retry_pause).sum();
        assert!(until_raised < Duration::from_secs(600), "{until_raised:?}");
    }

    #[test]
    fn transaction_ids_are_stable_per_step_and_distinct_between_steps() {
        let first = transaction_id("@kring:test", "$a", 0);
        assert_eq!(first, transaction_id("@kring:test", "$a", 0));
        assert_ne!(first, transaction_id("@kring:test", "$a", 1));
        assert_ne!(first, transaction_id("@kring:test", "$a", -1));
        assert_ne!(first, transaction_id("@kring:test", "$b", 0));
        assert_ne!(first, transaction_id("@other:test", "$a", 0));
    }

    /// A `!help` from Anna in `room`, in the inbox with its plan (one reply) stored.
    async fn planned_reply(
        bot: &crate::Bot,
        event_id: &str,
        room: &matrix_sdk::ruma::RoomId,
        origin_ts: i64,
    ) {
        use kring_core::messages::BotReply;
        use kring_core::plan::{Plan, Target};
        let bot_name = bot.identity.user_id.as_str();
        crate::testing::received_command(
            bot,
            event_id,
            room.as_str(),
            "@anna:kring.test",
            "!help",
            origin_ts,
        )
        .await;
        let plan = Plan::reply(
            Target::Room {
                room_id: room.to_owned(),
            },
            BotReply {
                plain: "hallo".into(),
                html: "hallo".into(),
            },
            None,
        );
        bot.store
            .apply_plan(bot_name, event_id, &plan)
            .await
            .unwrap();
    }

    async fn entry(bot: &crate::Bot, event_id: &str) -> kring_store::InboxEntry {
        bot.store
            .inbox_entry(bot.identity.user_id.as_str(), event_id)
            .await
            .unwrap()
            .unwrap()
    }

    /// One room's send hangs for half a minute (a slow homeserver, a removal waiting for the
    /// bot's own view); the other room's answer goes out meanwhile, and the slow one is still
    /// being carried out, not given up.
    #[tokio::test]
    async fn a_slow_step_in_one_room_does_not_hold_up_another() {
        use crate::testing::mock_bot;
        use kring_store::InboxState;
        use matrix_sdk::ruma::room_id;
        use wiremock::matchers::{method, path_regex};
        use wiremock::{Mock, ResponseTemplate};

        let mock = mock_bot().await;
        let bot = mock.bot.clone();
        mock.server
            .mock_room_state_encryption()
            .plain()
            .mount()
            .await;
        let slow = room_id!("!slow:kring.test");
        let quick = room_id!("!quick:kring.test");
        for (room, delay, reply) in [
            (slow, Duration::from_secs(30), "$slow-reply"),
            (quick, Duration::ZERO, "$quick-reply"),
        ] {
            mock.server.sync_joined_room(&bot.client, room).await;
            let localpart = room.as_str()[1..].split(':').next().unwrap().to_owned();
            Mock::given(method("PUT"))
                .and(path_regex(format!(
                    "^/_matrix/client/v3/rooms/[^/]*{localpart}[^/]*/send/"
                )))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(serde_json::json!({ "event_id": reply }))
                        .set_delay(delay),
                )
                .mount(mock.server.server())
                .await;
        }
        // The slow room's entry is the older one, so a single queue would serve it first.
        for (event_id, room, origin_ts) in [("$slow", slow, 1), ("$quick", quick, 2)] {
            planned_reply(&bot, event_id, room, origin_ts).await;
        }
        let (_stop, shutdown) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(super::run(bot.clone(), shutdown));
        let state_of = |event_id: &'static str| {
            let bot = bot.clone();
            async move { entry(&bot, event_id).await.state }
        };
        let started = std::time::Instant::now();
        while state_of("$quick").await != InboxState::Answered {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the quick room waited behind the slow one"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            state_of("$slow").await,
            InboxState::Pending,
            "still being sent"
        );
        worker.abort();
    }

    /// More rooms than the worker has places keep failing (the homeserver refuses their sends):
    /// each pauses and lets go of its place, so a room that works is still answered.
    #[tokio::test]
    async fn rooms_that_keep_failing_do_not_take_every_place() {
        use crate::testing::mock_bot;
        use kring_store::InboxState;
        use matrix_sdk::ruma::OwnedRoomId;
        use wiremock::matchers::{method, path_regex};
        use wiremock::{Mock, ResponseTemplate};

        let mock = mock_bot().await;
        let bot = mock.bot.clone();
        mock.server
            .mock_room_state_encryption()
            .plain()
            .mount()
            .await;
        Mock::given(method("PUT"))
            .and(path_regex(
                "^/_matrix/client/v3/rooms/[^/]*failing[^/]*/send/",
            ))
            .respond_with(ResponseTemplate::new(403).set_body_json(
                serde_json::json!({ "errcode": "M_FORBIDDEN", "error": "not allowed" }),
            ))
            .mount(mock.server.server())
            .await;
        Mock::given(method("PUT"))
            .and(path_regex(
                "^/_matrix/client/v3/rooms/[^/]*working[^/]*/send/",
            ))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({ "event_id": "$ok" })),
            )
            .mount(mock.server.server())
            .await;
        let mut rooms: Vec<(String, OwnedRoomId)> = (0..super::PARALLEL_LANES + 4)
            .map(|n| {
                let room = OwnedRoomId::try_from(format!("!failing{n}:kring.test")).unwrap();
                (format!("$failing{n}"), room)
            })
            .collect();
        // The working room's entry is the newest: every failing one is ahead of it.
        rooms.push((
            "$working".into(),
            OwnedRoomId::try_from("!working:kring.test").unwrap(),
        ));
        for (origin_ts, (event_id, room)) in rooms.iter().enumerate() {
            mock.server.sync_joined_room(&bot.client, room).await;
            planned_reply(&bot, event_id, room, origin_ts as i64).await;
        }
        let (_stop, shutdown) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(super::run(bot.clone(), shutdown));
        let state_of = |event_id: &'static str| {
            let bot = bot.clone();
            async move { entry(&bot, event_id).await }
        };
        let started = std::time::Instant::now();
        while state_of("$working").await.state != InboxState::Answered {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the working room waited behind rooms that keep failing"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let failing = state_of("$failing0").await;
        assert_eq!(failing.state, InboxState::Pending, "still to be retried");
        assert!(failing.attempts >= 1, "it was tried");
        worker.abort();
    }
}
