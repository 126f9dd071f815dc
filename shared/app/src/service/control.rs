//! A coordinator acts on one shift (`POST /api/provider/jobs/{id}/cancel`, `/pause`,
//! `/resume`, `/call-now`; a cancel also from the platform's `ShiftCancelled`). Each action is
//! one conditional write on the shift that also keeps it in the call log with who and when
//! (`Shifts::control_shift`); a refused write changes nothing and says why.
//!
//! - cancel: the acceptance's own condition, so a cancel and a "1" at the same moment have one
//!   winner (the loser hears or reads "cancelled" / "already filled"); the start schedule is
//!   deleted, every live call is ended (an answered one with a short spoken apology, a ringing
//!   one cancelled), nothing more is queued (`decide` is idle on a closed shift), and the winner
//!   puts `ShiftCancelled` on the bus.
//! - pause: no call is placed while paused (`decide` holds a due turn, reason `paused`; the
//!   held task looks again every minute); live calls go on. `ShiftCallingPaused`.
//! - resume: the held turn is queued at once, so calling goes on where it was.
//!   `ShiftCallingResumed`.
//! - call now: what is left of the provider's wait is skipped: the schedule is deleted and the
//!   first turn's dial task queued now. Should the schedule fire at the same moment, the turn's
//!   conditional attempt write lets one of the two tasks place the call.

use super::prelude::*;
use super::*;
use crate::records::{Control, ControlAction};
use callout_core::decide::HoldReason;

/// How long a turn held by a pause waits before it looks again (before TIME_SCALE). A resume
/// queues it at once; this is the net under a resume that raced the hold.
pub const PAUSED_LOOK_AGAIN_SECS: u64 = 60;

/// What became of a coordinator's action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Controlled {
    /// Done: the shift's status afterwards and whether calling is paused.
    Done { status: ShiftStatus, paused: bool },
    /// No such shift (or another provider's).
    UnknownShift,
    /// Nothing changed: why, in words for the coordinator.
    Refused(String),
}

/// `action` on shift `occ` by `by`, for `provider` (`None`: the platform, any provider).
pub async fn control(
    app: &App,
    provider: Option<&str>,
    occ: &str,
    action: ControlAction,
    by: &str,
) -> Result<Controlled> {
    let shift = match app.store.get_shift(occ).await? {
        Some(s) if provider.is_none_or(|p| s.event.provider_id == p) => s,
        _ => return Ok(Controlled::UnknownShift),
    };
    if let Some(why) = refusal(&shift, action) {
        finish_a_cancel(app, &shift, action).await?;
        return Ok(Controlled::Refused(why));
    }
    if action == ControlAction::CallNow && !app.store.list_attempts(occ).await?.is_empty() {
        return Ok(Controlled::Refused("calling has already started".into()));
    }
    let control = Control {
        action,
        by: by.to_string(),
        at: Utc::now(),
    };
    if !app.store.control_shift(occ, &control).await? {
        // Another action or an acceptance came first: say what the shift is now.
        let now = app.store.get_shift(occ).await?.context("shift vanished")?;
        let why = refusal(&now, action).unwrap_or_else(|| "the shift changed meanwhile".into());
        finish_a_cancel(app, &now, action).await?;
        info!(occurrence_id = %occ, action = action.as_str(), reason = %why, "shift_control_refused");
        return Ok(Controlled::Refused(why));
    }
    info!(occurrence_id = %occ, action = action.as_str(), by = %by, "shift_control");
    let detail = json!({
        "occurrenceId": occ,
        "providerId": shift.event.provider_id,
        "by": by,
        "at": control.at.to_rfc3339(),
    });
    let paused = match action {
        ControlAction::Cancel => {
            cancelled(app, &shift, &detail).await?;
            info!(occurrence_id = %occ, "shift_cancelled");
            false
        }
        ControlAction::Pause => {
            app.events().put("ShiftCallingPaused", &detail).await?;
            true
        }
        ControlAction::Resume => {
            resume_held_turn(app, &shift).await?;
            app.events().put("ShiftCallingResumed", &detail).await?;
            false
        }
        ControlAction::CallNow => {
            if let Err(e) = app.schedules().delete(&schedule_name(occ)).await {
                warn!(occurrence_id = %occ, error = %e, "schedule_delete_failed");
            }
            app.queue()
                .send(&Task::dial(occ, 0), std::time::Duration::ZERO)
                .await?;
            shift.paused
        }
    };
    let status = match action {
        ControlAction::Cancel => ShiftStatus::Cancelled,
        _ => shift.status,
    };
    Ok(Controlled::Done { status, paused })
}

/// Why `action` cannot apply to `shift` as it is, if it cannot.
fn refusal(shift: &Shift, action: ControlAction) -> Option<String> {
    let closed = match shift.status {
        ShiftStatus::Open => None,
        ShiftStatus::Assigned => Some(format!(
            "the shift is already filled{}",
            shift
                .assigned_to
                .as_deref()
                .and_then(|e| shift.staff(e))
                .map(|s| format!(" by {}", s.first_name))
                .unwrap_or_default()
        )),
        ShiftStatus::Cancelled => Some("the shift is already cancelled".into()),
        ShiftStatus::NotCalled => Some("the shift was not called".into()),
        // A late "yes" still fills an unfilled shift; a coordinator may still cancel it.
        ShiftStatus::UnfilledAfterCalls if action == ControlAction::Cancel => None,
        ShiftStatus::UnfilledAfterCalls => Some("calling has ended for this shift".into()),
    };
    if closed.is_some() {
        return closed;
    }
    match action {
        ControlAction::Pause if shift.paused => Some("calling is already paused".into()),
        ControlAction::Resume if !shift.paused => Some("calling is not paused".into()),
        ControlAction::CallNow if shift.called_now => {
            Some("calling was already started now".into())
        }
        ControlAction::CallNow if shift.scheduled_at.is_none() => {
            Some("calling is not scheduled for this shift".into())
        }
        _ => None,
    }
}

