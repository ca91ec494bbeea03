//! Every text a bot sends, in Dutch (B1) and English, with its plain and HTML form side by side.
//! This is the one place bot wording lives, so the two languages never drift apart.

mod arguments;
mod text;

// Each capability's texts live in its own folder; the bots find them all here.
pub use crate::basics::{StatusReport, chat_hint, direct_chat_greeting, help, status};
pub use crate::consent::texts::*;
pub use crate::language::language_set;
pub use crate::logbook::texts::*;
pub use crate::network::texts::*;
pub(crate) use text::{DUTCH_MONTHS, ENGLISH_MONTHS};
pub use text::{Person, Text, Who, date, date_and_time, day_in_words, weekday_name};

use crate::command::{CommandError, MAX_COMMAND_BYTES};
use crate::language::Language;

/// A message ready to send: `plain` for clients and notifications, `html` for Element.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BotReply {
    pub plain: String,
    pub html: String,
}

/// What one bot message may carry: plain and HTML together, measured as they travel (escaped
/// for JSON). Synapse refuses events over 64 KiB; encryption turns the content into base64
/// (a third bigger) inside an envelope of about 1.5 KiB, so 40 000 bytes stay below 55 KiB.
pub const MAX_REPLY_BYTES: usize = 40_000;

impl BotReply {
    /// The bodies' size in the event's JSON, where `"`, `\` and control characters grow.
    pub fn json_bytes(&self) -> usize {
        let escaped =
            |text: &str| serde_json::to_string(text).map_or(usize::MAX, |json| json.len());
        escaped(&self.plain).saturating_add(escaped(&self.html))
    }

    /// The reply as it can be sent: a text too long for one event is cut (at a character
    /// boundary) with a note that it was, instead of failing to send at all.
    pub fn fitted(self) -> Self {
        if self.json_bytes() <= MAX_REPLY_BYTES {
            return self;
        }
        const NOTE: &str =
            "… (ingekort: te lang voor één bericht / shortened: too long for one message)";
        let mut cut = self.plain.len().min(MAX_REPLY_BYTES);
        loop {
            while !self.plain.is_char_boundary(cut) {
                cut -= 1;
            }
            let plain = format!("{}{NOTE}", &self.plain[..cut]);
            let html = format!("<p>{}</p>", escape_html(&plain)).replace('\n', "<br>");
            let fitted = Self { plain, html };
            let size = fitted.json_bytes();
            if size <= MAX_REPLY_BYTES || cut == 0 {
                return fitted;
            }
            // Shrink in proportion to the overshoot (escaping makes some text grow more).
            cut = (cut * MAX_REPLY_BYTES / size).min(cut - 1);
        }
    }
}

/// A poll ready to send: its question and answers (id, text), plain text as MSC3381 wants.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PollText {
    pub question: String,
    pub answers: Vec<(String, String)>,
}

/// Builds a reply from paragraphs and lists, keeping the plain and HTML forms together.
pub(crate) struct Builder {
    plain: Vec<String>,
    html: Vec<String>,
}

impl Builder {
    pub(crate) fn new() -> Self {
        Self {
            plain: Vec::new(),
            html: Vec::new(),
        }
    }

    /// A paragraph whose first part is bold.
    pub(crate) fn lead(mut self, bold: &str, rest: &str) -> Self {
        self.plain.push(format!("{bold}{rest}"));
        self.html.push(format!(
            "<p><strong>{}</strong>{}</p>",
            escape_html(bold),
            escape_html(rest)
        ));
        self
    }

    pub(crate) fn paragraph(mut self, text: &str) -> Self {
        self.plain.push(text.to_owned());
        self.html.push(format!("<p>{}</p>", escape_html(text)));
        self
    }

    /// A list of (command, explanation) pairs.
    pub(crate) fn commands(mut self, items: &[(&str, &str)]) -> Self {
        let plain: Vec<String> = items.iter().map(|(c, e)| format!("- {c}: {e}")).collect();
        self.plain.push(plain.join("\n"));
        let html: String = items
            .iter()
            .map(|(c, e)| {
                format!(
                    "<li><code>{}</code>: {}</li>",
                    escape_html(c),
                    escape_html(e)
                )
            })
            .collect();
        self.html.push(format!("<ul>{html}</ul>"));
        self
    }

    /// A paragraph with bold parts and mentions.
    pub(crate) fn rich(mut self, text: Text) -> Self {
        self.plain.push(text.plain);
        self.html.push(format!("<p>{}</p>", text.html));
        self
    }

    /// A bulleted list of rich items; nothing at all when `items` is empty.
    pub(crate) fn list(mut self, items: Vec<Text>) -> Self {
        if items.is_empty() {
            return self;
        }
        let plain: Vec<String> = items
            .iter()
            .map(|item| format!("- {}", item.plain))
            .collect();
        self.plain.push(plain.join("\n"));
        let html: String = items
            .iter()
            .map(|item| format!("<li>{}</li>", item.html))
            .collect();
        self.html.push(format!("<ul>{html}</ul>"));
        self
    }

