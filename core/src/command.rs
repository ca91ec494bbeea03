//! What a member typed, understood as a command. Parsing is total: every input maps to a
//! `Command` or a `CommandError`, never a panic.

use crate::consent::InfoKind;
use crate::language::Language;
use crate::matrix_id::{MatrixId, MatrixIdError};
use crate::role::{Role, RoleError, parse_role};
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
    /// `!start`: start my own network; `!start voor @client:server <my role>`: start one for a
    /// client, who accepts before anything is shared.
    StartNetwork {
        for_client: Option<(MatrixId, Role)>,
    },
    /// `!netwerk` / `!network`: who is in, pending proposals and invite links.
    Overview,
    /// `!uitnodigen @user:server <role>` / `!invite`.
    Invite { user: MatrixId, role: Role },
    /// `!link <role>`: an invite link for someone without an account.
    InviteLink { role: Role },
    /// `!verwijderen @user:server` / `!remove`.
    Remove { user: MatrixId },
    /// `!ja 3` / `!nee 3` / `!yes 3` / `!no 3`.
    Decide { number: i64, approve: bool },
    /// `!intrekken <link>` / `!revoke <link>`.
    RevokeLink { id: String },
    /// `!verlaten` / `!leave`.
    Leave,
    /// `!logboek [30d]` / `!logbook`: the client's own log, in the direct chat only.
    Logbook { days: Option<i64> },
    /// `!toestemming` shows what everyone may see; `!toestemming @naam:server afspraken ja
    /// [tot 2026-12-31]` changes it (`!consent … yes|no [until …]`).
    Consent { change: Option<ConsentChange> },
}

/// A consent change as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentChange {
    pub subject: ConsentTarget,
    pub kind: InfoKind,
    pub give: bool,
    /// The last day the grant holds (inclusive), as (year, month, day).
    pub until: Option<(i32, u32, u32)>,
}

/// Whom a typed consent change is about: a member by Matrix ID, or an organisation by the name
/// its professionals carry in the network (`organisatie Praktijk De Linde`), as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentTarget {
    Member(MatrixId),
    Organisation(String),
}

/// Which command a usage hint is about, so the error can show how it is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandName {
    Start,
    Invite,
    InviteLink,
    Remove,
    Decide,
    RevokeLink,
    Logbook,
    Consent,
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
    Incomplete { command: CommandName },
    #[error("not a valid Matrix id: {error}")]
    BadMatrixId {
        command: CommandName,
        error: MatrixIdError,
    },
    #[error("not a valid role: {error}")]
    BadRole {
        command: CommandName,
        error: RoleError,
    },
    #[error("not a proposal number")]
    BadNumber { command: CommandName },
    #[error("not a period")]
    BadPeriod { word: String },
    #[error("unknown kind of information")]
    UnknownInfoKind { word: String },
    #[error("not a date")]
    BadDate { word: String },
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
    let argument = arguments.first().copied();
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
        "start" => parse_start(&arguments)?,
        "netwerk" | "network" | "overzicht" | "overview" => Command::Overview,
        "uitnodigen" | "invite" | "voorstellen" | "propose" => {
            let (user, rest) = user_and_rest(CommandName::Invite, &arguments)?;
            let role = parse_role(rest).map_err(|error| CommandError::BadRole {
                command: CommandName::Invite,
                error,
            })?;
            Command::Invite { user, role }
        }
        "link" | "uitnodigingslink" => {
            let role = parse_role(&arguments).map_err(|error| CommandError::BadRole {
                command: CommandName::InviteLink,
                error,
            })?;
            Command::InviteLink { role }
        }
        "verwijderen" | "verwijder" | "remove" => {
            let (user, _) = user_and_rest(CommandName::Remove, &arguments)?;
            Command::Remove { user }
        }
        "ja" | "yes" | "nee" | "no" => {
            let approve = matches!(name.to_lowercase().as_str(), "ja" | "yes");
            let word = argument.ok_or(CommandError::Incomplete {
                command: CommandName::Decide,
            })?;
            let number = word
                .trim_start_matches('#')
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(CommandError::BadNumber {
                    command: CommandName::Decide,
                })?;
            Command::Decide { number, approve }
        }
        "intrekken" | "revoke" => {
            let word = argument.ok_or(CommandError::Incomplete {
                command: CommandName::RevokeLink,
            })?;
            Command::RevokeLink {
                id: shorten(&word.to_lowercase(), 20),
            }
        }
        "verlaten" | "leave" => Command::Leave,
        "toestemming" | "consent" => Command::Consent {
            change: parse_consent(&arguments)?,
        },
        "logboek" | "logbook" | "log" => Command::Logbook {
            days: argument.map(parse_period).transpose()?,
        },
        _ => {
            return Err(CommandError::Unknown {
                name: shorten(name, 30),
            });
        }
    };
    Ok(Some(command))
}

