//! Starting a campaign: a `Wave3Completed` event becomes the shift's record and one
//! EventBridge Scheduler schedule at now + the provider's wait (or nothing, when calling is off
//! or the event repeats). An event that cannot be called is never dropped in silence: it is
//! kept as a `NOT_CALLED` shift with its reason (when its ids allow a record), raises the
//! `shift_not_called` alarm line and puts `ShiftNotCalled` on the bus (`not_called`).

use super::claim_lease;
use super::prelude::*;
use callout_core::validate;

#[derive(Debug, PartialEq, Eq)]
pub enum Started {
    Scheduled {
        at: chrono::DateTime<Utc>,
    },
    Disabled,
    Duplicate,
    /// The event cannot be called (`reason`): kept as `NOT_CALLED` if it could be, an alarm
    /// line and `ShiftNotCalled`.
    NotCalled {
        reason: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// What is known of an event that cannot be called.
pub enum Uncallable {
    /// A readable event that breaks a rule (nobody callable, an unusable time zone…).
    Event(Wave3Completed),
    /// A detail without the event's shape: its ids, if they are usable.
    Unreadable {
        occurrence_id: Option<String>,
        provider_id: Option<String>,
    },
}

/// The once-only flag of the `ShiftNotCalled` event on the shift's item.
const NOT_CALLED_EVENT: &str = "notCalledEventAt";

/// Wave 3 ended unfilled: store the shift and, if the provider calls, schedule the first call.
pub async fn start(app: &App, event: Wave3Completed) -> Result<Started, StartError> {
    let checked = match event.clone().check() {
        Ok(c) => c,
        Err(why) => return Ok(not_called(app, Uncallable::Event(event), &why).await?),
    };
    let event = checked.event;
    let occ = event.occurrence_id.clone();
    for (employee, reason) in &checked.skipped {
        warn!(occurrence_id = %occ, employee_id = %employee, reason, "staff_pool_entry_skipped");
    }
    let settings = app.store.get_settings(&event.provider_id).await?;
    let now = Utc::now();
    let called_last = recent_decliners(app, &event, settings.decline_memory_days, now).await?;
    let kept = settings.for_shift(&event.job.time_zone);
    let shift = Shift {
        called_last,
        ..Shift::started(event, kept, now)
    };
    let shift = if app.store.put_shift_if_new(&shift).await? {
        shift
    } else {
        let existing = app.store.get_shift(&occ).await?.context("shift vanished")?;
        // A repeat finishes a start that stopped before its schedule was made; otherwise nothing.
        if !(existing.calling_enabled()
            && existing.scheduled_at.is_none()
            && existing.status == ShiftStatus::Open)
        {
            info!(occurrence_id = %occ, "start_calling_duplicate");
            return Ok(Started::Duplicate);
        }
        existing
    };
    if !shift.calling_enabled() {
        info!(occurrence_id = %occ, provider_id = %shift.event.provider_id, "outbound_calling_disabled");
        return Ok(Started::Disabled);
    }
    // A wave 3 that ended inside quiet hours waits the night wait, if the provider set one.
    let now = Utc::now();
    let wait_minutes = match (shift.quiet(), settings.night_wait_minutes) {
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
        max_rounds = shift.max_rounds(),
        pool_size = shift.event.staff_pool.len(),
        skip_decliners = shift.skip_decliners(),
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

/// An event that cannot be called: kept as a `NOT_CALLED` shift with its reason (when its
/// occurrenceId and providerId can key a record), the `shift_not_called` alarm line, and
/// `ShiftNotCalled` on the bus once (with what is known when nothing can be kept). A repeat of
/// the event repeats nothing; a failure is returned so Lambda runs the event again.
pub async fn not_called(app: &App, what: Uncallable, why: &InvalidEvent) -> Result<Started> {
    let reason = why.to_string();
    let usable = |id: &str| validate::is_identifier(id).then(|| id.to_string());
    let (occ, provider, event) = match what {
        Uncallable::Event(e) => (usable(&e.occurrence_id), usable(&e.provider_id), Some(e)),
        Uncallable::Unreadable {
            occurrence_id,
            provider_id,
        } => (
            occurrence_id.as_deref().and_then(usable),
            provider_id.as_deref().and_then(usable),
            None,
        ),
    };
    let detail = json!({
        "occurrenceId": occ,
        "providerId": provider,
        "reason": reason,
        "field": why.field,
    });
    let alarm = || {
        error!(occurrence_id = occ.as_deref().unwrap_or("-"), provider_id = provider.as_deref().unwrap_or("-"), field = %why.field, reason = %reason, alarm = true, "shift_not_called");
    };
    let (Some(o), Some(p)) = (&occ, &provider) else {
        alarm();
        app.events().put("ShiftNotCalled", &detail).await?;
        return Ok(Started::NotCalled { reason });
    };
    let now = Utc::now();
    let event = for_the_record(event.unwrap_or_else(|| unreadable(o, p, now)));
    let shift = Shift {
        status: ShiftStatus::NotCalled,
        not_called: Some(reason.clone()),
        ..Shift::open(event, false, 0, String::new(), now)
    };
    if !app.store.put_shift_if_new(&shift).await? {
        let existing = app.store.get_shift(o).await?;
        if existing.is_none_or(|s| s.status != ShiftStatus::NotCalled) {
            // The same occurrence came before in a shape that could be called.
            info!(occurrence_id = %o, "start_calling_duplicate");
            return Ok(Started::Duplicate);
        }
    }
    alarm();
    let lease = claim_lease(app);
    match app
        .store
        .claim_once(o, NOT_CALLED_EVENT, now, now - lease)
        .await?
    {
        Claim::Done => return Ok(Started::NotCalled { reason }),
        Claim::InProgress(_) => anyhow::bail!("another run is putting ShiftNotCalled"),
        Claim::Claimed { .. } => {}
    }
    if let Err(e) = app.events().put("ShiftNotCalled", &detail).await {
        app.store.release_once(o, NOT_CALLED_EVENT).await?;
        return Err(e);
    }
    app.store.complete_once(o, NOT_CALLED_EVENT).await?;
    Ok(Started::NotCalled { reason })
}

/// An event as it is kept when it is not called: display fields cleaned, and every other text
/// cut so the record stays within an item's size whatever was sent.
fn for_the_record(event: Wave3Completed) -> Wave3Completed {
    let cut = |s: &str, max: usize| s.chars().take(max).collect::<String>();
    let mut e = event.cleaned();
    e.job.time_zone = cut(&e.job.time_zone, validate::MAX_TIME_ZONE_CHARS);
    e.staff_pool.truncate(validate::MAX_POOL);
    for s in &mut e.staff_pool {
        s.employee_id = cut(&s.employee_id, validate::MAX_ID_CHARS);
        s.phone = cut(&s.phone, 16);
        s.language = s.language.as_deref().map(|l| cut(l, 35));
    }
    e
}

/// The record of an event whose detail could not be read: its ids, nobody in its pool.
fn unreadable(occ: &str, provider: &str, now: chrono::DateTime<Utc>) -> Wave3Completed {
    let at = now.fixed_offset();
    Wave3Completed {
        occurrence_id: occ.into(),
        provider_id: provider.into(),
        job: callout_core::model::Job {
            patient_name: String::new(),
            starts_at: at,
            ends_at: at,
            time_zone: "UTC".into(),
            suburb: String::new(),
        },
        staff_pool: Vec::new(),
    }
}
