//! The storage suite, run against SQLite and against a real PostgreSQL: the same behaviour on
//! both is the promise of DESIGN.md.

use anyhow::Result;
use kring_core::plan::{Change, Plan};
use kring_core::{Language, MatrixId};
use kring_store::{InboxKind, InboxState, NewInboxEntry, Store, StoreError};
use kring_testbed::on_both_databases;

on_both_databases!(
    inbox_keeps_each_event_once,
    two_bot_accounts_in_one_room_each_answer_the_same_event,
    inbox_answers_drop_the_text,
    late_keys_move_entries_to_pending,
    keys_that_never_come_are_given_up_once,
    sync_position_is_replaced_not_appended,
    each_device_keeps_its_own_sync_position,
    member_language_round_trips,
    health_check_answers,
    identities_are_pinned_changed_and_confirmed,
);

fn command(event_id: &str, body: Option<&str>, origin_ts: i64) -> NewInboxEntry {
    NewInboxEntry {
        event_id: event_id.into(),
        room_id: "!room:kring.test".into(),
        sender: "@client:kring.test".into(),
        kind: InboxKind::Command,
        body: body.map(str::to_owned),
        encrypted_event: body.is_none().then(|| "{\"ciphertext\":\"…\"}".to_owned()),
        origin_ts,
    }
}

const BOT: &str = "@kring:kring.test";

async fn inbox_keeps_each_event_once(store: Store) -> Result<()> {
    assert!(
        store
            .inbox_insert(BOT, &command("$b", Some("!status"), 20))
            .await?
    );
    assert!(
        store
            .inbox_insert(BOT, &command("$a", Some("!help"), 10))
            .await?
    );
    assert!(
        !store
            .inbox_insert(BOT, &command("$a", Some("!other"), 30))
            .await?,
        "a replay must not be stored again"
    );
    let pending = store.inbox_in_state(BOT, InboxState::Pending, 10).await?;
    let order: Vec<&str> = pending.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(order, ["$a", "$b"], "oldest first");
    assert_eq!(pending[0].body, "!help", "the first write wins");
    assert!(
        store
            .inbox_in_state("@other:kring.test", InboxState::Pending, 10)
            .await?
            .is_empty()
    );
    Ok(())
}

/// Two bot accounts in one room (shards, or a network moved to another account) both receive
/// its events: each keeps its own entry, plans and answers it, and neither's bookkeeping touches
/// the other's.
async fn two_bot_accounts_in_one_room_each_answer_the_same_event(store: Store) -> Result<()> {
    const OTHER: &str = "@kring-2:kring.test";
    for bot in [BOT, OTHER] {
        assert!(
            store
                .inbox_insert(bot, &command("$a", Some("!help"), 10))
                .await?,
            "{bot} stores its own copy"
        );
    }
    let reply = kring_core::plan::Plan::reply(
        kring_core::plan::Target::Room {
            room_id: ruma_common::owned_room_id!("!room:kring.test"),
        },
        kring_core::BotReply {
            plain: "hallo".into(),
            html: "hallo".into(),
        },
        None,
    );
    assert!(store.apply_plan(BOT, "$a", &reply).await?);
    assert!(!store.is_planned(OTHER, "$a").await?);
    assert!(
        store.apply_plan(OTHER, "$a", &reply).await?,
        "planned once each"
    );
    assert!(!store.apply_plan(OTHER, "$a", &reply).await?);
    let effect = store.pending_effects(BOT, "$a").await?;
    assert_eq!(effect.len(), 1);
    store
        .effect_done(BOT, "$a", effect[0].seq, Some("$sent"))
        .await?;
    store.inbox_answered(BOT, "$a", Some("$sent")).await?;
    assert!(store.pending_effects(BOT, "$a").await?.is_empty());
    assert_eq!(store.pending_effects(OTHER, "$a").await?.len(), 1);
    let other = store
        .inbox_entry(OTHER, "$a")
        .await?
        .expect("its own entry");
    assert_eq!(other.state, InboxState::Pending);
    assert_eq!(other.body, "!help");
    Ok(())
}

