//! The meedenkconsult: who may ask whom, the life of a consult (requested → accepted →
//! answered → closed, or declined, or refused by the client), the answer deadline in the
//! region's working days, the request form asked one question at a time, the verb and the
//! texts. No I/O: the store and the bots build on these.

pub mod chat_texts;
pub mod commands;
pub mod export;
pub mod form;
pub mod lifecycle;
pub mod model;
pub mod texts;

pub use commands::ConsultCommand;
pub use form::{Form, FormAnswer, FormProblem, FormStep, Urgency};
pub use lifecycle::{
    Consult, ConsultEvent, ConsultRefusal, ConsultState, Consultant, ConsultantError, Outcome,
    answer_due, check_consultant, consult_right, is_overdue, may_take_part, next_state,
    reminder_at,
};
pub use model::{ConsultAction, ConsultChange, ConsultEffect, ConsultId, Practitioner, Request};
pub use texts::{consult_asked, consult_asked_notice, consult_not_for_crisis, consult_overdue};

/// The capability's name, for its timers.
pub const TIMERS: &str = "consult";

/// How many working days a consultant has when the region sets nothing (several regions agree 3).
pub const DEFAULT_WORKING_DAYS: u32 = 3;
/// The range regional agreements use: 2 working days (a written psychiatry consult) to 5.
pub const WORKING_DAYS: std::ops::RangeInclusive<u32> = 2..=5;
