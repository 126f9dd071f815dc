//! Reachability checks (issue 25.4): a coordinator asks for a short check call to one person or
//! to the whole pool (everyone in the provider's shifts' pools within the call log's keeping);
//! each person is checked at most once a day (the store's conditional write); each check is a
//! `reachCheck` task on the dial queue, paced like every call (quiet hours, per-person pacing
//! across shifts and providers, a call slot of the account's), placed from the provider's own
//! number; its webhooks (`/api/reach/{twiml,key,status}`) record what it found
//! (`callout_core::reach`).

use super::prelude::*;
use super::*;
use crate::adapters::store::reach::ReachCheck;
use crate::adapters::twilio::urls::{ReachRef, ReachStep};
use callout_core::lang::Speech;
use callout_core::model::StaffMember;
use callout_core::reach::{self, ReachResult};
use callout_core::twiml::{self, Verb};
use std::collections::BTreeMap;

/// How long a check call waits for its key.
pub const REACH_GATHER_SECS: u32 = 8;
/// A check waiting for a free call slot comes back after this long (scaled).
pub const REACH_SLOT_RETRY_SECS: u64 = 30;

/// What became of a request for checks.
#[derive(Debug, PartialEq, Eq)]
pub enum ReachAsk {
    /// Checks queued for these people; those already checked today are left out.
    Queued {
        queued: Vec<String>,
        checked_today: Vec<String>,
    },
    /// Everyone asked for was checked today already: nothing queued.
    CheckedToday(Vec<String>),
    /// The person is in none of the provider's recent pools (or the pool is empty).
    Unknown,
}

/// Everyone in `provider`'s shifts' pools the call log still holds, by employee id (the newest
/// shift's details for each).
pub async fn pool_of(app: &App, provider: &str) -> Result<BTreeMap<String, StaffMember>> {
    let now = Utc::now();
    let from = now - chrono::Duration::days(i64::from(app.config.call_log_retention_days));
    let mut pool = BTreeMap::new();
    for shift in app.store.shifts_between(provider, from, now, 1000).await? {
        for s in shift.event.staff_pool {
            pool.entry(s.employee_id.clone()).or_insert(s);
        }
    }
    Ok(pool)
}

/// Ask for a check of `employee_id`, or of the whole pool when `None`.
pub async fn ask_for_checks(
    app: &App,
    provider: &str,
    employee_id: Option<&str>,
) -> Result<ReachAsk> {
    let pool = pool_of(app, provider).await?;
    let people: Vec<&StaffMember> = match employee_id {
        Some(e) => pool.get(e).into_iter().collect(),
        None => pool.values().collect(),
    };
    if people.is_empty() {
        return Ok(ReachAsk::Unknown);
    }
    let now = Utc::now();
    let (mut queued, mut checked_today) = (Vec::new(), Vec::new());
    for p in people {
        let check = ReachCheck {
            employee_id: p.employee_id.clone(),
            first_name: p.first_name.clone(),
            phone: p.phone.clone(),
            day: reach::day_of(now),
            requested_at: now,
            state: "queued".into(),
            result: None,
            result_at: None,
            code: None,
            call_sid: None,
            slot: None,
            answered_by: None,
        };
        if app.store.start_check(provider, &check).await? {
            app.queue()
                .send(
                    &Task::reach_check(provider, &p.employee_id),
                    std::time::Duration::ZERO,
                )
                .await?;
            queued.push(p.employee_id.clone());
        } else {
            checked_today.push(p.employee_id.clone());
        }
    }
    info!(provider_id = %provider, queued = queued.len(), checked_today = checked_today.len(), "reach_checks_asked");
    Ok(if queued.is_empty() {
        ReachAsk::CheckedToday(checked_today)
    } else {
        ReachAsk::Queued {
            queued,
            checked_today,
        }
    })
}

