//! The language capability: which language the bots answer a member in, and `!taal` to choose
//! it for good.

mod texts;

pub use texts::language_set;

use crate::capability::{Capability, CommandSpec, HelpLine, Invocation, Localised, shorten};
use crate::command::{Command, CommandError};
use serde::{Deserialize, Serialize};

/// The language the bots answer in. Dutch is the default for everyone; a member may ask for
/// English once (`!help en`) or for good (`!taal en`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Language {
    #[default]
    Dutch,
    English,
}

impl Language {
    /// Recognises the words people actually type for a language, in either language.
    pub fn from_word(word: &str) -> Option<Self> {
        match word.trim().to_lowercase().as_str() {
            "nl" | "nederlands" | "dutch" | "ned" => Some(Self::Dutch),
            "en" | "engels" | "english" | "eng" => Some(Self::English),
            _ => None,
        }
    }

    /// The stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Dutch => "nl",
            Self::English => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "nl" => Some(Self::Dutch),
            "en" => Some(Self::English),
            _ => None,
        }
    }
}

/// `!taal en` / `!language nl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LanguageCommand {
    /// Remember which language to answer this member in.
    Set { language: Language },
}

pub const CAPABILITY: Capability = Capability {
    name: "language",
    commands: &[CommandSpec {
        words: &["taal", "language"],
        usage: Localised::new(
            "!taal nl (Nederlands) of !taal en (Engels)",
            "!language en (English) or !language nl (Dutch)",
        ),
        help: &[HelpLine::new(
            Localised::new("!taal en", "!taal nl"),
            Localised::new(
                "answer me in English from now on",
                "antwoord mij voortaan in het Nederlands",
            ),
        )],
        parse: parse_set,
    }],
};

fn parse_set(invocation: &Invocation<'_>) -> Result<Command, CommandError> {
    let word = invocation.first().ok_or(CommandError::MissingLanguage)?;
    let language = Language::from_word(word).ok_or_else(|| CommandError::UnknownLanguage {
        word: shorten(word, 20),
    })?;
    Ok(Command::Language(LanguageCommand::Set { language }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for language in [Language::Dutch, Language::English] {
            assert_eq!(Language::from_code(language.code()), Some(language));
        }
        assert_eq!(Language::from_code("de"), None);
    }

    #[test]
    fn words_in_both_languages_are_understood() {
        assert_eq!(Language::from_word(" Engels "), Some(Language::English));
        assert_eq!(Language::from_word("english"), Some(Language::English));
        assert_eq!(Language::from_word("NL"), Some(Language::Dutch));
        assert_eq!(Language::from_word("klingon"), None);
    }
}
