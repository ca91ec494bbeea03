//! The meeting handlers on matrix-sdk's `MatrixMockServer` with a real store: what `!overleg`
//! plans, who may, and what a vote does.

use super::*;
use crate::testing::{id, mock_bot, received_command};
use kring_core::consent::InfoKind;
use kring_core::meeting::{Answer, MeetingChange, MeetingId, MeetingState};
use kring_core::network::NetworkId;
use kring_core::plan::Timer;
use kring_core::{Command, Role, parse_message};
use kring_store::{InboxKind, InboxState};
use matrix_sdk::ruma::room_id;

const CLIENT: &str = "@anna:kring.test";
const CARER: &str = "@piet:kring.test";
const GP: &str = "@dokter:kring.test";
const NETWORK_ROOM: &str = "!network:kring.test";

async fn network_with_consent() -> crate::testing::MockBot {
    let mock = mock_bot().await;
    mock.network(
        "n1",
        room_id!("!network:kring.test"),
        CLIENT,
        &[
            (CARER, Role::Carer),
            (
                GP,
                Role::Professional {
                    organisation: "Praktijk De Linde".into(),
                    discipline: "huisarts".into(),
                },
            ),
        ],
    )
    .await;
    let cause = "$consent";
    received_command(
        &mock.bot,
        cause,
        "!dm:kring.test",
        CLIENT,
        "!toestemming",
        2,
    )
    .await;
    let mut plan = Plan::new();
    plan.change(Change::GiveConsent {
        network_id: NetworkId::parse("n1").unwrap(),
        grant_id: "g1".into(),
        subject: kring_core::consent::Subject::Member { user: id(CARER) },
        kind: InfoKind::Appointments,
        given_by: id(CLIENT),
        on_behalf_of: None,
        at: 2,
        ends_at: None,
    });
    mock.bot
        .store
        .apply_plan(mock.bot.identity.user_id.as_str(), cause, &plan)
        .await
        .expect("consent is stored");
    mock
}

async fn command(bot: &Bot, event_id: &str, sender: &str, body: &str) -> Plan {
    command_in(bot, event_id, NETWORK_ROOM, sender, body).await
}

async fn command_in(bot: &Bot, event_id: &str, room: &str, sender: &str, body: &str) -> Plan {
    let entry = received_command(bot, event_id, room, sender, body, 3).await;
    let Ok(Some(Command::Meeting(command))) = parse_message(body) else {
        panic!("{body} is a meeting command");
    };
    let asked = Asked {
        preferred: Language::Dutch,
        in_direct_chat: false,
        chosen: None,
    };
    on_command(bot, &entry, command, &asked)
        .await
        .expect("planned")
}

fn planned_meeting(plan: &Plan) -> Option<&MeetingChange> {
    plan.changes.iter().find_map(|change| match change {
        Change::Meeting(change @ MeetingChange::Plan { .. }) => Some(change),
        _ => None,
    })
}

/// Asked for suggestions in the network room, the bot plans three working-day moments for the
/// members who may see appointments, opens the meeting's room with a poll per moment, sets the
/// reminder and the close, and answers the network room without any detail.
#[tokio::test]
async fn suggestions_invite_only_those_with_consent_and_say_no_details_in_the_network_room() {
    let mock = network_with_consent().await;
    let plan = command(
        &mock.bot,
        "$plan",
        CLIENT,
        "!overleg voorstel; plaats Wijkcentrum",
    )
    .await;
    let Some(MeetingChange::Plan {
        meeting_id,
        invitees,
        candidates,
        place,
        ..
    }) = planned_meeting(&plan)
    else {
        panic!("a meeting is planned: {plan:?}");
    };
    assert_eq!(
        invitees,
        &[id(CARER)],
        "the GP has no consent for appointments"
    );
    assert_eq!(candidates.len(), 3);
    assert_eq!(place.as_deref(), Some("Wijkcentrum"));
    let timers: Vec<&Timer> = plan
        .changes
        .iter()
        .filter_map(|change| match change {
            Change::ScheduleTimer(timer) => Some(timer),
            _ => None,
        })
        .collect();
    assert_eq!(timers.len(), 2, "a reminder to answer and the close");
    assert!(
        timers
            .iter()
            .all(|timer| timer.room_id.as_deref() == Some(room_id!("!network:kring.test")))
    );
    let Effect::Send { to, reply, .. } = &plan.effects[0] else {
        panic!("the answer comes first: {:?}", plan.effects);
    };
    assert_eq!(
        to,
        &Target::Room {
            room_id: room_id!("!network:kring.test").to_owned()
        }
    );
    assert!(!reply.plain.contains("Wijkcentrum"), "{}", reply.plain);
    assert!(!reply.plain.contains("piet"), "{}", reply.plain);
    let in_meeting_room: Vec<&MeetingEffect> = plan
        .effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Meeting(effect) => Some(effect),
            _ => None,
        })
        .collect();
    assert!(
        matches!(in_meeting_room[0], MeetingEffect::OpenRoom { meeting_id: opened } if opened == meeting_id)
    );
    let polls = in_meeting_room
        .iter()
        .filter(|effect| matches!(effect, MeetingEffect::SendCandidatePoll { .. }))
        .count();
    assert_eq!(polls, 3);
}

