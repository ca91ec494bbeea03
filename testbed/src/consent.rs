//! Consent that ends soon, written straight into a bot's store: the chat commands only take
//! whole days, and a test cannot wait for midnight.

use anyhow::{Context, Result};
use kring_core::MatrixId;
use kring_core::consent::{InfoKind, Subject};
use kring_core::plan::{Change, Plan, Timer};
use kring_store::{InboxKind, NewInboxEntry, Store};

const WRITER: &str = "@consent-writer:test";

/// Replace `member`'s consent for `kind` in the network of `room_id` by one that ends at `ends_at`
/// (milliseconds since the epoch), given by `client`, exactly as a `!toestemming … tot …`
/// command would record it (one plan, one transaction). Its inbox entry belongs to a writer of
/// its own, so that a running bot's worker never takes it for a command. Returns the timer that
/// ends it.
pub async fn consent_ending_at(
    store: &Store,
    room_id: &str,
    client: &str,
    member: &str,
    kind: InfoKind,
    ends_at: i64,
) -> Result<Timer> {
    let network = store
        .network_by_room(room_id)
        .await?
        .context("the network is stored")?;
    let client = MatrixId::parse(client)?;
    let subject = Subject::Member {
        user: MatrixId::parse(member)?,
    };
    let now = now_millis();
    let cause = format!("$test-consent-ending-{ends_at}");
    store
        .inbox_insert(
            WRITER,
            &NewInboxEntry {
                event_id: cause.clone(),
                room_id: room_id.to_owned(),
                sender: client.to_string(),
                kind: InboxKind::Command,
                body: Some(String::new()),
                encrypted_event: None,
                origin_ts: now,
            },
        )
        .await?;
    let grant_id = format!("g-test-{ends_at}");
    let mut plan = Plan::new();
    let timer = kring_core::consent::end_timer(
        &network.id,
        Some(&matrix_sdk::ruma::OwnedRoomId::try_from(room_id)?),
        &grant_id,
        &subject,
        kind,
        Some(ends_at),
    )
    .context("a grant with an end has a timer")?;
    plan.change(Change::ScheduleTimer(timer.clone()));
    plan.change(Change::WithdrawConsent {
        network_id: network.id.clone(),
        subject: subject.clone(),
        kind,
        by: client.clone(),
        at: now,
    })
    .change(Change::GiveConsent {
        network_id: network.id.clone(),
        grant_id: grant_id.clone(),
        subject: subject.clone(),
        kind,
        given_by: client,
        on_behalf_of: None,
        at: now,
        ends_at: Some(ends_at),
    });
    anyhow::ensure!(
        store.apply_plan(WRITER, &cause, &plan).await?,
        "the plan was applied"
    );
    Ok(timer)
}

pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
