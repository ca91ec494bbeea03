//! The meeting capability's tables on SQLite and on a real PostgreSQL: a planned meeting reads
//! back whole, each voter's latest answer counts, agreeing happens once, a move and a
//! cancellation each raise the calendar's SEQUENCE, and what effects learn (the room, the
//! polls) is counted as a write; the region's figures are counted from the right rows.

use anyhow::Result;
use kring_core::MatrixId;
use kring_core::meeting::{Answer, MeetingChange, MeetingId, MeetingState, Moment, Vote};
use kring_core::network::{NetworkId, NetworkState};
use kring_core::plan::{Change, Plan};
use kring_store::{InboxKind, NewInboxEntry, Store};
use kring_testbed::on_both_databases;

on_both_databases!(
    a_planned_meeting_reads_back_whole,
    each_voters_latest_answer_counts,
    a_meeting_is_agreed_once_and_a_cancellation_raises_its_sequence,
    what_effects_learn_is_counted_as_a_write,
    the_plans_actions_are_kept_in_order_and_done_once,
    the_regions_figures_count_invitees_who_answered_and_actions_due,
    choosing_whom_to_invite_keeps_its_polls_and_starts_date_finding_once,
);

const BOT: &str = "@kring:kring.test";

fn id(name: &str) -> MatrixId {
    MatrixId::parse(&format!("@{name}:kring.test")).unwrap()
}

fn meeting_id() -> MeetingId {
    MeetingId::parse("mtg-test").unwrap()
}

async fn plan_with(store: &Store, cause: &str, changes: Vec<Change>) -> Result<bool> {
    store
        .inbox_insert(
            BOT,
            &NewInboxEntry {
                event_id: cause.into(),
                room_id: "!network:kring.test".into(),
                sender: "@client:kring.test".into(),
                kind: InboxKind::Command,
                body: Some("!overleg".into()),
                encrypted_event: None,
                origin_ts: 1,
            },
        )
        .await?;
    let mut plan = Plan::new();
    for change in changes {
        plan.change(change);
    }
    Ok(store.apply_plan(BOT, cause, &plan).await?)
}

async fn planned(store: &Store) -> Result<()> {
    let network_id = NetworkId::parse("net-a").unwrap();
    let created = plan_with(
        store,
        "$plan",
        vec![
            Change::CreateNetwork {
                network_id: network_id.clone(),
                client: id("client"),
                started_by: id("client"),
                state: NetworkState::Active,
                at: 1,
            },
            Change::Meeting(MeetingChange::Plan {
                meeting_id: meeting_id(),
                network_id,
                planned_by: id("client"),
                state: MeetingState::Planning,
                choosing_room_id: None,
                invitees: vec![id("mother"), id("gp")],
                candidates: vec![
                    Moment {
                        starts_at: 10_000_000,
                        minutes: 60,
                    },
                    Moment {
                        starts_at: 20_000_000,
                        minutes: 90,
                    },
                ],
                place: Some("Wijkcentrum De Linde".into()),
                answer_by: 5_000_000,
                at: 2,
            }),
        ],
    )
    .await?;
    anyhow::ensure!(created, "the plan is written");
    Ok(())
}