/// A member other than the client asks the client instead (a poll in the network room,
/// audited as proposed); a second question does not stand beside it; the client's "yes" plans
/// one with suggestions; and a second meeting beside one that is ahead is refused.
#[tokio::test]
async fn another_member_proposes_the_client_decides_and_one_meeting_at_a_time() {
    let mock = network_with_consent().await;
    let bot = &mock.bot;
    let bot_name = bot.identity.user_id.as_str();
    let proposed = command(bot, "$gp", GP, "!overleg voorstel").await;
    assert!(planned_meeting(&proposed).is_none());
    assert!(proposed.changes.iter().any(|change| matches!(
        change,
        Change::Log(record) if record.outcome == Outcome::Proposed
    )));
    let Some(MeetingChange::Propose { proposal_id, .. }) =
        proposed.changes.iter().find_map(|change| match change {
            Change::Meeting(change @ MeetingChange::Propose { .. }) => Some(change),
            _ => None,
        })
    else {
        panic!("a question to the client: {proposed:?}");
    };
    assert!(proposed.effects.iter().any(|effect| matches!(
        effect,
        Effect::Meeting(MeetingEffect::SendProposalPoll { .. })
    )));
    bot.store
        .apply_plan(bot_name, "$gp", &proposed)
        .await
        .expect("stored");
    bot.store
        .set_meeting_proposal_poll(proposal_id.as_str(), "$question")
        .await
        .expect("the poll");
    let again = command(bot, "$gp2", GP, "!overleg").await;
    assert!(
        !again
            .changes
            .iter()
            .any(|change| matches!(change, Change::Meeting(_))),
        "one question at a time: {again:?}"
    );
    // The carer's tap counts for nothing; the client's "yes" plans one.
    let carer_tap = vote_entry("$tap1", NETWORK_ROOM, CARER, "$question", "plan");
    let nothing = on_poll_response(bot, &carer_tap).await.unwrap().unwrap();
    assert!(nothing.changes.is_empty() && nothing.effects.is_empty());
    received_command(bot, "$tap2", NETWORK_ROOM, CLIENT, "tap", 4).await;
    let client_tap = vote_entry("$tap2", NETWORK_ROOM, CLIENT, "$question", "plan");
    let plan = on_poll_response(bot, &client_tap).await.unwrap().unwrap();
    assert!(planned_meeting(&plan).is_some(), "{plan:?}");
    assert!(plan.changes.iter().any(|change| matches!(
        change,
        Change::Meeting(MeetingChange::DecideProposal { .. })
    )));
    bot.store
        .apply_plan(bot_name, "$tap2", &plan)
        .await
        .expect("stored");
    let second = command(bot, "$again", CLIENT, "!overleg voorstel").await;
    assert!(planned_meeting(&second).is_none());
    let Effect::Send { reply, .. } = &second.effects[0] else {
        panic!("an answer");
    };
    assert!(reply.plain.contains("al een overleg"), "{}", reply.plain);
}

/// A meeting of network n1 with the carer invited, agreed for its one moment at `starts_at`.
fn agreed_with_the_carer(meeting_id: &MeetingId, starts_at: i64) -> [Change; 2] {
    [
        Change::Meeting(MeetingChange::Plan {
            meeting_id: meeting_id.clone(),
            network_id: NetworkId::parse("n1").unwrap(),
            planned_by: id(CLIENT),
            state: kring_core::meeting::MeetingState::Planning,
            choosing_room_id: None,
            invitees: vec![id(CARER)],
            candidates: vec![kring_core::meeting::Moment {
                starts_at,
                minutes: 60,
            }],
            place: None,
            answer_by: starts_at,
            at: 2,
        }),
        Change::Meeting(MeetingChange::Agree {
            meeting_id: meeting_id.clone(),
            candidate: 0,
            at: 2,
        }),
    ]
}

fn vote_entry(event_id: &str, room: &str, sender: &str, poll: &str, answer: &str) -> InboxEntry {
    InboxEntry {
        event_id: event_id.into(),
        room_id: room.into(),
        sender: sender.into(),
        kind: InboxKind::PollResponse,
        body: serde_json::json!({ "poll": poll, "answers": [answer] }).to_string(),
        encrypted_event: None,
        origin_ts: 5,
        received_at: 5,
        state: InboxState::Pending,
        attempts: 0,
        reply_event_id: None,
        answered_at: None,
    }
}