/// `@user kind ja|nee [tot YYYY-MM-DD]` or `organisatie <name> kind ja|nee [tot …]`, or nothing
/// for the overview. Read from the end, because an organisation's name may have several words.
fn parse_consent(arguments: &[&str]) -> Result<Option<ConsentChange>, CommandError> {
    let incomplete = CommandError::Incomplete {
        command: CommandName::Consent,
    };
    let Some((first, rest)) = arguments.split_first() else {
        return Ok(None);
    };
    let is_organisation = matches!(
        first.to_lowercase().as_str(),
        "organisatie" | "organisation" | "org"
    );
    let (words, until) = match rest {
        [head @ .., word, date] if matches!(word.to_lowercase().as_str(), "tot" | "until") => {
            let bad = || CommandError::BadDate {
                word: shorten(date, 20),
            };
            let parsed = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad())?;
            use chrono::Datelike;
            (head, Some((parsed.year(), parsed.month(), parsed.day())))
        }
        [.., word] if matches!(word.to_lowercase().as_str(), "tot" | "until") => {
            return Err(incomplete);
        }
        _ => (rest, None),
    };
    let [name @ .., kind, answer] = words else {
        return Err(incomplete);
    };
    let kind = info_kind(kind).ok_or_else(|| CommandError::UnknownInfoKind {
        word: shorten(kind, 20),
    })?;
    let give = match answer.to_lowercase().as_str() {
        "ja" | "yes" => true,
        "nee" | "no" => false,
        _ => return Err(incomplete),
    };
    let subject = if is_organisation {
        if name.is_empty() {
            return Err(incomplete);
        }
        ConsentTarget::Organisation(shorten(&name.join(" "), 100))
    } else {
        if !name.is_empty() {
            return Err(incomplete);
        }
        let (user, _) = user_and_rest(CommandName::Consent, arguments)?;
        ConsentTarget::Member(user)
    };
    Ok(Some(ConsentChange {
        subject,
        kind,
        give,
        until,
    }))
}

fn info_kind(word: &str) -> Option<InfoKind> {
    Some(match word.to_lowercase().as_str() {
        "chat" | "gesprek" => InfoKind::ChatMembership,
        "geschiedenis" | "history" => InfoKind::PastHistory,
        "afspraken" | "appointments" => InfoKind::Appointments,
        "vragenlijsten" | "questionnaires" => InfoKind::QuestionnaireResults,
        "consult" | "meedenkconsult" => InfoKind::ConsultSharing,
        "gegevens" | "data" => InfoKind::OrganisationData,
        _ => return None,
    })
}

/// The longest period a log may be asked for: ten years.
pub const MAX_PERIOD_DAYS: i64 = 3650;

