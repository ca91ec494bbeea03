//! Working days in the Netherlands. The Algemene termijnenwet (art. 3, and the decree that adds
//! Goede Vrijdag) names the days a statutory term does not count; regions differ in whether
//! 5 mei is a day off every year and add bridge days, so each region has its own calendar built
//! on the statutory one.

use super::LOCAL_TIME_ZONE;
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The holidays of the Algemene termijnenwet that can fall on a weekday. (Eerste Paasdag and
/// eerste Pinksterdag are Sundays, so they never change a count.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DutchHoliday {
    Nieuwjaarsdag,
    GoedeVrijdag,
    TweedePaasdag,
    Koningsdag,
    Bevrijdingsdag,
    Hemelvaartsdag,
    TweedePinksterdag,
    EersteKerstdag,
    TweedeKerstdag,
}

impl DutchHoliday {
    pub const ALL: [DutchHoliday; 9] = [
        DutchHoliday::Nieuwjaarsdag,
        DutchHoliday::GoedeVrijdag,
        DutchHoliday::TweedePaasdag,
        DutchHoliday::Koningsdag,
        DutchHoliday::Bevrijdingsdag,
        DutchHoliday::Hemelvaartsdag,
        DutchHoliday::TweedePinksterdag,
        DutchHoliday::EersteKerstdag,
        DutchHoliday::TweedeKerstdag,
    ];

    /// The day it falls on in `year` (`None` only outside the years chrono can represent).
    pub fn date_in(self, year: i32) -> Option<NaiveDate> {
        let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day);
        let from_easter = |days: i64| {
            let easter = easter_sunday(year)?;
            easter.checked_add_signed(chrono::Duration::days(days))
        };
        match self {
            DutchHoliday::Nieuwjaarsdag => fixed(1, 1),
            DutchHoliday::GoedeVrijdag => from_easter(-2),
            DutchHoliday::TweedePaasdag => from_easter(1),
            DutchHoliday::Koningsdag => {
                // The King's birthday; on a Sunday it is kept the day before.
                let birthday = fixed(4, 27)?;
                if birthday.weekday() == Weekday::Sun {
                    fixed(4, 26)
                } else {
                    Some(birthday)
                }
            }
            DutchHoliday::Bevrijdingsdag => fixed(5, 5),
            DutchHoliday::Hemelvaartsdag => from_easter(39),
            DutchHoliday::TweedePinksterdag => from_easter(50),
            DutchHoliday::EersteKerstdag => fixed(12, 25),
            DutchHoliday::TweedeKerstdag => fixed(12, 26),
        }
    }
}

/// Easter Sunday in the Gregorian calendar (the anonymous algorithm of Meeus, Jones and
/// Butcher).
fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

/// Whether 5 mei is a day off: the Algemene termijnenwet counts it every year; many collective
/// agreements give it only in lustrum years (2025, 2030, …).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bevrijdingsdag {
    #[default]
    EveryYear,
    EveryFifthYear,
}

/// Why a day is not a working day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayOff {
    Weekend,
    Holiday(DutchHoliday),
    /// A day the region added (a bridge day, a regional closing).
    Regional,
}

/// A region's working days: the statutory holidays it counts, how it keeps 5 mei, and the days
/// it adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegionCalendar {
    pub holidays: BTreeSet<DutchHoliday>,
    pub bevrijdingsdag: Bevrijdingsdag,
    pub extra_days_off: BTreeSet<NaiveDate>,
}

impl Default for RegionCalendar {
    fn default() -> Self {
        Self::statutory()
    }
}

impl RegionCalendar {
    /// Exactly the Algemene termijnenwet.
    pub fn statutory() -> Self {
        Self {
            holidays: DutchHoliday::ALL.into_iter().collect(),
            bevrijdingsdag: Bevrijdingsdag::EveryYear,
            extra_days_off: BTreeSet::new(),
        }
    }

