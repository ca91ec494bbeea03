//! Logging the bot in, keeping its one device across restarts, and cross-signing that device so
//! Element shows the bot as verified.

use crate::{BotConfig, BotError};
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::ruma::api::client::uiaa;
use matrix_sdk::ruma::{OwnedDeviceId, OwnedUserId};
use matrix_sdk::{Client, Error as SdkError};
use std::path::Path;
use tracing::{info, warn};

/// How a bot logs in. The password is needed once per device and for cross-signing.
#[derive(Clone)]
pub struct BotCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for BotCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotCredentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Who the bot is on the homeserver.
#[derive(Debug, Clone)]
pub struct BotIdentity {
    pub user_id: OwnedUserId,
    pub device_id: OwnedDeviceId,
}

const SESSION_FILE: &str = "session.json";
const CRYPTO_DIR: &str = "matrix-store";
const DEVICE_ID_FILE: &str = "kring-device-id";

const LOCK_FILE: &str = "kring-bots.lock";

/// A file-system error at `path`, as the bot reports it.
fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BotError {
    let path = path.to_path_buf();
    move |source| BotError::Io { path, source }
}

/// Takes the state folder for this process: one folder is one device and one crypto store, and
/// two processes writing one crypto store would break its encryption sessions. The lock goes
/// with the process, however it ends, so a restart after a kill is never refused.
pub(crate) async fn lock_state_dir(state_dir: &Path) -> Result<std::fs::File, BotError> {
    tokio::fs::create_dir_all(state_dir)
        .await
        .map_err(io_error(state_dir))?;
    let path = state_dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_error(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(BotError::StateDirInUse(state_dir.to_path_buf()))
        }
        Err(std::fs::TryLockError::Error(source)) => Err(BotError::Io { path, source }),
    }
}

/// `store` holds the sync position Kring stored: matrix-sdk's own must not be ahead of it (see
/// `align_sdk_sync_token`).
pub(crate) async fn open(
    config: &BotConfig,
    store: &kring_store::Store,
) -> Result<(Client, BotIdentity, Freshness), BotError> {
    tokio::fs::create_dir_all(&config.state_dir)
        .await
        .map_err(io_error(&config.state_dir))?;
    let crypto_dir = config.state_dir.join(CRYPTO_DIR);
    let session_path = config.state_dir.join(SESSION_FILE);
    // An access token must never meet a fresh crypto store (DESIGN.md, known traps): without
    // the store the saved session is useless, so it is dropped and a new device logged in.
    if !crypto_dir.exists() && session_path.exists() {
        tokio::fs::remove_file(&session_path)
            .await
            .map_err(io_error(&session_path))?;
    }
    let passphrase = crypto_store_passphrase(config, &crypto_dir).await?;
    let client = Client::builder()
        .homeserver_url(&config.homeserver_url)
        .sqlite_store(&crypto_dir, passphrase.as_deref())
        .handle_refresh_tokens()
        // Room keys only for devices signed by an identity the bot verified, and it verifies
        // exactly the identities Kring pinned (`trust::share_only_with_pinned`): a device someone
        // signed in on with a member's password alone reads nothing the bot says, and neither
        // does one signed by cross-signing keys reset with the password of someone who steers,
        // until the region's administrator confirms them. Keys reset by someone who does not
        // steer are trusted again at once (as their input is), so their password alone still
        // reads what the bot says in their rooms from then on.
        .with_room_key_recipient_strategy(matrix_sdk_crypto::CollectStrategy::OnlyTrustedDevices)
        .build()
        .await
        .map_err(|source| match passphrase {
            Some(_) => BotError::CryptoStorePassphrase {
                store: crypto_dir.clone(),
                passphrase: config.crypto_store_passphrase_path.clone(),
                source: Box::new(source),
            },
            None => source.into(),
        })?;

    let freshness = match tokio::fs::read(&session_path).await {
        Ok(bytes) => {
            let session: MatrixSession =
                serde_json::from_slice(&bytes).map_err(|source| BotError::BadSession {
                    path: session_path.clone(),
                    source,
                })?;
            let resume_from = store
                .device_sync_position(
                    session.meta.user_id.as_str(),
                    session.meta.device_id.as_str(),
                )
                .await?;
            align_sdk_sync_token(&client, resume_from.as_deref()).await?;
            client.restore_session(session).await?;
            Freshness::Restored
        }
        Err(_) => {
            // A new device: whatever position Kring stored, the SDK starts without one.
            align_sdk_sync_token(&client, None).await?;
            // Kept inside the crypto store's folder: a new store must never get the old id.
            let device_id = chosen_device_id(&crypto_dir.join(DEVICE_ID_FILE))?;
            client
                .matrix_auth()
                .login_username(&config.credentials.username, &config.credentials.password)
                .device_id(&device_id)
                .initial_device_display_name("Kring bot")
                .await?;
            let session = client
                .matrix_auth()
                .session()
                .expect("a session exists right after login");
            let json = serde_json::to_vec(&session).expect("a session serialises");
            write_private(&session_path, &json)?;
            Freshness::NewStore
        }
    };
    let identity = BotIdentity {
        user_id: client.user_id().expect("logged in").to_owned(),
        device_id: client.device_id().expect("logged in").to_owned(),
    };
    ensure_cross_signed(&client, config).await?;
    info!(user_id = %identity.user_id, device_id = %identity.device_id, "bot logged in");
    Ok((client, identity, freshness))
}

