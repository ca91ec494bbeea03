//! Synapse's admin API, as far as Kring uses it. See Synapse's docs/admin_api/.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum AdminError {
    #[error("the homeserver at {url} cannot be reached; is it running? ({source})")]
    Unreachable { url: String, source: reqwest::Error },
    #[error("the user {0} already exists")]
    UserExists(String),
    #[error("this user name is not allowed: {0}")]
    InvalidUsername(String),
    #[error("there is no user {0}")]
    NoSuchUser(String),
    #[error("the homeserver refused: this needs an administrator's access token")]
    Forbidden,
    #[error("the registration token was not accepted (used up, expired or unknown)")]
    TokenRejected,
    #[error("the homeserver answered {status} {errcode}: {message}")]
    Api {
        status: u16,
        errcode: String,
        message: String,
    },
}

/// A user as the admin API lists them.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct UserSummary {
    pub name: String,
    #[serde(default)]
    pub displayname: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub admin: bool,
    #[serde(default, deserialize_with = "flag")]
    pub deactivated: bool,
}

/// Synapse has answered booleans both as `true` and as `1` over the years.
fn flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Bool(value) => value,
        Value::Number(number) => number.as_i64().unwrap_or(0) != 0,
        _ => false,
    })
}

/// What shared-secret registration hands back: a logged-in device of the new user.
#[derive(Debug, Clone, Deserialize)]
pub struct RegisteredUser {
    pub user_id: String,
    pub access_token: String,
    pub device_id: String,
}

/// Talks to one homeserver's admin API.
#[derive(Debug, Clone)]
pub struct Admin {
    http: reqwest::Client,
    base_url: String,
}

impl Admin {
    pub fn new(base_url: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a reqwest client with only a timeout set builds");
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Creates an account with the registration shared secret (no token needed), the way an
    /// administrator or Kring itself makes accounts.
    pub async fn register_with_shared_secret(
        &self,
        shared_secret: &str,
        username: &str,
        password: &str,
        admin: bool,
    ) -> Result<RegisteredUser, AdminError> {
        let url = format!("{}/_synapse/admin/v1/register", self.base_url);
        let nonce_reply = self.send(self.http.get(&url)).await?;
        let nonce = nonce_reply["nonce"].as_str().unwrap_or_default().to_owned();
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(shared_secret.as_bytes())
            .expect("HMAC accepts keys of any length");
        mac.update(nonce.as_bytes());
        mac.update(b"\0");
        mac.update(username.as_bytes());
        mac.update(b"\0");
        mac.update(password.as_bytes());
        mac.update(b"\0");
        mac.update(if admin { b"admin" } else { b"notadmin" });
        let body = json!({
            "nonce": nonce,
            "username": username,
            "password": password,
            "admin": admin,
            "mac": hex::encode(mac.finalize().into_bytes()),
        });
        let reply =
            self.send(self.http.post(&url).json(&body))
                .await
                .map_err(|error| match error {
                    AdminError::Api { errcode, .. } if errcode == "M_USER_IN_USE" => {
                        AdminError::UserExists(username.to_owned())
                    }
                    AdminError::Api {
                        errcode, message, ..
                    } if errcode == "M_INVALID_USERNAME" => AdminError::InvalidUsername(message),
                    other => other,
                })?;
        serde_json::from_value(reply).map_err(|error| AdminError::Api {
            status: 200,
            errcode: "M_BAD_JSON".into(),
            message: error.to_string(),
        })
    }

    /// Logs in with a password and returns a fresh access token.
    pub async fn login_password(
        &self,
        username: &str,
        password: &str,
    ) -> Result<String, AdminError> {
        let url = format!("{}/_matrix/client/v3/login", self.base_url);
        let body = json!({
            "type": "m.login.password",
            "identifier": { "type": "m.id.user", "user": username },
            "password": password,
            "initial_device_display_name": "Kring administration",
        });
        let reply = self.send(self.http.post(&url).json(&body)).await?;
        reply["access_token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| AdminError::Api {
                status: 200,
                errcode: "M_BAD_JSON".into(),
                message: "login answer without access token".into(),
            })
    }

    /// Every account on the homeserver (paged through).
    pub async fn list_users(&self, admin_token: &str) -> Result<Vec<UserSummary>, AdminError> {
        let mut users = Vec::new();
        let mut from = "0".to_owned();
        loop {
            let url = format!(
                "{}/_synapse/admin/v2/users?from={from}&limit=100&guests=false&deactivated=true",
                self.base_url
            );
            let reply = self
                .send(self.http.get(&url).bearer_auth(admin_token))
                .await?;
            let page: Vec<UserSummary> =
                serde_json::from_value(reply["users"].clone()).unwrap_or_default();
            users.extend(page);
            match reply.get("next_token").and_then(|t| {
                t.as_str()
                    .map(str::to_owned)
                    .or_else(|| t.as_i64().map(|n| n.to_string()))
            }) {
                Some(next) => from = next,
                None => break,
            }
        }
        Ok(users)
    }

