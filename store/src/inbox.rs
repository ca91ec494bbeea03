//! The durable inbox: an event is written here before any bot acts on it, and marked answered
//! only after the reply was accepted by the homeserver. See DESIGN.md, flow 1.

use crate::{Result, Store, StoreError, now_millis};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxKind {
    /// A member's message to a bot.
    Command,
    /// The bot joined a direct chat and greets once.
    Greeting,
    /// Someone's membership of a room changed; `body` holds the change as JSON.
    Membership,
    /// A ✅ or ❌ reaction; `body` holds it as JSON.
    Reaction,
    /// Someone made an account through an invite link; `body` is the link id, `sender` the
    /// new account. Written by the bridge.
    LinkUsed,
    /// The room's power levels changed; `body` holds the users' levels as JSON.
    PowerLevels,
    /// A member's consent to be in the chat or to read its history reached its end date;
    /// `body` is the kind's code, `sender` the member. Written by the bot's own consent sweep.
    ConsentExpired,
    /// A vote in one of the bot's polls; `body` holds `{"poll": event id, "answers": [ids]}`.
    PollResponse,
    /// An encrypted event whose room key never came: the bot gave up waiting and says so.
    /// `body` is empty.
    Unreadable,
    /// An input the bot does not act on because of how it arrived (`kring_core::trust`):
    /// `body` holds `{"reason": code}`, never what the input said.
    Untrusted,
    /// The region's administrator confirmed a steering person's changed identity
    /// (`kring user confirm-identity`); `sender` is that person, `body` empty. Written by the
    /// bot's own sweep.
    IdentityConfirmed,
    /// Someone other than the bot changed one of the room settings a network room keeps
    /// (`kring_core::room_state`); `body` holds `{"type": …, "content": …}`.
    RoomSetting,
    /// A timer came due (`timers.rs`); `body` holds the `kring_core::plan::FiredTimer`, `sender`
    /// is empty.
    Timer,
}

impl InboxKind {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Command => "command",
            Self::Greeting => "greeting",
            Self::Membership => "membership",
            Self::Reaction => "reaction",
            Self::LinkUsed => "link_used",
            Self::PowerLevels => "power_levels",
            Self::ConsentExpired => "consent_expired",
            Self::PollResponse => "poll_response",
            Self::Unreadable => "unreadable",
            Self::Untrusted => "untrusted",
            Self::IdentityConfirmed => "identity_confirmed",
            Self::RoomSetting => "room_setting",
            Self::Timer => "timer",
        }
    }

    fn from_code(code: &str) -> Result<Self> {
        match code {
            "command" => Ok(Self::Command),
            "greeting" => Ok(Self::Greeting),
            "membership" => Ok(Self::Membership),
            "reaction" => Ok(Self::Reaction),
            "link_used" => Ok(Self::LinkUsed),
            "power_levels" => Ok(Self::PowerLevels),
            "consent_expired" => Ok(Self::ConsentExpired),
            "poll_response" => Ok(Self::PollResponse),
            "unreadable" => Ok(Self::Unreadable),
            "untrusted" => Ok(Self::Untrusted),
            "identity_confirmed" => Ok(Self::IdentityConfirmed),
            "room_setting" => Ok(Self::RoomSetting),
            "timer" => Ok(Self::Timer),
            other => Err(StoreError::Corrupt(format!("inbox kind {other:?}"))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxState {
    /// Encrypted, and the room key has not reached the bot yet.
    AwaitingKey,
    /// Readable and not answered yet.
    Pending,
    Answered,
}

impl InboxState {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::AwaitingKey => "awaiting_key",
            Self::Pending => "pending",
            Self::Answered => "answered",
        }
    }

    fn from_code(code: &str) -> Result<Self> {
        match code {
            "awaiting_key" => Ok(Self::AwaitingKey),
            "pending" => Ok(Self::Pending),
            "answered" => Ok(Self::Answered),
            other => Err(StoreError::Corrupt(format!("inbox state {other:?}"))),
        }
    }
}

/// An event as the sync loop hands it to the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInboxEntry {
    pub event_id: String,
    pub room_id: String,
    pub sender: String,
    pub kind: InboxKind,
    /// The readable text, or `None` while the event cannot be decrypted yet.
    pub body: Option<String>,
    /// The encrypted event JSON, kept only while `body` is `None`.
    pub encrypted_event: Option<String>,
    pub origin_ts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxEntry {
    pub event_id: String,
    pub room_id: String,
    pub sender: String,
    pub kind: InboxKind,
    pub body: String,
    pub encrypted_event: Option<String>,
    pub origin_ts: i64,
    /// When the bot wrote it into the inbox.
    pub received_at: i64,
    pub state: InboxState,
    pub attempts: i64,
    pub reply_event_id: Option<String>,
    /// When the bot was done with it (answered, or settled without an answer).
    pub answered_at: Option<i64>,
}

impl InboxEntry {
    /// The Matrix event this entry is, to reply to; `None` for what the bot itself put in the
    /// inbox (a timer that came due, an identity the administrator confirmed).
    pub fn event(&self) -> Option<ruma_common::OwnedEventId> {
        ruma_common::OwnedEventId::try_from(self.event_id.as_str()).ok()
    }

    /// The room it arrived in; `None` for what reached the bot from outside a room.
    pub fn room(&self) -> Option<ruma_common::OwnedRoomId> {
        ruma_common::OwnedRoomId::try_from(self.room_id.as_str()).ok()
    }

    pub(crate) fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Self {
            event_id: row.try_get("event_id")?,
            room_id: row.try_get("room_id")?,
            sender: row.try_get("sender")?,
            kind: InboxKind::from_code(&row.try_get::<String, _>("kind")?)?,
            body: row.try_get("body")?,
            encrypted_event: row.try_get("encrypted_event")?,
            origin_ts: row.try_get("origin_ts")?,
            received_at: row.try_get("received_at")?,
            state: InboxState::from_code(&row.try_get::<String, _>("state")?)?,
            attempts: row.try_get("attempts")?,
            reply_event_id: row.try_get("reply_event_id")?,
            answered_at: row.try_get("answered_at")?,
        })
    }
}

