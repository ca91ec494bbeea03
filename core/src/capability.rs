//! What a capability tells the runtime about itself: the verbs it offers, each written once —
//! the words that call it, how it is typed, what the help says, and how its arguments are read.
//! Command parsing, the help text and the usage hints all come from these specs, so a new verb
//! is one entry in its capability's list and a new capability is one line in [`CAPABILITIES`].

use crate::command::{Command, CommandError};
use crate::language::Language;
use crate::matrix_id::MatrixId;
use crate::role::{Role, parse_role};

/// A text in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Localised {
    pub dutch: &'static str,
    pub english: &'static str,
}

impl Localised {
    pub const fn new(dutch: &'static str, english: &'static str) -> Self {
        Self { dutch, english }
    }

    pub fn get(self, language: Language) -> &'static str {
        match language {
            Language::Dutch => self.dutch,
            Language::English => self.english,
        }
    }
}

/// One line of the help text: an example of the command and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelpLine {
    pub example: Localised,
    pub explanation: Localised,
}

impl HelpLine {
    pub const fn new(example: Localised, explanation: Localised) -> Self {
        Self {
            example,
            explanation,
        }
    }
}

/// One verb.
pub struct CommandSpec {
    /// The words that call it, in lower case and without the `!`.
    pub words: &'static [&'static str],
    /// How it is typed, shown when the arguments are wrong.
    pub usage: Localised,
    /// Its lines in the help text (a verb with two forms may have two).
    pub help: &'static [HelpLine],
    /// Reads the arguments.
    pub parse: fn(&Invocation<'_>) -> Result<Command, CommandError>,
}

/// A capability's verbs.
pub struct Capability {
    /// A stable name, for logs and timers; never shown to people.
    pub name: &'static str,
    pub commands: &'static [CommandSpec],
}

/// Every capability this build has, in the order the help text lists them.
pub const CAPABILITIES: &[&Capability] = &[
    &crate::basics::CAPABILITY,
    &crate::network::commands::CAPABILITY,
    &crate::logbook::CAPABILITY,
    &crate::consent::commands::CAPABILITY,
    &crate::meeting::commands::CAPABILITY,
    &crate::consult::commands::CAPABILITY,
    &crate::language::CAPABILITY,
];

/// The spec a typed verb calls, if any.
pub fn spec_for(word: &str) -> Option<&'static CommandSpec> {
    CAPABILITIES
        .iter()
        .flat_map(|capability| capability.commands)
        .find(|spec| spec.words.contains(&word))
}

/// Every help line of every capability, in order.
pub fn help_lines() -> impl Iterator<Item = &'static HelpLine> {
    CAPABILITIES
        .iter()
        .flat_map(|capability| capability.commands)
        .flat_map(|spec| spec.help)
}

/// A verb as typed: the word (lower case), what followed it, and the spec it called. Its
/// helpers make the errors that point at this verb's usage.
pub struct Invocation<'a> {
    pub word: &'a str,
    pub arguments: &'a [&'a str],
    pub spec: &'static CommandSpec,
}

impl<'a> Invocation<'a> {
    pub fn first(&self) -> Option<&'a str> {
        self.arguments.first().copied()
    }

    pub fn incomplete(&self) -> CommandError {
        CommandError::Incomplete {
            usage: self.spec.usage,
        }
    }

    /// A Matrix ID first, then the rest.
    pub fn user_and_rest(
        &self,
        arguments: &'a [&'a str],
    ) -> Result<(MatrixId, &'a [&'a str]), CommandError> {
        let Some((first, rest)) = arguments.split_first() else {
            return Err(self.incomplete());
        };
        let user = MatrixId::parse(first).map_err(|error| CommandError::BadMatrixId {
            usage: self.spec.usage,
            error,
        })?;
        Ok((user, rest))
    }

    /// Matrix IDs separated by spaces: at least one, each valid.
    pub fn user_list(&self, text: &str) -> Result<Vec<MatrixId>, CommandError> {
        let users = text
            .split_whitespace()
            .map(|word| {
                MatrixId::parse(word).map_err(|error| CommandError::BadMatrixId {
                    usage: self.spec.usage,
                    error,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if users.is_empty() {
            return Err(self.incomplete());
        }
        Ok(users)
    }

    pub fn role(&self, words: &[&str]) -> Result<Role, CommandError> {
        parse_role(words).map_err(|error| CommandError::BadRole {
            usage: self.spec.usage,
            error,
        })
    }
}

/// At most `max_chars` characters of what someone typed, for quoting it back.
pub fn shorten(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_word_calls_one_verb() {
        let mut seen = HashSet::new();
        for spec in CAPABILITIES.iter().flat_map(|c| c.commands) {
            assert!(!spec.words.is_empty());
            for word in spec.words {
                assert_eq!(word.to_lowercase(), *word, "{word} is not lower case");
                assert!(!word.contains(char::is_whitespace));
                assert!(seen.insert(*word), "{word} calls two verbs");
            }
        }
    }

    #[test]
    fn capability_names_are_distinct() {
        let names: HashSet<_> = CAPABILITIES.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), CAPABILITIES.len());
    }

    #[test]
    fn every_help_example_and_usage_uses_a_word_of_its_own_verb() {
        for spec in CAPABILITIES.iter().flat_map(|c| c.commands) {
            let calls_it = |text: &str| {
                spec.words
                    .iter()
                    .any(|word| text.to_lowercase().starts_with(&format!("!{word}")))
            };
            for language in [Language::Dutch, Language::English] {
                assert!(calls_it(spec.usage.get(language)), "{:?}", spec.usage);
                for line in spec.help {
                    assert!(calls_it(line.example.get(language)), "{line:?}");
                }
            }
        }
    }
}
