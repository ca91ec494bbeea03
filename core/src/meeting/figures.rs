//! What the region's beheer sees of meetings, per calendar quarter (Amsterdam time): how many
//! meetings were held and how they spread over the networks, how many invitees answered the
//! date finding, and whether the actions of the plans were done on time. Counts only: no
//! network, person or text leaves this module, so the figures can go into metrics.

use super::MeetingState;
use crate::network::Millis;
use crate::time::{LOCAL_TIME_ZONE, start_of_local_day, to_millis};
use chrono::{Datelike, NaiveDate};

/// A calendar quarter: from its first local midnight up to the next quarter's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub number: u32,
    pub starts_at: Millis,
    pub ends_at: Millis,
}

impl Quarter {
    /// The quarter `at` falls in, as a clock in Amsterdam shows it.
    pub fn of(at: Millis) -> Option<Self> {
        let local = crate::time::from_millis(at)?.with_timezone(&LOCAL_TIME_ZONE);
        Self::numbered(local.year(), (local.month() - 1) / 3 + 1)
    }

    fn numbered(year: i32, number: u32) -> Option<Self> {
        let first_month = (number - 1) * 3 + 1;
        let starts = NaiveDate::from_ymd_opt(year, first_month, 1)?;
        let next = if number == 4 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, first_month + 3, 1)?
        };
        Some(Self {
            year,
            number,
            starts_at: to_millis(start_of_local_day(starts)?),
            ends_at: to_millis(start_of_local_day(next)?),
        })
    }

    pub fn previous(self) -> Option<Self> {
        if self.number == 1 {
            Self::numbered(self.year - 1, 4)
        } else {
            Self::numbered(self.year, self.number - 1)
        }
    }

    pub fn contains(self, at: Millis) -> bool {
        (self.starts_at..self.ends_at).contains(&at)
    }
}

/// One meeting as the figures need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRow {
    /// An index into the open networks given with it, or `None` for a closed network's meeting.
    pub network: Option<usize>,
    pub state: MeetingState,
    /// When the chosen moment starts, once one is chosen.
    pub starts_at: Option<Millis>,
    /// When date finding ended and the client was asked to choose.
    pub choice_asked_at: Option<Millis>,
    pub invitees: u32,
    /// Invitees who answered at least one moment's poll.
    pub answered: u32,
}

/// One action of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionRow {
    /// A moment on the day it is due.
    pub due_at: Millis,
    pub done_at: Option<Millis>,
}

/// The midnight that ends the local day `at` falls on: an action is on time when it is marked
/// done before its day is over.
fn day_over(at: Millis) -> Millis {
    crate::time::from_millis(at)
        .map(|instant| instant.with_timezone(&LOCAL_TIME_ZONE).date_naive())
        .and_then(|day| day.succ_opt())
        .and_then(start_of_local_day)
        .map_or(at, to_millis)
}

/// The quarter's figures. Held meetings are agreed meetings whose moment has come within the
/// quarter (one moved out of it, or called off, is not held); the answers count meetings whose
/// date finding ended in the quarter; the actions are those due in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuarterFigures {
    pub meetings_held: u64,
    /// Open networks that held 0, 1, 2, and 3 or more meetings in the quarter.
    pub networks_by_meetings_held: [u64; 4],
    pub invitees_asked: u64,
    pub invitees_answered: u64,
    pub actions_on_time: u64,
    pub actions_late: u64,
    /// Due and not done.
    pub actions_overdue: u64,
    /// Not yet due, not done.
    pub actions_open: u64,
}

