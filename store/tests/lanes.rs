//! Lanes and leases on SQLite and on a real PostgreSQL: which rooms have entries waiting, in
//! what order, and that a room's lease keeps a second holder out until it runs out.

use anyhow::Result;
use kring_store::{InboxKind, NewInboxEntry, Store};
use kring_testbed::on_both_databases;

on_both_databases!(
    waiting_rooms_come_longest_waiting_first_and_answered_ones_drop_out,
    a_lane_lists_its_own_entries_in_order,
    a_lease_keeps_others_out_until_it_runs_out,
    two_claimants_at_once_get_one_lease,
    renewal_extends_only_the_holders_leases,
    a_paused_lane_waits_for_everyone_until_its_retry_is_due,
);

const BOT: &str = "@kring:kring.test";

async fn arrive(store: &Store, event_id: &str, room_id: &str, origin_ts: i64) -> Result<()> {
    arrive_for(store, BOT, event_id, room_id, origin_ts).await
}

async fn arrive_for(
    store: &Store,
    bot: &str,
    event_id: &str,
    room_id: &str,
    origin_ts: i64,
) -> Result<()> {
    store
        .inbox_insert(
            bot,
            &NewInboxEntry {
                event_id: event_id.into(),
                room_id: room_id.into(),
                sender: "@client:kring.test".into(),
                kind: InboxKind::Command,
                body: Some("!help".into()),
                encrypted_event: None,
                origin_ts,
            },
        )
        .await?;
    Ok(())
}

async fn waiting_rooms_come_longest_waiting_first_and_answered_ones_drop_out(
    store: Store,
) -> Result<()> {
    arrive(&store, "$b1", "!b:kring.test", 20).await?;
    arrive(&store, "$a1", "!a:kring.test", 10).await?;
    arrive(&store, "$a2", "!a:kring.test", 30).await?;
    arrive(&store, "$c1", "!c:kring.test", 15).await?;
    // Another bot's entries are not this bot's lanes.
    arrive_for(&store, "@other:kring.test", "$x1", "!x:kring.test", 1).await?;
    assert_eq!(
        store.pending_lanes(BOT, "DEVICEA", 0, 10).await?,
        ["!a:kring.test", "!c:kring.test", "!b:kring.test"]
    );
    assert_eq!(store.pending_lanes(BOT, "DEVICEA", 0, 2).await?.len(), 2);
    store.inbox_answered(BOT, "$a1", None).await?;
    store.inbox_answered(BOT, "$a2", None).await?;
    assert_eq!(
        store.pending_lanes(BOT, "DEVICEA", 0, 10).await?,
        ["!c:kring.test", "!b:kring.test"]
    );
    Ok(())
}

async fn a_lane_lists_its_own_entries_in_order(store: Store) -> Result<()> {
    arrive(&store, "$a3", "!a:kring.test", 30).await?;
    arrive(&store, "$b1", "!b:kring.test", 5).await?;
    arrive(&store, "$a1", "!a:kring.test", 10).await?;
    arrive(&store, "$a2", "!a:kring.test", 20).await?;
    store.inbox_answered(BOT, "$a2", None).await?;
    let ids: Vec<String> = store
        .pending_in_lane(BOT, "!a:kring.test", 10)
        .await?
        .into_iter()
        .map(|entry| entry.event_id)
        .collect();
    assert_eq!(ids, ["$a1", "$a3"]);
    Ok(())
}

async fn a_lease_keeps_others_out_until_it_runs_out(store: Store) -> Result<()> {
    let lane = "!a:kring.test";
    assert!(
        store
            .claim_lane(BOT, lane, "DEVICEA", 1_000, 31_000)
            .await?
    );
    // Its holder keeps it, and extends it.
    assert!(
        store
            .claim_lane(BOT, lane, "DEVICEA", 2_000, 32_000)
            .await?
    );
    assert_eq!(
        store.lane_lease(BOT, lane).await?,
        Some(("DEVICEA".to_owned(), 32_000))
    );
    // Someone else waits while it holds, and takes it once it has run out.
    assert!(
        !store
            .claim_lane(BOT, lane, "DEVICEB", 31_999, 61_999)
            .await?
    );
    assert_eq!(
        store.lane_lease(BOT, lane).await?,
        Some(("DEVICEA".to_owned(), 32_000))
    );
    // Another room, or the same room of another bot account, is free.
    assert!(
        store
            .claim_lane(BOT, "!b:kring.test", "DEVICEB", 2_000, 32_000)
            .await?
    );
    assert!(
        store
            .claim_lane("@other:kring.test", lane, "DEVICEB", 2_000, 32_000)
            .await?
    );
    assert!(
        store
            .claim_lane(BOT, lane, "DEVICEB", 32_001, 62_001)
            .await?
    );
    assert_eq!(
        store.lane_lease(BOT, lane).await?,
        Some(("DEVICEB".to_owned(), 62_001))
    );
    // Letting go is only for the holder.
    store.release_lane(BOT, lane, "DEVICEA").await?;
    assert!(store.lane_lease(BOT, lane).await?.is_some());
    store.release_lane(BOT, lane, "DEVICEB").await?;
    assert_eq!(store.lane_lease(BOT, lane).await?, None);
    assert!(
        store
            .claim_lane(BOT, lane, "DEVICEA", 40_000, 70_000)
            .await?
    );
    Ok(())
}