/// Votes count from invitees and the client in the meeting's own room; the vote that completes
/// every answer asks the client to choose.
#[tokio::test]
async fn votes_count_only_from_invitees_in_the_meetings_room_and_the_last_one_asks_the_client() {
    let mock = network_with_consent().await;
    let bot = &mock.bot;
    let plan = command(bot, "$plan", CLIENT, "!overleg voorstel").await;
    let Some(MeetingChange::Plan { meeting_id, .. }) = planned_meeting(&plan) else {
        panic!("planned");
    };
    let meeting_id = meeting_id.clone();
    let bot_name = bot.identity.user_id.as_str();
    bot.store
        .apply_plan(bot_name, "$plan", &plan)
        .await
        .expect("stored");
    bot.store
        .set_meeting_room(meeting_id.as_str(), "!meeting:kring.test")
        .await
        .expect("room");
    for number in 0..3 {
        bot.store
            .set_candidate_poll(meeting_id.as_str(), number, &format!("$poll{number}"))
            .await
            .expect("poll");
    }
    let vote_of = |plan: &Plan| {
        plan.changes.iter().find_map(|change| match change {
            Change::Meeting(MeetingChange::Vote { voter, answer, .. }) => {
                Some((voter.clone(), *answer))
            }
            _ => None,
        })
    };
    let outside = on_poll_response(
        bot,
        &vote_entry("$v0", NETWORK_ROOM, CARER, "$poll0", "yes"),
    )
    .await
    .expect("no error")
    .expect("a meeting's poll");
    assert_eq!(
        vote_of(&outside),
        None,
        "a vote elsewhere counts for nothing"
    );
    let uninvited = on_poll_response(
        bot,
        &vote_entry("$v1", "!meeting:kring.test", GP, "$poll0", "yes"),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(vote_of(&uninvited), None);
    let not_ours = on_poll_response(
        bot,
        &vote_entry("$v2", "!meeting:kring.test", CARER, "$other", "yes"),
    )
    .await
    .unwrap();
    assert!(not_ours.is_none(), "another capability's poll");
    let mut count = 0;
    for (voter, number) in [
        (CARER, 0),
        (CARER, 1),
        (CARER, 2),
        (CLIENT, 0),
        (CLIENT, 1),
        (CLIENT, 2),
    ] {
        count += 1;
        let cause = format!("$vote{count}");
        received_command(bot, &cause, "!meeting:kring.test", voter, "vote", 5).await;
        let entry = vote_entry(
            &cause,
            "!meeting:kring.test",
            voter,
            &format!("$poll{number}"),
            "maybe",
        );
        let plan = on_poll_response(bot, &entry).await.unwrap().unwrap();
        assert_eq!(vote_of(&plan), Some((id(voter), Answer::Maybe)));
        let asks = plan.effects.iter().any(|effect| {
            matches!(
                effect,
                Effect::Meeting(MeetingEffect::SendChoicePoll { .. })
            )
        });
        assert_eq!(
            asks,
            count == 6,
            "only the last answer asks the client to choose"
        );
        bot.store
            .apply_plan(bot_name, &cause, &plan)
            .await
            .expect("stored");
    }
}

/// A reminder first takes out an invitee whose "afspraken" consent ended by its date (no timer
/// marks that end), so the reminder is not encrypted for them.
#[tokio::test]
async fn a_reminder_first_removes_an_invitee_whose_consent_ended() {
    let mock = mock_bot().await;
    let bot = &mock.bot;
    let bot_name = bot.identity.user_id.as_str();
    mock.network(
        "n1",
        room_id!("!network:kring.test"),
        CLIENT,
        &[(CARER, Role::Carer)],
    )
    .await;
    let network_id = NetworkId::parse("n1").unwrap();
    let meeting_id = MeetingId::parse("mtg-a").unwrap();
    let starts_at = bot.clock.now_millis() + 86_400_000;
    received_command(bot, "$setup", NETWORK_ROOM, CLIENT, "!overleg", 2).await;
    let mut setup = Plan::new();
    setup.change(Change::GiveConsent {
        network_id: network_id.clone(),
        grant_id: "g1".into(),
        subject: kring_core::consent::Subject::Member { user: id(CARER) },
        kind: InfoKind::Appointments,
        given_by: id(CLIENT),
        on_behalf_of: None,
        at: 2,
        ends_at: Some(3),
    });
    setup
        .changes
        .extend(agreed_with_the_carer(&meeting_id, starts_at));
    bot.store
        .apply_plan(bot_name, "$setup", &setup)
        .await
        .expect("stored");
    let entry = received_command(bot, "$timer", NETWORK_ROOM, CLIENT, "timer", 3).await;
    let payload = serde_json::json!({ "meeting_id": "mtg-a", "purpose": "before", "minutes": 60 });
    let plan = on_timer(bot, &entry, payload).await.expect("planned");
    let removal = plan.effects.iter().position(|effect| {
        matches!(effect, Effect::Meeting(MeetingEffect::Remove { user, .. }) if *user == id(CARER))
    });
    let reminder = plan
        .effects
        .iter()
        .position(|effect| matches!(effect, Effect::Meeting(MeetingEffect::Say { .. })));
    assert!(removal.is_some() && reminder.is_some(), "{plan:?}");
    assert!(removal < reminder, "taken out before the reminder is said");
    assert!(plan.changes.iter().any(|change| matches!(
        change,
        Change::Meeting(MeetingChange::RemoveInvitee { user, .. }) if *user == id(CARER)
    )));
}

/// Bad input, each with a clear answer and nothing stored: someone not in the network as an
/// invitee, a named invitee without consent (named only in the private chat), a moment the
/// clocks skip, overlapping moments, a video link without the region's video service, an
/// action typed in the network room (where members without consent read).
#[tokio::test]
async fn bad_plans_are_refused_with_their_reason_and_plan_nothing() {
    let mock = network_with_consent().await;
    let bot = &mock.bot;
    use chrono::{Datelike, Duration, Weekday};
    // Dates relative to today, so the test means the same whenever it runs.
    let today = chrono::Utc::now().date_naive();
    let typed =
        |date: chrono::NaiveDate| format!("{}-{}-{}", date.day(), date.month(), date.year());
    let in_a_month = today + Duration::days(30);
    // The next last Sunday of March, when 02:00-03:00 does not exist in Amsterdam.
    let spring_forward = (0..400)
        .map(|days| today + Duration::days(days + 1))
        .find(|date| {
            date.month() == 3
                && date.weekday() == Weekday::Sun
                && (*date + Duration::days(7)).month() == 4
        })
        .expect("a last Sunday of March within the year");
    let refusals = [
        (
            "$a",
            "!overleg voorstel; met @vreemde:kring.test".to_owned(),
            "zit niet in het netwerk",
        ),
        (
            "$b",
            "!overleg voorstel; met @dokter:kring.test".to_owned(),
            "Niet iedereen die u koos",
        ),
        (
            "$c",
            format!(
                "!overleg {} 02:30; {} 10:00",
                typed(spring_forward),
                typed(in_a_month)
            ),
            "klok",
        ),
        (
            "$d",
            format!("!overleg {0} 10:00; {0} 10:30", typed(in_a_month)),
            "vallen (deels) samen",
        ),
        (
            "$e",
            "!overleg voorstel; plaats video".to_owned(),
            "videodienst",
        ),
        (
            "$f",
            format!("!actie {CARER} belt de school tot {}", typed(in_a_month)),
            "Hier lezen anderen mee",
        ),
    ];
    for (event_id, body, expected) in refusals {
        let body = body.as_str();
        let plan = command(bot, event_id, CLIENT, body).await;
        assert!(planned_meeting(&plan).is_none(), "{body}");
        assert!(plan.changes.is_empty(), "{body}: nothing stored");
        let [Effect::Send { reply, .. }] = plan.effects.as_slice() else {
            panic!("{body}: one answer, {:?}", plan.effects);
        };
        assert!(reply.plain.contains(expected), "{body}: {}", reply.plain);
        assert!(
            !reply.plain.contains("dokter"),
            "{body}: nobody named in the network room"
        );
    }
}

/// The day before an action is due its person is reminded in the meeting's room; once it is
/// done, the timer says nothing.
#[tokio::test]
async fn an_action_is_reminded_until_it_is_done() {
    let mock = network_with_consent().await;
    let bot = &mock.bot;
    let bot_name = bot.identity.user_id.as_str();
    let meeting_id = MeetingId::parse("mtg-b").unwrap();
    let starts_at = bot.clock.now_millis() + 86_400_000;
    received_command(bot, "$setup", NETWORK_ROOM, CLIENT, "!overleg", 2).await;
    let mut setup = Plan::new();
    setup
        .changes
        .extend(agreed_with_the_carer(&meeting_id, starts_at));
    setup.change(Change::Meeting(MeetingChange::AddAction {
        meeting_id: meeting_id.clone(),
        number: 1,
        responsible: id(CARER),
        text: "belt de school".into(),
        due_at: starts_at + 7 * 86_400_000,
        by: id(CLIENT),
        at: 2,
    }));
    bot.store
        .apply_plan(bot_name, "$setup", &setup)
        .await
        .expect("stored");
    let payload = serde_json::json!({ "meeting_id": "mtg-b", "purpose": "action", "number": 1 });
    let entry = received_command(bot, "$t1", NETWORK_ROOM, CLIENT, "timer", 3).await;
    let reminded = on_timer(bot, &entry, payload.clone())
        .await
        .expect("planned");
    let asked: Vec<&kring_core::messages::PollText> = reminded
        .effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Meeting(MeetingEffect::SendActionPoll {
                text, number: 1, ..
            }) => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(asked.len(), 1, "{reminded:?}");
    assert!(
        asked[0].question.contains("Herinnering voor piet")
            && asked[0].question.contains("Is het gedaan?"),
        "{}",
        asked[0].question
    );
    bot.store
        .set_meeting_room(meeting_id.as_str(), "!meeting:kring.test")
        .await
        .expect("room");
    bot.store
        .set_action_poll(meeting_id.as_str(), 1, "$remind")
        .await
        .expect("the poll");
    let done_in = |plan: &Plan| {
        plan.changes.iter().any(|change| {
            matches!(
                change,
                Change::Meeting(MeetingChange::ActionDone { number: 1, .. })
            )
        })
    };
    // "Not yet", a tap by someone else, or one from another room change nothing.
    for (event_id, room, voter, answer) in [
        ("$p1", "!meeting:kring.test", CARER, "not-yet"),
        ("$p2", "!meeting:kring.test", GP, "done"),
        ("$p3", NETWORK_ROOM, CARER, "done"),
    ] {
        let tap = vote_entry(event_id, room, voter, "$remind", answer);
        let plan = on_poll_response(bot, &tap).await.unwrap().expect("ours");
        assert!(!done_in(&plan), "{voter} {answer}: {plan:?}");
    }
    received_command(bot, "$p4", "!meeting:kring.test", CARER, "tap", 4).await;
    let tap = vote_entry("$p4", "!meeting:kring.test", CARER, "$remind", "done");
    let done = on_poll_response(bot, &tap).await.unwrap().expect("ours");
    assert!(done_in(&done), "{done:?}");
    assert!(done.effects.iter().any(|effect| matches!(
        effect,
        Effect::Meeting(MeetingEffect::EndActionPoll { number: 1, .. })
    )));
    assert!(done.effects.iter().any(|effect| matches!(
        effect,
        Effect::Meeting(MeetingEffect::Say { reply, .. }) if reply.plain.contains("actie 1 is gedaan")
    )));
    bot.store
        .apply_plan(bot_name, "$p4", &done)
        .await
        .expect("stored");
    let entry = received_command(bot, "$t2", NETWORK_ROOM, CLIENT, "timer", 5).await;
    let after = on_timer(bot, &entry, payload).await.expect("planned");
    assert!(after.effects.is_empty(), "{after:?}");
}

/// An invitee who leaves while the others have all answered ends date finding: the client is
/// asked to choose then, since no later vote would ask. One who leaves while someone else has
/// still to answer changes nothing more.
#[tokio::test]
async fn the_last_one_to_answer_leaving_asks_the_client_to_choose() {
    let mock = network_with_consent().await;
    let bot = &mock.bot;
    let bot_name = bot.identity.user_id.as_str();
    let meeting_id = MeetingId::parse("mtg-c").unwrap();
    let now = bot.clock.now_millis();
    received_command(bot, "$setup", NETWORK_ROOM, CLIENT, "!overleg", 2).await;
    let mut setup = Plan::new();
    setup.change(Change::Meeting(MeetingChange::Plan {
        meeting_id: meeting_id.clone(),
        network_id: NetworkId::parse("n1").unwrap(),
        planned_by: id(CLIENT),
        state: kring_core::meeting::MeetingState::Planning,
        choosing_room_id: None,
        invitees: vec![id(CARER), id(GP)],
        candidates: vec![kring_core::meeting::Moment {
            starts_at: now + 7 * 86_400_000,
            minutes: 60,
        }],
        place: None,
        answer_by: now + 3 * 86_400_000,
        at: 2,
    }));
    for voter in [CLIENT, CARER] {
        setup.change(Change::Meeting(MeetingChange::Vote {
            meeting_id: meeting_id.clone(),
            candidate: 0,
            voter: id(voter),
            answer: Answer::Yes,
            at: 3,
        }));
    }
    bot.store
        .apply_plan(bot_name, "$setup", &setup)
        .await
        .expect("stored");
    let network = bot.store.network("n1").await.unwrap().expect("the network");
    let asks_to_choose = |plan: &Plan| {
        plan.effects.iter().any(|effect| {
            matches!(
                effect,
                Effect::Meeting(MeetingEffect::SendChoicePoll { .. })
            )
        })
    };

    let mut carer_left = Plan::new();
    member_gone(bot, &network, &mut carer_left, &id(CARER), now)
        .await
        .expect("planned");
    assert!(
        !asks_to_choose(&carer_left),
        "the GP has still to answer: {carer_left:?}"
    );

    let mut gp_left = Plan::new();
    member_gone(bot, &network, &mut gp_left, &id(GP), now)
        .await
        .expect("planned");
    assert!(gp_left.changes.iter().any(|change| matches!(
        change,
        Change::Meeting(MeetingChange::RemoveInvitee { user, .. }) if *user == id(GP)
    )));
    assert!(asks_to_choose(&gp_left), "{gp_left:?}");
    assert!(
        gp_left
            .changes
            .iter()
            .any(|change| matches!(change, Change::Meeting(MeetingChange::AskChoice { .. })))
    );
}

/// The client appoints the carer to write the plan down: the carer records goals and actions
/// in the meeting's room then, which before was refused; someone not invited cannot be
/// appointed, and only the client appoints.
#[tokio::test]
async fn the_client_appoints_an_invitee_to_write_the_plan_down() {
    let mock = network_with_consent().await;
    let bot = &mock.bot;
    let bot_name = bot.identity.user_id.as_str();
    let meeting_id = MeetingId::parse("mtg-d").unwrap();
    let meeting_room = "!meeting:kring.test";
    received_command(bot, "$setup", NETWORK_ROOM, CLIENT, "!overleg", 2).await;
    let mut setup = Plan::new();
    setup.changes.extend(agreed_with_the_carer(
        &meeting_id,
        bot.clock.now_millis() - 3_600_000,
    ));
    bot.store
        .apply_plan(bot_name, "$setup", &setup)
        .await
        .expect("stored");
    bot.store
        .set_meeting_room(meeting_id.as_str(), meeting_room)
        .await
        .expect("room");
    let goal_of = |plan: &Plan| {
        plan.changes.iter().find_map(|change| match change {
            Change::Meeting(MeetingChange::AddGoal { text, number, .. }) => {
                Some((*number, text.clone()))
            }
            _ => None,
        })
    };
    let answer_of = |plan: &Plan| match plan.effects.first() {
        Some(Effect::Send { reply, .. }) => reply.plain.clone(),
        other => panic!("an answer: {other:?}"),
    };

    let before = command_in(bot, "$g1", meeting_room, CARER, "!doel weer naar werk").await;
    assert_eq!(goal_of(&before), None);
    assert!(
        answer_of(&before).contains("notulist"),
        "{}",
        answer_of(&before)
    );
    assert!(before.changes.iter().any(|change| matches!(
        change,
        Change::Log(record) if record.outcome == Outcome::Refused
    )));

    let by_carer = command_in(
        bot,
        "$r0",
        meeting_room,
        CARER,
        &format!("!overleg notulist {CARER}"),
    )
    .await;
    assert!(!by_carer.changes.iter().any(|change| matches!(
        change,
        Change::Meeting(MeetingChange::AppointRecorder { .. })
    )));
    let not_invited = command_in(
        bot,
        "$r1",
        meeting_room,
        CLIENT,
        &format!("!overleg notulist {GP}"),
    )
    .await;
    assert!(
        answer_of(&not_invited).contains("is een genodigde die de afspraken mag zien"),
        "{}",
        answer_of(&not_invited)
    );
    assert!(
        !answer_of(&not_invited).contains("dokter"),
        "named only in private"
    );
    let appointed = command_in(
        bot,
        "$r2",
        meeting_room,
        CLIENT,
        &format!("!overleg notulist {CARER}"),
    )
    .await;
    assert!(appointed.changes.iter().any(|change| matches!(
        change,
        Change::Meeting(MeetingChange::AppointRecorder { recorder, .. }) if *recorder == id(CARER)
    )));
    assert!(
        answer_of(&appointed).contains("schrijft het plan"),
        "{}",
        answer_of(&appointed)
    );
    bot.store
        .apply_plan(bot_name, "$r2", &appointed)
        .await
        .expect("stored");

    let goal = command_in(bot, "$g2", meeting_room, CARER, "!doel weer naar werk").await;
    assert_eq!(goal_of(&goal), Some((1, "weer naar werk".to_owned())));
    bot.store
        .apply_plan(bot_name, "$g2", &goal)
        .await
        .expect("stored");
    let action = command_in(
        bot,
        "$a1",
        meeting_room,
        CARER,
        &format!("!actie {CLIENT} belt de werkgever tot over een week"),
    )
    .await;
    // "over een week" is not a date: the answer says so, but the carer was allowed to ask.
    assert!(
        !answer_of(&action).contains("schrijft het plan op"),
        "{}",
        answer_of(&action)
    );
    let plan_shown = command_in(bot, "$l1", meeting_room, CARER, "!doel").await;
    let shown = answer_of(&plan_shown);
    assert!(
        shown.contains("Doelen:") && shown.contains("weer naar werk"),
        "{shown}"
    );
}

/// The client sets the network's own rhythm: the question about the next meeting, waiting
/// after the agreed one, moves with it. A rhythm that cannot be read is refused with an
/// example and changes nothing; only the client sets it.
#[tokio::test]
async fn the_networks_rhythm_moves_the_question_about_the_next_meeting() {
    let mock = network_with_consent().await;
    let bot = &mock.bot;
    let bot_name = bot.identity.user_id.as_str();
    let meeting_id = MeetingId::parse("mtg-e").unwrap();
    let starts_at = bot.clock.now_millis() + 86_400_000;
    received_command(bot, "$setup", NETWORK_ROOM, CLIENT, "!overleg", 2).await;
    let mut setup = Plan::new();
    setup
        .changes
        .extend(agreed_with_the_carer(&meeting_id, starts_at));
    setup.change(super::timers::timer(
        &meeting_id,
        super::timers::Purpose::Next,
        starts_at + 70 * 86_400_000,
        None,
    ));
    bot.store
        .apply_plan(bot_name, "$setup", &setup)
        .await
        .expect("stored");
    let next_timer = |plan: &Plan| {
        plan.changes.iter().find_map(|change| match change {
            Change::ScheduleTimer(timer) if timer.key.ends_with(":next") => Some(timer.due_at),
            _ => None,
        })
    };
    let set = |plan: &Plan| {
        plan.changes
            .iter()
            .any(|change| matches!(change, Change::Meeting(MeetingChange::SetRhythm { .. })))
    };

    let by_gp = command(bot, "$h1", GP, "!overleg herhaal elke maand").await;
    assert!(!set(&by_gp) && next_timer(&by_gp).is_none(), "{by_gp:?}");
    let bad = command(bot, "$h2", CLIENT, "!overleg herhaal soms").await;
    assert!(bad.changes.is_empty(), "{bad:?}");
    let Effect::Send { reply, .. } = &bad.effects[0] else {
        panic!("an answer");
    };
    assert!(reply.plain.contains("elke 3 maanden"), "{}", reply.plain);

    let monthly = command(bot, "$h3", CLIENT, "!overleg herhaal elke maand").await;
    assert!(set(&monthly), "{monthly:?}");
    let rhythm: kring_core::time::Recurrence = "FREQ=MONTHLY;INTERVAL=1".parse().unwrap();
    let expected =
        kring_core::meeting::ask_for_next_at(Some(&rhythm), starts_at, starts_at + 3_600_000);
    assert_eq!(
        next_timer(&monthly),
        expected,
        "a month on, three weeks before"
    );
    bot.store
        .apply_plan(bot_name, "$h3", &monthly)
        .await
        .expect("stored");
    assert_eq!(
        rhythm_of_network(bot)
            .await
            .map(|rhythm| rhythm.source().to_owned()),
        Some("FREQ=MONTHLY;INTERVAL=1".to_owned())
    );
}

async fn rhythm_of_network(bot: &Bot) -> Option<kring_core::time::Recurrence> {
    super::rhythm::rhythm_of(bot, &NetworkId::parse("n1").unwrap())
        .await
        .expect("read")
}

/// A meeting of network n1 the client is choosing invitees for in "!dm:kring.test", the carer
/// invited to start with, with `weeks` moments a week apart.
fn being_chosen_for(meeting_id: &MeetingId, now: i64, weeks: i64) -> Change {
    Change::Meeting(MeetingChange::Plan {
        meeting_id: meeting_id.clone(),
        network_id: NetworkId::parse("n1").unwrap(),
        planned_by: id(CLIENT),
        state: MeetingState::Choosing,
        choosing_room_id: Some(matrix_sdk::ruma::owned_room_id!("!dm:kring.test")),
        invitees: vec![id(CARER)],
        candidates: (1..=weeks)
            .map(|week| kring_core::meeting::Moment {
                starts_at: now + week * 7 * 86_400_000,
                minutes: 60,
            })
            .collect(),
        place: None,
        answer_by: now + 5 * 86_400_000,
        at: 3,
    })
}

/// While the client chooses (a meeting planned without `met …`; the private chat it happens in
/// is the e2e test's), a tap invites or not, and for the GP without "afspraken" consent the same
/// tap gives it; only the client's taps count; "Versturen" starts date finding with those chosen.
#[tokio::test]
async fn the_client_chooses_whom_to_invite_with_one_tap_each() {
    let mock = network_with_consent().await;
    let bot = &mock.bot;
    let bot_name = bot.identity.user_id.as_str();
    let dm = "!dm:kring.test";
    let meeting_id = MeetingId::parse("mtg-f").unwrap();
    let now = bot.clock.now_millis();
    received_command(bot, "$plan", dm, CLIENT, "!overleg voorstel", 3).await;
    let mut plan = Plan::new();
    plan.change(being_chosen_for(&meeting_id, now, 3));
    bot.store
        .apply_plan(bot_name, "$plan", &plan)
        .await
        .expect("stored");
    bot.store
        .set_invitee_poll(meeting_id.as_str(), &id(CARER), "$inv-carer", false)
        .await
        .unwrap();
    bot.store
        .set_invitee_poll(meeting_id.as_str(), &id(GP), "$inv-gp", true)
        .await
        .unwrap();
    bot.store
        .set_start_poll(meeting_id.as_str(), "$start")
        .await
        .unwrap();

    // The GP's own tap counts for nothing.
    let by_gp = on_poll_response(bot, &vote_entry("$t0", dm, GP, "$inv-gp", "invite"))
        .await
        .unwrap()
        .expect("ours");
    assert!(by_gp.changes.is_empty() && by_gp.effects.is_empty());
    // Nor does the client's from another room than the private chat the polls are in.
    let elsewhere = on_poll_response(
        bot,
        &vote_entry("$t0b", NETWORK_ROOM, CLIENT, "$inv-gp", "invite"),
    )
    .await
    .unwrap()
    .expect("ours");
    assert!(elsewhere.changes.is_empty() && elsewhere.effects.is_empty());
    // "Versturen" before anyone is chosen: the carer left out first, then the tap is answered
    // with a new start poll (the same answer cannot be tapped twice).
    received_command(bot, "$t0c", dm, CLIENT, "tap", 4).await;
    let nobody = on_poll_response(bot, &vote_entry("$t0c", dm, CLIENT, "$inv-carer", "skip"))
        .await
        .unwrap()
        .expect("ours");
    bot.store
        .apply_plan(bot_name, "$t0c", &nobody)
        .await
        .expect("stored");
    received_command(bot, "$t0d", dm, CLIENT, "tap", 4).await;
    let too_soon = on_poll_response(bot, &vote_entry("$t0d", dm, CLIENT, "$start", "send"))
        .await
        .unwrap()
        .expect("ours");
    assert!(too_soon.changes.iter().any(|change| matches!(
        change,
        Change::Meeting(MeetingChange::StartPollSpent { .. })
    )));
    assert!(!too_soon.changes.iter().any(|change| matches!(
        change,
        Change::Meeting(MeetingChange::StartDateFinding { .. })
    )));
    assert!(
        too_soon
            .effects
            .iter()
            .any(|effect| matches!(effect, Effect::Meeting(MeetingEffect::SendStartPoll { .. })))
    );
    bot.store
        .apply_plan(bot_name, "$t0d", &too_soon)
        .await
        .expect("stored");
    bot.store
        .set_start_poll(meeting_id.as_str(), "$start2")
        .await
        .unwrap();
    // The client invites the GP, who gets "afspraken" consent with the same tap.
    received_command(bot, "$t1", dm, CLIENT, "tap", 4).await;
    let gp_in = on_poll_response(bot, &vote_entry("$t1", dm, CLIENT, "$inv-gp", "invite"))
        .await
        .unwrap()
        .expect("ours");
    assert!(gp_in.changes.iter().any(|change| matches!(
        change,
        Change::GiveConsent { kind: InfoKind::Appointments, subject: kring_core::consent::Subject::Member { user }, .. } if *user == id(GP)
    )), "{gp_in:?}");
    assert!(gp_in.changes.iter().any(|change| matches!(
        change,
        Change::Meeting(MeetingChange::AddInvitee { user, .. }) if *user == id(GP)
    )));
    let sent: Vec<&str> = gp_in
        .effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Send { reply, .. } => Some(reply.plain.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), 1, "one answer: {sent:?}");
    assert!(
        sent[0].contains("mag vanaf nu de afspraken zien"),
        "{}",
        sent[0]
    );
    bot.store
        .apply_plan(bot_name, "$t1", &gp_in)
        .await
        .expect("stored");
    // The carer, invited by default, is left out.
    received_command(bot, "$t2", dm, CLIENT, "tap", 5).await;
    let carer_out = on_poll_response(bot, &vote_entry("$t2", dm, CLIENT, "$inv-carer", "skip"))
        .await
        .unwrap()
        .expect("ours");
    bot.store
        .apply_plan(bot_name, "$t2", &carer_out)
        .await
        .expect("stored");
    let meeting = bot
        .store
        .meeting(meeting_id.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(meeting.invitees, [id(GP)]);
    assert_eq!(meeting.state, MeetingState::Choosing);

    // Before the invitations go out the tally is nobody's to read, and the client hears why.
    let answer = |plan: &Plan| match plan.effects.as_slice() {
        [Effect::Send { reply, .. }] => reply.plain.clone(),
        other => panic!("one answer: {other:?}"),
    };
    let by_invitee = command(bot, "$s1", GP, "!overleg stand").await;
    assert!(
        !answer(&by_invitee).contains("Moment"),
        "{}",
        answer(&by_invitee)
    );
    let by_client = command(bot, "$s2", CLIENT, "!overleg stand").await;
    assert!(
        answer(&by_client).contains("U kiest nog"),
        "{}",
        answer(&by_client)
    );

    // "Versturen": date finding begins with the GP, and choosing's polls end.
    received_command(bot, "$t3", dm, CLIENT, "tap", 6).await;
    let started = on_poll_response(bot, &vote_entry("$t3", dm, CLIENT, "$start2", "send"))
        .await
        .unwrap()
        .expect("ours");
    assert!(started.changes.iter().any(|change| matches!(
        change,
        Change::Meeting(MeetingChange::StartDateFinding { .. })
    )));
    let count = |wanted: fn(&Effect) -> bool| started.effects.iter().filter(|e| wanted(e)).count();
    assert_eq!(
        count(|e| matches!(e, Effect::Meeting(MeetingEffect::OpenRoom { .. }))),
        1
    );
    assert_eq!(
        count(|e| matches!(e, Effect::Meeting(MeetingEffect::SendCandidatePoll { .. }))),
        3
    );
    assert_eq!(
        count(|e| matches!(e, Effect::EndPoll { .. })),
        3,
        "two people and the start"
    );
    bot.store
        .apply_plan(bot_name, "$t3", &started)
        .await
        .expect("stored");
    let meeting = bot
        .store
        .meeting(meeting_id.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(meeting.state, MeetingState::Planning);
    // A second tap on "Versturen" does nothing more.
    let again = on_poll_response(bot, &vote_entry("$t4", dm, CLIENT, "$start2", "send"))
        .await
        .unwrap()
        .expect("ours");
    assert!(again.changes.is_empty() && again.effects.is_empty());
}

/// Called off while the client is still choosing: nobody was invited, so nothing is said in a
/// meeting room (there is none); the client hears it where they typed it.
#[tokio::test]
async fn a_meeting_called_off_while_choosing_says_nothing_to_anyone_else() {
    let mock = network_with_consent().await;
    let bot = &mock.bot;
    let bot_name = bot.identity.user_id.as_str();
    let now = bot.clock.now_millis();
    received_command(bot, "$plan", NETWORK_ROOM, CLIENT, "!overleg voorstel", 3).await;
    let mut plan = Plan::new();
    plan.change(being_chosen_for(
        &MeetingId::parse("mtg-g").unwrap(),
        now,
        1,
    ));
    bot.store
        .apply_plan(bot_name, "$plan", &plan)
        .await
        .expect("stored");
    let off = command(bot, "$off", CLIENT, "!overleg af").await;
    assert!(
        off.changes
            .iter()
            .any(|change| matches!(change, Change::Meeting(MeetingChange::Cancel { .. })))
    );
    assert!(
        !off.effects
            .iter()
            .any(|effect| matches!(effect, Effect::Meeting(_))),
        "nothing in a meeting room: {off:?}"
    );
    assert!(off.effects.iter().any(|effect| matches!(
        effect,
        Effect::Send { reply, .. } if reply.plain.contains("gaat niet door")
    )));
}
