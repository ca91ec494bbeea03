//! The working-day calendar against an independent list of Dutch holidays: PyPI's `holidays`
//! package, pinned. It keeps 5 mei only in lustrum years (as many collective agreements do), so
//! it is compared with that setting, and with the statutory calendar the one difference is
//! named: 5 mei in the other years.

use anyhow::Result;
use chrono::{Datelike, NaiveDate, Weekday};
use kring_core::time::{Bevrijdingsdag, RegionCalendar};
use std::collections::BTreeSet;

const HOLIDAYS_VERSION: &str = "0.109";

fn independent_weekday_holidays() -> Result<BTreeSet<NaiveDate>> {
    let python = kring_testbed::python_tool("holidays", HOLIDAYS_VERSION)?;
    let printed = kring_testbed::run_python(
        &python,
        "import holidays\n\
         for day in sorted(holidays.NL(years=range(2025, 2031))):\n\
         \x20   print(day.isoformat())\n",
    )?;
    let mut days = BTreeSet::new();
    for line in printed.lines() {
        let day: NaiveDate = line.parse()?;
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            days.insert(day);
        }
    }
    anyhow::ensure!(days.len() > 40, "the list has every year: {days:?}");
    Ok(days)
}

fn days_off(calendar: &RegionCalendar) -> BTreeSet<NaiveDate> {
    NaiveDate::from_ymd_opt(2025, 1, 1)
        .expect("valid")
        .iter_days()
        .take_while(|day| day.year() <= 2030)
        .filter(|day| !matches!(day.weekday(), Weekday::Sat | Weekday::Sun))
        .filter(|day| !calendar.is_working_day(*day))
        .collect()
}

#[test]
fn working_days_agree_with_an_independent_holiday_list_for_2025_to_2030() -> Result<()> {
    let independent = independent_weekday_holidays()?;
    let lustrum = RegionCalendar {
        bevrijdingsdag: Bevrijdingsdag::EveryFifthYear,
        ..RegionCalendar::statutory()
    };
    assert_eq!(days_off(&lustrum), independent);

    let statutory = days_off(&RegionCalendar::statutory());
    let only_statutory: Vec<NaiveDate> = statutory.difference(&independent).copied().collect();
    assert!(
        only_statutory
            .iter()
            .all(|day| day.month() == 5 && day.day() == 5 && day.year() % 5 != 0),
        "the law keeps 5 mei every year, and nothing else differs: {only_statutory:?}"
    );
    assert!(!only_statutory.is_empty());
    assert!(independent.is_subset(&statutory));
    Ok(())
}

/// A consult's deadline, for any moment it is sent in 2025–2030 and any agreed 2–5 working days,
/// is the end (local midnight in Amsterdam) of the day reached by counting that many days after
/// the local day it was sent, skipping weekends and the independent list's holidays.
#[test]
fn a_consults_deadline_counts_the_independent_lists_working_days() -> Result<()> {
    use chrono::TimeZone;
    use proptest::test_runner::{Config, TestRunner};
    let independent = independent_weekday_holidays()?;
    let calendar = RegionCalendar {
        bevrijdingsdag: Bevrijdingsdag::EveryFifthYear,
        ..RegionCalendar::statutory()
    };
    let first = chrono::Utc
        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .expect("a moment")
        .timestamp_millis();
    // Up to mid-December 2030, so that every deadline falls inside the list's years.
    let span = 6 * 365 * 24 * 3600 * 1000 - 20 * 24 * 3600 * 1000_i64;
    let amsterdam = chrono_tz::Europe::Amsterdam;
    let mut runner = TestRunner::new(Config::with_cases(2000));
    runner
        .run(&(0..span, 2u32..=5), |(offset, working_days)| {
            let sent = first + offset;
            let due =
                kring_core::consult::answer_due(&calendar, sent, working_days).expect("a deadline");
            let mut day = chrono::Utc
                .timestamp_millis_opt(sent)
                .single()
                .expect("a moment")
                .with_timezone(&amsterdam)
                .date_naive();
            let mut left = working_days;
            while left > 0 {
                day = day.succ_opt().expect("a next day");
                let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
                if !weekend && !independent.contains(&day) {
                    left -= 1;
                }
            }
            let midnight_after = amsterdam
                .from_local_datetime(
                    &day.succ_opt()
                        .expect("a day")
                        .and_hms_opt(0, 0, 0)
                        .expect("midnight"),
                )
                .single()
                .expect("midnight exists in Amsterdam")
                .timestamp_millis();
            proptest::prop_assert_eq!(
                due,
                midnight_after,
                "sent {} with {} days",
                sent,
                working_days
            );
            Ok(())
        })
        .map_err(|error| anyhow::anyhow!("{error}"))
}
