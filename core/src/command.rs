//! What a member typed, understood as a command. Parsing is total: every input maps to a
//! `Command` or a `CommandError`, never a panic.

use crate::language::Language;
use thiserror::Error;

/// Commands longer than this are refused before any work is done. Real commands are a few
/// words; anything longer is a paste gone wrong and should not be echoed or stored.
pub const MAX_COMMAND_BYTES: usize = 2048;

/// The prefix that marks a message as meant for a bot.
pub const COMMAND_PREFIX: char = '!';

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `!help` / `!hulp`, optionally asking for a language once (`!help en`).
    Help { language: Option<Language> },
    /// `!status`: version, homeserver reachable, store healthy.
    Status { language: Option<Language> },
    /// `!taal en` / `!language nl`: remember which language to answer this member in.
    SetLanguage { language: Language },
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandError {
    #[error("command is {length} bytes, the limit is {MAX_COMMAND_BYTES}")]
    TooLong { length: usize },
    #[error("unknown command")]
    Unknown {
        /// What the member typed after the prefix, cut to a safe length for quoting back.
        name: String,
    },
    #[error("the language command needs a language")]
    MissingLanguage,
    #[error("unknown language")]
    UnknownLanguage { word: String },
}

/// Understands a message body. `Ok(None)` means the message is ordinary chat, not a command.
pub fn parse_message(body: &str) -> Result<Option<Command>, CommandError> {
    let trimmed = body.trim_start();
    if !trimmed.starts_with(COMMAND_PREFIX) {
        return Ok(None);
    }
    if body.len() > MAX_COMMAND_BYTES {
        return Err(CommandError::TooLong { length: body.len() });
    }
    let mut words = trimmed[COMMAND_PREFIX.len_utf8()..].split_whitespace();
    let Some(name) = words.next() else {
        return Err(CommandError::Unknown {
            name: String::new(),
        });
    };
    let argument = words.next();
    let language_argument = argument.and_then(Language::from_word);
    let command = match name.to_lowercase().as_str() {
        "help" => Command::Help {
            language: language_argument.or(Some(Language::English)),
        },
        "hulp" => Command::Help {
            language: language_argument.or(Some(Language::Dutch)),
        },
        "status" => Command::Status {
            language: language_argument,
        },
        "taal" | "language" => {
            let word = argument.ok_or(CommandError::MissingLanguage)?;
            let language =
                Language::from_word(word).ok_or_else(|| CommandError::UnknownLanguage {
                    word: shorten(word, 20),
                })?;
            Command::SetLanguage { language }
        }
        _ => {
            return Err(CommandError::Unknown {
                name: shorten(name, 30),
            });
        }
    };
    Ok(Some(command))
}

fn shorten(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn chat_is_not_a_command() {
        assert_eq!(parse_message("Hoi allemaal"), Ok(None));
        assert_eq!(parse_message(""), Ok(None));
        assert_eq!(parse_message("ik zei !help"), Ok(None));
    }

    #[test]
    fn help_picks_the_language_of_the_word_used() {
        assert_eq!(
            parse_message("!hulp"),
            Ok(Some(Command::Help {
                language: Some(Language::Dutch)
            }))
        );
        assert_eq!(
            parse_message("  !HELP"),
            Ok(Some(Command::Help {
                language: Some(Language::English)
            }))
        );
        assert_eq!(
            parse_message("!help nl"),
            Ok(Some(Command::Help {
                language: Some(Language::Dutch)
            }))
        );
    }

    #[test]
    fn status_keeps_the_members_language_unless_asked() {
        assert_eq!(
            parse_message("!status"),
            Ok(Some(Command::Status { language: None }))
        );
        assert_eq!(
            parse_message("!status en"),
            Ok(Some(Command::Status {
                language: Some(Language::English)
            }))
        );
    }

    #[test]
    fn language_command_needs_a_known_language() {
        assert_eq!(
            parse_message("!taal engels"),
            Ok(Some(Command::SetLanguage {
                language: Language::English
            }))
        );
        assert_eq!(
            parse_message("!language"),
            Err(CommandError::MissingLanguage)
        );
        assert_eq!(
            parse_message("!taal klingon"),
            Err(CommandError::UnknownLanguage {
                word: "klingon".into()
            })
        );
    }

    #[test]
    fn unknown_commands_are_named_back_shortened() {
        assert_eq!(
            parse_message("!bogus"),
            Err(CommandError::Unknown {
                name: "bogus".into()
            })
        );
        let long_name = format!("!{}", "x".repeat(100));
        assert_eq!(
            parse_message(&long_name),
            Err(CommandError::Unknown {
                name: "x".repeat(30)
            })
        );
        assert_eq!(
            parse_message("!"),
            Err(CommandError::Unknown {
                name: String::new()
            })
        );
    }

    #[test]
    fn over_long_commands_are_refused() {
        let body = format!("!help {}", "a".repeat(64 * 1024));
        assert_eq!(
            parse_message(&body),
            Err(CommandError::TooLong { length: body.len() })
        );
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_respects_the_limit(body in ".{0,3000}") {
            match parse_message(&body) {
                Err(CommandError::TooLong { length }) => prop_assert!(length > MAX_COMMAND_BYTES),
                Ok(Some(_)) => prop_assert!(body.len() <= MAX_COMMAND_BYTES),
                _ => {}
            }
        }
    }
}
