use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The bots' Prometheus metrics; cheap to clone, registered once into the service's registry.
#[derive(Clone, Debug)]
pub struct BotMetrics {
    pub commands_received: Counter,
    pub replies_sent: Counter,
    pub send_failures: Counter,
    pub sync_failures: Counter,
    pub awaiting_key: Counter,
    /// Messages whose room key never came, which the bot told the sender it could not read.
    pub unreadable: Counter,
    /// Seconds from the member's message reaching the homeserver to the bot's reply being accepted.
    pub reply_seconds: Histogram,
}

impl BotMetrics {
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self {
            commands_received: Counter::default(),
            replies_sent: Counter::default(),
            send_failures: Counter::default(),
            sync_failures: Counter::default(),
            awaiting_key: Counter::default(),
            unreadable: Counter::default(),
            reply_seconds: Histogram::new([0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0]),
        };
        let bots = registry.sub_registry_with_prefix("kring_bot");
        bots.register(
            "commands_received",
            "Messages written to the inbox",
            metrics.commands_received.clone(),
        );
        bots.register(
            "replies_sent",
            "Replies accepted by the homeserver",
            metrics.replies_sent.clone(),
        );
        bots.register(
            "send_failures",
            "Reply attempts that failed and will be retried",
            metrics.send_failures.clone(),
        );
        bots.register(
            "sync_failures",
            "Sync requests that failed",
            metrics.sync_failures.clone(),
        );
        bots.register(
            "awaiting_key",
            "Messages that arrived before their room key",
            metrics.awaiting_key.clone(),
        );
        bots.register(
            "unreadable",
            "Messages whose room key never came (the sender was told)",
            metrics.unreadable.clone(),
        );
        bots.register(
            "reply_seconds",
            "Time from message to reply",
            metrics.reply_seconds.clone(),
        );
        metrics
    }

    /// Metrics that go nowhere, for tools that run a bot without a metrics endpoint.
    pub fn unregistered() -> Self {
        Self::register(&mut Registry::default())
    }
}
