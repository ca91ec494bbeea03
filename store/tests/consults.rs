//! The consult capability's table on SQLite and on a real PostgreSQL: a consult asked of someone
//! outside the network waits for consent, then each step of its life is kept with its time, and a
//! step from a state it has left is a conflict that stores nothing.

use anyhow::Result;
use kring_core::MatrixId;
use kring_core::consult::{
    ConsultChange, ConsultId, ConsultState, Form, FormStep, Outcome, Practitioner, Request, Urgency,
};
use kring_core::network::{NetworkId, NetworkState};
use kring_core::plan::{Change, Plan};
use kring_store::{ConsultPoll, InboxKind, NewInboxEntry, Store, StoreError};
use kring_testbed::on_both_databases;
use ruma_common::OwnedRoomId;

on_both_databases!(
    a_consult_is_kept_step_by_step_and_out_of_order_steps_change_nothing,
    a_form_is_kept_between_answers_and_a_consults_room_and_polls_are_found,
);

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

fn private_chat() -> OwnedRoomId {
    OwnedRoomId::try_from("!gp-chat:kring.test").unwrap()
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
                    requester_room: private_chat(),
                    requester_practice: Some(Practitioner {
                        organisation: "Praktijk De Linde".into(),
                        discipline: "huisarts".into(),
                    }),
                    consultant_practice: None,
                    at: 2,
                }),
            ],
        )
        .await?,
        "asked"
    );
    let asked = store.consult("cst-a").await?.expect("stored");
    assert_eq!(asked.consult.state, S::AwaitingConsent);
    assert_eq!(asked.requester_room, Some(private_chat()));
    assert_eq!(
        asked.requester_practice.map(|p| p.organisation),
        Some("Praktijk De Linde".to_owned())
    );
    assert_eq!(asked.consultant_practice, None);
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

async fn a_form_is_kept_between_answers_and_a_consults_room_and_polls_are_found(
    store: Store,
) -> Result<()> {
    let network_id = NetworkId::parse("net-a").unwrap();
    let put = |form: Form, at| {
        Change::Consult(ConsultChange::PutForm {
            requester: id("gp"),
            network_id: network_id.clone(),
            consultant: id("psychiatrist"),
            room_id: private_chat(),
            form,
            at,
        })
    };
    let network = Change::CreateNetwork {
        network_id: network_id.clone(),
        client: id("client"),
        started_by: id("client"),
        state: NetworkState::Active,
        at: 1,
    };
    plan_with(&store, "$start", vec![network, put(Form::new(), 2)]).await?;
    let first = store.consult_form("@gp:kring.test").await?.expect("a form");
    assert_eq!(first.form, Form::new());
    assert_eq!(first.room_id, private_chat());
    // Each answer replaces the form: still one per requester.
    let further = Form {
        step: FormStep::Confirm,
        question: Some("Is lithium een optie?".into()),
        summary: Some("Somber.".into()),
        medication: None,
        urgency: Some(Urgency::Soon),
    };
    plan_with(&store, "$answer", vec![put(further.clone(), 3)]).await?;
    assert_eq!(
        store.consult_form("@gp:kring.test").await?.map(|f| f.form),
        Some(further.clone())
    );
    assert!(
        store
            .consult_form("@psychiatrist:kring.test")
            .await?
            .is_none()
    );

    // Sent: the form goes, the consult comes.
    let ask = Change::Consult(ConsultChange::Ask {
        consult_id: ConsultId::parse("cst-b").unwrap(),
        network_id: network_id.clone(),
        requester: id("gp"),
        consultant: id("psychiatrist"),
        request: further.request().expect("whole"),
        state: ConsultState::Requested,
        working_days: 3,
        sent_at: Some(4),
        due_at: Some(5_000),
        requester_room: private_chat(),
        requester_practice: None,
        consultant_practice: None,
        at: 4,
    });
    let drop = Change::Consult(ConsultChange::DropForm {
        requester: id("gp"),
    });
    plan_with(&store, "$send", vec![ask, drop]).await?;
    assert!(store.consult_form("@gp:kring.test").await?.is_none());

    // What the effects learn is kept once: a second room or poll is not recorded over the first.
    store
        .set_consult_room("cst-b", "!consult:kring.test")
        .await?;
    store
        .set_consult_room("cst-b", "!second:kring.test")
        .await?;
    store
        .set_consult_poll("cst-b", ConsultPoll::Decision, "$decide")
        .await?;
    store
        .set_consult_poll("cst-b", ConsultPoll::Decision, "$other")
        .await?;
    let found = store
        .consult_by_room("!consult:kring.test")
        .await?
        .expect("by its room");
    assert_eq!(found.id.as_str(), "cst-b");
    assert!(store.consult_by_room("!second:kring.test").await?.is_none());
    let (by_poll, which) = store
        .consult_by_poll("$decide")
        .await?
        .expect("by its poll");
    assert_eq!(
        (by_poll.id.as_str(), which),
        ("cst-b", ConsultPoll::Decision)
    );
    assert!(store.consult_by_poll("$other").await?.is_none());

    // A gist waits for its tap; a new gist makes the old tap count for nothing.
    store
        .set_consult_poll("cst-b", ConsultPoll::Share, "$share")
        .await?;
    let gist = Change::Consult(ConsultChange::SetGist {
        consult_id: ConsultId::parse("cst-b").unwrap(),
        gist: "Eerst de slaap.".into(),
    });
    plan_with(&store, "$gist", vec![gist]).await?;
    let after = store.consult("cst-b").await?.expect("stored");
    assert_eq!(after.gist.as_deref(), Some("Eerst de slaap."));
    assert_eq!(after.share_poll, None);
    assert!(store.consult_by_poll("$share").await?.is_none());

    assert_eq!(store.consults_asked_between(0, 5).await?.len(), 1);
    assert!(store.consults_asked_between(5, 10).await?.is_empty());

    // What was written about the client goes when the client says no, and when the room closes.
    let waiting = Change::Consult(ConsultChange::Ask {
        consult_id: ConsultId::parse("cst-c").unwrap(),
        network_id: network_id.clone(),
        requester: id("gp"),
        consultant: id("outsider"),
        request: Request {
            medication: Some("lithium".into()),
            ..further.request().expect("whole")
        },
        state: ConsultState::AwaitingConsent,
        working_days: 3,
        sent_at: None,
        due_at: None,
        requester_room: private_chat(),
        requester_practice: None,
        consultant_practice: None,
        at: 6,
    });
    let refused = Change::Consult(ConsultChange::Step {
        consult_id: ConsultId::parse("cst-c").unwrap(),
        from: ConsultState::AwaitingConsent,
        to: ConsultState::ConsentRefused,
        at: 7,
        sent_at: None,
        due_at: None,
        outcome: None,
        reason: None,
        minutes_spent: None,
    });
    plan_with(&store, "$refused", vec![waiting, refused]).await?;
    let forgotten = store
        .consult("cst-c")
        .await?
        .expect("kept, for the figures");
    assert_eq!(
        (
            forgotten.request.question.as_str(),
            forgotten.request.medication
        ),
        ("", None)
    );
    store.forget_consult_request("cst-b").await?;
    let archived = store.consult("cst-b").await?.expect("kept");
    assert_eq!(
        (archived.request.summary.as_str(), archived.gist),
        ("", None)
    );
    Ok(())
}