async fn a_planned_meeting_reads_back_whole(store: Store) -> Result<()> {
    planned(&store).await?;
    let meeting = store.meeting("mtg-test").await?.expect("stored");
    assert_eq!(meeting.network_id.as_str(), "net-a");
    assert_eq!(
        meeting.invitees,
        [id("mother"), id("gp")],
        "in the order chosen"
    );
    assert_eq!(meeting.candidates.len(), 2);
    assert_eq!(meeting.candidates[1].moment.minutes, 90);
    assert_eq!(meeting.state, MeetingState::Planning);
    assert_eq!(meeting.place.as_deref(), Some("Wijkcentrum De Linde"));
    assert_eq!((meeting.sequence, meeting.chosen), (0, None));
    assert!(meeting.is_ahead(3));
    assert!(
        !meeting.is_ahead(20_000_000),
        "date finding with every moment passed is over"
    );
    assert_eq!(store.latest_meeting("net-a").await?, Some(meeting.clone()));
    assert_eq!(store.latest_meeting("net-b").await?, None);
    for (who, count) in [("mother", 1), ("client", 1), ("stranger", 0)] {
        assert_eq!(store.meetings_of(&id(who)).await?.len(), count, "{who}");
    }
    assert_eq!(store.meeting_by_room("!meeting:kring.test").await?, None);
    store
        .set_meeting_room("mtg-test", "!meeting:kring.test")
        .await?;
    store.set_candidate_poll("mtg-test", 1, "$poll-2").await?;
    store.set_choice_poll("mtg-test", "$choice").await?;
    let meeting = store
        .meeting_by_room("!meeting:kring.test")
        .await?
        .expect("found by its room");
    assert_eq!(meeting.candidates[0].poll_event_id, None);
    assert_eq!(
        meeting.candidates[1]
            .poll_event_id
            .as_ref()
            .map(|id| id.as_str()),
        Some("$poll-2")
    );
    let (by_poll, number) = store.meeting_by_poll("$poll-2").await?.expect("by poll");
    assert_eq!((by_poll.id, number), (meeting_id(), 1));
    assert!(store.meeting_by_poll("$other").await?.is_none());
    assert_eq!(
        store
            .meeting_by_choice_poll("$choice")
            .await?
            .map(|meeting| meeting.id),
        Some(meeting_id())
    );
    store
        .meeting_polls_ended("mtg-test", true, false, 7)
        .await?;
    let meeting = store.meeting("mtg-test").await?.expect("stored");
    assert!(meeting.candidate_polls_ended && !meeting.choice_poll_ended);
    Ok(())
}

async fn each_voters_latest_answer_counts(store: Store) -> Result<()> {
    planned(&store).await?;
    let vote = |voter: &str, candidate, answer, at| {
        Change::Meeting(MeetingChange::Vote {
            meeting_id: meeting_id(),
            candidate,
            voter: id(voter),
            answer,
            at,
        })
    };
    plan_with(&store, "$v1", vec![vote("mother", 0, Answer::Yes, 3)]).await?;
    plan_with(&store, "$v2", vec![vote("gp", 0, Answer::No, 4)]).await?;
    plan_with(&store, "$v3", vec![vote("mother", 0, Answer::Maybe, 5)]).await?;
    // A vote cast earlier but read later (fetched with the room's history) changes nothing.
    plan_with(&store, "$v4", vec![vote("mother", 0, Answer::No, 4)]).await?;
    let votes = store.meeting_votes("mtg-test").await?;
    assert_eq!(
        votes,
        [
            Vote {
                voter: id("gp"),
                candidate: 0,
                answer: Answer::No
            },
            Vote {
                voter: id("mother"),
                candidate: 0,
                answer: Answer::Maybe
            },
        ]
    );
    Ok(())
}

