//! The campaign's steps: each reads and writes through the adapters and asks the pure rules
//! in `callout_core` what to do. Every step is safe to repeat.

use crate::adapters::queue::{DialQueue, TaskQueue};
use crate::adapters::schedule::schedule_name;
use crate::adapters::store::{AcceptWrite, Claim, PacingLine, Store};
use crate::adapters::twilio::urls;
use crate::adapters::twilio::{CallRequest, TwilioError};
use crate::app::App;
use crate::faults;
use crate::metrics::figures;
use crate::records::{Attempt, Delivery, DialTask, Shift, TaskKind};
use anyhow::{Context, Result};
use callout_core::campaign::{self, Advance, CallStatus, Outcome};
use callout_core::mask;
use callout_core::model::{InvalidEvent, ShiftStatus, Wave3Completed};
use callout_core::pacing;
use callout_core::template::{self, Values};
use callout_core::twiml::{self, Verb};
use callout_core::wav;
use chrono::Utc;
use serde_json::json;
use tracing::{error, info, warn};

// ---------------------------------------------------------------- start

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
    let shift = Shift {
        status: ShiftStatus::Open,
        calling_enabled: settings.enabled,
        max_rounds: settings.max_rounds,
        message_template: settings.message_template.clone(),
        created_at: Utc::now(),
        scheduled_at: None,
        assigned_to: None,
        assigned_channel: None,
        assigned_at: None,
        unfilled_at: None,
        assigned_attempt: None,
        acceptance_finished: false,
        confirmation_sms: None,
        event,
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
    let at = Utc::now() + app.config.scaled(u64::from(settings.wait_minutes) * 60);
    app.schedules()
        .create_once(&schedule_name(&occ), at, &DialTask::dial(&occ, 0))
        .await?;
    app.store.mark_scheduled(&occ, at).await?;
    info!(
        occurrence_id = %occ,
        provider_id = %shift.event.provider_id,
        wait_minutes = settings.wait_minutes,
        max_rounds = shift.max_rounds,
        pool_size = shift.event.staff_pool.len(),
        scheduled_for = %at.to_rfc3339(),
        "outbound_call_scheduled"
    );
    Ok(Started::Scheduled { at })
}

// ---------------------------------------------------------------- dial

/// How long after placing a call to ask Twilio about it if no final status has arrived
/// (seconds, before TIME_SCALE), and how long a call slot's lease lasts.
pub const CHECK_AFTER_SECS: u64 = 300;
pub const CALL_LEASE_SECS: u64 = 900;

/// A wait of `secs` at TIME_SCALE, never less than a second (SQS delays are whole seconds, and
/// a zero delay would spin).
fn at_least_a_second(app: &App, secs: u64) -> std::time::Duration {
    app.config
        .scaled(secs)
        .max(std::time::Duration::from_secs(1))
}

/// Handle one task from the dial queue. An `Err` is temporary: the task is retried.
pub async fn run_task(app: &App, task: &DialTask) -> Result<()> {
    match task.kind {
        TaskKind::Dial => dial(app, task).await,
        TaskKind::CheckCall => check_call(app, task).await,
        TaskKind::WakeWaiters => watchdog_fired(app).await,
        TaskKind::FinishAcceptance => {
            let shift = app.store.get_shift(&task.occurrence_id).await?;
            match shift {
                Some(shift)
                    if shift.status == ShiftStatus::Assigned && !shift.acceptance_finished =>
                {
                    after_acceptance(app, &shift).await
                }
                _ => Ok(()),
            }
        }
    }
}

/// The wait before a task that failed on receive `receives` is tried again (at TIME_SCALE).
pub fn retry_backoff(app: &App, receives: u32) -> std::time::Duration {
    at_least_a_second(app, callout_core::retry::backoff_secs(receives))
}

/// A failed task comes back after an exponential backoff (its visibility timeout changed)
/// instead of the queue's fixed one; should that fail, the queue's own applies.
pub async fn retry_later(app: &App, receipt_handle: &str, receives: u32) {
    let wait = retry_backoff(app, receives);
    if let Err(e) = app.queue().retry_after(receipt_handle, wait).await {
        warn!(receives, error = %e, "dial_task_backoff_failed");
    }
}

