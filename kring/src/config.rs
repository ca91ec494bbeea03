//! Kring's configuration: a TOML file, overridden by `KRING_*` environment variables; secrets
//! are given as file paths, never inline.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Everything Kring keeps on disk in the embedded setup.
    pub data_dir: PathBuf,
    /// The Matrix server name; user ids look like `@name:server_name`.
    pub server_name: String,
    /// Port of the embedded Synapse on 127.0.0.1.
    pub homeserver_port: u16,
    /// Port of the embedded Synapse's Prometheus metrics on 127.0.0.1, apart from its client
    /// listener.
    pub homeserver_metrics_port: u16,
    /// Port of the bridge's public pages (invite links) on 127.0.0.1.
    pub bridge_port: u16,
    /// Port of `/healthz` and `/metrics` on 127.0.0.1, apart from the public pages.
    pub ops_port: u16,
    /// The address at which people reach the bridge's pages (invite links start with it).
    /// Defaults to the loopback address; production sets its public HTTPS address.
    pub public_bridge_url: Option<String>,
    /// An existing homeserver, for `kring bots` and `kring user` in production. Defaults to the
    /// embedded one.
    pub homeserver_url: Option<String>,
    /// `sqlite://…` or `postgres://…`; defaults to SQLite in the data directory.
    pub database_url_file: Option<PathBuf>,
    pub bot_username: String,
    pub bot_password_file: Option<PathBuf>,
    pub recovery_key_file: Option<PathBuf>,
    /// Where `kring audit anchor` appends the newest audit hash and `kring audit verify` reads
    /// it back; production points this outside the database's machine or at WORM storage.
    pub audit_anchor_file: Option<PathBuf>,
    /// Seconds an encrypted message may wait for its room key before the bot says it could
    /// not read it.
    pub unreadable_after_secs: u64,
    /// The passphrase that encrypts the bot's crypto store; generated on first start.
    pub crypto_store_passphrase_file: Option<PathBuf>,
    pub admin_token_file: Option<PathBuf>,
    pub registration_shared_secret_file: Option<PathBuf>,
    /// Where the pinned Synapse is installed; defaults to `synapse-venv` in the data directory.
    pub synapse_venv: Option<PathBuf>,
    /// An Element Web release for `kring up` to serve: the official `.tar.gz` or its unpacked
    /// folder. Without one, `kring up` runs the rest and says how to add it.
    pub element_web_bundle: Option<PathBuf>,
    /// Port of the served Element Web on 127.0.0.1.
    pub element_web_port: u16,
    /// Where people open Element Web, when it is hosted elsewhere (production). The invite
    /// page offers it after an account is made.
    pub public_element_web_url: Option<String>,
    /// The region's working days: `[calendar]` with `holidays`, `bevrijdingsdag` and
    /// `extra_days_off`; the Algemene termijnenwet by default.
    pub calendar: kring_core::time::RegionCalendar,
    /// `[meetings]`: `video_link_template` and `reminders_before_minutes`.
    pub meetings: kring_bots::MeetingSettings,
    /// `[consults]`: `working_days` (2–5), `regional_contact`, `funding_route`.
    pub consults: kring_bots::ConsultSettings,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from(".kring"),
            server_name: "kring.localhost".into(),
            homeserver_port: 8008,
            homeserver_metrics_port: 8009,
            bridge_port: 8090,
            ops_port: 8091,
            public_bridge_url: None,
            homeserver_url: None,
            database_url_file: None,
            bot_username: "kring".into(),
            bot_password_file: None,
            recovery_key_file: None,
            crypto_store_passphrase_file: None,
            unreadable_after_secs: kring_bots::DEFAULT_UNREADABLE_AFTER.as_secs(),
            audit_anchor_file: None,
            admin_token_file: None,
            registration_shared_secret_file: None,
            synapse_venv: None,
            element_web_bundle: None,
            element_web_port: 8080,
            public_element_web_url: None,
            calendar: kring_core::time::RegionCalendar::statutory(),
            meetings: kring_bots::MeetingSettings::default(),
            consults: kring_bots::ConsultSettings::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {name} is not valid: {message}")]
    Env { name: String, message: String },
    #[error("the setting {name} is not valid: {message}")]
    Setting { name: String, message: String },
    #[error("cannot read the secret file {path}: {source}")]
    Secret {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Config {
    /// Reads `file` if given, then applies `KRING_*` environment variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                toml::from_str(&text).map_err(|error| ConfigError::Parse {
                    path: path.to_path_buf(),
                    message: error.to_string(),
                })?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        config
            .meetings
            .schedule()
            .map_err(|error| ConfigError::Setting {
                name: "meetings.next_meeting_schedule".into(),
                message: error.to_string(),
            })?;
        config
            .consults
            .check()
            .map_err(|message| ConfigError::Setting {
                name: "consults".into(),
                message,
            })?;
        Ok(config)
    }

    fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let port = |name: &str, value: String| {
            value.parse::<u16>().map_err(|_| ConfigError::Env {
                name: name.into(),
                message: "expected a port number".into(),
            })
        };
        let path = |value: String| Some(PathBuf::from(value));
        if let Some(v) = get("KRING_DATA_DIR") {
            self.data_dir = PathBuf::from(v)
        }
        if let Some(v) = get("KRING_SERVER_NAME") {
            self.server_name = v
        }
        if let Some(v) = get("KRING_HOMESERVER_PORT") {
            self.homeserver_port = port("KRING_HOMESERVER_PORT", v)?
        }
        if let Some(v) = get("KRING_HOMESERVER_METRICS_PORT") {
            self.homeserver_metrics_port = port("KRING_HOMESERVER_METRICS_PORT", v)?
        }
        if let Some(v) = get("KRING_BRIDGE_PORT") {
            self.bridge_port = port("KRING_BRIDGE_PORT", v)?
        }
        if let Some(v) = get("KRING_OPS_PORT") {
            self.ops_port = port("KRING_OPS_PORT", v)?
        }
        if let Some(v) = get("KRING_PUBLIC_BRIDGE_URL") {
            self.public_bridge_url = Some(v)
        }
        if let Some(v) = get("KRING_HOMESERVER_URL") {
            self.homeserver_url = Some(v)
        }
        if let Some(v) = get("KRING_DATABASE_URL_FILE") {
            self.database_url_file = path(v)
        }
        if let Some(v) = get("KRING_BOT_USERNAME") {
            self.bot_username = v
        }
        if let Some(v) = get("KRING_BOT_PASSWORD_FILE") {
            self.bot_password_file = path(v)
        }
        if let Some(v) = get("KRING_RECOVERY_KEY_FILE") {
            self.recovery_key_file = path(v)
        }
        if let Some(v) = get("KRING_AUDIT_ANCHOR_FILE") {
            self.audit_anchor_file = path(v)
        }
        if let Some(v) = get("KRING_UNREADABLE_AFTER_SECS") {
            self.unreadable_after_secs = v.parse().map_err(|_| ConfigError::Env {
                name: "KRING_UNREADABLE_AFTER_SECS".into(),
                message: "expected a number of seconds".into(),
            })?
        }
        if let Some(v) = get("KRING_CRYPTO_STORE_PASSPHRASE_FILE") {
            self.crypto_store_passphrase_file = path(v)
        }
        if let Some(v) = get("KRING_ADMIN_TOKEN_FILE") {
            self.admin_token_file = path(v)
        }
        if let Some(v) = get("KRING_REGISTRATION_SHARED_SECRET_FILE") {
            self.registration_shared_secret_file = path(v)
        }
        if let Some(v) = get("KRING_SYNAPSE_VENV") {
            self.synapse_venv = path(v)
        }
        if let Some(v) = get("KRING_ELEMENT_WEB_BUNDLE") {
            self.element_web_bundle = path(v)
        }
        if let Some(v) = get("KRING_ELEMENT_WEB_PORT") {
            self.element_web_port = port("KRING_ELEMENT_WEB_PORT", v)?
        }
        if let Some(v) = get("KRING_MEETING_VIDEO_LINK_TEMPLATE") {
            self.meetings.video_link_template = Some(v)
        }
        if let Some(v) = get("KRING_PUBLIC_ELEMENT_WEB_URL") {
            self.public_element_web_url = Some(v)
        }
        Ok(())
    }

    pub fn homeserver_url(&self) -> String {
        self.homeserver_url
            .clone()
            .unwrap_or_else(|| format!("http://127.0.0.1:{}", self.homeserver_port))
    }

    pub fn public_bridge_url(&self) -> String {
        self.public_bridge_url
            .clone()
            .unwrap_or_else(|| format!("http://127.0.0.1:{}", self.bridge_port))
            .trim_end_matches('/')
            .to_owned()
    }

    /// Invite links are this address followed by the link's secret.
    pub fn invite_base_url(&self) -> String {
        format!("{}{}", self.public_bridge_url(), kring_bridge::INVITE_PATH)
    }

    /// Where `kring up` unpacks Element Web.
    pub fn element_web_dir(&self) -> PathBuf {
        self.data_dir.join("element-web")
    }

    pub fn synapse_dir(&self) -> PathBuf {
        self.data_dir.join("synapse")
    }

    pub fn synapse_venv(&self) -> PathBuf {
        self.synapse_venv
            .clone()
            .unwrap_or_else(|| self.data_dir.join("synapse-venv"))
    }

    pub fn bot_state_dir(&self) -> PathBuf {
        self.data_dir.join("bot")
    }

    pub fn bot_password_path(&self) -> PathBuf {
        self.bot_password_file
            .clone()
            .unwrap_or_else(|| self.bot_state_dir().join("password"))
    }

    pub fn recovery_key_path(&self) -> PathBuf {
        self.recovery_key_file
            .clone()
            .unwrap_or_else(|| self.bot_state_dir().join("recovery-key"))
    }

    pub fn audit_anchor_path(&self) -> PathBuf {
        self.audit_anchor_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-anchors.jsonl"))
    }

    pub fn crypto_store_passphrase_path(&self) -> PathBuf {
        self.crypto_store_passphrase_file
            .clone()
            .unwrap_or_else(|| self.bot_state_dir().join("crypto-store-passphrase"))
    }

    pub fn admin_token_path(&self) -> PathBuf {
        self.admin_token_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("admin-token"))
    }

    pub fn database_url(&self) -> Result<String, ConfigError> {
        match &self.database_url_file {
            Some(path) => read_secret(path),
            None => Ok(format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("kring.db").display()
            )),
        }
    }

    pub fn registration_shared_secret(&self) -> Result<String, ConfigError> {
        match &self.registration_shared_secret_file {
            Some(path) => read_secret(path),
            None => {
                let path = self.synapse_dir().join("secrets.json");
                let secrets =
                    kring_homeserver::Secrets::load_or_create(&path).map_err(|error| {
                        ConfigError::Secret {
                            path,
                            source: std::io::Error::other(error.to_string()),
                        }
                    })?;
                Ok(secrets.registration_shared_secret)
            }
        }
    }
}