async fn a_meeting_is_agreed_once_and_a_cancellation_raises_its_sequence(
    store: Store,
) -> Result<()> {
    planned(&store).await?;
    let agree = |candidate| {
        Change::Meeting(MeetingChange::Agree {
            meeting_id: meeting_id(),
            candidate,
            at: 6,
        })
    };
    assert!(plan_with(&store, "$agree", vec![agree(1)]).await?);
    let meeting = store.meeting("mtg-test").await?.expect("stored");
    assert_eq!(
        (meeting.state, meeting.chosen),
        (MeetingState::Agreed, Some(1))
    );
    assert_eq!(
        meeting.chosen_moment().map(|m| m.starts_at),
        Some(20_000_000)
    );
    assert!(meeting.is_ahead(20_000_000 + 89 * 60_000));
    assert!(
        !meeting.is_ahead(20_000_000 + 90 * 60_000),
        "over once it ended"
    );
    // Agreeing again is refused, and the plan it was part of is written not at all.
    let again = plan_with(
        &store,
        "$again",
        vec![
            Change::Meeting(MeetingChange::AskChoice {
                meeting_id: meeting_id(),
                at: 7,
            }),
            agree(0),
        ],
    )
    .await;
    assert!(again.is_err(), "{again:?}");
    let meeting = store.meeting("mtg-test").await?.expect("stored");
    assert_eq!(meeting.chosen, Some(1));
    assert!(!meeting.choice_asked, "nothing of that plan was stored");
    assert!(!store.is_planned(BOT, "$again").await?);
    // Moved: a third moment, chosen, the next SEQUENCE.
    plan_with(
        &store,
        "$move",
        vec![Change::Meeting(MeetingChange::Move {
            meeting_id: meeting_id(),
            number: 2,
            moment: Moment {
                starts_at: 30_000_000,
                minutes: 90,
            },
            at: 7,
        })],
    )
    .await?;
    let meeting = store.meeting("mtg-test").await?.expect("stored");
    assert_eq!((meeting.chosen, meeting.sequence), (Some(2), 1));
    assert_eq!(
        meeting.chosen_moment().map(|m| m.starts_at),
        Some(30_000_000)
    );
    plan_with(
        &store,
        "$cancel",
        vec![Change::Meeting(MeetingChange::Cancel {
            meeting_id: meeting_id(),
            at: 8,
        })],
    )
    .await?;
    let meeting = store.meeting("mtg-test").await?.expect("stored");
    assert_eq!(
        (meeting.state, meeting.sequence),
        (MeetingState::Cancelled, 2)
    );
    assert!(!meeting.is_ahead(9));
    Ok(())
}

async fn what_effects_learn_is_counted_as_a_write(store: Store) -> Result<()> {
    planned(&store).await?;
    let before = store.plan_basis().await?;
    store.set_meeting_room("mtg-test", "!m:kring.test").await?;
    let after_room = store.plan_basis().await?;
    assert_ne!(before, after_room);
    store.set_candidate_poll("mtg-test", 0, "$p").await?;
    let after_poll = store.plan_basis().await?;
    assert_ne!(after_room, after_poll);
    store.meeting_polls_ended("mtg-test", true, true, 9).await?;
    assert_ne!(after_poll, store.plan_basis().await?);
    Ok(())
}

