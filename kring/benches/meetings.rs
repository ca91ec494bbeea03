//! `cargo bench -p kring --bench meetings`: resource-group meetings against the physical floor,
//! in one run on one real Synapse with real end-to-end encryption.
//!
//! 1. Date finding: the client plans a meeting with a family carer, both answer every moment's
//!    poll in the meeting's room; timed are the client's last vote until the choice poll is
//!    visible to the client, and the client's tap on it until the carer sees the announcement
//!    and then its `.ics`. Next to each, a round trip from the same client to a plain E2EE
//!    client that echoes, interleaved, as the floor. `KRING_BENCH_MEETINGS` meetings (default 10).
//! 2. Under load: `KRING_BENCH_MEETING_NETWORKS` more networks (default 20) on the same bot,
//!    each with a meeting waiting for its client's last vote; every client votes at once, and
//!    the time until each sees the choice poll is set beside every client pinging the echo at
//!    once.
//! 3. The scheduler: `KRING_BENCH_TIMERS` timers (default 10,000) come due over
//!    `KRING_BENCH_TIMER_SECONDS` (default 20) in 100 lanes while the bot runs; timed are when each
//!    fired (became an inbox entry) and when the bot was done with it, minus when it was due.
//!    They are meeting timers of meetings that do not exist, so each one is the whole path
//!    (scheduler, inbox, lane, the meeting's rules) and finds nothing to say: what is measured is
//!    the scheduler, not Synapse.
//!
//! It prints medians and ratios, and asserts only that everything it waits for arrives.

use anyhow::{Context, Result, ensure};
use kring_core::plan::{Change, Plan, Timer};
use kring_store::{InboxKind, NewInboxEntry, fired_timer_event_id};
use kring_testbed::bench::{env_number, install_echo, ms, ratio, round_trip};
use kring_testbed::network::{ClientNetwork, Network, ask, moment_polls, wait_for_bot};
use kring_testbed::{Persona, ReceivedPoll, TestClient, now_millis, percentile};
use matrix_sdk::ruma::OwnedRoomId;
use std::time::{Duration, Instant};

/// The floor's answer, an echo round trip, is taken before each timed step.
struct Sample {
    echo_before_vote: Duration,
    vote_to_choice: Duration,
    echo_before_tap: Duration,
    tap_to_announcement: Duration,
    tap_to_calendar: Duration,
}