    pub(crate) fn build(self) -> BotReply {
        BotReply {
            plain: self.plain.join("\n\n"),
            html: self.html.join(""),
        }
    }
}

pub fn command_error(language: Language, error: &CommandError) -> BotReply {
    match (language, error) {
        (
            _,
            CommandError::Incomplete { .. }
            | CommandError::BadMatrixId { .. }
            | CommandError::BadRole { .. }
            | CommandError::BadNumber { .. }
            | CommandError::BadPeriod { .. }
            | CommandError::UnknownInfoKind { .. }
            | CommandError::BadDate { .. },
        ) => arguments::argument_error(language, error),
        (Language::Dutch, CommandError::TooLong { .. }) => Builder::new()
            .lead("Dit bericht is te lang voor een opdracht.", "")
            .paragraph(&format!("Een opdracht mag hoogstens {MAX_COMMAND_BYTES} tekens zijn. Ik heb er niets mee gedaan. Typ !hulp om te zien welke opdrachten er zijn."))
            .build(),
        (Language::English, CommandError::TooLong { .. }) => Builder::new()
            .lead("This message is too long for a command.", "")
            .paragraph(&format!("A command may be at most {MAX_COMMAND_BYTES} characters. I did nothing with it. Type !help to see which commands exist."))
            .build(),
        (Language::Dutch, CommandError::Unknown { name }) => Builder::new()
            .lead("Die opdracht ken ik niet", &unknown_quote(name))
            .paragraph("Typ !hulp om te zien wat ik kan. (English: type !help en)")
            .build(),
        (Language::English, CommandError::Unknown { name }) => Builder::new()
            .lead("I do not know that command", &unknown_quote(name))
            .paragraph("Type !help to see what I can do. (Nederlands: typ !hulp)")
            .build(),
        (Language::Dutch, CommandError::MissingLanguage | CommandError::UnknownLanguage { .. }) => {
            Builder::new()
                .paragraph("Welke taal wilt u? Typ !taal nl voor Nederlands of !taal en voor Engels.")
                .build()
        }
        (Language::English, CommandError::MissingLanguage | CommandError::UnknownLanguage { .. }) => {
            Builder::new()
                .paragraph("Which language would you like? Type !taal en for English or !taal nl for Dutch.")
                .build()
        }
    }
}

fn unknown_quote(name: &str) -> String {
    if name.is_empty() {
        ".".to_owned()
    } else {
        format!(": !{name}.")
    }
}

/// A message the bot could not decrypt and gave up waiting for the key of: said in the room, so
/// that a lost message does not pass in silence.
pub fn could_not_read(
    language: Language,
    sender: &Person,
    sent_at: crate::network::Millis,
) -> BotReply {
    let when = date_and_time(language, sent_at);
    match language {
        Language::Dutch => Builder::new()
            .lead("Ik kon een bericht niet lezen.", "")
            .rich(
                Text::new()
                    .text("Het bericht van ")
                    .person(sender)
                    .text(&format!(
                        " van {when} kwam versleuteld aan, maar de sleutel om het te openen kwam niet bij mij aan."
                    )),
            )
            .paragraph("Was het voor mij bedoeld? Stuur het dan nog een keer.")
            .build(),
        Language::English => Builder::new()
            .lead("I could not read a message.", "")
            .rich(
                Text::new()
                    .text("The message from ")
                    .person(sender)
                    .text(&format!(
                        " of {when} arrived encrypted, but the key to open it never reached me."
                    )),
            )
            .paragraph("Was it meant for me? Then please send it again.")
            .build(),
    }
}

