//! Resource-group meetings the client chairs (issue 14). This first part holds what needs no
//! chat: reading the candidate moments people type, the bot's own suggestions on the region's
//! working days, and the `.ics` file of an agreed meeting. Date finding, invitations, reminders
//! and the plan build on these.

pub mod ics;
pub mod moment;
mod texts;

pub use ics::{CalendarEvent, IcsMethod, calendar_file};
pub use moment::{
    CandidatesError, DEFAULT_MINUTES, Moment, MomentError, check_candidates, parse_moment,
    suggest_moments,
};
pub use texts::{candidates_refused, moment_in_words, moment_refused};
