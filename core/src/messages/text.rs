//! Pieces of bot text that carry both forms at once: plain for `body`, HTML for `formatted_body`.

use super::escape_html;
use crate::language::Language;
use crate::matrix_id::MatrixId;
use crate::network::Millis;
use chrono::{Datelike, TimeZone, Timelike};

/// Someone a message talks about: their id (for the mention pill) and the name to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: MatrixId,
    /// The display name in the room, or the id's name part when they have none.
    pub name: String,
}

impl Person {
    /// Display names are chosen by their owners: control characters and the invisible ones that
    /// turn text around or hide in it (bidi overrides and isolates, zero-width characters) are
    /// taken out, so a name cannot make a message read as something else.
    pub fn new(id: MatrixId, display_name: Option<&str>) -> Self {
        let name = display_name
            .map(|name| {
                name.chars()
                    .filter(|c| !c.is_control() && !is_invisible_formatting(*c))
                    .take(60)
                    .collect::<String>()
            })
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| id.localpart().to_owned());
        Self { id, name }
    }

    /// Whether the name shown is the account's own name part, so the id adds nothing.
    fn named_by_id(&self) -> bool {
        self.name == self.id.localpart()
    }

    /// The name with the Matrix ID beside it when the two differ: for prompts and poll answers,
    /// where a display name alone could pass for someone else.
    pub fn name_with_id(&self) -> String {
        if self.named_by_id() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.id)
        }
    }
}

/// Bidi embeddings, overrides, isolates and marks, zero-width characters and the byte-order mark.
fn is_invisible_formatting(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{E0000}'..='\u{E007F}')
}

/// Whom a consent is about, as a message names it: a person (a mention pill) or an
/// organisation (its name in bold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Person(Person),
    Organisation(String),
}

/// A run of text with bold parts, code and mentions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text {
    pub plain: String,
    pub html: String,
}

impl Text {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn text(mut self, text: &str) -> Self {
        self.plain.push_str(text);
        self.html.push_str(&escape_html(text));
        self
    }

    pub fn bold(mut self, text: &str) -> Self {
        self.plain.push_str(text);
        self.html
            .push_str(&format!("<strong>{}</strong>", escape_html(text)));
        self
    }

    pub fn code(mut self, text: &str) -> Self {
        self.plain.push_str(text);
        self.html
            .push_str(&format!("<code>{}</code>", escape_html(text)));
        self
    }

    /// A mention: Element shows it as a pill with the person's name.
    pub fn person(mut self, person: &Person) -> Self {
        self.plain.push_str(&person.name);
        self.html.push_str(&format!(
            "<a href=\"https://matrix.to/#/{}\">{}</a>",
            escape_html(person.id.as_str()),
            escape_html(&person.name)
        ));
        self
    }

    /// A mention with the Matrix ID beside the name (see [`Person::name_with_id`]).
    pub fn person_with_id(self, person: &Person) -> Self {
        let with_mention = self.person(person);
        if person.named_by_id() {
            with_mention
        } else {
            with_mention.text(&format!(" ({})", person.id))
        }
    }

    /// Appends another run.
    pub fn who(self, who: &Who) -> Self {
        match who {
            Who::Person(person) => self.person(person),
            Who::Organisation(name) => self.bold(name),
        }
    }

    pub fn merge(mut self, other: Text) -> Self {
        self.plain.push_str(&other.plain);
        self.html.push_str(&other.html);
        self
    }

    pub fn link(mut self, url: &str) -> Self {
        self.plain.push_str(url);
        self.html.push_str(&format!(
            "<a href=\"{}\">{}</a>",
            escape_html(url),
            escape_html(url)
        ));
        self
    }
}

pub(crate) const DUTCH_MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
pub(crate) const ENGLISH_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A day and a time of day, in Dutch time: "23 november 2026 om 14:32".
pub fn date_and_time(language: Language, at: Millis) -> String {
    let Some(utc) = chrono::Utc.timestamp_millis_opt(at).single() else {
        return String::from("?");
    };
    let local = utc.with_timezone(&chrono_tz::Europe::Amsterdam);
    let at_word = match language {
        Language::Dutch => "om",
        Language::English => "at",
    };
    format!(
        "{} {at_word} {:02}:{:02}",
        date(language, at),
        local.hour(),
        local.minute()
    )
}

