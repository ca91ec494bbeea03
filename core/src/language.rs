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