/// Whether the SDK's state store is the one the last run used, or a new one that knows no room
/// yet (and so needs the rooms' full state with its first sync).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    Restored,
    NewStore,
}

/// The SDK's stored sync position, when it differs from `since`: after a failed `sync_once` the
/// SDK may have stored a response's position without Kring having its events, and would then
/// drop that response when it comes again (see `align_sdk_sync_token`).
pub(crate) async fn sdk_sync_token_ahead(
    client: &Client,
    since: Option<&str>,
) -> Result<Option<String>, BotError> {
    use matrix_sdk::store::StateStoreDataKey;
    let stored = client
        .state_store()
        .get_kv_data(StateStoreDataKey::SyncToken)
        .await
        .map_err(|error| BotError::SdkStore(error.to_string()))?
        .and_then(|value| value.into_sync_token());
    Ok(stored.filter(|token| Some(token.as_str()) != since))
}

/// The bot's device id is chosen and written down before the first login: a start killed after
/// logging in but before the session was saved logs in again as the *same* device, whose keys the
/// crypto store already holds, instead of a second device the store does not match.
fn chosen_device_id(path: &Path) -> Result<String, BotError> {
    match std::fs::read_to_string(path) {
        Ok(id) if !id.trim().is_empty() => return Ok(id.trim().to_owned()),
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(BotError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    }
    let id = format!("KRING{}", random_code(10).to_uppercase());
    write_private(path, id.as_bytes())?;
    Ok(id)
}

/// matrix-sdk stores its own sync position when it has processed a response, and it hands back
/// an *empty* response whenever a later one carries the same `next_batch` ("Got the same sync
/// response twice"). After a kill between the SDK storing a position and Kring storing its own
/// (Kring stores its position only once the events are in the inbox), the restarted bot syncs from
/// Kring's older position; Synapse answers with that same `next_batch` (from its response cache,
/// or because nothing happened since), and the SDK would drop every event in it: measured, 360 of
/// 878 commands lost over 100 kills. So before the session is restored (which is when the SDK
/// loads its position) the SDK's position is set to Kring's, or cleared when Kring has none.
async fn align_sdk_sync_token(client: &Client, resume_from: Option<&str>) -> Result<(), BotError> {
    use matrix_sdk::store::{StateStoreDataKey, StateStoreDataValue};
    let store = client.state_store();
    let aligned = match resume_from {
        Some(token) => {
            store
                .set_kv_data(
                    StateStoreDataKey::SyncToken,
                    StateStoreDataValue::SyncToken(token.to_owned()),
                )
                .await
        }
        None => store.remove_kv_data(StateStoreDataKey::SyncToken).await,
    };
    aligned.map_err(|error| BotError::SdkStore(error.to_string()))
}

/// The crypto store holds the bot's private keys, so it is encrypted with a passphrase kept in a
/// secret file, made on first start. A store made before Kring encrypted it stays readable
/// without one (with a warning); giving it a passphrase now would make it unreadable.
/// The key invite-link secrets are derived from (`kring_core::network::invite_secret`), made on
/// first start and kept beside the crypto store's passphrase, apart from the database.
pub async fn invite_link_key(state_dir: &Path) -> Result<Vec<u8>, BotError> {
    let path = state_dir.join("invite-link-key");
    match tokio::fs::read_to_string(&path).await {
        Ok(key) if !key.trim().is_empty() => Ok(key.trim().as_bytes().to_vec()),
        Ok(_) => Err(BotError::EmptyPassphrase(path)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let key = random_code(48);
            write_private(&path, key.as_bytes())?;
            Ok(key.into_bytes())
        }
        Err(source) => Err(BotError::Io { path, source }),
    }
}

async fn crypto_store_passphrase(
    config: &BotConfig,
    crypto_dir: &Path,
) -> Result<Option<String>, BotError> {
    let path = &config.crypto_store_passphrase_path;
    match tokio::fs::read_to_string(path).await {
        Ok(passphrase) if passphrase.trim().is_empty() => {
            Err(BotError::EmptyPassphrase(path.clone()))
        }
        Ok(passphrase) => Ok(Some(passphrase.trim().to_owned())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if crypto_dir.exists() {
                warn!(
                    store = %crypto_dir.display(),
                    "the bot's crypto store was made without a passphrase and stays unencrypted; \
                     to encrypt it, stop Kring and remove this folder and session.json beside it \
                     (the bot then logs in as a new device and recovers with its recovery key)"
                );
                return Ok(None);
            }
            let passphrase = random_code(48);
            write_private(path, passphrase.as_bytes())?;
            Ok(Some(passphrase))
        }
        Err(source) => Err(BotError::Io {
            path: path.clone(),
            source,
        }),
    }
}

/// Makes the bot's device cross-signed by its own identity, creating the identity and a
/// recovery key on first use and recovering it with that key on a new device.
async fn ensure_cross_signed(client: &Client, config: &BotConfig) -> Result<(), BotError> {
    let encryption = client.encryption();
    encryption.wait_for_e2ee_initialization_tasks().await;
    let cross_signing_error =
        |error: &dyn std::fmt::Display| BotError::CrossSigning(error.to_string());
    let has_private_keys = encryption
        .cross_signing_status()
        .await
        // The user-signing key too: without it the bot can verify nobody, and then shares its
        // room keys with nobody (`trust::share_only_with_pinned`).
        .is_some_and(|status| {
            status.has_master && status.has_self_signing && status.has_user_signing
        });

    if !has_private_keys {
        match tokio::fs::read_to_string(&config.recovery_key_path).await {
            Ok(recovery_key) => {
                info!("recovering the bot's cross-signing identity with its recovery key");
                encryption
                    .recovery()
                    .recover(recovery_key.trim())
                    .await
                    .map_err(|e| cross_signing_error(&e))?;
            }
            Err(_) => {
                info!("creating the bot's cross-signing identity and recovery key");
                bootstrap_cross_signing(client, &config.credentials, ExistingIdentity::Replace)
                    .await?;
                let recovery_key = encryption
                    .recovery()
                    .enable()
                    .await
                    .map_err(|e| cross_signing_error(&e))?;
                write_private(&config.recovery_key_path, recovery_key.as_bytes())?;
            }
        }
    }
    if let Some(device) = encryption
        .get_own_device()
        .await
        .map_err(|e| cross_signing_error(&e))?
        && !device.is_cross_signed_by_owner()
    {
        device.verify().await.map_err(|e| cross_signing_error(&e))?;
    }
    if !encryption
        .cross_signing_status()
        .await
        .is_some_and(|status| status.has_user_signing)
    {
        return Err(BotError::CrossSigning(
            "the bot's user-signing key is missing, so it could share its room keys with nobody"
                .into(),
        ));
    }
    Ok(())
}

/// What to do when the account already has a cross-signing identity on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistingIdentity {
    /// The bot, having lost its recovery key: nobody else holds its keys, so it starts anew.
    Replace,
    /// A person's account, whose identity another of their devices (Element) may hold.
    Keep,
}

