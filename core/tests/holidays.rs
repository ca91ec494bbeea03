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

/// The deadline counted on `list` alone: the end (local midnight in Amsterdam) of the day
/// reached by counting `working_days` days after the local day `sent`, skipping weekends and
/// the list's days.
fn deadline_by(list: &BTreeSet<NaiveDate>, sent: i64, working_days: u32) -> i64 {
    use chrono::TimeZone;
    let amsterdam = chrono_tz::Europe::Amsterdam;
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
        if !weekend && !list.contains(&day) {
            left -= 1;
        }
    }
    let midnight = day
        .succ_opt()
        .expect("a day")
        .and_hms_opt(0, 0, 0)
        .expect("midnight");
    amsterdam
        .from_local_datetime(&midnight)
        .single()
        .expect("midnight exists in Amsterdam")
        .timestamp_millis()
}

/// 10:00 in Amsterdam on a day, as the millis a consult is sent at.
fn ten_oclock(year: i32, month: u32, day: u32) -> i64 {
    use chrono::TimeZone;
    chrono_tz::Europe::Amsterdam
        .with_ymd_and_hms(year, month, day, 10, 0, 0)
        .single()
        .expect("a moment")
        .timestamp_millis()
}

/// A consult's deadline, for any moment it is sent in 2025–2030 and any agreed 2–5 working days,
/// is the one counted on the independent list: for a region keeping 5 mei every fifth year (the
/// list's own rule), and for a region where 5 mei is a working day. Named cases pin the year
/// end, Easter, a Koningsdag on a Sunday and 5 mei.
#[test]
fn a_consults_deadline_counts_the_independent_lists_working_days() -> Result<()> {
    use chrono::TimeZone;
    use proptest::test_runner::{Config, TestRunner};
    let independent = independent_weekday_holidays()?;
    let lustrum = RegionCalendar {
        bevrijdingsdag: Bevrijdingsdag::EveryFifthYear,
        ..RegionCalendar::statutory()
    };
    let mut no_bevrijdingsdag = RegionCalendar::statutory();
    no_bevrijdingsdag
        .holidays
        .remove(&kring_core::time::DutchHoliday::Bevrijdingsdag);
    let without_5_mei: BTreeSet<NaiveDate> = independent
        .iter()
        .filter(|day| !(day.month() == 5 && day.day() == 5))
        .copied()
        .collect();
    let due = |calendar: &RegionCalendar, sent, days| {
        kring_core::consult::answer_due(calendar, sent, days).expect("a deadline")
    };
    let first = chrono::Utc
        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .expect("a moment")
        .timestamp_millis();
    // Up to mid-December 2030, so that every deadline falls inside the list's years.
    let span = 6 * 365 * 24 * 3600 * 1000 - 20 * 24 * 3600 * 1000_i64;
    for (calendar, list) in [
        (&lustrum, &independent),
        (&no_bevrijdingsdag, &without_5_mei),
    ] {
        let mut runner = TestRunner::new(Config::with_cases(2000));
        runner
            .run(&(0..span, 2u32..=5), |(offset, working_days)| {
                let sent = first + offset;
                proptest::prop_assert_eq!(
                    due(calendar, sent, working_days),
                    deadline_by(list, sent, working_days),
                    "sent {} with {} days",
                    sent,
                    working_days
                );
                Ok(())
            })
            .map_err(|error| anyhow::anyhow!("{error}"))?;
    }
    // The day after which the answer is due, for a consult sent at 10:00.
    let due_day = |calendar: &RegionCalendar, (y, m, d), days| {
        let ends = due(calendar, ten_oclock(y, m, d), days);
        chrono::Utc
            .timestamp_millis_opt(ends - 1)
            .single()
            .expect("a moment")
            .with_timezone(&chrono_tz::Europe::Amsterdam)
            .date_naive()
    };
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    let statutory = RegionCalendar::statutory();
    for (what, calendar, sent, days, expected) in [
        // Nieuwjaarsdag on a Thursday: Friday, then Monday.
        ("year end", &statutory, (2025, 12, 31), 2, date(2026, 1, 5)),
        // Christmas on Thursday and Friday.
        (
            "Christmas",
            &statutory,
            (2025, 12, 23),
            3,
            date(2025, 12, 30),
        ),
        // Goede Vrijdag and Tweede Paasdag: Tuesday, Wednesday, Thursday.
        ("Easter", &statutory, (2026, 4, 2), 3, date(2026, 4, 9)),
        // Koningsdag 2025 fell on a Sunday and moved to Saturday 26 April: Monday 28 works.
        (
            "Koningsdag on a Sunday",
            &statutory,
            (2025, 4, 24),
            3,
            date(2025, 4, 29),
        ),
        // 5 mei 2025 (a Monday) off by law; a region may count it as a working day.
        ("5 mei kept", &statutory, (2025, 5, 2), 2, date(2025, 5, 7)),
        (
            "5 mei worked",
            &no_bevrijdingsdag,
            (2025, 5, 2),
            2,
            date(2025, 5, 6),
        ),
    ] {
        assert_eq!(due_day(calendar, sent, days), expected, "{what}");
    }
    Ok(())
}