/// `SELECT <every column> FROM inbox <tail>`, spelled out at compile time because sqlx only takes
/// static SQL.
macro_rules! select_inbox {
    ($tail:literal) => {
        concat!(
            "SELECT event_id, room_id, sender, kind, body, encrypted_event, origin_ts, received_at, state, attempts, reply_event_id, answered_at FROM inbox ",
            $tail
        )
    };
}
pub(crate) use select_inbox;

impl Store {
    /// Writes an event into `bot`'s inbox. Returns `false` when the event was there already,
    /// which is how replays and backfills are made harmless.
    pub async fn inbox_insert(&self, bot: &str, entry: &NewInboxEntry) -> Result<bool> {
        let state = if entry.body.is_some() {
            InboxState::Pending
        } else {
            InboxState::AwaitingKey
        };
        let result = sqlx::query(
            "INSERT INTO inbox (event_id, bot, room_id, sender, kind, body, encrypted_event, origin_ts, received_at, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (bot, event_id) DO NOTHING",
        )
        .bind(&entry.event_id)
        .bind(bot)
        .bind(&entry.room_id)
        .bind(&entry.sender)
        .bind(entry.kind.code())
        .bind(entry.body.as_deref().unwrap_or(""))
        .bind(if entry.body.is_some() { None } else { entry.encrypted_event.as_deref() })
        .bind(entry.origin_ts)
        .bind(now_millis())
        .bind(state.code())
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Entries in `state`, oldest first.
    pub async fn inbox_in_state(
        &self,
        bot: &str,
        state: InboxState,
        limit: i64,
    ) -> Result<Vec<InboxEntry>> {
        let rows = sqlx::query(select_inbox!(
            "WHERE bot = $1 AND state = $2 ORDER BY origin_ts, event_id LIMIT $3"
        ))
        .bind(bot)
        .bind(state.code())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(InboxEntry::from_row).collect()
    }

    pub async fn inbox_entry(&self, bot: &str, event_id: &str) -> Result<Option<InboxEntry>> {
        let row = sqlx::query(select_inbox!("WHERE bot = $1 AND event_id = $2"))
            .bind(bot)
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(InboxEntry::from_row).transpose()
    }

    /// The room key arrived: keep the readable text and forget the ciphertext.
    pub async fn inbox_decrypted(
        &self,
        bot: &str,
        event_id: &str,
        kind: InboxKind,
        body: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE inbox SET kind = $1, body = $2, encrypted_event = NULL, state = 'pending'
             WHERE bot = $3 AND event_id = $4 AND state = 'awaiting_key'",
        )
        .bind(kind.code())
        .bind(body)
        .bind(bot)
        .bind(event_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The room key never came: stop waiting, forget the ciphertext, and let the bot say that
    /// it could not read the message. A key that arrives after this changes nothing.
    pub async fn inbox_give_up_on_key(&self, bot: &str, event_id: &str) -> Result<()> {
        self.inbox_decrypted(bot, event_id, InboxKind::Unreadable, "")
            .await
    }

    /// Counts a failed attempt to answer, so that operators can see stuck entries.
    pub async fn inbox_attempt_failed(&self, bot: &str, event_id: &str) -> Result<()> {
        sqlx::query("UPDATE inbox SET attempts = attempts + 1 WHERE bot = $1 AND event_id = $2")
            .bind(bot)
            .bind(event_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Done with an entry: answered (`reply_event_id` is the reply), or settled without an answer
    /// (`None`: ordinary chat, a room the bot left, given up). The text is dropped: the inbox
    /// keeps only who, where and when, never what was said.
    pub async fn inbox_answered(
        &self,
        bot: &str,
        event_id: &str,
        reply_event_id: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE inbox SET state = 'answered', body = '', encrypted_event = NULL,
             reply_event_id = $1, answered_at = $2 WHERE bot = $3 AND event_id = $4",
        )
        .bind(reply_event_id)
        .bind(now_millis())
        .bind(bot)
        .bind(event_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn inbox_count(&self, bot: &str, state: InboxState) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM inbox WHERE bot = $1 AND state = $2")
            .bind(bot)
            .bind(state.code())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }
}
