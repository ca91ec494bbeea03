//! Element Web in the box, as Element's own server suite ships it next to Synapse: Kring unpacks
//! an unmodified Element Web release (a `.tar.gz` or an unpacked folder), serves it on loopback,
//! and answers `config.json` itself, written from Kring's configuration, so the bundle is never
//! changed.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// What Element needs to know about this Kring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementWebSettings {
    /// The homeserver as the browser reaches it.
    pub homeserver_url: String,
    pub server_name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ElementWebError {
    #[error("there is no Element Web bundle at {0}")]
    Missing(PathBuf),
    #[error("the Element Web bundle at {path} cannot be used: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("cannot unpack Element Web into {path}: {source}")]
    Unpack {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The folder holding Element's `index.html`, ready to serve. An archive is unpacked once into
/// `unpack_dir` (under a name taken from its content, so a new release unpacks beside the old);
/// the unpacking goes to a temporary folder first, so a crash leaves nothing half-made.
pub fn prepare(bundle: &Path, unpack_dir: &Path) -> Result<PathBuf, ElementWebError> {
    let corrupt = |reason: String| ElementWebError::Corrupt {
        path: bundle.to_path_buf(),
        reason,
    };
    if bundle.is_dir() {
        return webapp_in(bundle).ok_or_else(|| corrupt("it has no index.html".into()));
    }
    let mut file = match std::fs::File::open(bundle) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(ElementWebError::Missing(bundle.to_path_buf()));
        }
        Err(error) => return Err(corrupt(error.to_string())),
    };
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|error| corrupt(error.to_string()))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    let digest = hex::encode(hasher.finalize());
    let target = unpack_dir.join(&digest[..16]);
    if let Some(webapp) = webapp_in(&target) {
        return Ok(webapp);
    }
    let unpack_error = |source| ElementWebError::Unpack {
        path: unpack_dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(unpack_dir).map_err(unpack_error)?;
    let partial = tempfile::Builder::new()
        .prefix(".unpacking-")
        .tempdir_in(unpack_dir)
        .map_err(unpack_error)?;
    let archive = std::fs::File::open(bundle).map_err(|error| corrupt(error.to_string()))?;
    tar::Archive::new(flate2::read::GzDecoder::new(archive))
        .unpack(partial.path())
        .map_err(|error| corrupt(format!("not a readable .tar.gz ({error})")))?;
    if webapp_in(partial.path()).is_none() {
        return Err(corrupt("the archive holds no index.html".into()));
    }
    let unpacked = partial.keep();
    if let Err(error) = std::fs::rename(&unpacked, &target) {
        // Another Kring unpacked the same release at the same moment: theirs is as good.
        let _ = std::fs::remove_dir_all(&unpacked);
        if webapp_in(&target).is_none() {
            return Err(unpack_error(error));
        }
    }
    webapp_in(&target).ok_or_else(|| corrupt("the archive holds no index.html".into()))
}

/// The folder with `index.html`: the folder itself, or its `webapp/` (as the release unpacks).
fn webapp_in(dir: &Path) -> Option<PathBuf> {
    [dir.to_path_buf(), dir.join("webapp")]
        .into_iter()
        .find(|candidate| candidate.join("index.html").is_file())
}

/// Kring's own logo and sign-in background, served beside the unmodified release.
const LOGO_PATH: &str = "/kring/logo.svg";
const BACKGROUND_PATH: &str = "/kring/background.svg";
const LOGO_SVG: &str = include_str!("../assets/kring-logo.svg");
const BACKGROUND_SVG: &str = include_str!("../assets/kring-background.svg");

/// Element's `config.json` for Kring: one homeserver, the Kring brand (name, logo, background,
/// no links to Element's blog and social media on the sign-in page), straight to the login
/// form, and what a care network does not use switched off (calls, widgets, registration and
/// password reset inside Element, identity servers, third-party ids, location sharing, URL
/// previews, which would fetch links people share, and analytics).
pub fn config_json(settings: &ElementWebSettings) -> String {
    serde_json::json!({
        "default_server_config": {
            "m.homeserver": {
                "base_url": settings.homeserver_url,
                "server_name": settings.server_name,
            }
        },
        "disable_custom_urls": true,
        "disable_guests": true,
        "disable_3pid_login": true,
        "disable_login_language_selector": false,
        "brand": "Kring",
        "branding": {
            "auth_header_logo_url": LOGO_PATH,
            "welcome_background_url": BACKGROUND_PATH,
            "auth_footer_links": [],
        },
        "default_theme": "light",
        "show_labs_settings": false,
        "default_federate": false,
        "room_directory": { "servers": [settings.server_name] },
        "embedded_pages": { "login_for_welcome": true },
        "setting_defaults": {
            "UIFeature.voip": false,
            "UIFeature.widgets": false,
            "UIFeature.feedback": false,
            "UIFeature.identityServer": false,
            "UIFeature.thirdPartyId": false,
            "UIFeature.registration": false,
            "UIFeature.passwordReset": false,
            "UIFeature.shareSocial": false,
            "UIFeature.locationSharing": false,
            "UIFeature.urlPreviews": false,
            "UIFeature.BulkUnverifiedSessionsReminder": false
        }
    })
    .to_string()
}

