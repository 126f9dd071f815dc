//! Calls that may not start yet. A person rung too often lately (more than the shift's
//! `maxCallsPerPersonPerHour` in an hour, across every shift and provider, or within a minute)
//! waits: the dial task comes back when the call is allowed (it is never skipped), and the
//! shift notes why for the call log. Quiet hours hold a call the same way, until they end.

use super::prelude::*;
use crate::records::Held;
use callout_core::decide::HoldReason;
use callout_core::model::StaffMember;
use callout_core::person_pace::Windows;

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

/// Whether attempt `k`'s call to `staff` may start: `Ok(at)`, the moment it was let through
/// (counted for the person at once), or `Err(until)`, when it may (ms since the epoch).
pub(super) async fn person_may_call(
    app: &App,
    shift: &Shift,
    staff: &StaffMember,
    k: u32,
) -> Result<std::result::Result<i64, i64>> {
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
    Ok(verdict.map(|()| now))
}

/// Hold the task until `until`: noted on the shift for the call log, and the task comes back
/// then (SQS waits at most 15 minutes; a longer hold comes back and waits again).
pub(super) async fn hold(
    app: &App,
    task: &Dial,
    staff: &StaffMember,
    until: i64,
    reason: HoldReason,
) -> Result<Vec<Next>> {
    let (occ, k) = (&task.occurrence_id, task.attempt);
    let wait_ms = (until - Utc::now().timestamp_millis()).max(0) as u64;
    let wait = std::time::Duration::from_millis(wait_ms).clamp(
        std::time::Duration::from_secs(1),
        std::time::Duration::from_secs(900),
    );
    let held = Held {
        attempt: k,
        employee_id: staff.employee_id.clone(),
        first_name: staff.first_name.clone(),
        reason,
        until: chrono::DateTime::from_timestamp_millis(until).unwrap_or_default(),
    };
    app.store.set_held(occ, &held).await?;
    info!(occurrence_id = %occ, attempt = k, employee_id = %staff.employee_id, reason = reason.as_str(), wait_ms, "call_held");
    Ok(vec![Next::Later(Task::dial(occ, k), wait)])
}