/// Creates the account's cross-signing identity, answering the server's password question.
/// Every Kring device (and every test person) is cross-signed by its owner, because Element
/// shows a red shield on messages from a device that is not.
pub async fn bootstrap_cross_signing(
    client: &Client,
    credentials: &BotCredentials,
    existing: ExistingIdentity,
) -> Result<(), BotError> {
    let encryption = client.encryption();
    let bootstrap = |auth: Option<uiaa::AuthData>| async {
        match existing {
            ExistingIdentity::Replace => encryption.bootstrap_cross_signing(auth).await,
            ExistingIdentity::Keep => encryption.bootstrap_cross_signing_if_needed(auth).await,
        }
    };
    let Err(error) = bootstrap(None).await else {
        return Ok(());
    };
    let Some(uiaa_info) = error.as_uiaa_response() else {
        return Err(BotError::CrossSigning(error.to_string()));
    };
    let user = uiaa::UserIdentifier::Matrix(uiaa::MatrixUserIdentifier::new(
        credentials.username.clone(),
    ));
    let mut password = uiaa::Password::new(user, credentials.password.clone());
    password.session = uiaa_info.session.clone();
    bootstrap(Some(uiaa::AuthData::Password(password)))
        .await
        .map_err(|error: SdkError| BotError::CrossSigning(error.to_string()))
}

