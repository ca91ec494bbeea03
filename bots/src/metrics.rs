use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The bots' Prometheus metrics; cheap to clone, registered once into the service's registry.
#[derive(Clone, Debug)]
pub struct BotMetrics {
    pub commands_received: Counter,
    pub replies_sent: Counter,
    pub send_failures: Counter,
    pub broken_timers: Counter,
    /// Entries whose planned effects still fail after `MAX_ATTEMPTS` (worker.rs): they keep
    /// being retried, and their room waits behind them. An operator alerts on this.
    pub stuck_entries: Counter,
    /// Entries that could not even be planned after `MAX_ATTEMPTS`: nothing of them was stored
    /// or done, and they are left.
    pub unplannable_entries: Counter,
    /// Rooms being answered right now.
    pub lanes_busy: Gauge,
    pub sync_failures: Counter,
    /// Sync responses whose events are all in the inbox and whose position is stored.
    pub syncs: Counter,
    pub awaiting_key: Counter,
    /// Messages whose room key never came, which the bot told the sender it could not read.
    pub unreadable: Counter,
    /// Inputs not acted on because of how they arrived: unencrypted, or from a device its owner
    /// did not sign (kring_core::trust).
    pub untrusted_inputs: Counter,
    /// Events the bot could not make sense of (no type, sender or id; a stored ciphertext that
    /// is no longer JSON): settled without an answer, each with a log line naming the event.
    pub malformed_events: Counter,
    /// Rows in Kring's own store that could not be read back (a which-network question whose
    /// list is damaged): passed over with a log line, so one bad row does not keep a person
    /// from being answered.
    pub unreadable_rows: Counter,
    pub plans_made_again: Counter,
    /// State events reconciliation found in a network room that the bot had never taken in
    /// (reconcile.rs): each one is something the sync missed.
    pub reconciled_events: Counter,
    /// Network rooms reconciliation could not compare (retried the next hour).
    pub reconcile_failures: Counter,
    /// Open networks whose room the bot is no longer in (removed, or the room is gone): nothing
    /// said there reaches the bot, and nothing it should enforce there is enforced. An operator
    /// alerts on anything above zero.
    pub networks_without_the_bot: Gauge,
    /// Seconds from the member's message reaching the homeserver to the bot's reply being accepted.
    pub reply_seconds: Histogram,
    /// Where a command's time goes, stage by stage (the benchmark reads these): from the
    /// homeserver receiving it to its being in the inbox (the sync's wait, decryption, the
    /// insert), waiting there for the worker, planning it (rules and the plan's transaction), and
    /// carrying out its effects (encryption and the sends).
    pub stage_arrival_seconds: Histogram,
    pub stage_queued_seconds: Histogram,
    pub stage_plan_seconds: Histogram,
    pub stage_send_seconds: Histogram,
    /// What the capabilities count for the region's beheer.
    pub(crate) capabilities: crate::capabilities::CapabilityMetrics,
}

fn stage_histogram() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

impl BotMetrics {
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self {
            commands_received: Counter::default(),
            replies_sent: Counter::default(),
            send_failures: Counter::default(),
            broken_timers: Counter::default(),
            stuck_entries: Counter::default(),
            unplannable_entries: Counter::default(),
            lanes_busy: Gauge::default(),
            sync_failures: Counter::default(),
            syncs: Counter::default(),
            awaiting_key: Counter::default(),
            unreadable: Counter::default(),
            untrusted_inputs: Counter::default(),
            malformed_events: Counter::default(),
            unreadable_rows: Counter::default(),
            plans_made_again: Counter::default(),
            reconciled_events: Counter::default(),
            reconcile_failures: Counter::default(),
            networks_without_the_bot: Gauge::default(),
            reply_seconds: Histogram::new([0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0]),
            stage_arrival_seconds: stage_histogram(),
            stage_queued_seconds: stage_histogram(),
            stage_plan_seconds: stage_histogram(),
            stage_send_seconds: stage_histogram(),
            capabilities: crate::capabilities::CapabilityMetrics::register(
                registry.sub_registry_with_prefix("kring_bot"),
            ),
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
            "broken_timers",
            "Timers whose stored payload could not be read, so they did not fire",
            metrics.broken_timers.clone(),
        );
        bots.register(
            "stuck_entries",
            "Entries whose planned steps still fail after many attempts; retried, their room waits",
            metrics.stuck_entries.clone(),
        );
        bots.register(
            "unplannable_entries",
            "Entries that could not be planned after many attempts, left with nothing done",
            metrics.unplannable_entries.clone(),
        );
        bots.register(
            "lanes_busy",
            "Rooms being answered right now",
            metrics.lanes_busy.clone(),
        );
        bots.register(
            "sync_failures",
            "Sync requests that failed",
            metrics.sync_failures.clone(),
        );
        bots.register(
            "syncs",
            "Sync responses whose events are in the inbox and whose position is stored",
            metrics.syncs.clone(),
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
            "untrusted_inputs",
            "Inputs not acted on: unencrypted, or from a device its owner did not sign",
            metrics.untrusted_inputs.clone(),
        );
        bots.register(
            "malformed_events",
            "Events the bot could not read the envelope of, settled without an answer and logged",
            metrics.malformed_events.clone(),
        );
        bots.register(
            "unreadable_rows",
            "Rows of Kring's store that could not be read back, passed over and logged",
            metrics.unreadable_rows.clone(),
        );
        bots.register(
            "plans_made_again",
            "Plans not written because another process changed their state first, and made again",
            metrics.plans_made_again.clone(),
        );
        bots.register(
            "reconciled_events",
            "State events found by reconciliation that the sync had not delivered",
            metrics.reconciled_events.clone(),
        );
        bots.register(
            "reconcile_failures",
            "Network rooms reconciliation could not compare with the homeserver",
            metrics.reconcile_failures.clone(),
        );
        bots.register(
            "networks_without_the_bot",
            "Open networks whose room the bot is not in (found by reconciliation)",
            metrics.networks_without_the_bot.clone(),
        );
        bots.register(
            "reply_seconds",
            "Time from message to reply",
            metrics.reply_seconds.clone(),
        );
        for (name, help, histogram) in [
            (
                "stage_arrival_seconds",
                "Command: from the homeserver receiving it to its being in the inbox",
                &metrics.stage_arrival_seconds,
            ),
            (
                "stage_queued_seconds",
                "Command: waiting in the inbox for the worker",
                &metrics.stage_queued_seconds,
            ),
            (
                "stage_plan_seconds",
                "Command: the rules and the stored plan",
                &metrics.stage_plan_seconds,
            ),
            (
                "stage_send_seconds",
                "Command: its effects carried out (encryption and sends)",
                &metrics.stage_send_seconds,
            ),
        ] {
            bots.register(name, help, histogram.clone());
        }
        metrics
    }

    /// Metrics that go nowhere, for tools that run a bot without a metrics endpoint.
    pub fn unregistered() -> Self {
        Self::register(&mut Registry::default())
    }
}
