//! A loopback pass-through in front of the real Synapse that can hold back what one client
//! sends: its to-device messages (room keys), delivered later — how a key that arrives after its
//! message looks on the wire — or its kicks, acknowledged and never carried out — how a removal
//! that never shows up looks to the bot (a slow effect). Everything else is forwarded untouched.

use anyhow::Result;
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;

#[derive(Clone)]
struct Shared {
    upstream: String,
    http: reqwest::Client,
    holding: Arc<AtomicBool>,
    swallowing_kicks: Arc<AtomicBool>,
    released: watch::Receiver<u64>,
}

pub struct HoldingProxy {
    pub url: String,
    holding: Arc<AtomicBool>,
    swallowing_kicks: Arc<AtomicBool>,
    release: watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HoldingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HoldingProxy {
    pub async fn start(upstream: &str) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let holding = Arc::new(AtomicBool::new(false));
        let swallowing_kicks = Arc::new(AtomicBool::new(false));
        let (release, released) = watch::channel(0);
        let shared = Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            holding: holding.clone(),
            swallowing_kicks: swallowing_kicks.clone(),
            released,
        };
        let app = Router::new().fallback(forward).with_state(shared);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            url,
            holding,
            swallowing_kicks,
            release,
            task,
        })
    }

    /// From now on, to-device messages are acknowledged to the client but not yet delivered.
    pub fn hold_to_device(&self) {
        self.holding.store(true, Ordering::SeqCst);
    }

    /// Delivers everything held back, and stops holding.
    pub fn release_to_device(&self) {
        self.holding.store(false, Ordering::SeqCst);
        self.release.send_modify(|generation| *generation += 1);
    }

    /// From now on, kicks are acknowledged to the client and dropped: the member stays in the
    /// room, however long the client waits to see them go.
    pub fn swallow_kicks(&self) {
        self.swallowing_kicks.store(true, Ordering::SeqCst);
    }

    /// Kicks are forwarded again (the dropped ones stay dropped; a client retries its own).
    pub fn forward_kicks(&self) {
        self.swallowing_kicks.store(false, Ordering::SeqCst);
    }
}

async fn forward(State(shared): State<Shared>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let headers = request.headers().clone();
    let Ok(body) = to_bytes(request.into_body(), 16 * 1024 * 1024).await else {
        return Response::builder()
            .status(StatusCode::BAD_REQUEST)
            .body(Body::empty())
            .expect("a plain response");
    };
    let is_to_device = method == Method::PUT && path.contains("/sendToDevice/");
    let is_kick =
        method == Method::POST && path.split('?').next().is_some_and(|p| p.ends_with("/kick"));
    if is_kick && shared.swallowing_kicks.load(Ordering::SeqCst) {
        return Response::builder()
            .status(StatusCode::OK)
            .body(Body::from("{}"))
            .expect("a plain response");
    }
    let send = {
        let shared = shared.clone();
        let path = path.clone();
        move || {
            let mut upstream = shared
                .http
                .request(method.clone(), format!("{}{path}", shared.upstream))
                .body(body.clone());
            for (name, value) in headers.iter() {
                if name != "host" && name != "content-length" {
                    upstream = upstream.header(name, value);
                }
            }
            upstream.send()
        }
    };
    if is_to_device && shared.holding.load(Ordering::SeqCst) {
        let mut released = shared.released.clone();
        tokio::spawn(async move {
            let _ = released.changed().await;
            let _ = send().await;
        });
        return Response::builder()
            .status(StatusCode::OK)
            .body(Body::from("{}"))
            .expect("a plain response");
    }
    match send().await {
        Ok(reply) => {
            let mut response = Response::builder().status(reply.status().as_u16());
            for (name, value) in reply.headers() {
                if name != "content-length" && name != "transfer-encoding" {
                    response = response.header(name.as_str(), value.as_bytes());
                }
            }
            let mut bytes = reply.bytes().await.unwrap_or_default();
            // A login answer names the homeserver's own address, and matrix-sdk switches to
            // it; the client must keep talking through the proxy.
            if path.contains("/login")
                && let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&bytes)
                && json
                    .as_object_mut()
                    .and_then(|object| object.remove("well_known"))
                    .is_some()
            {
                bytes = serde_json::to_vec(&json).unwrap_or_default().into();
            }
            response
                .body(Body::from(bytes))
                .expect("a forwarded response")
        }
        Err(_) => Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Body::empty())
            .expect("a plain response"),
    }
}
