//! The call log as CSV (`GET /api/provider/calls.csv?days=N`, SPEC §4.10): one row per call,
//! oldest first, with no phone numbers and only privacy-safe names (the staff member's first
//! name, the patient as "Margaret T."). Written with the `csv` crate (quoting, embedded commas,
//! quotes and line breaks); a cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
//! tab or carriage return first, also after leading spaces) gets a leading `'`.
//!
//! A row is a call: a skipped turn (outcome `Skipped`, nobody was rung: a pass by text, a
//! decliner skipped) is left out, so counting rows, summing `cost` or `durationSecs`, or
//! tallying `outcome` in a spreadsheet counts calls only.

use crate::campaign::Outcome;
use chrono::{DateTime, SecondsFormat, Utc};

/// The window when the caller names none.
pub const DEFAULT_DAYS: u32 = 30;

/// Check `days` from a query string: a whole number from 1 to `max` (the call log's
/// retention), [`DEFAULT_DAYS`] (or `max` if smaller) when absent.
pub fn parse_days(raw: Option<&str>, max: u32) -> Result<u32, String> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_DAYS.min(max));
    };
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=max).contains(d))
        .ok_or_else(|| format!("must be a whole number from 1 to {max}"))
}

/// One call's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub occurrence_id: String,
    /// Privacy-safe ("Margaret T.").
    pub patient: String,
    pub suburb: String,
    pub shift_starts_at: String,
    pub attempt: u32,
    pub round: u32,
    pub employee_id: String,
    pub first_name: String,
    pub placed_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub twilio_status: Option<String>,
    pub answered_by: Option<String>,
    pub outcome: Option<Outcome>,
    pub digit: Option<String>,
    pub duration_secs: Option<u32>,
    pub speech_chars: u32,
    /// The call's cost at the provider's rates.
    pub cost: f64,
}

pub const HEADER: [&str; 18] = [
    "occurrenceId",
    "patient",
    "suburb",
    "shiftStartsAt",
    "attempt",
    "round",
    "employeeId",
    "firstName",
    "placedAt",
    "endedAt",
    "twilioStatus",
    "answeredBy",
    "outcome",
    "digit",
    "durationSecs",
    "speechChars",
    "cost",
    "currency",
];

/// A character that makes a spreadsheet read a cell as a formula when it comes first (or
/// first after spaces, which spreadsheets skip); the full-width forms too.
fn starts_formula(c: char) -> bool {
    matches!(
        c,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠'
    )
}

