//! The worker: answers what is in the inbox, oldest first, each exactly once.

use crate::dispatch;
use crate::sync::sleep_or_shutdown;
use crate::{Bot, BotError};
use kring_store::{InboxEntry, InboxKind, InboxState};
use matrix_sdk::RoomState;
use matrix_sdk::ruma::events::relation::Reply;
use matrix_sdk::ruma::events::room::message::{Relation, RoomMessageEventContent};
use matrix_sdk::ruma::{EventId, OwnedTransactionId, RoomId};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tracing::warn;

/// After this many failed sends an entry is given up, so one undeliverable reply cannot keep
/// the worker busy forever.
const MAX_ATTEMPTS: i64 = 20;
const BATCH: i64 = 100;

pub(crate) async fn run(
    bot: Arc<Bot>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), BotError> {
    let bot_name = bot.identity.user_id.to_string();
    loop {
        if *shutdown.borrow() {
            return Ok(());
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
                _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            }
        }
    }
}

/// The transaction id of the reply to `event_id`: the same on every attempt, so the homeserver
/// recognises a resend after a crash and does not post the reply twice.
pub(crate) fn reply_transaction_id(bot_user_id: &str, event_id: &str) -> OwnedTransactionId {
    let digest = Sha256::digest(format!("{bot_user_id}\n{event_id}").as_bytes());
    OwnedTransactionId::from(format!("kring-{}", hex::encode(&digest[..16])))
}

async fn answer(bot: &Bot, entry: &InboxEntry) -> Result<(), BotError> {
    let room = RoomId::parse(&entry.room_id)
        .ok()
        .and_then(|room_id| bot.client.get_room(&room_id));
    let Some(room) = room.filter(|room| room.state() == RoomState::Joined) else {
        // The bot is no longer in the room: there is nobody to answer.
        bot.store.inbox_answered(&entry.event_id, None).await?;
        return Ok(());
    };
    let reply = match entry.kind {
        InboxKind::Greeting => Some(kring_core::messages::direct_chat_greeting(
            kring_core::Language::Dutch,
        )),
        InboxKind::Command => dispatch::respond(bot, entry, &room).await?,
    };
    let Some(reply) = reply else {
        bot.store.inbox_answered(&entry.event_id, None).await?;
        return Ok(());
    };
    let mut content = RoomMessageEventContent::notice_html(reply.plain, reply.html);
    if entry.kind == InboxKind::Command
        && let Ok(event_id) = EventId::parse(&entry.event_id)
    {
        content.relates_to = Some(Relation::Reply(Reply::with_event_id(event_id.to_owned())));
    }
    let transaction_id = reply_transaction_id(bot.identity.user_id.as_str(), &entry.event_id);
    let sent = room
        .send(content)
        .with_transaction_id(transaction_id)
        .await?;
    bot.store
        .inbox_answered(&entry.event_id, Some(sent.response.event_id.as_str()))
        .await?;
    bot.metrics.replies_sent.inc();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    bot.metrics
        .reply_seconds
        .observe((now - entry.origin_ts).max(0) as f64 / 1000.0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_ids_are_stable_per_event_and_distinct_between_events() {
        let first = reply_transaction_id("@kring:test", "$a");
        assert_eq!(first, reply_transaction_id("@kring:test", "$a"));
        assert_ne!(first, reply_transaction_id("@kring:test", "$b"));
        assert_ne!(first, reply_transaction_id("@other:test", "$a"));
    }
}
