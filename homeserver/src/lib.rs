//! The pinned Synapse that carries Kring: installed from PyPI into a virtual environment,
//! configured from `homeserver-config/`, started on loopback, and administered through its
//! admin API. Used by `kring up`, `kring user …` and the test bed alike.

mod admin;
mod config;
mod install;
mod process;

pub use admin::{Admin, AdminError, RegisteredUser, UserSummary};
pub use config::{ConfigError, EmbeddedConfig, Secrets};
pub use install::{InstallError, SYNAPSE_VERSION, SynapseInstall};
pub use process::{ProcessError, SynapseProcess};

/// Asks the operating system for a free TCP port on loopback.
pub fn free_loopback_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}