/// Reads a secret from a file, without the trailing newline editors add.
pub fn read_secret(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map(|text| text.trim_end_matches(['\n', '\r']).to_owned())
        .map_err(|source| ConfigError::Secret {
            path: path.to_path_buf(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kring.toml");
        std::fs::write(
            &file,
            "server_name = \"zorg.example\"\nbridge_port = 9000\n",
        )
        .unwrap();
        let mut config = Config::load(Some(&file)).unwrap();
        assert_eq!(config.server_name, "zorg.example");
        config
            .apply_env(|name| (name == "KRING_BRIDGE_PORT").then(|| "9100".to_owned()))
            .unwrap();
        assert_eq!(config.bridge_port, 9100);
        assert_eq!(config.homeserver_port, 8008);
    }

    #[test]
    fn the_regions_calendar_and_meetings_come_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kring.toml");
        std::fs::write(
            &file,
            "[calendar]\nextra_days_off = [\"2027-05-07\"]\n\n[meetings]\nvideo_link_template = \"https://video.regio.example/{meeting}\"\nreminders_before_minutes = [1440]\n",
        )
        .unwrap();
        let mut config = Config::load(Some(&file)).unwrap();
        assert_eq!(config.calendar.extra_days_off.len(), 1);
        assert_eq!(config.meetings.reminders_before_minutes, [1440]);
        config
            .apply_env(|name| {
                (name == "KRING_MEETING_VIDEO_LINK_TEMPLATE")
                    .then(|| "https://v.example/{meeting}".to_owned())
            })
            .unwrap();
        assert_eq!(
            config.meetings.video_link_template.as_deref(),
            Some("https://v.example/{meeting}")
        );
        std::fs::write(
            &file,
            "[consults]\nworking_days = 2\nregional_contact = \"@regio:zorg.example\"\nfunding_route = \"ketenfinanciering\"\n",
        )
        .unwrap();
        let config = Config::load(Some(&file)).unwrap();
        assert_eq!(config.consults.working_days, 2);
        assert_eq!(
            config
                .consults
                .regional_contact
                .as_ref()
                .map(|id| id.as_str()),
            Some("@regio:zorg.example")
        );
        for bad in [
            "[consults]\nworking_days = 9\n",
            "[consults]\nregional_contact = \"regio\"\n",
        ] {
            std::fs::write(&file, bad).unwrap();
            assert!(Config::load(Some(&file)).is_err(), "{bad}");
        }
        std::fs::write(&file, "[meetings]\nvideo = \"x\"\n").unwrap();
        assert!(
            Config::load(Some(&file)).is_err(),
            "unknown keys are refused"
        );
    }

    #[test]
    fn element_web_is_configured_by_file_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kring.toml");
        std::fs::write(
            &file,
            "element_web_bundle = \"/srv/element-web-1.11.88.tar.gz\"\nelement_web_port = 9080\n",
        )
        .unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        let mut config: Config = toml::from_str(&text).unwrap();
        assert_eq!(
            config.element_web_bundle.as_deref(),
            Some(Path::new("/srv/element-web-1.11.88.tar.gz"))
        );
        config
            .apply_env(|name| match name {
                "KRING_ELEMENT_WEB_PORT" => Some("9180".to_owned()),
                "KRING_PUBLIC_ELEMENT_WEB_URL" => Some("https://chat.zorg.example".to_owned()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.element_web_port, 9180);
        assert_eq!(
            config.public_element_web_url.as_deref(),
            Some("https://chat.zorg.example")
        );
        assert_eq!(Config::default().element_web_bundle, None);
    }

    #[test]
    fn bad_values_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kring.toml");
        std::fs::write(&file, "colour = \"blue\"\n").unwrap();
        assert!(matches!(
            Config::load(Some(&file)),
            Err(ConfigError::Parse { .. })
        ));
        let mut config = Config::default();
        let error =
            config.apply_env(|name| (name == "KRING_HOMESERVER_PORT").then(|| "lots".to_owned()));
        assert!(
            matches!(error, Err(ConfigError::Env { name, .. }) if name == "KRING_HOMESERVER_PORT")
        );
    }
}
