//! Recurring schedules as a region or a network writes them, read as Amsterdam wall-clock
//! time: a five-field cron expression ("minute hour day-of-month month day-of-week"), or an
//! RFC 5545 recurrence rule (`FREQ=MONTHLY;INTERVAL=3`, see `rrule.rs`) that runs from a start.

use super::LOCAL_TIME_ZONE;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use std::str::FromStr;
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum RecurrenceError {
    #[error(
        "a schedule has five fields: minute hour day-of-month month day-of-week (found {0} in {1:?})"
    )]
    FieldCount(usize, String),
    #[error("the schedule {0:?} is not a valid cron expression: {1}")]
    Invalid(String, String),
    #[error("the recurrence rule {0:?} cannot be read: {1}")]
    Rule(String, String),
}

/// A schedule that repeats in local time: "0 9 * * 1" is every Monday at nine in Amsterdam,
/// summer and winter alike. Days of the week count as in standard cron (0 or 7 Sunday, 1
/// Monday, or the names MON…SUN). Unlike classic cron, a day of the month and a day of the week
/// must both match: "0 10 1-7 * 1" is the first Monday of the month.
///
/// A recurrence rule runs from a start instead (the meeting it follows): `FREQ=MONTHLY;INTERVAL=3`
/// is three months after it, at the same time of day.
#[derive(Clone, Debug)]
pub struct Recurrence {
    source: String,
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    Cron(Box<cron::Schedule>),
    Rule(super::rrule::Rule),
}

impl FromStr for Recurrence {
    type Err = RecurrenceError;

    fn from_str(source: &str) -> Result<Self, Self::Err> {
        let trimmed = source.trim();
        if trimmed.to_ascii_uppercase().starts_with("FREQ=")
            || trimmed.to_ascii_uppercase().starts_with("RRULE:")
        {
            let rule = super::rrule::parse(trimmed)
                .map_err(|reason| RecurrenceError::Rule(source.to_owned(), reason))?;
            return Ok(Self {
                source: trimmed.to_owned(),
                kind: Kind::Rule(rule),
            });
        }
        let fields = source.split_whitespace().count();
        if fields != 5 {
            return Err(RecurrenceError::FieldCount(fields, source.to_owned()));
        }
        let mut parts: Vec<&str> = source.split_whitespace().collect();
        let day_of_week = day_of_week_by_name(parts[4])
            .ok_or_else(|| RecurrenceError::Invalid(source.to_owned(), "day of the week".into()))?;
        parts[4] = &day_of_week;
        // The cron crate counts seconds too; a person's schedule starts on the minute.
        let schedule = cron::Schedule::from_str(&format!("0 {}", parts.join(" ")))
            .map_err(|error| RecurrenceError::Invalid(source.to_owned(), error.to_string()))?;
        Ok(Self {
            source: source.to_owned(),
            kind: Kind::Cron(Box::new(schedule)),
        })
    }
}

impl Recurrence {
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether this is a rhythm that runs from a start (a recurrence rule) rather than a
    /// calendar of its own (cron).
    pub fn runs_from_a_start(&self) -> bool {
        matches!(self.kind, Kind::Rule(_))
    }

    /// The first time strictly after `after`; a recurrence rule counts from `after` itself.
    /// Wall-clock times are kept: a time that the change to summer time skips happens just
    /// after the gap, and a time that the change back repeats happens once, the first time.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.next_from(after, after)
    }

    /// The first time strictly after `after` of the series that starts at `start` (a cron
    /// expression has no start: it is `next_after`).
    pub fn next_from(&self, start: DateTime<Utc>, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let schedule = match &self.kind {
            Kind::Cron(schedule) => schedule,
            Kind::Rule(rule) => {
                let start = start.with_timezone(&LOCAL_TIME_ZONE).naive_local();
                return rule
                    .occurrences(start)
                    .filter_map(wall_clock_instant)
                    .find(|instant| *instant > after);
            }
        };
        let wall = after.with_timezone(&LOCAL_TIME_ZONE).naive_local();
        // Searched over wall-clock times (as if they were UTC) from a little before, because
        // near a change of the clocks the next wall-clock time can map onto an instant before
        // or at `after`; those are passed over.
        let start = Utc.from_utc_datetime(&(wall - chrono::Duration::hours(2)));
        schedule
            .after(&start)
            .take(64)
            .filter_map(|candidate| wall_clock_instant(candidate.naive_utc()))
            .find(|instant| *instant > after)
    }
}

/// The cron crate numbers the days of the week from Sunday = 1; people write standard cron,
/// where Monday is 1. Numbers become names, which both read the same way.
fn day_of_week_by_name(field: &str) -> Option<String> {
    const NAMES: [&str; 8] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    fn name(number: &str) -> Option<&str> {
        match number.parse::<usize>() {
            Ok(day) => NAMES.get(day).copied(),
            Err(_) => Some(number),
        }
    }
    let item = |item: &str| -> Option<String> {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        let range = match range.split_once('-') {
            // Up to 7 is up to Sunday, the end of a Monday-first week.
            Some((from, "7")) => format!("{}-SAT,SUN", name(from)?),
            Some((from, to)) => format!("{}-{}", name(from)?, name(to)?),
            None => name(range)?.to_owned(),
        };
        Some(match step {
            Some(step) => format!("{range}/{step}"),
            None => range,
        })
    };
    field
        .split(',')
        .map(item)
        .collect::<Option<Vec<_>>>()
        .map(|items| items.join(","))
}

