//! `kring consults export`: the region's beheer gets the consults asked in a period, as CSV or
//! JSON (`kring_core::consult::export`): who asked whom, each step's time, the deadline and
//! whether it was kept, the outcome, the minutes spent and the funding route; never what a
//! consult was about.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use kring_core::consult::export::{ExportRow, to_csv};
use kring_store::Store;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// The consults asked from the start of `from` up to the start of `to` (Amsterdam days).
pub async fn export(
    config: &Config,
    from: NaiveDate,
    to: NaiveDate,
    format: ExportFormat,
    output: Option<&Path>,
) -> Result<()> {
    if to <= from {
        bail!("the period ends ({to}) before it starts ({from})");
    }
    let start = |day: NaiveDate| {
        kring_core::time::start_of_local_day(day)
            .map(kring_core::time::to_millis)
            .context("a day out of range")
    };
    let store = Store::connect(&config.database_url()?)
        .await
        .context("opening Kring's database")?;
    let now = kring_core::time::to_millis(chrono::Utc::now());
    let rows: Vec<ExportRow> = store
        .consults_asked_between(start(from)?, start(to)?)
        .await?
        .iter()
        .map(|stored| stored.export_row(now, config.consults.funding_route.as_deref()))
        .collect();
    let text = match format {
        ExportFormat::Csv => to_csv(&rows),
        ExportFormat::Json => serde_json::to_string_pretty(&rows)? + "\n",
    };
    match output {
        Some(path) => kring_store::private_file::write_private(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    eprintln!("{} consults asked from {from} up to {to}", rows.len());
    Ok(())
}