/// Place the call a dial task asks for.
pub async fn dial(app: &App, task: &DialTask) -> Result<()> {
    let occ = &task.occurrence_id;
    let k = task.attempt;
    info!(occurrence_id = %occ, attempt = k, "outbound_worker_processing");
    anyhow::ensure!(
        !app.config.public_base_url.is_empty(),
        "PUBLIC_BASE_URL is not set: Twilio needs absolute webhook URLs"
    );
    let (shift, existing) = app.store.get_shift_and_attempt(occ, k).await?;
    let (shift, slot) = match placeable(shift, existing.is_some(), k) {
        Ok(placeable) => placeable,
        Err(why) => {
            if let Some(a) = existing.as_ref().filter(|a| {
                a.outcome == Some(Outcome::Failed) && a.call_sid.is_none() && !a.advanced
            }) {
                // A refused call whose step stopped after its outcome, before moving on.
                info!(occurrence_id = %occ, attempt = k, "dial_task_finishes_refused_attempt");
                return call_ended(app, a).await;
            }
            match why {
                "dial_task_for_unknown_shift" => error!(occurrence_id = %occ, attempt = k, "{why}"),
                "dial_task_beyond_plan" => warn!(occurrence_id = %occ, attempt = k, "{why}"),
                _ => info!(occurrence_id = %occ, attempt = k, "{why}"),
            }
            // Woken for a slot it will not use: the next in line gets it instead.
            match task.granted_slot {
                Some(slot) => {
                    give_back(app, slot, &task.granted_holder(), existing.as_ref()).await?
                }
                None if task.waiting_since.is_some() => wake_waiters(app).await?,
                None => {}
            }
            if why == "dial_task_duplicate" {
                return duplicate(existing.as_ref());
            }
            return Ok(());
        }
    };
    // A call slot first: over the account's limit the task waits in line and is not lost.
    let Some((pace_slot, holder)) = take_call_slot_or_wait(app, task).await? else {
        info!(occurrence_id = %occ, attempt = k, "pacing_wait");
        return Ok(());
    };
    let staff = &shift.event.staff_pool[slot.position as usize];
    let text = template::render(
        &shift.message_template,
        &Values::for_job(&staff.first_name, &shift.event.job),
    );
    let attempt = Attempt::new(&shift, k, slot, text, Some((pace_slot, holder.clone())));
    if !app.store.create_attempt(&attempt).await? {
        info!(occurrence_id = %occ, attempt = k, "dial_task_duplicate");
        let theirs = app.store.get_attempt(occ, k).await?;
        give_back(app, pace_slot, &holder, theirs.as_ref()).await?;
        return duplicate(theirs.as_ref());
    }
    info!(
        occurrence_id = %occ, attempt = k, round = slot.round, position = slot.position,
        employee_id = %staff.employee_id, phone = %mask::phone(&staff.phone),
        "outbound_call_processing"
    );
    // Whatever happens to this call's callbacks, someone looks at it again.
    app.queue()
        .send(
            &DialTask::check(occ, k),
            at_least_a_second(app, CHECK_AFTER_SECS),
        )
        .await?;
    let has_audio = prepare_audio(app, &attempt).await;
    let req = CallRequest {
        to: staff.phone.clone(),
        twiml_url: urls::twiml(&app.config, occ, k, has_audio),
        status_url: urls::status(&app.config, occ, k),
        amd_url: urls::amd(&app.config, occ, k),
        fallback_url: urls::fallback(&app.config, occ, k, has_audio),
    };
    match app.twilio().create_call(&req).await {
        Ok(sid) => {
            if app.faults.trip(crate::faults::CRASH_AFTER_CALL_PLACED, occ) {
                anyhow::bail!("injected crash after the call was placed");
            }
            if app.store.set_call_sid(occ, k, &sid).await? {
                info!(occurrence_id = %occ, attempt = k, call_sid = %sid, audio = has_audio, "outbound_call_initiated");
            } else {
                // The shift was filled while this call was being placed.
                info!(occurrence_id = %occ, attempt = k, call_sid = %sid, "outbound_call_ended_shift_filled");
                app.twilio().end_call(&sid).await.ok();
            }
            Ok(())
        }
        Err(TwilioError::Refused { code, message }) => {
            // About this number only: this person's call failed; the next person is called.
            error!(occurrence_id = %occ, attempt = k, code, error = %message, phone = %mask::phone(&staff.phone), "outbound_call_refused");
            app.store.set_outcome(occ, k, Outcome::Failed, None).await?;
            if app.faults.trip(faults::CRASH_AFTER_CALL_REFUSED, occ) {
                anyhow::bail!("injected crash after a refused call's outcome");
            }
            let attempt = app
                .store
                .get_attempt(occ, k)
                .await?
                .context("attempt vanished")?;
            call_ended(app, &attempt).await
        }
        Err(e @ (TwilioError::Unavailable(_) | TwilioError::Account { .. })) => {
            // Twilio did nothing: take the attempt back so the retried task places the call.
            // Refused credentials or a suspended account are nobody's turn: the same person is
            // called when the account works again (the queue retries with backoff, then the
            // task waits in the dead-letter queue for a redrive).
            match &e {
                TwilioError::Account { code, message } => {
                    error!(occurrence_id = %occ, attempt = k, code, error = %message, alarm = true, "twilio_account_refused")
                }
                _ => warn!(occurrence_id = %occ, attempt = k, error = %e, "outbound_call_retry"),
            }
            if app.store.release_attempt(occ, k).await? {
                free_call_slot(app, pace_slot, &holder).await?;
            }
            Err(e.into())
        }
        Err(e @ TwilioError::Unknown(_)) => {
            // The call may exist: keep the attempt; its callbacks or the check decide.
            error!(occurrence_id = %occ, attempt = k, error = %e, "outbound_call_unconfirmed");
            Ok(())
        }
    }
}

/// Another copy of this task (a duplicate delivery, or this task redelivered while its first
/// run goes on) has the attempt. Done when its call is placed or has an outcome; while the
/// call is still being placed, this copy is tried again later rather than dropped: the other
/// copy may yet find that Twilio did nothing, take the attempt back and fail, and its own
/// message may be the one this copy's success would delete.
fn duplicate(theirs: Option<&Attempt>) -> Result<()> {
    match theirs {
        Some(a) if a.call_sid.is_none() && a.outcome.is_none() => {
            anyhow::bail!("another copy of this dial task is placing the call")
        }
        _ => Ok(()),
    }
}

