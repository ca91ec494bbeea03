//! The basics: `!help`, which lists every capability's verbs, and `!status`.

mod texts;

pub use texts::{StatusReport, chat_hint, direct_chat_greeting, help, status};

use crate::capability::{Capability, CommandSpec, HelpLine, Invocation, Localised};
use crate::command::{Command, CommandError};
use crate::language::Language;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BasicsCommand {
    /// `!help` / `!hulp`, optionally asking for a language once (`!help en`).
    Help { language: Option<Language> },
    /// `!status`: version, homeserver reachable, store healthy.
    Status { language: Option<Language> },
}

pub const CAPABILITY: Capability = Capability {
    name: "basics",
    commands: &[
        CommandSpec {
            words: &["hulp", "help"],
            usage: Localised::new("!hulp", "!help"),
            help: &[HelpLine::new(
                Localised::new("!hulp", "!help"),
                Localised::new("deze uitleg", "this explanation"),
            )],
            parse: parse_help,
        },
        CommandSpec {
            words: &["status"],
            usage: Localised::new("!status", "!status"),
            help: &[HelpLine::new(
                Localised::new("!status", "!status"),
                Localised::new("werkt Kring goed?", "is Kring working properly?"),
            )],
            parse: parse_status,
        },
    ],
};

/// `!help` answers in English and `!hulp` in Dutch unless a language is named (`!help nl`).
fn parse_help(invocation: &Invocation<'_>) -> Result<Command, CommandError> {
    let named = invocation.first().and_then(Language::from_word);
    let of_the_word = if invocation.word == "help" {
        Language::English
    } else {
        Language::Dutch
    };
    Ok(Command::Basics(BasicsCommand::Help {
        language: Some(named.unwrap_or(of_the_word)),
    }))
}

/// `!status` keeps the member's language unless one is named.
fn parse_status(invocation: &Invocation<'_>) -> Result<Command, CommandError> {
    Ok(Command::Basics(BasicsCommand::Status {
        language: invocation.first().and_then(Language::from_word),
    }))
}
