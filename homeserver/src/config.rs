use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

const EMBEDDED_TEMPLATE: &str = include_str!("../../homeserver-config/embedded.yaml");
const LOG_TEMPLATE: &str = include_str!("../../homeserver-config/log.yaml");

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("file system error at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the secrets file {path} is damaged: {source}")]
    BadSecrets {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("the template still has an unfilled placeholder: {0}")]
    Unfilled(String),
}

/// The secrets Synapse needs, generated once per data directory and kept there (mode 0600).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Secrets {
    pub registration_shared_secret: String,
    pub macaroon_secret_key: String,
    pub form_secret: String,
}

impl Secrets {
    fn generate() -> Self {
        Self {
            registration_shared_secret: random_token(),
            macaroon_secret_key: random_token(),
            form_secret: random_token(),
        }
    }

    /// Loads the secrets of a data directory, creating them on first use.
    pub fn load_or_create(path: &Path) -> Result<Self, ConfigError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| ConfigError::BadSecrets {
                path: path.to_path_buf(),
                source,
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let secrets = Self::generate();
                let json = serde_json::to_vec_pretty(&secrets).expect("secrets serialise");
                write_private(path, &json)?;
                Ok(secrets)
            }
            Err(source) => Err(ConfigError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }
}

/// Everything that differs between one embedded Synapse and another.
#[derive(Debug, Clone)]
pub struct EmbeddedConfig {
    pub server_name: String,
    pub port: u16,
    /// A loopback port for Synapse's Prometheus metrics alone; `None` turns them off.
    pub metrics_port: Option<u16>,
    pub data_dir: PathBuf,
    /// 12 is Synapse's default; the test bed uses 4, which makes registration ~10x faster.
    pub bcrypt_rounds: u32,
    /// YAML appended verbatim (the test bed raises rate limits for its test users here).
    pub extra_yaml: String,
}

impl EmbeddedConfig {
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn config_path(&self) -> PathBuf {
        self.data_dir.join("homeserver.yaml")
    }

    /// Writes `homeserver.yaml`, `log.yaml` and, on first use, the signing key into the data
    /// directory. Returns the path of `homeserver.yaml`.
    pub fn render(&self, secrets: &Secrets) -> Result<PathBuf, ConfigError> {
        create_dir(&self.data_dir)?;
        create_dir(&self.data_dir.join("media_store"))?;
        let data_dir = self.data_dir.display().to_string();
        let metrics_listener = self.metrics_port.map_or_else(String::new, |port| {
            // An http listener serving only the metrics resource (Synapse's own web server),
            // rather than `type: metrics` (prometheus_client's), which answered 500 now and then.
            format!(
                "  - port: {port}\n    bind_addresses: [\"127.0.0.1\"]\n    type: http\n    tls: false\n    resources:\n      - names: [metrics]\n        compress: false\n"
            )
        });
        let homeserver = fill(
            EMBEDDED_TEMPLATE,
            &[
                ("server_name", &self.server_name),
                ("public_baseurl", &format!("{}/", self.base_url())),
                ("data_dir", &data_dir),
                ("port", &self.port.to_string()),
                ("metrics_listener", &metrics_listener),
                ("enable_metrics", &self.metrics_port.is_some().to_string()),
                (
                    "registration_shared_secret",
                    &secrets.registration_shared_secret,
                ),
                ("macaroon_secret_key", &secrets.macaroon_secret_key),
                ("form_secret", &secrets.form_secret),
                ("bcrypt_rounds", &self.bcrypt_rounds.to_string()),
                ("extra", &self.extra_yaml),
            ],
        )?;
        let log = fill(LOG_TEMPLATE, &[("data_dir", &data_dir)])?;
        let config_path = self.config_path();
        write_private(&config_path, homeserver.as_bytes())?;
        write_private(&self.data_dir.join("log.yaml"), log.as_bytes())?;
        let signing_key = self.data_dir.join("signing.key");
        if !signing_key.exists() {
            write_private(&signing_key, new_signing_key().as_bytes())?;
        }
        Ok(config_path)
    }
}

/// Replaces every `{{name}}`; refuses to leave one unfilled.
fn fill(template: &str, values: &[(&str, &str)]) -> Result<String, ConfigError> {
    let mut text = template.to_owned();
    for (name, value) in values {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    if let Some(start) = text.find("{{") {
        let rest = &text[start..];
        let end = rest.find("}}").map(|e| e + 2).unwrap_or(rest.len().min(40));
        return Err(ConfigError::Unfilled(rest[..end].to_owned()));
    }
    Ok(text)
}

/// A Synapse ed25519 signing key in its file format: algorithm, key id, unpadded base64 seed.
fn new_signing_key() -> String {
    let mut seed = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut seed);
    let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(seed);
    format!("ed25519 a_kring {encoded}\n")
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn create_dir(path: &Path) -> Result<(), ConfigError> {
    std::fs::create_dir_all(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn write_private(path: &Path, contents: &[u8]) -> Result<(), ConfigError> {
    kring_store::private_file::write_private(path, contents).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_privacy_setting_and_no_placeholder() {
        let dir = tempfile::tempdir().unwrap();
        let config = EmbeddedConfig {
            server_name: "kring.test".into(),
            port: 8448,
            metrics_port: Some(8449),
            data_dir: dir.path().to_path_buf(),
            bcrypt_rounds: 4,
            extra_yaml: String::new(),
        };
        let secrets = Secrets::load_or_create(&dir.path().join("secrets.json")).unwrap();
        let path = config.render(&secrets).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        for setting in [
            "encryption_enabled_by_default_for_room_type: all",
            "registration_requires_token: true",
            "include_content: false",
            "search_all_users: false",
            "include_profile_data_on_invite: false",
            "federation_domain_whitelist: []",
            "bind_addresses: [\"127.0.0.1\"]",
            "enable_metrics: true",
            "  - port: 8449\n    bind_addresses: [\"127.0.0.1\"]\n    type: http\n    tls: false\n    resources:\n      - names: [metrics]\n",
            "      - names: [client]\n",
        ] {
            assert!(text.contains(setting), "missing {setting}");
        }
        assert!(!text.contains("names: [client, metrics]"));
        assert!(!text.contains("{{"));
        assert!(text.contains(&secrets.registration_shared_secret));
        let again = Secrets::load_or_create(&dir.path().join("secrets.json")).unwrap();
        assert_eq!(again.macaroon_secret_key, secrets.macaroon_secret_key);
    }

    #[test]
    fn an_unfilled_placeholder_is_an_error() {
        assert!(matches!(fill("a {{b}} c", &[]), Err(ConfigError::Unfilled(p)) if p == "{{b}}"));
    }
}
