//! Running the parts: the whole stack (`kring up`) and the bots alone (`kring bots`).

use crate::accounts;
use crate::config::{Config, read_secret};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use kring_bots::{Bot, BotConfig, BotCredentials, BotMetrics};
use kring_bridge::element_web::{self, ElementWebSettings};
use kring_bridge::{BridgeState, Onboarding};
use kring_homeserver::{Admin, EmbeddedConfig, Secrets, SynapseInstall, SynapseProcess};
use kring_store::Store;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Installs (first time) and starts the embedded Synapse, with progress on the terminal.
pub async fn start_embedded_synapse(config: &Config) -> Result<SynapseProcess> {
    let install = SynapseInstall::at(config.synapse_venv());
    if !install.is_installed() {
        let spinner = ProgressBar::new_spinner();
        spinner.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}").expect("a valid template"),
        );
        spinner.enable_steady_tick(Duration::from_millis(120));
        let mut progress = |line: &str| {
            let line: String = line.chars().take(100).collect();
            spinner.set_message(line);
        };
        install
            .ensure(&mut progress)
            .await
            .context("installing Synapse")?;
        spinner.finish_with_message(format!(
            "Synapse {} installed",
            kring_homeserver::SYNAPSE_VERSION
        ));
    }
    let secrets = Secrets::load_or_create(&config.synapse_dir().join("secrets.json"))?;
    let embedded = EmbeddedConfig {
        server_name: config.server_name.clone(),
        port: config.homeserver_port,
        metrics_port: Some(config.homeserver_metrics_port),
        data_dir: config.synapse_dir(),
        bcrypt_rounds: 12,
        extra_yaml: String::new(),
    };
    let config_path = embedded.render(&secrets)?;
    eprintln!("starting Synapse on {} …", embedded.base_url());
    Ok(SynapseProcess::start(&install, &config_path, &embedded.base_url()).await?)
}

/// The data directory holds the database, the crypto store and every secret: only its owner may
/// enter it, also when an older version made it more open.
fn private_data_dir(data_dir: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
    std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("making {} private", data_dir.display()))
}

/// `kring up`: the whole stack on this machine.
pub async fn up(mut config: Config) -> Result<()> {
    private_data_dir(&config.data_dir)?;
    let synapse = start_embedded_synapse(&config).await?;
    let admin = Admin::new(synapse.base_url());
    let admin_token = accounts::admin_token(&config, &admin).await?;
    accounts::ensure_bot_account(&config, &admin, &admin_token).await?;

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let element_web = serve_element_web(&config, shutdown_rx.clone()).await;
    if let Some(url) = &element_web
        && config.public_element_web_url.is_none()
    {
        config.public_element_web_url = Some(url.clone());
    }
    let mut services = tokio::spawn(run_services(config.clone(), shutdown_rx));
    let bot_id = format!("@{}:{}", config.bot_username, config.server_name);
    println!();
    println!("Kring is running.");
    println!("  homeserver:  {}", synapse.base_url());
    println!("  bot:         {bot_id}");
    println!(
        "  health:      http://127.0.0.1:{}/healthz",
        config.ops_port
    );
    println!(
        "  metrics:     http://127.0.0.1:{}/metrics",
        config.ops_port
    );
    println!("  invite links: {}/…", config.invite_base_url());
    match &element_web {
        Some(url) => println!("  Element Web: {url}"),
        None => println!("  Element Web: not served (see above)"),
    }
    println!("  data:        {}", config.data_dir.display());
    println!();
    println!("Make an account:   cargo run -p kring -- user add NAME");
    match &element_web {
        Some(url) => {
            println!("Open {url} in your browser and sign in with that account,");
            println!(
                "  then open {} to chat with the bot. Type !hulp (or !help en).",
                kring_bridge::element_web::direct_chat_url(url, &bot_id)
            );
        }
        None => {
            println!(
                "Log in with Element: choose \"Edit\" next to the homeserver, enter {},",
                synapse.base_url()
            );
            println!("  then start a direct chat with {bot_id}. Type !hulp (or !help en).");
        }
    }
    println!("Stop with Ctrl-C.");

    tokio::select! {
        _ = wait_for_stop_signal() => eprintln!("stopping …"),
        finished = &mut services => {
            synapse.stop().await;
            return finished.context("the services task failed")?;
        }
    }
    let _ = shutdown_tx.send(true);
    let stopped = services.await;
    synapse.stop().await;
    stopped.context("the services task failed")?
}