/// A cell a spreadsheet would not run as a formula.
fn cell(s: &str) -> String {
    let first = s.chars().next();
    let first_shown = s.trim_start().chars().next();
    if first.is_some_and(starts_formula) || first_shown.is_some_and(starts_formula) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The CSV document: the header and one row per call (rows of skipped turns are left out).
pub fn write(rows: &[Row], currency: &str) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(HEADER);
    for r in rows
        .iter()
        .filter(|r| r.outcome.is_none_or(Outcome::is_call))
    {
        let record = [
            cell(&r.occurrence_id),
            cell(&r.patient),
            cell(&r.suburb),
            r.shift_starts_at.clone(),
            r.attempt.to_string(),
            r.round.to_string(),
            cell(&r.employee_id),
            cell(&r.first_name),
            time(r.placed_at),
            r.ended_at.map(time).unwrap_or_default(),
            r.twilio_status.as_deref().map(cell).unwrap_or_default(),
            r.answered_by.as_deref().map(cell).unwrap_or_default(),
            r.outcome
                .map(|o| o.as_str().to_string())
                .unwrap_or_default(),
            r.digit.as_deref().map(cell).unwrap_or_default(),
            r.duration_secs.map(|d| d.to_string()).unwrap_or_default(),
            r.speech_chars.to_string(),
            format!("{:.4}", r.cost),
            cell(currency),
        ];
        let _ = w.write_record(&record);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Row {
        Row {
            occurrence_id: "occ_1".into(),
            patient: "Margaret T.".into(),
            suburb: "Parramatta, NSW".into(),
            shift_starts_at: "2026-01-23T09:00:00+11:00".into(),
            attempt: 0,
            round: 1,
            employee_id: "emp_alice".into(),
            first_name: "Alice".into(),
            placed_at: "2026-01-22T21:00:00Z".parse().unwrap(),
            ended_at: Some("2026-01-22T21:00:41Z".parse().unwrap()),
            twilio_status: Some("completed".into()),
            answered_by: Some("human".into()),
            outcome: Some(Outcome::Accepted),
            digit: Some("1".into()),
            duration_secs: Some(41),
            speech_chars: 141,
            cost: 0.0281,
        }
    }

    #[test]
    fn a_row_is_quoted_where_needed() {
        let text = write(&[row()], "USD");
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], HEADER.join(","));
        assert_eq!(
            lines[1],
            "occ_1,Margaret T.,\"Parramatta, NSW\",2026-01-23T09:00:00+11:00,0,1,emp_alice,Alice,\
             2026-01-22T21:00:00Z,2026-01-22T21:00:41Z,completed,human,Accepted,1,41,141,0.0281,USD"
        );
        assert_eq!(lines[2], "");
    }

    #[test]
    fn quotes_line_breaks_and_formulas_are_harmless() {
        let mut r = row();
        r.first_name = "=HYPERLINK(\"x\")".into();
        r.suburb = "North\nSydney".into();
        r.ended_at = None;
        r.outcome = None;
        let text = write(&[r], "USD");
        assert!(text.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{text}");
        assert!(text.contains("\"North\nSydney\""), "{text}");
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let rec = rd.records().next().unwrap().unwrap();
        assert_eq!(&rec[7], "'=HYPERLINK(\"x\")");
        assert_eq!(&rec[9], "");
        assert_eq!(&rec[12], "");
    }

    #[test]
    fn a_formula_after_spaces_is_guarded_too() {
        for risky in [
            "  =1+1",
            " +61400",
            "\u{a0}-2",
            " @SUM(A1)",
            "\t=1",
            "\r=1",
            " \t=1",
            "＝1",
            "=1",
        ] {
            assert_eq!(cell(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["Alice", " Alice", "a=b", "", "  ", "1-2"] {
            assert_eq!(cell(plain), plain, "{plain:?}");
        }
    }

    /// A skipped turn is no call, so it is no row: the CSV of a campaign with skipped turns is
    /// the CSV of the same campaign without them.
    #[test]
    fn a_skipped_turn_is_no_row() {
        let mut declined = row();
        declined.attempt = 1;
        declined.outcome = Some(Outcome::Declined);
        let calls = vec![row(), declined];
        let mut skipped = row();
        skipped.attempt = 2;
        skipped.first_name = "Bob".into();
        skipped.outcome = Some(Outcome::Skipped);
        (
            skipped.ended_at,
            skipped.twilio_status,
            skipped.duration_secs,
        ) = (None, None, None);
        let mut with = calls.clone();
        with.insert(1, skipped.clone());
        with.push(skipped);
        let text = write(&with, "USD");
        assert_eq!(text, write(&calls, "USD"));
        assert_eq!(text.split("\r\n").filter(|l| !l.is_empty()).count(), 3);
        assert!(!text.contains("Skipped") && !text.contains("Bob"), "{text}");
    }

    #[test]
    fn days_are_checked_against_the_retention() {
        assert_eq!(parse_days(None, 90), Ok(30));
        assert_eq!(parse_days(None, 7), Ok(7));
        assert_eq!(parse_days(Some("90"), 90), Ok(90));
        assert!(parse_days(Some("91"), 90).unwrap_err().contains("1 to 90"));
        for bad in ["0", "-1", "1.5", "week", ""] {
            assert!(parse_days(Some(bad), 90).is_err(), "{bad}");
        }
    }
}