#[tokio::main]
async fn main() -> Result<()> {
    let meetings = env_number("KRING_BENCH_MEETINGS", 10)?;
    let timers = env_number("KRING_BENCH_TIMERS", 10_000)?;
    let spread = Duration::from_secs(env_number("KRING_BENCH_TIMER_SECONDS", 20)? as u64);

    let network = Network::start().await?;
    let carer = network.add(Persona::Carer, "mantelzorger").await?;
    let consent = ask(
        &network.client,
        &network.direct_chat,
        &format!("!toestemming {} afspraken ja", carer.user_id()),
    )
    .await?;
    ensure!(consent.body.contains("afspraken"), "{}", consent.body);
    let echo = TestClient::login(
        &network.synapse.base_url(),
        &network.synapse.register(Persona::Professional).await?,
    )
    .await?;
    install_echo(&echo);
    let echo_room = network.client.open_direct_chat_with(&echo).await?;
    // Warm the echo's room up (its first message waits for keys).
    round_trip(&network.client, &echo_room, "ping").await?;

    let mut samples = Vec::with_capacity(meetings);
    for round in 1..=meetings {
        let sample = one_meeting(&network, &carer, &echo_room).await?;
        eprintln!(
            "meeting {round}/{meetings}: vote → choice {:.0} ms (echo {:.0}), tap → announcement {:.0} ms, → .ics {:.0} ms (echo {:.0})",
            ms(sample.vote_to_choice),
            ms(sample.echo_before_vote),
            ms(sample.tap_to_announcement),
            ms(sample.tap_to_calendar),
            ms(sample.echo_before_tap),
        );
        samples.push(sample);
    }

    let networks = env_number("KRING_BENCH_MEETING_NETWORKS", 20)?;
    eprintln!("under load: {networks} networks at once");
    let (mut load_echo, mut load_votes) = under_load(&network, &echo, networks).await?;

    eprintln!("scheduler: {timers} timers due over {} s", spread.as_secs());
    let (mut fired, mut done) = scheduler_lateness(&network, timers, spread).await?;

    let mut echo_times: Vec<Duration> = samples
        .iter()
        .flat_map(|s| [s.echo_before_vote, s.echo_before_tap])
        .collect();
    let echo_median = percentile(&mut echo_times, 50);
    let echo_p95 = percentile(&mut echo_times, 95);
    let column =
        |pick: fn(&Sample) -> Duration| -> Vec<Duration> { samples.iter().map(pick).collect() };
    println!();
    println!("| meetings ({meetings}), ms | median | p95 | ratio to the echo, median / p95 |");
    println!("|---|---|---|---|");
    println!(
        "| plain E2EE echo round trip (floor) | {:.0} | {:.0} | 1.00x / 1.00x |",
        ms(echo_median),
        ms(echo_p95)
    );
    for (title, mut times) in [
        (
            "last vote → the client sees the choice poll",
            column(|s| s.vote_to_choice),
        ),
        (
            "the client's tap → the carer sees the announcement",
            column(|s| s.tap_to_announcement),
        ),
        (
            "the client's tap → the carer has the `.ics`",
            column(|s| s.tap_to_calendar),
        ),
    ] {
        let (median, p95) = (percentile(&mut times, 50), percentile(&mut times, 95));
        println!(
            "| {title} | {:.0} | {:.0} | {:.2}x / {:.2}x |",
            ms(median),
            ms(p95),
            ratio(median, echo_median),
            ratio(p95, echo_p95)
        );
    }
    println!();
    println!(
        "| {networks} networks at once, ms | median | p95 | ratio to the echo, median / p95 |"
    );
    println!("|---|---|---|---|");
    let (load_echo_median, load_echo_p95) = (
        percentile(&mut load_echo, 50),
        percentile(&mut load_echo, 95),
    );
    println!(
        "| every client pings the echo at once (floor) | {:.0} | {:.0} | 1.00x / 1.00x |",
        ms(load_echo_median),
        ms(load_echo_p95)
    );
    let (vote_median, vote_p95) = (
        percentile(&mut load_votes, 50),
        percentile(&mut load_votes, 95),
    );
    println!(
        "| every client's last vote at once → their choice poll | {:.0} | {:.0} | {:.2}x / {:.2}x |",
        ms(vote_median),
        ms(vote_p95),
        ratio(vote_median, load_echo_median),
        ratio(vote_p95, load_echo_p95)
    );
    println!();
    println!(
        "| scheduler, {timers} timers over {} s, ms late | p50 | p99 | max | p99 / echo median |",
        spread.as_secs()
    );
    println!("|---|---|---|---|---|");
    for (title, times) in [
        ("fired (in the inbox)", &mut fired),
        ("done (planned and carried out)", &mut done),
    ] {
        let (p50, p99, max) = (
            percentile(times, 50),
            percentile(times, 99),
            percentile(times, 100),
        );
        println!(
            "| {title} | {:.0} | {:.0} | {:.0} | {:.2}x |",
            ms(p50),
            ms(p99),
            ms(max),
            ratio(p99, echo_median)
        );
    }
    Ok(())
}

/// A meeting of `client`'s network planned with `carer`, both in its room, every moment
/// answered but the client's last one.
struct ReadyToChoose {
    room_id: OwnedRoomId,
    client_room: matrix_sdk::Room,
    last: ReceivedPoll,
}

