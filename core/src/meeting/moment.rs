//! Candidate moments for a resource-group meeting, as people type them in the chat ("dinsdag 12
//! maart 14:00", "12-3 om 14.00", "March 12 2pm" is not one of them: times are written as the
//! Dutch write them), read as Europe/Amsterdam wall-clock time and checked: a date that does not
//! exist, a time the clocks skip, a moment in the past or far ahead is refused with the reason.

use crate::messages::{DUTCH_MONTHS, ENGLISH_MONTHS};
use crate::network::Millis;
use crate::time::{LOCAL_TIME_ZONE, RegionCalendar, to_millis};
use chrono::{Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday};
use serde::{Deserialize, Serialize};

/// How long a meeting takes unless said otherwise.
pub const DEFAULT_MINUTES: u32 = 60;
/// How far ahead a moment may lie: meetings are held every few months, and a moment a year and
/// more away is nearly always a mistyped year.
pub const AT_MOST_DAYS_AHEAD: i64 = 400;
/// How many candidate moments one date-finding round offers.
pub const FEWEST_CANDIDATES: usize = 2;
pub const MOST_CANDIDATES: usize = 6;

/// One moment a meeting could start, with its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Moment {
    /// UTC milliseconds, as the store keeps instants.
    pub starts_at: Millis,
    pub minutes: u32,
}

impl Moment {
    pub fn ends_at(&self) -> Millis {
        self.starts_at + i64::from(self.minutes) * 60_000
    }

    pub fn overlaps(&self, other: &Moment) -> bool {
        self.starts_at < other.ends_at() && other.starts_at < self.ends_at()
    }
}

/// Why a typed moment cannot be a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MomentError {
    #[error("not a day and a time")]
    Unreadable,
    #[error("there is no {day}-{month}-{year}")]
    NoSuchDate { day: u32, month: u32, year: i32 },
    #[error("there is no time {hour}:{minute:02}")]
    NoSuchTime { hour: u32, minute: u32 },
    #[error("the day is a {actual:?}, not a {stated:?}")]
    WrongWeekday { stated: Weekday, actual: Weekday },
    /// 02:00–02:59 on the last Sunday of March, when the clocks go forward.
    #[error("the clocks skip that time")]
    SkippedByClockChange,
    #[error("the moment has passed")]
    InThePast,
    #[error("the moment is more than {AT_MOST_DAYS_AHEAD} days ahead")]
    TooFarAhead,
}

/// Why a set of candidate moments cannot be offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CandidatesError {
    #[error("fewer than {FEWEST_CANDIDATES} moments")]
    TooFew,
    #[error("more than {MOST_CANDIDATES} moments")]
    TooMany,
    /// Moments `first` and `second` (0-based, in the order given) overlap or are the same.
    #[error("moments {first} and {second} overlap")]
    Overlap { first: usize, second: usize },
}