/// The shift and the call slot of the plan a dial task is for, or why no call is placed.
fn placeable(
    shift: Option<Shift>,
    duplicate: bool,
    k: u32,
) -> std::result::Result<(Shift, campaign::Slot), &'static str> {
    let Some(shift) = shift else {
        return Err("dial_task_for_unknown_shift");
    };
    if shift.status != ShiftStatus::Open {
        return Err("dial_task_dropped_shift_not_open");
    }
    if duplicate {
        return Err("dial_task_duplicate");
    }
    let slot = shift.plan().slot(k).ok_or("dial_task_beyond_plan")?;
    Ok((shift, slot))
}

// ---------------------------------------------------------------- pacing

/// What the pacing steps work with: the line of call slots (`PacingLine`), the queue that wakes
/// tasks, and the numbers. The app's is [`pacer`]; tests run the same steps in memory.
pub(crate) struct Pacer<'a, L, Q> {
    pub line: &'a L,
    pub queue: &'a Q,
    /// The most calls in progress at once.
    pub limit: u32,
    /// How long a call slot's lease lasts.
    pub lease: std::time::Duration,
    /// How often the watchdog comes while tasks wait.
    pub watchdog_period: std::time::Duration,
}

/// The app's pacing: the store's line, the dial queue, the configured limit.
fn pacer(app: &App) -> Pacer<'_, Store, DialQueue> {
    Pacer {
        line: &app.store,
        queue: app.queue(),
        limit: app.config.max_concurrent_calls,
        lease: app.config.scaled(CALL_LEASE_SECS),
        // A lease's length (at TIME_SCALE 1, 15 minutes: also SQS's longest delay).
        watchdog_period: at_least_a_second(app, CALL_LEASE_SECS),
    }
}

/// A call slot and its holder for this task, or `None` when every slot is taken: the task is
/// then in the line of waiting tasks, and a call that ends hands it its slot (`free_call_slot`).
async fn take_call_slot_or_wait(app: &App, task: &DialTask) -> Result<Option<(u32, String)>> {
    pacer(app).take_call_slot_or_wait(task).await
}

/// A slot this task will not use goes back (to the next in line), unless `attempt` holds it
/// and its call is not over: a copy of this task, handed the same slot under the same holder,
/// is calling with it. Two calls that end together can both hand their slot to the same
/// waiting task (under one holder), and a call that ends while its own task is still in the
/// line hands its slot back to itself: a copy that does not call gives such a slot on.
async fn give_back(app: &App, slot: u32, holder: &str, attempt: Option<&Attempt>) -> Result<()> {
    let calling_with_it = |a: &Attempt| {
        a.pace_slot == Some(slot)
            && a.pace_holder.as_deref() == Some(holder)
            && a.ended_at.is_none()
            && !a.advanced
    };
    if attempt.is_some_and(calling_with_it) {
        return Ok(());
    }
    free_call_slot(app, slot, holder).await
}

/// The watchdog's task (see [`Pacer::arm_watchdog`]).
async fn watchdog_fired(app: &App) -> Result<()> {
    pacer(app).watchdog_fired().await
}

/// A call is over (or was never placed): see [`Pacer::free_call_slot`].
async fn free_call_slot(app: &App, slot: u32, holder: &str) -> Result<()> {
    pacer(app).free_call_slot(slot, holder).await
}

/// Wake as many waiting tasks as there are free slots: see [`Pacer::wake_waiters`].
async fn wake_waiters(app: &App) -> Result<()> {
    pacer(app).wake_waiters().await
}

