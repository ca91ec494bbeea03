//! `kring up`, the real binary, as someone runs it: with a broken Element Web bundle it says so
//! plainly and runs everything else; with a good one it serves Element pointed at its Synapse.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

struct Up {
    child: Child,
    output: std::sync::Arc<std::sync::Mutex<String>>,
    bridge_port: u16,
    ops_port: u16,
    homeserver_port: u16,
    homeserver_metrics_port: u16,
    element_web_port: u16,
}

impl Up {
    async fn start(data_dir: &Path, bundle: &Path) -> Result<Self> {
        let free = kring_homeserver::free_loopback_port;
        let (homeserver_port, bridge_port, element_web_port) = (free()?, free()?, free()?);
        let (ops_port, homeserver_metrics_port) = (free()?, free()?);
        let mut child = Command::new(env!("CARGO_BIN_EXE_kring"))
            .arg("up")
            .env("KRING_DATA_DIR", data_dir)
            .env("KRING_HOMESERVER_PORT", homeserver_port.to_string())
            .env("KRING_BRIDGE_PORT", bridge_port.to_string())
            .env("KRING_OPS_PORT", ops_port.to_string())
            .env(
                "KRING_HOMESERVER_METRICS_PORT",
                homeserver_metrics_port.to_string(),
            )
            .env("KRING_ELEMENT_WEB_PORT", element_web_port.to_string())
            .env("KRING_ELEMENT_WEB_BUNDLE", bundle)
            .env(
                "KRING_SYNAPSE_VENV",
                kring_testbed::synapse_install().await?.venv(),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let output = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().context("stdout")?)
                as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
            Box::new(child.stderr.take().context("stderr")?),
        ] {
            let output = output.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut all = output.lock().expect("not poisoned");
                    all.push_str(&line);
                    all.push('\n');
                }
            });
        }
        let up = Self {
            child,
            output,
            bridge_port,
            ops_port,
            homeserver_port,
            homeserver_metrics_port,
            element_web_port,
        };
        let started = Instant::now();
        while !up.output().contains("Kring is running.") {
            if started.elapsed() > Duration::from_secs(120) {
                bail!("kring up did not start:\n{}", up.output());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(up)
    }

    fn output(&self) -> String {
        self.output.lock().expect("not poisoned").clone()
    }

    async fn stop(mut self) -> Result<()> {
        let pid = self.child.id().context("running")?;
        // SAFETY: signalling our own child.
        unsafe { libc::kill(pid as i32, libc::SIGTERM) };
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await??;
        anyhow::ensure!(
            status.success(),
            "kring up stopped with {status}:\n{}",
            self.output()
        );
        Ok(())
    }
}

async fn get(url: &str) -> Result<(u16, String)> {
    let response = reqwest::get(url).await?;
    Ok((response.status().as_u16(), response.text().await?))
}

#[tokio::test]
async fn a_broken_element_web_bundle_is_named_and_the_rest_runs() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let bundle = dir.path().join("element-web-broken.tar.gz");
    std::fs::write(&bundle, b"not an archive at all")?;
    let up = Up::start(&dir.path().join("data"), &bundle).await?;
    let output = up.output();
    assert!(
        output.contains("Element Web is not served")
            && output.contains("element-web-broken.tar.gz")
            && output.contains("cannot be used"),
        "{output}"
    );
    assert!(output.contains("Element Web: not served"), "{output}");
    // The bot and the bridge start right after the banner.
    let health = format!("http://127.0.0.1:{}/healthz", up.ops_port);
    let started = Instant::now();
    while !matches!(get(&health).await, Ok((200, _))) {
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the rest did not run:\n{}", up.output());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Health and metrics are for the operator, on their own listener: the port of the public
    // invite pages does not answer them.
    let (status, metrics) = get(&format!("http://127.0.0.1:{}/metrics", up.ops_port)).await?;
    assert!(
        status == 200 && metrics.contains("kring_bot_syncs_total"),
        "{metrics}"
    );
    for path in ["/metrics", "/healthz"] {
        let (status, _) = get(&format!("http://127.0.0.1:{}{path}", up.bridge_port)).await?;
        assert_eq!(status, 404, "{path} on the invite pages' port");
    }
    // Synapse's metrics likewise: on a loopback listener of their own, not the client one.
    let (status, metrics) = get(&format!(
        "http://127.0.0.1:{}/_synapse/metrics",
        up.homeserver_metrics_port
    ))
    .await?;
    assert!(
        status == 200 && metrics.contains("synapse_"),
        "{status} {metrics}"
    );
    let (status, _) = get(&format!(
        "http://127.0.0.1:{}/_synapse/metrics",
        up.homeserver_port
    ))
    .await?;
    assert_eq!(status, 404, "Synapse's metrics on its client listener");
    // Everything in the fresh data directory is its owner's alone: the directory 0700, every
    // file (database and its journal, crypto store, secrets) without group or other bits.
    let data = dir.path().join("data");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&data)?.permissions().mode() & 0o777,
        0o700
    );
    let mut open_files = Vec::new();
    let mut folders = vec![data.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let meta = entry.metadata()?;
            // Synapse's own install (a Python venv) is not Kring's data.
            if entry.file_name() == "synapse-venv" {
                continue;
            }
            if meta.is_dir() {
                folders.push(entry.path());
            }
            if meta.permissions().mode() & 0o077 != 0 {
                open_files.push(format!(
                    "{} {:o}",
                    entry.path().display(),
                    meta.permissions().mode() & 0o777
                ));
            }
        }
    }
    assert!(open_files.is_empty(), "readable by others: {open_files:#?}");
    assert!(
        get(&format!("http://127.0.0.1:{}/", up.element_web_port))
            .await
            .is_err(),
        "nothing listens for Element"
    );
    up.stop().await
}

#[tokio::test]
async fn a_good_bundle_is_served_pointed_at_the_homeserver() -> Result<()> {
    let dir = tempfile::tempdir()?;
    // A stand-in release, packed as the real one is (`webapp/index.html`).
    let bundle = dir.path().join("element-web-test.tar.gz");
    {
        let file = std::fs::File::create(&bundle)?;
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::fast(),
        ));
        let page = b"<html><title>Element</title></html>";
        let mut header = tar::Header::new_gnu();
        header.set_size(page.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, "webapp/index.html", &page[..])?;
        builder.into_inner()?.finish()?.flush()?;
    }
    let up = Up::start(&dir.path().join("data"), &bundle).await?;
    let element = format!("http://127.0.0.1:{}", up.element_web_port);
    assert!(
        up.output().contains(&format!("Element Web: {element}")),
        "{}",
        up.output()
    );
    // The client's one click to the bot's chat.
    assert!(
        up.output().contains(&format!("{element}/#/user/@kring:")),
        "{}",
        up.output()
    );
    let (status, page) = get(&format!("{element}/")).await?;
    assert_eq!((status, page.contains("Element")), (200, true));
    let (status, config) = get(&format!("{element}/config.json")).await?;
    assert_eq!(status, 200);
    let config: serde_json::Value = serde_json::from_str(&config)?;
    assert_eq!(
        config["default_server_config"]["m.homeserver"]["base_url"],
        format!("http://127.0.0.1:{}", up.homeserver_port)
    );
    // Synapse tells any client where the homeserver is.
    let (status, well_known) = get(&format!(
        "http://127.0.0.1:{}/.well-known/matrix/client",
        up.homeserver_port
    ))
    .await?;
    assert_eq!(status, 200, "{well_known}");
    assert!(
        well_known.contains(&format!("127.0.0.1:{}", up.homeserver_port)),
        "{well_known}"
    );
    up.stop().await
}
