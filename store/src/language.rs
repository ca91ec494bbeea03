//! The language capability's table: which language each member is answered in.

use crate::{Result, Store, StoreError};
use kring_core::Language;
use sqlx::{AnyConnection, Row};

impl Store {
    pub async fn member_language(&self, user_id: &str) -> Result<Option<Language>> {
        let row = sqlx::query("SELECT language FROM member_language WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let code: String = row.try_get("language")?;
        Language::from_code(&code)
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt(format!("language code {code:?}")))
    }
}

/// `Change::SetLanguage`, inside the plan's transaction.
pub(crate) async fn put_member_language(
    connection: &mut AnyConnection,
    user_id: &str,
    language: Language,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO member_language (user_id, language, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(language.code())
    .bind(at)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