impl<L: PacingLine, Q: TaskQueue> Pacer<'_, L, Q> {
    /// A call slot and its holder for this task, or `None` when every slot is taken: the task
    /// is then in the line of waiting tasks, and a call that ends hands it its slot.
    pub(crate) async fn take_call_slot_or_wait(
        &self,
        task: &DialTask,
    ) -> Result<Option<(u32, String)>> {
        if let Some(slot) = task.granted_slot {
            let holder = task.granted_holder();
            let now = Utc::now().timestamp_millis();
            if self
                .line
                .take_call_slot(slot, &holder, now, self.lease)
                .await?
            {
                return Ok(Some((slot, holder)));
            }
            // Not held for it any more (its lease ran out and another task took it): as anyone.
        }
        let holder = format!(
            "{}#{}#{:08x}",
            task.occurrence_id,
            task.attempt,
            rand::random::<u32>()
        );
        if let Some(slot) = self.take_free_slot(&holder).await? {
            return Ok(Some((slot, holder)));
        }
        let waiting = DialTask {
            waiting_since: Some(
                task.waiting_since
                    .unwrap_or_else(|| Utc::now().timestamp_millis()),
            ),
            granted_slot: None,
            ..task.clone()
        };
        self.line.add_waiter(&waiting).await?;
        // Look once more now that the task is in line: a call that ended between the first
        // look and joining the line did not see this task, but its free slot is seen here.
        if let Some(slot) = self.take_free_slot(&holder).await? {
            self.line.remove_waiter(&waiting).await?;
            return Ok(Some((slot, holder)));
        }
        self.arm_watchdog(false).await?;
        Ok(None)
    }

    /// The line's last resort. Calls that end wake the line; were every live call's release
    /// lost, nothing would, until their leases ran out and nobody noticed. So while tasks wait,
    /// one watchdog task (at most) is pending: when it comes, it wakes as many as there are
    /// free slots (expired leases included) and, if some still wait, comes again a period later.
    async fn arm_watchdog(&self, rearm: bool) -> Result<()> {
        let now = Utc::now().timestamp_millis();
        let period = self.watchdog_period;
        if self.line.arm_watchdog(now, period, rearm).await? {
            self.queue.send(&DialTask::wake_waiters(), period).await?;
        }
        Ok(())
    }

    /// The watchdog's task: wake whoever a free slot (an expired lease included) allows, and
    /// come again while some still wait.
    pub(crate) async fn watchdog_fired(&self) -> Result<()> {
        self.wake_waiters().await?;
        if !self.line.oldest_waiters(1).await?.is_empty() {
            self.arm_watchdog(true).await?;
        }
        Ok(())
    }

    /// Take one of the free slots (one read, then a conditional write per slot tried).
    async fn take_free_slot(&self, holder: &str) -> Result<Option<u32>> {
        let now = Utc::now().timestamp_millis();
        let held = self.line.call_slots().await?;
        for slot in pacing::slots_to_try(self.limit, &held, now, rand::random()) {
            if self
                .line
                .take_call_slot(slot, holder, now, self.lease)
                .await?
            {
                return Ok(Some(slot));
            }
        }
        Ok(None)
    }

    /// A call is over (or was never placed): its slot goes straight to the task that has waited
    /// longest, so no task that comes later takes it first; with nobody waiting it is given
    /// back. Run again after a failure, it hands the slot to the same task, or wakes whoever
    /// still waits.
    pub(crate) async fn free_call_slot(&self, slot: u32, holder: &str) -> Result<()> {
        if let Some(next) = self.line.oldest_waiters(1).await?.pop() {
            let next = DialTask {
                granted_slot: Some(slot),
                ..next
            };
            let now = Utc::now().timestamp_millis();
            let to = next.granted_holder();
            if self
                .line
                .pass_call_slot(slot, holder, &to, now, self.lease)
                .await?
            {
                // Sent before it leaves the line: a crash in between sends it twice, never not
                // at all (a dial task is idempotent, and both copies hold the slot as one holder).
                self.queue.send(&next, std::time::Duration::ZERO).await?;
                self.line.remove_waiter(&next).await?;
                info!(occurrence_id = %next.occurrence_id, attempt = next.attempt, slot, "pacing_slot_handed_on");
                return Ok(());
            }
        }
        self.line.release_call_slot(slot, holder).await?;
        self.wake_waiters().await
    }

    /// Wake as many waiting tasks as there are free slots, oldest first. Most of the time
    /// nobody waits, and one read says so.
    pub(crate) async fn wake_waiters(&self) -> Result<()> {
        let mut line = self.line.oldest_waiters(1).await?;
        if line.is_empty() {
            return Ok(());
        }
        let now = Utc::now().timestamp_millis();
        let free = pacing::free_count(self.limit, &self.line.call_slots().await?, now);
        if free > 1 {
            line = self.line.oldest_waiters(free).await?;
        }
        for task in line.into_iter().take(free) {
            // Sent before it leaves the line: a crash in between wakes it twice, never not at
            // all (a dial task is idempotent).
            self.queue.send(&task, std::time::Duration::ZERO).await?;
            self.line.remove_waiter(&task).await?;
            info!(occurrence_id = %task.occurrence_id, attempt = task.attempt, "pacing_woken");
        }
        Ok(())
    }
}

/// Make sure the attempt's audio is in S3; false means the call will use `<Say>` instead.
async fn prepare_audio(app: &App, a: &Attempt) -> bool {
    let key = app.audio_key(&a.text);
    match app.audio().exists(&key).await {
        Ok(true) => {
            info!(occurrence_id = %a.occurrence_id, attempt = a.attempt, "audio_cache_hit");
            app.metrics
                .put("dialer", &[("TtsCharacters", 0.0), ("TtsCacheHits", 1.0)]);
            return true;
        }
        Ok(false) => {}
        Err(e) => {
            warn!(error = %e, "audio_cache_unavailable");
            return false;
        }
    }
    let characters = a.text.chars().count() as f64;
    app.metrics.put(
        "dialer",
        &[("TtsCharacters", characters), ("TtsCacheHits", 0.0)],
    );
    match app.tts().synthesize(&a.text).await {
        Ok(ulaw) => match app.audio().put_wav(&key, wav::wrap_ulaw(&ulaw)).await {
            Ok(()) => {
                info!(occurrence_id = %a.occurrence_id, attempt = a.attempt, characters = a.text.chars().count(), "audio_generated");
                true
            }
            Err(e) => {
                warn!(error = %e, "audio_store_failed_fallback_say");
                false
            }
        },
        Err(e) => {
            warn!(occurrence_id = %a.occurrence_id, attempt = a.attempt, error = %e, "tts_failed_fallback_say");
            false
        }
    }
}

// ---------------------------------------------------------------- after an attempt

/// Twilio says the call ended (a status callback, or the check asking Twilio): record it and
/// give the attempt its outcome if it has none; the campaign then moves on from the queue
/// (`CheckCall`), off the webhook's critical path. Safe in any order and any number of times:
/// the latest `sequence` wins and the campaign moves once per attempt.
pub async fn on_final_status(
    app: &App,
    occ: &str,
    k: u32,
    sid: &str,
    status: CallStatus,
    sequence: i64,
    duration: Option<u32>,
) -> Result<()> {
    let Some(a) = app
        .store
        .record_status(occ, k, sid, status.as_str(), sequence, duration, true)
        .await?
    else {
        return Ok(()); // stale or repeated: the first final status already did this
    };
    if a.outcome.is_none() {
        if let Some(o) = campaign::outcome_for_status(status, a.answered_by.as_deref()) {
            app.store.set_outcome(occ, k, o, None).await?;
        }
    }
    if app.faults.trip(faults::CRASH_AFTER_FINAL_STATUS, occ) {
        // The callback is not repeated; the attempt's periodic check moves the campaign on.
        anyhow::bail!("injected crash after the final status was recorded");
    }
    app.queue()
        .send(&DialTask::check(occ, k), std::time::Duration::ZERO)
        .await
}

