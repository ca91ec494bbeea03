//! The part of RFC 5545's recurrence rules (RRULE) a network's rhythm needs, read as Amsterdam
//! wall-clock time from a start (the meeting it follows): `FREQ` (DAILY, WEEKLY, MONTHLY,
//! YEARLY), `INTERVAL`, `BYDAY` (weekdays; in a monthly rule one with its place, `1MO`, `-1FR`),
//! `BYMONTHDAY` (one day, or -1 for the last), `BYHOUR`, `BYMINUTE` and `UNTIL`. Anything else
//! (`COUNT`, `BYSETPOS`, `BYWEEKNO`, …) is refused when the rule is read, not guessed at.

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// A weekday, with its place in the month for a monthly rule (1 the first, -1 the last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ByDay {
    place: Option<i8>,
    weekday: Weekday,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    frequency: Frequency,
    interval: u32,
    by_day: Vec<ByDay>,
    by_month_day: Option<i8>,
    hour: Option<u32>,
    minute: Option<u32>,
    /// The last local day an occurrence may fall on.
    until: Option<NaiveDate>,
}

/// Why a rule cannot be read, in words an administrator (or the chat's error text) can use.
pub(crate) fn parse(source: &str) -> Result<Rule, String> {
    let body = source.trim();
    let body = body
        .strip_prefix("RRULE:")
        .or_else(|| body.strip_prefix("rrule:"))
        .unwrap_or(body);
    let mut frequency = None;
    let mut rule = Rule {
        frequency: Frequency::Daily,
        interval: 1,
        by_day: Vec::new(),
        by_month_day: None,
        hour: None,
        minute: None,
        until: None,
    };
    let mut seen = std::collections::HashSet::new();
    for part in body.split(';').filter(|part| !part.trim().is_empty()) {
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| format!("{part:?} is not NAME=value"))?;
        let name = name.trim().to_ascii_uppercase();
        let value = value.trim();
        if !seen.insert(name.clone()) {
            return Err(format!("{name} is given twice"));
        }
        match name.as_str() {
            "FREQ" => {
                frequency = Some(match value.to_ascii_uppercase().as_str() {
                    "DAILY" => Frequency::Daily,
                    "WEEKLY" => Frequency::Weekly,
                    "MONTHLY" => Frequency::Monthly,
                    "YEARLY" => Frequency::Yearly,
                    other => return Err(format!("FREQ={other} is not supported")),
                })
            }
            "INTERVAL" => {
                rule.interval = value
                    .parse()
                    .ok()
                    .filter(|interval| (1..=1000).contains(interval))
                    .ok_or_else(|| format!("INTERVAL={value} is not a number from 1 to 1000"))?
            }
            "BYDAY" => {
                rule.by_day = value
                    .split(',')
                    .map(by_day)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("BYDAY={value} is not a list such as MO,TH or 1MO"))?
            }
            "BYMONTHDAY" => {
                rule.by_month_day = Some(
                    value
                        .parse::<i8>()
                        .ok()
                        .filter(|day| (1..=31).contains(day) || *day == -1)
                        .ok_or_else(|| {
                            format!("BYMONTHDAY={value} is not a day from 1 to 31 or -1")
                        })?,
                )
            }
            "BYHOUR" => {
                rule.hour = Some(
                    value
                        .parse()
                        .ok()
                        .filter(|hour| *hour < 24)
                        .ok_or_else(|| format!("BYHOUR={value} is not one hour from 0 to 23"))?,
                )
            }
            "BYMINUTE" => {
                rule.minute = Some(
                    value
                        .parse()
                        .ok()
                        .filter(|minute| *minute < 60)
                        .ok_or_else(|| {
                            format!("BYMINUTE={value} is not one minute from 0 to 59")
                        })?,
                )
            }
            "UNTIL" => {
                let date = value.get(..8).unwrap_or(value);
                rule.until = Some(
                    NaiveDate::parse_from_str(date, "%Y%m%d")
                        .map_err(|_| format!("UNTIL={value} is not a date such as 20271231"))?,
                )
            }
            other => return Err(format!("{other} is not supported")),
        }
    }
    rule.frequency = frequency.ok_or("FREQ is missing")?;
    let placed = rule.by_day.iter().any(|day| day.place.is_some());
    match rule.frequency {
        Frequency::Monthly
            if rule.by_day.len() > 1
                || (rule.by_month_day.is_some() && !rule.by_day.is_empty()) =>
        {
            return Err("a monthly rule takes one BYDAY or one BYMONTHDAY".into());
        }
        Frequency::Monthly => {}
        _ if placed => return Err("a place in BYDAY (such as 1MO) needs FREQ=MONTHLY".into()),
        Frequency::Weekly if rule.by_month_day.is_some() => {
            return Err("BYMONTHDAY needs FREQ=MONTHLY".into());
        }
        Frequency::Daily | Frequency::Yearly
            if !rule.by_day.is_empty() || rule.by_month_day.is_some() =>
        {
            return Err("BYDAY and BYMONTHDAY need FREQ=WEEKLY or FREQ=MONTHLY".into());
        }
        _ => {}
    }
    Ok(rule)
}