/// Reads one typed moment, `now` being the time of the message. Without a year, the first such
/// day from `now` on is meant. At the night the clocks go back, 02:30 happens twice; the first
/// (summer time) is taken, as calendar programs do.
pub fn parse_moment(text: &str, now: Millis, minutes: u32) -> Result<Moment, MomentError> {
    let words = words(text);
    let mut words = words.iter().map(String::as_str).peekable();
    let stated_weekday = words.peek().and_then(|word| weekday(word));
    if stated_weekday.is_some() {
        words.next();
    }
    let rest: Vec<&str> = words.filter(|word| !is_filler(word)).collect();
    let (day, month, year, time) = match rest.as_slice() {
        [numeric, time] => {
            let (day, month, year) = numeric_date(numeric).ok_or(MomentError::Unreadable)?;
            (day, month, year, *time)
        }
        [day, month, time] | [month, day, time] if month_number(month).is_some() => (
            number(day).ok_or(MomentError::Unreadable)?,
            month_number(month).ok_or(MomentError::Unreadable)?,
            None,
            *time,
        ),
        [day, month, year, time] | [month, day, year, time] if month_number(month).is_some() => (
            number(day).ok_or(MomentError::Unreadable)?,
            month_number(month).ok_or(MomentError::Unreadable)?,
            Some(year_number(year).ok_or(MomentError::Unreadable)?),
            *time,
        ),
        _ => return Err(MomentError::Unreadable),
    };
    let time = time_of_day(time)?;
    let now_local = crate::time::from_millis(now)
        .ok_or(MomentError::Unreadable)?
        .with_timezone(&LOCAL_TIME_ZONE);
    let date =
        match year {
            Some(year) => NaiveDate::from_ymd_opt(year, month, day)
                .ok_or(MomentError::NoSuchDate { day, month, year })?,
            // This year's if that day has not passed (earlier today is in the past, not next
            // year), else next year's (29 februari: the next leap year's is too far ahead anyway).
            None => {
                let this_year = now_local.year();
                let this = NaiveDate::from_ymd_opt(this_year, month, day);
                match this {
                    Some(date) if date >= now_local.date_naive() => date,
                    _ => NaiveDate::from_ymd_opt(this_year + 1, month, day)
                        .or(this)
                        .ok_or(MomentError::NoSuchDate {
                            day,
                            month,
                            year: this_year,
                        })?,
                }
            }
        };
    if let Some(stated) = stated_weekday
        && stated != date.weekday()
    {
        return Err(MomentError::WrongWeekday {
            stated,
            actual: date.weekday(),
        });
    }
    let starts_at = local_instant(date.and_time(time))?;
    if starts_at <= now {
        return Err(MomentError::InThePast);
    }
    if starts_at - now > AT_MOST_DAYS_AHEAD * 86_400_000 {
        return Err(MomentError::TooFarAhead);
    }
    Ok(Moment { starts_at, minutes })
}

/// Checks a round of candidates: 2 to 6, none overlapping another.
pub fn check_candidates(moments: &[Moment]) -> Result<(), CandidatesError> {
    if moments.len() < FEWEST_CANDIDATES {
        return Err(CandidatesError::TooFew);
    }
    if moments.len() > MOST_CANDIDATES {
        return Err(CandidatesError::TooMany);
    }
    for (first, earlier) in moments.iter().enumerate() {
        for (second, later) in moments.iter().enumerate().skip(first + 1) {
            if earlier.overlaps(later) {
                return Err(CandidatesError::Overlap { first, second });
            }
        }
    }
    Ok(())
}

/// The starting times the bot suggests, in office hours.
const SUGGESTED_TIMES: [(u32, u32); 2] = [(10, 0), (14, 0)];
/// Suggestions leave people this many working days to answer and to plan around it.
const SUGGESTIONS_FROM_WORKING_DAYS: u32 = 5;

/// `count` moments the bot proposes when asked: working days of the region (no weekends, no
/// holidays), from a week of working days after `now`, one a day, alternating morning and
/// afternoon.
pub fn suggest_moments(
    calendar: &RegionCalendar,
    now: Millis,
    count: usize,
    minutes: u32,
) -> Vec<Moment> {
    let Some(now_utc) = crate::time::from_millis(now) else {
        return Vec::new();
    };
    let today = now_utc.with_timezone(&LOCAL_TIME_ZONE).date_naive();
    let mut day = calendar.working_days_after(today, SUGGESTIONS_FROM_WORKING_DAYS);
    let mut moments = Vec::with_capacity(count);
    while let Some(date) = day
        && moments.len() < count
    {
        let (hour, minute) = SUGGESTED_TIMES[moments.len() % SUGGESTED_TIMES.len()];
        let time = NaiveTime::from_hms_opt(hour, minute, 0).expect("office hours are times");
        if let Ok(starts_at) = local_instant(date.and_time(time)) {
            moments.push(Moment { starts_at, minutes });
        }
        day = calendar.working_days_after(date, 1);
    }
    moments
}

/// The instant a Europe/Amsterdam wall-clock time stands for.
fn local_instant(local: NaiveDateTime) -> Result<Millis, MomentError> {
    match LOCAL_TIME_ZONE.from_local_datetime(&local) {
        LocalResult::Single(at) => Ok(to_millis(at.to_utc())),
        LocalResult::Ambiguous(first, _) => Ok(to_millis(first.to_utc())),
        LocalResult::None => Err(MomentError::SkippedByClockChange),
    }
}

