//! The shapes that cross the product's edges (SPEC §4.1) and the shift's lifecycle. How an
//! event is read and checked before a shift is made of it is `check`'s.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

mod check;

pub use check::{CheckedStart, InvalidEvent, PRIORITY_RULE};

/// The detail of a `Wave3Completed` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Wave3Completed {
    pub occurrence_id: String,
    pub provider_id: String,
    pub job: Job,
    pub staff_pool: Vec<StaffMember>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub patient_name: String,
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub time_zone: String,
    pub suburb: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StaffMember {
    pub employee_id: String,
    pub first_name: String,
    pub phone: String,
    /// Called in this order in every round: 1 first (`campaign::call_order`); without one,
    /// after everyone who has one, in pool order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// The language the person is spoken to in (BCP-47, canonical case once checked); without
    /// one, or in a language calls do not speak, the provider's `defaultLanguage`
    /// (`lang::Speech::choose`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl StaffMember {
    /// A pool entry with no priority and no language.
    pub fn new(employee_id: &str, first_name: &str, phone: &str) -> StaffMember {
        StaffMember {
            employee_id: employee_id.into(),
            first_name: first_name.into(),
            phone: phone.into(),
            priority: None,
            language: None,
        }
    }
}

/// Where a shift is in its life. Only `Open` shifts are called about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ShiftStatus {
    Open,
    Assigned,
    UnfilledAfterCalls,
    /// A `Wave3Completed` that could not be called (nobody callable, an unusable event): kept
    /// with its reason for the call log, an alarm line and `ShiftNotCalled`. Terminal.
    NotCalled,
    /// A coordinator (or the platform's `ShiftCancelled`) cancelled the shift: no call any
    /// more, live calls ended with an apology. Terminal.
    Cancelled,
}

impl ShiftStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ShiftStatus::Open => "OPEN",
            ShiftStatus::Assigned => "ASSIGNED",
            ShiftStatus::UnfilledAfterCalls => "UNFILLED_AFTER_CALLS",
            ShiftStatus::NotCalled => "NOT_CALLED",
            ShiftStatus::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "OPEN" => Some(ShiftStatus::Open),
            "ASSIGNED" => Some(ShiftStatus::Assigned),
            "UNFILLED_AFTER_CALLS" => Some(ShiftStatus::UnfilledAfterCalls),
            "NOT_CALLED" => Some(ShiftStatus::NotCalled),
            "CANCELLED" => Some(ShiftStatus::Cancelled),
            _ => None,
        }
    }

    /// The statuses in which a shift can still be taken by someone saying yes (by phone, SMS or
    /// a coordinator): an unfilled shift is handed to a coordinator, but a late "yes" still
    /// fills it. One rule: the store's conditional acceptance write is built from this list.
    pub const ACCEPTABLE: [ShiftStatus; 2] = [ShiftStatus::Open, ShiftStatus::UnfilledAfterCalls];

    pub fn can_be_accepted(self) -> bool {
        Self::ACCEPTABLE.contains(&self)
    }
}

/// True for an E.164 number: `+`, a non-zero country digit, 8 to 15 digits in all.
pub fn is_e164(phone: &str) -> bool {
    let Some(digits) = phone.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// The shift the tests speak of: Margaret Thompson, Jan 23, 9:00–13:00 in Parramatta (Sydney).
#[cfg(test)]
pub(crate) fn example_job() -> Job {
    serde_json::from_value(serde_json::json!({
        "patientName": "Margaret Thompson", "startsAt": "2026-01-23T09:00:00+11:00",
        "endsAt": "2026-01-23T13:00:00+11:00", "timeZone": "Australia/Sydney",
        "suburb": "Parramatta"
    }))
    .unwrap()
}
