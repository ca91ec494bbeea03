//! What a member typed, understood as a command. Parsing is total: every input maps to a
//! `Command` or a `CommandError`, never a panic. Which verbs exist, and how their arguments are
//! read, is each capability's own (`crate::capability`); this is only the frame around them.

use crate::capability::{Invocation, Localised, shorten, spec_for};
use crate::matrix_id::MatrixIdError;
use crate::role::RoleError;
use thiserror::Error;

pub use crate::basics::BasicsCommand;
pub use crate::consent::commands::{ConsentChange, ConsentCommand, ConsentTarget};
pub use crate::consult::commands::ConsultCommand;
pub use crate::language::LanguageCommand;
pub use crate::logbook::LogbookCommand;
pub use crate::meeting::commands::MeetingCommand;
pub use crate::network::commands::NetworkCommand;

/// Commands longer than this are refused before any work is done. Real commands are a few
/// words; anything longer is a paste gone wrong and should not be echoed or stored.
pub const MAX_COMMAND_BYTES: usize = 2048;

/// The prefix that marks a message as meant for a bot.
pub const COMMAND_PREFIX: char = '!';

/// A command, as the capability that offers it understood it: one variant per capability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Basics(BasicsCommand),
    Language(LanguageCommand),
    Network(NetworkCommand),
    Logbook(LogbookCommand),
    Consent(ConsentCommand),
    Meeting(MeetingCommand),
    Consult(ConsultCommand),
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
    #[error("the command needs more")]
    Incomplete {
        /// How the verb is typed, for the answer.
        usage: Localised,
    },
    #[error("not a valid Matrix id: {error}")]
    BadMatrixId {
        usage: Localised,
        error: MatrixIdError,
    },
    #[error("not a valid role: {error}")]
    BadRole { usage: Localised, error: RoleError },
    #[error("not a proposal number")]
    BadNumber { usage: Localised },
    #[error("not a period")]
    BadPeriod { usage: Localised, word: String },
    #[error("unknown kind of information")]
    UnknownInfoKind { usage: Localised, word: String },
    #[error("not a date")]
    BadDate { usage: Localised, word: String },
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
    let arguments: Vec<&str> = words.collect();
    let word = name.to_lowercase();
    let Some(spec) = spec_for(&word) else {
        return Err(CommandError::Unknown {
            name: shorten(name, 30),
        });
    };
    let invocation = Invocation {
        word: &word,
        arguments: &arguments,
        spec,
    };
    (spec.parse)(&invocation).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::InfoKind;
    use crate::consent::commands::CONSENT;
    use crate::language::Language;
    use crate::matrix_id::MatrixId;
    use crate::network::commands::{DECIDE, INVITE, START};
    use crate::role::Role;
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
            Ok(Some(Command::Basics(BasicsCommand::Help {
                language: Some(Language::Dutch)
            })))
        );
        assert_eq!(
            parse_message("  !HELP"),
            Ok(Some(Command::Basics(BasicsCommand::Help {
                language: Some(Language::English)
            })))
        );
        assert_eq!(
            parse_message("!help nl"),
            Ok(Some(Command::Basics(BasicsCommand::Help {
                language: Some(Language::Dutch)
            })))
        );
    }

    #[test]
    fn status_keeps_the_members_language_unless_asked() {
        assert_eq!(
            parse_message("!status"),
            Ok(Some(Command::Basics(BasicsCommand::Status {
                language: None
            })))
        );
        assert_eq!(
            parse_message("!status en"),
            Ok(Some(Command::Basics(BasicsCommand::Status {
                language: Some(Language::English)
            })))
        );
    }

    #[test]
    fn language_command_needs_a_known_language() {
        assert_eq!(
            parse_message("!taal engels"),
            Ok(Some(Command::Language(LanguageCommand::Set {
                language: Language::English
            })))
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

    fn id(text: &str) -> MatrixId {
        MatrixId::parse(text).unwrap()
    }

    #[test]
    fn network_commands_in_dutch_and_english() {
        assert_eq!(
            parse_message("!start"),
            Ok(Some(Command::Network(NetworkCommand::Start {
                for_client: None
            })))
        );
        assert_eq!(
            parse_message("!start voor @anna:kring.test huisarts De Linde"),
            Ok(Some(Command::Network(NetworkCommand::Start {
                for_client: Some((
                    id("@anna:kring.test"),
                    Role::Professional {
                        organisation: "De Linde".into(),
                        discipline: "huisarts".into()
                    }
                ))
            })))
        );
        assert_eq!(
            parse_message("!network"),
            Ok(Some(Command::Network(NetworkCommand::Overview)))
        );
        assert_eq!(
            parse_message("!uitnodigen @piet:kring.test mantelzorger"),
            Ok(Some(Command::Network(NetworkCommand::Invite {
                user: id("@piet:kring.test"),
                role: Role::Carer
            })))
        );
        assert_eq!(
            parse_message("!link naaste"),
            Ok(Some(Command::Network(NetworkCommand::InviteLink {
                role: Role::Carer
            })))
        );
        assert_eq!(
            parse_message("!remove @piet:kring.test"),
            Ok(Some(Command::Network(NetworkCommand::Remove {
                user: id("@piet:kring.test")
            })))
        );
        assert_eq!(
            parse_message("!ja 3"),
            Ok(Some(Command::Network(NetworkCommand::Decide {
                number: 3,
                approve: true
            })))
        );
        assert_eq!(
            parse_message("!no #12"),
            Ok(Some(Command::Network(NetworkCommand::Decide {
                number: 12,
                approve: false
            })))
        );
        assert_eq!(
            parse_message("!intrekken K3F9"),
            Ok(Some(Command::Network(NetworkCommand::RevokeLink {
                id: "k3f9".into()
            })))
        );
        assert_eq!(
            parse_message("!verlaten"),
            Ok(Some(Command::Network(NetworkCommand::Leave)))
        );
    }

    #[test]
    fn consent_changes_as_typed() {
        assert_eq!(
            parse_message("!toestemming"),
            Ok(Some(Command::Consent(ConsentCommand::Consent {
                change: None
            })))
        );
        assert_eq!(
            parse_message("!toestemming @piet:kring.test afspraken ja tot 2026-12-31"),
            Ok(Some(Command::Consent(ConsentCommand::Consent {
                change: Some(ConsentChange {
                    subject: ConsentTarget::Member(id("@piet:kring.test")),
                    kind: InfoKind::Appointments,
                    give: true,
                    until: Some((2026, 12, 31)),
                })
            })))
        );
        assert_eq!(
            parse_message("!consent @piet:kring.test chat no"),
            Ok(Some(Command::Consent(ConsentCommand::Consent {
                change: Some(ConsentChange {
                    subject: ConsentTarget::Member(id("@piet:kring.test")),
                    kind: InfoKind::ChatMembership,
                    give: false,
                    until: None,
                })
            })))
        );
        assert!(matches!(
            parse_message("!toestemming @piet:kring.test geheimen ja"),
            Err(CommandError::UnknownInfoKind { .. })
        ));
        assert!(matches!(
            parse_message("!toestemming @piet:kring.test chat ja tot morgen"),
            Err(CommandError::BadDate { .. })
        ));
        assert!(matches!(
            parse_message("!toestemming @piet:kring.test chat ja tot 2026-02-30"),
            Err(CommandError::BadDate { .. })
        ));
        assert!(matches!(
            parse_message("!toestemming @piet:kring.test chat misschien"),
            Err(CommandError::Incomplete { .. })
        ));
        assert!(matches!(
            parse_message("!toestemming piet chat ja"),
            Err(CommandError::BadMatrixId { .. })
        ));
        assert!(matches!(
            parse_message("!toestemming @piet:kring.test chat ja tot"),
            Err(CommandError::Incomplete { .. })
        ));
        assert!(matches!(
            parse_message("!toestemming @piet:kring.test extra chat ja"),
            Err(CommandError::Incomplete { .. })
        ));
    }

    #[test]
    fn consent_for_an_organisation_names_it_in_words() {
        assert_eq!(
            parse_message("!toestemming organisatie Praktijk De Linde afspraken ja tot 2027-01-31"),
            Ok(Some(Command::Consent(ConsentCommand::Consent {
                change: Some(ConsentChange {
                    subject: ConsentTarget::Organisation("Praktijk De Linde".into()),
                    kind: InfoKind::Appointments,
                    give: true,
                    until: Some((2027, 1, 31)),
                })
            })))
        );
        assert_eq!(
            parse_message("!consent organisation GGZ-Noord data no"),
            Ok(Some(Command::Consent(ConsentCommand::Consent {
                change: Some(ConsentChange {
                    subject: ConsentTarget::Organisation("GGZ-Noord".into()),
                    kind: InfoKind::OrganisationData,
                    give: false,
                    until: None,
                })
            })))
        );
        assert!(matches!(
            parse_message("!toestemming organisatie afspraken ja"),
            Err(CommandError::Incomplete { .. })
        ));
    }

    #[test]
    fn logbook_periods() {
        assert_eq!(
            parse_message("!logboek"),
            Ok(Some(Command::Logbook(LogbookCommand::Logbook {
                days: None
            })))
        );
        assert_eq!(
            parse_message("!logboek 30d"),
            Ok(Some(Command::Logbook(LogbookCommand::Logbook {
                days: Some(30)
            })))
        );
        assert_eq!(
            parse_message("!logbook 2w"),
            Ok(Some(Command::Logbook(LogbookCommand::Logbook {
                days: Some(14)
            })))
        );
        assert_eq!(
            parse_message("!logboek 6m"),
            Ok(Some(Command::Logbook(LogbookCommand::Logbook {
                days: Some(180)
            })))
        );
        assert_eq!(
            parse_message("!logboek 1j"),
            Ok(Some(Command::Logbook(LogbookCommand::Logbook {
                days: Some(365)
            })))
        );
        for bad in [
            "!logboek gisteren",
            "!logboek 0d",
            "!logboek -3d",
            "!logboek 30",
            "!logboek 99999999999999999999d",
            "!logboek 11j",
        ] {
            assert!(
                matches!(parse_message(bad), Err(CommandError::BadPeriod { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn network_commands_explain_what_is_missing() {
        assert_eq!(
            parse_message("!uitnodigen"),
            Err(CommandError::Incomplete {
                usage: INVITE.usage
            })
        );
        assert_eq!(
            parse_message("!uitnodigen piet mantelzorger"),
            Err(CommandError::BadMatrixId {
                usage: INVITE.usage,
                error: MatrixIdError::MissingAt
            })
        );
        assert_eq!(
            parse_message("!invite @piet:kring.test"),
            Err(CommandError::BadRole {
                usage: INVITE.usage,
                error: RoleError::Missing
            })
        );
        assert_eq!(
            parse_message("!ja"),
            Err(CommandError::Incomplete {
                usage: DECIDE.usage
            })
        );
        assert_eq!(
            parse_message("!ja drie"),
            Err(CommandError::BadNumber {
                usage: DECIDE.usage
            })
        );
        assert_eq!(
            parse_message("!ja -1"),
            Err(CommandError::BadNumber {
                usage: DECIDE.usage
            })
        );
        assert_eq!(
            parse_message("!start morgen"),
            Err(CommandError::Incomplete { usage: START.usage })
        );
    }

    #[test]
    fn consent_errors_point_at_the_consent_usage() {
        assert_eq!(
            parse_message("!toestemming @piet:kring.test chat misschien"),
            Err(CommandError::Incomplete {
                usage: CONSENT.usage
            })
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