async fn inbox_answers_drop_the_text(store: Store) -> Result<()> {
    store
        .inbox_insert(BOT, &command("$a", Some("!help mijn diagnose"), 10))
        .await?;
    store.inbox_attempt_failed(BOT, "$a").await?;
    store.inbox_answered(BOT, "$a", Some("$reply")).await?;
    let entry = store.inbox_entry(BOT, "$a").await?.expect("still there");
    assert_eq!(entry.state, InboxState::Answered);
    assert_eq!(entry.body, "", "no chat text is kept after answering");
    assert_eq!(entry.attempts, 1);
    assert_eq!(entry.reply_event_id.as_deref(), Some("$reply"));
    assert_eq!(store.inbox_count(BOT, InboxState::Pending).await?, 0);
    assert_eq!(store.inbox_count(BOT, InboxState::Answered).await?, 1);
    Ok(())
}

async fn late_keys_move_entries_to_pending(store: Store) -> Result<()> {
    store.inbox_insert(BOT, &command("$late", None, 10)).await?;
    let waiting = store
        .inbox_in_state(BOT, InboxState::AwaitingKey, 10)
        .await?;
    assert_eq!(waiting.len(), 1);
    assert!(waiting[0].encrypted_event.is_some());
    store
        .inbox_decrypted(BOT, "$late", InboxKind::Command, "!help")
        .await?;
    let entry = store.inbox_entry(BOT, "$late").await?.expect("still there");
    assert_eq!(
        (entry.state, entry.body.as_str(), entry.encrypted_event),
        (InboxState::Pending, "!help", None)
    );
    // Decrypting twice changes nothing.
    store
        .inbox_decrypted(BOT, "$late", InboxKind::Command, "!other")
        .await?;
    assert_eq!(
        store.inbox_entry(BOT, "$late").await?.expect("there").body,
        "!help"
    );
    Ok(())
}

async fn keys_that_never_come_are_given_up_once(store: Store) -> Result<()> {
    store.inbox_insert(BOT, &command("$lost", None, 10)).await?;
    let waiting = store
        .inbox_in_state(BOT, InboxState::AwaitingKey, 10)
        .await?;
    assert!(waiting[0].received_at > 0, "when it came is kept");
    store.inbox_give_up_on_key(BOT, "$lost").await?;
    let entry = store.inbox_entry(BOT, "$lost").await?.expect("still there");
    assert_eq!(
        (
            entry.state,
            entry.kind,
            entry.body.as_str(),
            entry.encrypted_event
        ),
        (InboxState::Pending, InboxKind::Unreadable, "", None)
    );
    // The key turning up afterwards changes nothing.
    store
        .inbox_decrypted(BOT, "$lost", InboxKind::Command, "!help")
        .await?;
    let entry = store.inbox_entry(BOT, "$lost").await?.expect("still there");
    assert_eq!(
        (entry.kind, entry.body.as_str()),
        (InboxKind::Unreadable, "")
    );
    Ok(())
}

async fn sync_position_is_replaced_not_appended(store: Store) -> Result<()> {
    assert_eq!(store.sync_position(BOT).await?, None);
    store.save_sync_position(BOT, "s1").await?;
    store.save_sync_position(BOT, "s2").await?;
    assert_eq!(store.sync_position(BOT).await?.as_deref(), Some("s2"));
    assert_eq!(store.sync_position("@other:kring.test").await?, None);
    Ok(())
}

