//! Call recording (issue 16, point 5). With the provider's `recordCalls` on, the call is placed
//! with Twilio's `Record` and a recording status callback, its answered TwiML says the
//! recording notice first (`Phrasebook::recording_notice`, in the call's language), and the
//! recording's status callback keeps the recording's SID on the attempt and puts it in the deletion line; a daily run deletes every recording
//! whose `recordingRetentionDays` have passed (`delete_expired`). The media reaches only the
//! provider, through the provider API (`crate::recording_api`).

use super::prelude::*;
use crate::adapters::twilio::webhook::RecordingReport;
use callout_core::recording;

/// `req` as it goes to Twilio: recorded (and the answered URL flagged for the notice) when
/// the provider records calls. A provider whose settings cannot be read is not recorded.
pub(super) async fn when_recorded(
    app: &App,
    shift: &Shift,
    k: u32,
    mut req: CallRequest,
) -> CallRequest {
    let occ = shift.occurrence_id();
    let record = match app.store.get_settings(&shift.event.provider_id).await {
        Ok(s) => s.record_calls,
        Err(e) => {
            warn!(occurrence_id = %occ, attempt = k, error = %e, "recording_settings_unreadable");
            false
        }
    };
    if record {
        req.recording_url = Some(urls::recording(&app.config, occ, k));
        req.twiml_url = urls::recorded(&req.twiml_url);
        // When call-twiml cannot answer, the fallback's retry says the notice too.
        req.fallback_url = urls::recorded(&req.fallback_url);
    }
    req
}

/// A recording status callback for attempt `k`: a completed recording of this attempt's call
/// is kept and put in the deletion line at the call's time + the provider's retention.
pub async fn on_recording(app: &App, occ: &str, k: u32, report: &RecordingReport) -> Result<()> {
    let rec = &report.recording_sid;
    if report.status != "completed" {
        info!(occurrence_id = %occ, attempt = k, recording_sid = %rec, status = %report.status, "recording_status");
        return Ok(());
    }
    let Some(a) = app.store.get_attempt(occ, k).await? else {
        warn!(occurrence_id = %occ, attempt = k, "recording_for_unknown_attempt");
        return Ok(());
    };
    if a.call_sid.as_deref() != Some(report.call_sid.as_str()) {
        warn!(occurrence_id = %occ, attempt = k, "recording_for_another_call");
        return Ok(());
    }
    let retention = app
        .store
        .get_settings(&a.provider_id)
        .await?
        .recording_retention_days;
    let due = recording::deletion_due(a.created_at, retention, app.config.time_scale);
    let kept = app.store.keep_recording(occ, k, rec, due).await?;
    info!(occurrence_id = %occ, attempt = k, recording_sid = %rec, due = %due.to_rfc3339(), kept, "recording_kept");
    Ok(())
}

/// Delete every recording past its retention at Twilio, oldest first (at most 500 a run;
/// what is left, or fails, is deleted on the next run). Returns how many were deleted and
/// how many failed.
pub async fn delete_expired(app: &App) -> Result<(u32, u32)> {
    let due = app.store.due_recordings(Utc::now(), 500).await?;
    let (mut deleted, mut failed) = (0, 0);
    for d in &due {
        match app.twilio().delete_recording(&d.recording_sid).await {
            Ok(()) => {
                app.store.recording_deleted(d).await?;
                info!(occurrence_id = %d.occurrence_id, attempt = d.attempt, recording_sid = %d.recording_sid, "recording_deleted");
                deleted += 1;
            }
            Err(e) => {
                // A recording kept past its retention needs a person: the next daily run
                // tries again.
                error!(occurrence_id = %d.occurrence_id, attempt = d.attempt, recording_sid = %d.recording_sid, error = %e, alarm = true, "recording_delete_failed");
                failed += 1;
            }
        }
    }
    info!(deleted, failed, "recordings_past_retention");
    Ok((deleted, failed))
}
