//! Call recording (issue 16, point 5). With the provider's `recordCalls` on, the call is placed
//! with Twilio's `Record` and a recording status callback, its answered TwiML says the
//! recording notice first (`Phrasebook::recording_notice`, in the call's language), and the
//! recording's status callback keeps the recording's SID on the attempt and puts it in the deletion line; a daily run deletes every recording
//! whose `recordingRetentionDays` have passed (`delete_expired`). The media reaches only the
//! provider, through the provider API (`crate::recording_api`).

use super::prelude::*;
use crate::adapters::store::DueRecording;
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
    // Kept on the shift from its start (a shift stored before that asks the settings).
    let record = match shift.settings.record_calls {
        Some(record) => record,
        None => match app.store.get_settings(&shift.event.provider_id).await {
            Ok(s) => s.record_calls,
            Err(e) => {
                warn!(occurrence_id = %occ, attempt = k, error = %e, "recording_settings_unreadable");
                false
            }
        },
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

/// How many due recordings one page of the daily run reads and queues.
pub const DELETIONS_PER_PAGE: usize = 100;
/// The daily run starts no new page after this long (`limits`: its worst case is this and one
/// page); what is left is queued by the next run, and the tasks already queued drain meanwhile.
pub const QUEUEING_BUDGET: std::time::Duration = std::time::Duration::from_secs(5);

/// The daily run: one `deleteRecording` task per recording past its retention, oldest first,
/// page by page, until the line is read to its end or `QUEUEING_BUDGET` is spent. Queuing a
/// recording twice (a repeated run) is harmless: a deletion is idempotent. Returns how many
/// were queued and whether the whole line was read.
pub async fn queue_deletions(app: &App) -> Result<(usize, bool)> {
    let started = std::time::Instant::now();
    let now = Utc::now();
    let (mut queued, mut after) = (0, None::<String>);
    loop {
        let page = app
            .store
            .due_recordings(now, after.as_deref(), DELETIONS_PER_PAGE)
            .await?;
        let tasks: Vec<Task> = page.iter().cloned().map(Task::DeleteRecording).collect();
        app.queue().send_all(&tasks).await?;
        queued += tasks.len();
        let complete = page.len() < DELETIONS_PER_PAGE;
        if complete || started.elapsed() >= QUEUEING_BUDGET {
            info!(queued, complete, "recording_deletions_queued");
            return Ok((queued, complete));
        }
        after = page.last().map(|d| d.sk.clone());
    }
}

/// A `deleteRecording` task: delete the recording at Twilio; its deletion-line item (and the
/// attempt's SID) go only once Twilio confirms, so a failure is retried by the queue (then its
/// dead-letter queue) and by the next daily run.
pub(super) async fn delete_recording(app: &App, d: &DueRecording) -> Result<()> {
    match app.twilio().delete_recording(&d.recording_sid).await {
        Ok(()) => {
            app.store.recording_deleted(d).await?;
            info!(occurrence_id = %d.occurrence_id, attempt = d.attempt, recording_sid = %d.recording_sid, "recording_deleted");
            Ok(())
        }
        Err(e @ TwilioError::Unavailable(_)) | Err(e @ TwilioError::Unknown(_)) => {
            warn!(occurrence_id = %d.occurrence_id, attempt = d.attempt, recording_sid = %d.recording_sid, error = %e, "recording_delete_retry");
            Err(e.into())
        }
        // A refusal needs a person (credentials, the account): the recording outlives its
        // retention until then.
        Err(e) => {
            error!(occurrence_id = %d.occurrence_id, attempt = d.attempt, recording_sid = %d.recording_sid, error = %e, alarm = true, "recording_delete_failed");
            Err(e.into())
        }
    }
}
