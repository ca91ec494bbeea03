//! The region's export of consults for a period, as CSV (for a spreadsheet) or JSON: who asked
//! whom (Matrix ID, organisation, discipline), when each step came, the deadline and whether it
//! was kept, the outcome, the minutes the consultant spent, and the region's funding route.
//! Never what a consult was about (question, summary, medication, gist, reason) and never the
//! network: the export is for payment and monitoring, not for reading about a client.

use super::lifecycle::{ConsultState, Outcome};
use crate::network::Millis;
use serde::Serialize;

/// One consult, as the region's beheer receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRow {
    pub consult_id: String,
    pub requester: String,
    pub requester_organisation: Option<String>,
    pub requester_discipline: Option<String>,
    pub consultant: String,
    pub consultant_organisation: Option<String>,
    pub consultant_discipline: Option<String>,
    /// The consultant's AGB code, once the organisation catalogue brings it (the bridge).
    pub consultant_agb: Option<String>,
    pub state: &'static str,
    pub working_days: u32,
    /// RFC 3339, UTC.
    pub asked_at: String,
    pub sent_at: Option<String>,
    /// When the consultant joined the consult room, where the request is.
    pub read_at: Option<String>,
    pub due_at: Option<String>,
    pub accepted_at: Option<String>,
    pub answered_at: Option<String>,
    pub closed_at: Option<String>,
    /// Answered by the deadline; `None` while no answer is given.
    pub answered_in_time: Option<bool>,
    /// Still owed an answer after its deadline, at the moment of the export.
    pub overdue: bool,
    pub outcome: Option<&'static str>,
    pub minutes_spent: Option<u32>,
    pub funding_route: Option<String>,
}

/// RFC 3339 in UTC, or nothing for an instant out of range.
pub fn instant(millis: Millis) -> Option<String> {
    crate::time::from_millis(millis).map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Whether the answer came by the deadline.
pub fn answered_in_time(answered_at: Option<Millis>, due_at: Option<Millis>) -> Option<bool> {
    match (answered_at, due_at) {
        (Some(answered), Some(due)) => Some(answered < due),
        _ => None,
    }
}

pub fn state_code(state: ConsultState) -> &'static str {
    state.code()
}

pub fn outcome_code(outcome: Option<Outcome>) -> Option<&'static str> {
    outcome.map(Outcome::code)
}

const COLUMNS: [&str; 22] = [
    "consult_id",
    "requester",
    "requester_organisation",
    "requester_discipline",
    "consultant",
    "consultant_organisation",
    "consultant_discipline",
    "consultant_agb",
    "state",
    "working_days",
    "asked_at",
    "sent_at",
    "read_at",
    "due_at",
    "accepted_at",
    "answered_at",
    "closed_at",
    "answered_in_time",
    "overdue",
    "outcome",
    "minutes_spent",
    "funding_route",
];

/// RFC 4180 CSV with a header line. A cell a spreadsheet would read as a formula (starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP advises:
/// organisation names are typed by people, and Matrix IDs start with `@`.
pub fn to_csv(rows: &[ExportRow]) -> String {
    let mut out = COLUMNS.join(",");
    out.push_str("\r\n");
    for row in rows {
        let optional = |value: &Option<String>| value.clone().unwrap_or_default();
        let flag = |value: Option<bool>| value.map(|v| v.to_string()).unwrap_or_default();
        let cells = [
            row.consult_id.clone(),
            row.requester.clone(),
            optional(&row.requester_organisation),
            optional(&row.requester_discipline),
            row.consultant.clone(),
            optional(&row.consultant_organisation),
            optional(&row.consultant_discipline),
            optional(&row.consultant_agb),
            row.state.to_owned(),
            row.working_days.to_string(),
            row.asked_at.clone(),
            optional(&row.sent_at),
            optional(&row.read_at),
            optional(&row.due_at),
            optional(&row.accepted_at),
            optional(&row.answered_at),
            optional(&row.closed_at),
            flag(row.answered_in_time),
            row.overdue.to_string(),
            row.outcome.unwrap_or_default().to_owned(),
            row.minutes_spent.map(|m| m.to_string()).unwrap_or_default(),
            optional(&row.funding_route),
        ];
        let line: Vec<String> = cells.iter().map(|cell| csv_cell(cell)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> ExportRow {
        ExportRow {
            consult_id: "cst-a1".into(),
            requester: "@gp:kring.test".into(),
            requester_organisation: Some("Praktijk \"De Linde\", Utrecht".into()),
            requester_discipline: Some("huisarts".into()),
            consultant: "@psy:kring.test".into(),
            consultant_organisation: Some("=HYPERLINK(\"x\")".into()),
            consultant_discipline: None,
            consultant_agb: None,
            state: "closed",
            working_days: 3,
            asked_at: "2027-03-08T09:00:00Z".into(),
            sent_at: None,
            read_at: None,
            due_at: None,
            accepted_at: None,
            answered_at: None,
            closed_at: None,
            answered_in_time: Some(true),
            overdue: false,
            outcome: Some("advice"),
            minutes_spent: Some(30),
            funding_route: Some("ketenfinanciering".into()),
        }
    }

    #[test]
    fn cells_are_quoted_and_formulas_disarmed() {
        let csv = to_csv(&[row()]);
        let mut lines = csv.split("\r\n");
        assert_eq!(lines.next(), Some(COLUMNS.join(",").as_str()));
        let line = lines.next().unwrap();
        assert!(line.starts_with("cst-a1,'@gp:kring.test,\"Praktijk \"\"De Linde\"\", Utrecht\",huisarts,'@psy:kring.test,\"'=HYPERLINK(\"\"x\"\")\","), "{line}");
        assert!(
            line.ends_with(",true,false,advice,30,ketenfinanciering"),
            "{line}"
        );
    }

    #[test]
    fn in_time_means_before_the_day_was_over() {
        assert_eq!(answered_in_time(Some(9), Some(10)), Some(true));
        assert_eq!(answered_in_time(Some(10), Some(10)), Some(false));
        assert_eq!(answered_in_time(None, Some(10)), None);
        assert_eq!(instant(0).as_deref(), Some("1970-01-01T00:00:00Z"));
    }
}
