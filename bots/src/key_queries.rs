//! Sends the `/keys/query` requests matrix-sdk queues, whenever they are queued.
//!
//! matrix-sdk 0.18 sends its queued crypto requests only around `sync_once`. Encrypting a message
//! waits up to 5 s for a queued `/keys/query` of every member it knows no other device of — the
//! bot's own user always, since its only device is the one sending — and it waits while holding
//! the SDK's key-claim lock, which the sync loop's own request sending takes first. So when a sync
//! marks the bot's own device list as changed while the worker is encrypting, the query that would
//! end the wait cannot be sent until the wait gives up: a 5 s stall per send, in every room
//! (measured: 255 of 500 commands over 100 rooms answered in 180 s). The bot therefore sends
//! pending key queries itself: before every answer, and while it answers, when a sync ends and
//! every `TICK`.
//!
//! Only key queries are sent here; uploads and to-device messages stay with the SDK's own flow,
//! which nothing waits on. Only while answering, and at most one query per `GAP`: each batch of
//! queries made forgets the one in flight (matrix-sdk's identity manager keeps one batch, and
//! the answer to a forgotten one does not mark anyone up to date), so a sender that asks again
//! before the SDK's own query came back makes that one count for nothing, and the SDK's next
//! makes this one count for nothing. Measured after a restart with 60 rooms waiting: the bot's
//! own device list queried back and forth about five times a second for as long as answers went
//! out, every query one Synapse had to answer. A query that nobody else can send (the SDK's
//! sender held up behind the key-claim lock) still goes out within `GAP`.

use crate::BotError;
use matrix_sdk::Client;
use matrix_sdk::ruma::api::client::keys::get_keys;
use matrix_sdk_crypto::types::requests::AnyOutgoingRequest;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};
use tracing::{debug, warn};

/// How often the running loop looks for a queued key query while answers go out.
const TICK: Duration = Duration::from_millis(200);
/// The least time between two key queries made here: longer than a query takes to come back,
/// so one made by the SDK meanwhile is answered before this sender would forget it.
const GAP: Duration = Duration::from_secs(1);

pub(crate) struct KeyQueries {
    client: Client,
    /// One sender at a time: two would each make the other's answer count for nothing (the
    /// SDK forgets the queries in flight whenever new ones are made). Holds when this sender
    /// last made a query.
    sending: tokio::sync::Mutex<Option<Instant>>,
    gap: Duration,
    wake: Notify,
    /// How many answers are being carried out now.
    answering: AtomicUsize,
}

/// Held while an answer is carried out; the sender looks for queued queries meanwhile.
pub(crate) struct Answering<'a>(&'a KeyQueries);

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        self.0.answering.fetch_sub(1, Ordering::SeqCst);
    }
}

impl KeyQueries {
    pub(crate) fn new(client: Client) -> Arc<Self> {
        Self::with_gap(client, GAP)
    }

    fn with_gap(client: Client, gap: Duration) -> Arc<Self> {
        Arc::new(Self {
            client,
            sending: tokio::sync::Mutex::new(None),
            gap,
            wake: Notify::new(),
            answering: AtomicUsize::new(0),
        })
    }

    /// Sends every key query the SDK has queued, and returns how many there were; none when
    /// this sender made one less than `gap` ago (asking the SDK would already forget the
    /// queries in flight).
    pub(crate) async fn send_pending(&self) -> Result<usize, BotError> {
        let mut last_made = self.sending.lock().await;
        if last_made.is_some_and(|at| at.elapsed() < self.gap) {
            return Ok(0);
        }
        let Some(machine) = self
            .client
            .olm_machine_for_testing()
            .await
            .as_ref()
            .cloned()
        else {
            return Ok(0);
        };
        let queued = machine
            .outgoing_requests()
            .await
            .map_err(|error| BotError::Crypto(error.to_string()))?;
        let mut sent = 0;
        for request in queued {
            let AnyOutgoingRequest::KeysQuery(query) = request.request() else {
                continue;
            };
            *last_made = Some(Instant::now());
            let mut http = get_keys::v3::Request::new();
            http.device_keys = query.device_keys.clone();
            let response = self.client.send(http).await?;
            machine
                .mark_request_as_sent(request.request_id(), &response)
                .await
                .map_err(|error| BotError::Crypto(error.to_string()))?;
            sent += 1;
        }
        if sent > 0 {
            debug!(queries = sent, "sent queued key queries");
        }
        Ok(sent)
    }

    /// Marks an answer as being carried out until the guard is dropped.
    pub(crate) fn answering(&self) -> Answering<'_> {
        self.answering.fetch_add(1, Ordering::SeqCst);
        Answering(self)
    }

    /// Asks the running loop to look now.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// While an answer is carried out, looks for queued key queries when woken and every
    /// `TICK`, until shutdown.
    pub(crate) async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(TICK) => {}
            }
            if *shutdown.borrow() {
                return;
            }
            if self.answering.load(Ordering::SeqCst) == 0 {
                continue;
            }
            if let Err(error) = self.send_pending().await {
                warn!(%error, "could not send a queued key query; trying again");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use matrix_sdk::test_utils::mocks::MatrixMockServer;
    use wiremock::ResponseTemplate;

    /// A client on a mock server that answers exactly `times` key queries for the client's own
    /// user (checked when the server is dropped).
    async fn answering_key_queries(times: u64) -> (MatrixMockServer, Client) {
        let server = MatrixMockServer::new().await;
        let client = server.client_builder().build().await;
        let own = client.user_id().expect("logged in").to_string();
        server
            .mock_query_keys()
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({ "device_keys": { own: {} } })),
            )
            .expect(times)
            .mount()
            .await;
        (server, client)
    }

    #[tokio::test]
    async fn a_queued_key_query_is_sent_once_and_then_nothing_is_left() {
        let (_server, client) = answering_key_queries(1).await;
        // No gap: the second call really asks the SDK, and finds nothing queued.
        let queries = KeyQueries::with_gap(client, Duration::ZERO);
        // A bot that just started has its own device list queued; nothing sends it until a
        // sync ends, unless this does.
        assert_eq!(queries.send_pending().await.expect("sent"), 1);
        assert_eq!(queries.send_pending().await.expect("looked"), 0);
    }

    /// A query made here is not followed by another within the gap, even when the SDK has
    /// queued one again: asking would forget the SDK's own query in flight.
    #[tokio::test]
    async fn no_second_query_is_made_within_the_gap() {
        let (_server, client) = answering_key_queries(2).await;
        let patient = KeyQueries::with_gap(client.clone(), Duration::from_secs(3600));
        assert_eq!(patient.send_pending().await.expect("sent"), 1);
        client
            .olm_machine_for_testing()
            .await
            .as_ref()
            .expect("an olm machine")
            .mark_all_tracked_users_as_dirty()
            .await
            .expect("queued again");
        assert_eq!(patient.send_pending().await.expect("held back"), 0);
        // Without the gap the same queued query goes out at once: the one above was held back.
        let eager = KeyQueries::with_gap(client.clone(), Duration::ZERO);
        assert_eq!(eager.send_pending().await.expect("sent"), 1);
    }
}