/// The Element Web address that opens (or starts) a direct chat with `user_id`: what a client
/// is given to reach the Kring bot with one click after signing in.
pub fn direct_chat_url(element_web_url: &str, user_id: &str) -> String {
    format!(
        "{}/#/user/{user_id}?action=chat",
        element_web_url.trim_end_matches('/')
    )
}

/// Serves the unpacked Element Web, with Kring's `config.json` in place of the bundle's.
pub fn router(webapp: PathBuf, settings: &ElementWebSettings) -> Router {
    let config = config_json(settings);
    let svg = |body: &'static str| {
        get(
            move || async move { ([(header::CONTENT_TYPE, "image/svg+xml")], body).into_response() },
        )
    };
    Router::new()
        .route(LOGO_PATH, svg(LOGO_SVG))
        .route(BACKGROUND_PATH, svg(BACKGROUND_SVG))
        .route(
            "/config.json",
            get(move || {
                let config = config.clone();
                async move {
                    (
                        [
                            (header::CONTENT_TYPE, "application/json"),
                            (header::CACHE_CONTROL, "no-cache"),
                        ],
                        config,
                    )
                        .into_response()
                }
            }),
        )
        .fallback_service(ServeDir::new(webapp))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}

/// Serves Element Web on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    webapp: PathBuf,
    settings: &ElementWebSettings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(webapp, settings))
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_direct_chat_link_names_the_bot_once_whatever_the_slash() {
        for base in ["http://127.0.0.1:8080", "http://127.0.0.1:8080/"] {
            assert_eq!(
                super::direct_chat_url(base, "@kring:localhost"),
                "http://127.0.0.1:8080/#/user/@kring:localhost?action=chat"
            );
        }
    }

    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    fn settings() -> ElementWebSettings {
        ElementWebSettings {
            homeserver_url: "http://127.0.0.1:8008".into(),
            server_name: "kring.localhost".into(),
        }
    }

    /// A small stand-in release: `webapp/index.html` and a script, packed as the real one is.
    fn bundle(dir: &Path) -> PathBuf {
        let path = dir.join("element-web-test.tar.gz");
        let file = std::fs::File::create(&path).unwrap();
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::fast(),
        ));
        for (name, body) in [
            ("webapp/index.html", "<html>Element</html>"),
            ("webapp/bundle.js", "console.log(1)"),
            ("webapp/config.json", "{\"from\": \"the bundle\"}"),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(body.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, name, body.as_bytes())
                .unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap();
        path
    }

    async fn get(app: Router, path: &str) -> (StatusCode, String, axum::http::HeaderMap) {
        let response = app
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned(), headers)
    }

    #[tokio::test]
    async fn a_release_is_unpacked_once_and_served_with_kring_s_config() {
        let dir = tempfile::tempdir().unwrap();
        let archive = bundle(dir.path());
        let unpack_dir = dir.path().join("unpacked");
        let webapp = prepare(&archive, &unpack_dir).unwrap();
        assert_eq!(prepare(&archive, &unpack_dir).unwrap(), webapp, "once");
        assert_eq!(
            std::fs::read_dir(&unpack_dir).unwrap().count(),
            1,
            "no leftovers"
        );

        let app = router(webapp, &settings());
        let (status, body, headers) = get(app.clone(), "/").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, "<html>Element</html>");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let (status, body, headers) = get(app.clone(), "/config.json").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        let config: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            config["default_server_config"]["m.homeserver"]["base_url"],
            "http://127.0.0.1:8008"
        );
        assert_eq!(config["brand"], "Kring");
        for picture in ["auth_header_logo_url", "welcome_background_url"] {
            let path = config["branding"][picture].as_str().unwrap();
            let (status, body, headers) = get(app.clone(), path).await;
            assert_eq!(status, StatusCode::OK, "{picture}");
            assert_eq!(headers[header::CONTENT_TYPE], "image/svg+xml");
            assert!(body.starts_with("<svg"), "{body}");
        }
        assert_eq!(
            config["branding"]["auth_footer_links"],
            serde_json::json!([])
        );
        assert_eq!(config["setting_defaults"]["UIFeature.voip"], false);
        let (status, _, _) = get(app.clone(), "/bundle.js").await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, _) = get(app.clone(), "/missing.js").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body, _) = get(app, "/../element-web-test.tar.gz").await;
        assert_ne!(status, StatusCode::OK, "nothing outside the webapp: {body}");
    }

    #[test]
    fn a_missing_or_broken_bundle_is_named_and_nothing_is_left_half_made() {
        let dir = tempfile::tempdir().unwrap();
        let unpack_dir = dir.path().join("unpacked");
        assert!(matches!(
            prepare(&dir.path().join("nothing.tar.gz"), &unpack_dir),
            Err(ElementWebError::Missing(_))
        ));
        let broken = dir.path().join("broken.tar.gz");
        std::fs::write(&broken, b"this is not an archive").unwrap();
        let error = prepare(&broken, &unpack_dir).unwrap_err();
        assert!(matches!(error, ElementWebError::Corrupt { .. }), "{error}");
        assert!(error.to_string().contains("broken.tar.gz"), "{error}");
        assert_eq!(
            std::fs::read_dir(&unpack_dir).unwrap().count(),
            0,
            "nothing half-made"
        );
        let empty_folder = dir.path().join("folder");
        std::fs::create_dir(&empty_folder).unwrap();
        assert!(matches!(
            prepare(&empty_folder, &unpack_dir),
            Err(ElementWebError::Corrupt { .. })
        ));
    }
}
