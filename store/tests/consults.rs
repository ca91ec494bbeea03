//! The consult capability's table on SQLite and on a real PostgreSQL: a consult asked of someone
//! outside the network waits for consent, then each step of its life is kept with its time, and a
//! step from a state it has left is a conflict that stores nothing.

use anyhow::Result;
use kring_core::MatrixId;
use kring_core::consult::{ConsultChange, ConsultId, ConsultState, Outcome, Request, Urgency};
use kring_core::network::{NetworkId, NetworkState};
use kring_core::plan::{Change, Plan};
use kring_store::{InboxKind, NewInboxEntry, Store, StoreError};
use kring_testbed::on_both_databases;

on_both_databases!(a_consult_is_kept_step_by_step_and_out_of_order_steps_change_nothing);

const BOT: &str = "@kring:kring.test";

fn id(name: &str) -> MatrixId {
    MatrixId::parse(&format!("@{name}:kring.test")).unwrap()
}

async fn plan_with(store: &Store, cause: &str, changes: Vec<Change>) -> kring_store::Result<bool> {
    store
        .inbox_insert(
            BOT,
            &NewInboxEntry {
                event_id: cause.into(),
                room_id: "!network:kring.test".into(),
                sender: "@gp:kring.test".into(),
                kind: InboxKind::Command,
                body: Some("!consult".into()),
                encrypted_event: None,
                origin_ts: 1,
            },
        )
        .await?;
    let mut plan = Plan::new();
    for change in changes {
        plan.change(change);
    }
    store.apply_plan(BOT, cause, &plan).await
}

fn step(from: ConsultState, to: ConsultState, at: i64) -> ConsultChange {
    step_with(from, to, at, |_| {})
}

/// A step, with `set` filling in what this one records beside its time.
fn step_with(
    from: ConsultState,
    to: ConsultState,
    at: i64,
    set: impl FnOnce(&mut Recorded),
) -> ConsultChange {
    let mut recorded = Recorded::default();
    set(&mut recorded);
    ConsultChange::Step {
        consult_id: ConsultId::parse("cst-a").unwrap(),
        from,
        to,
        at,
        sent_at: recorded.sent_at,
        due_at: recorded.due_at,
        outcome: recorded.outcome,
        reason: None,
        minutes_spent: recorded.minutes_spent,
    }
}

#[derive(Default)]
struct Recorded {
    sent_at: Option<i64>,
    due_at: Option<i64>,
    outcome: Option<Outcome>,
    minutes_spent: Option<u32>,
}

async fn a_consult_is_kept_step_by_step_and_out_of_order_steps_change_nothing(
    store: Store,
) -> Result<()> {
    use ConsultState as S;
    let network_id = NetworkId::parse("net-a").unwrap();
    anyhow::ensure!(
        plan_with(
            &store,
            "$ask",
            vec![
                Change::CreateNetwork {
                    network_id: network_id.clone(),
                    client: id("client"),
                    started_by: id("client"),
                    state: NetworkState::Active,
                    at: 1,
                },
                Change::Consult(ConsultChange::Ask {
                    consult_id: ConsultId::parse("cst-a").unwrap(),
                    network_id,
                    requester: id("gp"),
                    consultant: id("psychiatrist"),
                    request: Request {
                        question: "Is lithium een optie?".into(),
                        summary: "Sinds maart somber.".into(),
                        medication: None,
                        urgency: Urgency::Normal,
                    },
                    state: S::AwaitingConsent,
                    working_days: 3,
                    sent_at: None,
                    due_at: None,
                    at: 2,
                }),
            ],
        )
        .await?,
        "asked"
    );
    let asked = store.consult("cst-a").await?.expect("stored");
    assert_eq!(asked.consult.state, S::AwaitingConsent);
    assert_eq!(asked.request.question, "Is lithium een optie?");
    assert_eq!((asked.working_days, asked.consult.due_at), (3, None));

    // The client agrees: it is sent, and its deadline set.
    let sent = step_with(S::AwaitingConsent, S::Requested, 10, |r| {
        r.sent_at = Some(10);
        r.due_at = Some(1_000);
    });
    plan_with(&store, "$consent", vec![Change::Consult(sent)]).await?;
    // Accepting a consult that is not requested any more is a conflict, and stores nothing.
    plan_with(
        &store,
        "$accept",
        vec![Change::Consult(step(S::Requested, S::Accepted, 20))],
    )
    .await?;
    let again = plan_with(
        &store,
        "$again",
        vec![Change::Consult(step(S::Requested, S::Accepted, 21))],
    )
    .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let answer = step_with(S::Accepted, S::Answered, 30, |r| {
        r.outcome = Some(Outcome::ReferralAdvised)
    });
    plan_with(&store, "$answer", vec![Change::Consult(answer)]).await?;
    let close = step_with(S::Answered, S::Closed, 40, |r| r.minutes_spent = Some(25));
    plan_with(&store, "$close", vec![Change::Consult(close)]).await?;

    let done = store.consult("cst-a").await?.expect("stored");
    assert_eq!(done.consult.state, S::Closed);
    assert_eq!(
        (done.consult.sent_at, done.consult.due_at),
        (Some(10), Some(1_000))
    );
    assert_eq!(
        (done.accepted_at, done.answered_at, done.closed_at),
        (Some(20), Some(30), Some(40))
    );
    assert_eq!(done.outcome, Some(Outcome::ReferralAdvised));
    assert_eq!(done.minutes_spent, Some(25));
    assert_eq!(store.consults_of_network("net-a").await?.len(), 1);
    assert!(store.consults_of_network("net-b").await?.is_empty());
    Ok(())
}