/// The dialer's `reachCheck` step: place the check's call, or come back later when quiet
/// hours, per-person pacing or the account's call slots say not yet.
pub(super) async fn place_check(app: &App, provider: &str, employee: &str) -> Result<Vec<Next>> {
    let Some(mut check) = app.store.get_check(provider, employee).await? else {
        return Ok(Vec::new());
    };
    if check.state == "done" {
        // Over: its call slot goes back (queued by the status webhook).
        if let Some((slot, holder)) = check.slot.take() {
            app.store.put_check(provider, &check).await?;
            free_call_slot(app, slot, &holder).await?;
        }
        return Ok(Vec::new());
    }
    if check.state == "calling" {
        return still_calling(app, provider, check).await;
    }
    let later = |ms: i64| {
        let wait = std::time::Duration::from_millis(ms.max(0) as u64).clamp(
            std::time::Duration::from_secs(1),
            std::time::Duration::from_secs(900),
        );
        Ok(vec![Next::Later(
            Task::reach_check(provider, employee),
            wait,
        )])
    };
    let settings = app.store.get_settings(provider).await?;
    let now = Utc::now();
    // Quiet hours: a check is never urgent.
    if let Some(q) = settings.for_shift("UTC").quiet {
        if let Some(end) = q.hold_until(now, now + chrono::Duration::days(365)) {
            info!(provider_id = %provider, employee_id = %employee, "reach_check_held_quiet_hours");
            return later((end - now).num_milliseconds());
        }
    }
    // Per-person pacing, counted with every other call to the person.
    let call = format!("REACH#{provider}#{employee}#{}", check.day);
    let now_ms = now.timestamp_millis();
    let windows = callout_core::person_pace::Windows {
        window_ms: app.config.scaled(3600).as_millis() as i64,
        gap_ms: app.config.scaled(60).as_millis() as i64,
    };
    if let Err(until) = app
        .store
        .let_person_call(
            &check.phone,
            &call,
            now_ms,
            settings.max_calls_per_person_per_hour,
            windows,
        )
        .await?
    {
        info!(provider_id = %provider, employee_id = %employee, "reach_check_held_person_pacing");
        return later(until - now_ms);
    }
    // A call slot of the account's, if one is free now.
    let holder = format!("{call}#{:08x}", rand::random::<u32>());
    let lease = app.config.scaled(CALL_LEASE_SECS);
    let mut slot = None;
    for n in 0..app.config.max_concurrent_calls {
        if app.store.take_call_slot(n, &holder, now_ms, lease).await? {
            slot = Some(n);
            break;
        }
    }
    let Some(slot) = slot else {
        info!(provider_id = %provider, employee_id = %employee, "reach_check_waits_for_a_slot");
        return later(at_least_a_second(app, REACH_SLOT_RETRY_SECS).as_millis() as i64);
    };
    let speech = settings.speaking().speech_for(None);
    let url = |step| urls::reach(&app.config, step, provider, employee, &speech);
    let req = CallRequest {
        to: check.phone.clone(),
        twiml_url: url(ReachStep::Twiml),
        status_url: url(ReachStep::Status),
        amd_url: url(ReachStep::Status),
        fallback_url: url(ReachStep::Twiml),
        recording_url: None,
    };
    check.slot = Some((slot, holder.clone()));
    check.state = "calling".into();
    app.store.put_check(provider, &check).await?;
    match app
        .twilio()
        .from_number(settings.from_number.as_deref())
        .create_call(&req)
        .await
    {
        Ok(sid) => {
            info!(provider_id = %provider, employee_id = %employee, call_sid = %sid, "reach_check_call_placed");
            check.call_sid = Some(sid);
            app.store.put_check(provider, &check).await?;
            // A safety net: the call's final status may never come (`still_calling`).
            Ok(vec![Next::Later(
                Task::reach_check(provider, employee),
                at_least_a_second(app, CHECK_AFTER_SECS),
            )])
        }
        Err(TwilioError::Refused { code, message }) => {
            warn!(provider_id = %provider, employee_id = %employee, phone = %mask::phone(&check.phone), code, error = %message, "reach_check_refused");
            check.code = Some(code);
            check.slot = None;
            finish(app, provider, check, reach::from_refusal(code)).await?;
            free_call_slot(app, slot, &holder).await?;
            Ok(Vec::new())
        }
        Err(e) => {
            // Twilio did nothing (or may have): the slot goes back, the check comes back.
            warn!(provider_id = %provider, employee_id = %employee, error = %e, "reach_check_retry");
            check.state = "queued".into();
            check.slot = None;
            app.store.put_check(provider, &check).await?;
            free_call_slot(app, slot, &holder).await?;
            later(at_least_a_second(app, REACH_SLOT_RETRY_SECS).as_millis() as i64)
        }
    }
}

/// A check whose call is still live as far as the table knows, a while after it was placed (the
/// safety net, or a copy of the task): Twilio is asked; a call that is over ends the check and
/// gives its slot back at once, one still live is asked about again later. A check without a
/// call (its placing run died) is placed again.
async fn still_calling(app: &App, provider: &str, mut check: ReachCheck) -> Result<Vec<Next>> {
    let again = || {
        Ok(vec![Next::Later(
            Task::reach_check(provider, &check.employee_id),
            at_least_a_second(app, CHECK_AFTER_SECS),
        )])
    };
    let Some(sid) = check.call_sid.clone() else {
        if Utc::now() - check.requested_at
            < chrono::Duration::from_std(app.config.scaled(CHECK_AFTER_SECS))?
        {
            return again(); // its placing run may still be at it
        }
        warn!(provider_id = %provider, employee_id = %check.employee_id, "reach_check_placed_again");
        if let Some((slot, holder)) = check.slot.take() {
            free_call_slot(app, slot, &holder).await?;
        }
        check.state = "queued".into();
        app.store.put_check(provider, &check).await?;
        return Ok(vec![Next::Later(
            Task::reach_check(provider, &check.employee_id),
            std::time::Duration::ZERO,
        )]);
    };
    let status = match app.twilio().call_status(&sid).await {
        Ok((status, _)) => status,
        Err(e) => {
            warn!(provider_id = %provider, employee_id = %check.employee_id, error = %e, "reach_check_status_unknown");
            return again();
        }
    };
    let heard = check.result == Some(ReachResult::Heard);
    let Some(result) = reach::from_call(&status, check.answered_by.as_deref(), heard) else {
        return again();
    };
    warn!(provider_id = %provider, employee_id = %check.employee_id, call_sid = %sid, "reach_check_final_status_found");
    let slot = check.slot.take();
    finish(app, provider, check, result).await?;
    if let Some((slot, holder)) = slot {
        free_call_slot(app, slot, &holder).await?;
    }
    Ok(Vec::new())
}

