//! `cargo bench -p kring --bench click`: timing as a person feels it, in Element Web in headless
//! Chromium against one real Synapse and the real bot.
//!
//! 1. A proposal: from finding and tapping "Ja, dat mag" on the poll under the prompt to the
//!    bot's confirmation visible in the client's Element.
//! 2. The floor: from pressing Enter on a plain message in one person's Element to that message
//!    visible in another person's Element.
//!
//! Median and p95 over `KRING_BENCH_CLICKS` runs (default 20) each, and their ratio.

use anyhow::Result;
use kring_testbed::{
    ElementPerson, ElementWeb, InProcessBot, Persona, TestClient, TestSynapse, fresh_sqlite_url,
    percentile,
};
use std::time::Instant;

#[tokio::main]
async fn main() -> Result<()> {
    let runs: usize = std::env::var("KRING_BENCH_CLICKS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .unwrap_or(20);
    let synapse = TestSynapse::start().await?;
    let dir = tempfile::tempdir()?;
    let bot = InProcessBot::start(&synapse, &fresh_sqlite_url(dir.path())).await?;
    let element = ElementWeb::serve(&synapse).await?;

    // Each person has a matrix-sdk device that made their cross-signing identity, and signs in
    // to Element before the network exists (a device only reads what is sent after it
    // exists). The first device then confirms the Element one, as a person does with a new
    // device: the bot acts only on devices their owner signed.
    let client_account = synapse.register(Persona::Client).await?;
    let gp_account = synapse.register(Persona::Professional).await?;
    let client = TestClient::login(&synapse.base_url(), &client_account).await?;
    let gp = TestClient::login(&synapse.base_url(), &gp_account).await?;
    let mut client_in_element =
        ElementPerson::sign_in(&element, &client_account, "bench-client").await?;
    let gp_in_element = ElementPerson::sign_in(&element, &gp_account, "bench-gp").await?;
    client.confirm_my_other_devices().await?;
    gp.confirm_my_other_devices().await?;

    // The network is set up from the matrix-sdk devices, quicker than clicking through it.
    let direct_chat = client.open_direct_chat(&bot.user_id).await?;
    client.send_text(&direct_chat, "!start").await?;
    let room_id = client.wait_for_any_invite().await?;
    let room = client.accept_invite(&room_id).await?;
    client
        .send_text(
            &room,
            &format!(
                "!uitnodigen {} huisarts Praktijk De Linde",
                gp_account.user_id
            ),
        )
        .await?;
    gp.wait_for_any_invite().await?;
    gp.accept_invite(&room_id).await?;
    // The other devices just signed in ("Yes, it was me"); Element also offers to set up
    // recovery ("Not now").
    for person in [&client_in_element, &gp_in_element] {
        for toast in ["Yes, it was me", "Not now", "Dismiss"] {
            person.click_button_if_shown(toast).await?;
        }
    }
    client_in_element.open_room("Kring").await?;
    gp_in_element.open_room("Kring").await?;
    client_in_element.wait_for_message("Welkom").await?;

    let mut clicks = Vec::new();
    for run in 1..=runs {
        let someone = synapse.register(Persona::Carer).await?;
        // Typed in the GP's Element, as a person would.
        gp_in_element
            .send(&format!("!uitnodigen {} mantelzorger", someone.user_id))
            .await?;
        let prompt = format!("Voorstel {run}:");
        client_in_element.wait_for_message(&prompt).await?;
        let started = Instant::now();
        client_in_element.vote("Ja, dat mag").await?;
        client_in_element
            .wait_for_message(&format!("Voorstel {run} is aangenomen"))
            .await?;
        clicks.push(started.elapsed());
        if run == 1 {
            client_in_element
                .browser
                .screenshot("proposal-approved")
                .await?;
        }
        eprint!(".");
    }
    eprintln!();

    let mut messages = Vec::new();
    for run in 1..=runs {
        let text = format!("Hallo, bericht {run}");
        gp_in_element.send(&text).await?;
        let started = Instant::now();
        client_in_element.wait_for_message(&text).await?;
        messages.push(started.elapsed());
        eprint!(".");
    }
    eprintln!();

    client_in_element
        .browser
        .screenshot("after-the-runs")
        .await?;
    let warnings = client_in_element.warnings_on_bot_messages().await?;
    let (click_median, click_p95) = (percentile(&mut clicks, 50), percentile(&mut clicks, 95));
    let (message_median, message_p95) =
        (percentile(&mut messages, 50), percentile(&mut messages, 95));
    println!("tap on the poll → confirmation visible: median {click_median:?}, p95 {click_p95:?}");
    println!("Enter → message visible to another: median {message_median:?}, p95 {message_p95:?}");
    println!(
        "ratio: median {:.2}x, p95 {:.2}x",
        click_median.as_secs_f64() / message_median.as_secs_f64(),
        click_p95.as_secs_f64() / message_p95.as_secs_f64()
    );
    println!("warnings on the bot's messages in the client's Element: {warnings:?}");
    Ok(())
}
