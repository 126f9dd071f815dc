//! The shapes that cross the product's edges (SPEC §4.1) and the shift's lifecycle.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

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
}

/// Where a shift is in its life. Only `Open` shifts are called about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ShiftStatus {
    Open,
    Assigned,
    UnfilledAfterCalls,
}

impl ShiftStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ShiftStatus::Open => "OPEN",
            ShiftStatus::Assigned => "ASSIGNED",
            ShiftStatus::UnfilledAfterCalls => "UNFILLED_AFTER_CALLS",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "OPEN" => Some(ShiftStatus::Open),
            "ASSIGNED" => Some(ShiftStatus::Assigned),
            "UNFILLED_AFTER_CALLS" => Some(ShiftStatus::UnfilledAfterCalls),
            _ => None,
        }
    }

    /// A shift that can still be taken by someone saying yes (by phone, SMS or a coordinator).
    /// An unfilled shift is handed to a coordinator, but a late "yes" still fills it.
    pub fn can_be_accepted(self) -> bool {
        matches!(self, ShiftStatus::Open | ShiftStatus::UnfilledAfterCalls)
    }
}

/// A problem with an incoming event that its sender must fix; nothing is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidEvent {
    pub field: String,
    pub message: String,
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

/// The shift as the campaign sees it once the event has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedStart {
    pub event: Wave3Completed,
    /// Pool entries that cannot be called (bad phone, duplicate), with the reason; they are
    /// skipped and logged rather than failing the whole shift.
    pub skipped: Vec<(String, &'static str)>,
}

impl Wave3Completed {
    /// Check the event a sender gave us. Errors name the field; a pool entry that cannot be
    /// called is dropped (reported in `skipped`) so the rest of the pool is still called.
    pub fn check(mut self) -> Result<CheckedStart, InvalidEvent> {
        let bad = |field: &str, message: &str| InvalidEvent {
            field: field.into(),
            message: message.into(),
        };
        if self.occurrence_id.trim().is_empty() || self.occurrence_id.len() > 128 {
            return Err(bad("occurrenceId", "must be 1 to 128 characters"));
        }
        if self.provider_id.trim().is_empty() || self.provider_id.len() > 128 {
            return Err(bad("providerId", "must be 1 to 128 characters"));
        }
        if crate::zone::Zone::get(&self.job.time_zone).is_none() {
            return Err(bad(
                "job.timeZone",
                "must be an IANA time zone such as Australia/Sydney",
            ));
        }
        if self.job.ends_at <= self.job.starts_at {
            return Err(bad("job.endsAt", "must be after job.startsAt"));
        }
        if self.job.patient_name.trim().is_empty() {
            return Err(bad("job.patientName", "must not be empty"));
        }
        let mut skipped = Vec::new();
        let mut seen = std::collections::HashSet::new();
        self.staff_pool.retain(|s| {
            let reason = if s.employee_id.trim().is_empty() {
                Some("missing employeeId")
            } else if !is_e164(&s.phone) {
                Some("phone is not an E.164 number")
            } else if !seen.insert(s.employee_id.clone()) {
                Some("employee appears twice in the pool")
            } else {
                None
            };
            if let Some(r) = reason {
                skipped.push((s.employee_id.clone(), r));
            }
            reason.is_none()
        });
        if self.staff_pool.is_empty() {
            return Err(bad("staffPool", "has nobody who can be called"));
        }
        Ok(CheckedStart {
            event: self,
            skipped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164() {
        assert!(is_e164("+61400000001"));
        assert!(is_e164("+14158675310"));
        assert!(!is_e164("0400000001"));
        assert!(!is_e164("+0400000001"));
        assert!(!is_e164("+61 400 000 001"));
        assert!(!is_e164("+1234567"));
        assert!(!is_e164("+1234567890123456"));
    }
}