/// `30d`, `2w`, `6m`, `1j` (or `1y`): a number of days, weeks, months or years, as days.
fn parse_period(word: &str) -> Result<i64, CommandError> {
    let bad = || CommandError::BadPeriod {
        word: shorten(word, 20),
    };
    let word = word.to_lowercase();
    let split = word.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = word.split_at(split);
    let number: i64 = number.parse().map_err(|_| bad())?;
    let days = match unit {
        "d" | "dag" | "dagen" | "day" | "days" => number,
        "w" | "week" | "weken" | "weeks" => number.checked_mul(7).ok_or_else(bad)?,
        "m" | "maand" | "maanden" | "month" | "months" => number.checked_mul(30).ok_or_else(bad)?,
        "j" | "jaar" | "y" | "year" | "years" => number.checked_mul(365).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    if (1..=MAX_PERIOD_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(bad())
    }
}

fn parse_start(arguments: &[&str]) -> Result<Command, CommandError> {
    let Some((first, rest)) = arguments.split_first() else {
        return Ok(Command::StartNetwork { for_client: None });
    };
    if !matches!(first.to_lowercase().as_str(), "voor" | "for") {
        return Err(CommandError::Incomplete {
            command: CommandName::Start,
        });
    }
    let (client, rest) = user_and_rest(CommandName::Start, rest)?;
    let role = parse_role(rest).map_err(|error| CommandError::BadRole {
        command: CommandName::Start,
        error,
    })?;
    Ok(Command::StartNetwork {
        for_client: Some((client, role)),
    })
}

fn user_and_rest<'a, 'b>(
    command: CommandName,
    arguments: &'a [&'b str],
) -> Result<(MatrixId, &'a [&'b str]), CommandError> {
    let Some((first, rest)) = arguments.split_first() else {
        return Err(CommandError::Incomplete { command });
    };
    let user =
        MatrixId::parse(first).map_err(|error| CommandError::BadMatrixId { command, error })?;
    Ok((user, rest))
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

    fn id(text: &str) -> MatrixId {
        MatrixId::parse(text).unwrap()
    }

    #[test]
    fn network_commands_in_dutch_and_english() {
        assert_eq!(
            parse_message("!start"),
            Ok(Some(Command::StartNetwork { for_client: None }))
        );
        assert_eq!(
            parse_message("!start voor @anna:kring.test huisarts De Linde"),
            Ok(Some(Command::StartNetwork {
                for_client: Some((
                    id("@anna:kring.test"),
                    Role::Professional {
                        organisation: "De Linde".into(),
                        discipline: "huisarts".into()
                    }
                ))
            }))
        );
        assert_eq!(parse_message("!network"), Ok(Some(Command::Overview)));
        assert_eq!(
            parse_message("!uitnodigen @piet:kring.test mantelzorger"),
            Ok(Some(Command::Invite {
                user: id("@piet:kring.test"),
                role: Role::Carer
            }))
        );
        assert_eq!(
            parse_message("!link naaste"),
            Ok(Some(Command::InviteLink { role: Role::Carer }))
        );
        assert_eq!(
            parse_message("!remove @piet:kring.test"),
            Ok(Some(Command::Remove {
                user: id("@piet:kring.test")
            }))
        );
        assert_eq!(
            parse_message("!ja 3"),
            Ok(Some(Command::Decide {
                number: 3,
                approve: true
            }))
        );
        assert_eq!(
            parse_message("!no #12"),
            Ok(Some(Command::Decide {
                number: 12,
                approve: false
            }))
        );
        assert_eq!(
            parse_message("!intrekken K3F9"),
            Ok(Some(Command::RevokeLink { id: "k3f9".into() }))
        );
        assert_eq!(parse_message("!verlaten"), Ok(Some(Command::Leave)));
    }

    #[test]
    fn consent_changes_as_typed() {
        assert_eq!(
            parse_message("!toestemming"),
            Ok(Some(Command::Consent { change: None }))
        );
        assert_eq!(
            parse_message("!toestemming @piet:kring.test afspraken ja tot 2026-12-31"),
            Ok(Some(Command::Consent {
                change: Some(ConsentChange {
                    subject: ConsentTarget::Member(id("@piet:kring.test")),
                    kind: InfoKind::Appointments,
                    give: true,
                    until: Some((2026, 12, 31)),
                })
            }))
        );
        assert_eq!(
            parse_message("!consent @piet:kring.test chat no"),
            Ok(Some(Command::Consent {
                change: Some(ConsentChange {
                    subject: ConsentTarget::Member(id("@piet:kring.test")),
                    kind: InfoKind::ChatMembership,
                    give: false,
                    until: None,
                })
            }))
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
            Ok(Some(Command::Consent {
                change: Some(ConsentChange {
                    subject: ConsentTarget::Organisation("Praktijk De Linde".into()),
                    kind: InfoKind::Appointments,
                    give: true,
                    until: Some((2027, 1, 31)),
                })
            }))
        );
        assert_eq!(
            parse_message("!consent organisation GGZ-Noord data no"),
            Ok(Some(Command::Consent {
                change: Some(ConsentChange {
                    subject: ConsentTarget::Organisation("GGZ-Noord".into()),
                    kind: InfoKind::OrganisationData,
                    give: false,
                    until: None,
                })
            }))
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
            Ok(Some(Command::Logbook { days: None }))
        );
        assert_eq!(
            parse_message("!logboek 30d"),
            Ok(Some(Command::Logbook { days: Some(30) }))
        );
        assert_eq!(
            parse_message("!logbook 2w"),
            Ok(Some(Command::Logbook { days: Some(14) }))
        );
        assert_eq!(
            parse_message("!logboek 6m"),
            Ok(Some(Command::Logbook { days: Some(180) }))
        );
        assert_eq!(
            parse_message("!logboek 1j"),
            Ok(Some(Command::Logbook { days: Some(365) }))
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
                command: CommandName::Invite
            })
        );
        assert_eq!(
            parse_message("!uitnodigen piet mantelzorger"),
            Err(CommandError::BadMatrixId {
                command: CommandName::Invite,
                error: MatrixIdError::MissingAt
            })
        );
        assert_eq!(
            parse_message("!invite @piet:kring.test"),
            Err(CommandError::BadRole {
                command: CommandName::Invite,
                error: RoleError::Missing
            })
        );
        assert_eq!(
            parse_message("!ja"),
            Err(CommandError::Incomplete {
                command: CommandName::Decide
            })
        );
        assert_eq!(
            parse_message("!ja drie"),
            Err(CommandError::BadNumber {
                command: CommandName::Decide
            })
        );
        assert_eq!(
            parse_message("!ja -1"),
            Err(CommandError::BadNumber {
                command: CommandName::Decide
            })
        );
        assert_eq!(
            parse_message("!start morgen"),
            Err(CommandError::Incomplete {
                command: CommandName::Start
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
