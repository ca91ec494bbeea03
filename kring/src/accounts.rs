//! The accounts Kring itself needs on its homeserver: an administrator for the admin API and
//! the bot. Both are created on first use with generated passwords kept in the data directory.

use crate::config::{Config, read_secret};
use anyhow::{Context, Result, bail};
use kring_homeserver::{Admin, AdminError};
use rand::Rng;
use rand::distributions::Alphanumeric;
use std::path::Path;

pub const ADMIN_USERNAME: &str = "kring-admin";

pub fn generate_password() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}

/// An access token for the admin API: from the configured file, or made and kept in the data
/// directory.
pub async fn admin_token(config: &Config, admin: &Admin) -> Result<String> {
    let token_path = config.admin_token_path();
    if token_path.exists() {
        return Ok(read_secret(&token_path)?);
    }
    if config.admin_token_file.is_some() {
        bail!(
            "the admin token file {} does not exist",
            token_path.display()
        );
    }
    let password_path = config.data_dir.join("admin-password");
    let token = if password_path.exists() {
        admin
            .login_password(ADMIN_USERNAME, &read_secret(&password_path)?)
            .await?
    } else {
        let password = generate_password();
        let shared_secret = config.registration_shared_secret()?;
        let registered = admin
            .register_with_shared_secret(&shared_secret, ADMIN_USERNAME, &password, true)
            .await
            .context("creating Kring's administrator account")?;
        write_private(&password_path, &password)?;
        registered.access_token
    };
    write_private(&token_path, &token)?;
    Ok(token)
}

/// Makes sure the bot account exists with the password in its file, and that Synapse's rate
/// limits do not throttle it (DESIGN.md: in every config, not only in tests).
pub async fn ensure_bot_account(
    config: &Config,
    admin: &Admin,
    admin_token: &str,
) -> Result<String> {
    let password_path = config.bot_password_path();
    let password = if password_path.exists() {
        read_secret(&password_path)?
    } else {
        let password = generate_password();
        let shared_secret = config.registration_shared_secret()?;
        match admin
            .register_with_shared_secret(&shared_secret, &config.bot_username, &password, false)
            .await
        {
            Ok(_) => {}
            Err(AdminError::UserExists(_)) => bail!(
                "the bot account {} exists but its password file {} is missing; reset it with `kring user reset-password {}` and save the password there",
                config.bot_username,
                password_path.display(),
                config.bot_username
            ),
            Err(error) => return Err(error).context("creating the bot account"),
        }
        write_private(&password_path, &password)?;
        password
    };
    let user_id = format!("@{}:{}", config.bot_username, config.server_name);
    admin
        .exempt_from_rate_limits(admin_token, &user_id)
        .await
        .context("exempting the bot from rate limits")?;
    Ok(password)
}

pub fn write_private(path: &Path, contents: &str) -> Result<()> {
    kring_store::private_file::write_private(path, contents.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}