/// The check is over with `result`: kept with its time (its call slot, if it still has one,
/// is given back by the dialer: `place_check` of a check that is done).
async fn finish(
    app: &App,
    provider: &str,
    mut check: ReachCheck,
    result: ReachResult,
) -> Result<()> {
    check.state = "done".into();
    check.result = Some(result);
    check.result_at = Some(Utc::now());
    app.store.put_check(provider, &check).await?;
    info!(provider_id = %provider, employee_id = %check.employee_id, result = result.as_str(), "reach_check_result");
    if check.slot.is_some() {
        app.queue()
            .send(
                &Task::reach_check(provider, &check.employee_id),
                std::time::Duration::ZERO,
            )
            .await?;
    }
    Ok(())
}

/// The answered check call's TwiML: the words (with the provider's `agencyName`), and a key
/// to press.
pub async fn check_twiml(app: &App, r: &ReachRef, speech: &Speech) -> Result<String> {
    let words = speech.words();
    let agency = app.store.get_settings(&r.provider_id).await?.agency_name;
    Ok(twiml::render_in(
        speech.say_language(),
        &[
            Verb::Gather {
                action: urls::reach(
                    &app.config,
                    ReachStep::Key,
                    &r.provider_id,
                    &r.employee_id,
                    speech,
                ),
                timeout_secs: REACH_GATHER_SECS,
                nested: vec![Verb::Say(words.reach_check(agency.as_deref()))],
            },
            Verb::Hangup,
        ],
    ))
}

/// A key on the check call: 1 is heard (kept at once), anything else hangs up.
pub async fn check_key(app: &App, r: &ReachRef, digits: &str, speech: &Speech) -> Result<String> {
    if digits.trim() != "1" {
        return Ok(twiml::render(&[Verb::Hangup]));
    }
    if let Some(mut check) = app.store.get_check(&r.provider_id, &r.employee_id).await? {
        if check.result.is_none() {
            // Heard now; the call's end frees its slot.
            check.result = Some(ReachResult::Heard);
            check.result_at = Some(Utc::now());
            app.store.put_check(&r.provider_id, &check).await?;
        }
    }
    Ok(twiml::render_in(
        speech.say_language(),
        &[
            Verb::Say(speech.words().reach_thanks().into()),
            Verb::Hangup,
        ],
    ))
}

/// The check call's progress: machine detection's answer kept; a final status ends the check.
pub async fn check_status(
    app: &App,
    r: &ReachRef,
    status: &str,
    answered_by: Option<&str>,
) -> Result<()> {
    let Some(mut check) = app.store.get_check(&r.provider_id, &r.employee_id).await? else {
        return Ok(());
    };
    if check.state == "done" {
        return Ok(()); // a repeated or late callback
    }
    if let Some(a) = answered_by {
        check.answered_by = Some(a.to_string());
    }
    let heard = check.result == Some(ReachResult::Heard);
    match reach::from_call(status, check.answered_by.as_deref(), heard) {
        Some(result) => finish(app, &r.provider_id, check, result).await,
        None if answered_by.is_some() => app.store.put_check(&r.provider_id, &check).await,
        None => Ok(()),
    }
}

/// One person's latest check as the API shows it (the number masked).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckView {
    pub employee_id: String,
    pub first_name: String,
    pub phone: String,
    pub day: String,
    pub requested_at: chrono::DateTime<Utc>,
    pub state: String,
    pub result: Option<&'static str>,
    pub result_at: Option<chrono::DateTime<Utc>>,
    pub code: Option<i64>,
}

/// Every person's latest check for `provider`.
pub async fn checks(app: &App, provider: &str) -> Result<Vec<CheckView>> {
    Ok(app
        .store
        .list_checks(provider)
        .await?
        .into_iter()
        .map(|c| CheckView {
            phone: mask::phone(&c.phone),
            result: c.result.map(ReachResult::as_str),
            employee_id: c.employee_id,
            first_name: c.first_name,
            day: c.day,
            requested_at: c.requested_at,
            state: c.state,
            result_at: c.result_at,
            code: c.code,
        })
        .collect())
}
