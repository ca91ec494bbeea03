//! The durable scheduler on SQLite and on a real PostgreSQL: timers are scheduled, moved and
//! cancelled with their plan, and each due one becomes exactly one inbox entry.

use anyhow::Result;
use kring_core::plan::{Change, FiredTimer, Plan, Timer};
use kring_store::{
    InboxKind, InboxState, NewInboxEntry, Store, StoreError, TimerState, fired_timer_event_id,
};
use kring_testbed::on_both_databases;

on_both_databases!(
    a_timer_fires_once_when_it_is_due,
    a_moved_timer_fires_at_its_new_time_and_a_cancelled_one_never,
    two_firers_at_once_write_one_entry,
    a_timer_that_cannot_be_read_is_reported_and_does_not_block_the_others,
);

const BOT: &str = "@kring:kring.test";

async fn plan_with(store: &Store, cause: &str, changes: Vec<Change>) -> Result<()> {
    store
        .inbox_insert(
            BOT,
            &NewInboxEntry {
                event_id: cause.into(),
                room_id: "!dm:kring.test".into(),
                sender: "@client:kring.test".into(),
                kind: InboxKind::Command,
                body: Some("!iets".into()),
                encrypted_event: None,
                origin_ts: 1,
            },
        )
        .await?;
    let mut plan = Plan::new();
    for change in changes {
        plan.change(change);
    }
    anyhow::ensure!(store.apply_plan(BOT, cause, &plan).await?, "applied");
    Ok(())
}

fn timer(key: &str, due_at: i64) -> Timer {
    Timer {
        capability: "test".into(),
        key: key.into(),
        due_at,
        room_id: Some(ruma_common::owned_room_id!("!network:kring.test")),
        payload: serde_json::json!({"meeting": key}),
    }
}

async fn fired_entries(store: &Store) -> Result<Vec<kring_store::InboxEntry>> {
    Ok(store
        .inbox_in_state(BOT, InboxState::Pending, 100)
        .await?
        .into_iter()
        .filter(|entry| entry.kind == InboxKind::Timer)
        .collect())
}

async fn a_timer_fires_once_when_it_is_due(store: Store) -> Result<()> {
    plan_with(
        &store,
        "$plan",
        vec![Change::ScheduleTimer(timer("m1", 1_000))],
    )
    .await?;
    assert_eq!(
        store.fire_due_timers(BOT, 999, 10).await?.fired,
        0,
        "not yet"
    );
    assert_eq!(store.fire_due_timers(BOT, 1_000, 10).await?.fired, 1);
    assert_eq!(
        store.fire_due_timers(BOT, 5_000, 10).await?.fired,
        0,
        "once"
    );
    let entries = fired_entries(&store).await?;
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry.event_id, fired_timer_event_id("test", "m1", 1_000));
    assert_eq!(entry.room_id, "!network:kring.test");
    assert_eq!(entry.origin_ts, 1_000, "it happened when it was due");
    let fired: FiredTimer = serde_json::from_str(&entry.body)?;
    assert_eq!(
        fired,
        FiredTimer {
            capability: "test".into(),
            key: "m1".into(),
            due_at: 1_000,
            payload: serde_json::json!({"meeting": "m1"}),
        }
    );
    let stored = store.timer("test", "m1").await?.expect("kept");
    assert_eq!(stored.state, TimerState::Fired);
    assert_eq!(stored.fired_at, Some(1_000));
    Ok(())
}

async fn a_moved_timer_fires_at_its_new_time_and_a_cancelled_one_never(store: Store) -> Result<()> {
    plan_with(
        &store,
        "$plan",
        vec![
            Change::ScheduleTimer(timer("moves", 1_000)),
            Change::ScheduleTimer(timer("cancelled", 1_000)),
        ],
    )
    .await?;
    plan_with(
        &store,
        "$change",
        vec![
            Change::ScheduleTimer(timer("moves", 3_000)),
            Change::CancelTimer {
                capability: "test".into(),
                key: "cancelled".into(),
            },
        ],
    )
    .await?;
    // The worker wakes for the soonest timer still to fire: the moved one, not the cancelled.
    assert_eq!(store.next_timer_due().await?, Some(3_000));
    assert_eq!(store.fire_due_timers(BOT, 2_000, 10).await?.fired, 0);
    assert_eq!(
        store.timer("test", "cancelled").await?.map(|t| t.state),
        Some(TimerState::Cancelled)
    );
    assert_eq!(store.fire_due_timers(BOT, 3_000, 10).await?.fired, 1);
    assert_eq!(store.next_timer_due().await?, None, "nothing left to fire");
    // Fired, then scheduled again (the next reminder of a series): it fires again.
    plan_with(
        &store,
        "$again",
        vec![Change::ScheduleTimer(timer("moves", 4_000))],
    )
    .await?;
    assert_eq!(store.fire_due_timers(BOT, 4_000, 10).await?.fired, 1);
    let ids: Vec<String> = fired_entries(&store)
        .await?
        .into_iter()
        .map(|entry| entry.event_id)
        .collect();
    assert_eq!(
        ids,
        [
            fired_timer_event_id("test", "moves", 3_000),
            fired_timer_event_id("test", "moves", 4_000)
        ]
    );
    assert_eq!(
        store.scheduled_timers(10).await?,
        [],
        "nothing is left to fire"
    );
    Ok(())
}

