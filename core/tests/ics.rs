//! The meeting's `.ics` read back by an independent parser: PyPI's `icalendar`, pinned. It
//! checks what a calendar program would rely on: the file parses, the VTIMEZONE in it gives
//! Amsterdam's offsets on both sides of the clock changes, the local start is the time agreed
//! and the same instant as Kring's UTC, and UID, SEQUENCE, METHOD, STATUS and the escaped texts
//! come back as written.

use anyhow::Result;
use chrono::{TimeZone, Utc};
use kring_core::meeting::{CalendarEvent, IcsMethod, calendar_file};

const ICALENDAR_VERSION: &str = "7.3.2";

/// Parses every file with `icalendar` and prints, per file, what it read: one line of
/// tab-separated fields.
const READ_BACK: &str = r#"
import sys, json, datetime
from icalendar import Calendar
for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        raw = f.read()
    assert b'\r\n' in raw and all(len(line) <= 75 for line in raw.split(b'\r\n')), 'folded CRLF lines'
    cal = Calendar.from_ical(raw)
    zones = cal.walk('VTIMEZONE')
    assert len(zones) == 1, 'one VTIMEZONE'
    # lookup_tzid=False: built from the file's rules, not taken from the system's zone of
    # that name.
    tz = zones[0].to_tz(lookup_tzid=False)
    event = cal.walk('VEVENT')[0]
    start = event.decoded('DTSTART')
    end = event.decoded('DTEND')
    # The file's own zone rules, not the system's: the local time read with them.
    def at(naive):
        return tz.localize(naive) if hasattr(tz, 'localize') else naive.replace(tzinfo=tz)
    local = start.replace(tzinfo=None)
    own = at(local)
    print(json.dumps({
        'method': str(cal['METHOD']),
        'tzid': str(zones[0]['TZID']),
        'dtstart_tzid': event['DTSTART'].params.get('TZID'),
        'uid': str(event['UID']),
        'sequence': int(event['SEQUENCE']),
        'status': str(event['STATUS']),
        'summary': str(event['SUMMARY']),
        'location': str(event.get('LOCATION', '')),
        'description': str(event.get('DESCRIPTION', '')),
        'local_start': local.isoformat(),
        'utc_start': own.astimezone(datetime.timezone.utc).isoformat(),
        'minutes': int((end - start).total_seconds() // 60),
        'offset_hours': own.utcoffset().total_seconds() / 3600,
        'summer_offset': at(datetime.datetime(2030, 7, 1, 12)).utcoffset().total_seconds() / 3600,
        'attendees': [str(a) for a in (event.get('ATTENDEE') if isinstance(event.get('ATTENDEE'), list) else [event.get('ATTENDEE')])],
    }))
"#;

fn millis(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> i64 {
    Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
        .unwrap()
        .timestamp_millis()
}

#[test]
fn an_independent_parser_reads_the_meeting_as_agreed_on_both_sides_of_the_clock_changes()
-> Result<()> {
    let python = kring_testbed::python_tool("icalendar", ICALENDAR_VERSION)?;
    let folder = tempfile::tempdir()?;
    let long_place = "Wijkcentrum De Linde, zaal 2; ingang aan de achterkant, \\ bel aan bij \
                      de balie — naast de bibliotheek, tegenover het station";
    // (name, start UTC, local start, offset hours, method, sequence)
    let cases = [
        // The last Sunday of March 2027 (28 March), after 02:00: summer time.
        (
            "march",
            millis(2027, 3, 28, 12, 0),
            "2027-03-28T14:00:00",
            2.0,
            IcsMethod::Request,
            0,
        ),
        // The Saturday before: still winter time.
        (
            "before-march",
            millis(2027, 3, 27, 13, 0),
            "2027-03-27T14:00:00",
            1.0,
            IcsMethod::Request,
            1,
        ),
        // The last Sunday of October 2027 (31 October), after 03:00: winter time again.
        (
            "october",
            millis(2027, 10, 31, 13, 0),
            "2027-10-31T14:00:00",
            1.0,
            IcsMethod::Request,
            2,
        ),
        (
            "cancelled",
            millis(2027, 10, 30, 12, 0),
            "2027-10-30T14:00:00",
            2.0,
            IcsMethod::Cancel,
            3,
        ),
    ];
    let attendees = [
        "matrix:u/anna:kring.test".to_owned(),
        "matrix:u/piet:kring.test".to_owned(),
    ];
    let mut paths = Vec::new();
    for (name, starts_at, _, _, method, sequence) in &cases {
        let event = CalendarEvent {
            uid: "meeting-7f3a@kring.test",
            sequence: *sequence,
            stamped_at: millis(2027, 1, 5, 9, 0),
            starts_at: *starts_at,
            ends_at: starts_at + 90 * 60_000,
            summary: "Netwerkoverleg",
            location: Some(long_place),
            description: Some("Agenda:\nterugblik, doelen"),
            organiser: "matrix:u/kring:kring.test",
            attendees: &attendees,
        };
        let path = folder.path().join(format!("{name}.ics"));
        std::fs::write(&path, calendar_file(&event, *method))?;
        paths.push(path);
    }
    let mut command = std::process::Command::new(&python);
    command.arg("-c").arg(READ_BACK).args(&paths);
    let output = command.output()?;
    anyhow::ensure!(
        output.status.success(),
        "icalendar refused a file: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout)?;
    let read: Vec<serde_json::Value> = printed
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(read.len(), cases.len());
    for ((name, starts_at, local, offset, method, sequence), read) in cases.iter().zip(&read) {
        let utc = Utc
            .timestamp_millis_opt(*starts_at)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%S+00:00")
            .to_string();
        assert_eq!(read["tzid"], "Europe/Amsterdam", "{name}");
        assert_eq!(read["dtstart_tzid"], "Europe/Amsterdam", "{name}");
        assert_eq!(read["local_start"], *local, "{name}");
        assert_eq!(read["utc_start"], utc, "{name}: the file's own VTIMEZONE");
        assert_eq!(read["offset_hours"], *offset, "{name}");
        assert_eq!(read["summer_offset"], 2.0, "{name}");
        assert_eq!(read["minutes"], 90, "{name}");
        assert_eq!(read["uid"], "meeting-7f3a@kring.test", "{name}");
        assert_eq!(read["sequence"], *sequence, "{name}");
        let (method, status) = match method {
            IcsMethod::Request => ("REQUEST", "CONFIRMED"),
            IcsMethod::Cancel => ("CANCEL", "CANCELLED"),
        };
        assert_eq!(read["method"], method, "{name}");
        assert_eq!(read["status"], status, "{name}");
        assert_eq!(read["summary"], "Netwerkoverleg", "{name}");
        assert_eq!(read["location"], long_place, "{name}");
        assert_eq!(read["description"], "Agenda:\nterugblik, doelen", "{name}");
        assert_eq!(
            read["attendees"],
            serde_json::json!(["matrix:u/anna:kring.test", "matrix:u/piet:kring.test"]),
            "{name}"
        );
    }
    Ok(())
}