async fn the_plans_actions_are_kept_in_order_and_done_once(store: Store) -> Result<()> {
    planned(&store).await?;
    let add = |number, who: &str, due_at| {
        Change::Meeting(MeetingChange::AddAction {
            meeting_id: meeting_id(),
            number,
            responsible: id(who),
            text: format!("actie {number}"),
            due_at,
            by: id("client"),
            at: 3,
        })
    };
    plan_with(&store, "$a1", vec![add(1, "mother", 50), add(2, "gp", 40)]).await?;
    let done = Change::Meeting(MeetingChange::ActionDone {
        meeting_id: meeting_id(),
        number: 1,
        at: 4,
    });
    plan_with(&store, "$d1", vec![done.clone()]).await?;
    let meeting = store.meeting("mtg-test").await?.expect("stored");
    let numbers: Vec<_> = meeting
        .actions
        .iter()
        .map(|action| (action.number, action.done))
        .collect();
    assert_eq!(numbers, [(1, true), (2, false)]);
    assert_eq!(meeting.actions[0].text, "actie 1");
    assert!(
        store.open_actions_of(&id("mother")).await?.is_empty(),
        "done"
    );
    let open = store.open_actions_of(&id("gp")).await?;
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].0.id.clone(), open[0].1.number), (meeting_id(), 2));
    // The reminder's poll finds the action again.
    assert!(store.meeting_by_action_poll("$remind-2").await?.is_none());
    store.set_action_poll("mtg-test", 2, "$remind-2").await?;
    let (by_poll, number) = store
        .meeting_by_action_poll("$remind-2")
        .await?
        .expect("by its poll");
    assert_eq!((by_poll.id.clone(), number), (meeting_id(), 2));
    assert_eq!(
        by_poll.actions[1]
            .poll_event_id
            .as_ref()
            .map(|id| id.as_str()),
        Some("$remind-2")
    );
    // Marked done again: the first time stays.
    plan_with(&store, "$d2", vec![done]).await?;
    assert!(store.meeting("mtg-test").await?.expect("stored").actions[0].done);

    // The goals, in order, and whom the client appointed to write the plan down.
    let goal = |number, text: &str| {
        Change::Meeting(MeetingChange::AddGoal {
            meeting_id: meeting_id(),
            number,
            text: text.into(),
            by: id("mother"),
            at: 5,
        })
    };
    plan_with(
        &store,
        "$goals",
        vec![
            Change::Meeting(MeetingChange::AppointRecorder {
                meeting_id: meeting_id(),
                recorder: id("mother"),
                at: 5,
            }),
            goal(1, "weer naar mijn werk"),
            goal(2, "elke week sporten"),
        ],
    )
    .await?;
    let meeting = store.meeting("mtg-test").await?.expect("stored");
    assert_eq!(meeting.recorder, Some(id("mother")));
    let goals: Vec<(usize, &str)> = meeting
        .goals
        .iter()
        .map(|goal| (goal.number, goal.text.as_str()))
        .collect();
    assert_eq!(
        goals,
        [(1, "weer naar mijn werk"), (2, "elke week sporten")]
    );

    // The network's own rhythm: set, set again, and back to the region's.
    let rhythm = |rhythm: Option<&str>| {
        Change::Meeting(MeetingChange::SetRhythm {
            network_id: NetworkId::parse("net-a").unwrap(),
            rhythm: rhythm.map(str::to_owned),
            by: id("client"),
            at: 6,
        })
    };
    assert_eq!(store.meeting_rhythm("net-a").await?, None);
    plan_with(&store, "$r1", vec![rhythm(Some("elke maand"))]).await?;
    plan_with(&store, "$r2", vec![rhythm(Some("elke 3 maanden"))]).await?;
    assert_eq!(
        store.meeting_rhythm("net-a").await?.as_deref(),
        Some("elke 3 maanden")
    );
    plan_with(&store, "$r3", vec![rhythm(None)]).await?;
    assert_eq!(store.meeting_rhythm("net-a").await?, None);
    Ok(())
}

async fn the_regions_figures_count_invitees_who_answered_and_actions_due(
    store: Store,
) -> Result<()> {
    planned(&store).await?;
    let meeting = |change| Change::Meeting(change);
    let vote = |voter: &str, candidate| {
        meeting(MeetingChange::Vote {
            meeting_id: meeting_id(),
            candidate,
            voter: id(voter),
            answer: Answer::Yes,
            at: 3,
        })
    };
    // The mother answers twice, someone not invited once: one invitee of two answered.
    plan_with(
        &store,
        "$votes",
        vec![vote("mother", 0), vote("mother", 1), vote("stranger", 0)],
    )
    .await?;
    plan_with(
        &store,
        "$agree",
        vec![
            meeting(MeetingChange::AskChoice {
                meeting_id: meeting_id(),
                at: 6_000_000,
            }),
            meeting(MeetingChange::Agree {
                meeting_id: meeting_id(),
                candidate: 1,
                at: 6_000_001,
            }),
        ],
    )
    .await?;
    let add = |number, due_at| {
        meeting(MeetingChange::AddAction {
            meeting_id: meeting_id(),
            number,
            responsible: id("mother"),
            text: format!("actie {number}"),
            due_at,
            by: id("client"),
            at: 7,
        })
    };
    plan_with(
        &store,
        "$actions",
        vec![add(1, 25_000_000), add(2, 35_000_000)],
    )
    .await?;
    plan_with(
        &store,
        "$done",
        vec![meeting(MeetingChange::ActionDone {
            meeting_id: meeting_id(),
            number: 1,
            at: 24_000_000,
        })],
    )
    .await?;

    let rows = store.meeting_figure_rows(0, 30_000_000).await?;
    assert_eq!(rows.open_networks, 1);
    assert_eq!(
        rows.meetings,
        [kring_core::meeting::figures::MeetingRow {
            network: Some(0),
            state: MeetingState::Agreed,
            starts_at: Some(20_000_000),
            choice_asked_at: Some(6_000_000),
            invitees: 2,
            answered: 1,
        }]
    );
    assert_eq!(
        rows.actions,
        [kring_core::meeting::figures::ActionRow {
            due_at: 25_000_000,
            done_at: Some(24_000_000),
        }],
        "only the action due in the period"
    );
    // A period the meeting's moment and its choice both lie outside of.
    let later = store.meeting_figure_rows(30_000_000, 40_000_000).await?;
    assert!(later.meetings.is_empty());
    assert_eq!(later.actions.len(), 1);
    Ok(())
}