/// `minutes` before `at`, as people mean it: whole days (a week, a day) before keep the local
/// time of day across a change of the clocks ("a week before Monday 14:00" is the Monday before
/// at 14:00, summer or winter time); shorter spans are exact. `after` works the other way.
pub fn local_days_shift(at: Millis, minutes: i64) -> Millis {
    const DAY_MINUTES: i64 = 24 * 60;
    if minutes % DAY_MINUTES != 0 {
        return at + minutes * 60_000;
    }
    let Some(utc) = crate::time::from_millis(at) else {
        return at + minutes * 60_000;
    };
    let local = utc.with_timezone(&LOCAL_TIME_ZONE).naive_local();
    let shifted = local + chrono::Duration::days(minutes / DAY_MINUTES);
    // A wall-clock time the clocks skip that day falls just after the gap.
    local_instant(shifted)
        .or_else(|_| local_instant(shifted + chrono::Duration::hours(1)))
        .unwrap_or(at + minutes * 60_000)
}

/// The instant `minutes_before` a moment starting at `starts_at`, in local time for whole days.
pub fn before(starts_at: Millis, minutes_before: u32) -> Millis {
    local_days_shift(starts_at, -i64::from(minutes_before))
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace([',', ';'], " ")
        .split_whitespace()
        .map(|word| word.trim_end_matches('.').to_owned())
        .filter(|word| !word.is_empty())
        .collect()
}

fn is_filler(word: &str) -> bool {
    matches!(
        word,
        "om" | "at" | "op" | "on" | "de" | "the" | "van" | "of" | "uur" | "u"
    )
}

fn weekday(word: &str) -> Option<Weekday> {
    Some(match word {
        "maandag" | "ma" | "monday" | "mon" => Weekday::Mon,
        "dinsdag" | "di" | "tuesday" | "tue" | "tues" => Weekday::Tue,
        "woensdag" | "wo" | "wednesday" | "wed" => Weekday::Wed,
        "donderdag" | "do" | "thursday" | "thu" | "thurs" => Weekday::Thu,
        "vrijdag" | "vr" | "friday" | "fri" => Weekday::Fri,
        "zaterdag" | "za" | "saturday" | "sat" => Weekday::Sat,
        "zondag" | "zo" | "sunday" | "sun" => Weekday::Sun,
        _ => return None,
    })
}

fn month_number(word: &str) -> Option<u32> {
    let word = word.trim_end_matches('.');
    let full = DUTCH_MONTHS
        .iter()
        .chain(ENGLISH_MONTHS.iter())
        .position(|month| month.eq_ignore_ascii_case(word))
        .map(|index| (index % 12 + 1) as u32);
    full.or(match word {
        "jan" => Some(1),
        "feb" => Some(2),
        "mrt" | "mar" => Some(3),
        "apr" => Some(4),
        "jun" => Some(6),
        "jul" => Some(7),
        "aug" => Some(8),
        "sep" | "sept" => Some(9),
        "okt" | "oct" => Some(10),
        "nov" => Some(11),
        "dec" => Some(12),
        _ => None,
    })
}

fn number(word: &str) -> Option<u32> {
    (!word.is_empty() && word.len() <= 2 && word.bytes().all(|byte| byte.is_ascii_digit()))
        .then(|| word.parse().ok())
        .flatten()
}

fn year_number(word: &str) -> Option<i32> {
    (word.len() == 4 && word.bytes().all(|byte| byte.is_ascii_digit()))
        .then(|| word.parse().ok())
        .flatten()
}

/// "12-3", "12-03-2027", "12/3".
fn numeric_date(word: &str) -> Option<(u32, u32, Option<i32>)> {
    let parts: Vec<&str> = word.split(['-', '/']).collect();
    match parts.as_slice() {
        [day, month] => Some((number(day)?, number(month)?, None)),
        [day, month, year] => Some((number(day)?, number(month)?, Some(year_number(year)?))),
        _ => None,
    }
}

