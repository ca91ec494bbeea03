//! `kring audit verify` and `kring audit export`: the tamper-evident audit log, checked and
//! handed out as JSON lines.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use kring_core::audit::ChainBreak;
use kring_store::Store;
use std::io::Write;
use std::path::Path;

/// Walks the whole chain. An intact log prints its size; a broken one names the first broken
/// entry and fails.
pub async fn verify(config: &Config) -> Result<()> {
    let store = Store::connect(&config.database_url()?)
        .await
        .context("opening Kring's database")?;
    match store.audit_verify().await? {
        Ok(count) => {
            println!("audit log intact: {count} entries");
            Ok(())
        }
        Err((seq, why)) => {
            let why = match why {
                ChainBreak::Gap { expected_seq } => {
                    format!("entries from #{expected_seq} up to this one are missing")
                }
                ChainBreak::WrongPrevious => "it does not follow the entry before it".to_owned(),
                ChainBreak::WrongHash => "its content was changed after it was written".to_owned(),
            };
            bail!("audit log broken at entry #{seq}: {why}")
        }
    }
}

/// Writes one network's entries (with their chain fields) as JSON lines to `output` or stdout.
pub async fn export(config: &Config, network_id: &str, output: Option<&Path>) -> Result<()> {
    let store = Store::connect(&config.database_url()?)
        .await
        .context("opening Kring's database")?;
    if store.network(network_id).await?.is_none() {
        bail!("there is no network {network_id}");
    }
    let entries = store.audit_entries(Some(network_id)).await?;
    let mut text = String::new();
    for entry in &entries {
        text.push_str(&serde_json::to_string(entry)?);
        text.push('\n');
    }
    match output {
        Some(path) => kring_store::private_file::write_private(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    eprintln!("{} entries of network {network_id}", entries.len());
    Ok(())
}