    pub async fn user_exists(&self, admin_token: &str, user_id: &str) -> Result<bool, AdminError> {
        let url = format!(
            "{}/_synapse/admin/v2/users/{}",
            self.base_url,
            encode(user_id)
        );
        match self
            .send(self.http.get(&url).bearer_auth(admin_token))
            .await
        {
            Ok(_) => Ok(true),
            Err(AdminError::Api { status: 404, .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Deactivates an account: it can no longer log in, and leaves its rooms.
    pub async fn deactivate(&self, admin_token: &str, user_id: &str) -> Result<(), AdminError> {
        self.require_user(admin_token, user_id).await?;
        let url = format!(
            "{}/_synapse/admin/v1/deactivate/{}",
            self.base_url,
            encode(user_id)
        );
        self.send(
            self.http
                .post(&url)
                .bearer_auth(admin_token)
                .json(&json!({ "erase": false })),
        )
        .await?;
        Ok(())
    }

    /// Sets a new password and logs the account out everywhere.
    pub async fn reset_password(
        &self,
        admin_token: &str,
        user_id: &str,
        new_password: &str,
    ) -> Result<(), AdminError> {
        self.require_user(admin_token, user_id).await?;
        let url = format!(
            "{}/_synapse/admin/v1/reset_password/{}",
            self.base_url,
            encode(user_id)
        );
        let body = json!({ "new_password": new_password, "logout_devices": true });
        self.send(self.http.post(&url).bearer_auth(admin_token).json(&body))
            .await?;
        Ok(())
    }

    /// Makes a registration token that works once, until `expires_at` (milliseconds since the
    /// epoch). Kring hands out one per invite link.
    pub async fn create_registration_token(
        &self,
        admin_token: &str,
        expires_at: i64,
    ) -> Result<String, AdminError> {
        let url = format!(
            "{}/_synapse/admin/v1/registration_tokens/new",
            self.base_url
        );
        let body = json!({ "uses_allowed": 1, "expiry_time": expires_at });
        let reply = self
            .send(self.http.post(&url).bearer_auth(admin_token).json(&body))
            .await?;
        reply["token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| AdminError::Api {
                status: 200,
                errcode: "M_BAD_JSON".into(),
                message: "no token in the answer".into(),
            })
    }

    /// Makes the single-use registration token `token`, valid until `expires_at`. Making it
    /// again (a retry) changes nothing.
    pub async fn create_named_registration_token(
        &self,
        admin_token: &str,
        token: &str,
        expires_at: i64,
    ) -> Result<(), AdminError> {
        let url = format!(
            "{}/_synapse/admin/v1/registration_tokens/new",
            self.base_url
        );
        let body = json!({ "token": token, "uses_allowed": 1, "expiry_time": expires_at });
        match self
            .send(self.http.post(&url).bearer_auth(admin_token).json(&body))
            .await
        {
            Ok(_) => Ok(()),
            Err(AdminError::Api {
                status: 400,
                message,
                ..
            }) if message.contains("already") => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Whether `token` has been used for a registration that completed.
    pub async fn registration_token_completed(
        &self,
        admin_token: &str,
        token: &str,
    ) -> Result<bool, AdminError> {
        let url = format!(
            "{}/_synapse/admin/v1/registration_tokens/{}",
            self.base_url,
            encode(token)
        );
        match self
            .send(self.http.get(&url).bearer_auth(admin_token))
            .await
        {
            Ok(reply) => Ok(reply["completed"].as_i64().unwrap_or(0) > 0),
            Err(AdminError::Api { status: 404, .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The registration tokens Synapse would still accept.
    pub async fn valid_registration_tokens(
        &self,
        admin_token: &str,
    ) -> Result<Vec<String>, AdminError> {
        let url = format!(
            "{}/_synapse/admin/v1/registration_tokens?valid=true",
            self.base_url
        );
        let reply = self
            .send(self.http.get(&url).bearer_auth(admin_token))
            .await?;
        Ok(reply["registration_tokens"]
            .as_array()
            .map(|tokens| {
                tokens
                    .iter()
                    .filter_map(|token| token["token"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Deletes a registration token; one that is gone already counts as deleted.
    pub async fn delete_registration_token(
        &self,
        admin_token: &str,
        token: &str,
    ) -> Result<(), AdminError> {
        let url = format!(
            "{}/_synapse/admin/v1/registration_tokens/{}",
            self.base_url,
            encode(token)
        );
        match self
            .send(self.http.delete(&url).bearer_auth(admin_token))
            .await
        {
            Ok(_) => Ok(()),
            Err(AdminError::Api { status: 404, .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Whether nobody has this user name yet (the public `register/available` endpoint).
    pub async fn username_available(&self, username: &str) -> Result<bool, AdminError> {
        let url = format!(
            "{}/_matrix/client/v3/register/available?username={}",
            self.base_url,
            encode(username)
        );
        match self.send(self.http.get(&url)).await {
            Ok(reply) => Ok(reply["available"].as_bool().unwrap_or(false)),
            Err(AdminError::Api { errcode, .. }) if errcode == "M_USER_IN_USE" => Ok(false),
            Err(AdminError::Api {
                errcode, message, ..
            }) if errcode == "M_INVALID_USERNAME" => Err(AdminError::InvalidUsername(message)),
            Err(error) => Err(error),
        }
    }

    /// Registers an account through the registration-token flow, the way a person would in a
    /// client, without logging in. Returns the new user id.
    pub async fn register_with_token(
        &self,
        username: &str,
        password: &str,
        token: &str,
    ) -> Result<String, AdminError> {
        let url = format!("{}/_matrix/client/v3/register", self.base_url);
        let mut auth: Option<Value> = None;
        // Synapse asks for the token stage and then a dummy stage; a few rounds at most.
        for _ in 0..4 {
            let mut body = json!({
                "username": username,
                "password": password,
                "inhibit_login": true,
                "initial_device_display_name": "Kring",
            });
            if let Some(auth) = &auth {
                body["auth"] = auth.clone();
            }
            let response = self
                .http
                .post(&url)
                .json(&body)
                .send()
                .await
                .map_err(|source| AdminError::Unreachable {
                    url: self.base_url.clone(),
                    source,
                })?;
            let status = response.status().as_u16();
            let reply: Value = response.json().await.unwrap_or(Value::Null);
            if (200..300).contains(&status) {
                return reply["user_id"].as_str().map(str::to_owned).ok_or_else(|| {
                    AdminError::Api {
                        status,
                        errcode: "M_BAD_JSON".into(),
                        message: "no user id in the answer".into(),
                    }
                });
            }
            let errcode = reply["errcode"].as_str().unwrap_or_default();
            match errcode {
                "M_USER_IN_USE" => return Err(AdminError::UserExists(username.to_owned())),
                "M_INVALID_USERNAME" => {
                    return Err(AdminError::InvalidUsername(
                        reply["error"].as_str().unwrap_or_default().to_owned(),
                    ));
                }
                _ => {}
            }
            if status != 401 || reply.get("session").is_none() {
                return Err(AdminError::Api {
                    status,
                    errcode: errcode.to_owned(),
                    message: reply["error"].as_str().unwrap_or_default().to_owned(),
                });
            }
            let session = reply["session"].clone();
            let completed: Vec<&str> = reply["completed"]
                .as_array()
                .map(|stages| stages.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            // An error next to a repeated token stage means the token itself was refused.
            if auth.is_some() && !completed.contains(&"m.login.registration_token") {
                return Err(AdminError::TokenRejected);
            }
            auth = Some(if completed.contains(&"m.login.registration_token") {
                json!({ "type": "m.login.dummy", "session": session })
            } else {
                json!({ "type": "m.login.registration_token", "token": token, "session": session })
            });
        }
        Err(AdminError::Api {
            status: 401,
            errcode: "M_UNKNOWN".into(),
            message: "registration did not finish".into(),
        })
    }

    /// Exempts an account (a bot) from Synapse's rate limits.
    pub async fn exempt_from_rate_limits(
        &self,
        admin_token: &str,
        user_id: &str,
    ) -> Result<(), AdminError> {
        let url = format!(
            "{}/_synapse/admin/v1/users/{}/override_ratelimit",
            self.base_url,
            encode(user_id)
        );
        let body = json!({ "messages_per_second": 0, "burst_count": 0 });
        self.send(self.http.post(&url).bearer_auth(admin_token).json(&body))
            .await?;
        Ok(())
    }

    async fn require_user(&self, admin_token: &str, user_id: &str) -> Result<(), AdminError> {
        if self.user_exists(admin_token, user_id).await? {
            Ok(())
        } else {
            Err(AdminError::NoSuchUser(user_id.to_owned()))
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, AdminError> {
        let response = request
            .send()
            .await
            .map_err(|source| AdminError::Unreachable {
                url: self.base_url.clone(),
                source,
            })?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let errcode = body["errcode"].as_str().unwrap_or("M_UNKNOWN").to_owned();
        if errcode == "M_FORBIDDEN" && status == 403 {
            return Err(AdminError::Forbidden);
        }
        Err(AdminError::Api {
            status,
            errcode,
            message: body["error"].as_str().unwrap_or("").to_owned(),
        })
    }
}

fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