/// "14:00", "14.30", "9u", "9u30", "14".
fn time_of_day(word: &str) -> Result<NaiveTime, MomentError> {
    let word = word.trim_end_matches("uur");
    let (hour, minute) = match word.split_once([':', '.', 'u']) {
        Some((hour, "")) => (hour, "0"),
        Some((hour, minute)) if minute.len() == 2 => (hour, minute),
        Some(_) => return Err(MomentError::Unreadable),
        None => (word, "0"),
    };
    let (Some(hour), Some(minute)) = (number(hour), number(minute)) else {
        return Err(MomentError::Unreadable);
    };
    NaiveTime::from_hms_opt(hour, minute, 0).ok_or(MomentError::NoSuchTime { hour, minute })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    /// Wednesday 1 December 2027, 09:00 in Amsterdam.
    fn now() -> Millis {
        to_millis(Utc.with_ymd_and_hms(2027, 12, 1, 8, 0, 0).unwrap())
    }

    fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> Millis {
        to_millis(
            Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
                .unwrap(),
        )
    }

    fn parsed(text: &str) -> Result<Millis, MomentError> {
        parse_moment(text, now(), DEFAULT_MINUTES).map(|moment| moment.starts_at)
    }

    #[test]
    fn the_ways_people_write_a_moment_are_read_as_amsterdam_time() {
        let expected = utc(2027, 12, 14, 13, 0);
        for text in [
            "14 december 14:00",
            "dinsdag 14 december om 14:00",
            "di 14 dec 14.00",
            "14-12 14:00",
            "14/12/2027 14u",
            "14-12-2027 om 14 uur",
            "Tuesday 14 December at 14:00",
            "december 14 2027 14:00",
            "14 dec. 2027, 14:00",
        ] {
            assert_eq!(parsed(text), Ok(expected), "{text}");
        }
        assert_eq!(parsed("14 december 9u30"), Ok(utc(2027, 12, 14, 8, 30)));
    }

    #[test]
    fn without_a_year_the_next_such_day_is_meant() {
        assert_eq!(parsed("12 maart 14:00"), Ok(utc(2028, 3, 12, 13, 0)));
        assert_eq!(parsed("1 december 10:00"), Ok(utc(2027, 12, 1, 9, 0)));
        assert_eq!(parsed("1 december 08:00"), Err(MomentError::InThePast));
        assert_eq!(parsed("30 november 10:00"), Ok(utc(2028, 11, 30, 9, 0)));
    }

    #[test]
    fn summer_time_is_two_hours_ahead_of_utc_and_winter_time_one() {
        // The last Sundays of March and October 2028: 26 March and 29 October.
        assert_eq!(parsed("26 maart 2028 14:00"), Ok(utc(2028, 3, 26, 12, 0)));
        assert_eq!(parsed("25 maart 2028 14:00"), Ok(utc(2028, 3, 25, 13, 0)));
        assert_eq!(
            parsed("29 oktober 2028 14:00"),
            Ok(utc(2028, 10, 29, 13, 0))
        );
        assert_eq!(
            parsed("28 oktober 2028 14:00"),
            Ok(utc(2028, 10, 28, 12, 0))
        );
    }

    #[test]
    fn bad_moments_are_refused_with_their_reason() {
        assert_eq!(
            parsed("31 februari 2028 14:00"),
            Err(MomentError::NoSuchDate {
                day: 31,
                month: 2,
                year: 2028
            })
        );
        assert_eq!(
            parsed("31 februari 14:00"),
            Err(MomentError::NoSuchDate {
                day: 31,
                month: 2,
                year: 2027
            })
        );
        assert_eq!(
            parsed("31-13 14:00"),
            Err(MomentError::NoSuchDate {
                day: 31,
                month: 13,
                year: 2027
            })
        );
        assert_eq!(
            parsed("14 december 25:00"),
            Err(MomentError::NoSuchTime {
                hour: 25,
                minute: 0
            })
        );
        assert_eq!(
            parsed("woensdag 14 december 14:00"),
            Err(MomentError::WrongWeekday {
                stated: Weekday::Wed,
                actual: Weekday::Tue
            })
        );
        assert_eq!(
            parsed("26 maart 2028 02:30"),
            Err(MomentError::SkippedByClockChange)
        );
        assert_eq!(
            parsed("30 november 2027 14:00"),
            Err(MomentError::InThePast)
        );
        assert_eq!(parsed("1 december 2027 08:59"), Err(MomentError::InThePast));
        assert_eq!(
            parsed("14 december 2029 14:00"),
            Err(MomentError::TooFarAhead)
        );
        for text in [
            "",
            "morgen",
            "14 december",
            "14:00",
            "14 decembre 14:00",
            "14 december 14:5",
            "1234 december 14:00",
            "14 december 14:00 extra",
        ] {
            assert_eq!(parsed(text), Err(MomentError::Unreadable), "{text:?}");
        }
    }

    #[test]
    fn the_repeated_hour_in_october_is_the_first_one() {
        assert_eq!(
            parsed("29 oktober 2028 02:30"),
            Ok(utc(2028, 10, 29, 0, 30))
        );
        assert_eq!(
            parsed("29 oktober 2028 03:30"),
            Ok(utc(2028, 10, 29, 2, 30))
        );
    }

    #[test]
    fn two_to_six_candidates_none_overlapping() {
        let at = |hour| Moment {
            starts_at: utc(2027, 12, 14, hour, 0),
            minutes: 60,
        };
        assert_eq!(check_candidates(&[at(9)]), Err(CandidatesError::TooFew));
        assert_eq!(check_candidates(&[at(9), at(10)]), Ok(()));
        assert_eq!(
            check_candidates(&[at(9), at(12), at(9)]),
            Err(CandidatesError::Overlap {
                first: 0,
                second: 2
            })
        );
        let long = Moment {
            minutes: 90,
            ..at(9)
        };
        assert_eq!(
            check_candidates(&[long, at(10)]),
            Err(CandidatesError::Overlap {
                first: 0,
                second: 1
            })
        );
        assert_eq!(
            check_candidates(&(6..13).map(at).collect::<Vec<_>>()),
            Err(CandidatesError::TooMany)
        );
    }

    #[test]
    fn suggestions_fall_on_working_days_in_office_hours_after_a_week() {
        let calendar = RegionCalendar::statutory();
        // Friday 18 December 2026: Christmas and New Year's Day are in the way.
        let now = utc(2026, 12, 18, 15, 0);
        let moments = suggest_moments(&calendar, now, 5, 60);
        let local: Vec<String> = moments
            .iter()
            .map(|moment| {
                crate::time::from_millis(moment.starts_at)
                    .unwrap()
                    .with_timezone(&LOCAL_TIME_ZONE)
                    .format("%a %d-%m %H:%M")
                    .to_string()
            })
            .collect();
        assert_eq!(
            local,
            [
                "Mon 28-12 10:00",
                "Tue 29-12 14:00",
                "Wed 30-12 10:00",
                "Thu 31-12 14:00",
                "Mon 04-01 10:00"
            ]
        );
        assert!(check_candidates(&moments).is_ok());
    }

    #[test]
    fn whole_days_before_keep_the_local_time_across_the_clock_changes() {
        let local = |y, m, d, h, min| {
            LOCAL_TIME_ZONE
                .with_ymd_and_hms(y, m, d, h, min, 0)
                .unwrap()
                .timestamp_millis()
        };
        // Monday 29 March 2027 14:00 summer time; the clocks went forward on the 28th.
        let monday = local(2027, 3, 29, 14, 0);
        assert_eq!(
            before(monday, 7 * 24 * 60),
            local(2027, 3, 22, 14, 0),
            "a week before, winter time"
        );
        assert_eq!(before(monday, 24 * 60), local(2027, 3, 28, 14, 0));
        assert_eq!(before(monday, 60), local(2027, 3, 29, 13, 0));
        // Monday 1 November 2027 10:00 winter time; the clocks went back on 31 October.
        let november = local(2027, 11, 1, 10, 0);
        assert_eq!(
            before(november, 7 * 24 * 60),
            local(2027, 10, 25, 10, 0),
            "a week before, summer time"
        );
        assert_eq!(before(november, 90), november - 90 * 60_000);
        // Ten weeks on from a winter afternoon is a summer afternoon at the same hour.
        let january = local(2027, 1, 18, 14, 0);
        assert_eq!(
            local_days_shift(january, 70 * 24 * 60),
            local(2027, 3, 29, 14, 0)
        );
        // 02:30 on the night the clocks skip it falls just after the gap.
        let after_gap = local_days_shift(local(2027, 3, 27, 2, 30), 24 * 60);
        assert_eq!(after_gap, local(2027, 3, 28, 3, 30));
    }
}
