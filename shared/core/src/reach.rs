//! Reachability checks (issue 25.4): a short call that asks the person to press 1, at most one
//! per person per day, and what became of it, read from what Twilio reports: the call's final
//! status, whether a machine answered, the key pressed, or Twilio's refusal to place it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReachResult {
    /// Answered and pressed 1.
    Heard,
    /// Answered, but no 1 was pressed.
    AnsweredNoKey,
    /// A voicemail or another machine answered.
    Voicemail,
    /// Rang out (or was not picked up).
    NoAnswer,
    /// Busy, or the call failed at the network.
    BusyOrFailed,
    /// Twilio will not call the number: not a valid or reachable number (21211, 21214, 21217).
    InvalidNumber,
    /// Twilio refused to call the number for its owner's choice or a block (21610, 13225…).
    Refused,
}

impl ReachResult {
    /// The result's word in the API and the portal.
    pub fn as_str(self) -> &'static str {
        match self {
            ReachResult::Heard => "heard",
            ReachResult::AnsweredNoKey => "answeredNoKey",
            ReachResult::Voicemail => "voicemail",
            ReachResult::NoAnswer => "noAnswer",
            ReachResult::BusyOrFailed => "busyOrFailed",
            ReachResult::InvalidNumber => "invalidNumber",
            ReachResult::Refused => "refused",
        }
    }
}

/// Twilio error codes for a number that cannot be called at all.
pub const INVALID_NUMBER_CODES: [i64; 5] = [21211, 21214, 21217, 21614, 13224];
/// Twilio error codes for a number Twilio refuses to call (opted out, blocked).
pub const REFUSED_CODES: [i64; 3] = [21610, 21612, 13225];

/// The result of a call Twilio refused to place with `code`.
pub fn from_refusal(code: i64) -> ReachResult {
    if INVALID_NUMBER_CODES.contains(&code) {
        ReachResult::InvalidNumber
    } else if REFUSED_CODES.contains(&code) {
        ReachResult::Refused
    } else {
        ReachResult::BusyOrFailed
    }
}

/// The result of a call that ended with Twilio's final `status`, `answered_by` (answering
/// machine detection) and whether 1 was pressed; `None` while the call is not over.
pub fn from_call(
    status: &str,
    answered_by: Option<&str>,
    pressed_one: bool,
) -> Option<ReachResult> {
    if pressed_one {
        return Some(ReachResult::Heard);
    }
    let machine = answered_by.is_some_and(|a| a.starts_with("machine") || a == "fax");
    Some(match status {
        "completed" if machine => ReachResult::Voicemail,
        "completed" => ReachResult::AnsweredNoKey,
        "no-answer" | "canceled" => ReachResult::NoAnswer,
        "busy" | "failed" => ReachResult::BusyOrFailed,
        _ => return None,
    })
}

/// The day a check counts for (UTC): one check per person per day.
pub fn day_of(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_press_is_heard_whatever_the_status() {
        assert_eq!(from_call("completed", None, true), Some(ReachResult::Heard));
        assert_eq!(
            from_call("in-progress", Some("human"), true),
            Some(ReachResult::Heard)
        );
    }

    #[test]
    fn each_final_status_has_its_result() {
        assert_eq!(
            from_call("completed", Some("machine_end_beep"), false),
            Some(ReachResult::Voicemail)
        );
        assert_eq!(
            from_call("completed", Some("human"), false),
            Some(ReachResult::AnsweredNoKey)
        );
        assert_eq!(
            from_call("no-answer", None, false),
            Some(ReachResult::NoAnswer)
        );
        assert_eq!(
            from_call("busy", None, false),
            Some(ReachResult::BusyOrFailed)
        );
        assert_eq!(
            from_call("failed", None, false),
            Some(ReachResult::BusyOrFailed)
        );
        assert_eq!(from_call("ringing", None, false), None);
    }

    #[test]
    fn twilios_refusals_say_invalid_or_refused() {
        assert_eq!(from_refusal(21211), ReachResult::InvalidNumber);
        assert_eq!(from_refusal(21614), ReachResult::InvalidNumber);
        assert_eq!(from_refusal(21610), ReachResult::Refused);
        assert_eq!(from_refusal(30003), ReachResult::BusyOrFailed);
    }

    #[test]
    fn a_day_is_a_utc_date() {
        let at: DateTime<Utc> = "2026-12-05T23:59:59Z".parse().unwrap();
        assert_eq!(day_of(at), "2026-12-05");
    }
}