fn by_day(text: &str) -> Option<ByDay> {
    let text = text.trim().to_ascii_uppercase();
    // Only ASCII is a day: splitting off the last two bytes of anything else could cut a
    // character in half.
    if !text.is_ascii() {
        return None;
    }
    let split = text.len().checked_sub(2)?;
    let (place, day) = text.split_at(split);
    let weekday = match day {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    };
    let place = match place {
        "" => None,
        place => Some(
            place
                .trim_start_matches('+')
                .parse::<i8>()
                .ok()
                .filter(|n| (1..=5).contains(n) || (-5..=-1).contains(n))?,
        ),
    };
    Some(ByDay { place, weekday })
}

/// The `place`-th `weekday` of the month (from the end when negative), if the month has one.
fn placed_weekday(year: i32, month: u32, place: i8, weekday: Weekday) -> Option<NaiveDate> {
    if place > 0 {
        NaiveDate::from_weekday_of_month_opt(year, month, weekday, place as u8)
    } else {
        let last = last_day_of_month(year, month)?;
        let back = (last.weekday().num_days_from_monday() + 7 - weekday.num_days_from_monday()) % 7;
        let last_such = last - Days::new(u64::from(back));
        last_such
            .checked_sub_days(Days::new(7 * u64::from((-place - 1) as u8)))
            .filter(|date| date.month() == month)
    }
}

fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)?
        .checked_add_months(Months::new(1))?
        .pred_opt()
}

