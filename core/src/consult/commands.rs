//! The consult capability's verb: `!consult` (`!meedenkconsult`, `!advies`, `!advice`).
//! - `!consult @piet:server`: ask Piet for advice; the form follows in the private chat
//! - `!consult` or `!consult stand`: the network's consults and their deadlines
//! - `!consult antwoord advies 30` (or `verwijzing`): the consultant has answered in the consult
//!   room, and spent 30 minutes on it
//! - `!consult weiger reden`: the consultant cannot take it on, and why
//! - `!consult deel wat het advies voor de cliënt betekent`: the requester's gist, for the
//!   network, shared after one more tap

use super::lifecycle::Outcome;
use crate::capability::{Capability, CommandSpec, HelpLine, Invocation, Localised, shorten};
use crate::command::{Command, CommandError};
use crate::matrix_id::MatrixId;

/// The longest gist or reason kept.
pub const MAX_CONSULT_TEXT_CHARS: usize = 1000;
/// More minutes than a consult takes is a typing error.
pub const MAX_MINUTES_SPENT: u32 = 24 * 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsultCommand {
    Ask {
        consultant: MatrixId,
    },
    Status,
    Answer {
        outcome: Outcome,
        minutes_spent: u32,
    },
    Decline {
        reason: Option<String>,
    },
    Share {
        gist: String,
    },
    /// The client reads along in the network's consult rooms, from now on.
    Join,
}

/// How the verb is typed, shown when the arguments are wrong.
pub const CONSULT_USAGE: Localised = Localised::new(
    "!consult @naam:server. Of: !consult stand, !consult antwoord advies 30 (of: verwijzing, met de minuten), !consult weiger reden, !consult deel samenvatting, !consult meelezen",
    "!consult @name:server. Or: !consult status, !consult answer advice 30 (or: referral, with the minutes), !consult decline reason, !consult share summary, !consult join",
);

/// The words that call it.
pub const CONSULT_WORDS: &[&str] = &["consult", "meedenkconsult", "advies", "advice"];

/// Its lines in the help text.
pub const CONSULT_HELP: &[HelpLine] = &[
    HelpLine::new(
        Localised::new("!consult @naam:server", "!consult @name:server"),
        Localised::new(
            "voor professionals: vraag een collega om advies over de cliënt. Ik stel de vragen in ons privégesprek; iemand buiten het netwerk ziet pas iets als de cliënt ja zegt",
            "for professionals: ask a colleague for advice about the client. I ask the questions in our private chat; someone outside the network sees nothing until the client says yes",
        ),
    ),
    HelpLine::new(
        Localised::new("!consult meelezen", "!consult join"),
        Localised::new(
            "voor de cliënt: lees mee in de consultkamers van uw netwerk, vanaf nu",
            "for the client: read along in your network's consult rooms, from now on",
        ),
    ),
    HelpLine::new(
        Localised::new("!consult stand", "!consult status"),
        Localised::new(
            "welk advies is gevraagd, en wanneer het antwoord er moet zijn",
            "which advice was asked, and when the answer is due",
        ),
    ),
];

fn text_after(invocation: &Invocation<'_>) -> Option<String> {
    let text = invocation.arguments[1..].join(" ");
    let text = text.trim();
    (!text.is_empty()).then(|| shorten(text, MAX_CONSULT_TEXT_CHARS))
}

/// The verb.
pub const CONSULT: CommandSpec = CommandSpec {
    words: CONSULT_WORDS,
    usage: CONSULT_USAGE,
    help: CONSULT_HELP,
    parse: |invocation| parse_consult(invocation).map(Command::Consult),
};

pub const CAPABILITY: Capability = Capability {
    name: super::TIMERS,
    commands: &[CONSULT],
};