/// Serves Element Web next to Synapse when a bundle is configured. Anything wrong with it is
/// said plainly, and the rest of Kring runs on without it.
async fn serve_element_web(config: &Config, shutdown: watch::Receiver<bool>) -> Option<String> {
    let Some(bundle) = &config.element_web_bundle else {
        eprintln!(
            "Element Web is not served: no bundle configured. Download the official release \
             (element-web-<version>.tar.gz from github.com/element-hq/element-web/releases) and \
             set element_web_bundle in the configuration or KRING_ELEMENT_WEB_BUNDLE to its path."
        );
        return None;
    };
    let (bundle, unpack_dir) = (bundle.clone(), config.element_web_dir());
    let prepared =
        tokio::task::spawn_blocking(move || element_web::prepare(&bundle, &unpack_dir)).await;
    let webapp = match prepared {
        Ok(Ok(webapp)) => webapp,
        Ok(Err(error)) => {
            eprintln!("Element Web is not served: {error}. The rest of Kring runs without it.");
            return None;
        }
        Err(error) => {
            eprintln!("Element Web is not served: {error}.");
            return None;
        }
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", config.element_web_port)).await
    {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "Element Web is not served: port {} on 127.0.0.1 is not free ({error}).",
                config.element_web_port
            );
            return None;
        }
    };
    let settings = ElementWebSettings {
        homeserver_url: config.homeserver_url(),
        server_name: config.server_name.clone(),
    };
    let mut shutdown = shutdown;
    tokio::spawn(async move {
        let stopped = async move {
            while shutdown.changed().await.is_ok() {
                if *shutdown.borrow() {
                    break;
                }
            }
        };
        if let Err(error) = element_web::serve(listener, webapp, &settings, stopped).await {
            tracing::warn!(%error, "Element Web stopped serving");
        }
    });
    Some(format!("http://127.0.0.1:{}", config.element_web_port))
}

/// `kring bots`: the bots (and the bridge's health and metrics) against a running homeserver.
pub async fn bots(config: Config) -> Result<()> {
    private_data_dir(&config.data_dir)?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let services = tokio::spawn(run_services(config, shutdown_rx));
    tokio::select! {
        _ = wait_for_stop_signal() => {
            let _ = shutdown_tx.send(true);
            Ok(())
        }
        finished = services => finished.context("the services task failed")?,
    }
}

async fn run_services(config: Config, shutdown: watch::Receiver<bool>) -> Result<()> {
    let store = Store::connect(&config.database_url()?)
        .await
        .context("opening Kring's database")?;
    let mut registry = Registry::default();
    let metrics = BotMetrics::register(&mut registry);
    let registry = Arc::new(registry);
    let bot_config = BotConfig {
        homeserver_url: config.homeserver_url(),
        credentials: BotCredentials {
            username: config.bot_username.clone(),
            password: read_secret(&config.bot_password_path())?,
        },
        state_dir: config.bot_state_dir(),
        recovery_key_path: config.recovery_key_path(),
        crypto_store_passphrase_path: config.crypto_store_passphrase_path(),
        unreadable_after: std::time::Duration::from_secs(config.unreadable_after_secs),
        invite_base_url: config.invite_base_url(),
        admin_token: read_secret(&config.admin_token_path()).ok(),
        clock: Arc::new(kring_core::time::SystemClock),
        calendar: config.calendar.clone(),
        meetings: config.meetings.clone(),
        consults: config.consults.clone(),
    };
    let bot = Bot::start(&bot_config, store.clone(), metrics)
        .await
        .context("starting the bot")?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.bridge_port))
        .await
        .with_context(|| format!("binding the bridge to 127.0.0.1:{}", config.bridge_port))?;
    let mut bridge_shutdown = shutdown.clone();
    let onboarding = onboarding(&config, bot.identity().user_id.as_str()).await;
    let state = BridgeState {
        store,
        registry,
        onboarding,
    };
    let ops_listener = tokio::net::TcpListener::bind(("127.0.0.1", config.ops_port))
        .await
        .with_context(|| {
            format!(
                "binding health and metrics to 127.0.0.1:{}",
                config.ops_port
            )
        })?;
    let mut ops_shutdown = shutdown.clone();
    let ops = tokio::spawn(kring_bridge::serve_ops(
        ops_listener,
        state.clone(),
        async move {
            let _ = ops_shutdown.wait_for(|stop| *stop).await;
        },
    ));
    let bridge = tokio::spawn(kring_bridge::serve(listener, state, async move {
        let _ = bridge_shutdown.wait_for(|stop| *stop).await;
    }));
    tracing::info!("bot running");
    bot.run(shutdown).await?;
    bridge.await??;
    ops.await??;
    Ok(())
}

/// Account creation for invite links needs the admin token; without one (a bots-only
/// deployment without it) the invite pages say that Kring cannot make accounts right now.
async fn onboarding(config: &Config, bot_user_id: &str) -> Option<Arc<Onboarding>> {
    let path = config.admin_token_path();
    let admin_token = match read_secret(&path) {
        Ok(token) => token,
        Err(_) => {
            tracing::warn!(
                "no admin token at {}: invite links cannot make accounts",
                path.display()
            );
            return None;
        }
    };
    let invite_link_key = match kring_bots::invite_link_key(&config.bot_state_dir()).await {
        Ok(key) => key,
        Err(error) => {
            tracing::warn!(%error, "no invite-link key: invite links cannot make accounts");
            return None;
        }
    };
    Some(Arc::new(Onboarding {
        admin: Admin::new(&config.homeserver_url()),
        admin_token,
        homeserver_public_url: config.homeserver_url(),
        bot_user_id: bot_user_id.to_owned(),
        element_web_url: config.public_element_web_url.clone(),
        invite_link_key,
    }))
}

async fn wait_for_stop_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
