//! Care networks, their members, proposals and invite links; plans written atomically with
//! their outbox; the outbox itself.

use crate::{Result, Store, StoreError, now_millis, parse_stored, stored, stored_if_any};
use kring_core::audit::{AuditEntry, ChainBreak, GENESIS_HASH, first_break};
use kring_core::consent::poll::ConsentPoll;
use kring_core::consent::{Consent, Grant, InfoKind, Subject};
use kring_core::network::{
    InviteLink, LinkState, Member, Membership, Millis, Network, NetworkId, NetworkState, Proposal,
    ProposalKind, ProposalState,
};
use kring_core::plan::{ActionRecord, Change, Effect, Plan};
use kring_core::{MatrixId, Role};
use ruma_common::{OwnedEventId, OwnedRoomId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// An effect still to carry out, in the order it was planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEffect {
    pub cause_event_id: String,
    pub seq: i64,
    pub effect: Effect,
    pub attempts: i64,
}

/// The state a plan was made from, as `Store::plan_basis` read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanBasis(i64);

/// What became of a plan handed to `Store::apply_plan_made_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanWritten {
    Written,
    /// The entry had a plan already (a replay, or another process was first): nothing written.
    PlannedBefore,
    /// Something a plan is made from was written since the plan's basis was read: nothing
    /// written; plan again.
    StateChanged,
}

/// A link found by the secret in its URL, with the network it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkLookup {
    pub network_id: String,
    pub link: InviteLink,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

fn role(row: &AnyRow) -> Result<Role> {
    let code: String = row.try_get("role")?;
    let organisation: Option<String> = row.try_get("organisation")?;
    let discipline: Option<String> = row.try_get("discipline")?;
    Role::from_parts(&code, organisation.as_deref(), discipline.as_deref())
        .ok_or_else(|| corrupt("role", &code))
}

fn role_parts(role: &Role) -> (&'static str, Option<&str>, Option<&str>) {
    match role {
        Role::Professional {
            organisation,
            discipline,
        } => (
            role.code(),
            Some(organisation.as_str()),
            Some(discipline.as_str()),
        ),
        _ => (role.code(), None, None),
    }
}

impl Store {
    /// The whole network model, as the rules in `kring_core::network` need it.
    pub async fn network(&self, network_id: &str) -> Result<Option<Network>> {
        let mut connection = self.pool.acquire().await?;
        load_network(&mut connection, network_id).await
    }

    pub async fn network_by_room(&self, room_id: &str) -> Result<Option<Network>> {
        let row = sqlx::query("SELECT network_id FROM networks WHERE room_id = $1")
            .bind(room_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => self.network(&row.try_get::<String, _>("network_id")?).await,
            None => Ok(None),
        }
    }

