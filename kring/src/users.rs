//! `kring user …`: account administration for the region's administrator (gebruikersbeheer).

use crate::accounts::{self, generate_password};
use crate::config::{Config, read_secret};
use anyhow::{Context, Result};
use kring_homeserver::Admin;
use std::path::PathBuf;

pub enum UserCommand {
    Add {
        username: String,
        admin: bool,
        password_file: Option<PathBuf>,
    },
    List,
    Deactivate {
        username: String,
    },
    ResetPassword {
        username: String,
        password_file: Option<PathBuf>,
    },
    /// Lists the people whose steering is paused by new security keys.
    ChangedIdentities,
    /// After checking who the person is (in person, by phone with a known number): their new
    /// security keys become the trusted ones and they steer again.
    ConfirmIdentity {
        username: String,
        /// The new key as `changed-identities` lists it: only that one is confirmed.
        key: String,
    },
}

pub async fn run(config: &Config, command: UserCommand) -> Result<()> {
    let admin = Admin::new(&config.homeserver_url());
    match command {
        UserCommand::Add {
            username,
            admin: make_admin,
            password_file,
        } => {
            let name = kring_core::validate_username(&username)?;
            let (password, generated) = password_from(password_file)?;
            let shared_secret = config.registration_shared_secret()?;
            let registered = admin
                .register_with_shared_secret(&shared_secret, name, &password, make_admin)
                .await?;
            println!("created {}", registered.user_id);
            if generated {
                println!("password: {password}");
                println!("(shown once; give it to the person in a safe way)");
            }
        }
        UserCommand::List => {
            let token = accounts::admin_token(config, &admin).await?;
            let users = admin.list_users(&token).await?;
            println!("{:<40} {:<6} state", "user", "admin");
            for user in users {
                let state = if user.deactivated {
                    "deactivated"
                } else {
                    "active"
                };
                println!(
                    "{:<40} {:<6} {}",
                    user.name,
                    if user.admin { "yes" } else { "no" },
                    state
                );
            }
        }
        UserCommand::Deactivate { username } => {
            let user_id = full_id(config, &username)?;
            let token = accounts::admin_token(config, &admin).await?;
            admin.deactivate(&token, &user_id).await?;
            println!("deactivated {user_id}");
        }
        UserCommand::ResetPassword {
            username,
            password_file,
        } => {
            let user_id = full_id(config, &username)?;
            let (password, generated) = password_from(password_file)?;
            let token = accounts::admin_token(config, &admin).await?;
            admin.reset_password(&token, &user_id, &password).await?;
            println!("new password set for {user_id}; all its devices are logged out");
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::ChangedIdentities => {
            let store = open_store(config).await?;
            let changed = store.changed_identities().await?;
            if changed.is_empty() {
                println!("nobody's steering is paused");
            }
            for (user_id, master_key, since) in changed {
                println!(
                    "{user_id}  new security keys since {}  key {master_key}",
                    kring_core::messages::date_and_time(kring_core::Language::English, since)
                );
            }
        }
        UserCommand::ConfirmIdentity { username, key } => {
            let user_id = full_id(config, &username)?;
            let store = open_store(config).await?;
            let person = kring_core::MatrixId::parse(&user_id)?;
            anyhow::ensure!(
                store.confirm_identity(&person, key.trim()).await?,
                "{user_id} has no new security keys {key} to confirm (see `kring user changed-identities`)"
            );
            println!(
                "confirmed the new security keys of {user_id}; the bot tells them and their networks"
            );
        }
    }
    Ok(())
}

async fn open_store(config: &Config) -> Result<kring_store::Store> {
    kring_store::Store::connect(&config.database_url()?)
        .await
        .context("opening Kring's database")
}

fn full_id(config: &Config, username: &str) -> Result<String> {
    let name = kring_core::validate_username(username)?;
    Ok(format!("@{name}:{}", config.server_name))
}

fn password_from(file: Option<PathBuf>) -> Result<(String, bool)> {
    match file {
        Some(path) => {
            let password = read_secret(&path)
                .with_context(|| format!("reading the password from {}", path.display()))?;
            anyhow::ensure!(
                password.len() >= 8,
                "the password in {} is shorter than 8 characters",
                path.display()
            );
            Ok((password, false))
        }
        None => Ok((generate_password(), true)),
    }
}
