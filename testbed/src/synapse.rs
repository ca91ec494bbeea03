use anyhow::{Context, Result};
use kring_homeserver::{
    Admin, EmbeddedConfig, Secrets, SynapseInstall, SynapseProcess, free_loopback_port,
};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use tempfile::TempDir;

/// Where the tests' Synapse lives: `KRING_SYNAPSE_VENV`, or `target/synapse-venv` in the
/// workspace. Installed on first use (takes a minute or two), shared by every later run.
pub async fn synapse_install() -> Result<SynapseInstall> {
    let venv = match std::env::var_os("KRING_SYNAPSE_VENV") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/synapse-venv"),
    };
    let install = SynapseInstall::at(venv);
    let mut progress = |line: &str| eprintln!("[synapse install] {line}");
    install
        .ensure(&mut progress)
        .await
        .context("installing Synapse for the tests")?;
    Ok(install)
}

/// The kinds of people the tests play.
#[derive(Debug, Clone, Copy)]
pub enum Persona {
    Client,
    Carer,
    Professional,
}

impl Persona {
    fn prefix(self) -> &'static str {
        match self {
            Persona::Client => "client",
            Persona::Carer => "mantelzorger",
            Persona::Professional => "professional",
        }
    }
}

#[derive(Debug, Clone)]
pub struct TestAccount {
    pub username: String,
    pub user_id: String,
    pub password: String,
}

/// Test users send bursts no person would; the bots are exempted through the admin API, as in
/// production, and the test people through these limits.
const TEST_RATE_LIMITS: &str = r#"
rc_message: {per_second: 1000, burst_count: 1000}
rc_registration: {per_second: 1000, burst_count: 1000}
rc_login:
  address: {per_second: 1000, burst_count: 1000}
  account: {per_second: 1000, burst_count: 1000}
  failed_attempts: {per_second: 1000, burst_count: 1000}
rc_joins:
  local: {per_second: 1000, burst_count: 1000}
rc_invites:
  per_room: {per_second: 1000, burst_count: 1000}
  per_user: {per_second: 1000, burst_count: 1000}
  per_issuer: {per_second: 1000, burst_count: 1000}
rc_room_creation: {per_second: 1000, burst_count: 1000}
"#;

/// A throwaway Synapse. Dropping it kills the process and deletes its directory.
pub struct TestSynapse {
    // Declared before `dir` so the process dies before its directory is removed.
    process: Option<SynapseProcess>,
    install: SynapseInstall,
    config: EmbeddedConfig,
    secrets: Secrets,
    admin_token: String,
    dir: TempDir,
}

static NEXT_NAME: AtomicU32 = AtomicU32::new(0);

impl TestSynapse {
    pub async fn start() -> Result<Self> {
        let install = synapse_install().await?;
        let dir = tempfile::Builder::new()
            .prefix("kring-synapse-")
            .tempdir()?;
        let config = EmbeddedConfig {
            server_name: "kring.test".into(),
            port: free_loopback_port()?,
            metrics_port: None,
            data_dir: dir.path().join("synapse"),
            bcrypt_rounds: 4,
            extra_yaml: TEST_RATE_LIMITS.into(),
        };
        let secrets = Secrets::load_or_create(&dir.path().join("secrets.json"))?;
        let config_path = config.render(&secrets)?;
        let process = SynapseProcess::start(&install, &config_path, &config.base_url()).await?;
        let admin = Admin::new(&config.base_url());
        let admin_token = admin
            .register_with_shared_secret(
                &secrets.registration_shared_secret,
                "testadmin",
                "testadmin-password",
                true,
            )
            .await?
            .access_token;
        Ok(Self {
            process: Some(process),
            install,
            config,
            secrets,
            admin_token,
            dir,
        })
    }

    /// The running Synapse's process id, for measuring its share of a benchmark.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().and_then(|process| process.pid())
    }

    pub fn base_url(&self) -> String {
        self.config.base_url()
    }

    pub fn server_name(&self) -> &str {
        &self.config.server_name
    }

    pub fn admin(&self) -> Admin {
        Admin::new(&self.base_url())
    }

    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    pub fn shared_secret(&self) -> &str {
        &self.secrets.registration_shared_secret
    }

    /// A directory inside this test's temporary directory, created.
    pub fn scratch_dir(&self, name: &str) -> Result<PathBuf> {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(&path)?;
        Ok(path)
    }

    /// Registers a fresh account for a persona, with a unique name.
    pub async fn register(&self, persona: Persona) -> Result<TestAccount> {
        let username = format!(
            "{}{}",
            persona.prefix(),
            NEXT_NAME.fetch_add(1, Ordering::Relaxed)
        );
        self.register_named(&username).await
    }

    pub async fn register_named(&self, username: &str) -> Result<TestAccount> {
        let password = format!("{username}-secret-password");
        let registered = self
            .admin()
            .register_with_shared_secret(self.shared_secret(), username, &password, false)
            .await?;
        Ok(TestAccount {
            username: username.to_owned(),
            user_id: registered.user_id,
            password,
        })
    }

    /// Stops Synapse gracefully; `start_again` brings it back on the same port with the same data.
    pub async fn stop(&mut self) {
        if let Some(process) = self.process.take() {
            process.stop().await;
        }
    }

    pub async fn start_again(&mut self) -> Result<()> {
        let process =
            SynapseProcess::start(&self.install, &self.config.config_path(), &self.base_url())
                .await?;
        self.process = Some(process);
        Ok(())
    }
}
