//! The region's consult figures for Prometheus, counted again from the store every few minutes:
//! how long consultants took to answer (a histogram per consultant's organisation, the one
//! label; "outside_network" for a consultant the network did not know) and how many consults
//! are open and overdue now. No network, person or date is ever a label.

use crate::{Bot, BotError};
use kring_core::consult::is_overdue;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

/// Hours from sent to answered: half a day up to two working weeks.
const ANSWER_HOURS: [f64; 8] = [4.0, 8.0, 24.0, 48.0, 72.0, 120.0, 168.0, 336.0];

/// The label of a consultant the network did not know when it was asked.
const OUTSIDE: &str = "outside_network";

#[derive(Clone, Debug)]
pub(crate) struct ConsultMetrics {
    answer_hours: Family<Labels, Histogram, fn() -> Histogram>,
    open: Family<Vec<(&'static str, &'static str)>, Gauge>,
}

impl ConsultMetrics {
    pub(crate) fn register(registry: &mut Registry) -> Self {
        let metrics = Self {
            answer_hours: Family::new_with_constructor(|| Histogram::new(ANSWER_HOURS)),
            open: Family::default(),
        };
        registry.register(
            "consult_answer_hours",
            "Hours from a meedenkconsult reaching the consultant to its answer, by the consultant's organisation",
            metrics.answer_hours.clone(),
        );
        registry.register(
            "consults_open",
            "Meedenkconsults still owed an answer, by whether their deadline has passed",
            metrics.open.clone(),
        );
        metrics
    }
}

/// Counts the figures again from every consult in the store.
pub(crate) async fn refresh(bot: &Bot) -> Result<(), BotError> {
    let consults = bot.store.consults_asked_between(0, i64::MAX).await?;
    bot.metrics
        .capabilities
        .consult
        .set(&consults, bot.clock.now_millis());
    Ok(())
}

impl ConsultMetrics {
    fn set(&self, consults: &[kring_store::StoredConsult], now: kring_core::network::Millis) {
        let metrics = self;
        metrics.answer_hours.clear();
        let (mut on_time, mut overdue) = (0, 0);
        for stored in consults {
            if let (Some(sent), Some(answered)) = (stored.consult.sent_at, stored.answered_at) {
                let organisation = stored
                    .consultant_practice
                    .as_ref()
                    .map_or_else(|| OUTSIDE.to_owned(), |p| p.organisation.clone());
                metrics
                    .answer_hours
                    .get_or_create(&vec![("organisation", organisation)])
                    .observe((answered - sent).max(0) as f64 / 3_600_000.0);
            }
            if stored.consult.state.awaits_answer() {
                if is_overdue(&stored.consult, now) {
                    overdue += 1;
                } else {
                    on_time += 1;
                }
            }
        }
        metrics
            .open
            .get_or_create(&vec![("deadline", "ahead")])
            .set(on_time);
        metrics
            .open
            .get_or_create(&vec![("deadline", "passed")])
            .set(overdue);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{id, mock_bot, received_command};
    use kring_core::consult::{
        ConsultChange, ConsultId, ConsultState, Outcome, Practitioner, Request, Urgency,
    };
    use kring_core::network::NetworkId;
    use kring_core::plan::{Change, Plan};
    use matrix_sdk::ruma::room_id;

    /// Two answered consults (one by a known organisation, one by an outsider) and one overdue:
    /// the histogram counts each by organisation in hours, the gauge the overdue one; the
    /// exposition names no network, person or consult.
    #[tokio::test]
    async fn answer_times_by_organisation_and_nothing_else_in_the_labels() {
        let mock = mock_bot().await;
        let bot = &mock.bot;
        mock.network("n1", room_id!("!n1:kring.test"), "@anna:kring.test", &[])
            .await;
        received_command(
            bot,
            "$setup",
            "!n1:kring.test",
            "@gp:kring.test",
            "!consult",
            2,
        )
        .await;
        let hour = 3_600_000;
        let mut setup = Plan::new();
        for (consult, organisation, answered_after) in [
            ("cst-a", Some("GGZ Noord"), Some(6 * hour)),
            ("cst-b", None, Some(30 * hour)),
            ("cst-c", Some("GGZ Noord"), None),
        ] {
            let consult_id = ConsultId::parse(consult).unwrap();
            setup.change(Change::Consult(ConsultChange::Ask {
                consult_id: consult_id.clone(),
                network_id: NetworkId::parse("n1").unwrap(),
                requester: id("@gp:kring.test"),
                consultant: id("@psy:kring.test"),
                request: Request {
                    question: "Lithium?".into(),
                    summary: "Somber.".into(),
                    medication: None,
                    urgency: Urgency::Normal,
                },
                state: ConsultState::Requested,
                working_days: 3,
                sent_at: Some(1_000),
                due_at: Some(1_000 + 72 * hour),
                requester_room: matrix_sdk::ruma::owned_room_id!("!gp:kring.test"),
                requester_practice: None,
                consultant_practice: organisation.map(|organisation| Practitioner {
                    organisation: organisation.into(),
                    discipline: "psychiater".into(),
                }),
                at: 1_000,
            }));
            if let Some(after) = answered_after {
                setup.change(Change::Consult(ConsultChange::Step {
                    consult_id,
                    from: ConsultState::Requested,
                    to: ConsultState::Answered,
                    at: 1_000 + after,
                    sent_at: None,
                    due_at: None,
                    outcome: Some(Outcome::Advice),
                    reason: None,
                    minutes_spent: Some(20),
                }));
            }
        }
        bot.store
            .apply_plan(bot.identity.user_id.as_str(), "$setup", &setup)
            .await
            .expect("stored");
        let consults = bot.store.consults_asked_between(0, i64::MAX).await.unwrap();
        let mut registry = Registry::default();
        let metrics = ConsultMetrics::register(&mut registry);
        metrics.set(&consults, 1_000 + 100 * hour);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        for line in [
            "consult_answer_hours_count{organisation=\"GGZ Noord\"} 1",
            "consult_answer_hours_bucket{le=\"8.0\",organisation=\"GGZ Noord\"} 1",
            "consult_answer_hours_bucket{le=\"24.0\",organisation=\"outside_network\"} 0",
            "consult_answer_hours_bucket{le=\"48.0\",organisation=\"outside_network\"} 1",
            "consults_open{deadline=\"passed\"} 1",
            "consults_open{deadline=\"ahead\"} 0",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        for private in ["cst-", "n1", "@gp", "@psy", "Lithium"] {
            assert!(!text.contains(private), "{private} in {text}");
        }
    }
}