    /// The client's network that is not closed, if any.
    pub async fn open_network_of_client(&self, client: &MatrixId) -> Result<Option<Network>> {
        let row = sqlx::query(
            "SELECT network_id FROM networks WHERE client_user_id = $1 AND state <> 'closed'",
        )
        .bind(client.as_str())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => self.network(&row.try_get::<String, _>("network_id")?).await,
            None => Ok(None),
        }
    }

    /// The command `user` was asked "which network?" about, and the networks listed, if that
    /// question still stands at `now`.
    pub async fn network_choice(
        &self,
        user: &MatrixId,
        now: i64,
    ) -> Result<Option<(String, Vec<NetworkId>)>> {
        let row = sqlx::query(
            "SELECT command, network_ids FROM network_choices
             WHERE user_id = $1 AND asked_at >= $2",
        )
        .bind(user.as_str())
        .bind(now - NETWORK_CHOICE_STANDS_MS)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let ids: String = row.try_get("network_ids")?;
            Ok((
                row.try_get("command")?,
                ids.lines()
                    .map(|id| parse_stored(id.to_owned(), "network_ids"))
                    .collect::<Result<Vec<NetworkId>>>()?,
            ))
        })
        .transpose()
    }

    /// Networks `user` steers: as their client, or as a representative in them.
    pub async fn networks_steered_by(&self, user: &MatrixId) -> Result<Vec<NetworkId>> {
        let rows = sqlx::query(
            "SELECT network_id FROM networks WHERE client_user_id = $1 AND state <> 'closed'
             UNION
             SELECT network_id FROM network_members
             WHERE user_id = $1 AND role = 'representative' AND membership = 'joined'
             ORDER BY network_id",
        )
        .bind(user.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| stored(row, "network_id")).collect()
    }

    /// Every network still open that has its room, with that room.
    pub async fn open_network_rooms(&self) -> Result<Vec<(NetworkId, OwnedRoomId)>> {
        let rows = sqlx::query(
            "SELECT network_id, room_id FROM networks
             WHERE state <> 'closed' AND room_id IS NOT NULL ORDER BY network_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((stored(row, "network_id")?, stored(row, "room_id")?)))
            .collect()
    }

    pub async fn network_room(&self, network_id: &str) -> Result<Option<OwnedRoomId>> {
        let row = sqlx::query("SELECT room_id FROM networks WHERE network_id = $1")
            .bind(network_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|row| stored_if_any(&row, "room_id"))
            .transpose()?
            .flatten())
    }

    /// Effects write what they learnt (a room made, a poll sent, an invite that failed) as any
    /// write plans are made from: counted, so a plan made beside it is made again.
    pub async fn set_network_room(&self, network_id: &str, room_id: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        state_written(&mut tx, None).await?;
        sqlx::query("UPDATE networks SET room_id = $1 WHERE network_id = $2")
            .bind(room_id)
            .bind(network_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The proposal whose prompt (poll) is `event_id`, for votes.
    pub async fn proposal_by_prompt(&self, event_id: &str) -> Result<Option<(String, i64)>> {
        let row =
            sqlx::query("SELECT network_id, number FROM proposals WHERE prompt_event_id = $1")
                .bind(event_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| Ok((row.try_get("network_id")?, row.try_get("number")?)))
            .transpose()
    }

    /// The prompt (poll) that asked about proposal `number`, if it was sent.
    pub async fn proposal_prompt(
        &self,
        network_id: &str,
        number: i64,
    ) -> Result<Option<OwnedEventId>> {
        let row = sqlx::query(
            "SELECT prompt_event_id FROM proposals WHERE network_id = $1 AND number = $2",
        )
        .bind(network_id)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|row| stored_if_any(&row, "prompt_event_id"))
            .transpose()?
            .flatten())
    }

    pub async fn set_proposal_prompt(
        &self,
        network_id: &str,
        number: i64,
        event_id: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        state_written(&mut tx, None).await?;
        sqlx::query(
            "UPDATE proposals SET prompt_event_id = $1 WHERE network_id = $2 AND number = $3",
        )
        .bind(event_id)
        .bind(network_id)
        .bind(number)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Remembers a consent poll the bot sent. Repeating it (a retried effect) changes nothing.
    pub async fn record_consent_poll(
        &self,
        poll_event_id: &str,
        network_id: &str,
        room_id: &str,
        poll: &ConsentPoll,
        sent_at: Millis,
    ) -> Result<()> {
        let json = serde_json::to_string(poll)
            .map_err(|error| StoreError::Corrupt(format!("consent poll: {error}")))?;
        let mut tx = self.pool.begin().await?;
        state_written(&mut tx, None).await?;
        sqlx::query(
            "INSERT INTO consent_polls (poll_event_id, network_id, room_id, poll, sent_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (poll_event_id) DO NOTHING",
        )
        .bind(poll_event_id)
        .bind(network_id)
        .bind(room_id)
        .bind(json)
        .bind(sent_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The open consent polls of a network, as (poll event id, room id), oldest first.
    pub async fn open_consent_polls(
        &self,
        network_id: &str,
    ) -> Result<Vec<(OwnedEventId, OwnedRoomId)>> {
        let rows = sqlx::query(
            "SELECT poll_event_id, room_id FROM consent_polls
             WHERE network_id = $1 AND closed_at IS NULL ORDER BY sent_at, poll_event_id",
        )
        .bind(network_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((stored(row, "poll_event_id")?, stored(row, "room_id")?)))
            .collect()
    }

    /// An open consent poll by its event id: its network, the room it was asked in, and what
    /// its answers stand for. Closed and unknown polls are `None`.
    pub async fn open_consent_poll(
        &self,
        poll_event_id: &str,
    ) -> Result<Option<(String, String, ConsentPoll)>> {
        let row = sqlx::query(
            "SELECT network_id, room_id, poll FROM consent_polls
             WHERE poll_event_id = $1 AND closed_at IS NULL",
        )
        .bind(poll_event_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let json: String = row.try_get("poll")?;
        // Not the JSON itself in the error: it names members.
        let poll = serde_json::from_str(&json)
            .map_err(|_| StoreError::Corrupt("a stored consent poll".into()))?;
        Ok(Some((
            row.try_get("network_id")?,
            row.try_get("room_id")?,
            poll,
        )))
    }

    /// An invite that could not be delivered (no such account): the person never was a member.
    pub async fn forget_invited_member(&self, network_id: &str, user: &MatrixId) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        state_written(&mut tx, None).await?;
        sqlx::query(
            "DELETE FROM network_members WHERE network_id = $1 AND user_id = $2 AND membership = 'invited'",
        )
        .bind(network_id)
        .bind(user.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn invite_link_by_secret_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<LinkLookup>> {
        let row = sqlx::query(select_link!("WHERE secret_hash = $1"))
            .bind(secret_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(lookup_from_row).transpose()
    }

    pub async fn invite_link(&self, link_id: &str) -> Result<Option<LinkLookup>> {
        let row = sqlx::query(select_link!("WHERE link_id = $1"))
            .bind(link_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(lookup_from_row).transpose()
    }

    /// Whether a registration token was made in Synapse for the link (the token itself is
    /// derived, `kring_core::network::registration_token`, and never stored).
    pub async fn registration_token_made(&self, link_id: &str) -> Result<bool> {
        let row = sqlx::query("SELECT registration_token FROM invite_links WHERE link_id = $1")
            .bind(link_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|row| row.try_get::<Option<String>, _>("registration_token"))
            .transpose()?
            .flatten()
            .is_some())
    }

    /// Notes that a registration token exists in Synapse for the link, so that it is deleted
    /// there once the link is spent. Only a mark: `registration_token` holds "made".
    pub async fn registration_token_was_made(&self, link_id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE invite_links SET registration_token = 'made' WHERE link_id = $1 AND registration_token IS NULL",
        )
        .bind(link_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Links whose registration token was made but that can no longer be used (used, revoked
    /// or past their date), as (network id, link id, end, what the column holds: "made", or a
    /// token stored by an older version): their tokens must not stay valid.
    pub async fn spent_registration_tokens(
        &self,
        now: i64,
    ) -> Result<Vec<(String, String, i64, String)>> {
        let rows = sqlx::query(
            "SELECT network_id, link_id, expires_at, registration_token FROM invite_links
             WHERE registration_token IS NOT NULL AND (state <> 'open' OR expires_at <= $1)",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("network_id")?,
                    row.try_get("link_id")?,
                    row.try_get("expires_at")?,
                    row.try_get("registration_token")?,
                ))
            })
            .collect()
    }

    /// The token of a spent link was deleted from Synapse: nothing of it is kept.
    pub async fn forget_registration_token(&self, link_id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE invite_links SET registration_token = NULL
             WHERE link_id = $1 AND (state <> 'open' OR expires_at <= $2)",
        )
        .bind(link_id)
        .bind(crate::now_millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Notes the user name about to be registered through an open link.
    /// One link makes one account: the first name claimed holds it (the same name may try
    /// again after a failure). Returns `false` when the link is used, closed, or claimed for
    /// another name, so two submits at once cannot both go on.
    pub async fn claim_invite_link(&self, link_id: &str, username: &str) -> Result<bool> {
        let claimed = sqlx::query(
            "UPDATE invite_links SET claimed_username = $1
             WHERE link_id = $2 AND state = 'open'
               AND (claimed_username IS NULL OR claimed_username = $1)",
        )
        .bind(username)
        .bind(link_id)
        .execute(&self.pool)
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    /// The claimed name turned out not to be available after all: the link is free again.
    pub async fn release_invite_link(&self, link_id: &str, username: &str) -> Result<()> {
        sqlx::query(
            "UPDATE invite_links SET claimed_username = NULL
             WHERE link_id = $1 AND state = 'open' AND claimed_username = $2",
        )
        .bind(link_id)
        .bind(username)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn claimed_username(&self, link_id: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT claimed_username FROM invite_links WHERE link_id = $1")
            .bind(link_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|row| row.try_get("claimed_username"))
            .transpose()?
            .flatten())
    }

    /// The account `user_id` was made through the link: marks it used and, in the same
    /// transaction, asks `bot` to invite them into the network room. Returns `false` when the
    /// link was no longer open (nothing is written then).
    pub async fn use_invite_link(
        &self,
        link_id: &str,
        user_id: &str,
        bot: &str,
        room_id: &str,
    ) -> Result<bool> {
        let now = now_millis();
        let mut tx = self.pool.begin().await?;
        // The bridge is a second writer: a link used is state a plan reads (a link revoked
        // beside it must not be taken for open).
        state_written(&mut tx, None).await?;
        let used = sqlx::query(
            "UPDATE invite_links SET state = 'used', used_by = $1, used_at = $2 WHERE link_id = $3 AND state = 'open'",
        )
        .bind(user_id)
        .bind(now)
        .bind(link_id)
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO inbox (event_id, bot, room_id, sender, kind, body, origin_ts, received_at, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 'pending')",
        )
        .bind(format!("kring-link-used-{link_id}"))
        .bind(bot)
        .bind(room_id)
        .bind(user_id)
        .bind(crate::InboxKind::LinkUsed.code())
        .bind(link_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// What a planner reads before it reads anything else, and hands back with its plan
    /// (`Store::apply_plan_made_at`): the count of writes to the state plans are made from.
    pub async fn plan_basis(&self) -> Result<PlanBasis> {
        let row = sqlx::query("SELECT seq FROM plan_sequence WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(PlanBasis(row.try_get("seq")?))
    }

    /// Writes `plan` for the inbox entry `cause_event_id` in one transaction: every change, the
    /// effects as outbox rows, and the mark that the entry is planned. Returns `false` (and
    /// writes nothing) when the entry was planned before. For setting up state (tests, tools):
    /// it does not ask whether the state changed since the plan was made, but planners running
    /// beside it notice that it wrote.
    pub async fn apply_plan(&self, bot: &str, cause_event_id: &str, plan: &Plan) -> Result<bool> {
        Ok(self.write_plan(bot, cause_event_id, plan, None).await? == PlanWritten::Written)
    }

    /// Writes `plan` as `Store::apply_plan` does, but only if nothing a plan is made from was
    /// written since `basis` was read; otherwise nothing is written and the caller plans again
    /// from the new state. This is what lets two processes plan on one database.
    pub async fn apply_plan_made_at(
        &self,
        bot: &str,
        cause_event_id: &str,
        plan: &Plan,
        basis: PlanBasis,
    ) -> Result<PlanWritten> {
        self.write_plan(bot, cause_event_id, plan, Some(basis))
            .await
    }

    async fn write_plan(
        &self,
        bot: &str,
        cause_event_id: &str,
        plan: &Plan,
        basis: Option<PlanBasis>,
    ) -> Result<PlanWritten> {
        let mut tx = self.pool.begin().await?;
        // The count first: every transaction that takes its row takes it before any other, so
        // no two of them wait for each other's rows (PostgreSQL would abort one as deadlocked).
        // A plan that changes nothing is checked against the count but does not raise it: it
        // writes nothing another plan reads, so it must not send those back to plan again.
        let unchanged = if plan.changes.is_empty() {
            state_unchanged(&mut tx, basis).await?
        } else {
            state_written(&mut tx, basis).await?
        };
        if !unchanged {
            tx.rollback().await?;
            return Ok(PlanWritten::StateChanged);
        }
        let marked = sqlx::query(
            "UPDATE inbox SET planned_at = $1
             WHERE bot = $2 AND event_id = $3 AND planned_at IS NULL",
        )
        .bind(now_millis())
        .bind(bot)
        .bind(cause_event_id)
        .execute(&mut *tx)
        .await?;
        if marked.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(PlanWritten::PlannedBefore);
        }
        let mut log_seq = 0_i64;
        for change in &plan.changes {
            apply_change(&mut tx, cause_event_id, &mut log_seq, change).await?;
        }
        for (seq, effect) in plan.effects.iter().enumerate() {
            let json = serde_json::to_string(effect).map_err(|error| {
                StoreError::Corrupt(format!("effect not serialisable: {error}"))
            })?;
            sqlx::query(
                "INSERT INTO outbox (cause_event_id, seq, bot, effect, state) VALUES ($1, $2, $3, $4, 'pending')",
            )
            .bind(cause_event_id)
            .bind(seq as i64)
            .bind(bot)
            .bind(json)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(PlanWritten::Written)
    }

    /// Whether the entry's plan has been stored already.
    pub async fn is_planned(&self, bot: &str, cause_event_id: &str) -> Result<bool> {
        let row = sqlx::query("SELECT planned_at FROM inbox WHERE bot = $1 AND event_id = $2")
            .bind(bot)
            .bind(cause_event_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => row.try_get::<Option<i64>, _>("planned_at")?.is_some(),
            None => false,
        })
    }

    /// The effects of one entry not carried out yet, in order.
    pub async fn pending_effects(
        &self,
        bot: &str,
        cause_event_id: &str,
    ) -> Result<Vec<PendingEffect>> {
        let rows = sqlx::query(
            "SELECT cause_event_id, seq, effect, attempts FROM outbox
             WHERE bot = $1 AND cause_event_id = $2 AND state = 'pending' ORDER BY seq",
        )
        .bind(bot)
        .bind(cause_event_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let json: String = row.try_get("effect")?;
                Ok(PendingEffect {
                    cause_event_id: row.try_get("cause_event_id")?,
                    seq: row.try_get("seq")?,
                    effect: serde_json::from_str(&json)
                        .map_err(|error| StoreError::Corrupt(format!("outbox effect: {error}")))?,
                    attempts: row.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// An effect is done; its content (which may hold message text) is dropped.
    pub async fn effect_done(
        &self,
        bot: &str,
        cause_event_id: &str,
        seq: i64,
        result: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET state = 'done', effect = '', result = $1
             WHERE bot = $2 AND cause_event_id = $3 AND seq = $4",
        )
        .bind(result)
        .bind(bot)
        .bind(cause_event_id)
        .bind(seq)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn effect_failed(&self, bot: &str, cause_event_id: &str, seq: i64) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1
             WHERE bot = $1 AND cause_event_id = $2 AND seq = $3",
        )
        .bind(bot)
        .bind(cause_event_id)
        .bind(seq)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The audit log of a network, oldest first, as (event type, actor, object, outcome).
    pub async fn network_actions(
        &self,
        network_id: &str,
    ) -> Result<Vec<(String, String, Option<String>, String)>> {
        Ok(self
            .audit_entries(Some(network_id))
            .await?
            .into_iter()
            .map(|entry| (entry.event_type, entry.actor, entry.object, entry.outcome))
            .collect())
    }

    /// Audit entries in chain order, of one network or of all.
    pub async fn audit_entries(&self, network_id: Option<&str>) -> Result<Vec<AuditEntry>> {
        let rows = match network_id {
            Some(network_id) => {
                sqlx::query(select_audit!("WHERE network_id = $1 ORDER BY seq"))
                    .bind(network_id)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(select_audit!("ORDER BY seq"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(audit_from_row).collect()
    }

    /// Walks the whole chain: `Ok(count)` when whole, else the first broken entry and why.
    pub async fn audit_verify(&self) -> Result<Result<usize, (i64, ChainBreak)>> {
        let entries = self.audit_entries(None).await?;
        Ok(match first_break(&entries) {
            None => Ok(entries.len()),
            Some(broken) => Err(broken),
        })
    }
}

/// `SELECT <every column> FROM audit_log <tail>`, spelled out at compile time.
macro_rules! select_audit {
    ($tail:literal) => {
        concat!(
            "SELECT seq, at, network_id, event_type, actor, on_behalf_of, object, outcome, cause_event_id, prev_hash, hash FROM audit_log ",
            $tail
        )
    };
}
use select_audit;

fn audit_from_row(row: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        network_id: row.try_get("network_id")?,
        event_type: row.try_get("event_type")?,
        actor: row.try_get("actor")?,
        on_behalf_of: row.try_get("on_behalf_of")?,
        object: row.try_get("object")?,
        outcome: row.try_get("outcome")?,
        cause_event_id: row.try_get("cause_event_id")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Appends to the chain inside the caller's transaction. Two writers racing for the same seq
/// collide on the primary key; the loser's whole transaction fails and is planned again.
async fn append_audit(
    connection: &mut AnyConnection,
    cause_event_id: &str,
    record: &ActionRecord,
) -> Result<()> {
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *connection)
        .await?;
    let (seq, prev_hash) = match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")? + 1,
            row.try_get::<String, _>("hash")?,
        ),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let mut entry = AuditEntry {
        seq,
        at: record.at,
        network_id: record.network_id.to_string(),
        event_type: record.action.code(),
        actor: record.actor.to_string(),
        on_behalf_of: record.on_behalf_of.as_ref().map(MatrixId::to_string),
        object: record.object.clone(),
        outcome: record.outcome.code().to_owned(),
        cause_event_id: cause_event_id.to_owned(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry.expected_hash();
    sqlx::query(
        "INSERT INTO audit_log (seq, at, network_id, event_type, actor, on_behalf_of, object, outcome, cause_event_id, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(entry.seq)
    .bind(entry.at)
    .bind(&entry.network_id)
    .bind(&entry.event_type)
    .bind(&entry.actor)
    .bind(entry.on_behalf_of.as_deref())
    .bind(entry.object.as_deref())
    .bind(&entry.outcome)
    .bind(&entry.cause_event_id)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

fn subject_parts(subject: &Subject) -> (&'static str, &str) {
    match subject {
        Subject::Member { user } => ("member", user.as_str()),
        Subject::Organisation { name } => ("organisation", name.as_str()),
    }
}

impl Store {
    /// Every grant of a network, past and present.
    pub async fn consent(&self, network_id: &str) -> Result<Consent> {
        let rows = sqlx::query(
            "SELECT subject_kind, subject, kind, given_by, on_behalf_of, given_at, ends_at, revoked_at
             FROM consent_grants WHERE network_id = $1 ORDER BY given_at, grant_id",
        )
        .bind(network_id)
        .fetch_all(&self.pool)
        .await?;
        let grants = rows
            .iter()
            .map(|row| {
                let subject_kind: String = row.try_get("subject_kind")?;
                let subject: String = row.try_get("subject")?;
                let subject = match subject_kind.as_str() {
                    "member" => Subject::Member {
                        user: parse_stored(subject, "consent subject")?,
                    },
                    "organisation" => Subject::Organisation { name: subject },
                    other => return Err(corrupt("consent subject kind", other)),
                };
                let kind: String = row.try_get("kind")?;
                Ok(Grant {
                    subject,
                    kind: InfoKind::from_code(&kind)
                        .ok_or_else(|| corrupt("consent kind", &kind))?,
                    given_by: stored(row, "given_by")?,
                    on_behalf_of: stored_if_any(row, "on_behalf_of")?,
                    given_at: row.try_get("given_at")?,
                    ends_at: row.try_get("ends_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Consent { grants })
    }
}

async fn load_network(connection: &mut AnyConnection, network_id: &str) -> Result<Option<Network>> {
    let Some(row) = sqlx::query(
        "SELECT network_id, client_user_id, started_by, state FROM networks WHERE network_id = $1",
    )
    .bind(network_id)
    .fetch_optional(&mut *connection)
    .await?
    else {
        return Ok(None);
    };
    let state_code: String = row.try_get("state")?;
    let members = sqlx::query(
        "SELECT user_id, role, organisation, discipline, membership, since, added_by
         FROM network_members WHERE network_id = $1 ORDER BY since, user_id",
    )
    .bind(network_id)
    .fetch_all(&mut *connection)
    .await?
    .iter()
    .map(|row| {
        let membership: String = row.try_get("membership")?;
        Ok(Member {
            user: stored(row, "user_id")?,
            role: role(row)?,
            membership: Membership::from_code(&membership)
                .ok_or_else(|| corrupt("membership", &membership))?,
            since: row.try_get("since")?,
            added_by: stored(row, "added_by")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let proposals = sqlx::query(
        "SELECT number, kind, proposed_by, state, created_at FROM proposals WHERE network_id = $1 ORDER BY number",
    )
    .bind(network_id)
    .fetch_all(&mut *connection)
    .await?
    .iter()
    .map(|row| {
        let kind: String = row.try_get("kind")?;
        let state: String = row.try_get("state")?;
        Ok(Proposal {
            number: row.try_get("number")?,
            kind: serde_json::from_str::<ProposalKind>(&kind)
                .map_err(|_| corrupt("proposal kind", &kind))?,
            proposed_by: stored(row, "proposed_by")?,
            state: ProposalState::from_code(&state).ok_or_else(|| corrupt("proposal state", &state))?,
            created_at: row.try_get("created_at")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let links = sqlx::query(
        "SELECT link_id, role, organisation, discipline, created_by, expires_at, state
         FROM invite_links WHERE network_id = $1 ORDER BY created_at, link_id",
    )
    .bind(network_id)
    .fetch_all(&mut *connection)
    .await?
    .iter()
    .map(link_from_row)
    .collect::<Result<Vec<_>>>()?;
    Ok(Some(Network {
        id: stored(&row, "network_id")?,
        client: stored(&row, "client_user_id")?,
        started_by: stored(&row, "started_by")?,
        state: NetworkState::from_code(&state_code)
            .ok_or_else(|| corrupt("network state", &state_code))?,
        members,
        proposals,
        links,
    }))
}

/// `SELECT <a link's columns> FROM invite_links <tail>`, spelled out at compile time.
macro_rules! select_link {
    ($tail:literal) => {
        concat!(
            "SELECT link_id, network_id, role, organisation, discipline, created_by, expires_at, state FROM invite_links ",
            $tail
        )
    };
}
use select_link;

fn lookup_from_row(row: &AnyRow) -> Result<LinkLookup> {
    Ok(LinkLookup {
        network_id: row.try_get("network_id")?,
        link: link_from_row(row)?,
    })
}

fn link_from_row(row: &AnyRow) -> Result<InviteLink> {
    let state: String = row.try_get("state")?;
    Ok(InviteLink {
        id: row.try_get("link_id")?,
        role: role(row)?,
        created_by: stored(row, "created_by")?,
        expires_at: row.try_get("expires_at")?,
        state: LinkState::from_code(&state).ok_or_else(|| corrupt("link state", &state))?,
    })
}

/// How long a "which network?" question waits for its number: after that a bare number is
/// just a number, and the command is forgotten.
pub const NETWORK_CHOICE_STANDS_MS: i64 = 60 * 60 * 1000;

/// Whether the count is still `expected` (always, without one), holding its row until the
/// transaction ends as `state_written` does, so the answer stays true until the commit.
async fn state_unchanged(tx: &mut AnyConnection, expected: Option<PlanBasis>) -> Result<bool> {
    let Some(PlanBasis(seq)) = expected else {
        return Ok(true);
    };
    let held = sqlx::query("UPDATE plan_sequence SET seq = seq WHERE id = 1 AND seq = $1")
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    Ok(held.rows_affected() == 1)
}

/// Counts a write to the state plans are made from, inside the writer's transaction; with
/// `expected`, only if the count is still that (and `false` when it is not). The row is
/// locked until the transaction ends, so of two writers that read the same count, the second
/// waits and then finds it changed (PostgreSQL re-reads the row; SQLite has one writer at a
/// time).
pub(crate) async fn state_written(
    tx: &mut AnyConnection,
    expected: Option<PlanBasis>,
) -> Result<bool> {
    let counted = match expected {
        Some(PlanBasis(seq)) => {
            sqlx::query("UPDATE plan_sequence SET seq = seq + 1 WHERE id = 1 AND seq = $1")
                .bind(seq)
                .execute(&mut *tx)
                .await?
        }
        None => {
            sqlx::query("UPDATE plan_sequence SET seq = seq + 1 WHERE id = 1")
                .execute(&mut *tx)
                .await?
        }
    };
    Ok(counted.rows_affected() == 1)
}

async fn apply_change(
    connection: &mut AnyConnection,
    cause_event_id: &str,
    log_seq: &mut i64,
    change: &Change,
) -> Result<()> {
    match change {
        Change::CreateNetwork {
            network_id,
            client,
            started_by,
            state,
            at,
        } => {
            sqlx::query(
                "INSERT INTO networks (network_id, client_user_id, started_by, state, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(network_id.as_str())
            .bind(client.as_str())
            .bind(started_by.as_str())
            .bind(state.code())
            .bind(at)
            .execute(&mut *connection)
            .await?;
        }
        Change::SetNetworkState { network_id, state } => {
            sqlx::query("UPDATE networks SET state = $1 WHERE network_id = $2")
                .bind(state.code())
                .bind(network_id.as_str())
                .execute(&mut *connection)
                .await?;
        }
        Change::PutMember {
            network_id,
            user,
            role,
            membership,
            since,
            added_by,
        } => {
            let (code, organisation, discipline) = role_parts(role);
            sqlx::query(
                "INSERT INTO network_members (network_id, user_id, role, organisation, discipline, membership, since, added_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (network_id, user_id) DO UPDATE SET role = excluded.role,
                   organisation = excluded.organisation, discipline = excluded.discipline,
                   membership = excluded.membership, since = excluded.since, added_by = excluded.added_by",
            )
            .bind(network_id.as_str())
            .bind(user.as_str())
            .bind(code)
            .bind(organisation)
            .bind(discipline)
            .bind(membership.code())
            .bind(since)
            .bind(added_by.as_str())
            .execute(&mut *connection)
            .await?;
        }
        Change::SetMembership {
            network_id,
            user,
            membership,
            since,
        } => {
            sqlx::query(
                "UPDATE network_members SET membership = $1, since = $2 WHERE network_id = $3 AND user_id = $4",
            )
            .bind(membership.code())
            .bind(since)
            .bind(network_id.as_str())
            .bind(user.as_str())
            .execute(&mut *connection)
            .await?;
        }
        Change::AddProposal {
            network_id,
            number,
            kind,
            proposed_by,
            at,
        } => {
            let kind = serde_json::to_string(kind)
                .map_err(|error| StoreError::Corrupt(format!("proposal kind: {error}")))?;
            sqlx::query(
                "INSERT INTO proposals (network_id, number, kind, proposed_by, state, created_at)
                 VALUES ($1, $2, $3, $4, 'open', $5)",
            )
            .bind(network_id.as_str())
            .bind(number)
            .bind(kind)
            .bind(proposed_by.as_str())
            .bind(at)
            .execute(&mut *connection)
            .await?;
        }
        Change::DecideProposal {
            network_id,
            number,
            state,
            decided_by,
            at,
        } => {
            let decided = sqlx::query(
                "UPDATE proposals SET state = $1, decided_by = $2, decided_at = $3
                 WHERE network_id = $4 AND number = $5 AND state = 'open'",
            )
            .bind(state.code())
            .bind(decided_by.as_str())
            .bind(at)
            .bind(network_id.as_str())
            .bind(number)
            .execute(&mut *connection)
            .await?;
            if decided.rows_affected() != 1 {
                // Two decisions raced; the transaction is rolled back and the later one re-decided.
                return Err(StoreError::Conflict(format!(
                    "proposal {number} is no longer open"
                )));
            }
        }
        Change::AddInviteLink {
            network_id,
            link_id,
            secret_hash,
            role,
            created_by,
            at,
            expires_at,
        } => {
            let (code, organisation, discipline) = role_parts(role);
            sqlx::query(
                "INSERT INTO invite_links (link_id, network_id, secret_hash, role, organisation, discipline, created_by, created_at, expires_at, state)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open')",
            )
            .bind(link_id)
            .bind(network_id.as_str())
            .bind(secret_hash)
            .bind(code)
            .bind(organisation)
            .bind(discipline)
            .bind(created_by.as_str())
            .bind(at)
            .bind(expires_at)
            .execute(&mut *connection)
            .await?;
        }
        Change::RevokeInviteLink { link_id } => {
            sqlx::query(
                "UPDATE invite_links SET state = 'revoked' WHERE link_id = $1 AND state = 'open'",
            )
            .bind(link_id)
            .execute(&mut *connection)
            .await?;
        }
        Change::ScheduleTimer(timer) => {
            crate::timers::schedule(connection, cause_event_id, timer).await?;
        }
        Change::CancelTimer { capability, key } => {
            crate::timers::cancel(connection, capability, key).await?;
        }
        Change::GiveConsent {
            network_id,
            grant_id,
            subject,
            kind,
            given_by,
            on_behalf_of,
            at,
            ends_at,
        } => {
            let (subject_kind, subject) = subject_parts(subject);
            sqlx::query(
                "INSERT INTO consent_grants (grant_id, network_id, subject_kind, subject, kind, given_by, on_behalf_of, given_at, ends_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(grant_id)
            .bind(network_id.as_str())
            .bind(subject_kind)
            .bind(subject)
            .bind(kind.code())
            .bind(given_by.as_str())
            .bind(on_behalf_of.as_ref().map(MatrixId::as_str))
            .bind(at)
            .bind(ends_at)
            .execute(&mut *connection)
            .await?;
        }
        Change::WithdrawConsent {
            network_id,
            subject,
            kind,
            by,
            at,
        } => {
            let (subject_kind, subject) = subject_parts(subject);
            sqlx::query(
                "UPDATE consent_grants SET revoked_at = $1, revoked_by = $2
                 WHERE network_id = $3 AND subject_kind = $4 AND subject = $5 AND kind = $6
                   AND revoked_at IS NULL AND (ends_at IS NULL OR ends_at > $1)",
            )
            .bind(at)
            .bind(by.as_str())
            .bind(network_id.as_str())
            .bind(subject_kind)
            .bind(subject)
            .bind(kind.code())
            .execute(&mut *connection)
            .await?;
        }
        Change::CloseConsentPoll { poll_event_id, at } => {
            sqlx::query(
                "UPDATE consent_polls SET closed_at = $1
                 WHERE poll_event_id = $2 AND closed_at IS NULL",
            )
            .bind(at)
            .bind(poll_event_id.as_str())
            .execute(&mut *connection)
            .await?;
        }
        Change::AskWhichNetwork {
            user,
            command,
            network_ids,
            at,
        } => {
            sqlx::query("DELETE FROM network_choices WHERE user_id = $1 OR asked_at < $2")
                .bind(user.as_str())
                .bind(at - NETWORK_CHOICE_STANDS_MS)
                .execute(&mut *connection)
                .await?;
            sqlx::query(
                "INSERT INTO network_choices (user_id, command, network_ids, asked_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(user.as_str())
            .bind(command)
            .bind(
                network_ids
                    .iter()
                    .map(|id| id.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
            .bind(at)
            .execute(&mut *connection)
            .await?;
        }
        Change::SetLanguage { user, language, at } => {
            crate::language::put_member_language(connection, user.as_str(), *language, *at).await?;
        }
        Change::ForgetNetworkChoice { user } => {
            sqlx::query("DELETE FROM network_choices WHERE user_id = $1")
                .bind(user.as_str())
                .execute(&mut *connection)
                .await?;
        }
        Change::Log(record) => {
            append_audit(connection, cause_event_id, record).await?;
            *log_seq += 1;
        }
        Change::Meeting(change) => {
            crate::meetings::apply_meeting_change(connection, change).await?;
        }
        Change::Consult(change) => {
            crate::consults::apply_consult_change(connection, change).await?;
        }
    }
    Ok(())
}

/// Copies of earlier messages shared with one member (see migration 5).
impl Store {
    pub async fn history_room(&self, network_id: &str, user: &MatrixId) -> Result<Option<String>> {
        let row =
            sqlx::query("SELECT room_id FROM history_rooms WHERE network_id = $1 AND user_id = $2")
                .bind(network_id)
                .bind(user.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| Ok(row.try_get("room_id")?)).transpose()
    }

    pub async fn set_history_room(
        &self,
        network_id: &str,
        user: &MatrixId,
        room_id: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO history_rooms (network_id, user_id, room_id) VALUES ($1, $2, $3)
             ON CONFLICT (network_id, user_id) DO UPDATE SET room_id = excluded.room_id",
        )
        .bind(network_id)
        .bind(user.as_str())
        .bind(room_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn record_history_share(
        &self,
        network_id: &str,
        user: &MatrixId,
        room_id: &str,
        event_id: &str,
        at: Millis,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO history_shares (event_id, network_id, user_id, room_id, shared_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(network_id)
        .bind(user.as_str())
        .bind(room_id)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The copies a member can still read: (room id, event id), oldest first.
    pub async fn shared_history(
        &self,
        network_id: &str,
        user: &MatrixId,
    ) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT room_id, event_id FROM history_shares
             WHERE network_id = $1 AND user_id = $2 AND withdrawn_at IS NULL
             ORDER BY shared_at, event_id",
        )
        .bind(network_id)
        .bind(user.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("room_id")?, row.try_get("event_id")?)))
            .collect()
    }

    pub async fn history_share_withdrawn(&self, event_id: &str, at: Millis) -> Result<()> {
        sqlx::query(
            "UPDATE history_shares SET withdrawn_at = $1 WHERE event_id = $2 AND withdrawn_at IS NULL",
        )
        .bind(at)
        .bind(event_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
