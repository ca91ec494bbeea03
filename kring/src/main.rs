use anyhow::Result;
use clap::{Parser, Subcommand};
use kring::config::Config;
use kring::users::UserCommand;
use std::path::PathBuf;

/// Kring: network care on Matrix. Without a command, runs the whole stack (`up`).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file (TOML); `KRING_*` environment variables override it.
    #[arg(long, short, env = "KRING_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Data directory (overrides the configuration).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole stack on this machine: Synapse (installed on first use), bot and bridge.
    Up,
    /// Run the bots and the bridge against a running homeserver.
    Bots,
    /// Manage accounts on the homeserver.
    #[command(subcommand)]
    User(UserCli),
    /// Check or export the tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCli),
    /// The region's figures of meedenkconsults.
    #[command(subcommand)]
    Consults(ConsultsCli),
}

#[derive(Subcommand)]
enum ConsultsCli {
    /// The consults asked in a period (from the start of FROM up to the start of TO, Amsterdam
    /// days), for payment and monitoring: who asked whom, when, the deadline, the outcome and
    /// the minutes spent. Never what they were about.
    Export {
        #[arg(long)]
        from: chrono::NaiveDate,
        #[arg(long)]
        to: chrono::NaiveDate,
        #[arg(long, value_enum, default_value = "csv")]
        format: kring::consults::ExportFormat,
        /// A file (written 0600) instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCli {
    /// Check the whole hash chain, and every anchor taken; names the first broken entry.
    Verify,
    /// Append the newest entry's number and hash to the anchor file (run it regularly, and
    /// keep that file away from the database: it is how a log cut short is found).
    Anchor,
    /// Write one network's entries as JSON lines.
    Export {
        #[arg(long)]
        network: String,
        /// A file (written 0600) instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCli {
    /// Create an account; prints a generated password unless one is given in a file.
    Add {
        username: String,
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// List every account.
    List,
    /// Deactivate an account: it can no longer log in.
    Deactivate { username: String },
    /// Set a new password and log the account out everywhere.
    ResetPassword {
        username: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// List the people whose steering is paused because their security keys changed.
    ChangedIdentities,
    /// After checking who the person is: trust their new security keys (the key
    /// `changed-identities` lists), so they steer again.
    ConfirmIdentity {
        username: String,
        #[arg(long)]
        key: String,
    },
}

#[tokio::main]
async fn main() {
    // Everything Kring creates (the data directory, SQLite's database and journal files, the
    // crypto store, secrets, logs of Synapse) is its owner's alone.
    // SAFETY: umask only sets this process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
    tracing_subscriber::fmt()
        // The SDK logs every non-2xx answer as an error, expected 404s included; real failures
        // reach our own logs through the results they return.
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(
                    "warn,kring=info,kring_bots=info,matrix_sdk::http_client=off",
                )
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(error) = run(Cli::parse()).await {
        eprintln!("kring: {error:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(data_dir) = cli.data_dir {
        config.data_dir = data_dir;
    }
    match cli.command.unwrap_or(Command::Up) {
        Command::Up => kring::run::up(config).await,
        Command::Bots => kring::run::bots(config).await,
        Command::Audit(AuditCli::Verify) => kring::audit::verify(&config).await,
        Command::Audit(AuditCli::Anchor) => kring::audit::anchor(&config).await,
        Command::Audit(AuditCli::Export { network, output }) => {
            kring::audit::export(&config, &network, output.as_deref()).await
        }
        Command::Consults(ConsultsCli::Export {
            from,
            to,
            format,
            output,
        }) => kring::consults::export(&config, from, to, format, output.as_deref()).await,
        Command::User(user) => {
            let command = match user {
                UserCli::Add {
                    username,
                    admin,
                    password_file,
                } => UserCommand::Add {
                    username,
                    admin,
                    password_file,
                },
                UserCli::List => UserCommand::List,
                UserCli::Deactivate { username } => UserCommand::Deactivate { username },
                UserCli::ResetPassword {
                    username,
                    password_file,
                } => UserCommand::ResetPassword {
                    username,
                    password_file,
                },
                UserCli::ChangedIdentities => UserCommand::ChangedIdentities,
                UserCli::ConfirmIdentity { username, key } => {
                    UserCommand::ConfirmIdentity { username, key }
                }
            };
            kring::users::run(&config, command).await
        }
    }
}