    /// Why `date` is not a working day, or `None` when it is one.
    pub fn day_off(&self, date: NaiveDate) -> Option<DayOff> {
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return Some(DayOff::Weekend);
        }
        if let Some(holiday) = self.holidays.iter().copied().find(|holiday| {
            self.keeps(*holiday, date.year()) && holiday.date_in(date.year()) == Some(date)
        }) {
            return Some(DayOff::Holiday(holiday));
        }
        if self.extra_days_off.contains(&date) {
            return Some(DayOff::Regional);
        }
        None
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.day_off(date).is_none()
    }

    fn keeps(&self, holiday: DutchHoliday, year: i32) -> bool {
        holiday != DutchHoliday::Bevrijdingsdag
            || self.bevrijdingsdag == Bevrijdingsdag::EveryYear
            || year.rem_euclid(5) == 0
    }

    /// The `count`-th working day after `date` (the day itself does not count; `count` 0 gives
    /// `date` back). `None` only past the end of chrono's calendar.
    pub fn working_days_after(&self, date: NaiveDate, count: u32) -> Option<NaiveDate> {
        let mut day = date;
        let mut left = count;
        while left > 0 {
            day = day.checked_add_days(Days::new(1))?;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Some(day)
    }

    /// `date` when it is a working day, else the next one: a term that ends on a Saturday,
    /// Sunday or holiday runs on to the next working day (Algemene termijnenwet art. 1).
    pub fn on_or_next_working_day(&self, date: NaiveDate) -> Option<NaiveDate> {
        let mut day = date;
        while !self.is_working_day(day) {
            day = day.checked_add_days(Days::new(1))?;
        }
        Some(day)
    }

    /// The day a request made at `sent` is due when `working_days` are agreed for it: counted
    /// from the local day it was sent, ending when that day ends in Amsterdam.
    pub fn deadline(&self, sent: DateTime<Utc>, working_days: u32) -> Option<Deadline> {
        let sent_on = sent.with_timezone(&LOCAL_TIME_ZONE).date_naive();
        let day = self.working_days_after(sent_on, working_days)?;
        Some(Deadline {
            day,
            ends_at: start_of_local_day(day.succ_opt()?)?,
        })
    }
}

/// A due day and the instant it is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    pub day: NaiveDate,
    pub ends_at: DateTime<Utc>,
}

