//! Lanes and their leases: which rooms have entries waiting, and who answers each room now.
//!
//! A lane is one room's inbox entries (entries without a room, such as an administrator's
//! confirmation, share the lane `""`). One holder at a time answers a lane, in order; the
//! lease says who and until when, so a second process never answers a room's entries beside
//! the first. A lane whose first entry failed is paused: its lease passes to nobody until the
//! retry is due, so it holds none of the worker's places meanwhile and no process takes it up
//! early. Times are passed in, so tests can run a lease out.

use crate::inbox::{InboxEntry, InboxState, select_inbox};
use crate::{Result, Store};
use sqlx::Row;

/// The holder of a paused lane's lease: no process, so nobody's claim matches it.
const PAUSED: &str = "";

impl Store {
    /// Rooms (lanes) with entries waiting that `holder` may answer at `now`, the
    /// longest-waiting first: not those another holder answers, nor those paused.
    pub async fn pending_lanes(
        &self,
        bot: &str,
        holder: &str,
        now: i64,
        limit: i64,
    ) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT room_id FROM inbox WHERE bot = $1 AND state = $2
               AND NOT EXISTS (SELECT 1 FROM lanes WHERE lanes.bot = inbox.bot
                 AND lanes.lane = inbox.room_id AND lanes.claimed_by <> $3
                 AND lanes.claimed_until >= $4)
             GROUP BY room_id ORDER BY MIN(origin_ts), room_id LIMIT $5",
        )
        .bind(bot)
        .bind(InboxState::Pending.code())
        .bind(holder)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| row.try_get("room_id").map_err(Into::into))
            .collect()
    }

    /// One lane's waiting entries, in the order they are answered.
    pub async fn pending_in_lane(
        &self,
        bot: &str,
        lane: &str,
        limit: i64,
    ) -> Result<Vec<InboxEntry>> {
        let rows = sqlx::query(select_inbox!(
            "WHERE bot = $1 AND state = $2 AND room_id = $3 ORDER BY origin_ts, event_id LIMIT $4"
        ))
        .bind(bot)
        .bind(InboxState::Pending.code())
        .bind(lane)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(InboxEntry::from_row).collect()
    }

    /// Takes (or keeps) `lane` for `holder` until `until`. Returns `false` while someone else's
    /// lease on it has not run out at `now`; the holder's own lease is simply extended.
    pub async fn claim_lane(
        &self,
        bot: &str,
        lane: &str,
        holder: &str,
        now: i64,
        until: i64,
    ) -> Result<bool> {
        let claimed = sqlx::query(
            "INSERT INTO lanes (bot, lane, claimed_by, claimed_until) VALUES ($1, $2, $3, $4)
             ON CONFLICT (bot, lane) DO UPDATE
             SET claimed_by = excluded.claimed_by, claimed_until = excluded.claimed_until
             WHERE lanes.claimed_by = excluded.claimed_by OR lanes.claimed_until < $5",
        )
        .bind(bot)
        .bind(lane)
        .bind(holder)
        .bind(until)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    /// Extends every lease `holder` has on `bot`'s lanes; returns how many.
    pub async fn renew_lanes(&self, bot: &str, holder: &str, until: i64) -> Result<u64> {
        let renewed =
            sqlx::query("UPDATE lanes SET claimed_until = $1 WHERE bot = $2 AND claimed_by = $3")
                .bind(until)
                .bind(bot)
                .bind(holder)
                .execute(&self.pool)
                .await?;
        Ok(renewed.rows_affected())
    }

    /// Lets go of `lane` until `until`, if `holder` still holds it: its first entry failed and
    /// is tried again then, by whichever process takes the lane.
    pub async fn pause_lane(&self, bot: &str, lane: &str, holder: &str, until: i64) -> Result<()> {
        sqlx::query(
            "UPDATE lanes SET claimed_by = $1, claimed_until = $2
             WHERE bot = $3 AND lane = $4 AND claimed_by = $5",
        )
        .bind(PAUSED)
        .bind(until)
        .bind(bot)
        .bind(lane)
        .bind(holder)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Lets go of `lane`, if `holder` still holds it.
    pub async fn release_lane(&self, bot: &str, lane: &str, holder: &str) -> Result<()> {
        sqlx::query("DELETE FROM lanes WHERE bot = $1 AND lane = $2 AND claimed_by = $3")
            .bind(bot)
            .bind(lane)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Who holds `lane` and until when, if anyone.
    pub async fn lane_lease(&self, bot: &str, lane: &str) -> Result<Option<(String, i64)>> {
        let row =
            sqlx::query("SELECT claimed_by, claimed_until FROM lanes WHERE bot = $1 AND lane = $2")
                .bind(bot)
                .bind(lane)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| Ok((row.try_get("claimed_by")?, row.try_get("claimed_until")?)))
            .transpose()
    }
}
