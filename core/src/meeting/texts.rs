//! What the bot says about meeting moments, in Dutch (B1) and English: a moment in words, and
//! why a typed moment or a round of them cannot be used, with what to type instead.

use super::moment::{
    AT_MOST_DAYS_AHEAD, CandidatesError, FEWEST_CANDIDATES, MOST_CANDIDATES, Moment, MomentError,
};
use crate::language::Language;
use crate::messages::{BotReply, Builder, date, weekday_name};
use crate::time::{LOCAL_TIME_ZONE, from_millis};
use chrono::{Datelike, Timelike};

/// "dinsdag 14 december 2027, 14:00–15:30" in Dutch time.
pub fn moment_in_words(language: Language, moment: &Moment) -> String {
    let (Some(start), Some(end)) = (from_millis(moment.starts_at), from_millis(moment.ends_at()))
    else {
        return String::from("?");
    };
    let start = start.with_timezone(&LOCAL_TIME_ZONE);
    let end = end.with_timezone(&LOCAL_TIME_ZONE);
    format!(
        "{} {}, {:02}:{:02}–{:02}:{:02}",
        weekday_name(language, start.weekday()),
        date(language, moment.starts_at),
        start.hour(),
        start.minute(),
        end.hour(),
        end.minute()
    )
}

/// Why `typed` is not a moment the bot can offer, and how to write one.
pub fn moment_refused(language: Language, typed: &str, error: MomentError) -> BotReply {
    let reason = match (language, error) {
        (Language::Dutch, MomentError::Unreadable) => {
            "Ik kan hier geen dag en tijd in lezen.".to_owned()
        }
        (Language::English, MomentError::Unreadable) => {
            "I cannot read a day and a time in this.".to_owned()
        }
        (Language::Dutch, MomentError::NoSuchDate { day, month, year }) => {
            format!("De datum {day}-{month}-{year} bestaat niet.")
        }
        (Language::English, MomentError::NoSuchDate { day, month, year }) => {
            format!("The date {day}-{month}-{year} does not exist.")
        }
        (Language::Dutch, MomentError::NoSuchTime { hour, minute }) => {
            format!("De tijd {hour}:{minute:02} bestaat niet.")
        }
        (Language::English, MomentError::NoSuchTime { hour, minute }) => {
            format!("The time {hour}:{minute:02} does not exist.")
        }
        (Language::Dutch, MomentError::WrongWeekday { stated, actual }) => format!(
            "Die dag is een {}, geen {}.",
            weekday_name(language, actual),
            weekday_name(language, stated)
        ),
        (Language::English, MomentError::WrongWeekday { stated, actual }) => format!(
            "That day is a {}, not a {}.",
            weekday_name(language, actual),
            weekday_name(language, stated)
        ),
        (Language::Dutch, MomentError::SkippedByClockChange) => {
            "Die tijd bestaat die nacht niet: de klok gaat dan van 2:00 naar 3:00.".to_owned()
        }
        (Language::English, MomentError::SkippedByClockChange) => {
            "That time does not exist that night: the clocks go from 2:00 to 3:00.".to_owned()
        }
        (Language::Dutch, MomentError::InThePast) => "Dat moment is al voorbij.".to_owned(),
        (Language::English, MomentError::InThePast) => "That moment has passed.".to_owned(),
        (Language::Dutch, MomentError::TooFarAhead) => {
            format!("Dat is meer dan {AT_MOST_DAYS_AHEAD} dagen vooruit. Klopt het jaar?")
        }
        (Language::English, MomentError::TooFarAhead) => {
            format!("That is more than {AT_MOST_DAYS_AHEAD} days ahead. Is the year right?")
        }
    };
    let (lead, example) = match language {
        Language::Dutch => (
            format!("“{}”: ", typed.trim()),
            "Schrijf een moment zo: dinsdag 14 december 14:00 (of 14-12 14:00).",
        ),
        Language::English => (
            format!("“{}”: ", typed.trim()),
            "Write a moment like this: Tuesday 14 December 14:00 (or 14-12 14:00).",
        ),
    };
    Builder::new()
        .lead(&lead, &reason)
        .paragraph(example)
        .build()
}

