//! The durable scheduler's table. Plans schedule, move and cancel timers in the same
//! transaction as their other changes; [`Store::fire_due_timers`] turns each due timer into an
//! inbox entry and marks it fired in one transaction, so a timer fires exactly once whatever
//! stops the process, and the inbox answers it exactly once like any event.

use crate::inbox::{InboxKind, InboxState};
use crate::{Result, Store, StoreError, now_millis};
use kring_core::plan::{FiredTimer, Timer};
use sqlx::{AnyConnection, Row};

/// A timer as stored, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTimer {
    pub timer: Timer,
    pub state: TimerState,
    pub fired_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerState {
    Scheduled,
    Fired,
    Cancelled,
    /// Its stored payload could not be read: it will not fire, and the worker says so.
    Broken,
}

impl TimerState {
    fn code(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Fired => "fired",
            Self::Cancelled => "cancelled",
            Self::Broken => "broken",
        }
    }

    fn from_code(code: &str) -> Result<Self> {
        match code {
            "scheduled" => Ok(Self::Scheduled),
            "fired" => Ok(Self::Fired),
            "cancelled" => Ok(Self::Cancelled),
            "broken" => Ok(Self::Broken),
            other => Err(StoreError::Corrupt(format!("timer state {other:?}"))),
        }
    }
}

/// What one call of [`Store::fire_due_timers`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FiredTimers {
    pub fired: usize,
    /// Capability and key of each timer whose stored payload could not be read.
    pub broken: Vec<(String, String)>,
}

/// The inbox entry a timer becomes: one id per timer and due time, so firing twice (two
/// processes, a replay) writes one entry, and a moved timer fires again at its new time.
pub fn fired_timer_event_id(capability: &str, key: &str, due_at: i64) -> String {
    format!("kring-timer-{capability}-{key}-{due_at}")
}

pub(crate) async fn schedule(
    connection: &mut AnyConnection,
    cause_event_id: &str,
    timer: &Timer,
) -> Result<()> {
    let payload = serde_json::to_string(&timer.payload)
        .map_err(|error| StoreError::Corrupt(format!("timer payload: {error}")))?;
    sqlx::query(
        "INSERT INTO timers (capability, timer_key, due_at, room_id, payload, state, scheduled_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'scheduled', $6, $7)
         ON CONFLICT (capability, timer_key) DO UPDATE SET due_at = excluded.due_at,
           room_id = excluded.room_id, payload = excluded.payload, state = 'scheduled',
           scheduled_by = excluded.scheduled_by, updated_at = excluded.updated_at, fired_at = NULL",
    )
    .bind(&timer.capability)
    .bind(&timer.key)
    .bind(timer.due_at)
    .bind(timer.room_id.as_ref().map(|room| room.as_str()))
    .bind(payload)
    .bind(cause_event_id)
    .bind(now_millis())
    .execute(&mut *connection)
    .await?;
    Ok(())
}

pub(crate) async fn cancel(
    connection: &mut AnyConnection,
    capability: &str,
    key: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE timers SET state = 'cancelled', updated_at = $1
         WHERE capability = $2 AND timer_key = $3 AND state = 'scheduled'",
    )
    .bind(now_millis())
    .bind(capability)
    .bind(key)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

fn timer_from_row(row: &sqlx::any::AnyRow) -> Result<StoredTimer> {
    let payload: String = row.try_get("payload")?;
    Ok(StoredTimer {
        timer: Timer {
            capability: row.try_get("capability")?,
            key: row.try_get("timer_key")?,
            due_at: row.try_get("due_at")?,
            room_id: crate::stored_if_any(row, "room_id")?,
            payload: serde_json::from_str(&payload)
                .map_err(|error| StoreError::Corrupt(format!("timer payload: {error}")))?,
        },
        state: TimerState::from_code(&row.try_get::<String, _>("state")?)?,
        fired_at: row.try_get("fired_at")?,
    })
}