async fn ready_to_choose(
    client: &TestClient,
    network_room: &matrix_sdk::Room,
    carer: &TestClient,
) -> Result<ReadyToChoose> {
    let planned = ask(
        client,
        network_room,
        &format!("!overleg voorstel; met {}", carer.user_id()),
    )
    .await?;
    ensure!(
        planned.body.contains("Ik heb een overleg klaargezet"),
        "{}",
        planned.body
    );
    let room_id = client.wait_for_any_invite().await?;
    let client_room = client.accept_invite(&room_id).await?;
    ensure!(
        carer.wait_for_any_invite().await? == room_id,
        "the carer is invited to the same room"
    );
    let carer_room = carer.accept_invite(&room_id).await?;
    let carer_polls = moment_polls(carer, &room_id).await?;
    let client_polls = moment_polls(client, &room_id).await?;
    for poll in &carer_polls {
        carer.vote(&carer_room, &poll.event_id, &yes(poll)?).await?;
    }
    let (last, earlier) = client_polls.split_last().context("moment polls")?;
    for poll in earlier {
        client
            .vote(&client_room, &poll.event_id, &yes(poll)?)
            .await?;
    }
    Ok(ReadyToChoose {
        room_id,
        client_room,
        last: last.clone(),
    })
}

/// From the client's last vote until the client sees the choice poll.
async fn last_vote(client: &TestClient, ready: &ReadyToChoose) -> Result<(Duration, ReceivedPoll)> {
    let voted = Instant::now();
    client
        .vote(&ready.client_room, &ready.last.event_id, &yes(&ready.last)?)
        .await?;
    let choice = client
        .wait_for_poll("the client's choice", |poll| {
            poll.room_id == ready.room_id && poll.question.starts_with("Welk moment kiest u")
        })
        .await?;
    Ok((voted.elapsed(), choice))
}

/// One meeting from planning to the calendar file, then called off for the next round.
async fn one_meeting(
    network: &Network,
    carer: &TestClient,
    echo_room: &matrix_sdk::Room,
) -> Result<Sample> {
    let ready = ready_to_choose(&network.client, &network.room, carer).await?;
    // The earlier votes are taken in before the last one is timed.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let echo_before_vote = round_trip(&network.client, echo_room, "ping").await?;
    let (vote_to_choice, choice) = last_vote(&network.client, &ready).await?;
    let room_id = &ready.room_id;

    let echo_before_tap = round_trip(&network.client, echo_room, "ping").await?;
    let best = choice
        .answer_containing("(beste)")
        .context("the best moment is marked")?;
    let tapped = Instant::now();
    network
        .client
        .vote(&ready.client_room, &choice.event_id, &best)
        .await?;
    let announcement = wait_for_bot(carer, &network.bot, room_id, "Het overleg is gepland").await?;
    let calendar = carer
        .wait_for("the calendar file", |m| {
            &m.room_id == room_id && m.file.is_some() && m.body == "overleg.ics"
        })
        .await?;
    let sample = Sample {
        echo_before_vote,
        vote_to_choice,
        echo_before_tap,
        tap_to_announcement: announcement.arrived_at.duration_since(tapped),
        tap_to_calendar: calendar.arrived_at.duration_since(tapped),
    };
    let off = ask(&network.client, &network.room, "!overleg af").await?;
    ensure!(off.in_reply_to.is_some(), "{}", off.body);
    Ok(sample)
}