/// The answer to an input the bot did not act on because of how it arrived
/// (`crate::trust`). It goes to the sender's private chat, which only their confirmed devices
/// can read, so it also warns them if the device was not theirs.
pub fn untrusted_input(language: Language, distrust: crate::trust::Distrust) -> BotReply {
    use crate::trust::Distrust;
    match (language, distrust) {
        (Language::Dutch, Distrust::NotEncrypted) => Builder::new()
            .lead("Ik heb uw bericht niet uitgevoerd.", " Het kwam niet versleuteld bij mij aan.")
            .paragraph("Ik voer alleen opdrachten uit die versleuteld zijn verstuurd vanaf een apparaat dat u zelf hebt bevestigd. Zo kan niemand anders namens u iets veranderen.")
            .paragraph("Stuurde u het zelf? Gebruik dan Element op een bevestigd apparaat. Stuurde u het niet? Wijzig dan uw wachtwoord en meld u af op de apparaten die u niet kent.")
            .build(),
        (Language::English, Distrust::NotEncrypted) => Builder::new()
            .lead("I did not carry out your message.", " It did not reach me encrypted.")
            .paragraph("I only carry out commands sent encrypted from a device you confirmed yourself. That way nobody else can change anything in your name.")
            .paragraph("Did you send it? Then use Element on a confirmed device. Did you not? Then change your password and sign out the devices you do not know.")
            .build(),
        (Language::Dutch, Distrust::UnconfirmedDevice) => Builder::new()
            .lead("Ik heb uw bericht niet uitgevoerd.", " Het kwam van een apparaat dat u nog niet hebt bevestigd.")
            .paragraph("Was u dat? Bevestig dit apparaat dan eerst in Element (met uw herstelsleutel of met een ander apparaat van u) en stuur het bericht opnieuw.")
            .paragraph("Was u het niet? Dan heeft iemand anders zich met uw account aangemeld. Wijzig uw wachtwoord en meld dat apparaat af in Element (Instellingen, Sessies).")
            .build(),
        (Language::English, Distrust::UnconfirmedDevice) => Builder::new()
            .lead("I did not carry out your message.", " It came from a device you have not confirmed yet.")
            .paragraph("Was that you? Then first confirm this device in Element (with your recovery key or another device of yours) and send the message again.")
            .paragraph("Was it not you? Then someone else signed in with your account. Change your password and sign that device out in Element (Settings, Sessions).")
            .build(),
        (Language::Dutch, Distrust::ChangedIdentity) => Builder::new()
            .lead("Ik heb uw bericht niet uitgevoerd.", " Uw beveiligingssleutels zijn veranderd sinds u ze liet controleren.")
            .paragraph("Dat gebeurt bijvoorbeeld met een nieuwe telefoon of een verloren herstelsleutel. Zolang dat niet is nagegaan, voer ik geen opdrachten van u uit. De beheerder van uw regio kan nagaan dat u het echt bent.")
            .build(),
        (Language::English, Distrust::ChangedIdentity) => Builder::new()
            .lead("I did not carry out your message.", " Your security keys changed after they were checked.")
            .paragraph("That happens with a new phone or a lost recovery key, for instance. Until that is checked, I carry out no commands from you. Your region's administrator can check that it is really you.")
            .build(),
    }
}

/// A date and a time of day, Dutch time, as the logs show it.
pub(crate) fn date_time(language: Language, at: crate::network::Millis) -> String {
    use chrono::{TimeZone, Timelike};
    let time = chrono::Utc
        .timestamp_millis_opt(at)
        .single()
        .map(|utc| utc.with_timezone(&chrono_tz::Europe::Amsterdam))
        .map(|local| format!("{:02}:{:02}", local.hour(), local.minute()))
        .unwrap_or_default();
    format!("{} {time}", date(language, at))
}

pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proposed_professional_comes_with_what_their_organisation_may_see() {
        use crate::consent::InfoKind;
        use crate::network::ProposalKind;
        let person = |name: &str| {
            Person::new(
                crate::MatrixId::parse(&format!("@{name}:kring.test")).unwrap(),
                None,
            )
        };
        let kind = ProposalKind::Invite {
            user: crate::MatrixId::parse("@nieuw:kring.test").unwrap(),
            role: crate::Role::Professional {
                organisation: "Praktijk De Linde".into(),
                discipline: "huisarts".into(),
            },
        };
        let prompt = |may: &[InfoKind]| {
            proposal_prompt(
                Language::Dutch,
                1,
                &person("gp"),
                &person("client"),
                &kind,
                Some(&person("nieuw")),
                may,
            )
            .plain
        };
        let told = prompt(&[InfoKind::Appointments]);
        assert!(
            told.contains("Praktijk De Linde mag nu al zien: ")
                && told.contains(info_kind_label(Language::Dutch, InfoKind::Appointments))
                && told.contains("Klopt het dat die persoon daar werkt?"),
            "{told}"
        );
        assert!(!prompt(&[]).contains("mag nu al zien"));
    }

    #[test]
    fn a_reply_too_long_for_one_event_is_cut_with_a_note() {
        let short = BotReply {
            plain: "kort".into(),
            html: "<p>kort</p>".into(),
        };
        assert_eq!(short.clone().fitted(), short);
        let long_text = "é".repeat(MAX_REPLY_BYTES);
        let long = BotReply {
            plain: long_text.clone(),
            html: format!("<p>{long_text}</p>"),
        };
        let fitted = long.fitted();
        assert!(fitted.json_bytes() <= MAX_REPLY_BYTES);
        assert!(fitted.plain.starts_with("éé") && fitted.plain.contains("ingekort"));
        assert!(fitted.html.contains("ingekort"));
        // Characters that grow when escaped (JSON, then HTML) still fit, with most kept.
        for grows in ['"', '<', '\n', '\u{1}', '&'] {
            let text: String = std::iter::repeat_n(grows, MAX_REPLY_BYTES).collect();
            let html = escape_html(&text);
            let fitted = BotReply { plain: text, html }.fitted();
            assert!(fitted.json_bytes() <= MAX_REPLY_BYTES, "{grows:?}");
            assert!(
                fitted.json_bytes() > MAX_REPLY_BYTES / 2,
                "{grows:?} cut too much"
            );
        }
    }

    #[test]
    fn help_lists_every_command_in_both_languages() {
        for language in [Language::Dutch, Language::English] {
            let reply = help(language);
            assert!(reply.plain.contains("!status"));
            assert!(reply.html.contains("<code>!status</code>"));
            assert!(reply.plain.contains("!taal"));
            assert!(reply.plain.contains("!start"));
            assert!(reply.plain.contains("!link"));
        }
        assert!(help(Language::Dutch).plain.contains("versleuteld"));
        assert!(help(Language::English).plain.contains("encrypted"));
    }

    #[test]
    fn the_log_tells_a_refused_attempt_from_a_refusal_by_the_client() {
        let entry = |event_type: &str, outcome: &str| crate::audit::AuditEntry {
            seq: 1,
            at: 1_795_000_000_000,
            network_id: "net".into(),
            event_type: event_type.into(),
            actor: "@piet:kring.test".into(),
            on_behalf_of: None,
            object: Some("@anna:kring.test".into()),
            outcome: outcome.into(),
            cause_event_id: "$e".into(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        let person = |id: &str| {
            Person::new(
                crate::MatrixId::parse(id)
                    .unwrap_or_else(|_| crate::MatrixId::parse("@x:y").unwrap()),
                None,
            )
        };
        let log = |entries: &[crate::audit::AuditEntry]| {
            logbook(Language::Dutch, entries, 30, &person).plain
        };
        let attempt = log(&[entry("consent.give.appointments", "refused")]);
        assert!(
            attempt.contains("piet probeerde toestemming te geven (anna), maar dat mocht niet"),
            "{attempt}"
        );
        let given = log(&[entry("consent.give.appointments", "done")]);
        assert!(
            given.contains("piet gaf anna toestemming voor afspraken"),
            "{given}"
        );
        let refusal = log(&[entry("proposal.refuse", "refused")]);
        assert!(!refusal.contains("probeerde"), "{refusal}");
        let english = logbook(
            Language::English,
            &[entry("member.invite", "refused")],
            30,
            &person,
        )
        .plain;
        assert!(
            english.contains("piet tried to invite someone (anna), which was not allowed"),
            "{english}"
        );
    }

    #[test]
    fn unknown_command_is_quoted_back_escaped() {
        let reply = command_error(
            Language::Dutch,
            &CommandError::Unknown {
                name: "<b>x".into(),
            },
        );
        assert!(reply.plain.contains("!<b>x"));
        assert!(reply.html.contains("!&lt;b&gt;x"));
        assert!(!reply.html.contains("<b>x"));
    }

    #[test]
    fn status_says_plainly_when_something_is_wrong() {
        let report = StatusReport {
            version: "1.2.3".into(),
            homeserver_reachable: true,
            store_healthy: false,
        };
        let reply = status(Language::Dutch, &report);
        assert!(reply.plain.contains("probleem"));
        assert!(reply.plain.contains("opslag in orde: nee"));
        assert!(reply.plain.contains("1.2.3"));
        let healthy = StatusReport {
            store_healthy: true,
            ..report
        };
        assert!(
            status(Language::English, &healthy)
                .plain
                .starts_with("Kring is working.")
        );
    }

    #[test]
    fn a_lost_message_names_its_sender_and_time_in_both_languages() {
        let sender = Person::new(
            crate::MatrixId::parse("@anna:kring.test").unwrap(),
            Some("Anna"),
        );
        // 2026-11-23 13:32 UTC is 14:32 in Amsterdam.
        let sent = 1_795_440_720_000;
        let dutch = could_not_read(Language::Dutch, &sender, sent);
        assert!(
            dutch.plain.contains("Anna van 23 november 2026 om 14:32"),
            "{}",
            dutch.plain
        );
        assert!(dutch.html.contains("https://matrix.to/#/@anna:kring.test"));
        assert!(dutch.plain.contains("nog een keer"));
        let english = could_not_read(Language::English, &sender, sent);
        assert!(
            english.plain.contains("Anna of 23 November 2026 at 14:32"),
            "{}",
            english.plain
        );
    }

    #[test]
    fn too_long_names_the_limit() {
        let reply = command_error(Language::English, &CommandError::TooLong { length: 70000 });
        assert!(reply.plain.contains(&MAX_COMMAND_BYTES.to_string()));
    }
}
