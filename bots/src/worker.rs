//! The worker: answers what is in the inbox, oldest first, each exactly once.

use crate::sync::sleep_or_shutdown;
use crate::{Bot, BotError};
use crate::{dispatch, effects};
use kring_store::{InboxEntry, InboxKind, InboxState};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tracing::warn;

/// After this many failed sends an entry is given up, so one undeliverable reply cannot keep
/// the worker busy forever.
const MAX_ATTEMPTS: i64 = 20;
const BATCH: i64 = 100;
const IDLE_LOOK: Duration = Duration::from_secs(1);

pub(crate) async fn run(
    bot: Arc<Bot>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), BotError> {
    let bot_name = bot.identity.user_id.to_string();
    let mut last_sweep: Option<std::time::Instant> = None;
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        // Ended consent is looked for once a second, not before every answer.
        if last_sweep.is_none_or(|at| at.elapsed() >= IDLE_LOOK) {
            if let Err(error) = sweep(&bot).await {
                warn!(%error, "could not check for ended consent; retrying");
            }
            last_sweep = Some(std::time::Instant::now());
        }
        let pending = match bot
            .store
            .inbox_in_state(&bot_name, InboxState::Pending, BATCH)
            .await
        {
            Ok(pending) => pending,
            Err(error) => {
                warn!(%error, "could not read the inbox; retrying");
                if sleep_or_shutdown(&mut shutdown, Duration::from_secs(1)).await {
                    return Ok(());
                }
                continue;
            }
        };
        let mut any_failed = false;
        for entry in &pending {
            if *shutdown.borrow() {
                return Ok(());
            }
            if let Err(error) = answer(&bot, entry).await {
                any_failed = true;
                bot.metrics.send_failures.inc();
                warn!(%error, attempts = entry.attempts + 1, "could not answer; will retry");
                bot.store.inbox_attempt_failed(&entry.event_id).await?;
                if entry.attempts + 1 >= MAX_ATTEMPTS {
                    warn!("giving up on an inbox entry after {MAX_ATTEMPTS} attempts");
                    bot.store.inbox_answered(&entry.event_id, None).await?;
                }
            }
        }
        if any_failed {
            if sleep_or_shutdown(&mut shutdown, Duration::from_secs(1)).await {
                return Ok(());
            }
        } else if pending.is_empty() {
            tokio::select! {
                _ = bot.wake_worker.notified() => {}
                _ = shutdown.changed() => {}
                // Work also arrives from outside the sync (the bridge records used invite
                // links), so an idle worker looks again every second.
                _ = tokio::time::sleep(IDLE_LOOK) => {}
            }
        }
    }
}

/// Timers that came due become inbox entries (`kring_store::Store::fire_due_timers`), which
/// the rules then plan like any other event; and what reaches the bot from outside the sync is
/// picked up.
async fn sweep(bot: &Bot) -> Result<(), BotError> {
    let bot_name = bot.identity.user_id.as_str();
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
    }
    Ok(())
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
            .observe((bot.clock.now_millis() - entry.received_at).max(0) as f64 / 1000.0);
    }
    if !bot.store.is_planned(&entry.event_id).await? {
        let plan = dispatch::plan(bot, entry).await?;
        bot.store
            .apply_plan(bot_name, &entry.event_id, &plan)
            .await?;
    }
    let planned = std::time::Instant::now();
    // Whatever key query a sync queued is sent before encrypting, and while (key_queries.rs).
    let _answering = bot.key_queries.answering();
    if let Err(error) = bot.key_queries.send_pending().await {
        warn!(%error, "could not send a queued key query before answering");
    }
    let mut last_sent = None;
    for pending in bot.store.pending_effects(&entry.event_id).await? {
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
        .inbox_answered(&entry.event_id, last_sent.as_deref())
        .await?;
    if is_command && last_sent.is_some() {
        bot.metrics
            .reply_seconds
            .observe((bot.clock.now_millis() - entry.origin_ts).max(0) as f64 / 1000.0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::effects::transaction_id;

    #[test]
    fn transaction_ids_are_stable_per_step_and_distinct_between_steps() {
        let first = transaction_id("@kring:test", "$a", 0);
        assert_eq!(first, transaction_id("@kring:test", "$a", 0));
        assert_ne!(first, transaction_id("@kring:test", "$a", 1));
        assert_ne!(first, transaction_id("@kring:test", "$a", -1));
        assert_ne!(first, transaction_id("@kring:test", "$b", 0));
        assert_ne!(first, transaction_id("@other:test", "$a", 0));
    }
}
