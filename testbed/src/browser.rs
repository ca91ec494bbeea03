//! A real headless Chromium, driven over WebDriver (Debian's `chromium` and `chromium-driver`),
//! for tests of what a person does in a browser. Installed on first use when missing.

use anyhow::{Context, Result, bail};
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::process::{Child, Command};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Installs Debian's Chromium and its WebDriver when they are missing (as root, like the rest
/// of the test bed's system needs); otherwise says what to install.
async fn ensure_installed() -> Result<()> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        bail!(
            "browser tests need Debian's chromium and chromium-driver: sudo apt-get install chromium chromium-driver"
        );
    }
    eprintln!("installing chromium and chromium-driver for the browser tests …");
    let install = || {
        Command::new("apt-get")
            .args([
                "-o",
                "DPkg::Lock::Timeout=600",
                "install",
                "-y",
                "--no-install-recommends",
                "chromium",
                "chromium-driver",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
    };
    if !install().await?.success() {
        Command::new("apt-get")
            .args(["-o", "DPkg::Lock::Timeout=600", "update"])
            .stdout(Stdio::null())
            .status()
            .await?;
        if !install().await?.success() {
            bail!("apt-get could not install chromium and chromium-driver");
        }
    }
    Ok(())
}

/// One headless browser with its own profile, and a place for its screenshots.
pub struct Browser {
    pub client: Client,
    driver: Child,
    screenshots: PathBuf,
    step: usize,
    _profile: TempDir,
}

impl Browser {
    /// Starts ChromeDriver and a fresh headless Chromium. `name` names the screenshot folder.
    pub async fn start(name: &str) -> Result<Self> {
        ensure_installed().await?;
        let port = kring_homeserver::free_loopback_port()?;
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("starting chromedriver")?;
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if started.elapsed() > Duration::from_secs(20) {
                bail!("chromedriver did not start");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::Builder::new()
            .prefix("kring-chromium-")
            .tempdir()?;
        let mut capabilities = Capabilities::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    // Chromium refuses its sandbox as root, which test machines often are.
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("opening a Chromium session")?;
        let screenshots = artifacts_dir().join("screenshots").join(name);
        std::fs::create_dir_all(&screenshots)?;
        Ok(Self {
            client,
            driver,
            screenshots,
            step: 0,
            _profile: profile,
        })
    }

    /// Saves what the page looks like now as `NN-step.png`; returns the file.
    pub async fn screenshot(&mut self, step: &str) -> Result<PathBuf> {
        self.step += 1;
        let path = self
            .screenshots
            .join(format!("{:02}-{step}.png", self.step));
        let png = self.client.screenshot().await?;
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Waits until an element matching `css` shows `text`, and returns the element's text.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> Result<String> {
        let started = Instant::now();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(shown) = element.text().await
                && shown.contains(text)
            {
                return Ok(shown);
            }
            if started.elapsed() > crate::PATIENCE {
                let page = self.client.source().await.unwrap_or_default();
                bail!("{css} never showed {text:?}; the page was:\n{page}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Types `text` into the field with id `field`.
    pub async fn fill(&self, field: &str, text: &str) -> Result<()> {
        let element = self.client.find(Locator::Id(field)).await?;
        element.clear().await?;
        element.send_keys(text).await?;
        Ok(())
    }

    pub async fn close(mut self) -> Result<()> {
        self.client.clone().close().await?;
        self.driver.kill().await?;
        Ok(())
    }
}

/// Where tests leave artifacts (screenshots): `KRING_ARTIFACTS_DIR`, else `artifacts/` in the
/// workspace (ignored by git).
pub fn artifacts_dir() -> PathBuf {
    std::env::var_os("KRING_ARTIFACTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("artifacts")
        })
}
