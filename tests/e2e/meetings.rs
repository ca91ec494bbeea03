//! Resource-group meetings against a real Synapse with real end-to-end encryption: the client
//! plans, the invitees answer in polls in the meeting's own room, the client chooses with one
//! tap, and the invitees get the `.ics` as an encrypted file that an independent parser (PyPI's
//! `icalendar`, pinned) reads as agreed; calling it off sends the cancellation. Members without
//! "afspraken" consent are not invited and see no details.

use crate::networks::{Network, ask, wait_for_bot};
use anyhow::{Context, Result, ensure};
use kring_testbed::network::moment_polls;
use kring_testbed::{Persona, ReceivedMessage, ReceivedPoll, TestClient};
use matrix_sdk::ruma::RoomId;

const ICALENDAR_VERSION: &str = "7.3.2";

/// What a calendar program reads of one file.
const READ_BACK: &str = r#"
import sys, json
from icalendar import Calendar
raw = open(sys.argv[1], 'rb').read()
cal = Calendar.from_ical(raw)
zones = cal.walk('VTIMEZONE')
event = cal.walk('VEVENT')[0]
print(json.dumps({
    'method': str(cal['METHOD']),
    'zones': [str(zone['TZID']) for zone in zones],
    'dtstart_tzid': event['DTSTART'].params.get('TZID'),
    'uid': str(event['UID']),
    'sequence': int(event['SEQUENCE']),
    'status': str(event['STATUS']),
    'summary': str(event['SUMMARY']),
    'location': str(event.get('LOCATION', '')),
    'local_start': event.decoded('DTSTART').replace(tzinfo=None).isoformat(),
    'minutes': int((event.decoded('DTEND') - event.decoded('DTSTART')).total_seconds() // 60),
    'attendees': [str(a) for a in (event.get('ATTENDEE') if isinstance(event.get('ATTENDEE'), list) else [event.get('ATTENDEE')])],
}))
"#;

fn read_calendar(bytes: &[u8]) -> Result<serde_json::Value> {
    let python = kring_testbed::python_tool("icalendar", ICALENDAR_VERSION)?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("overleg.ics");
    std::fs::write(&path, bytes)?;
    let output = std::process::Command::new(&python)
        .arg("-c")
        .arg(READ_BACK)
        .arg(&path)
        .output()?;
    ensure!(
        output.status.success(),
        "icalendar refused the file: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// The `n`-th calendar file the bot sent into `room_id`, as `member` received it, decrypted.
async fn calendar_file(
    member: &TestClient,
    network: &Network,
    room_id: &RoomId,
    n: usize,
) -> Result<(ReceivedMessage, Vec<u8>)> {
    let is_calendar = |m: &ReceivedMessage| {
        m.sender.as_str() == network.bot.user_id && m.room_id == room_id && m.file.is_some()
    };
    member
        .wait_for(&format!("calendar file {n}"), |m| {
            is_calendar(m) && member.received().iter().filter(|m| is_calendar(m)).count() >= n
        })
        .await?;
    let message = member
        .received()
        .into_iter()
        .filter(|m| is_calendar(m))
        .nth(n - 1)
        .context("the file")?;
    let bytes = member
        .download(message.file.as_ref().context("a file")?)
        .await?;
    Ok((message, bytes))
}

/// The client taps "Versturen" in the private chat, where choosing whom to invite happens;
/// returns that poll.
async fn send_the_invitations(network: &Network) -> Result<ReceivedPoll> {
    let direct_chat = network.direct_chat.room_id().to_owned();
    let start = network
        .client
        .wait_for_poll("sending the invitations", |poll| {
            poll.room_id == direct_chat && poll.question.starts_with("Klaar met kiezen?")
        })
        .await?;
    let send = start.answer_containing("Versturen").context("Versturen")?;
    network
        .client
        .vote(&network.direct_chat, &start.event_id, &send)
        .await?;
    Ok(start)
}

#[tokio::test]
async fn the_client_plans_a_meeting_the_invitees_answer_and_get_the_calendar_file() -> Result<()> {
    let network = Network::start().await?;
    let carer = network.add(Persona::Carer, "mantelzorger").await?;
    let gp = network.add(Persona::Professional, "fact GGZ Noord").await?;
    let gp_room = gp.room(&network.room_id())?;
    // Only the carer may see appointments.
    ask(
        &network.client,
        &network.direct_chat,
        &format!("!toestemming {} afspraken ja", carer.user_id()),
    )
    .await?;

    // The client chairs: a professional's `!overleg` asks the client, who says "not now".
    let proposed = ask(&gp, &gp_room, "!overleg voorstel; plaats Praktijk").await?;
    assert!(
        proposed.body.contains("Ik heb de cliënt gevraagd"),
        "{}",
        proposed.body
    );
    let question = network
        .client
        .wait_for_poll("the question whether to plan", |poll| {
            poll.room_id == network.room_id() && poll.question.contains("stelt voor om een overleg")
        })
        .await?;
    let not_now = question.answer_containing("Nee").context("not now")?;
    network
        .client
        .vote(&network.room, &question.event_id, &not_now)
        .await?;
    wait_for_bot(
        &network.client,
        &network.bot,
        &network.room_id(),
        "wil nu geen overleg",
    )
    .await?;
    // A non-client cannot choose or call off.
    let refused = ask(&gp, &gp_room, "!overleg af").await?;
    assert!(
        refused.body.contains("Alleen de cliënt"),
        "{}",
        refused.body
    );
    // A moment that does not exist is refused with the reason, and nothing is planned.
    let bad = ask(
        &network.client,
        &network.room,
        "!overleg 31-2 14:00; 1-3 10:00",
    )
    .await?;
    assert!(bad.body.contains("bestaat niet"), "{}", bad.body);
    let nothing = ask(&network.client, &network.room, "!overleg af").await?;
    assert!(nothing.body.contains("geen overleg"), "{}", nothing.body);

    // The client asks for suggestions, at the region's video service.
    let started = ask(
        &network.client,
        &network.room,
        "!overleg voorstel; plaats video",
    )
    .await?;
    assert!(
        started.body.contains("Kies in ons privégesprek"),
        "{}",
        started.body
    );
    assert!(
        !started.body.contains("video.kring.test"),
        "no details in the network room"
    );
    // The client chooses privately, one tap per person: the carer (who may see appointments)
    // is invited already, the GP not; nobody else has heard of the meeting yet.
    let direct_chat = network.direct_chat.room_id().to_owned();
    let choosing = wait_for_bot(
        &network.client,
        &network.bot,
        &direct_chat,
        "Wie nodigt u uit?",
    )
    .await?;
    assert!(
        choosing.body.contains(carer.user_id().localpart()),
        "{}",
        choosing.body
    );
    let gp_poll = network
        .client
        .wait_for_poll("the GP's poll", |poll| {
            poll.room_id == direct_chat && poll.question.contains("(nu: niet uitgenodigd)")
        })
        .await?;
    assert!(
        gp_poll.answers[0].1.contains("mag de afspraken zien"),
        "inviting the GP would give consent in the same tap: {:?}",
        gp_poll.answers
    );
    assert!(carer.client.invited_rooms().is_empty(), "no invitation yet");
    send_the_invitations(&network).await?;
    wait_for_bot(
        &network.client,
        &network.bot,
        &network.room_id(),
        "Ik heb een overleg klaargezet",
    )
    .await?;

    let meeting_room_id = network.client.wait_for_any_invite().await?;
    assert_eq!(carer.wait_for_any_invite().await?, meeting_room_id);
    let client_meeting = network.client.accept_invite(&meeting_room_id).await?;
    let carer_meeting = carer.accept_invite(&meeting_room_id).await?;
    let welcome = wait_for_bot(
        &carer,
        &network.bot,
        &meeting_room_id,
        "Welkom bij het overleg",
    )
    .await?;
    assert!(welcome.was_encrypted, "the details are encrypted");
    // Only the bot lets people in: the carer cannot bring the GP, who may not see it.
    let brought = carer_meeting.invite_user_by_id(gp.user_id()).await;
    let why = format!("{:#}", brought.err().context("an invitee invited someone")?);
    assert!(
        why.contains("M_FORBIDDEN"),
        "refused for another reason: {why}"
    );
    assert!(
        welcome
            .body
            .contains("https://video.kring.test/overleg-mtg-"),
        "{}",
        welcome.body
    );
    // The GP, without consent, is not in the meeting's room at all.
    assert_eq!(
        network
            .client
            .server_membership(&meeting_room_id, gp.user_id())
            .await?,
        None
    );
    let gp_tally = ask(&gp, &gp_room, "!overleg stand").await?;
    assert!(
        gp_tally.body.contains("niet uitgenodigd"),
        "{}",
        gp_tally.body
    );

    // Both answer every moment; the second suits both best.
    let carer_polls = moment_polls(&carer, &meeting_room_id).await?;
    let client_polls = moment_polls(&network.client, &meeting_room_id).await?;
    assert_eq!(carer_polls.len(), 3, "three suggestions");
    for (polls, member, room, answers) in [
        (
            &carer_polls,
            &carer,
            &carer_meeting,
            ["Nee", "Ja", "Misschien"],
        ),
        (
            &client_polls,
            &network.client,
            &client_meeting,
            ["Misschien", "Ja", "Nee"],
        ),
    ] {
        for (poll, answer) in polls.iter().zip(answers) {
            let id = poll.answer_containing(answer).context("an answer")?;
            member.vote(room, &poll.event_id, &id).await?;
        }
    }
    let all_in = wait_for_bot(
        &network.client,
        &network.bot,
        &meeting_room_id,
        "Iedereen heeft geantwoord",
    )
    .await?;
    assert!(
        all_in.body.contains("Het beste moment is nu 2"),
        "{}",
        all_in.body
    );
    assert!(
        all_in.body.contains("2 ja, 0 misschien, 0 nee"),
        "{}",
        all_in.body
    );
    assert!(
        all_in.body.contains("0 ja, 1 misschien, 1 nee"),
        "{}",
        all_in.body
    );

    // One tap by the client chooses; a tap by the carer in the same poll changes nothing.
    let choice = network
        .client
        .wait_for_poll("the client's choice", |poll| {
            poll.room_id == meeting_room_id && poll.question.starts_with("Welk moment kiest u")
        })
        .await?;
    let third = choice.answers.get(2).context("moment 3")?.0.clone();
    carer.vote(&carer_meeting, &choice.event_id, &third).await?;
    let second = choice
        .answer_containing("(beste)")
        .context("the best one")?;
    assert!(choice.answers[1].0 == second, "{:?}", choice.answers);
    network
        .client
        .vote(&client_meeting, &choice.event_id, &second)
        .await?;
    let agreed = wait_for_bot(
        &carer,
        &network.bot,
        &meeting_room_id,
        "Het overleg is gepland",
    )
    .await?;
    let moment_two = carer_polls[1]
        .question
        .trim_start_matches("Moment 2: ")
        .trim_end_matches(". Kunt u dan?")
        .to_owned();
    assert!(
        agreed.body.contains(&moment_two),
        "{} / {moment_two}",
        agreed.body
    );

    let (file, bytes) = calendar_file(&carer, &network, &meeting_room_id, 1).await?;
    assert!(file.was_encrypted, "the calendar file is sent encrypted");
    assert_eq!(file.body, "overleg.ics");
    let request = read_calendar(&bytes)?;
    assert_eq!(request["method"], "REQUEST");
    assert_eq!(request["status"], "CONFIRMED");
    assert_eq!(request["zones"], serde_json::json!(["Europe/Amsterdam"]));
    assert_eq!(request["dtstart_tzid"], "Europe/Amsterdam");
    assert_eq!(request["sequence"], 0);
    assert_eq!(request["minutes"], 60);
    assert_eq!(request["summary"], "Netwerkoverleg");
    assert_eq!(
        request["attendees"],
        serde_json::json!([format!(
            "matrix:u/{}",
            carer.user_id().as_str().trim_start_matches('@')
        )]),
        "the invitees, never the people left out"
    );
    let uid = request["uid"].as_str().context("a UID")?.to_owned();
    assert!(uid.starts_with("mtg-") && uid.contains('@'), "{uid}");
    let location = request["location"].as_str().context("a place")?;
    assert!(
        location.starts_with("https://video.kring.test/overleg-mtg-"),
        "{location}"
    );
    // The second suggestion is in the afternoon (the bot alternates 10:00 and 14:00).
    let local_start = request["local_start"].as_str().context("a start")?;
    assert!(local_start.ends_with("T14:00:00"), "{local_start}");
    assert!(agreed.body.contains("14:00–15:00"), "{}", agreed.body);
    // Every poll is closed: nobody votes on them again.
    carer
        .wait_for_poll("every moment's poll ended", |poll| {
            poll.room_id == meeting_room_id && poll.question.starts_with("Moment 3:") && poll.ended
        })
        .await?;
    assert!(
        carer
            .polls()
            .iter()
            .filter(|poll| poll.room_id == meeting_room_id)
            .all(|poll| poll.ended || poll.question.starts_with("Welk moment")),
        "{:#?}",
        carer.polls()
    );

    // The plan: who does what by when; the carer reports it done and the client hears it.
    let due = {
        use chrono::Datelike;
        let day = (chrono::Utc::now() + chrono::Duration::days(40))
            .with_timezone(&kring_core::time::LOCAL_TIME_ZONE)
            .date_naive();
        format!("{}-{}-{}", day.day(), day.month(), day.year())
    };
    let gp_action = ask(
        &network.client,
        &client_meeting,
        &format!("!actie {} belt de school tot {due}", gp.user_id()),
    )
    .await?;
    assert!(gp_action.body.contains("niet (meer)"), "{}", gp_action.body);
    assert!(
        !gp_action.body.contains(gp.user_id().localpart()),
        "who lost the invitation is not named where invitees read: {}",
        gp_action.body
    );
    let action = ask(
        &network.client,
        &client_meeting,
        &format!("!actie {} belt de school tot {due}", carer.user_id()),
    )
    .await?;
    assert!(action.body.contains("Actie 1:"), "{}", action.body);
    assert!(action.body.contains("belt de school"), "{}", action.body);
    let carer_agenda = ask(&carer, &carer_meeting, "!afspraken").await?;
    assert!(carer_agenda.body.contains("privé"), "{}", carer_agenda.body);
    let done = ask(&carer, &carer_meeting, "!actie klaar 1").await?;
    assert!(done.body.contains("actie 1 is gedaan"), "{}", done.body);
    // The client appoints the carer to write the plan down; before that the carer could not.
    let not_yet = ask(&carer, &carer_meeting, "!doel weer naar mijn werk").await?;
    assert!(
        not_yet.body.contains("schrijft het plan op"),
        "{}",
        not_yet.body
    );
    let appointed = ask(
        &network.client,
        &client_meeting,
        &format!("!overleg notulist {}", carer.user_id()),
    )
    .await?;
    assert!(
        appointed.body.contains("schrijft het plan"),
        "{}",
        appointed.body
    );
    let goal = ask(&carer, &carer_meeting, "!doel weer naar mijn werk").await?;
    assert!(goal.body.contains("Doel 1:"), "{}", goal.body);
    let plan = ask(&network.client, &client_meeting, "!actie").await?;
    assert!(plan.body.contains("(gedaan)"), "{}", plan.body);
    assert!(
        plan.body.contains("Doelen:") && plan.body.contains("weer naar mijn werk"),
        "{}",
        plan.body
    );

    // Called off in its room: the calendar gets the cancellation, same UID, next SEQUENCE.
    let cancelled = ask(&network.client, &client_meeting, "!overleg af").await?;
    assert!(cancelled.body.contains("Afgezegd"), "{}", cancelled.body);
    let (_, bytes) = calendar_file(&carer, &network, &meeting_room_id, 2).await?;
    let cancel = read_calendar(&bytes)?;
    assert_eq!(cancel["method"], "CANCEL");
    assert_eq!(cancel["status"], "CANCELLED");
    assert_eq!(cancel["uid"], uid.as_str());
    assert_eq!(cancel["sequence"], 1);

    let actions: Vec<String> = network
        .bot
        .store
        .audit_entries(None)
        .await?
        .into_iter()
        .map(|entry| format!("{} {}", entry.event_type, entry.outcome))
        .filter(|line| line.starts_with("meeting."))
        .collect();
    assert_eq!(
        actions,
        [
            "meeting.propose proposed",
            "meeting.cancel refused",
            "meeting.plan done",
            "meeting.vote done",
            "meeting.vote done",
            "meeting.vote done",
            "meeting.vote done",
            "meeting.vote done",
            "meeting.vote done",
            "meeting.agree done",
            "meeting.action_add done",
            "meeting.action_done done",
            "meeting.goal_add refused",
            "meeting.appoint_recorder done",
            "meeting.goal_add done",
            "meeting.cancel done"
        ]
    );
    Ok(())
}

/// 14:00 in Amsterdam, `days` from `now`: as the client types it, and as the instant it is.
fn afternoon(
    now: chrono::DateTime<chrono::Utc>,
    days: i64,
) -> (String, chrono::DateTime<chrono::Utc>) {
    use chrono::{Datelike, TimeZone};
    let zone = kring_core::time::LOCAL_TIME_ZONE;
    let date = (now + chrono::Duration::days(days))
        .with_timezone(&zone)
        .date_naive();
    let local = date.and_hms_opt(14, 0, 0).expect("a time");
    let instant = zone
        .from_local_datetime(&local)
        .single()
        .expect("14:00 happens once")
        .with_timezone(&chrono::Utc);
    (
        format!("{}-{}-{} 14:00", date.day(), date.month(), date.year()),
        instant,
    )
}

/// A minute after the reminder `minutes_before` a meeting at `at` is due (whole days keep the
/// local time across a change of the clocks, as the bot reckons them).
fn just_after_reminder(
    at: chrono::DateTime<chrono::Utc>,
    minutes_before: u32,
) -> chrono::DateTime<chrono::Utc> {
    let due = kring_core::meeting::before(at.timestamp_millis(), minutes_before);
    kring_core::time::from_millis(due).expect("an instant") + chrono::Duration::minutes(1)
}

fn reminders_seen(member: &TestClient, network: &Network, room_id: &RoomId) -> usize {
    member
        .received()
        .iter()
        .filter(|m| {
            m.sender.as_str() == network.bot.user_id
                && m.room_id == room_id
                && m.body.starts_with("Herinnering:")
        })
        .count()
}

/// Reminders come through the scheduler on the bot's clock (a test clock here): a week before
/// the agreed moment, and the day before an action is due (a poll its person taps when it is
/// done); when the meeting moves, the invitees get the updated `.ics` (same UID,
/// next SEQUENCE) and the reminders move with it; once it is called off, none comes.
#[tokio::test]
async fn reminders_follow_the_meeting_when_it_moves_and_stop_when_it_is_called_off() -> Result<()> {
    use std::sync::Arc;
    let started_at = chrono::Utc::now();
    let clock = Arc::new(kring_core::time::TestClock::at(started_at));
    let network = Network::start_with_clock(clock.clone()).await?;
    let carer = network.add(Persona::Carer, "mantelzorger").await?;
    ask(
        &network.client,
        &network.direct_chat,
        &format!("!toestemming {} afspraken ja", carer.user_id()),
    )
    .await?;
    let (first_typed, first_at) = afternoon(started_at, 21);
    let (second_typed, second_at) = afternoon(started_at, 28);
    let (third_typed, _) = afternoon(started_at, 35);
    let planned = ask(
        &network.client,
        &network.room,
        &format!(
            "!overleg {first_typed}; {third_typed}; met {}",
            carer.user_id()
        ),
    )
    .await?;
    assert!(
        planned.body.contains("Ik heb een overleg klaargezet"),
        "{}",
        planned.body
    );
    let meeting_room_id = carer.wait_for_any_invite().await?;
    let client_meeting = network.client.accept_invite(&meeting_room_id).await?;
    let carer_meeting = carer.accept_invite(&meeting_room_id).await?;
    carer
        .wait_for_poll("the second moment's poll", |poll| {
            poll.room_id == meeting_room_id && poll.question.starts_with("Moment 2:")
        })
        .await?;

    // Chosen from the network room: the details go to the meeting's room only.
    let chosen = ask(&network.client, &network.room, "!overleg kies 1").await?;
    assert!(
        chosen.body.contains("De details staan in de chat Overleg"),
        "{}",
        chosen.body
    );
    assert!(!chosen.body.contains("14:00"), "{}", chosen.body);
    wait_for_bot(
        &carer,
        &network.bot,
        &meeting_room_id,
        "Het overleg is gepland",
    )
    .await?;
    let (_, bytes) = calendar_file(&carer, &network, &meeting_room_id, 1).await?;
    let request = read_calendar(&bytes)?;
    assert_eq!(request["sequence"], 0);
    let uid = request["uid"].as_str().context("a UID")?.to_owned();
    let first_local = first_at
        .with_timezone(&kring_core::time::LOCAL_TIME_ZONE)
        .naive_local()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    assert_eq!(request["local_start"], first_local.as_str());

    // `!afspraken` lists it, in private only.
    let agenda = ask(&network.client, &network.direct_chat, "!afspraken").await?;
    assert!(agenda.body.contains("Uw afspraken"), "{}", agenda.body);
    assert!(agenda.body.contains("14:00–15:00"), "{}", agenda.body);
    let carer_room = carer.room(&network.room_id())?;
    let elsewhere = ask(&carer, &carer_room, "!afspraken").await?;
    assert!(elsewhere.body.contains("privé"), "{}", elsewhere.body);
    assert!(!elsewhere.body.contains("14:00"), "{}", elsewhere.body);

    // A week before: the first reminder.
    clock.set(just_after_reminder(first_at, 7 * 24 * 60));
    let reminder = wait_for_bot(&carer, &network.bot, &meeting_room_id, "Herinnering:").await?;
    assert!(reminder.body.contains("14:00"), "{}", reminder.body);
    assert!(reminder.was_encrypted);

    // An action for the carer, due four days before the meeting: at 09:00 the day before, the
    // carer is asked with a poll, and one tap marks it done for the client to read.
    let due_day = (first_at - chrono::Duration::days(4))
        .with_timezone(&kring_core::time::LOCAL_TIME_ZONE)
        .date_naive();
    let action = ask(
        &network.client,
        &client_meeting,
        &format!(
            "!actie {} belt de school tot {}",
            carer.user_id(),
            due_day.format("%-d-%-m-%Y")
        ),
    )
    .await?;
    assert!(action.body.contains("Actie 1:"), "{}", action.body);
    let nine_the_day_before = {
        use chrono::TimeZone;
        let day = due_day.pred_opt().context("a day before")?;
        kring_core::time::LOCAL_TIME_ZONE
            .from_local_datetime(&day.and_hms_opt(9, 1, 0).context("09:01")?)
            .single()
            .context("09:01 exists")?
            .with_timezone(&chrono::Utc)
    };
    clock.set(nine_the_day_before);
    let asked = carer
        .wait_for_poll("the action's reminder", |poll| {
            poll.room_id == meeting_room_id && poll.question.starts_with("Herinnering voor")
        })
        .await?;
    assert!(
        asked.question.contains("belt de school"),
        "{}",
        asked.question
    );
    let done_answer = asked.answer_containing("gedaan").context("a done answer")?;
    carer
        .vote(&carer_meeting, &asked.event_id, &done_answer)
        .await?;
    wait_for_bot(
        &network.client,
        &network.bot,
        &meeting_room_id,
        "actie 1 is gedaan",
    )
    .await?;
    carer
        .wait_for_poll("the action's poll ended", |poll| {
            poll.event_id == asked.event_id && poll.ended
        })
        .await?;

    // Moved a week on: the updated file, the same UID, the next SEQUENCE.
    let moved = ask(
        &network.client,
        &client_meeting,
        &format!("!overleg verzet {second_typed}"),
    )
    .await?;
    assert!(moved.body.contains("verzet naar"), "{}", moved.body);
    let (_, bytes) = calendar_file(&carer, &network, &meeting_room_id, 2).await?;
    let update = read_calendar(&bytes)?;
    assert_eq!(update["method"], "REQUEST");
    assert_eq!(update["uid"], uid.as_str());
    assert_eq!(update["sequence"], 1);
    let second_local = second_at
        .with_timezone(&kring_core::time::LOCAL_TIME_ZONE)
        .naive_local()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    assert_eq!(update["local_start"], second_local.as_str());

    // The day before the old moment passes without a reminder (it moved); a week before the
    // new one, its reminder comes: two in all.
    clock.set(just_after_reminder(first_at, 24 * 60));
    clock.set(just_after_reminder(second_at, 7 * 24 * 60));
    carer
        .wait_for("the moved meeting's reminder", |m| {
            m.room_id == meeting_room_id && m.body.starts_with("Herinnering:") && {
                reminders_seen(&carer, &network, &meeting_room_id) >= 2
            }
        })
        .await?;
    assert_eq!(reminders_seen(&carer, &network, &meeting_room_id), 2);

    // Called off: the cancellation file, and no reminder after it.
    let cancelled = ask(&network.client, &client_meeting, "!overleg af").await?;
    assert!(cancelled.body.contains("Afgezegd"), "{}", cancelled.body);
    let (_, bytes) = calendar_file(&carer, &network, &meeting_room_id, 3).await?;
    let cancel = read_calendar(&bytes)?;
    assert_eq!(cancel["method"], "CANCEL");
    assert_eq!(cancel["sequence"], 2);
    assert_eq!(cancel["uid"], uid.as_str());
    clock.set(second_at - chrono::Duration::minutes(30));
    // The bot's worker looks for due timers every second; a command in the network's lane,
    // answered after that, comes after anything those timers would have said.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    ask(&network.client, &network.room, "!netwerk").await?;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        reminders_seen(&carer, &network, &meeting_room_id),
        2,
        "no reminder of a meeting called off"
    );
    let actions: Vec<String> = network
        .bot
        .store
        .audit_entries(None)
        .await?
        .into_iter()
        .map(|entry| entry.event_type)
        .filter(|code| code.starts_with("meeting."))
        .collect();
    assert_eq!(
        actions,
        [
            "meeting.plan",
            "meeting.agree",
            "meeting.action_add",
            "meeting.action_done",
            "meeting.move",
            "meeting.cancel"
        ]
    );
    Ok(())
}

/// Choosing with one tap per person: the GP may not see appointments, so the GP's poll offers
/// "Uitnodigen, en mag de afspraken zien"; the client's tap gives that consent and invites, and
/// only "Versturen" lets the GP know of the meeting at all.
#[tokio::test]
async fn one_tap_invites_the_gp_and_gives_the_consent_in_the_same_step() -> Result<()> {
    let network = Network::start().await?;
    let gp = network.add(Persona::Professional, "fact GGZ Noord").await?;
    let direct_chat = network.direct_chat.room_id().to_owned();
    let started = ask(&network.client, &network.direct_chat, "!overleg voorstel").await?;
    assert!(
        started.body.contains("Wie nodigt u uit?"),
        "{}",
        started.body
    );
    let gp_poll = network
        .client
        .wait_for_poll("the GP's poll", |poll| {
            poll.room_id == direct_chat && poll.question.contains(gp.user_id().localpart())
        })
        .await?;
    let invite = gp_poll
        .answer_containing("mag de afspraken zien")
        .context("inviting gives consent")?;
    network
        .client
        .vote(&network.direct_chat, &gp_poll.event_id, &invite)
        .await?;
    let chosen = wait_for_bot(
        &network.client,
        &network.bot,
        &direct_chat,
        "mag vanaf nu de afspraken zien",
    )
    .await?;
    assert!(chosen.body.contains("wordt uitgenodigd"), "{}", chosen.body);
    let store = &network.bot.store;
    let network_id = store
        .network_by_room(network.room_id().as_str())
        .await?
        .context("the network")?
        .id;
    let consent = store.consent(&network_id).await?;
    let gp_subject = kring_core::consent::Subject::Member {
        user: kring_core::MatrixId::parse(gp.user_id().as_str())?,
    };
    assert!(
        consent.grants.iter().any(|grant| {
            grant.kind == kring_core::consent::InfoKind::Appointments
                && grant.subject == gp_subject
                && grant.revoked_at.is_none()
        }),
        "the consent is stored: {:?}",
        consent.grants
    );
    assert!(
        gp.client.invited_rooms().is_empty(),
        "nothing sent before Versturen"
    );

    let start = send_the_invitations(&network).await?;
    let meeting_room = gp.wait_for_any_invite().await?;
    gp.accept_invite(&meeting_room).await?;
    let polls = moment_polls(&gp, &meeting_room).await?;
    assert_eq!(polls.len(), 3, "the GP answers the moments");
    // Choosing is over: its polls are ended in the private chat.
    network
        .client
        .wait_for_poll("the start poll ended", |poll| {
            poll.event_id == start.event_id && poll.ended
        })
        .await?;
    Ok(())
}