async fn two_firers_at_once_write_one_entry(store: Store) -> Result<()> {
    let changes = (0..20)
        .map(|n| Change::ScheduleTimer(timer(&format!("t{n}"), 1_000 + n)))
        .collect();
    plan_with(&store, "$plan", changes).await?;
    let (first, second) = tokio::join!(
        store.fire_due_timers(BOT, 2_000, 100),
        store.fire_due_timers(BOT, 2_000, 100)
    );
    assert_eq!(
        first?.fired + second?.fired,
        20,
        "each timer fired by one of the two"
    );
    assert_eq!(fired_entries(&store).await?.len(), 20);
    Ok(())
}

async fn a_timer_that_cannot_be_read_is_reported_and_does_not_block_the_others(
    store: Store,
) -> Result<()> {
    plan_with(
        &store,
        "$plan",
        vec![
            Change::ScheduleTimer(timer("broken", 1_000)),
            Change::ScheduleTimer(timer("fine", 1_001)),
        ],
    )
    .await?;
    sqlx::query("UPDATE timers SET payload = 'not json' WHERE timer_key = 'broken'")
        .execute(store.pool())
        .await?;
    let outcome = store.fire_due_timers(BOT, 2_000, 10).await?;
    assert_eq!(outcome.fired, 1);
    assert_eq!(outcome.broken, [("test".to_owned(), "broken".to_owned())]);
    assert!(
        matches!(
            store.timer("test", "broken").await,
            Err(StoreError::Corrupt(_))
        ),
        "reading it back says it is corrupt"
    );
    assert_eq!(
        store.fire_due_timers(BOT, 3_000, 10).await?.broken,
        [],
        "said once"
    );
    Ok(())
}

/// Consent with an end date given before the scheduler existed gets its timer from the
/// migration that made the scheduler, and that timer reads as the consent capability's own.
async fn consent_given_before_the_scheduler_gets_its_timer(url: &str) -> Result<()> {
    let before = Store::connect_at_version(url, 20261202000001).await?;
    for statement in [
        "INSERT INTO networks (network_id, room_id, client_user_id, started_by, state, created_at)
         VALUES ('net-a', '!net:kring.test', '@client:kring.test', '@client:kring.test', 'active', 1)",
        "INSERT INTO consent_grants (grant_id, network_id, subject_kind, subject, kind, given_by, given_at, ends_at)
         VALUES ('g-ends', 'net-a', 'member', '@gp:kring.test', 'chat_membership', '@client:kring.test', 2, 9000)",
        "INSERT INTO consent_grants (grant_id, network_id, subject_kind, subject, kind, given_by, given_at, ends_at)
         VALUES ('g-open', 'net-a', 'member', '@carer:kring.test', 'chat_membership', '@client:kring.test', 2, NULL)",
        "INSERT INTO consent_grants (grant_id, network_id, subject_kind, subject, kind, given_by, given_at, ends_at)
         VALUES ('g-org', 'net-a', 'organisation', 'De Linde', 'appointments', '@client:kring.test', 2, 9000)",
    ] {
        sqlx::query(statement).execute(before.pool()).await?;
    }
    drop(before);
    let store = Store::connect(url).await?;
    assert_eq!(store.fire_due_timers(BOT, 8_999, 10).await?.fired, 0);
    assert_eq!(
        store.fire_due_timers(BOT, 9_000, 10).await?.fired,
        1,
        "only the grant that ends by itself and takes a step"
    );
    let entries = fired_entries(&store).await?;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].room_id, "!net:kring.test");
    let fired: FiredTimer = serde_json::from_str(&entries[0].body)?;
    assert_eq!(fired.capability, kring_core::consent::TIMERS);
    let ends: kring_core::consent::GrantEnds = serde_json::from_value(fired.payload)?;
    assert_eq!(
        ends,
        kring_core::consent::GrantEnds {
            network_id: kring_core::network::NetworkId::parse("net-a").unwrap(),
            grant_id: "g-ends".into(),
            user: kring_core::MatrixId::parse("@gp:kring.test")?,
            kind: kring_core::consent::InfoKind::ChatMembership,
        }
    );
    Ok(())
}

#[tokio::test]
async fn consent_given_before_the_scheduler_gets_its_timer_on_sqlite() -> Result<()> {
    let dir = tempfile::tempdir()?;
    consent_given_before_the_scheduler_gets_its_timer(&kring_testbed::fresh_sqlite_url(dir.path()))
        .await
}

#[tokio::test]
async fn consent_given_before_the_scheduler_gets_its_timer_on_postgres() -> Result<()> {
    consent_given_before_the_scheduler_gets_its_timer(&kring_testbed::fresh_postgres_url().await?)
        .await
}
