use crate::synapse::TestSynapse;
use anyhow::{Context, Result};
use kring_bots::{Bot, BotConfig, BotCredentials, BotMetrics};
use kring_store::Store;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::process::{Child, Command};
use tokio::sync::watch;

/// Registers the bot account (exempt from rate limits, as `kring up` does) and returns its
/// configuration with state under `state_dir`.
async fn prepare(
    synapse: &TestSynapse,
    state_dir: &Path,
    username: &str,
    bridge_url: &str,
) -> Result<BotConfig> {
    let account = synapse.register_named(username).await?;
    synapse
        .admin()
        .exempt_from_rate_limits(synapse.admin_token(), &account.user_id)
        .await?;
    Ok(BotConfig {
        homeserver_url: synapse.base_url(),
        credentials: BotCredentials {
            username: account.username,
            password: account.password,
        },
        state_dir: state_dir.join("bot"),
        recovery_key_path: state_dir.join("bot").join("recovery-key"),
        crypto_store_passphrase_path: state_dir.join("bot").join("crypto-store-passphrase"),
        invite_base_url: format!("{bridge_url}{}", kring_bridge::INVITE_PATH),
        unreadable_after: kring_bots::DEFAULT_UNREADABLE_AFTER,
        admin_token: Some(synapse.admin_token().to_owned()),
        clock: std::sync::Arc::new(kring_core::time::SystemClock),
        calendar: kring_core::time::RegionCalendar::statutory(),
        meetings: kring_bots::MeetingSettings {
            video_link_template: Some(TEST_VIDEO_LINK.into()),
            ..kring_bots::MeetingSettings::default()
        },
        consults: kring_bots::ConsultSettings {
            regional_contact: Some(
                kring_core::MatrixId::parse(TEST_REGIONAL_CONTACT).expect("a valid id"),
            ),
            ..kring_bots::ConsultSettings::default()
        },
    })
}

/// Whoever watches the test region's consult deadlines.
pub const TEST_REGIONAL_CONTACT: &str = "@regio:kring.test";

/// The test region's video service, for `plaats video`.
pub const TEST_VIDEO_LINK: &str = "https://video.kring.test/overleg-{meeting}";

/// A bot running inside the test process, with the bridge beside it as `kring up` runs them.
pub struct InProcessBot {
    pub user_id: String,
    pub store: Store,
    /// Where the bridge (invite pages, health) answers.
    pub bridge_url: String,
    /// The key invite-link secrets and registration tokens are derived from.
    pub invite_link_key: Vec<u8>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), kring_bots::BotError>>,
    bridge: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl InProcessBot {
    pub async fn start(synapse: &TestSynapse, database_url: &str) -> Result<Self> {
        Self::start_beside(synapse, database_url, None, None).await
    }

    /// Starts the bot reading the time from `clock`, which the test moves (timers fire on it).
    pub async fn start_with_clock(
        synapse: &TestSynapse,
        database_url: &str,
        clock: std::sync::Arc<dyn kring_core::time::Clock>,
    ) -> Result<Self> {
        Self::start_beside(synapse, database_url, None, Some(clock)).await
    }

    /// Starts the bot with its invite pages pointing newcomers at this Element Web.
    pub async fn start_beside_element_web(
        synapse: &TestSynapse,
        database_url: &str,
        element_web: &crate::ElementWeb,
    ) -> Result<Self> {
        Self::start_beside(synapse, database_url, Some(element_web.url.clone()), None).await
    }

    async fn start_beside(
        synapse: &TestSynapse,
        database_url: &str,
        element_web_url: Option<String>,
        clock: Option<std::sync::Arc<dyn kring_core::time::Clock>>,
    ) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let bridge_url = format!("http://{}", listener.local_addr()?);
        let mut config = prepare(
            synapse,
            &synapse.scratch_dir("in-process-bot")?,
            "kring",
            &bridge_url,
        )
        .await?;
        if let Some(clock) = clock {
            config.clock = clock;
        }
        let store = Store::connect(database_url).await?;
        let bot = Bot::start(&config, store.clone(), BotMetrics::unregistered()).await?;
        let user_id = bot.identity().user_id.to_string();
        let invite_link_key = kring_bots::invite_link_key(&config.state_dir).await?;
        let state = kring_bridge::BridgeState {
            store: store.clone(),
            registry: std::sync::Arc::new(Default::default()),
            onboarding: Some(std::sync::Arc::new(kring_bridge::Onboarding {
                admin: synapse.admin(),
                admin_token: synapse.admin_token().to_owned(),
                homeserver_public_url: synapse.base_url(),
                bot_user_id: user_id.clone(),
                element_web_url,
                invite_link_key: invite_link_key.clone(),
            })),
        };
        let bridge = tokio::spawn(kring_bridge::serve(listener, state, std::future::pending()));
        let (shutdown, receiver) = watch::channel(false);
        let task = tokio::spawn(bot.run(receiver));
        Ok(Self {
            user_id,
            store,
            bridge_url,
            invite_link_key,
            shutdown,
            task,
            bridge,
        })
    }

    pub async fn stop(self) -> Result<()> {
        let _ = self.shutdown.send(true);
        self.bridge.abort();
        self.task.await?.map_err(Into::into)
    }
}

