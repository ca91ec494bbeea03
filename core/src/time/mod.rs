//! Time as the rules see it: one clock, the local time zone, the working-day calendar and
//! recurring schedules. The store keeps instants in UTC milliseconds; everything a person reads
//! or a region agrees on (office hours, working days, "every three months") is Europe/Amsterdam.

mod calendar;
mod clock;
mod recurrence;
mod rrule;

pub use calendar::{Bevrijdingsdag, DayOff, DutchHoliday, RegionCalendar, start_of_local_day};
pub use clock::{Clock, SystemClock, TestClock};
pub use recurrence::{Recurrence, RecurrenceError};

/// The time zone of every region Kring serves.
pub const LOCAL_TIME_ZONE: chrono_tz::Tz = chrono_tz::Europe::Amsterdam;

/// An instant as the store keeps it: milliseconds since the Unix epoch, UTC.
pub fn to_millis(instant: chrono::DateTime<chrono::Utc>) -> i64 {
    instant.timestamp_millis()
}

/// The instant the store's milliseconds stand for; out-of-range values (a corrupt row) become
/// `None` rather than a made-up date.
pub fn from_millis(millis: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp_millis(millis)
}
