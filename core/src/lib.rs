//! Kring's domain: the care-network model and the rules of who may do what.
//!
//! Nothing in this crate performs I/O. Bots, the bridge and the store call into these plain
//! functions over plain types, so every rule lives in exactly one place and is tested here.

pub mod account;
pub mod audit;
pub mod basics;
pub mod capability;
pub mod command;
pub mod consent;
pub mod consult;
pub mod language;
pub mod logbook;
pub mod matrix_id;
pub mod meeting;
pub mod messages;
pub mod network;
pub mod plan;
pub mod role;
pub mod room_state;
pub mod time;
pub mod trust;

pub use account::{UsernameError, may_choose_username, validate_username};
pub use command::{
    BasicsCommand, Command, CommandError, ConsentChange, ConsentCommand, ConsentTarget,
    ConsultCommand, LanguageCommand, LogbookCommand, MAX_COMMAND_BYTES, MeetingCommand,
    NetworkCommand, parse_message,
};
pub use language::Language;
pub use matrix_id::{MatrixId, MatrixIdError};
pub use messages::{BotReply, StatusReport};
pub use role::{Role, RoleError, parse_role};