/// The instant a wall-clock time in Amsterdam stands for: the first of two when the clocks go
/// back, the first moment after the gap when they go forward.
fn wall_clock_instant(wall: NaiveDateTime) -> Option<DateTime<Utc>> {
    LOCAL_TIME_ZONE
        .from_local_datetime(&wall)
        .earliest()
        .or_else(|| {
            LOCAL_TIME_ZONE
                .from_local_datetime(&(wall + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|local| local.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
            .single()
            .expect("valid instant")
    }

    fn run(recurrence: &Recurrence, from: DateTime<Utc>, times: usize) -> Vec<DateTime<Utc>> {
        std::iter::successors(recurrence.next_after(from), |last| {
            recurrence.next_after(*last)
        })
        .take(times)
        .collect()
    }

    #[test]
    fn nine_in_the_morning_stays_nine_across_both_changes_of_the_clocks() {
        let weekdays: Recurrence = "0 9 * * 1-5".parse().expect("valid");
        // Friday 27 March 2026 (UTC+1), then Monday 30 March (UTC+2).
        assert_eq!(
            run(&weekdays, utc(2026, 3, 27, 0, 0), 2),
            [utc(2026, 3, 27, 8, 0), utc(2026, 3, 30, 7, 0)]
        );
        // Friday 23 October 2026 (UTC+2), then Monday 26 October (UTC+1).
        assert_eq!(
            run(&weekdays, utc(2026, 10, 23, 0, 0), 2),
            [utc(2026, 10, 23, 7, 0), utc(2026, 10, 26, 8, 0)]
        );
    }

    #[test]
    fn a_skipped_wall_time_happens_after_the_gap_and_a_repeated_one_once() {
        let night: Recurrence = "30 2 * * *".parse().expect("valid");
        // Sunday 29 March 2026: 02:30 does not exist; 03:30 CEST is 01:30 UTC.
        assert_eq!(
            run(&night, utc(2026, 3, 28, 12, 0), 3),
            [
                utc(2026, 3, 29, 1, 30),
                utc(2026, 3, 30, 0, 30),
                utc(2026, 3, 31, 0, 30),
            ]
        );
        // Sunday 25 October 2026: 02:30 happens twice (00:30 and 01:30 UTC); once here.
        assert_eq!(
            run(&night, utc(2026, 10, 24, 12, 0), 3),
            [
                utc(2026, 10, 25, 0, 30),
                utc(2026, 10, 26, 1, 30),
                utc(2026, 10, 27, 1, 30),
            ]
        );
    }

    #[test]
    fn a_rule_keeps_the_local_time_of_its_start_across_the_changes_of_the_clocks() {
        let rhythm: Recurrence = "FREQ=MONTHLY;INTERVAL=3".parse().expect("valid");
        assert!(rhythm.runs_from_a_start());
        // Monday 15 February 2027 at 14:00 (UTC+1); three months on is 15 May, summer time.
        let start = utc(2027, 2, 15, 13, 0);
        assert_eq!(
            rhythm.next_from(start, start),
            Some(utc(2027, 5, 15, 12, 0))
        );
        // From August (UTC+2) to November (UTC+1).
        let summer = utc(2027, 8, 16, 12, 0);
        assert_eq!(
            rhythm.next_from(summer, summer),
            Some(utc(2027, 11, 16, 13, 0))
        );
        // Counted from the start, not from `after`: the one after the next.
        assert_eq!(
            rhythm.next_from(start, utc(2027, 5, 15, 12, 0)),
            Some(utc(2027, 8, 15, 12, 0))
        );
        let bad = "FREQ=MONTHLY;COUNT=2"
            .parse::<Recurrence>()
            .expect_err("refused");
        assert!(matches!(bad, RecurrenceError::Rule(..)), "{bad}");
    }

    #[test]
    fn every_three_months_on_the_first_monday() {
        let quarterly: Recurrence = "0 10 1-7 */3 1".parse().expect("valid");
        let next = quarterly
            .next_after(utc(2026, 12, 2, 0, 0))
            .expect("a next time");
        // cron's day-of-month and day-of-week are "and" in this crate: the first Monday of
        // January, April, July or October.
        assert_eq!(next, utc(2027, 1, 4, 9, 0));
    }

    #[test]
    fn days_of_the_week_count_from_monday_as_people_write_them() {
        let sunday = utc(2026, 12, 6, 12, 0);
        for (spec, first) in [
            ("0 9 * * 0", utc(2026, 12, 13, 8, 0)),
            ("0 9 * * 7", utc(2026, 12, 13, 8, 0)),
            ("0 9 * * 1", utc(2026, 12, 7, 8, 0)),
            ("0 9 * * MON", utc(2026, 12, 7, 8, 0)),
            ("0 9 * * 6-7", utc(2026, 12, 12, 8, 0)),
            ("0 9 * * 3,5", utc(2026, 12, 9, 8, 0)),
        ] {
            let recurrence: Recurrence = spec.parse().expect("valid");
            assert_eq!(recurrence.next_after(sunday), Some(first), "{spec}");
        }
    }

    #[test]
    fn a_bad_schedule_says_what_is_wrong() {
        assert_eq!(
            "0 9 * *".parse::<Recurrence>().unwrap_err(),
            RecurrenceError::FieldCount(4, "0 9 * *".into())
        );
        assert!(matches!(
            "0 25 * * *".parse::<Recurrence>(),
            Err(RecurrenceError::Invalid(..))
        ));
    }
}
