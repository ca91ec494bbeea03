//! Kring's bots: matrix-sdk clients with end-to-end encryption that live in care-network rooms.
//!
//! Every event a bot must act on goes through a durable inbox before anything happens
//! (`sync`), a worker answers from the inbox (`worker`), and each answer is sent with a
//! transaction id derived from the triggering event, so a crash at any point loses nothing and
//! answers nothing twice. See DESIGN.md, flow 1, and the known traps.

mod capabilities;
mod dispatch;
mod effects;
mod key_queries;
mod metrics;
mod reconcile;
mod room_guards;
mod session;
mod sync;
#[cfg(test)]
mod testing;
mod trust;
mod worker;

pub use metrics::BotMetrics;
pub use session::{
    BotCredentials, BotIdentity, ExistingIdentity, bootstrap_cross_signing, invite_link_key,
};

use kring_store::Store;
use matrix_sdk::Client;
use std::path::PathBuf;
use std::sync::Arc;
use thiserror::Error;
use tokio::sync::{Notify, watch};

#[derive(Debug, Error)]
pub enum BotError {
    // The SDK's errors are large; boxed so every `Result` of this crate stays small.
    #[error("the bot's Matrix client could not be set up: {0}")]
    ClientBuild(Box<matrix_sdk::ClientBuildError>),
    #[error("Matrix error: {0}")]
    Matrix(Box<matrix_sdk::Error>),
    #[error("Matrix HTTP error: {0}")]
    Http(Box<matrix_sdk::HttpError>),
    #[error("could not set up cross-signing for the bot's device: {0}")]
    CrossSigning(String),
    #[error("matrix-sdk's state store: {0}")]
    SdkStore(String),
    #[error(
        "matrix-sdk stored a sync position whose events Kring does not have yet; the bot stops \
         so that its next start lines the two up again (nothing is lost)"
    )]
    SdkAhead,
    #[error("a sync's events could not be stored after {attempts} attempts: {last}")]
    InboxStuck { attempts: u32, last: String },
    #[error("a lane of the worker failed: {0}")]
    LaneFailed(String),
    #[error("the worker stopped unexpectedly: {0}")]
    WorkerFailed(String),
    #[error(
        "another kring bots process uses the state folder {0}; one folder (one device, one \
         crypto store) serves one process at a time"
    )]
    StateDirInUse(PathBuf),
    #[error("end-to-end encryption error: {0}")]
    Crypto(String),
    #[error("storage error: {0}")]
    Store(#[from] kring_store::StoreError),
    #[error("could not carry out a planned step: {0}")]
    Plan(String),
    #[error("what plans are made from changed under {0} plans in a row (other writers are busy)")]
    StateKeptChanging(usize),
    #[error("file system error at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the bot's crypto store at {store} cannot be opened with the passphrase in {passphrase}: \
         was that file replaced? ({source})"
    )]
    CryptoStorePassphrase {
        store: PathBuf,
        passphrase: PathBuf,
        source: Box<matrix_sdk::ClientBuildError>,
    },
    #[error("the passphrase file {0} is empty")]
    EmptyPassphrase(PathBuf),
    #[error("Synapse's admin API: {0}")]
    Admin(#[from] kring_homeserver::AdminError),
    #[error("the saved session at {path} is damaged: {source}")]
    BadSession {
        path: PathBuf,
        source: serde_json::Error,
    },
}

impl From<matrix_sdk::ClientBuildError> for BotError {
    fn from(error: matrix_sdk::ClientBuildError) -> Self {
        Self::ClientBuild(Box::new(error))
    }
}

impl From<matrix_sdk::Error> for BotError {
    fn from(error: matrix_sdk::Error) -> Self {
        Self::Matrix(Box::new(error))
    }
}

impl From<matrix_sdk::HttpError> for BotError {
    fn from(error: matrix_sdk::HttpError) -> Self {
        Self::Http(Box::new(error))
    }
}