/// Answering-machine detection (asynchronous, so the offer may already be playing): a machine
/// gives the attempt the outcome Voicemail and the call a short message instead of the offer.
pub async fn on_machine_detection(
    app: &App,
    occ: &str,
    k: u32,
    sid: &str,
    answered_by: &str,
) -> Result<()> {
    app.store.set_answered_by(occ, k, answered_by).await?;
    if !campaign::is_machine(answered_by)
        || !app
            .store
            .set_outcome(occ, k, Outcome::Voicemail, None)
            .await?
    {
        return Ok(());
    }
    info!(occurrence_id = %occ, attempt = k, answered_by, "voicemail_detected");
    let first_name = app
        .store
        .get_attempt(occ, k)
        .await?
        .map(|a| a.first_name)
        .unwrap_or_default();
    let xml = twiml::render(&[
        Verb::Say(callout_core::words::voicemail(&first_name)),
        Verb::Hangup,
    ]);
    if let Err(e) = app.twilio().redirect_call(sid, &xml).await {
        warn!(occurrence_id = %occ, attempt = k, error = %e, "voicemail_redirect_failed");
    }
    Ok(())
}

/// The attempt's call is over: free its call slot and move the campaign on.
async fn call_ended(app: &App, a: &Attempt) -> Result<()> {
    if a.advanced {
        return Ok(()); // done before: the slot is freed before the campaign moves on
    }
    if let (Some(slot), Some(holder)) = (a.pace_slot, &a.pace_holder) {
        free_call_slot(app, slot, holder).await?;
    }
    advance(app, a).await
}

/// Checks of one call that find it not over (or Twilio refusing to say) before giving up on
/// it: at 5 minutes apart, an hour for a call Twilio says is still live (a call here lasts
/// minutes), and three refusals (e.g. 20404: Twilio does not know the call).
pub const MAX_LIVE_CHECKS: u32 = 12;
pub const MAX_REFUSED_CHECKS: u32 = 3;

/// A check on an attempt whose final status may never have arrived (lost callbacks).
async fn check_call(app: &App, task: &DialTask) -> Result<()> {
    let (occ, k) = (task.occurrence_id.as_str(), task.attempt);
    let Some(a) = app.store.get_attempt(occ, k).await? else {
        return Ok(());
    };
    if a.status().is_some_and(CallStatus::is_terminal)
        || (a.outcome.is_some() && a.call_sid.is_none())
    {
        // Over (or never placed: refused): nothing lost; idempotent.
        return call_ended(app, &a).await;
    }
    let check = DialTask {
        checks: task.checks + 1,
        ..DialTask::check(occ, k)
    };
    let again = || {
        app.queue()
            .send(&check, at_least_a_second(app, CHECK_AFTER_SECS))
    };
    let Some(sid) = &a.call_sid else {
        // Never confirmed by Twilio: after two check periods, give up on this attempt.
        let waited = Utc::now() - a.created_at;
        if waited.to_std().unwrap_or_default() > 2 * at_least_a_second(app, CHECK_AFTER_SECS) {
            error!(occurrence_id = %occ, attempt = k, "call_never_confirmed");
            return give_up_on_call(app, occ, k, None).await;
        }
        return again().await;
    };
    match app.twilio().call_status(sid).await {
        Ok((status, duration)) => match CallStatus::parse(&status) {
            Some(s) if s.is_terminal() => {
                warn!(occurrence_id = %occ, attempt = k, call_status = s.as_str(), "final_status_recovered");
                // After any callback Twilio could still send for this call.
                on_final_status(app, occ, k, sid, s, i64::from(u32::MAX), duration).await
            }
            _ if check.checks >= MAX_LIVE_CHECKS => {
                error!(occurrence_id = %occ, attempt = k, call_sid = %sid, call_status = %status, checks = check.checks, alarm = true, "call_check_gave_up");
                give_up_on_call(app, occ, k, Some(sid)).await
            }
            _ => again().await,
        },
        Err(TwilioError::Refused { code, message }) => {
            if check.checks >= MAX_REFUSED_CHECKS {
                error!(occurrence_id = %occ, attempt = k, call_sid = %sid, code, error = %message, checks = check.checks, alarm = true, "call_check_gave_up");
                return give_up_on_call(app, occ, k, Some(sid)).await;
            }
            error!(occurrence_id = %occ, attempt = k, code, error = %message, "call_status_refused");
            again().await
        }
        Err(e) => {
            if let TwilioError::Account { code, message } = &e {
                error!(occurrence_id = %occ, attempt = k, code, error = %message, alarm = true, "twilio_account_refused");
            }
            Err(e.into())
        }
    }
}

/// Nobody can tell how the call went: it is `Failed` (ended in Twilio, if it still runs) and
/// the campaign moves on.
async fn give_up_on_call(app: &App, occ: &str, k: u32, sid: Option<&str>) -> Result<()> {
    app.store.set_outcome(occ, k, Outcome::Failed, None).await?;
    if let Some(sid) = sid {
        if let Err(e) = app.twilio().end_call(sid).await {
            warn!(occurrence_id = %occ, call_sid = %sid, error = %e, "end_call_failed");
        }
    }
    let a = app
        .store
        .get_attempt(occ, k)
        .await?
        .context("attempt vanished")?;
    call_ended(app, &a).await
}

