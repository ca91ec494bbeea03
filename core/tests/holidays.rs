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