/// Where a bot keeps its Matrix state, and how it logs in.
#[derive(Debug, Clone)]
pub struct BotConfig {
    pub homeserver_url: String,
    pub credentials: BotCredentials,
    /// Holds the crypto store, the saved session and (by default) the recovery key.
    pub state_dir: PathBuf,
    /// Where the recovery key is read from or written to; production points this at a secret.
    pub recovery_key_path: PathBuf,
    /// The passphrase that encrypts the crypto store (the bot's private keys); generated on
    /// first start. Production points this at a secret.
    pub crypto_store_passphrase_path: PathBuf,
    /// The address invite links start with: the bridge's public invite page.
    pub invite_base_url: String,
    /// How long an encrypted message may wait for its room key before the bot gives up and says
    /// in the room that it could not read it.
    pub unreadable_after: std::time::Duration,
    /// A Synapse admin token, so that whether an account exists is asked of the admin API
    /// (which answers truly) and not of the public registration endpoint (which says "taken"
    /// for reserved names too, and which a hardened server may close). Without one, the
    /// public endpoint is asked.
    pub admin_token: Option<String>,
    /// Where the bot reads the time: the system's, or a test's.
    pub clock: Arc<dyn kring_core::time::Clock>,
    /// The region's working days (holidays, days off), for suggestions and deadlines.
    pub calendar: kring_core::time::RegionCalendar,
    pub meetings: MeetingSettings,
    pub consults: ConsultSettings,
}

/// How meedenkconsults go in this region (its agreements with the organisations).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsultSettings {
    /// How many working days a consultant has to answer: 2 to 5 (several regions agree 3).
    pub working_days: u32,
    /// Whoever watches the deadlines for the region (a Matrix ID): told, by the consult's random
    /// id only, when one passes. Told in their private chat with the bot, if they have one.
    pub regional_contact: Option<kring_core::MatrixId>,
    /// How consults are paid for in this region (e.g. "ketenfinanciering", "ZVW-consult"), put
    /// in the region's export beside each consult.
    pub funding_route: Option<String>,
    /// Days after a consult ends (answered, shared or declined) that its room is closed: made
    /// read-only, nothing deleted.
    pub retention_days: u32,
}

impl Default for ConsultSettings {
    fn default() -> Self {
        Self {
            working_days: kring_core::consult::DEFAULT_WORKING_DAYS,
            regional_contact: None,
            funding_route: None,
            retention_days: 30,
        }
    }
}

impl ConsultSettings {
    /// Whether the settings are within what regional agreements use.
    pub fn check(&self) -> Result<(), String> {
        if !kring_core::consult::WORKING_DAYS.contains(&self.working_days) {
            return Err(format!(
                "working_days is {}; regional agreements give 2 to 5",
                self.working_days
            ));
        }
        if self.retention_days == 0 {
            return Err("retention_days is 0; a consult room stays open at least a day".into());
        }
        Ok(())
    }
}

/// How resource-group meetings go in this region.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MeetingSettings {
    /// The region's video service, for `plaats video`: a link in which `{meeting}` is replaced
    /// by the meeting's random id (never anything about the client), e.g.
    /// `https://video.regio.example/kring-{meeting}`.
    pub video_link_template: Option<String>,
    /// When the invitees are reminded of an agreed meeting, in minutes before it starts.
    pub reminders_before_minutes: Vec<u32>,
    /// When the client is asked to plan the next meeting after one: a cron expression in
    /// Amsterdam time ("0 9 1-7 */3 MON": the first Monday of every third month at 09:00).
    /// Without one, three weeks before three months have passed.
    pub next_meeting_schedule: Option<String>,
}

impl MeetingSettings {
    /// The schedule, read; an unreadable one is refused when the configuration is loaded.
    pub fn schedule(
        &self,
    ) -> Result<Option<kring_core::time::Recurrence>, kring_core::time::RecurrenceError> {
        self.next_meeting_schedule
            .as_deref()
            .map(str::parse)
            .transpose()
    }
}

impl Default for MeetingSettings {
    fn default() -> Self {
        Self {
            video_link_template: None,
            // A week, a day and an hour.
            reminders_before_minutes: vec![7 * 24 * 60, 24 * 60, 60],
            next_meeting_schedule: None,
        }
    }
}

/// Room keys normally come with the message or within seconds; one that has not come after
/// this will not come.
pub const DEFAULT_UNREADABLE_AFTER: std::time::Duration = std::time::Duration::from_secs(300);

