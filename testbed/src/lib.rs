//! What Kring's tests stand on: a real Synapse per test (pinned, from the cached virtual
//! environment, SQLite, loopback, a free port, a temporary directory), a real PostgreSQL per test
//! process, and ready end-to-end-encrypted clients and bots. No fake homeserver anywhere.

// matrix-sdk's futures are deep; proving a spawned sync loop `Send` needs more than 128 steps.
#![recursion_limit = "256"]

pub mod bench;
mod bot;
mod browser;
mod client;
mod consent;
mod element;
pub mod network;
mod postgres;
mod proxy;
mod python_tool;
mod restart_storm;
mod synapse;

pub use bot::{BotProcess, InProcessBot};
pub use browser::{Browser, artifacts_dir};
pub use client::{ReceivedMessage, ReceivedPoll, TestClient};
pub use consent::{consent_ending_at, now_millis};
pub use element::{ElementPerson, ElementWeb};
pub use fantoccini::Locator;
pub use postgres::{fresh_postgres_url, fresh_sqlite_url};
pub use proxy::HoldingProxy;
pub use python_tool::{python_tool, run_python};
pub use restart_storm::{
    RepliesCounted, StormPlan, StormReport, count_replies_in_history, plan_from_env, restart_storm,
};
pub use synapse::{Persona, TestAccount, TestSynapse, synapse_install};

/// A ceiling for waiting on something that normally takes well under a second, generous enough
/// for a loaded two-core CI machine.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs each listed async check (`async fn name(store: kring_store::Store) -> anyhow::Result<()>`)
/// against a fresh SQLite database and a fresh PostgreSQL database, as two named tests: the same
/// behaviour on both is the promise of DESIGN.md.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() -> anyhow::Result<()> {
                    let dir = tempfile::tempdir()?;
                    let store = kring_store::Store::connect(&$crate::fresh_sqlite_url(dir.path())).await?;
                    super::$name(store).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() -> anyhow::Result<()> {
                    let store = kring_store::Store::connect(&$crate::fresh_postgres_url().await?).await?;
                    super::$name(store).await
                }
            )*
        }
    };
}

/// The `percent` percentile (nearest rank) of `samples`, for the benchmarks' medians and p95s.
pub fn percentile(samples: &mut [std::time::Duration], percent: usize) -> std::time::Duration {
    samples.sort();
    let index = ((samples.len() * percent).div_ceil(100))
        .saturating_sub(1)
        .min(samples.len() - 1);
    samples[index]
}
