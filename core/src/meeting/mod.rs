//! Resource-group meetings the client chairs (issue 14). This first part holds what needs no
//! chat: who may plan and whom they can invite, the tally of the votes, reading the candidate moments people type, the bot's own suggestions on the region's
//! working days, and the `.ics` file of an agreed meeting. Date finding, invitations, reminders
//! and the plan build on these.

pub mod ics;
pub mod moment;
pub mod rules;
mod texts;

pub use ics::{CalendarEvent, IcsMethod, calendar_file};
pub use moment::{
    CandidatesError, DEFAULT_MINUTES, Moment, MomentError, check_candidates, parse_moment,
    suggest_moments,
};
pub use rules::{
    Answer, CandidateTally, InviteeError, Invitees, MeetingRefusal, MeetingRight, Vote,
    best_candidate, check_invitees, meeting_right, not_answered, preselected, tally,
};
pub use texts::{candidates_refused, moment_in_words, moment_refused};