impl Store {
    /// Every timer due at `now` becomes a pending inbox entry of `bot`'s, at most `limit` of
    /// them, oldest first. A timer whose payload cannot be read is marked broken and reported,
    /// so that it neither blocks the others nor disappears without a word.
    pub async fn fire_due_timers(&self, bot: &str, now: i64, limit: i64) -> Result<FiredTimers> {
        let mut tx = self.pool.begin().await?;
        // Writing first takes the due rows for this transaction: PostgreSQL locks them, SQLite
        // takes its write lock now (a transaction that read first could not upgrade while
        // another wrote, and would fail instead of waiting).
        sqlx::query("UPDATE timers SET state = state WHERE state = 'scheduled' AND due_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let rows = sqlx::query(
            "SELECT capability, timer_key, due_at, room_id, payload FROM timers
             WHERE state = 'scheduled' AND due_at <= $1 ORDER BY due_at, capability, timer_key LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut outcome = FiredTimers::default();
        for row in &rows {
            let capability: String = row.try_get("capability")?;
            let key: String = row.try_get("timer_key")?;
            let due_at: i64 = row.try_get("due_at")?;
            let room_id: Option<String> = row.try_get("room_id")?;
            let payload: String = row.try_get("payload")?;
            let payload = serde_json::from_str::<serde_json::Value>(&payload).ok();
            // Only the process whose update changed the row writes the entry; another one
            // that read the same row finds it taken and moves on.
            let claimed = sqlx::query(
                "UPDATE timers SET state = $1, fired_at = $2, updated_at = $2
                 WHERE capability = $3 AND timer_key = $4 AND due_at = $5 AND state = 'scheduled'",
            )
            .bind(if payload.is_some() {
                TimerState::Fired.code()
            } else {
                TimerState::Broken.code()
            })
            .bind(now)
            .bind(&capability)
            .bind(&key)
            .bind(due_at)
            .execute(&mut *tx)
            .await?;
            if claimed.rows_affected() != 1 {
                continue;
            }
            let Some(payload) = payload else {
                outcome.broken.push((capability, key));
                continue;
            };
            let event_id = fired_timer_event_id(&capability, &key, due_at);
            let body = serde_json::to_string(&FiredTimer {
                capability,
                key,
                due_at,
                payload,
            })
            .map_err(|error| StoreError::Corrupt(format!("fired timer: {error}")))?;
            sqlx::query(
                "INSERT INTO inbox (event_id, bot, room_id, sender, kind, body, encrypted_event, origin_ts, received_at, state)
                 VALUES ($1, $2, $3, '', $4, $5, NULL, $6, $7, $8)
                 ON CONFLICT (bot, event_id) DO NOTHING",
            )
            .bind(event_id)
            .bind(bot)
            .bind(room_id.as_deref().unwrap_or(""))
            .bind(InboxKind::Timer.code())
            .bind(body)
            .bind(due_at)
            .bind(now_millis())
            .bind(InboxState::Pending.code())
            .execute(&mut *tx)
            .await?;
            outcome.fired += 1;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// When the soonest timer still to fire is due, so the worker can wake for it instead of
    /// finding it at its next look.
    pub async fn next_timer_due(&self) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT MIN(due_at) AS due_at FROM timers WHERE state = 'scheduled'")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("due_at")?)
    }

    /// One capability's timer, whatever its state.
    pub async fn timer(&self, capability: &str, key: &str) -> Result<Option<StoredTimer>> {
        let row = sqlx::query(
            "SELECT capability, timer_key, due_at, room_id, payload, state, fired_at FROM timers
             WHERE capability = $1 AND timer_key = $2",
        )
        .bind(capability)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(timer_from_row).transpose()
    }

    /// Timers still to fire, soonest first (for `!status` and the operators' metrics).
    pub async fn scheduled_timers(&self, limit: i64) -> Result<Vec<StoredTimer>> {
        let rows = sqlx::query(
            "SELECT capability, timer_key, due_at, room_id, payload, state, fired_at FROM timers
             WHERE state = 'scheduled' ORDER BY due_at, capability, timer_key LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(timer_from_row).collect()
    }
}