/// `count` networks on the same bot, each with a meeting waiting for the client's last vote;
/// then every client votes at once, and, before that, every client pings the echo at once.
async fn under_load(
    network: &Network,
    echo: &TestClient,
    count: usize,
) -> Result<(Vec<Duration>, Vec<Duration>)> {
    let mut parties = Vec::with_capacity(count);
    for n in 1..=count {
        let other = ClientNetwork::open(&network.synapse, &network.bot).await?;
        let carer = other
            .add(
                &network.synapse,
                &network.bot,
                Persona::Carer,
                "mantelzorger",
            )
            .await?;
        ask(
            &other.client,
            &other.direct_chat,
            &format!("!toestemming {} afspraken ja", carer.user_id()),
        )
        .await?;
        let echo_room = other.client.open_direct_chat_with(echo).await?;
        round_trip(&other.client, &echo_room, "ping").await?;
        let ready = ready_to_choose(&other.client, &other.room, &carer).await?;
        eprintln!("under load: network {n}/{count} ready");
        parties.push((other, carer, echo_room, ready));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let echo_times = futures_util::future::try_join_all(
        parties
            .iter()
            .map(|(other, _, echo_room, _)| round_trip(&other.client, echo_room, "ping")),
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let vote_times = futures_util::future::try_join_all(
        parties
            .iter()
            .map(|(other, _, _, ready)| async move { last_vote(&other.client, ready).await }),
    )
    .await?
    .into_iter()
    .map(|(time, _)| time)
    .collect();
    Ok((echo_times, vote_times))
}

fn yes(poll: &ReceivedPoll) -> Result<String> {
    poll.answer_containing("Ja").context("a yes answer")
}

/// How late each of `count` timers, due evenly over `spread`, fired and was done with.
async fn scheduler_lateness(
    network: &Network,
    count: usize,
    spread: Duration,
) -> Result<(Vec<Duration>, Vec<Duration>)> {
    const LANES: usize = 100;
    let store = &network.bot.store;
    let bot = network.bot.user_id.as_str();
    // The timers are written by a plan of an entry of another inbox, so the bot never answers
    // the setup itself (timers belong to no bot; the running one fires them).
    let (setup, cause) = ("@bench-setup:kring.bench", "$bench-scheduler");
    store
        .inbox_insert(
            setup,
            &NewInboxEntry {
                event_id: cause.into(),
                room_id: String::new(),
                sender: String::new(),
                kind: InboxKind::Command,
                body: Some(String::new()),
                encrypted_event: None,
                origin_ts: now_millis(),
            },
        )
        .await?;
    let lanes: Vec<OwnedRoomId> = (0..LANES)
        .map(|lane| OwnedRoomId::try_from(format!("!bench-lane-{lane}:kring.bench")))
        .collect::<Result<_, _>>()?;
    // Ten seconds to write them before the first is due.
    let first_due = now_millis() + 10_000;
    let step = spread.as_millis() as i64 / count.max(1) as i64;
    let mut plan = Plan::new();
    let mut due = Vec::with_capacity(count);
    for n in 0..count {
        let due_at = first_due + n as i64 * step;
        due.push((format!("bench-{n}"), due_at));
        plan.change(Change::ScheduleTimer(Timer {
            capability: kring_core::meeting::TIMERS.to_owned(),
            key: format!("bench-{n}"),
            due_at,
            room_id: Some(lanes[n % LANES].clone()),
            // The meeting capability's own payload (bots/src/capabilities/meeting/timers.rs),
            // for a meeting that does not exist.
            payload: serde_json::json!({"meeting_id": format!("mtg-bench-{n}"), "purpose": "answers"}),
        }));
    }
    let written = Instant::now();
    ensure!(
        store.apply_plan(setup, cause, &plan).await?,
        "the timers were written"
    );
    ensure!(
        now_millis() < first_due,
        "writing {count} timers took {:.1} s, past the first one's time",
        written.elapsed().as_secs_f64()
    );
    eprintln!(
        "scheduler: {count} timers written in {:.1} s",
        written.elapsed().as_secs_f64()
    );
    let last_due = due.last().map_or(first_due, |(_, at)| *at);
    tokio::time::sleep(Duration::from_millis(
        (last_due - now_millis()).max(0) as u64
    ))
    .await;

    let capability = kring_core::meeting::TIMERS;
    let started = Instant::now();
    loop {
        let (mut fired, mut done) = (Vec::with_capacity(count), Vec::with_capacity(count));
        for (key, due_at) in &due {
            let fired_at = store
                .timer(capability, key)
                .await?
                .and_then(|timer| timer.fired_at);
            let answered_at = store
                .inbox_entry(bot, &fired_timer_event_id(capability, key, *due_at))
                .await?
                .and_then(|entry| entry.answered_at);
            if let (Some(fired_at), Some(answered_at)) = (fired_at, answered_at) {
                fired.push(late(fired_at, *due_at));
                done.push(late(answered_at, *due_at));
            }
        }
        if fired.len() == count {
            return Ok((fired, done));
        }
        ensure!(
            started.elapsed() < Duration::from_secs(600),
            "only {} of {count} timers were done ten minutes after the last was due",
            fired.len()
        );
        eprintln!("scheduler: {} of {count} done", fired.len());
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

fn late(at: i64, due_at: i64) -> Duration {
    Duration::from_millis((at - due_at).max(0) as u64)
}
