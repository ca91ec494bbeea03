//! `kring audit verify`, `anchor` and `export` as an operator runs them, on SQLite and on a real
//! PostgreSQL: an edited row is named, a log cut short after an anchor is found, an intact log is
//! reported as such.

use anyhow::Result;
use kring_core::MatrixId;
use kring_core::audit::AuditAction;
use kring_core::network::NetworkState;
use kring_core::plan::{ActionRecord, Change, Outcome, Plan};
use kring_store::{InboxKind, NewInboxEntry, Store};
use std::process::Command;

fn id(name: &str) -> MatrixId {
    MatrixId::parse(&format!("@{name}:kring.test")).expect("valid")
}

async fn logged_network(store: &Store) -> Result<()> {
    for (index, action) in [
        AuditAction::NetworkStart,
        AuditAction::MemberInvite,
        AuditAction::MemberJoin,
        AuditAction::MemberRemove,
    ]
    .iter()
    .enumerate()
    {
        let event_id = format!("$event{index}");
        store
            .inbox_insert(
                "@kring:kring.test",
                &NewInboxEntry {
                    event_id: event_id.clone(),
                    room_id: "!room:kring.test".into(),
                    sender: id("anna").to_string(),
                    kind: InboxKind::Command,
                    body: Some("!start".into()),
                    encrypted_event: None,
                    origin_ts: index as i64,
                },
            )
            .await?;
        let mut plan = Plan::new();
        if index == 0 {
            plan.change(Change::CreateNetwork {
                network_id: kring_core::network::NetworkId::parse("net-audit").unwrap(),
                client: id("anna"),
                started_by: id("anna"),
                state: NetworkState::Active,
                at: 1,
            });
        }
        plan.change(Change::Log(ActionRecord {
            network_id: kring_core::network::NetworkId::parse("net-audit").unwrap(),
            at: 100 + index as i64,
            actor: id("anna"),
            on_behalf_of: None,
            action: *action,
            object: Some(id("piet").to_string()),
            outcome: Outcome::Done,
        }));
        store
            .apply_plan("@kring:kring.test", &event_id, &plan)
            .await?;
    }
    Ok(())
}

fn kring(config: &std::path::Path, args: &[&str]) -> Result<(bool, String, String)> {
    let output = Command::new(env!("CARGO_BIN_EXE_kring"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()?;
    Ok((
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

async fn tamper_is_named(database_url: &str) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::connect(database_url).await?;
    logged_network(&store).await?;
    let url_file = dir.path().join("database-url");
    std::fs::write(&url_file, database_url)?;
    let config = dir.path().join("kring.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\ndatabase_url_file = {:?}\n",
            dir.path().display().to_string(),
            url_file.display().to_string()
        ),
    )?;

    let (ok, stdout, stderr) = kring(&config, &["audit", "verify"])?;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("intact: 4 entries (no anchors taken yet)"),
        "{stdout}"
    );

    // An anchor of the newest entry, kept outside the database.
    let (ok, stdout, stderr) = kring(&config, &["audit", "anchor"])?;
    assert!(
        ok && stdout.contains("anchored entry #4"),
        "{stdout}{stderr}"
    );
    let (ok, stdout, stderr) = kring(&config, &["audit", "verify"])?;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("agreeing with 1 anchors (the newest at #4)"),
        "{stdout}"
    );

    let export = dir.path().join("export.jsonl");
    let (ok, _, stderr) = kring(
        &config,
        &[
            "audit",
            "export",
            "--network",
            "net-audit",
            "--output",
            export.to_str().expect("utf-8"),
        ],
    )?;
    assert!(ok, "{stderr}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&export)?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1]["event_type"], "member.invite");
    assert_eq!(lines[1]["prev_hash"], lines[0]["hash"]);
    let (ok, _, stderr) = kring(&config, &["audit", "export", "--network", "net-unknown"])?;
    assert!(!ok && stderr.contains("there is no network"), "{stderr}");

    // Someone with database access cuts the newest entry off: the chain is whole, but shorter
    // than the anchor saw it.
    sqlx::query("CREATE TABLE audit_kept AS SELECT * FROM audit_log WHERE seq = 4")
        .execute(store.pool())
        .await?;
    sqlx::query("DELETE FROM audit_log WHERE seq = 4")
        .execute(store.pool())
        .await?;
    let (ok, _, stderr) = kring(&config, &["audit", "verify"])?;
    assert!(!ok, "a log cut short must fail the check");
    assert!(
        stderr.contains("cut short: entry #4") && stderr.contains("ends at #3"),
        "{stderr}"
    );
    let (ok, _, stderr) = kring(&config, &["audit", "anchor"])?;
    assert!(ok, "a whole (if short) chain may be anchored: {stderr}");
    // Put back as it was, the log agrees with its first anchor again (and the second is of #3).
    sqlx::query("INSERT INTO audit_log SELECT * FROM audit_kept")
        .execute(store.pool())
        .await?;
    let (ok, stdout, stderr) = kring(&config, &["audit", "verify"])?;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("agreeing with 2 anchors"), "{stdout}");

    // A damaged anchor file is named, not skipped.
    let anchors = dir.path().join("audit-anchors.jsonl");
    let kept = std::fs::read_to_string(&anchors)?;
    std::fs::write(&anchors, format!("{kept}not an anchor\n"))?;
    let (ok, _, stderr) = kring(&config, &["audit", "verify"])?;
    assert!(
        !ok && stderr.contains("line 3 of the anchor file"),
        "{stderr}"
    );
    std::fs::write(&anchors, kept)?;

    // Someone with database access rewrites history.
    sqlx::query("UPDATE audit_log SET outcome = 'refused' WHERE seq = 2")
        .execute(store.pool())
        .await?;
    let (ok, _, stderr) = kring(&config, &["audit", "verify"])?;
    assert!(!ok, "a changed row must fail the check");
    assert!(
        stderr.contains("broken at entry #2") && stderr.contains("changed"),
        "{stderr}"
    );
    Ok(())
}

#[tokio::test]
async fn an_edited_audit_row_is_named_on_sqlite() -> Result<()> {
    let dir = tempfile::tempdir()?;
    tamper_is_named(&kring_testbed::fresh_sqlite_url(dir.path())).await
}

#[tokio::test]
async fn an_edited_audit_row_is_named_on_postgresql() -> Result<()> {
    tamper_is_named(&kring_testbed::fresh_postgres_url().await?).await
}
