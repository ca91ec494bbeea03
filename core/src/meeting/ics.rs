//! The `.ics` file that goes with an agreed meeting (RFC 5545, sent as an iTIP request or
//! cancellation, RFC 5546). Times are Europe/Amsterdam wall-clock times with the zone's
//! VTIMEZONE in the file (RFC 5545 §3.6.5 asks one for every TZID used), so a calendar shows
//! the time people agreed on whatever zone it is set to.

use crate::network::Millis;
use crate::time::{LOCAL_TIME_ZONE, from_millis};

/// What the file asks of a calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IcsMethod {
    /// Add the meeting, or update it if a file with the same UID and a lower SEQUENCE came
    /// before.
    Request,
    /// Remove it.
    Cancel,
}

/// One meeting as a calendar sees it. Nothing in it names the client: the summary is the
/// kind of meeting, the place is what the client chose to tell the invitees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent<'a> {
    /// Stable for the meeting's whole life: a change or cancellation refers to it.
    pub uid: &'a str,
    /// Raised with every change, so calendars take the newest.
    pub sequence: u32,
    /// When this version was made.
    pub stamped_at: Millis,
    pub starts_at: Millis,
    pub ends_at: Millis,
    pub summary: &'a str,
    pub location: Option<&'a str>,
    pub description: Option<&'a str>,
    /// The bot that sends it, as a URI (iTIP asks for an organiser): `matrix:u/kring:example.org`.
    pub organiser: &'a str,
    /// Who is invited, as URIs (`matrix:u/piet:example.org`): iTIP asks for them in a request
    /// and a cancellation, so that calendars apply it.
    pub attendees: &'a [String],
}

/// The Europe/Amsterdam rules in force since 1996: summer time from the last Sunday of March
/// 02:00 to the last Sunday of October 03:00.
const AMSTERDAM_VTIMEZONE: [&str; 18] = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Amsterdam",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19810329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19961027T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
    "",
];

/// The whole file, CRLF line ends, long lines folded.
pub fn calendar_file(event: &CalendarEvent<'_>, method: IcsMethod) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//Kring//Netwerkoverleg//NL".into(),
        "CALSCALE:GREGORIAN".into(),
        format!(
            "METHOD:{}",
            match method {
                IcsMethod::Request => "REQUEST",
                IcsMethod::Cancel => "CANCEL",
            }
        ),
    ];
    lines.extend(
        AMSTERDAM_VTIMEZONE
            .iter()
            .filter(|line| !line.is_empty())
            .map(|line| (*line).to_owned()),
    );
    lines.push("BEGIN:VEVENT".into());
    lines.push(format!("UID:{}", text_value(event.uid)));
    lines.push(format!("SEQUENCE:{}", event.sequence));
    lines.push(format!("DTSTAMP:{}", utc_value(event.stamped_at)));
    lines.push(format!(
        "DTSTART;TZID=Europe/Amsterdam:{}",
        local_value(event.starts_at)
    ));
    lines.push(format!(
        "DTEND;TZID=Europe/Amsterdam:{}",
        local_value(event.ends_at)
    ));
    lines.push(format!("SUMMARY:{}", text_value(event.summary)));
    if let Some(location) = event.location {
        lines.push(format!("LOCATION:{}", text_value(location)));
    }
    if let Some(description) = event.description {
        lines.push(format!("DESCRIPTION:{}", text_value(description)));
    }
    lines.push(format!("ORGANIZER;CN=Kring:{}", event.organiser));
    for attendee in event.attendees {
        lines.push(format!("ATTENDEE;ROLE=REQ-PARTICIPANT:{attendee}"));
    }
    lines.push(
        match method {
            IcsMethod::Request => "STATUS:CONFIRMED",
            IcsMethod::Cancel => "STATUS:CANCELLED",
        }
        .into(),
    );
    lines.push("END:VEVENT".into());
    lines.push("END:VCALENDAR".into());
    lines.iter().map(|line| fold(line)).collect()
}

/// `20271214T130000Z`.
fn utc_value(at: Millis) -> String {
    from_millis(at)
        .map(|utc| utc.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// `20271214T140000`, Amsterdam wall-clock time.
fn local_value(at: Millis) -> String {
    from_millis(at)
        .map(|utc| {
            utc.with_timezone(&LOCAL_TIME_ZONE)
                .format("%Y%m%dT%H%M%S")
                .to_string()
        })
        .unwrap_or_default()
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks escaped; other
/// control characters dropped.
fn text_value(text: &str) -> String {
    let mut value = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\\' => value.push_str("\\\\"),
            ';' => value.push_str("\\;"),
            ',' => value.push_str("\\,"),
            '\n' => value.push_str("\\n"),
            '\r' => {}
            control if control.is_control() => {}
            other => value.push(other),
        }
    }
    value
}

/// One content line, folded after at most 75 octets (continuations start with a space),
/// never inside a character, ended with CRLF.
fn fold(line: &str) -> String {
    let mut folded = String::with_capacity(line.len() + 8);
    let mut octets_on_line = 0;
    for character in line.chars() {
        let width = character.len_utf8();
        if octets_on_line + width > 75 {
            folded.push_str("\r\n ");
            octets_on_line = 1;
        }
        folded.push(character);
        octets_on_line += width;
    }
    folded.push_str("\r\n");
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_folded_at_75_octets_never_inside_a_character() {
        let line = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&line);
        for physical in folded.split("\r\n").filter(|line| !line.is_empty()) {
            assert!(physical.len() <= 75, "{physical:?}");
        }
        let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            text_value("Kamer 2, 1e verdieping; a\\b\nc\r\u{7}"),
            "Kamer 2\\, 1e verdieping\\; a\\\\b\\nc"
        );
    }
}