pub fn quarter_figures(
    quarter: Quarter,
    now: Millis,
    open_networks: usize,
    meetings: &[MeetingRow],
    actions: &[ActionRow],
) -> QuarterFigures {
    let mut figures = QuarterFigures::default();
    let mut held_per_network = vec![0_u64; open_networks];
    for meeting in meetings {
        let held = meeting.state == MeetingState::Agreed
            && meeting
                .starts_at
                .is_some_and(|starts_at| quarter.contains(starts_at) && starts_at <= now);
        if held {
            figures.meetings_held += 1;
            if let Some(count) = meeting.network.and_then(|n| held_per_network.get_mut(n)) {
                *count += 1;
            }
        }
        if meeting
            .choice_asked_at
            .is_some_and(|at| quarter.contains(at))
        {
            figures.invitees_asked += u64::from(meeting.invitees);
            figures.invitees_answered += u64::from(meeting.answered.min(meeting.invitees));
        }
    }
    for held in held_per_network {
        figures.networks_by_meetings_held[(held as usize).min(3)] += 1;
    }
    for action in actions.iter().filter(|a| quarter.contains(a.due_at)) {
        let day_over = day_over(action.due_at);
        let bucket = match action.done_at {
            Some(done) if done < day_over => &mut figures.actions_on_time,
            Some(_) => &mut figures.actions_late,
            None if now >= day_over => &mut figures.actions_overdue,
            None => &mut figures.actions_open,
        };
        *bucket += 1;
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn local(year: i32, month: u32, day: u32, hour: u32) -> Millis {
        to_millis(
            LOCAL_TIME_ZONE
                .with_ymd_and_hms(year, month, day, hour, 0, 0)
                .earliest()
                .expect("a local time")
                .with_timezone(&chrono::Utc),
        )
    }

    #[test]
    fn quarters_begin_at_local_midnight_and_follow_each_other() {
        let q4 = Quarter::of(local(2026, 12, 7, 14)).unwrap();
        assert_eq!((q4.year, q4.number), (2026, 4));
        assert_eq!(q4.starts_at, local(2026, 10, 1, 0));
        assert_eq!(q4.ends_at, local(2027, 1, 1, 0));
        let q3 = q4.previous().unwrap();
        assert_eq!((q3.year, q3.number, q3.ends_at), (2026, 3, q4.starts_at));
        let q1 = Quarter::of(local(2027, 2, 1, 9)).unwrap();
        assert_eq!(q1.previous().unwrap(), q4);
        // New Year's night in Amsterdam is still the old year in UTC: the local quarter counts.
        assert_eq!(Quarter::of(local(2027, 1, 1, 0)).unwrap().number, 1);
        assert_eq!(Quarter::of(local(2027, 1, 1, 0) - 1).unwrap().number, 4);
    }

    fn agreed(network: usize, starts_at: Millis) -> MeetingRow {
        MeetingRow {
            network: Some(network),
            state: MeetingState::Agreed,
            starts_at: Some(starts_at),
            choice_asked_at: Some(starts_at - 7 * 24 * 3_600_000),
            invitees: 4,
            answered: 3,
        }
    }

    #[test]
    fn held_meetings_are_agreed_ones_whose_moment_came_in_the_quarter() {
        let now = local(2026, 12, 7, 12);
        let quarter = Quarter::of(now).unwrap();
        let cancelled = MeetingRow {
            state: MeetingState::Cancelled,
            ..agreed(0, local(2026, 11, 2, 14))
        };
        let meetings = [
            agreed(0, local(2026, 10, 5, 10)),
            agreed(0, local(2026, 11, 16, 10)),
            agreed(1, local(2026, 11, 20, 14)),
            // Ahead, and in the last quarter: not held in this one.
            MeetingRow {
                choice_asked_at: Some(local(2026, 12, 1, 9)),
                ..agreed(1, local(2026, 12, 21, 10))
            },
            agreed(2, local(2026, 9, 30, 14)),
            cancelled,
        ];
        let figures = quarter_figures(quarter, now, 4, &meetings, &[]);
        assert_eq!(figures.meetings_held, 3);
        assert_eq!(figures.networks_by_meetings_held, [2, 1, 1, 0]);
        // Date finding ended this quarter for four of them: not for the meetings of 30 September
        // and 5 October, whose choice was asked in September.
        assert_eq!(
            (figures.invitees_asked, figures.invitees_answered),
            (16, 12)
        );
    }

    #[test]
    fn actions_are_on_time_when_done_before_their_day_is_over() {
        let now = local(2026, 12, 7, 12);
        let quarter = Quarter::of(now).unwrap();
        // The bot keeps 09:00 of the due day.
        let due = local(2026, 11, 10, 9);
        let actions = [
            ActionRow {
                due_at: due,
                done_at: Some(due - 3_600_000),
            },
            ActionRow {
                due_at: due,
                done_at: Some(local(2026, 11, 10, 23) + 59 * 60_000),
            },
            ActionRow {
                due_at: due,
                done_at: Some(local(2026, 11, 11, 0)),
            },
            ActionRow {
                due_at: due,
                done_at: None,
            },
            ActionRow {
                due_at: local(2026, 12, 20, 23),
                done_at: None,
            },
            ActionRow {
                due_at: local(2026, 9, 20, 23),
                done_at: None,
            },
        ];
        let figures = quarter_figures(quarter, now, 0, &[], &actions);
        assert_eq!(
            (
                figures.actions_on_time,
                figures.actions_late,
                figures.actions_overdue,
                figures.actions_open
            ),
            (2, 1, 1, 1)
        );
    }

    fn any_meeting(networks: usize) -> impl Strategy<Value = MeetingRow> {
        let span = 400 * 24 * 3_600_000_i64;
        let base = local(2026, 1, 1, 0);
        (
            proptest::option::of(0..networks.max(1) + 1),
            prop_oneof![
                Just(MeetingState::Planning),
                Just(MeetingState::Agreed),
                Just(MeetingState::Cancelled)
            ],
            proptest::option::of(0..span),
            proptest::option::of(0..span),
            0_u32..10,
            0_u32..12,
        )
            .prop_map(move |(network, state, starts, asked, invitees, answered)| {
                MeetingRow {
                    network,
                    state,
                    starts_at: starts.map(|s| base + s),
                    choice_asked_at: asked.map(|a| base + a),
                    invitees,
                    answered,
                }
            })
    }

    proptest! {
        #[test]
        fn the_figures_add_up(
            networks in 0_usize..20,
            meetings in proptest::collection::vec(any_meeting(20), 0..60),
            actions in proptest::collection::vec((0_i64..400, proptest::option::of(-5_i64..5)), 0..60),
            now_day in 0_i64..400,
        ) {
            let base = local(2026, 1, 1, 0);
            let day = 24 * 3_600_000_i64;
            let now = base + now_day * day;
            let quarter = Quarter::of(now).unwrap();
            let actions: Vec<ActionRow> = actions
                .into_iter()
                .map(|(due, done)| ActionRow {
                    due_at: base + due * day,
                    done_at: done.map(|d| base + (due + d) * day),
                })
                .collect();
            let figures = quarter_figures(quarter, now, networks, &meetings, &actions);
            // Every open network is in exactly one bucket.
            prop_assert_eq!(figures.networks_by_meetings_held.iter().sum::<u64>(), networks as u64);
            // The buckets never hold more meetings than were held.
            let in_buckets: u64 = figures.networks_by_meetings_held[1]
                + 2 * figures.networks_by_meetings_held[2]
                + 3 * figures.networks_by_meetings_held[3];
            prop_assert!(in_buckets <= figures.meetings_held);
            prop_assert!(figures.invitees_answered <= figures.invitees_asked);
            // Every action due in the quarter is in exactly one bucket; none from outside it.
            let due_here = actions.iter().filter(|a| quarter.contains(a.due_at)).count() as u64;
            prop_assert_eq!(
                figures.actions_on_time + figures.actions_late + figures.actions_overdue + figures.actions_open,
                due_here
            );
            // Nothing is held in the future.
            let future = meetings.iter().all(|m| m.starts_at.is_none_or(|s| s > now));
            if future {
                prop_assert_eq!(figures.meetings_held, 0);
            }
        }
    }
}