/// A cancel of a shift that is already cancelled (a retried request, the bus's redelivery, or
/// this product's own `ShiftCancelled` coming back) is refused, but first finishes what a run
/// that died after the cancel's write left undone (each part is safe to repeat).
async fn finish_a_cancel(app: &App, shift: &Shift, action: ControlAction) -> Result<()> {
    if action != ControlAction::Cancel || shift.status != ShiftStatus::Cancelled {
        return Ok(());
    }
    let Some(last) = shift
        .controls
        .iter()
        .rev()
        .find(|c| c.action == ControlAction::Cancel)
    else {
        return Ok(());
    };
    let detail = json!({
        "occurrenceId": shift.occurrence_id(),
        "providerId": shift.event.provider_id,
        "by": last.by,
        "at": last.at.to_rfc3339(),
    });
    cancelled(app, shift, &detail).await
}

/// The flag of the once-only `ShiftCancelled` (claimed, done: `Claims`).
const CANCELLED_EVENT: &str = "cancelledEventAt";

/// After the cancel's write: no schedule left, every live call ended, `ShiftCancelled` once
/// (claimed first, so a repeat after a crash puts it only if it was not put).
async fn cancelled(app: &App, shift: &Shift, detail: &serde_json::Value) -> Result<()> {
    let occ = shift.occurrence_id();
    if let Err(e) = app.schedules().delete(&schedule_name(occ)).await {
        warn!(occurrence_id = %occ, error = %e, "schedule_delete_failed");
    }
    let ended = end_live_calls(app, shift).await?;
    if ended > 0 {
        info!(occurrence_id = %occ, live_calls_ended = ended, "cancel_live_calls_ended");
    }
    let now = Utc::now();
    let lease = claim_lease(app);
    match app
        .store
        .claim_once(occ, CANCELLED_EVENT, now, now - lease)
        .await?
    {
        Claim::Claimed { .. } => {}
        // Put already, or being put by another run right now.
        Claim::Done | Claim::InProgress(_) => return Ok(()),
    }
    if let Err(e) = app.events().put("ShiftCancelled", detail).await {
        app.store.release_once(occ, CANCELLED_EVENT).await?;
        return Err(e);
    }
    app.store.complete_once(occ, CANCELLED_EVENT).await
}

/// End every live call of a cancelled shift: an answered call hears the apology and hangs
/// up, a queued or ringing one is cancelled. A call still being placed gets its outcome here
/// and is ended by its dial step (`set_call_sid` refuses it). Each call's outcome is written
/// once (`Canceled`), so a repeat ends nothing twice.
async fn end_live_calls(app: &App, shift: &Shift) -> Result<usize> {
    let occ = shift.occurrence_id();
    let mut to_end = Vec::new();
    for a in app.store.list_attempts(occ).await? {
        if a.outcome.is_some() || a.status().is_some_and(CallStatus::is_terminal) {
            continue;
        }
        if app
            .store
            .set_outcome(occ, a.attempt, Outcome::Canceled, None)
            .await?
        {
            to_end.push(a);
        }
    }
    let ended = to_end.len();
    futures::future::join_all(to_end.iter().filter(|a| a.call_sid.is_some()).map(|a| async move {
        let sid = a.call_sid.as_deref().unwrap_or_default();
        let result = if a.status() == Some(CallStatus::InProgress) {
            let speech = a.speech();
            let words = speech.words();
            let xml = twiml::render_in(
                speech.say_language(),
                &[
                    Verb::Say(words.shift_cancelled(&words.hi(Some(&a.first_name)))),
                    Verb::Hangup,
                ],
            );
            app.twilio().redirect_call(sid, &xml).await
        } else {
            app.twilio().end_call(sid).await
        };
        if let Err(e) = result {
            warn!(occurrence_id = %occ, attempt = a.attempt, call_sid = %sid, error = %e, "cancel_end_call_failed");
        }
    }))
    .await;
    Ok(ended)
}

/// Resume: the turn a pause held is queued now (a duplicate of its own held task, which its
/// conditional attempt write absorbs). With no turn held (a call was live when paused), the
/// call's end moves the campaign on as usual.
async fn resume_held_turn(app: &App, shift: &Shift) -> Result<()> {
    let occ = shift.occurrence_id();
    let Some(held) = shift
        .held
        .as_ref()
        .filter(|h| h.reason == HoldReason::Paused)
    else {
        return Ok(());
    };
    if app.store.get_attempt(occ, held.attempt).await?.is_some() {
        return Ok(());
    }
    app.queue()
        .send(&Task::dial(occ, held.attempt), std::time::Duration::ZERO)
        .await
}

/// While paused, when a due turn looks again (ms since the epoch).
pub(super) fn paused_until(app: &App, shift: &Shift) -> Option<i64> {
    shift.paused.then(|| {
        let wait = at_least_a_second(app, PAUSED_LOOK_AGAIN_SECS).as_millis() as i64;
        Utc::now().timestamp_millis() + wait
    })
}