impl Rule {
    /// The occurrences of the series that starts at `start` (local wall-clock time), in order,
    /// from `start` on, over at most 5,000 periods.
    pub(crate) fn occurrences(
        &self,
        start: NaiveDateTime,
    ) -> impl Iterator<Item = NaiveDateTime> + '_ {
        let time = NaiveTime::from_hms_opt(
            self.hour.unwrap_or(start.hour()),
            self.minute.unwrap_or(start.minute()),
            0,
        )
        .unwrap_or(start.time());
        let until = self.until;
        (0..5_000_u32)
            .flat_map(move |period| self.days_of_period(start.date(), period))
            .map(move |day| day.and_time(time))
            .filter(move |occurrence| *occurrence >= start)
            .take_while(move |occurrence| until.is_none_or(|until| occurrence.date() <= until))
    }

    /// The days of the `period`-th period after the one `start` is in, in order.
    fn days_of_period(&self, start: NaiveDate, period: u32) -> Vec<NaiveDate> {
        let step = period.saturating_mul(self.interval);
        match self.frequency {
            Frequency::Daily => start
                .checked_add_days(Days::new(u64::from(step)))
                .into_iter()
                .collect(),
            Frequency::Weekly => {
                let monday = start - Days::new(u64::from(start.weekday().num_days_from_monday()));
                let Some(week) = monday.checked_add_days(Days::new(7 * u64::from(step))) else {
                    return Vec::new();
                };
                let mut weekdays: Vec<Weekday> = if self.by_day.is_empty() {
                    vec![start.weekday()]
                } else {
                    self.by_day.iter().map(|day| day.weekday).collect()
                };
                weekdays.sort_by_key(|day| day.num_days_from_monday());
                weekdays.dedup();
                weekdays
                    .into_iter()
                    .filter_map(|day| {
                        week.checked_add_days(Days::new(u64::from(day.num_days_from_monday())))
                    })
                    .collect()
            }
            Frequency::Monthly => {
                let Some(first) = NaiveDate::from_ymd_opt(start.year(), start.month(), 1)
                    .and_then(|first| first.checked_add_months(Months::new(step)))
                else {
                    return Vec::new();
                };
                let (year, month) = (first.year(), first.month());
                let day = match (self.by_day.first(), self.by_month_day) {
                    (Some(by_day), _) => {
                        placed_weekday(year, month, by_day.place.unwrap_or(1), by_day.weekday)
                    }
                    (None, Some(-1)) => last_day_of_month(year, month),
                    (None, Some(day)) => NaiveDate::from_ymd_opt(year, month, day as u32),
                    // A month without that day (the 31st) has no occurrence, as RFC 5545 says.
                    (None, None) => NaiveDate::from_ymd_opt(year, month, start.day()),
                };
                day.into_iter().collect()
            }
            Frequency::Yearly => start
                .year()
                .checked_add(i32::try_from(step).unwrap_or(i32::MAX))
                .and_then(|year| NaiveDate::from_ymd_opt(year, start.month(), start.day()))
                .into_iter()
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(year, month, day)
            .unwrap()
            .and_hms_opt(hour, minute, 0)
            .unwrap()
    }

    fn first(rule: &str, start: NaiveDateTime, count: usize) -> Vec<NaiveDateTime> {
        parse(rule)
            .expect(rule)
            .occurrences(start)
            .take(count)
            .collect()
    }

    #[test]
    fn every_three_months_keeps_the_day_and_the_time() {
        assert_eq!(
            first("FREQ=MONTHLY;INTERVAL=3", at(2026, 11, 16, 14, 0), 3),
            [
                at(2026, 11, 16, 14, 0),
                at(2027, 2, 16, 14, 0),
                at(2027, 5, 16, 14, 0)
            ]
        );
        // A month without the 31st has none, rather than a made-up day.
        assert_eq!(
            first("RRULE:FREQ=MONTHLY", at(2027, 1, 31, 10, 0), 3),
            [
                at(2027, 1, 31, 10, 0),
                at(2027, 3, 31, 10, 0),
                at(2027, 5, 31, 10, 0)
            ]
        );
    }

    #[test]
    fn placed_weekdays_month_days_and_weekly_lists() {
        // The first Monday of every third month at 10:00.
        assert_eq!(
            first(
                "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO;BYHOUR=10;BYMINUTE=0",
                at(2027, 1, 4, 10, 0),
                3
            ),
            [
                at(2027, 1, 4, 10, 0),
                at(2027, 4, 5, 10, 0),
                at(2027, 7, 5, 10, 0)
            ]
        );
        // The last Friday.
        assert_eq!(
            first("FREQ=MONTHLY;BYDAY=-1FR", at(2027, 1, 1, 9, 0), 2),
            [at(2027, 1, 29, 9, 0), at(2027, 2, 26, 9, 0)]
        );
        assert_eq!(
            first("FREQ=MONTHLY;BYMONTHDAY=-1", at(2027, 1, 15, 9, 0), 2),
            [at(2027, 1, 31, 9, 0), at(2027, 2, 28, 9, 0)]
        );
        // Every other week on Tuesday and Thursday, from a Wednesday.
        assert_eq!(
            first(
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH",
                at(2026, 12, 2, 14, 0),
                3
            ),
            [
                at(2026, 12, 3, 14, 0),
                at(2026, 12, 15, 14, 0),
                at(2026, 12, 17, 14, 0)
            ]
        );
        assert_eq!(
            first("FREQ=YEARLY", at(2028, 2, 29, 10, 0), 2),
            [at(2028, 2, 29, 10, 0), at(2032, 2, 29, 10, 0)]
        );
    }

    #[test]
    fn until_ends_the_series() {
        assert_eq!(
            first(
                "FREQ=MONTHLY;INTERVAL=3;UNTIL=20270601",
                at(2026, 12, 1, 10, 0),
                5
            ),
            [
                at(2026, 12, 1, 10, 0),
                at(2027, 3, 1, 10, 0),
                at(2027, 6, 1, 10, 0)
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn reading_any_text_never_panics(text in "\\PC{0,60}") {
            let _ = parse(&text);
            let _ = parse(&format!("FREQ=MONTHLY;BYDAY={text}"));
        }

        /// Every series starts at its start (days 1 to 28 exist in every month) and rises.
        #[test]
        fn occurrences_start_at_the_start_and_rise(
            frequency in 0_usize..4,
            interval in 1_u32..13,
            month in 1_u32..13,
            day in 1_u32..29,
            hour in 0_u32..24,
        ) {
            let name = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"][frequency];
            let rule = parse(&format!("FREQ={name};INTERVAL={interval}")).unwrap();
            let start = at(2027, month, day, hour, 0);
            let times: Vec<NaiveDateTime> = rule.occurrences(start).take(6).collect();
            proptest::prop_assert_eq!(times.first(), Some(&start));
            proptest::prop_assert_eq!(times.len(), 6);
            proptest::prop_assert!(times.windows(2).all(|pair| pair[0] < pair[1]));
        }
    }

    #[test]
    fn what_is_not_supported_is_refused_with_its_reason() {
        for (rule, reason) in [
            ("INTERVAL=3", "FREQ is missing"),
            ("FREQ=HOURLY", "not supported"),
            ("FREQ=MONTHLY;COUNT=4", "COUNT is not supported"),
            ("FREQ=MONTHLY;INTERVAL=0", "INTERVAL=0"),
            ("FREQ=MONTHLY;INTERVAL=3;INTERVAL=2", "twice"),
            ("FREQ=WEEKLY;BYDAY=XX", "BYDAY=XX"),
            ("FREQ=WEEKLY;BYDAY=1MO", "needs FREQ=MONTHLY"),
            ("FREQ=MONTHLY;BYDAY=MO,TU", "one BYDAY"),
            ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY=32"),
            ("FREQ=DAILY;BYDAY=MO", "need FREQ=WEEKLY"),
            ("FREQ=MONTHLY;BYHOUR=25", "BYHOUR=25"),
            ("FREQ=MONTHLY;UNTIL=2027", "UNTIL=2027"),
            ("FREQ", "not NAME=value"),
            ("FREQ=WEEKLY;BYDAY=éa", "BYDAY=éa"),
            ("FREQ=WEEKLY;BYDAY=1é", "BYDAY=1é"),
        ] {
            let error = parse(rule).expect_err(rule);
            assert!(error.contains(reason), "{rule}: {error}");
        }
    }
}
