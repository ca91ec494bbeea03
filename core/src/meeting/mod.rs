//! Resource-group meetings the client chairs (issue 14): who may plan and whom they can invite,
//! the candidate moments people type or the bot suggests on the region's working days, the
//! tally of the votes, the `.ics` file of an agreed meeting, and the verb `!overleg` with what
//! it says. The bots plan with these (`bots/src/capabilities/meeting`); the store keeps them
//! (`store/src/meetings.rs`).

pub mod chat_texts;
pub mod commands;
pub mod figures;
pub mod ics;
pub mod model;
pub mod moment;
pub mod rules;
mod texts;

pub use chat_texts::*;
pub use commands::{MeetingCommand, MomentsAsked, PlaceAsked};
pub use ics::{CalendarEvent, IcsMethod, calendar_file};
pub use model::{
    Candidate, Meeting, MeetingAction, MeetingChange, MeetingEffect, MeetingId, MeetingState,
    PlanAction, PlanGoal, TIMERS,
};
pub use moment::{
    CandidatesError, DEFAULT_MINUTES, Moment, MomentError, before, check_candidates,
    local_days_shift, parse_moment, suggest_moments,
};
pub use rules::{
    Answer, CandidateTally, InviteeError, Invitees, MeetingRefusal, MeetingRight, Vote, answer_by,
    ask_for_next_at, best_candidate, check_invitees, choosable, default_invitees,
    everyone_answered, invitees_to_remove, may_record_plan, meeting_right, not_answered,
    parse_rhythm, preselected, tally,
};
pub use texts::{candidates_refused, moment_in_words, moment_refused};
