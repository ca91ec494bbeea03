//! What the benchmarks share: the physical floor (a plain E2EE client that echoes), a round trip,
//! a process's CPU time and memory from `/proc`, and how numbers are printed and configured.

use crate::{TestClient, percentile};
use anyhow::{Context, Result};
use matrix_sdk::Room;
use matrix_sdk::ruma::events::relation::Reply;
use matrix_sdk::ruma::events::room::message::{
    OriginalSyncRoomMessageEvent, Relation, RoomMessageEventContent,
};
use std::time::{Duration, Instant};

/// The physical floor: an ordinary client that answers every text with a reply, encrypted.
pub fn install_echo(echo: &TestClient) {
    let own = echo.user_id().to_owned();
    echo.client
        .add_event_handler(move |event: OriginalSyncRoomMessageEvent, room: Room| {
            let own = own.clone();
            async move {
                if event.sender == own {
                    return;
                }
                let mut content = RoomMessageEventContent::notice_plain("pong");
                content.relates_to = Some(Relation::Reply(Reply::with_event_id(
                    event.event_id.clone(),
                )));
                let _ = room.send(content).await;
            }
        });
}

/// From sending `text` in `room` to the first reply to it reaching `member`.
pub async fn round_trip(member: &TestClient, room: &Room, text: &str) -> Result<Duration> {
    let started = Instant::now();
    let event_id = member.send_text(room, text).await?;
    let reply = member.wait_for_reply_to(&event_id).await?;
    Ok(reply.arrived_at.duration_since(started))
}

/// The median and p95 of the echo's and the bot's round trips, and their ratios, as a table.
pub fn round_trip_table(title: &str, echo: &mut [Duration], bot: &mut [Duration]) -> String {
    let (echo_median, echo_p95) = (percentile(echo, 50), percentile(echo, 95));
    let (bot_median, bot_p95) = (percentile(bot, 50), percentile(bot, 95));
    [
        format!("| {title:<28} | median | p95    |"),
        "|------------------------------|--------|--------|".to_owned(),
        format!(
            "| plain E2EE echo (floor)      | {:>6.0} | {:>6.0} |",
            ms(echo_median),
            ms(echo_p95)
        ),
        format!(
            "| bot, !help                   | {:>6.0} | {:>6.0} |",
            ms(bot_median),
            ms(bot_p95)
        ),
        format!(
            "| ratio bot / echo             | {:>5.2}x | {:>5.2}x |",
            ratio(bot_median, echo_median),
            ratio(bot_p95, echo_p95)
        ),
    ]
    .join("\n")
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(f64::EPSILON)
}

/// User plus system CPU time of a process so far.
pub fn cpu_time(pid: u32) -> Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces; the fields after it are fixed (utime and stime are the
    // 14th and 15th of the line).
    let after_name = stat.rsplit_once(')').context("a /proc stat line")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    // SAFETY: sysconf only reads a constant of the system.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Ok(Duration::from_millis(ticks * 1000 / per_second))
}

/// A process's resident memory in kB.
pub fn resident_kb(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in /proc")
}

/// The text of a service's Prometheus `/metrics`, or `None` when it does not answer (yet).
pub async fn scrape_metrics(base_url: &str) -> Option<String> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .ok()?;
    let response = http.get(format!("{base_url}/metrics")).send().await.ok()?;
    response.text().await.ok()
}

/// The value of the unlabelled sample `name` in Prometheus text.
pub fn metric_value(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(' '))
        })
        .and_then(|line| line.split_whitespace().last()?.parse().ok())
}

/// A number from the environment, or `default` when it is not set.
pub fn env_number(name: &str, default: usize) -> Result<usize> {
    std::env::var(name)
        .ok()
        .map(|value| value.parse().with_context(|| format!("{name}={value}")))
        .transpose()
        .map(|value| value.unwrap_or(default))
}
