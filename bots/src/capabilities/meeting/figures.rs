//! The region's beheer figures of meetings as Prometheus gauges, this quarter and the last
//! (`kring_core::meeting::figures`), counted again from the store every few minutes. Labels are
//! fixed words (the quarter, a bucket, an outcome), never a network, a person or a date.

use crate::{Bot, BotError};
use kring_core::meeting::figures::{Quarter, QuarterFigures, quarter_figures};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, &'static str)>;

#[derive(Clone, Debug, Default)]
pub(crate) struct MeetingMetrics {
    held: Family<Labels, Gauge>,
    networks: Family<Labels, Gauge>,
    invitees: Family<Labels, Gauge>,
    actions: Family<Labels, Gauge>,
}

impl MeetingMetrics {
    pub(crate) fn register(registry: &mut Registry) -> Self {
        let metrics = Self::default();
        for (name, help, family) in [
            (
                "meetings_held",
                "Resource-group meetings held in the quarter (agreed, and their moment came)",
                &metrics.held,
            ),
            (
                "meeting_networks",
                "Open networks by how many meetings they held in the quarter (0, 1, 2, 3 or more)",
                &metrics.networks,
            ),
            (
                "meeting_invitees",
                "Invitees of meetings whose date finding ended in the quarter, by whether they answered",
                &metrics.invitees,
            ),
            (
                "meeting_actions",
                "Actions of the plans due in the quarter: done on time, done late, overdue, or not yet due",
                &metrics.actions,
            ),
        ] {
            registry.register(name, help, family.clone());
        }
        metrics
    }

    fn set(&self, quarter: &'static str, figures: &QuarterFigures) {
        let with = |pairs: &[(&'static str, &'static str)]| -> Labels {
            std::iter::once(("quarter", quarter))
                .chain(pairs.iter().copied())
                .collect()
        };
        self.held
            .get_or_create(&with(&[]))
            .set(figures.meetings_held as i64);
        for (bucket, count) in ["0", "1", "2", "3+"]
            .into_iter()
            .zip(figures.networks_by_meetings_held)
        {
            self.networks
                .get_or_create(&with(&[("meetings_held", bucket)]))
                .set(count as i64);
        }
        let not_answered = figures.invitees_asked - figures.invitees_answered;
        for (answered, count) in [("yes", figures.invitees_answered), ("no", not_answered)] {
            self.invitees
                .get_or_create(&with(&[("answered", answered)]))
                .set(count as i64);
        }
        for (outcome, count) in [
            ("on_time", figures.actions_on_time),
            ("late", figures.actions_late),
            ("overdue", figures.actions_overdue),
            ("open", figures.actions_open),
        ] {
            self.actions
                .get_or_create(&with(&[("outcome", outcome)]))
                .set(count as i64);
        }
    }
}

/// Counts this quarter's and the last quarter's figures again and sets the gauges.
pub(crate) async fn refresh(bot: &Bot) -> Result<(), BotError> {
    let now = bot.clock.now_millis();
    let current =
        Quarter::of(now).ok_or_else(|| BotError::Plan("the clock is out of range".into()))?;
    let previous = current
        .previous()
        .ok_or_else(|| BotError::Plan("the clock is out of range".into()))?;
    for (label, quarter) in [("current", current), ("previous", previous)] {
        let rows = bot
            .store
            .meeting_figure_rows(quarter.starts_at, quarter.ends_at)
            .await?;
        let figures = quarter_figures(
            quarter,
            now,
            rows.open_networks,
            &rows.meetings,
            &rows.actions,
        );
        bot.metrics.capabilities.meeting.set(label, &figures);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{id, mock_bot, received_command};
    use kring_core::meeting::{MeetingChange, MeetingId, Moment};
    use kring_core::network::NetworkId;
    use kring_core::plan::{Change, Plan};
    use matrix_sdk::ruma::room_id;

    /// A meeting held a moment ago and one ahead, in one of two open networks: the gauges say
    /// one held, one network with none and one with one.
    #[tokio::test]
    async fn the_gauges_are_counted_from_the_store() {
        let mock = mock_bot().await;
        let bot = &mock.bot;
        mock.network("n1", room_id!("!n1:kring.test"), "@anna:kring.test", &[])
            .await;
        mock.network("n2", room_id!("!n2:kring.test"), "@bram:kring.test", &[])
            .await;
        let now = bot.clock.now_millis();
        received_command(
            bot,
            "$setup",
            "!n1:kring.test",
            "@anna:kring.test",
            "!overleg",
            2,
        )
        .await;
        let mut setup = Plan::new();
        for (meeting, starts_at) in [("mtg-held", now - 1), ("mtg-ahead", now + 3_600_000)] {
            let meeting_id = MeetingId::parse(meeting).unwrap();
            setup
                .change(Change::Meeting(MeetingChange::Plan {
                    meeting_id: meeting_id.clone(),
                    network_id: NetworkId::parse("n1").unwrap(),
                    planned_by: id("@anna:kring.test"),
                    state: kring_core::meeting::MeetingState::Planning,
                    choosing_room_id: None,
                    invitees: vec![],
                    candidates: vec![Moment {
                        starts_at,
                        minutes: 60,
                    }],
                    place: None,
                    answer_by: starts_at,
                    at: 2,
                }))
                .change(Change::Meeting(MeetingChange::Agree {
                    meeting_id,
                    candidate: 0,
                    at: 2,
                }));
        }
        bot.store
            .apply_plan(bot.identity.user_id.as_str(), "$setup", &setup)
            .await
            .expect("stored");
        refresh(bot).await.expect("counted");
        let gauges = &bot.metrics.capabilities.meeting;
        let current = |pairs: &[(&'static str, &'static str)]| -> Labels {
            std::iter::once(("quarter", "current"))
                .chain(pairs.iter().copied())
                .collect()
        };
        assert_eq!(gauges.held.get_or_create(&current(&[])).get(), 1);
        for (bucket, networks) in [("0", 1), ("1", 1), ("2", 0), ("3+", 0)] {
            assert_eq!(
                gauges
                    .networks
                    .get_or_create(&current(&[("meetings_held", bucket)]))
                    .get(),
                networks,
                "{bucket}"
            );
        }
    }

    #[test]
    fn the_gauges_carry_fixed_words_only() {
        let mut registry = Registry::default();
        let metrics = MeetingMetrics::register(&mut registry);
        metrics.set(
            "current",
            &QuarterFigures {
                meetings_held: 5,
                networks_by_meetings_held: [3, 2, 1, 1],
                invitees_asked: 10,
                invitees_answered: 7,
                actions_on_time: 4,
                actions_late: 1,
                actions_overdue: 2,
                actions_open: 3,
            },
        );
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        for line in [
            "meetings_held{quarter=\"current\"} 5",
            "meeting_networks{quarter=\"current\",meetings_held=\"3+\"} 1",
            "meeting_invitees{quarter=\"current\",answered=\"no\"} 3",
            "meeting_actions{quarter=\"current\",outcome=\"overdue\"} 2",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
    }
}