/// A calendar day as people in the Netherlands read it ("23 november 2026"), in Dutch time.
/// The name of a day of the week.
pub fn weekday_name(language: Language, weekday: chrono::Weekday) -> &'static str {
    let index = weekday.num_days_from_monday() as usize;
    match language {
        Language::Dutch => [
            "maandag",
            "dinsdag",
            "woensdag",
            "donderdag",
            "vrijdag",
            "zaterdag",
            "zondag",
        ][index],
        Language::English => [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][index],
    }
}

/// "donderdag 11 maart 2027": the day `at` falls on, in Dutch time.
pub fn day_in_words(language: Language, at: Millis) -> String {
    let Some(utc) = chrono::Utc.timestamp_millis_opt(at).single() else {
        return String::from("?");
    };
    let local = utc.with_timezone(&chrono_tz::Europe::Amsterdam);
    format!(
        "{} {}",
        weekday_name(language, local.weekday()),
        date(language, at)
    )
}

pub fn date(language: Language, at: Millis) -> String {
    let Some(utc) = chrono::Utc.timestamp_millis_opt(at).single() else {
        return String::from("?");
    };
    let local = utc.with_timezone(&chrono_tz::Europe::Amsterdam);
    let months = match language {
        Language::Dutch => &DUTCH_MONTHS,
        Language::English => &ENGLISH_MONTHS,
    };
    format!(
        "{} {} {}",
        local.day(),
        months[local.month0() as usize],
        local.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_escape_names() {
        let person = Person::new(
            MatrixId::parse("@piet:kring.test").unwrap(),
            Some("<b>Piet</b>"),
        );
        let text = Text::new().text("Hallo ").person(&person);
        assert_eq!(text.plain, "Hallo <b>Piet</b>");
        assert_eq!(
            text.html,
            "Hallo <a href=\"https://matrix.to/#/@piet:kring.test\">&lt;b&gt;Piet&lt;/b&gt;</a>"
        );
        let nameless = Person::new(MatrixId::parse("@piet:kring.test").unwrap(), Some("  "));
        assert_eq!(nameless.name, "piet");
    }

    #[test]
    fn dates_are_dutch_local_days() {
        // 2026-11-23 23:30 UTC is already the 24th in Amsterdam (UTC+1 in winter).
        let late_evening = 1_795_476_600_000;
        assert_eq!(date(Language::Dutch, late_evening), "24 november 2026");
        assert_eq!(date(Language::English, late_evening), "24 November 2026");
        // Summer time is UTC+2: 2026-07-01 21:30 UTC is 23:30 on the 1st.
        assert_eq!(date(Language::Dutch, 1_782_941_400_000), "1 juli 2026");
        assert_eq!(
            date_and_time(Language::Dutch, late_evening),
            "24 november 2026 om 00:30"
        );
        assert_eq!(
            date_and_time(Language::English, 1_782_941_400_000),
            "1 July 2026 at 23:30"
        );
    }
}

#[cfg(test)]
mod person_tests {
    use super::*;

    fn anna() -> MatrixId {
        MatrixId::parse("@anna:kring.test").unwrap()
    }

    #[test]
    fn a_display_name_cannot_hide_or_turn_text() {
        let sneaky = "Anna\u{202E}tneilc\u{202C} \u{200B}(cliënt)\u{0007}\u{2028}\u{E0041}";
        let person = Person::new(anna(), Some(sneaky));
        assert_eq!(person.name, "Annatneilc (cliënt)");
        assert!(
            person
                .name
                .chars()
                .all(|c| !c.is_control() && !is_invisible_formatting(c))
        );
        // Nothing left: the account's own name.
        assert_eq!(Person::new(anna(), Some("\u{202E}\u{200B} ")).name, "anna");
    }

    #[test]
    fn the_id_stands_beside_a_chosen_name() {
        let chosen = Person::new(anna(), Some("Dokter Jansen"));
        assert_eq!(chosen.name_with_id(), "Dokter Jansen (@anna:kring.test)");
        let text = Text::new().person_with_id(&chosen);
        assert_eq!(text.plain, "Dokter Jansen (@anna:kring.test)");
        assert!(text.html.contains("matrix.to/#/@anna:kring.test"));
        let plain = Person::new(anna(), None);
        assert_eq!(plain.name_with_id(), "anna");
        assert_eq!(Text::new().person_with_id(&plain).plain, "anna");
    }
}
