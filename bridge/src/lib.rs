//! Kring's HTTP service: the invite-link pages, and `/healthz` and `/metrics` on a listener
//! of their own; the FHIR R4 API is added here by a later capability.

pub mod element_web;
mod invite;

pub use invite::{MIN_PASSWORD_CHARS, Onboarding};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use kring_store::Store;
use prometheus_client::registry::Registry;
use std::sync::Arc;

/// Invite links are `<public bridge address>` + this + `/<secret>`.
pub const INVITE_PATH: &str = "/uitnodiging";

#[derive(Clone)]
pub struct BridgeState {
    pub store: Store,
    pub registry: Arc<Registry>,
    /// Account creation for invite links; without it the pages say Kring is unavailable.
    pub onboarding: Option<Arc<Onboarding>>,
}

/// The pages people reach (invite links), built in one function so tests can drive it with
/// `oneshot`. Nothing about the service's insides answers here.
pub fn router(state: BridgeState) -> Router {
    Router::new()
        .route(
            &format!("{INVITE_PATH}/{{secret}}"),
            get(invite::show).post(invite::submit),
        )
        .with_state(state)
}

/// `/healthz` and `/metrics`, on a listener of their own (loopback by default): what the
/// metrics say about load and failures is for the operator, not for whoever has an invite link.
pub fn ops_router(state: BridgeState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// Healthy when the database answers. The body says only "ok" or what kind of part is down;
/// never an error text, which could carry paths or SQL.
async fn healthz(State(state): State<BridgeState>) -> impl IntoResponse {
    match state.store.health_check().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(error) => {
            tracing::warn!(%error, "health check: store unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n")
        }
    }
}

async fn metrics(State(state): State<BridgeState>) -> impl IntoResponse {
    let mut body = String::new();
    match prometheus_client::encoding::text::encode(&mut body, &state.registry) {
        Ok(()) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            body,
        ),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/plain")],
            String::new(),
        ),
    }
}

/// Serves the router on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: BridgeState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Links are revoked by the bot and expire by the clock; their tokens go within a minute.
    let sweeper = {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                invite::delete_spent_tokens(&state).await;
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            }
        })
    };
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    sweeper.abort();
    served
}

pub async fn serve_ops(
    listener: tokio::net::TcpListener,
    state: BridgeState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, ops_router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use prometheus_client::metrics::counter::Counter;
    use tower::ServiceExt;

    async fn state() -> (BridgeState, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite_file(&dir.path().join("kring.db"))
            .await
            .unwrap();
        let mut registry = Registry::default();
        let counter = Counter::<u64>::default();
        counter.inc();
        registry.register("kring_test_events", "A test counter", counter);
        (
            BridgeState {
                store,
                registry: Arc::new(registry),
                onboarding: None,
            },
            dir,
        )
    }

    #[tokio::test]
    async fn healthz_answers_ok_when_the_store_answers() {
        let (state, _dir) = state().await;
        let response = ops_router(state)
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn healthz_reports_a_closed_store_without_details() {
        let (state, _dir) = state().await;
        state.store.pool().close().await;
        let response = ops_router(state)
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"store unavailable\n");
    }

    #[tokio::test]
    async fn metrics_are_exposed_in_openmetrics_text() {
        let (state, _dir) = state().await;
        let response = ops_router(state)
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("kring_test_events_total 1"), "{text}");
    }

    #[tokio::test]
    async fn the_public_pages_say_nothing_about_the_service() {
        for path in ["/metrics", "/healthz"] {
            let (state, _dir) = state().await;
            let response = router(state)
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        }
    }

    async fn page(state: BridgeState, request: Request<Body>) -> (StatusCode, String) {
        let response = router(state).oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// A network with one open link whose secret is `secret`, a revoked one and an expired one.
    async fn with_links(state: &BridgeState, secret: &str) {
        use kring_core::network::NetworkState;
        use kring_core::plan::{Change, Plan};
        use kring_core::{MatrixId, Role};
        let client = MatrixId::parse("@client:kring.test").unwrap();
        let store = &state.store;
        store
            .inbox_insert(
                "@kring:kring.test",
                &kring_store::NewInboxEntry {
                    event_id: "$cause".into(),
                    room_id: "!dm:kring.test".into(),
                    sender: client.to_string(),
                    kind: kring_store::InboxKind::Command,
                    body: Some("!link".into()),
                    encrypted_event: None,
                    origin_ts: 1,
                },
            )
            .await
            .unwrap();
        let mut plan = Plan::new();
        plan.change(Change::CreateNetwork {
            network_id: kring_core::network::NetworkId::parse("net-a").unwrap(),
            client: client.clone(),
            started_by: client.clone(),
            state: NetworkState::Active,
            at: 1,
        });
        let links = [
            ("open", secret.to_owned(), i64::MAX),
            ("gone", "x".repeat(64), i64::MAX),
            ("old", "y".repeat(64), 2),
        ];
        for (id, hash, expires_at) in links {
            plan.change(Change::AddInviteLink {
                network_id: kring_core::network::NetworkId::parse("net-a").unwrap(),
                link_id: id.into(),
                secret_hash: kring_core::network::invite_secret_hash(&hash),
                role: Role::Carer,
                created_by: client.clone(),
                at: 1,
                expires_at,
            });
        }
        plan.change(Change::RevokeInviteLink {
            link_id: "gone".into(),
        });
        store
            .apply_plan("@kring:kring.test", "$cause", &plan)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn an_open_link_shows_the_form_in_dutch_or_english() {
        let (state, _dir) = state().await;
        with_links(&state, "abcdefghjkmnpqrstuvwxyz234567892").await;
        let (status, body) = page(
            state.clone(),
            Request::get("/uitnodiging/abcdefghjkmnpqrstuvwxyz234567892")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("mantelzorger of naaste"), "{body}");
        assert!(body.contains("Account maken"));
        assert!(
            !body.contains("client"),
            "the page never names the client: {body}"
        );
        let (_, english) = page(
            state,
            Request::get("/uitnodiging/abcdefghjkmnpqrstuvwxyz234567892?lang=en")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert!(english.contains("Make account"), "{english}");
    }

    #[tokio::test]
    async fn forged_revoked_and_odd_links_get_a_clear_page_and_make_nothing() {
        let (state, _dir) = state().await;
        with_links(&state, "abcdefghjkmnpqrstuvwxyz234567892").await;
        let (status, body) = page(
            state.clone(),
            Request::get("/uitnodiging/forgedforgedforged")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body.contains("Deze link klopt niet"), "{body}");
        let (status, body) = page(
            state.clone(),
            Request::get(format!("/uitnodiging/{}", "x".repeat(64)))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::GONE);
        assert!(body.contains("ingetrokken"), "{body}");
        let (status, _) = page(
            state.clone(),
            Request::get("/uitnodiging/%3Cscript%3E")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Without account creation configured, a complete form is refused plainly.
        let form =
            "username=piet&password=lang-genoeg-wachtwoord&password_again=lang-genoeg-wachtwoord";
        let (status, body) = page(
            state.clone(),
            Request::post("/uitnodiging/abcdefghjkmnpqrstuvwxyz234567892")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("Er is niets opgeslagen"), "{body}");
        let link = state.store.invite_link("open").await.unwrap().unwrap();
        assert!(link.link.usable_at(0), "the link still works");
    }
}
