//! Kring's HTTP service. For now: `/healthz` and `/metrics`; the FHIR R4 API and the
//! onboarding pages are added here by later capabilities.

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
}

/// The whole HTTP surface, built in one function so tests can drive it with `oneshot`.
pub fn router(state: BridgeState) -> Router {
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
    axum::serve(listener, router(state))
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
            },
            dir,
        )
    }

    #[tokio::test]
    async fn healthz_answers_ok_when_the_store_answers() {
        let (state, _dir) = state().await;
        let response = router(state)
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn healthz_reports_a_closed_store_without_details() {
        let (state, _dir) = state().await;
        state.store.pool().close().await;
        let response = router(state)
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
        let response = router(state)
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("kring_test_events_total 1"), "{text}");
    }
}