/// A running bot: one Matrix account, one device, one crypto store, one process.
pub struct Bot {
    client: Client,
    store: Store,
    identity: BotIdentity,
    metrics: BotMetrics,
    wake_worker: Arc<Notify>,
    key_queries: Arc<key_queries::KeyQueries>,
    /// The SDK's state store is new (first start, or its folder was removed): the first sync
    /// asks for every room's full state.
    fresh_store: bool,
    invite_base_url: String,
    /// Invite-link secrets are derived from this, never stored.
    invite_link_key: Vec<u8>,
    unreadable_after: std::time::Duration,
    trust_cache: trust::TrustCache,
    /// The admin API and a token for it: see [`BotConfig::admin_token`].
    account_lookup: Option<(kring_homeserver::Admin, String)>,
    clock: Arc<dyn kring_core::time::Clock>,
    calendar: kring_core::time::RegionCalendar,
    meetings: MeetingSettings,
    consults: ConsultSettings,
    /// Held while an entry is planned (worker.rs): plans are made one at a time.
    planning: tokio::sync::Mutex<()>,
    /// Sends and removals in one room, in order across lanes.
    room_guards: room_guards::RoomGuards,
    /// The state folder's lock, held for the bot's lifetime (session.rs).
    _state_dir_lock: std::fs::File,
}

impl Bot {
    /// Logs in (or restores the saved session), makes sure the device is cross-signed, and
    /// returns a bot ready to `run`.
    pub async fn start(
        config: &BotConfig,
        store: Store,
        metrics: BotMetrics,
    ) -> Result<Self, BotError> {
        let state_dir_lock = session::lock_state_dir(&config.state_dir).await?;
        let (client, identity, freshness) = session::open(config, &store).await?;
        let invite_link_key = session::invite_link_key(&config.state_dir).await?;
        Ok(Self {
            client: client.clone(),
            store,
            identity,
            metrics,
            wake_worker: Arc::new(Notify::new()),
            key_queries: key_queries::KeyQueries::new(client.clone()),
            fresh_store: freshness == session::Freshness::NewStore,
            invite_base_url: config.invite_base_url.clone(),
            invite_link_key,
            unreadable_after: config.unreadable_after,
            trust_cache: trust::TrustCache::default(),
            account_lookup: config
                .admin_token
                .clone()
                .map(|token| (kring_homeserver::Admin::new(&config.homeserver_url), token)),
            clock: config.clock.clone(),
            calendar: config.calendar.clone(),
            meetings: config.meetings.clone(),
            consults: config.consults.clone(),
            planning: tokio::sync::Mutex::new(()),
            room_guards: room_guards::RoomGuards::default(),
            _state_dir_lock: state_dir_lock,
        })
    }

    pub fn identity(&self) -> &BotIdentity {
        &self.identity
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Syncs and answers until `shutdown` turns true. Network errors are retried forever with
    /// back-off (the homeserver may restart underneath); only storage errors end the bot.
    pub async fn run(self, shutdown: watch::Receiver<bool>) -> Result<(), BotError> {
        let shared = Arc::new(self);
        let key_queries = tokio::spawn(shared.key_queries.clone().run(shutdown.clone()));
        let identity_changes = tokio::spawn(trust::forget_changed_identities(shared.clone()));
        let reconciliation = tokio::spawn(reconcile::run(shared.clone(), shutdown.clone()));
        let mut worker = tokio::spawn(worker::run(shared.clone(), shutdown.clone()));
        let worker_ended = |joined: Result<Result<(), BotError>, tokio::task::JoinError>| {
            joined.unwrap_or_else(|error| Err(BotError::WorkerFailed(error.to_string())))
        };
        // Either half failing ends the bot: a worker that stopped while the sync goes on would
        // fill the inbox with entries nobody answers, and say nothing.
        let (synced, worked) = tokio::select! {
            synced = sync::run(shared.clone(), shutdown.clone()) => match synced {
                Ok(()) => {
                    shared.wake_worker.notify_one();
                    (Ok(()), worker_ended(worker.await))
                }
                // Stopping the worker mid-step is as safe as a crash, which the inbox is made
                // for; waiting for it would wait for a shutdown nobody asked for.
                Err(error) => {
                    worker.abort();
                    (Err(error), Ok(()))
                }
            },
            joined = &mut worker => {
                let worked = worker_ended(joined);
                if worked.is_ok() && !*shutdown.borrow() {
                    (Ok(()), Err(BotError::WorkerFailed("it returned without being asked to".into())))
                } else {
                    (Ok(()), worked)
                }
            }
        };
        key_queries.abort();
        identity_changes.abort();
        reconciliation.abort();
        synced.and(worked)
    }
}