fn write_private(path: &Path, contents: &[u8]) -> Result<(), BotError> {
    kring_store::private_file::write_private(path, contents).map_err(|source| BotError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Lower-case letters and digits without look-alikes (no 0/o, 1/l/i), for ids people type.
pub(crate) fn random_code(length: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..length)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use matrix_sdk::authentication::matrix::MatrixSession;
    use matrix_sdk::config::SyncSettings;
    use matrix_sdk::ruma::events::AnySyncTimelineEvent;
    use matrix_sdk::ruma::serde::Raw;
    use matrix_sdk::ruma::{device_id, room_id, user_id};
    use matrix_sdk::store::{StateStoreDataKey, StateStoreDataValue};
    use matrix_sdk::test_utils::mocks::MatrixMockServer;
    use matrix_sdk::{SessionMeta, SessionTokens};
    use matrix_sdk_test::JoinedRoomBuilder;
    use std::time::Duration;

    /// The position of the first sync response a `MatrixMockServer` hands out.
    const SDK_POSITION: &str = "t392-516_47314_0_7_1_1_1_11444_1";
    /// The older position Kring had stored when the bot was killed.
    const KRING_POSITION: &str = "t392-516_47314_0_7_1_1_1_11444_0";

    fn command() -> Raw<AnySyncTimelineEvent> {
        Raw::from_json_string(
            serde_json::json!({
                "type": "m.room.message",
                "event_id": "$command",
                "sender": "@anna:example.org",
                "origin_server_ts": 1,
                "content": { "msgtype": "m.text", "body": "!help" }
            })
            .to_string(),
        )
        .expect("valid JSON")
    }

    /// A start after a kill between the SDK storing a response's position and Kring storing its
    /// own: how many events of that response, delivered again, reach the bot.
    async fn events_handed_out_again(aligned: bool) -> usize {
        let server = MatrixMockServer::new().await;
        let room = room_id!("!network:example.org");
        server
            .mock_sync()
            .ok(|sync| {
                sync.add_joined_room(JoinedRoomBuilder::new(room).add_timeline_event(command()));
            })
            .mount()
            .await;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let client = server
            .client_builder()
            .unlogged()
            .on_builder(|builder| builder.sqlite_store(dir.path(), None))
            .build()
            .await;
        client
            .state_store()
            .set_kv_data(
                StateStoreDataKey::SyncToken,
                StateStoreDataValue::SyncToken(SDK_POSITION.to_owned()),
            )
            .await
            .expect("the SDK's store takes a position");
        if aligned {
            align_sdk_sync_token(&client, Some(KRING_POSITION))
                .await
                .expect("aligned");
        }
        client
            .restore_session(MatrixSession {
                meta: SessionMeta {
                    user_id: user_id!("@kring:example.org").to_owned(),
                    device_id: device_id!("KRINGBOT").to_owned(),
                },
                tokens: SessionTokens {
                    access_token: "token".to_owned(),
                    refresh_token: None,
                },
            })
            .await
            .expect("session restored");
        let response = client
            .sync_once(
                SyncSettings::new()
                    .token(KRING_POSITION)
                    .timeout(Duration::ZERO),
            )
            .await
            .expect("synced");
        response
            .rooms
            .joined
            .get(room)
            .map_or(0, |update| update.timeline.events.len())
    }

    #[tokio::test]
    async fn the_sdk_drops_a_response_whose_position_it_stored_before() {
        // The trap itself, so that an SDK that changes it is noticed.
        assert_eq!(events_handed_out_again(false).await, 0);
    }

    #[tokio::test]
    async fn lined_up_with_krings_position_the_sdk_hands_the_events_out_again() {
        assert_eq!(events_handed_out_again(true).await, 1);
    }

    #[tokio::test]
    async fn a_state_folder_serves_one_process_and_is_free_again_when_it_ends() {
        let state_dir = tempfile::tempdir().expect("a folder");
        let held = lock_state_dir(state_dir.path())
            .await
            .expect("free at first");
        assert!(matches!(
            lock_state_dir(state_dir.path()).await,
            Err(BotError::StateDirInUse(_))
        ));
        drop(held);
        lock_state_dir(state_dir.path())
            .await
            .expect("free once the holder is gone");
    }
}
