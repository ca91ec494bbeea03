//! Pinned cross-signing identities of the people who steer a network (migration
//! 20261201000001). The rule is `kring_core::trust::judge_identity`; this module only keeps
//! what it needs.

use crate::{Result, Store, now_millis};
use kring_core::MatrixId;
use kring_core::trust::{IdentityVerdict, judge_identity};
use sqlx::Row;

/// A changed identity an administrator confirmed, which the bot has not announced yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmedIdentity {
    pub user_id: String,
    pub confirmed_at: i64,
}

impl Store {
    /// Judges `master_key` against the one pinned for `user`, pinning it when there is none and
    /// remembering it as the changed one when it differs; the flag says the change is new (not
    /// seen before), so that the client is told once. One transaction, so two inputs at once
    /// cannot both pin.
    pub async fn check_identity(
        &self,
        user: &MatrixId,
        master_key: &str,
    ) -> Result<(IdentityVerdict, bool)> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT master_key FROM pinned_identities WHERE user_id = $1")
            .bind(user.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let pinned: Option<String> = row.map(|row| row.try_get("master_key")).transpose()?;
        let verdict = judge_identity(pinned.as_deref(), master_key);
        let mut newly_changed = false;
        match verdict {
            IdentityVerdict::Pin => {
                sqlx::query(
                    "INSERT INTO pinned_identities (user_id, master_key, pinned_at) VALUES ($1, $2, $3)",
                )
                .bind(user.as_str())
                .bind(master_key)
                .bind(now_millis())
                .execute(&mut *tx)
                .await?;
            }
            IdentityVerdict::Same => {}
            IdentityVerdict::Changed => {
                let recorded = sqlx::query(
                    "UPDATE pinned_identities SET changed_master_key = $1, changed_at = $2
                     WHERE user_id = $3 AND (changed_master_key IS NULL OR changed_master_key <> $1)",
                )
                .bind(master_key)
                .bind(now_millis())
                .bind(user.as_str())
                .execute(&mut *tx)
                .await?;
                newly_changed = recorded.rows_affected() == 1;
            }
        }
        tx.commit().await?;
        Ok((verdict, newly_changed))
    }

    /// The identity pinned for `user`, if any (read only: judging one is `check_identity`).
    pub async fn pinned_identity(&self, user: &MatrixId) -> Result<Option<String>> {
        let row = sqlx::query("SELECT master_key FROM pinned_identities WHERE user_id = $1")
            .bind(user.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("master_key")).transpose()?)
    }

    /// The administrator checked who `user` is and that `master_key` is the key their own
    /// Element shows: that identity becomes the pinned one. Only the key checked is confirmed,
    /// never whichever was seen last (an attacker may reset the account again meanwhile).
    /// Returns `false` when that key is not the changed identity waiting for confirmation.
    pub async fn confirm_identity(&self, user: &MatrixId, master_key: &str) -> Result<bool> {
        let confirmed = sqlx::query(
            "UPDATE pinned_identities
             SET master_key = changed_master_key, pinned_at = $1, changed_master_key = NULL,
                 changed_at = NULL, confirmed_at = $1, announced_at = NULL
             WHERE user_id = $2 AND changed_master_key = $3",
        )
        .bind(now_millis())
        .bind(user.as_str())
        .bind(master_key)
        .execute(&self.pool)
        .await?;
        Ok(confirmed.rows_affected() == 1)
    }

    /// Someone who does not steer turned up with a new identity: it becomes theirs at once.
    pub async fn replace_identity(&self, user: &MatrixId, master_key: &str) -> Result<()> {
        sqlx::query(
            "UPDATE pinned_identities SET master_key = $1, pinned_at = $2,
                 changed_master_key = NULL, changed_at = NULL
             WHERE user_id = $3",
        )
        .bind(master_key)
        .bind(now_millis())
        .bind(user.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// People whose steering is paused by a changed identity, for the administrator.
    /// As (user id, the new master key, since when).
    pub async fn changed_identities(&self) -> Result<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT user_id, changed_master_key, changed_at FROM pinned_identities
             WHERE changed_master_key IS NOT NULL ORDER BY changed_at",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("user_id")?,
                    row.try_get("changed_master_key")?,
                    row.try_get("changed_at")?,
                ))
            })
            .collect()
    }

    pub async fn unannounced_confirmations(&self) -> Result<Vec<ConfirmedIdentity>> {
        let rows = sqlx::query(
            "SELECT user_id, confirmed_at FROM pinned_identities
             WHERE confirmed_at IS NOT NULL AND announced_at IS NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ConfirmedIdentity {
                    user_id: row.try_get("user_id")?,
                    confirmed_at: row.try_get("confirmed_at")?,
                })
            })
            .collect()
    }

    pub async fn confirmation_announced(&self, user_id: &str, confirmed_at: i64) -> Result<()> {
        sqlx::query(
            "UPDATE pinned_identities SET announced_at = $1 WHERE user_id = $2 AND confirmed_at = $3",
        )
        .bind(now_millis())
        .bind(user_id)
        .bind(confirmed_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
