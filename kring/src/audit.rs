//! `kring audit verify`, `kring audit anchor` and `kring audit export`: the tamper-evident
//! audit log, checked (also against anchors kept outside the database) and handed out as JSON
//! lines.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use kring_core::audit::{AnchorBreak, AuditAnchor, ChainBreak, check_anchor};
use kring_store::Store;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Walks the whole chain. An intact log prints its size; a broken one names the first broken
/// entry and fails.
pub async fn verify(config: &Config) -> Result<()> {
    let store = Store::connect(&config.database_url()?)
        .await
        .context("opening Kring's database")?;
    match store.audit_verify().await? {
        Ok(count) => {
            let anchors = read_anchors(&config.audit_anchor_path())?;
            let entries = store.audit_entries(None).await?;
            for anchor in &anchors {
                let taken =
                    kring_core::messages::date_and_time(kring_core::Language::English, anchor.at);
                match check_anchor(&entries, anchor) {
                    None => {}
                    Some(AnchorBreak::Missing { seq }) => bail!(
                        "audit log cut short: entry #{seq}, anchored on {taken}, is gone \
                         (the log now ends at #{count})"
                    ),
                    Some(AnchorBreak::Differs { seq }) => bail!(
                        "audit log rewritten: entry #{seq} is not the one anchored on {taken}"
                    ),
                }
            }
            match anchors.last() {
                Some(newest) => println!(
                    "audit log intact: {count} entries, agreeing with {} anchors (the newest at #{})",
                    anchors.len(),
                    newest.seq
                ),
                None => println!("audit log intact: {count} entries (no anchors taken yet)"),
            }
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

/// Appends the newest entry's number and hash to the anchor file, after checking the chain:
/// anchoring a broken log would vouch for it.
pub async fn anchor(config: &Config) -> Result<()> {
    let store = Store::connect(&config.database_url()?)
        .await
        .context("opening Kring's database")?;
    if let Err((seq, _)) = store.audit_verify().await? {
        bail!(
            "the audit log is broken at entry #{seq}; run `kring audit verify` and anchor nothing"
        );
    }
    let entries = store.audit_entries(None).await?;
    let Some(newest) = entries.last() else {
        println!("the audit log is empty: nothing to anchor yet");
        return Ok(());
    };
    let anchor = AuditAnchor {
        seq: newest.seq,
        hash: newest.hash.clone(),
        at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis() as i64,
    };
    let path = config.audit_anchor_path();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("opening the anchor file {}", path.display()))?;
    writeln!(file, "{}", serde_json::to_string(&anchor)?)
        .with_context(|| format!("writing the anchor file {}", path.display()))?;
    file.sync_all()?;
    println!("anchored entry #{} in {}", anchor.seq, path.display());
    Ok(())
}

/// The anchors taken so far, oldest first; none when the file does not exist yet.
fn read_anchors(path: &Path) -> Result<Vec<AuditAnchor>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => {
            return Err(error)
                .with_context(|| format!("reading the anchor file {}", path.display()));
        }
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).with_context(|| {
                format!(
                    "line {} of the anchor file {} is not an anchor",
                    index + 1,
                    path.display()
                )
            })
        })
        .collect()
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