async fn each_device_keeps_its_own_sync_position(store: Store) -> Result<()> {
    // Stored before positions were per device: it counts for the device that resumes.
    store.save_sync_position(BOT, "s1").await?;
    assert_eq!(
        store.device_sync_position(BOT, "DEVICEA").await?.as_deref(),
        Some("s1")
    );
    store
        .save_device_sync_position(BOT, "DEVICEA", "a2")
        .await?;
    store
        .save_device_sync_position(BOT, "DEVICEB", "b7")
        .await?;
    store
        .save_device_sync_position(BOT, "DEVICEA", "a3")
        .await?;
    assert_eq!(
        store.device_sync_position(BOT, "DEVICEA").await?.as_deref(),
        Some("a3")
    );
    assert_eq!(
        store.device_sync_position(BOT, "DEVICEB").await?.as_deref(),
        Some("b7")
    );
    assert_eq!(
        store
            .device_sync_position("@other:kring.test", "DEVICEA")
            .await?,
        None
    );
    Ok(())
}

/// `!taal` stores the choice through its plan: a later choice replaces an earlier one, and each
/// member keeps their own.
async fn member_language_round_trips(store: Store) -> Result<()> {
    assert_eq!(store.member_language("@a:kring.test").await?, None);
    let choose = |event_id: &'static str, user: &str, language, at| {
        let store = store.clone();
        let user = MatrixId::parse(user).unwrap();
        async move {
            store
                .inbox_insert(BOT, &command(event_id, Some("!taal"), at))
                .await?;
            let mut plan = Plan::new();
            plan.change(Change::SetLanguage { user, language, at });
            store.apply_plan(BOT, event_id, &plan).await?;
            anyhow::Ok(())
        }
    };
    choose("$a-en", "@a:kring.test", Language::English, 1).await?;
    choose("$a-nl", "@a:kring.test", Language::Dutch, 2).await?;
    choose("$b-en", "@b:kring.test", Language::English, 3).await?;
    assert_eq!(
        store.member_language("@a:kring.test").await?,
        Some(Language::Dutch)
    );
    assert_eq!(
        store.member_language("@b:kring.test").await?,
        Some(Language::English)
    );
    Ok(())
}

async fn health_check_answers(store: Store) -> Result<()> {
    store.health_check().await?;
    store.pool().close().await;
    assert!(matches!(
        store.health_check().await,
        Err(StoreError::Database(_))
    ));
    Ok(())
}

#[tokio::test]
async fn an_unknown_database_address_is_refused_clearly() {
    let error = Store::connect("mysql://localhost/kring")
        .await
        .expect_err("only SQLite and PostgreSQL");
    assert!(matches!(error, StoreError::UnsupportedUrl));
}

#[tokio::test]
async fn migrations_run_twice_without_harm() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let url = kring_testbed::fresh_sqlite_url(dir.path());
    Store::connect(&url)
        .await?
        .inbox_insert(BOT, &command("$kept", Some("!help"), 1))
        .await?;
    let reopened = Store::connect(&url).await?;
    assert!(
        reopened.inbox_entry(BOT, "$kept").await?.is_some(),
        "data survives a restart"
    );
    Ok(())
}

/// The embedded database logs ahead and keeps every commit durable.
#[tokio::test]
async fn sqlite_writes_ahead_and_syncs_every_commit() -> anyhow::Result<()> {
    use sqlx::Row;
    let dir = tempfile::tempdir()?;
    let store = kring_store::Store::connect(&kring_testbed::fresh_sqlite_url(dir.path())).await?;
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await?
        .try_get(0)?;
    assert_eq!(mode, "wal");
    let synchronous: i64 = sqlx::query("PRAGMA synchronous")
        .fetch_one(store.pool())
        .await?
        .try_get(0)?;
    assert_eq!(synchronous, 2, "synchronous = FULL");
    Ok(())
}