async fn two_claimants_at_once_get_one_lease(store: Store) -> Result<()> {
    for round in 0..20 {
        let lane = format!("!room{round}:kring.test");
        let (first, second) = tokio::join!(
            store.claim_lane(BOT, &lane, "DEVICEA", 1_000, 31_000),
            store.claim_lane(BOT, &lane, "DEVICEB", 1_000, 31_000),
        );
        let winners = [first?, second?].into_iter().filter(|won| *won).count();
        assert_eq!(winners, 1, "round {round}");
    }
    Ok(())
}

async fn renewal_extends_only_the_holders_leases(store: Store) -> Result<()> {
    assert!(
        store
            .claim_lane(BOT, "!a:kring.test", "DEVICEA", 0, 30_000)
            .await?
    );
    assert!(
        store
            .claim_lane(BOT, "!b:kring.test", "DEVICEA", 0, 30_000)
            .await?
    );
    assert!(
        store
            .claim_lane(BOT, "!c:kring.test", "DEVICEB", 0, 30_000)
            .await?
    );
    assert_eq!(store.renew_lanes(BOT, "DEVICEA", 50_000).await?, 2);
    assert_eq!(
        store.lane_lease(BOT, "!b:kring.test").await?,
        Some(("DEVICEA".to_owned(), 50_000))
    );
    assert_eq!(
        store.lane_lease(BOT, "!c:kring.test").await?,
        Some(("DEVICEB".to_owned(), 30_000))
    );
    Ok(())
}

async fn a_paused_lane_waits_for_everyone_until_its_retry_is_due(store: Store) -> Result<()> {
    arrive(&store, "$a1", "!a:kring.test", 10).await?;
    arrive(&store, "$b1", "!b:kring.test", 20).await?;
    assert!(
        store
            .claim_lane(BOT, "!a:kring.test", "DEVICEA", 1_000, 31_000)
            .await?
    );
    // Held: its holder still sees it (it answers it), another process does not.
    assert_eq!(
        store.pending_lanes(BOT, "DEVICEA", 1_000, 10).await?,
        ["!a:kring.test", "!b:kring.test"]
    );
    assert_eq!(
        store.pending_lanes(BOT, "DEVICEB", 1_000, 10).await?,
        ["!b:kring.test"]
    );
    // Paused until 5 000: only someone else's pause keeps a claim out, and this one is
    // nobody's, so neither its last holder nor another process takes it before then.
    store
        .pause_lane(BOT, "!a:kring.test", "DEVICEB", 5_000)
        .await?;
    assert!(
        store.lane_lease(BOT, "!a:kring.test").await? == Some(("DEVICEA".to_owned(), 31_000)),
        "only the holder pauses its lane"
    );
    store
        .pause_lane(BOT, "!a:kring.test", "DEVICEA", 5_000)
        .await?;
    for holder in ["DEVICEA", "DEVICEB"] {
        assert_eq!(
            store.pending_lanes(BOT, holder, 4_999, 10).await?,
            ["!b:kring.test"],
            "{holder} during the pause"
        );
        assert!(
            !store
                .claim_lane(BOT, "!a:kring.test", holder, 4_999, 34_999)
                .await?
        );
    }
    // The lease renewal of its last holder does not bring it back early.
    store.renew_lanes(BOT, "DEVICEA", 60_000).await?;
    assert_eq!(
        store.pending_lanes(BOT, "DEVICEA", 4_999, 10).await?,
        ["!b:kring.test"]
    );
    assert_eq!(
        store.pending_lanes(BOT, "DEVICEB", 5_001, 10).await?,
        ["!a:kring.test", "!b:kring.test"]
    );
    assert!(
        store
            .claim_lane(BOT, "!a:kring.test", "DEVICEB", 5_001, 35_001)
            .await?
    );
    Ok(())
}
