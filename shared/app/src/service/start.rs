//! Starting a campaign: a `Wave3Completed` event becomes the shift's record and one
//! EventBridge Scheduler schedule at now + the provider's wait (or nothing, when calling is off
//! or the event repeats).

use super::prelude::*;
use callout_core::quiet::Quiet;

#[derive(Debug, PartialEq, Eq)]
pub enum Started {
    Scheduled { at: chrono::DateTime<Utc> },
    Disabled,
    Duplicate,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid Wave3Completed event: {0}")]
    Invalid(#[from] InvalidEvent),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Wave 3 ended unfilled: store the shift and, if the provider calls, schedule the first call.
pub async fn start(app: &App, event: Wave3Completed) -> Result<Started, StartError> {
    let checked = event.check()?;
    let event = checked.event;
    let occ = event.occurrence_id.clone();
    for (employee, reason) in &checked.skipped {
        warn!(occurrence_id = %occ, employee_id = %employee, reason, "staff_pool_entry_skipped");
    }
    let settings = app.store.get_settings(&event.provider_id).await?;
    let now = Utc::now();
    let called_last = recent_decliners(app, &event, settings.decline_memory_days, now).await?;
    let quiet = settings.quiet_hours.map(|hours| Quiet {
        hours,
        time_zone: settings
            .time_zone
            .clone()
            .unwrap_or_else(|| event.job.time_zone.clone()),
        urgent_overrides: settings.urgent_overrides_quiet_hours,
    });
    let shift = Shift {
        calls_at_once: settings.calls_at_once(),
        quiet,
        person_hourly_limit: settings.max_calls_per_person_per_hour,
        skip_decliners: settings.skip_decliners,
        called_last,
        speaking: settings.speaking(),
        ..Shift::open(
            event,
            settings.enabled,
            settings.max_rounds,
            settings.message_template.clone(),
            now,
        )
    };
    let shift = if app.store.put_shift_if_new(&shift).await? {
        shift
    } else {
        let existing = app.store.get_shift(&occ).await?.context("shift vanished")?;
        // A repeat finishes a start that stopped before its schedule was made; otherwise nothing.
        if !(existing.calling_enabled
            && existing.scheduled_at.is_none()
            && existing.status == ShiftStatus::Open)
        {
            info!(occurrence_id = %occ, "start_calling_duplicate");
            return Ok(Started::Duplicate);
        }
        existing
    };
    if !shift.calling_enabled {
        info!(occurrence_id = %occ, provider_id = %shift.event.provider_id, "outbound_calling_disabled");
        return Ok(Started::Disabled);
    }
    // A wave 3 that ended inside quiet hours waits the night wait, if the provider set one.
    let now = Utc::now();
    let wait_minutes = match (&shift.quiet, settings.night_wait_minutes) {
        (Some(quiet), Some(night)) if quiet.is_quiet(now) => night,
        _ => settings.wait_minutes,
    };
    let at = now + app.config.scaled(u64::from(wait_minutes) * 60);
    app.schedules()
        .create_once(&schedule_name(&occ), at, &Task::dial(&occ, 0))
        .await?;
    app.store.mark_scheduled(&occ, at).await?;
    info!(
        occurrence_id = %occ,
        provider_id = %shift.event.provider_id,
        wait_minutes,
        max_rounds = shift.max_rounds,
        pool_size = shift.event.staff_pool.len(),
        skip_decliners = shift.skip_decliners,
        scheduled_for = %at.to_rfc3339(),
        "outbound_call_scheduled"
    );
    Ok(Started::Scheduled { at })
}

/// The people of the pool who declined a shift for the same patient within `days` days of
/// `now` (`declineMemoryDays`; 0: nobody, and nothing is read): they are called last.
async fn recent_decliners(
    app: &App,
    event: &Wave3Completed,
    days: u32,
    now: chrono::DateTime<Utc>,
) -> Result<std::collections::BTreeSet<String>> {
    if days == 0 {
        return Ok(Default::default());
    }
    let since = now - chrono::Duration::days(days.into());
    let patient = campaign::patient_key(&event.job.patient_name);
    let declines = app
        .store
        .decliners_since(&event.provider_id, &patient, since)
        .await?;
    let pool: std::collections::HashSet<&str> = event
        .staff_pool
        .iter()
        .map(|s| s.employee_id.as_str())
        .collect();
    let last: std::collections::BTreeSet<String> = declines
        .into_iter()
        .filter(|(e, at)| pool.contains(e.as_str()) && campaign::remembered(days, *at, now))
        .map(|(e, _)| e)
        .collect();
    if !last.is_empty() {
        info!(occurrence_id = %event.occurrence_id, called_last = last.len(), decline_memory_days = days, "recent_decliners_called_last");
    }
    Ok(last)
}