/// Reads the verb's arguments.
pub fn parse_consult(invocation: &Invocation<'_>) -> Result<ConsultCommand, CommandError> {
    let usage = invocation.spec.usage;
    let lower: Vec<String> = invocation
        .arguments
        .iter()
        .map(|word| word.to_lowercase())
        .collect();
    let words: Vec<&str> = lower.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["stand" | "status"] => Ok(ConsultCommand::Status),
        ["meelezen" | "meekijken" | "join"] => Ok(ConsultCommand::Join),
        ["antwoord" | "answer", outcome, minutes] => {
            let outcome = match *outcome {
                "advies" | "advice" => Outcome::Advice,
                "verwijzing" | "verwijzen" | "referral" | "refer" => Outcome::ReferralAdvised,
                _ => return Err(invocation.incomplete()),
            };
            match minutes.parse::<u32>() {
                Ok(minutes_spent) if (1..=MAX_MINUTES_SPENT).contains(&minutes_spent) => {
                    Ok(ConsultCommand::Answer {
                        outcome,
                        minutes_spent,
                    })
                }
                _ => Err(CommandError::BadNumber { usage }),
            }
        }
        ["antwoord" | "answer", ..] => Err(invocation.incomplete()),
        ["weiger" | "decline", ..] => Ok(ConsultCommand::Decline {
            reason: text_after(invocation),
        }),
        ["deel" | "share", ..] => match text_after(invocation) {
            Some(gist) => Ok(ConsultCommand::Share { gist }),
            None => Err(invocation.incomplete()),
        },
        [_] => {
            let (consultant, _) = invocation.user_and_rest(invocation.arguments)?;
            Ok(ConsultCommand::Ask { consultant })
        }
        _ => Err(invocation.incomplete()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<ConsultCommand, CommandError> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let word = words[0].trim_start_matches('!').to_lowercase();
        assert!(CONSULT_WORDS.contains(&word.as_str()), "{text}");
        let invocation = Invocation {
            word: &word,
            arguments: &words[1..],
            spec: &CONSULT,
        };
        parse_consult(&invocation)
    }

    #[test]
    fn its_words_call_it_and_the_help_uses_its_own() {
        for word in CONSULT_WORDS {
            let spec = crate::capability::spec_for(word).expect("registered");
            assert_eq!(spec.usage, CONSULT_USAGE, "{word}");
        }
        assert_eq!(
            crate::parse_message("!advies stand"),
            Ok(Some(Command::Consult(ConsultCommand::Status)))
        );
        for line in CONSULT_HELP {
            assert!(line.example.dutch.starts_with("!consult"));
            assert!(line.example.english.starts_with("!consult"));
        }
    }

    #[test]
    fn each_form_of_the_verb() {
        assert_eq!(
            parsed("!consult @piet:kring.test"),
            Ok(ConsultCommand::Ask {
                consultant: MatrixId::parse("@piet:kring.test").unwrap()
            })
        );
        assert_eq!(parsed("!advice"), Ok(ConsultCommand::Status));
        assert_eq!(parsed("!meedenkconsult stand"), Ok(ConsultCommand::Status));
        assert_eq!(parsed("!consult meelezen"), Ok(ConsultCommand::Join));
        assert_eq!(
            parsed("!consult antwoord verwijzing 45"),
            Ok(ConsultCommand::Answer {
                outcome: Outcome::ReferralAdvised,
                minutes_spent: 45
            })
        );
        assert_eq!(
            parsed("!consult answer advice 20"),
            Ok(ConsultCommand::Answer {
                outcome: Outcome::Advice,
                minutes_spent: 20
            })
        );
        assert_eq!(
            parsed("!consult weiger  niet mijn vak "),
            Ok(ConsultCommand::Decline {
                reason: Some("niet mijn vak".into())
            })
        );
        assert_eq!(
            parsed("!consult decline"),
            Ok(ConsultCommand::Decline { reason: None })
        );
        assert_eq!(
            parsed("!consult deel Geen lithium; eerst slaap op orde."),
            Ok(ConsultCommand::Share {
                gist: "Geen lithium; eerst slaap op orde.".into()
            })
        );
    }

    #[test]
    fn wrong_forms_say_how_it_is_typed() {
        for text in [
            "!consult deel",
            "!consult antwoord",
            "!consult antwoord misschien 30",
            "!consult @piet:kring.test extra",
        ] {
            assert!(
                matches!(parsed(text), Err(CommandError::Incomplete { .. })),
                "{text}"
            );
        }
        for text in ["!consult antwoord advies nul", "!consult antwoord advies 0"] {
            assert!(
                matches!(parsed(text), Err(CommandError::BadNumber { .. })),
                "{text}"
            );
        }
        assert!(matches!(
            parsed("!consult piet"),
            Err(CommandError::BadMatrixId { .. })
        ));
    }
}