/// The real `kring bots` process, for tests that kill it.
pub struct BotProcess {
    pub user_id: String,
    /// Where its public pages answer.
    pub bridge_url: String,
    /// Where its `/healthz` and `/metrics` answer.
    pub ops_url: String,
    pub config_path: PathBuf,
    pub database_url: String,
    binary: PathBuf,
    /// Where the process reaches the homeserver instead of the configured address, from its
    /// next start (a proxy in front of it).
    homeserver_through: Option<String>,
    child: Option<Child>,
}

impl BotProcess {
    /// Writes a configuration for `binary` (the `kring` executable), with a fresh SQLite database
    /// beside it, and starts it.
    pub async fn start(binary: &Path, synapse: &TestSynapse) -> Result<Self> {
        Self::start_configured(binary, synapse, "").await
    }

    /// The same, with `extra_toml` added to its configuration file.
    pub async fn start_configured(
        binary: &Path,
        synapse: &TestSynapse,
        extra_toml: &str,
    ) -> Result<Self> {
        let database_url = crate::fresh_sqlite_url(&synapse.scratch_dir("bot-process")?);
        Self::start_on(binary, synapse, &database_url, extra_toml).await
    }

    /// The same, on the database at `database_url`.
    pub async fn start_on(
        binary: &Path,
        synapse: &TestSynapse,
        database_url: &str,
        extra_toml: &str,
    ) -> Result<Self> {
        let dir = synapse.scratch_dir("bot-process")?;
        // Its own account name, so it can run beside an in-process bot on the same homeserver.
        let username = "kring-process";
        let config = prepare(synapse, &dir, username, "http://127.0.0.1").await?;
        let password_file = dir.join("bot-password");
        std::fs::write(&password_file, &config.credentials.password)?;
        let mut process = Self::configure(
            binary,
            synapse,
            &dir,
            username,
            &password_file,
            database_url,
            extra_toml,
        )?;
        process.spawn()?;
        Ok(process)
    }

    /// A second process of the same bot account on the same database, with a state folder of
    /// its own (so a device of its own), recovering the account's cross-signing identity with
    /// the first one's recovery key, as a second shard or an overlapping restart would.
    pub async fn another_device(&self, synapse: &TestSynapse) -> Result<Self> {
        let first_dir = self
            .config_path
            .parent()
            .context("the first process has a folder")?;
        let dir = synapse.scratch_dir(&format!(
            "{}-another",
            first_dir
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or("bot-process")
        ))?;
        let state_dir = dir.join("bot");
        std::fs::create_dir_all(&state_dir)?;
        // The invite-link key is the account's, not the device's: links made by one process
        // must open on the other's pages.
        std::fs::copy(
            self.state_dir().join("invite-link-key"),
            state_dir.join("invite-link-key"),
        )?;
        let username = self
            .user_id
            .trim_start_matches('@')
            .split(':')
            .next()
            .context("a user id")?
            .to_owned();
        let recovery_key = self.state_dir().join("recovery-key");
        let mut process = Self::configure(
            &self.binary,
            synapse,
            &dir,
            &username,
            &first_dir.join("bot-password"),
            &self.database_url,
            &format!(
                "recovery_key_file = {:?}\n",
                recovery_key.display().to_string()
            ),
        )?;
        process.spawn()?;
        Ok(process)
    }