/// The attempt has ended without an acceptance: call the next person, or give the shift to a
/// coordinator when every round is done. Once per attempt, however often it is asked.
pub async fn advance(app: &App, attempt: &Attempt) -> Result<()> {
    if attempt.advanced || attempt.outcome == Some(Outcome::Accepted) {
        return Ok(());
    }
    let occ = &attempt.occurrence_id;
    let Some(shift) = app.store.get_shift(occ).await? else {
        return Ok(());
    };
    match (shift.status, shift.plan().after(attempt.attempt)) {
        (
            ShiftStatus::Open,
            Advance::Call {
                attempt: next,
                delay_secs,
            },
        ) => {
            // Queue first, then mark: a crash in between queues a duplicate task, which the
            // dialer's conditional write absorbs; the reverse order could lose the campaign.
            let delay = app.config.scaled(delay_secs);
            app.queue().send(&DialTask::dial(occ, next), delay).await?;
            if app.faults.trip(faults::CRASH_AFTER_NEXT_CALL_QUEUED, occ) {
                anyhow::bail!("injected crash after the next call was queued");
            }
            if app.store.mark_advanced(occ, attempt.attempt).await? {
                info!(occurrence_id = %occ, attempt = attempt.attempt, next_attempt = next, delay_ms = delay.as_millis() as u64, "campaign_advanced");
            }
        }
        // Also when the shift was marked unfilled by a step that stopped before its event:
        // the attempt is marked advanced only once the event is out.
        (ShiftStatus::Open | ShiftStatus::UnfilledAfterCalls, Advance::Unfilled) => {
            if shift.status == ShiftStatus::Open {
                if app.store.mark_unfilled(occ).await? {
                    info!(occurrence_id = %occ, attempts = shift.plan().total_attempts(), "shift_unfilled_after_calls");
                } else if app
                    .store
                    .get_shift(occ)
                    .await?
                    .is_none_or(|s| s.status != ShiftStatus::UnfilledAfterCalls)
                {
                    // Taken meanwhile (a reply by SMS as the last call ended): not unfilled.
                    app.store.mark_advanced(occ, attempt.attempt).await?;
                    return Ok(());
                }
            }
            if app.faults.trip(faults::CRASH_AFTER_UNFILLED, occ) {
                anyhow::bail!("injected crash after the shift was marked unfilled");
            }
            let sent = once(
                app,
                occ,
                "unfilledEventAt",
                DialTask::check(occ, attempt.attempt),
                async {
                    app.events()
                        .put(
                            "ShiftUnfilledAfterCalls",
                            &json!({
                                "occurrenceId": occ,
                                "providerId": shift.event.provider_id,
                                "attempts": shift.plan().total_attempts(),
                            }),
                        )
                        .await?;
                    app.metrics
                        .put_with(&[], &[(figures::SHIFTS_UNFILLED, 1.0)]);
                    Ok(())
                },
            )
            .await?;
            if sent == Once::Done {
                app.store.mark_advanced(occ, attempt.attempt).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// How a once-only effect went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Once {
    /// Done, now or before.
    Done,
    /// Another step holds the claim and has not finished: `retry` was queued for when its
    /// claim runs out.
    Deferred,
}

/// How long a claimed effect may take before another step takes it over: beyond the dialer's
/// 30 s timeout, so the claim's holder is surely gone.
pub const CLAIM_LEASE_SECS: u64 = 120;

fn claim_lease(app: &App) -> chrono::Duration {
    let lease = app
        .config
        .scaled(CLAIM_LEASE_SECS)
        .max(std::time::Duration::from_secs(3));
    chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(3))
}

/// Run a side effect of a shift once, even when the step is retried or crashes: claim it, do
/// it, mark it done; give the claim back if it failed so a retry does it. A claim whose holder
/// crashed before finishing is taken over when its lease runs out (`retry` is queued for then),
/// so a crash between the claim and the effect loses nothing (a crash after the effect and
/// before marking it done repeats it once).
async fn once<F>(app: &App, occ: &str, flag: &str, retry: DialTask, effect: F) -> Result<Once>
where
    F: std::future::Future<Output = Result<()>>,
{
    let now = Utc::now();
    let lease = claim_lease(app);
    match app.store.claim_once(occ, flag, now, now - lease).await? {
        Claim::Done => return Ok(Once::Done),
        Claim::InProgress(at) => {
            let wait =
                (at + lease - now).to_std().unwrap_or_default() + std::time::Duration::from_secs(1);
            info!(occurrence_id = %occ, effect = flag, "side_effect_in_progress");
            app.queue().send(&retry, wait).await?;
            return Ok(Once::Deferred);
        }
        Claim::Claimed => {}
    }
    if app.faults.trip(&faults::crash_after_claim(flag), occ) {
        anyhow::bail!("injected crash after claiming {flag}");
    }
    if let Err(e) = effect.await {
        error!(occurrence_id = %occ, effect = flag, error = %e, "side_effect_failed");
        app.store.release_once(occ, flag).await?;
        return Err(e);
    }
    app.store.complete_once(occ, flag).await?;
    Ok(Once::Done)
}

// ---------------------------------------------------------------- accepting

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acceptance {
    /// This person has the shift (also when they had it already and the request repeated).
    Accepted,
    /// Somebody else has it.
    Taken {
        filled_by: String,
    },
    UnknownShift,
    NotInPool,
    /// A key press on a call that is over, or on an attempt that already has another outcome.
    OfferClosed,
}

/// A person pressed 1 on call `k`. The webhook URL Twilio signed names the person; the attempt
/// is read first, and only the person that attempt called, on a call still live
/// (`campaign::key_press_can_accept`), goes on to the two writes (the acceptance and the call's
/// outcome); the rest follows from the queue.
pub async fn accept_call(app: &App, occ: &str, employee_id: &str, k: u32) -> Result<Acceptance> {
    let Some(a) = app.store.get_attempt(occ, k).await? else {
        warn!(occurrence_id = %occ, attempt = k, reason = "no such attempt", "key_press_refused");
        return Ok(Acceptance::UnknownShift);
    };
    if a.employee_id != employee_id {
        warn!(occurrence_id = %occ, attempt = k, reason = "not the person this attempt called", "key_press_refused");
        return Ok(Acceptance::NotInPool);
    }
    let call_over = a.status().is_some_and(CallStatus::is_terminal);
    if !campaign::key_press_can_accept(a.outcome, call_over) {
        warn!(occurrence_id = %occ, attempt = k, outcome = a.outcome.map(Outcome::as_str), call_over, reason = "the call is over", "key_press_refused");
        return Ok(Acceptance::OfferClosed);
    }
    if let Some(lost) = record_acceptance(app, occ, employee_id, "phone", Some(k)).await? {
        return Ok(lost);
    }
    app.store
        .set_outcome(occ, k, Outcome::Accepted, Some("1"))
        .await?;
    finish_from_queue(app, occ).await
}

/// A person took the shift by another channel (a text reply, a coordinator): the person must
/// be in the shift's pool. Before answering: the acceptance and, as calls may not have started
/// yet, the deletion of their schedule. The rest follows from the queue, as after a key press.
pub async fn accept(app: &App, occ: &str, employee_id: &str, channel: &str) -> Result<Acceptance> {
    let Some(shift) = app.store.get_shift(occ).await? else {
        return Ok(Acceptance::UnknownShift);
    };
    if shift.staff(employee_id).is_none() {
        return Ok(Acceptance::NotInPool);
    }
    if let Some(lost) = record_acceptance(app, occ, employee_id, channel, None).await? {
        return Ok(lost);
    }
    // Should this fail, the schedule fires later, its task is dropped (the shift is no longer
    // open) and the schedule deletes itself.
    if let Err(e) = app.schedules().delete(&schedule_name(occ)).await {
        warn!(occurrence_id = %occ, error = %e, "schedule_delete_failed");
    }
    finish_from_queue(app, occ).await
}

/// A person pressed 2 on call `k`; the campaign moves on when the call ends (its final status).
pub async fn decline(app: &App, occ: &str, k: u32) -> Result<()> {
    info!(occurrence_id = %occ, attempt = k, "job_decline_start");
    app.store
        .set_outcome(occ, k, Outcome::Declined, Some("2"))
        .await?;
    if app.faults.trip(faults::CRASH_AFTER_DECLINE, occ) {
        anyhow::bail!("injected crash after the decline was recorded");
    }
    Ok(())
}

/// How long after an acceptance's write its safety-net `FinishAcceptance` task comes: beyond
/// any webhook's run (10 s), so the write it backs up has happened or never will.
pub const FINISH_SAFETY_SECS: u64 = 30;

/// The shift is taken: what follows (`after_acceptance`) is the dialer's, from the queue.
async fn finish_from_queue(app: &App, occ: &str) -> Result<Acceptance> {
    app.queue()
        .send(&DialTask::finish_acceptance(occ), std::time::Duration::ZERO)
        .await?;
    Ok(Acceptance::Accepted)
}

/// The one conditional write that gives a shift to one person, whatever the channel: `None`
/// when `employee_id` has it (also when a retried request finds it theirs already), else why not.
async fn record_acceptance(
    app: &App,
    occ: &str,
    employee_id: &str,
    channel: &str,
    attempt: Option<u32>,
) -> Result<Option<Acceptance>> {
    info!(occurrence_id = %occ, employee_id = %employee_id, channel, "job_acceptance_start");
    // The hand-off is queued (delayed) with the write, not after it: a crash between the write
    // and the immediate hand-off below still finishes the acceptance (SMS, ShiftFilled, other
    // calls ended). A task for a write that lost or never happened finds nothing to do.
    let finish = DialTask::finish_acceptance(occ);
    let safety_net = app
        .queue()
        .send(&finish, at_least_a_second(app, FINISH_SAFETY_SECS));
    let (queued, written) = tokio::join!(
        safety_net,
        app.store.accept(occ, employee_id, channel, attempt)
    );
    if let Err(e) = queued {
        warn!(occurrence_id = %occ, error = %e, "acceptance_safety_net_failed");
    }
    match written? {
        AcceptWrite::Won => {
            info!(occurrence_id = %occ, employee_id = %employee_id, channel, "job_accepted");
            if app.faults.trip(faults::CRASH_AFTER_ACCEPTANCE, occ) {
                anyhow::bail!("injected crash after the acceptance was written");
            }
        }
        AcceptWrite::Taken { filled_by } if filled_by != employee_id => {
            info!(occurrence_id = %occ, employee_id = %employee_id, filled_by = %filled_by, "job_acceptance_too_late");
            if let Some(k) = attempt {
                app.store
                    .set_outcome(occ, k, Outcome::Canceled, Some("1"))
                    .await?;
            }
            return Ok(Some(Acceptance::Taken { filled_by }));
        }
        AcceptWrite::Taken { .. } => {} // the same person again: a retried request
    }
    Ok(None)
}

/// Everything that follows an acceptance, run from the queue (`FinishAcceptance`); each part
/// idempotent, so a retry completes it, and the shift is marked finished when all is done. No
/// schedule is left to delete: after a key press the start schedule has fired (and deleted
/// itself), and `accept` deletes it for other channels.
async fn after_acceptance(app: &App, shift: &Shift) -> Result<()> {
    let occ = shift.occurrence_id();
    let winner_id = shift.assigned_to.clone().unwrap_or_default();
    if let Some(k) = shift.assigned_attempt {
        app.store.set_winner_outcome(occ, k).await?;
    }
    let attempts = app.store.list_attempts(occ).await?;
    // The guide's figures: filled by a call (and in which round), or another way after calls.
    let won_on_call = attempts
        .iter()
        .find(|a| a.outcome == Some(Outcome::Accepted) && a.employee_id == winner_id)
        .map(|a| a.round);
    let filled: Vec<(&str, f64)> = match won_on_call {
        Some(round) => vec![
            (figures::SHIFTS_FILLED_BY_CALL, 1.0),
            (figures::ACCEPTED_ROUND, f64::from(round)),
        ],
        None if !attempts.is_empty() => vec![(figures::SHIFTS_FILLED_OTHERWISE, 1.0)],
        None => vec![],
    };
    let mut to_end = Vec::new();
    for a in attempts {
        // The winner's own attempt already has its outcome.
        if a.outcome.is_some() {
            continue;
        }
        if a.status().is_some_and(|s| s.is_terminal()) {
            continue;
        }
        if app
            .store
            .set_outcome(occ, a.attempt, Outcome::Canceled, None)
            .await?
        {
            to_end.push(a.call_sid);
        }
    }
    let cancelled = to_end.len();
    // Ended at once, not one after another: the task's worst case counts one Twilio budget.
    futures::future::join_all(to_end.iter().flatten().map(|sid| async move {
        if let Err(e) = app.twilio().end_call(sid).await {
            warn!(occurrence_id = %occ, call_sid = %sid, error = %e, "end_call_failed");
        }
    }))
    .await;
    info!(occurrence_id = %occ, live_calls_ended = cancelled, "outbound_calls_cancelled");
    if app.faults.trip(faults::CRASH_AFTER_CALLS_ENDED, occ) {
        anyhow::bail!("injected crash after the other calls were ended");
    }
    let retry = DialTask::finish_acceptance(occ);
    let sms = match shift.staff(&winner_id) {
        Some(winner) => {
            let v = Values::for_job(&winner.first_name, &shift.event.job);
            let body = callout_core::words::confirmation_sms(&v);
            once(app, occ, "confirmationSmsAt", retry.clone(), async {
                confirm(app, occ, &winner.employee_id, &winner.phone, &body).await
            })
            .await
        }
        None => Ok(Once::Done),
    };
    // ShiftFilled goes out whatever became of the SMS: a retry of the SMS does not hold it up.
    if app.faults.trip(faults::CRASH_BEFORE_FILLED_EVENT, occ) {
        anyhow::bail!("injected crash before ShiftFilled");
    }
    let event = once(app, occ, "filledEventAt", retry, async {
        app.events()
            .put(
                "ShiftFilled",
                &json!({
                    "occurrenceId": occ,
                    "providerId": shift.event.provider_id,
                    "employeeId": winner_id,
                    "channel": shift.assigned_channel,
                    "assignedAt": shift.assigned_at.map(|t| t.to_rfc3339()),
                }),
            )
            .await?;
        if !filled.is_empty() {
            app.metrics.put_with(&[], &filled);
        }
        Ok(())
    })
    .await;
    if (sms?, event?) == (Once::Done, Once::Done) {
        app.store.mark_acceptance_finished(occ).await?;
    }
    Ok(())
}

/// Send the winner's confirmation. A refusal about the person (21610 opted out, 21211 /
/// 21614 not a usable mobile, 21408 region not enabled…) is final: recorded on the shift for
/// the call log, an alarm line for a coordinator, never retried. Anything else is retried.
async fn confirm(app: &App, occ: &str, employee_id: &str, phone: &str, body: &str) -> Result<()> {
    let delivery = match app.twilio().send_sms(phone, body).await {
        Ok(sid) => {
            info!(occurrence_id = %occ, employee_id = %employee_id, phone = %mask::phone(phone), "confirmation_sms_sent");
            Delivery {
                status: "sent".into(),
                sid: Some(sid),
                code: None,
                reason: None,
                at: Utc::now(),
            }
        }
        Err(TwilioError::Refused { code, message }) => {
            error!(occurrence_id = %occ, employee_id = %employee_id, phone = %mask::phone(phone), code, error = %message, alarm = true, "confirmation_sms_refused");
            Delivery {
                status: "refused".into(),
                sid: None,
                code: Some(code),
                reason: Some(message),
                at: Utc::now(),
            }
        }
        Err(e) => {
            if let TwilioError::Account { code, message } = &e {
                error!(occurrence_id = %occ, code, error = %message, alarm = true, "twilio_account_refused");
            }
            return Err(e.into());
        }
    };
    app.store.record_confirmation(occ, &delivery).await
}
