//! Kring's durable storage. SQLite is the embedded default, PostgreSQL runs in production; both
//! go through the same portable SQL and the same migrations, and the test suite runs on both.

mod consults;
mod identities;
mod inbox;
mod lanes;
mod language;
mod meetings;
mod networks;
pub mod private_file;
mod timers;

pub use consults::{ConsultPoll, StoredConsult, StoredForm};
pub use identities::ConfirmedIdentity;
pub use inbox::{InboxEntry, InboxKind, InboxState, NewInboxEntry};
pub use meetings::MeetingFigureRows;
pub use networks::{LinkLookup, NETWORK_CHOICE_STANDS_MS, PendingEffect, PlanBasis, PlanWritten};
pub use timers::{FiredTimers, StoredTimer, TimerState, fired_timer_event_id};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};
use std::time::{SystemTime, UNIX_EPOCH};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("the database address is not understood (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("could not reach the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("could not bring the database schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored value is not valid: {0}")]
    Corrupt(String),
    #[error("a concurrent change got there first: {0}")]
    Conflict(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// A handle on Kring's database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
}

impl Store {
    /// Connects and applies every pending migration. `url` is `sqlite://path?mode=rwc` or
    /// `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = Self::open_pool(url).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Connects and brings the schema only up to migration `version`: for tests of what a
    /// later migration does with data written before it.
    #[doc(hidden)]
    pub async fn connect_at_version(url: &str, version: i64) -> Result<Self> {
        let pool = Self::open_pool(url).await?;
        MIGRATOR.run_to(version, &pool).await?;
        Ok(Self { pool })
    }

    async fn open_pool(url: &str) -> Result<AnyPool> {
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres:")
            || url.starts_with("postgresql:"))
        {
            return Err(StoreError::UnsupportedUrl);
        }
        install_default_drivers();
        let max_connections = if url.starts_with("sqlite:") { 4 } else { 8 };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .connect(url)
            .await
            .map_err(StoreError::Connect)?;
        if url.starts_with("sqlite:") {
            // Write-ahead logging: one sync of the log per commit instead of the rollback
            // journal's several, and readers never wait for the writer. Commits stay as durable
            // (synchronous stays FULL); the setting is kept in the database file.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        Ok(pool)
    }

    /// A SQLite database file, created if missing.
    pub async fn open_sqlite_file(path: &std::path::Path) -> Result<Self> {
        Self::connect(&format!("sqlite://{}?mode=rwc", path.display())).await
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A round trip to the database, for `!status` and `/healthz`.
    pub async fn health_check(&self) -> Result<()> {
        let row = sqlx::query("SELECT 1 AS one").fetch_one(&self.pool).await?;
        let one: i32 = row.try_get("one")?;
        if one == 1 {
            Ok(())
        } else {
            Err(StoreError::Corrupt(
                "SELECT 1 returned another value".into(),
            ))
        }
    }

    pub async fn sync_position(&self, bot: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT next_batch FROM sync_position WHERE bot = $1")
            .bind(bot)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("next_batch")).transpose()?)
    }

    /// Records that everything up to `next_batch` is in the inbox.
    pub async fn save_sync_position(&self, bot: &str, next_batch: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO sync_position (bot, next_batch, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (bot) DO UPDATE SET next_batch = excluded.next_batch, updated_at = excluded.updated_at",
        )
        .bind(bot)
        .bind(next_batch)
        .bind(now_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Where one device of a bot account synced up to. Positions are kept per device, since a
    /// position also acknowledges that device's to-device messages (its room keys): another
    /// device resuming from it would have the server drop keys it never received. A position
    /// stored before positions were per device (under the account alone) counts for the
    /// device that stored it, the only one there was.
    pub async fn device_sync_position(&self, user: &str, device: &str) -> Result<Option<String>> {
        match self.sync_position(&device_sync_key(user, device)).await? {
            Some(position) => Ok(Some(position)),
            None => self.sync_position(user).await,
        }
    }

    /// Records that everything up to `next_batch` of this device's sync is in the inbox.
    pub async fn save_device_sync_position(
        &self,
        user: &str,
        device: &str,
        next_batch: &str,
    ) -> Result<()> {
        self.save_sync_position(&device_sync_key(user, device), next_batch)
            .await
    }
}

/// A space never occurs in a Matrix user id, so the two parts cannot run together.
fn device_sync_key(user: &str, device: &str) -> String {
    format!("{user} {device}")
}

/// A stored id (a person's, a room's, an event's, a network's) read back typed. One that no
/// longer parses is corruption; its value is left out of the error, because an id can name a
/// person and this error reaches logs.
pub(crate) fn parse_stored<T: TryFrom<String>>(text: String, column: &str) -> Result<T> {
    T::try_from(text).map_err(|_| StoreError::Corrupt(format!("{column}: not a valid id")))
}

pub(crate) fn stored<T: TryFrom<String>>(row: &sqlx::any::AnyRow, column: &str) -> Result<T> {
    parse_stored(row.try_get(column)?, column)
}

pub(crate) fn stored_if_any<T: TryFrom<String>>(
    row: &sqlx::any::AnyRow,
    column: &str,
) -> Result<Option<T>> {
    row.try_get::<Option<String>, _>(column)?
        .map(|text| parse_stored(text, column))
        .transpose()
}

pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
