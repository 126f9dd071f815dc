//! Call recording's rules (issue 16, point 5): when a recording is deleted, and what a
//! recording SID looks like. Pure; the adapters store and delete.

use chrono::{DateTime, Duration, Utc};

/// When a recording of a call placed at `placed_at` is deleted: `retention_days` later,
/// divided by `time_scale` (1 in production; tests and the demo shorten every wait).
pub fn deletion_due(
    placed_at: DateTime<Utc>,
    retention_days: u32,
    time_scale: f64,
) -> DateTime<Utc> {
    let scale = if time_scale.is_finite() && time_scale >= 1.0 {
        time_scale
    } else {
        1.0
    };
    let ms = (f64::from(retention_days) * 86_400_000.0 / scale).round() as i64;
    placed_at + Duration::milliseconds(ms.max(1))
}

/// Twilio's recording SID: `RE` and 32 hexadecimal digits.
pub fn is_recording_sid(s: &str) -> bool {
    s.len() == 34 && s.starts_with("RE") && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_recording_is_kept_its_retention() {
        assert_eq!(
            deletion_due(t("2026-01-23T09:00:00Z"), 30, 1.0),
            t("2026-02-22T09:00:00Z")
        );
        assert_eq!(
            deletion_due(t("2026-01-23T09:00:00Z"), 1, 86_400.0),
            t("2026-01-23T09:00:01Z")
        );
        // A nonsense scale counts as none.
        assert_eq!(
            deletion_due(t("2026-01-23T09:00:00Z"), 1, f64::NAN),
            t("2026-01-24T09:00:00Z")
        );
    }

    #[test]
    fn recording_sids() {
        assert!(is_recording_sid("RE0123456789abcdef0123456789ABCDEF"));
        assert!(!is_recording_sid("CA0123456789abcdef0123456789abcdef"));
        assert!(!is_recording_sid("RE0123"));
        assert!(!is_recording_sid("RE0123456789abcdef0123456789abcdeg"));
    }

    proptest! {
        #[test]
        fn deletion_is_never_before_the_call_and_grows_with_retention(days in 1u32..=365, scale in 1.0f64..1e6) {
            let at = t("2026-01-23T09:00:00Z");
            let due = deletion_due(at, days, scale);
            prop_assert!(due > at);
            prop_assert!(deletion_due(at, days + 1, scale) >= due);
        }
    }
}
