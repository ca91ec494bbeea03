//! The answer to a command whose arguments are wrong: what is wrong, and how the verb is typed
//! (each verb's usage comes from its capability's spec).

use super::{BotReply, Builder, Text};
use crate::command::CommandError;
use crate::language::Language;
use crate::matrix_id::MatrixIdError;
use crate::role::RoleError;

pub(super) fn argument_error(language: Language, error: &CommandError) -> BotReply {
    let dutch = language == Language::Dutch;
    let (problem, usage) = match error {
        CommandError::Incomplete { usage } => (
            if dutch {
                Text::new().text("Er mist iets in deze opdracht.")
            } else {
                Text::new().text("Something is missing in this command.")
            },
            *usage,
        ),
        CommandError::BadMatrixId { usage, error } => {
            let why = match (dutch, error) {
                (true, MatrixIdError::MissingAt | MatrixIdError::MissingServer) => {
                    "Een adres ziet er zo uit: @naam:server."
                }
                (false, MatrixIdError::MissingAt | MatrixIdError::MissingServer) => {
                    "An address looks like this: @name:server."
                }
                (true, MatrixIdError::BadName) => {
                    "Het deel na de @ mag alleen kleine letters, cijfers en . _ = - / + bevatten."
                }
                (false, MatrixIdError::BadName) => {
                    "The part after the @ may only contain lower-case letters, digits and . _ = - / +."
                }
                (true, MatrixIdError::BadServer) => {
                    "Het deel na de dubbele punt is geen geldige server."
                }
                (false, MatrixIdError::BadServer) => {
                    "The part after the colon is not a valid server."
                }
                (true, MatrixIdError::TooLong) => "Het adres is te lang.",
                (false, MatrixIdError::TooLong) => "The address is too long.",
            };
            let lead = if dutch {
                "Dat is geen geldig Matrix-adres. "
            } else {
                "That is not a valid Matrix address. "
            };
            (Text::new().bold(lead).text(why), *usage)
        }
        CommandError::BadRole { usage, error } => {
            let text = match (dutch, error) {
                (true, RoleError::Missing) => Text::new().text("Welke rol krijgt deze persoon?"),
                (false, RoleError::Missing) => Text::new().text("Which role does this person get?"),
                (true, RoleError::Unknown { word }) => Text::new().text("De rol ").code(word).text(" ken ik niet. Kies mantelzorger, naaste, vertegenwoordiger, of een beroep zoals huisarts, fact-team, wijkverpleging of buurtteam."),
                (false, RoleError::Unknown { word }) => Text::new().text("I do not know the role ").code(word).text(". Choose carer, relative, representative, or a profession such as gp, fact-team, district-nurse or social-team."),
                (true, RoleError::MissingOrganisation) => Text::new().text("Bij een zorgverlener hoort de naam van de organisatie, bijvoorbeeld: huisarts Praktijk De Linde."),
                (false, RoleError::MissingOrganisation) => Text::new().text("A care professional needs the name of their organisation, for example: gp Practice De Linde."),
                (true, RoleError::OrganisationTooLong) => Text::new().text("De naam van de organisatie is te lang (hoogstens 80 tekens)."),
                (false, RoleError::OrganisationTooLong) => Text::new().text("The organisation's name is too long (at most 80 characters)."),
            };
            (text, *usage)
        }
        CommandError::BadPeriod { usage, word } => (
            if dutch {
                Text::new()
                    .text("De periode ")
                    .code(word)
                    .text(" begrijp ik niet.")
            } else {
                Text::new()
                    .text("I do not understand the period ")
                    .code(word)
                    .text(".")
            },
            *usage,
        ),
        CommandError::UnknownInfoKind { usage, word } => {
            (
                if dutch {
                    Text::new().text("De soort gegevens ").code(word).text(" ken ik niet. Kies chat, geschiedenis, afspraken, vragenlijsten, consult of gegevens.")
                } else {
                    Text::new().text("I do not know the kind of information ").code(word).text(". Choose chat, history, appointments, questionnaires, consult or data.")
                },
                *usage,
            )
        }
        CommandError::BadDate { usage, word } => {
            (
                if dutch {
                    Text::new().text("De datum ").code(word).text(" begrijp ik niet. Schrijf hem als jaar-maand-dag, bijvoorbeeld 2026-12-31.")
                } else {
                    Text::new()
                        .text("I do not understand the date ")
                        .code(word)
                        .text(". Write it as year-month-day, for example 2026-12-31.")
                },
                *usage,
            )
        }
        CommandError::BadNumber { usage } => (
            if dutch {
                Text::new().text("Ik zie geen geldig nummer van een voorstel.")
            } else {
                Text::new().text("I do not see a valid proposal number.")
            },
            *usage,
        ),
        // The others have their own answers (`command_error`).
        _ => return Builder::new().build(),
    };
    let how = if dutch {
        "Zo typt u het: "
    } else {
        "This is how to type it: "
    };
    let nothing = if dutch {
        " Er is niets veranderd."
    } else {
        " Nothing has changed."
    };
    Builder::new()
        .rich(problem.text(nothing))
        .rich(Text::new().text(how).code(usage.get(language)))
        .build()
}