    fn configure(
        binary: &Path,
        synapse: &TestSynapse,
        dir: &Path,
        username: &str,
        password_file: &Path,
        database_url: &str,
        extra_toml: &str,
    ) -> Result<Self> {
        let bridge_port = kring_homeserver::free_loopback_port()?;
        let bridge_url = format!("http://127.0.0.1:{bridge_port}");
        let ops_port = kring_homeserver::free_loopback_port()?;
        let ops_url = format!("http://127.0.0.1:{ops_port}");
        let database_file = dir.join("database-url");
        std::fs::write(&database_file, database_url)?;
        let config_path = dir.join("kring.toml");
        let toml = format!(
            "data_dir = {data:?}\nserver_name = {server:?}\nhomeserver_url = {url:?}\nbridge_port = {port}\nops_port = {ops_port}\nbot_username = {username:?}\n\
             bot_password_file = {password:?}\ndatabase_url_file = {database:?}\n",
            data = dir.display().to_string(),
            server = synapse.server_name(),
            url = synapse.base_url(),
            port = bridge_port,
            ops_port = ops_port,
            password = password_file.display().to_string(),
            database = database_file.display().to_string(),
        );
        std::fs::write(&config_path, format!("{toml}{extra_toml}\n"))?;
        Ok(Self {
            user_id: format!("@{username}:{}", synapse.server_name()),
            bridge_url,
            ops_url,
            config_path,
            database_url: database_url.to_owned(),
            binary: binary.to_path_buf(),
            homeserver_through: None,
            child: None,
        })
    }

    /// From its next start, the process talks to the homeserver through `url` (a proxy).
    pub fn talk_through(&mut self, url: &str) {
        self.homeserver_through = Some(url.to_owned());
    }

    pub fn spawn(&mut self) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.config_path.with_file_name("bot.log"))?;
        let mut command = Command::new(&self.binary);
        if let Some(url) = &self.homeserver_through {
            command.env("KRING_HOMESERVER_URL", url);
        }
        let child = command
            .arg("--config")
            .arg(&self.config_path)
            .arg("bots")
            .env(
                "RUST_LOG",
                std::env::var("KRING_TEST_BOT_LOG")
                    .unwrap_or_else(|_| "warn,kring=info,kring_bots=debug".into()),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .context("starting kring bots")?;
        self.child = Some(child);
        Ok(())
    }

    /// Where the process keeps its crypto store, session and secrets.
    pub fn state_dir(&self) -> PathBuf {
        self.config_path.with_file_name("bot")
    }

    /// Waits up to `patience` for the process to end by itself; its exit status, if it did.
    pub async fn wait_for_exit(
        &mut self,
        patience: std::time::Duration,
    ) -> Result<Option<std::process::ExitStatus>> {
        let Some(child) = self.child.as_mut() else {
            return Ok(None);
        };
        match tokio::time::timeout(patience, child.wait()).await {
            Ok(status) => {
                self.child = None;
                Ok(Some(status?))
            }
            Err(_) => Ok(None),
        }
    }

    /// Whether the running process has stored a sync position since it was last started: its
    /// `/metrics` answers once it runs, and its count of stored syncs starts from zero.
    pub async fn has_synced_since_start(&self) -> bool {
        crate::bench::scrape_metrics(&self.ops_url)
            .await
            .and_then(|text| crate::bench::metric_value(&text, "kring_bot_syncs_total"))
            .is_some_and(|count| count > 0.0)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(|child| child.id())
    }

    /// SIGKILL: no chance to clean up, as in a crash or an OOM kill.
    pub async fn kill_hard(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill().await?;
        }
        Ok(())
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.config_path.with_file_name("bot.log")).unwrap_or_default()
    }
}
