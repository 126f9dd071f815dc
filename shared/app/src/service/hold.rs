//! Calls that may not start yet. A person rung too often lately (more than the shift's
//! `maxCallsPerPersonPerHour` in an hour, across every shift and provider, or within a minute)
//! waits: the dial task comes back when the call is allowed (it is never skipped), and the
//! shift notes why for the call log. Quiet hours hold a call the same way, until they end.

use super::prelude::*;
use callout_core::model::StaffMember;
use callout_core::person_pace::Windows;

/// Why a call is held (as the call log shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HeldBy {
    /// The person's calls in the last hour (or minute) reached the limit.
    PersonHourlyLimit,
    /// The provider's quiet hours.
    QuietHours,
}

impl HeldBy {
    fn as_str(&self) -> &'static str {
        match self {
            HeldBy::PersonHourlyLimit => "maxCallsPerPersonPerHour",
            HeldBy::QuietHours => "quietHours",
        }
    }
}

/// The per-person windows at TIME_SCALE (an hour and a minute in production).
fn windows(app: &App) -> Windows {
    let ms = |secs| app.config.scaled(secs).as_millis() as i64;
    Windows {
        window_ms: ms(3600),
        gap_ms: ms(60),
    }
}

/// When the shift's quiet hours end, if no call may start now (milliseconds since the epoch).
pub(super) fn quiet_until(shift: &Shift) -> Option<i64> {
    let quiet = shift.quiet()?;
    let starts = shift.event.job.starts_at.with_timezone(&Utc);
    quiet
        .hold_until(Utc::now(), starts)
        .map(|t| t.timestamp_millis())
}

/// When attempt `k`'s call to `staff` may start if not now (milliseconds since the epoch). A
/// call let through is counted for the person at once.
pub(super) async fn person_must_wait(
    app: &App,
    shift: &Shift,
    staff: &StaffMember,
    k: u32,
) -> Result<Option<i64>> {
    let call = format!("{}#{k}", shift.occurrence_id());
    let now = Utc::now().timestamp_millis();
    let verdict = app
        .store
        .let_person_call(
            &staff.phone,
            &call,
            now,
            shift.person_hourly_limit(),
            windows(app),
        )
        .await?;
    Ok(verdict.err())
}

/// Hold the task until `until`: queued again for then (SQS waits at most 15 minutes; a longer
/// hold comes back and waits again), then noted on the shift. Queued first: a crash between
/// the two loses the note, never the call.
pub(super) async fn hold(
    app: &App,
    task: &Dial,
    staff: &StaffMember,
    until: i64,
    why: HeldBy,
) -> Result<()> {
    let (occ, k) = (&task.occurrence_id, task.attempt);
    let wait_ms = (until - Utc::now().timestamp_millis()).max(0) as u64;
    let wait = std::time::Duration::from_millis(wait_ms).clamp(
        std::time::Duration::from_secs(1),
        std::time::Duration::from_secs(900),
    );
    app.queue().send(&Task::dial(occ, k), wait).await?;
    let until_at = chrono::DateTime::from_timestamp_millis(until).unwrap_or_default();
    let note = json!({
        "attempt": k,
        "employeeId": staff.employee_id,
        "firstName": staff.first_name,
        "reason": why.as_str(),
        "until": until_at.to_rfc3339(),
    });
    app.store.set_held(occ, &note).await?;
    info!(occurrence_id = %occ, attempt = k, employee_id = %staff.employee_id, reason = why.as_str(), wait_ms, "call_held");
    Ok(())
}