async fn choosing_whom_to_invite_keeps_its_polls_and_starts_date_finding_once(
    store: Store,
) -> Result<()> {
    let network_id = NetworkId::parse("net-c").unwrap();
    let meeting = |change| Change::Meeting(change);
    plan_with(
        &store,
        "$plan",
        vec![
            Change::CreateNetwork {
                network_id: network_id.clone(),
                client: id("client"),
                started_by: id("client"),
                state: NetworkState::Active,
                at: 1,
            },
            meeting(MeetingChange::Plan {
                meeting_id: meeting_id(),
                network_id,
                planned_by: id("client"),
                state: MeetingState::Choosing,
                choosing_room_id: Some(ruma_common::owned_room_id!("!dm:kring.test")),
                invitees: vec![id("mother")],
                candidates: vec![Moment {
                    starts_at: 10_000_000,
                    minutes: 60,
                }],
                place: None,
                answer_by: 5_000_000,
                at: 2,
            }),
        ],
    )
    .await?;
    let stored = store.meeting("mtg-test").await?.expect("stored");
    assert_eq!(stored.state, MeetingState::Choosing);
    assert!(
        stored.is_ahead(3),
        "a meeting being chosen for is the one ahead"
    );
    store
        .set_invitee_poll("mtg-test", &id("gp"), "$gp", true)
        .await?;
    store
        .set_invitee_poll("mtg-test", &id("gp"), "$gp-again", false)
        .await?;
    store.set_start_poll("mtg-test", "$start").await?;
    let (by_poll, user, gives_consent) = store
        .meeting_by_invitee_poll("$gp")
        .await?
        .expect("by its poll");
    assert_eq!(
        (by_poll.id, user.clone(), gives_consent),
        (meeting_id(), id("gp"), true)
    );
    assert!(
        store.meeting_by_invitee_poll("$gp-again").await?.is_none(),
        "one poll per person"
    );
    assert_eq!(
        store.meeting_by_start_poll("$start").await?.map(|m| m.id),
        Some(meeting_id())
    );
    assert_eq!(store.invitee_polls("mtg-test").await?.len(), 1);
    plan_with(
        &store,
        "$gp-in",
        vec![
            meeting(MeetingChange::AddInvitee {
                meeting_id: meeting_id(),
                user: id("gp"),
            }),
            meeting(MeetingChange::AddInvitee {
                meeting_id: meeting_id(),
                user: id("gp"),
            }),
        ],
    )
    .await?;
    let stored = store.meeting("mtg-test").await?.expect("stored");
    assert_eq!(
        stored.invitees,
        [id("mother"), id("gp")],
        "after those before, once"
    );
    let start = || {
        meeting(MeetingChange::StartDateFinding {
            meeting_id: meeting_id(),
            answer_by: 6_000_000,
            at: 4,
        })
    };
    plan_with(&store, "$send", vec![start()]).await?;
    let stored = store.meeting("mtg-test").await?.expect("stored");
    assert_eq!(
        (stored.state, stored.answer_by),
        (MeetingState::Planning, 6_000_000)
    );
    assert!(
        plan_with(&store, "$send-again", vec![start()])
            .await
            .is_err(),
        "date finding starts once"
    );
    Ok(())
}