async fn identities_are_pinned_changed_and_confirmed(store: Store) -> Result<()> {
    use kring_core::trust::IdentityVerdict;
    let anna = kring_core::MatrixId::parse("@anna:kring.test")?;
    assert_eq!(
        store.check_identity(&anna, "key-1").await?,
        (IdentityVerdict::Pin, false)
    );
    assert_eq!(
        store.check_identity(&anna, "key-1").await?,
        (IdentityVerdict::Same, false)
    );
    assert!(
        !store.confirm_identity(&anna, "key-1").await?,
        "nothing to confirm yet"
    );
    // A new identity is news once; asking again with it is not.
    assert_eq!(
        store.check_identity(&anna, "key-2").await?,
        (IdentityVerdict::Changed, true)
    );
    assert_eq!(
        store.check_identity(&anna, "key-2").await?,
        (IdentityVerdict::Changed, false)
    );
    assert_eq!(store.changed_identities().await?.len(), 1);
    assert!(store.unannounced_confirmations().await?.is_empty());
    assert!(
        !store.confirm_identity(&anna, "key-3").await?,
        "only the key the administrator checked is confirmed"
    );
    assert!(store.confirm_identity(&anna, "key-2").await?);
    assert_eq!(
        store.check_identity(&anna, "key-2").await?,
        (IdentityVerdict::Same, false)
    );
    assert_eq!(
        store.check_identity(&anna, "key-1").await?,
        (IdentityVerdict::Changed, true),
        "the old identity is not trusted any more"
    );
    let confirmed = store.unannounced_confirmations().await?;
    assert_eq!(confirmed.len(), 1);
    store
        .confirmation_announced(&confirmed[0].user_id, confirmed[0].confirmed_at)
        .await?;
    assert!(store.unannounced_confirmations().await?.is_empty());
    Ok(())
}

/// Entries and outbox rows written before they were keyed by bot account come through the
/// migration whole: still pending, still planned, their effects still to do, and a replay of
/// the same event is still recognised.
async fn rows_from_before_the_bot_key_survive_the_migration(url: &str) -> Result<()> {
    let before = Store::connect_at_version(url, 20261204000001).await?;
    for statement in [
        "INSERT INTO inbox (event_id, bot, room_id, sender, kind, body, origin_ts, received_at, state, attempts, planned_at)
         VALUES ('$a', '@kring:kring.test', '!room:kring.test', '@client:kring.test', 'command', '!help', 10, 11, 'pending', 2, 12)",
        "INSERT INTO outbox (cause_event_id, seq, bot, effect, state)
         VALUES ('$a', 0, '@kring:kring.test', '{\"effect\":\"send\",\"to\":\"room\",\"room_id\":\"!room:kring.test\",\"reply\":{\"plain\":\"hallo\",\"html\":\"hallo\"},\"reply_to\":\"$a\"}', 'pending')",
    ] {
        sqlx::query(statement).execute(before.pool()).await?;
    }
    drop(before);
    let store = Store::connect(url).await?;
    let entry = store.inbox_entry(BOT, "$a").await?.expect("kept");
    assert_eq!(
        (entry.state, entry.attempts, entry.body.as_str()),
        (InboxState::Pending, 2, "!help")
    );
    assert!(store.is_planned(BOT, "$a").await?);
    let effects = store.pending_effects(BOT, "$a").await?;
    assert_eq!(effects.len(), 1, "its effect is still to do");
    assert!(
        !store
            .inbox_insert(BOT, &command("$a", Some("!help"), 10))
            .await?,
        "a replay is still a replay"
    );
    Ok(())
}

#[tokio::test]
async fn rows_from_before_the_bot_key_survive_the_migration_on_sqlite() -> Result<()> {
    let dir = tempfile::tempdir()?;
    rows_from_before_the_bot_key_survive_the_migration(&kring_testbed::fresh_sqlite_url(dir.path()))
        .await
}

#[tokio::test]
async fn rows_from_before_the_bot_key_survive_the_migration_on_postgres() -> Result<()> {
    rows_from_before_the_bot_key_survive_the_migration(&kring_testbed::fresh_postgres_url().await?)
        .await
}
