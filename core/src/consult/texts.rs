//! What the bot says about consults, in Dutch (B1) and English: the line the network room and
//! `!netwerk` show (who was asked, and by when), overdue, and what a crisis needs instead.

use crate::language::Language;
use crate::messages::{BotReply, Builder, Person, Text, day_in_words};
use crate::network::Millis;

/// The day an answer is due, from the instant that day is over.
fn due_day(language: Language, due_at: Millis) -> String {
    day_in_words(language, due_at - 1)
}

/// "Advies gevraagd aan Piet, antwoord uiterlijk donderdag 11 maart 2027." Seen by the network,
/// the client too: that advice was asked and when it is due, never what about.
pub fn consult_asked(language: Language, consultant: &Person, due_at: Option<Millis>) -> Text {
    let dutch = language == Language::Dutch;
    let text = Text::new()
        .text(if dutch {
            "Advies gevraagd aan "
        } else {
            "Advice asked of "
        })
        .person(consultant);
    match due_at {
        Some(due_at) if dutch => text.text(&format!(
            ", antwoord uiterlijk {}.",
            due_day(language, due_at)
        )),
        Some(due_at) => text.text(&format!(", answer by {}.", due_day(language, due_at))),
        None if dutch => text.text(", wacht op toestemming van de cliënt."),
        None => text.text(", waiting for the client's consent."),
    }
}

/// [`consult_asked`] as the network room's notice.
pub fn consult_asked_notice(
    language: Language,
    consultant: &Person,
    due_at: Option<Millis>,
) -> BotReply {
    Builder::new()
        .rich(consult_asked(language, consultant, due_at))
        .build()
}

/// The deadline passed without an answer: to the requester (and the region's contact).
pub fn consult_overdue(language: Language, consultant: &Person, due_at: Millis) -> BotReply {
    let dutch = language == Language::Dutch;
    Builder::new()
        .rich(
            Text::new()
                .text(if dutch {
                    "Het advies van "
                } else {
                    "The advice of "
                })
                .person(consultant)
                .text(&if dutch {
                    format!(
                        " had er uiterlijk {} moeten zijn. Het is nog niet gegeven.",
                        due_day(language, due_at)
                    )
                } else {
                    format!(
                        " was due by {}. It has not been given yet.",
                        due_day(language, due_at)
                    )
                }),
        )
        .build()
}

/// A crisis is no consult: where to go instead, plainly.
pub fn consult_not_for_crisis(language: Language) -> BotReply {
    Builder::new()
        .paragraph(match language {
            Language::Dutch => {
                "Bij een crisis is een consult niet de weg: het antwoord kan dagen duren. Bel de crisisdienst, of 112 bij direct gevaar."
            }
            Language::English => {
                "In a crisis a consult is not the way: the answer can take days. Call the crisis service, or 112 in immediate danger."
            }
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MatrixId;
    use chrono::TimeZone;

    fn end_of(year: i32, month: u32, day: u32) -> Millis {
        crate::time::LOCAL_TIME_ZONE
            .with_ymd_and_hms(year, month, day, 0, 0, 0)
            .unwrap()
            .with_timezone(&chrono::Utc)
            .timestamp_millis()
            + 24 * 3_600_000
    }

    #[test]
    fn the_network_reads_who_was_asked_and_the_day_it_is_due() {
        let piet = Person::new(MatrixId::parse("@piet:kring.test").unwrap(), Some("Piet"));
        // Due when Thursday 11 March 2027 is over (winter time).
        let due = end_of(2027, 3, 11);
        let dutch = consult_asked(Language::Dutch, &piet, Some(due));
        assert_eq!(
            dutch.plain,
            "Advies gevraagd aan Piet, antwoord uiterlijk donderdag 11 maart 2027."
        );
        let english = consult_asked(Language::English, &piet, Some(due));
        assert_eq!(
            english.plain,
            "Advice asked of Piet, answer by Thursday 11 March 2027."
        );
        assert!(
            consult_asked(Language::Dutch, &piet, None)
                .plain
                .contains("toestemming")
        );
        let overdue = consult_overdue(Language::Dutch, &piet, due);
        assert!(
            overdue.plain.contains("donderdag 11 maart"),
            "{}",
            overdue.plain
        );
        for language in [Language::Dutch, Language::English] {
            assert!(consult_not_for_crisis(language).plain.contains("112"));
        }
    }
}