/// Why a round of candidate moments cannot be offered.
pub fn candidates_refused(language: Language, error: CandidatesError) -> BotReply {
    let text = match (language, error) {
        (Language::Dutch, CandidatesError::TooFew) => {
            format!("Geef minstens {FEWEST_CANDIDATES} momenten, zodat mensen kunnen kiezen.")
        }
        (Language::English, CandidatesError::TooFew) => {
            format!("Give at least {FEWEST_CANDIDATES} moments, so people can choose.")
        }
        (Language::Dutch, CandidatesError::TooMany) => {
            format!("Geef hoogstens {MOST_CANDIDATES} momenten; meer is lastig kiezen.")
        }
        (Language::English, CandidatesError::TooMany) => {
            format!("Give at most {MOST_CANDIDATES} moments; more is hard to choose from.")
        }
        (Language::Dutch, CandidatesError::Overlap { first, second }) => format!(
            "Moment {} en moment {} vallen (deels) samen. Kies voor een van beide een andere tijd.",
            first + 1,
            second + 1
        ),
        (Language::English, CandidatesError::Overlap { first, second }) => format!(
            "Moment {} and moment {} overlap. Choose another time for one of them.",
            first + 1,
            second + 1
        ),
    };
    Builder::new().paragraph(&text).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_moment_is_said_in_dutch_time_with_its_weekday() {
        let moment = Moment {
            starts_at: Utc
                .with_ymd_and_hms(2027, 12, 14, 13, 0, 0)
                .unwrap()
                .timestamp_millis(),
            minutes: 90,
        };
        assert_eq!(
            moment_in_words(Language::Dutch, &moment),
            "dinsdag 14 december 2027, 14:00–15:30"
        );
        assert_eq!(
            moment_in_words(Language::English, &moment),
            "Tuesday 14 December 2027, 14:00–15:30"
        );
    }

    #[test]
    fn every_refusal_names_the_reason_and_how_to_write_it_in_both_languages() {
        use chrono::Weekday;
        let errors = [
            MomentError::Unreadable,
            MomentError::NoSuchDate {
                day: 31,
                month: 2,
                year: 2028,
            },
            MomentError::NoSuchTime {
                hour: 25,
                minute: 0,
            },
            MomentError::WrongWeekday {
                stated: Weekday::Wed,
                actual: Weekday::Tue,
            },
            MomentError::SkippedByClockChange,
            MomentError::InThePast,
            MomentError::TooFarAhead,
        ];
        for language in [Language::Dutch, Language::English] {
            let mut reasons = std::collections::HashSet::new();
            for error in errors {
                let reply = moment_refused(language, " 31 februari 2028 14:00 ", error);
                assert!(
                    reply.plain.starts_with("“31 februari 2028 14:00”: "),
                    "{reply:?}"
                );
                assert!(reply.plain.contains("14-12 14:00"), "{reply:?}");
                assert!(reasons.insert(reply.plain), "each reason is its own");
            }
        }
        assert!(
            moment_refused(Language::Dutch, "<b>", MomentError::Unreadable)
                .html
                .contains("&lt;b&gt;")
        );
        let wrong_day = moment_refused(
            Language::Dutch,
            "wo 14 dec 14:00",
            MomentError::WrongWeekday {
                stated: Weekday::Wed,
                actual: Weekday::Tue,
            },
        );
        assert!(wrong_day.plain.contains("een dinsdag, geen woensdag"));
        let overlap = candidates_refused(
            Language::English,
            CandidatesError::Overlap {
                first: 0,
                second: 2,
            },
        );
        assert!(overlap.plain.contains("Moment 1 and moment 3 overlap"));
    }
}