/// Midnight at the start of `date` in Amsterdam, as an instant. (Midnight always exists there:
/// the clocks change at 02:00 and 03:00.)
pub fn start_of_local_day(date: NaiveDate) -> Option<DateTime<Utc>> {
    LOCAL_TIME_ZONE
        .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|local| local.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).expect("valid date")
    }

    #[test]
    fn easter_falls_where_the_almanac_has_it() {
        // Known Easter Sundays, including the extremes of its range.
        for (year, month, day) in [
            (2008, 3, 23),
            (2011, 4, 24),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(year), Some(date(year, month, day)), "{year}");
        }
    }

    #[test]
    fn koningsdag_moves_to_saturday_when_the_27th_is_a_sunday() {
        assert_eq!(
            DutchHoliday::Koningsdag.date_in(2025),
            Some(date(2025, 4, 26))
        );
        assert_eq!(
            DutchHoliday::Koningsdag.date_in(2026),
            Some(date(2026, 4, 27))
        );
    }

    #[test]
    fn the_statutory_calendar_skips_weekends_and_holidays() {
        let calendar = RegionCalendar::statutory();
        // Thursday 2026-04-02: Goede Vrijdag, the weekend and tweede Paasdag follow.
        assert_eq!(
            calendar.working_days_after(date(2026, 4, 2), 1),
            Some(date(2026, 4, 7))
        );
        assert_eq!(
            calendar.day_off(date(2026, 4, 3)),
            Some(DayOff::Holiday(DutchHoliday::GoedeVrijdag))
        );
        assert_eq!(calendar.day_off(date(2026, 4, 4)), Some(DayOff::Weekend));
        // 5 mei 2026 is a Tuesday: off every year by the law, not by a lustrum agreement.
        assert!(!calendar.is_working_day(date(2026, 5, 5)));
        let lustrum = RegionCalendar {
            bevrijdingsdag: Bevrijdingsdag::EveryFifthYear,
            ..RegionCalendar::statutory()
        };
        assert!(lustrum.is_working_day(date(2026, 5, 5)));
        assert!(!lustrum.is_working_day(date(2025, 5, 5)));
    }

    #[test]
    fn a_region_adds_bridge_days_and_drops_holidays() {
        let mut region = RegionCalendar::statutory();
        // The Friday after Hemelvaartsdag 2026.
        region.extra_days_off.insert(date(2026, 5, 15));
        region.holidays.remove(&DutchHoliday::GoedeVrijdag);
        assert_eq!(region.day_off(date(2026, 5, 15)), Some(DayOff::Regional));
        assert!(region.is_working_day(date(2026, 4, 3)));
        // Wednesday 13 May + 1 working day: Thursday is Hemelvaart, Friday the bridge day.
        assert_eq!(
            region.working_days_after(date(2026, 5, 13), 1),
            Some(date(2026, 5, 18))
        );
    }

    #[test]
    fn a_deadline_counts_from_the_local_day_and_ends_at_local_midnight() {
        let calendar = RegionCalendar::statutory();
        // Monday 2026-03-09 23:30 UTC is already Tuesday the 10th in Amsterdam.
        let sent = Utc.with_ymd_and_hms(2026, 3, 9, 23, 30, 0).unwrap();
        let deadline = calendar.deadline(sent, 3).expect("in range");
        assert_eq!(deadline.day, date(2026, 3, 13));
        // Midnight after Friday the 13th in Amsterdam (UTC+1 in March before the change).
        assert_eq!(
            deadline.ends_at,
            Utc.with_ymd_and_hms(2026, 3, 13, 23, 0, 0).unwrap()
        );
        // Across the change to summer time (Sunday 29 March 2026) midnight is 22:00 UTC.
        let deadline = calendar
            .deadline(Utc.with_ymd_and_hms(2026, 3, 26, 9, 0, 0).unwrap(), 2)
            .expect("in range");
        assert_eq!(deadline.day, date(2026, 3, 30));
        assert_eq!(
            deadline.ends_at,
            Utc.with_ymd_and_hms(2026, 3, 30, 22, 0, 0).unwrap()
        );
    }

    #[test]
    fn a_term_ending_on_a_day_off_runs_to_the_next_working_day() {
        let calendar = RegionCalendar::statutory();
        assert_eq!(
            calendar.on_or_next_working_day(date(2026, 12, 25)),
            Some(date(2026, 12, 28))
        );
        assert_eq!(
            calendar.on_or_next_working_day(date(2026, 12, 28)),
            Some(date(2026, 12, 28))
        );
    }

    #[test]
    fn a_region_calendar_reads_from_its_configuration() {
        let region: RegionCalendar = serde_json::from_value(serde_json::json!({
            "bevrijdingsdag": "every_fifth_year",
            "extra_days_off": ["2026-05-15"],
        }))
        .expect("valid calendar");
        assert_eq!(region.holidays.len(), DutchHoliday::ALL.len());
        assert_eq!(region.bevrijdingsdag, Bevrijdingsdag::EveryFifthYear);
        assert!(
            serde_json::from_value::<RegionCalendar>(serde_json::json!({"holiday": []})).is_err(),
            "a misspelt key is refused, not ignored"
        );
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (2000i32..2100, 1u32..=366).prop_filter_map("a day of that year", |(year, ordinal)| {
            NaiveDate::from_yo_opt(year, ordinal)
        })
    }

    proptest! {
        #[test]
        fn counting_working_days_lands_on_one_and_counts_exactly(
            start in any_date(),
            count in 0u32..40,
        ) {
            let calendar = RegionCalendar::statutory();
            let end = calendar.working_days_after(start, count).expect("in range");
            prop_assert!(end >= start);
            if count > 0 {
                prop_assert!(calendar.is_working_day(end));
            }
            let counted = start
                .iter_days()
                .skip(1)
                .take_while(|day| *day <= end)
                .filter(|day| calendar.is_working_day(*day))
                .count();
            prop_assert_eq!(counted, count as usize);
            // One more working day is strictly later: the count is monotone.
            let next = calendar.working_days_after(start, count + 1).expect("in range");
            prop_assert!(next > end);
        }
    }
}
