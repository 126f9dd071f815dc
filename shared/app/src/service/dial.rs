//! Placing a call from a dial task: the shift still open, a call slot taken (or a place in the
//! line), the attempt recorded with a conditional write first, the audio prepared, the Twilio
//! call created; and how a failed task is retried.

use super::prelude::*;
use super::*;

/// How long after placing a call to ask Twilio about it if no final status has arrived
/// (seconds, before TIME_SCALE), and how long a call slot's lease lasts.
pub const CHECK_AFTER_SECS: u64 = 300;
pub const CALL_LEASE_SECS: u64 = 900;
/// A dial task's run is over (finished, failed or killed by Lambda at the dialer's timeout,
/// 30 s in template.yaml) this long after it recorded its attempt: an attempt still "being
/// placed" after that will never be placed by that run (real seconds: a run's time is not
/// scaled).
pub const PLACING_RUN_OVER_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// A wait of `secs` at TIME_SCALE, never less than a second (SQS delays are whole seconds, and
/// a zero delay would spin).
pub(super) fn at_least_a_second(app: &App, secs: u64) -> std::time::Duration {
    app.config
        .scaled(secs)
        .max(std::time::Duration::from_secs(1))
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

/// A task failed its last try and goes to the dead-letter queue: its shift notes why, so the
/// call log tells a coordinator that calling stopped (until the queue is redriven, or the shift
/// is staffed by hand). Nothing is dropped in silence; a failure to note it is logged.
pub async fn task_dead_lettered(app: &App, task: &Task, error: &str) {
    let occ = task.occurrence_id();
    if occ.is_empty() {
        return;
    }
    let stalled = crate::records::Stalled {
        task: task.kind().to_string(),
        attempt: task.attempt(),
        reason: error.chars().take(200).collect(),
        at: Utc::now(),
    };
    if let Err(e) = app.store.set_stalled(occ, &stalled).await {
        warn!(occurrence_id = %occ, error = %e, "stalled_note_failed");
    }
}

/// A dial task: turn `k` of a shift is due. What happens is [`decide`]'s: the call placed, held
/// for later, the turn skipped (recorded, and over at once), or nothing.
pub async fn dial(app: &App, task: &Dial) -> Result<Vec<Next>> {
    let occ = &task.occurrence_id;
    let k = task.attempt;
    info!(occurrence_id = %occ, attempt = k, "outbound_worker_processing");
    anyhow::ensure!(
        !app.config.public_base_url.is_empty(),
        "PUBLIC_BASE_URL is not set: Twilio needs absolute webhook URLs"
    );
    let (shift, existing) = app.store.get_shift_and_attempt(occ, k).await?;
    let Some(shift) = shift else {
        error!(occurrence_id = %occ, attempt = k, "dial_task_for_unknown_shift");
        pass_on_the_slot(app, task, existing.as_ref()).await?;
        return Ok(Vec::new());
    };
    if existing
        .as_ref()
        .is_some_and(|a| a.outcome.is_some() && a.call_sid.is_none() && !a.advanced)
    {
        // A refused call or a skipped turn whose step stopped after recording it, before
        // moving on.
        info!(occurrence_id = %occ, attempt = k, "dial_task_finishes_recorded_turn");
        return Ok(vec![Next::Now(Task::call_ended(occ, k))]);
    }
    let skip = |t: u32| shift.skip_reason(t);
    let mut facts = Facts {
        status: shift.status,
        recorded: existing.is_some(),
        skip: &skip,
        paused_until: control::paused_until(app, &shift),
        quiet_until: quiet_until(&shift),
        person_wait: None,
        batch_over: true,
    };
    let mut decision = decide(&shift.campaign(), &facts, Moment::Due(k));
    if let Decision::Idle(why) = decision {
        match why {
            Idle::BeyondPlan => warn!(occurrence_id = %occ, attempt = k, "{}", why.as_str()),
            _ => info!(occurrence_id = %occ, attempt = k, "{}", why.as_str()),
        }
        pass_on_the_slot(app, task, existing.as_ref()).await?;
        if why == Idle::Recorded {
            duplicate(existing.as_ref(), Utc::now())?;
        }
        return Ok(Vec::new());
    }
    // `decide` is idle on a turn past the plan: this one is in it.
    let slot = shift
        .plan()
        .slot(k)
        .context("a decided turn is in the plan")?;
    // Broadcasting: the batch's first turn rings the rest, whatever becomes of its own.
    ring_the_rest_of_the_batch(app, &shift, k).await?;
    let staff = shift.callee(slot);
    let mut paced_at = None;
    if decision == Decision::Place {
        match person_may_call(app, &shift, staff, k).await? {
            Ok(at) => paced_at = Some(at),
            Err(until) => facts.person_wait = Some(until),
        }
        decision = decide(&shift.campaign(), &facts, Moment::Due(k));
    }
    match decision {
        Decision::Skip(why) => {
            pass_on_the_slot(app, task, None).await?;
            app.store
                .create_attempt(&Attempt::skipped(&shift, k, slot, why))
                .await?;
            info!(occurrence_id = %occ, attempt = k, employee_id = %staff.employee_id, reason = why.as_str(), "turn_skipped");
            Ok(vec![Next::Now(Task::call_ended(occ, k))])
        }
        Decision::Hold { until, reason } => {
            pass_on_the_slot(app, task, None).await?;
            hold(app, task, staff, until, reason).await
        }
        Decision::Place => place(app, task, &shift, slot, paced_at).await,
        other => {
            warn!(occurrence_id = %occ, attempt = k, decision = ?other, "dial_task_unexpected_decision");
            Ok(Vec::new())
        }
    }
}

/// Place turn `task.attempt`'s call: a call slot, the attempt recorded, the audio, the call.
async fn place(
    app: &App,
    task: &Dial,
    shift: &Shift,
    slot: campaign::Slot,
    paced_at: Option<i64>,
) -> Result<Vec<Next>> {
    let (occ, k) = (&task.occurrence_id, task.attempt);
    let staff = shift.callee(slot);
    // A call slot first: over the account's limit the task waits in line and is not lost.
    let Some((pace_slot, holder)) = take_call_slot_or_wait(app, task).await? else {
        info!(occurrence_id = %occ, attempt = k, "pacing_wait");
        return Ok(Vec::new());
    };
    // Whatever happens to this call (its callbacks lost, or this run dying before the call is
    // placed), someone looks at it again: the check is queued before the attempt exists, so no
    // attempt is ever left "being placed" with nobody to look at it.
    app.queue()
        .send(
            &Task::check(occ, k, 0),
            at_least_a_second(app, CHECK_AFTER_SECS),
        )
        .await?;
    let text = shift.offer_text(staff);
    let mut attempt = Attempt::new(shift, k, slot, text, Some((pace_slot, holder.clone())));
    attempt.paced_at = paced_at.and_then(chrono::DateTime::from_timestamp_millis);
    if !app.store.create_attempt(&attempt).await? {
        let theirs = app.store.get_attempt(occ, k).await?;
        if !theirs.as_ref().is_some_and(|t| is_own_write(t, &attempt)) {
            info!(occurrence_id = %occ, attempt = k, "dial_task_duplicate");
            give_back(app, pace_slot, &holder, theirs.as_ref()).await?;
            // Refused, then gone: the copy holding it took it back (Twilio refused for the
            // moment) and fails to be delivered again; this copy's success would delete the
            // message both share, and nobody would place the call. Tried again instead.
            anyhow::ensure!(
                theirs.is_some(),
                "another copy of this dial task took its attempt back"
            );
            return duplicate(theirs.as_ref(), Utc::now()).map(|()| Vec::new());
        }
        // This run's own write, refused when the SDK sent it again after a lost answer: the
        // attempt is this run's, and so is its call.
        warn!(occurrence_id = %occ, attempt = k, "attempt_write_retried_own");
    }
    if app.faults.trip(faults::CRASH_AFTER_ATTEMPT_RECORDED, occ) {
        anyhow::bail!("injected crash after the attempt was recorded");
    }
    // The call-back line knows who rings back: the offer was written with the attempt.
    info!(
        occurrence_id = %occ, attempt = k, round = slot.round, position = slot.position,
        employee_id = %staff.employee_id, phone = %mask::phone(&staff.phone),
        "outbound_call_processing"
    );
    let has_audio = prepare_audio(app, &attempt).await;
    let speech = attempt.speech();
    let req = CallRequest {
        to: staff.phone.clone(),
        twiml_url: urls::twiml(&app.config, occ, k, has_audio, &speech),
        status_url: urls::status(&app.config, occ, k),
        amd_url: urls::amd(&app.config, occ, k),
        fallback_url: urls::fallback(&app.config, occ, k, has_audio, &speech),
        recording_url: None,
    };
    let req = super::recording::when_recorded(app, shift, k, req).await;
    match app.twilio_for(shift).create_call(&req).await {
        Ok(sid) => {
            if app.faults.trip(crate::faults::CRASH_AFTER_CALL_PLACED, occ) {
                anyhow::bail!("injected crash after the call was placed");
            }
            if app.store.set_call_sid(occ, k, &sid).await? {
                info!(occurrence_id = %occ, attempt = k, call_sid = %sid, audio = has_audio, "outbound_call_initiated");
            } else {
                // The turn got its outcome while this call was being placed: kept all the same.
                // Ended only when its shift cancelled it (filled or cancelled meanwhile); an
                // outcome the call itself gave (a key pressed before Twilio's answer came) is
                // the person's, and the call ends as its words say.
                app.store.keep_call_sid(occ, k, &sid).await?;
                let cancelled = app
                    .store
                    .get_attempt(occ, k)
                    .await?
                    .is_some_and(|a| a.cancelled_by_its_shift());
                if !cancelled {
                    info!(occurrence_id = %occ, attempt = k, call_sid = %sid, "outbound_call_outcome_came_first");
                    return Ok(Vec::new());
                }
                info!(occurrence_id = %occ, attempt = k, call_sid = %sid, "outbound_call_ended_shift_filled");
                if let Err(e) = app.twilio().end_call(&sid).await {
                    // The acceptance's own step ends the calls it cancelled: asked to, it tries
                    // this one again until Twilio ends it.
                    warn!(occurrence_id = %occ, call_sid = %sid, error = %e, "end_call_failed");
                    return Ok(vec![Next::Later(
                        Task::finish_acceptance(occ),
                        at_least_a_second(app, super::accept::END_CALLS_AGAIN_SECS),
                    )]);
                }
            }
            Ok(Vec::new())
        }
        Err(TwilioError::Refused { code, message }) => {
            // About this number only: this person's call failed; the next person is called.
            error!(occurrence_id = %occ, attempt = k, code, error = %message, phone = %mask::phone(&staff.phone), "outbound_call_refused");
            app.store.set_outcome(occ, k, Outcome::Failed, None).await?;
            if app.faults.trip(faults::CRASH_AFTER_CALL_REFUSED, occ) {
                anyhow::bail!("injected crash after a refused call's outcome");
            }
            Ok(vec![Next::Now(Task::call_ended(occ, k))])
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
            Ok(Vec::new())
        }
    }
}

/// Whether the stored attempt is `mine` as this run wrote it (its creation to the nanosecond,
/// under the same call-slot holder): no other copy of the task writes that.
fn is_own_write(stored: &Attempt, mine: &Attempt) -> bool {
    stored.created_at == mine.created_at
        && stored.pace_holder == mine.pace_holder
        && stored.call_sid.is_none()
        && stored.outcome.is_none()
}

/// A task woken for a slot it will not use: the next in line gets the slot instead.
async fn pass_on_the_slot(app: &App, task: &Dial, existing: Option<&Attempt>) -> Result<()> {
    match task.granted_slot {
        Some(slot) => give_back(app, slot, &task.granted_holder(), existing).await,
        None if task.waiting_since.is_some() => wake_waiters(app).await,
        None => Ok(()),
    }
}

/// Broadcast calling: the first attempt of a batch queues the others, so everyone in it rings at
/// once (each through its own call slot and conditional write). Queued before this call is
/// placed: a retry of this task queues them again, which their conditional writes absorb.
async fn ring_the_rest_of_the_batch(app: &App, shift: &Shift, k: u32) -> Result<()> {
    let batch = shift.batch(k);
    if batch.start != k || batch.len() < 2 {
        return Ok(());
    }
    for other in batch.skip(1) {
        app.queue()
            .send(
                &Task::dial(shift.occurrence_id(), other),
                std::time::Duration::ZERO,
            )
            .await?;
    }
    Ok(())
}

/// Another copy of this task (a duplicate delivery, or this task redelivered while its first
/// run goes on) has the attempt. Done when its call is placed or has an outcome; while the
/// call is still being placed, this copy is tried again later rather than dropped: the other
/// copy may yet find that Twilio did nothing, take the attempt back and fail, and its own
/// message may be the one this copy's success would delete. Once that run is certainly over
/// ([`PLACING_RUN_OVER_AFTER`]: it died before placing the call or before storing it), nothing
/// can take the attempt back any more and its check (queued before the attempt) settles it:
/// this copy is done.
pub(super) fn duplicate(theirs: Option<&Attempt>, now: chrono::DateTime<Utc>) -> Result<()> {
    match theirs {
        Some(a)
            if a.call_sid.is_none()
                && a.outcome.is_none()
                && (now - a.created_at).to_std().unwrap_or_default() < PLACING_RUN_OVER_AFTER =>
        {
            anyhow::bail!("another copy of this dial task is placing the call")
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn being_placed(created_at: chrono::DateTime<Utc>) -> Attempt {
        let event: callout_core::model::Wave3Completed =
            serde_json::from_str(include_str!("../../../../events/start-calling-detail.json"))
                .expect("the sample event");
        let shift = Shift::open(event, true, 1, "Hi {firstName}".into(), created_at);
        let slot = shift.plan().slot(0).expect("a first call");
        let mut a = Attempt::new(&shift, 0, slot, "Hi".into(), None);
        a.created_at = created_at;
        a
    }

    #[test]
    fn only_this_runs_own_write_is_taken_for_its_own() {
        let now = Utc::now();
        let mine = being_placed(now);
        assert!(is_own_write(&mine.clone(), &mine), "the write, retried");
        let other_copy = being_placed(now + chrono::Duration::nanoseconds(1));
        assert!(!is_own_write(&other_copy, &mine), "another copy's write");
        let mut placed = mine.clone();
        placed.call_sid = Some("CA1".into());
        assert!(!is_own_write(&placed, &mine), "a call placed already");
    }

    #[test]
    fn a_copy_waits_for_a_placing_run_only_while_that_run_can_still_be_going() {
        let now = Utc::now();
        let young = being_placed(now - chrono::Duration::seconds(5));
        assert!(duplicate(Some(&young), now).is_err(), "tried again later");
        let old = being_placed(now - chrono::Duration::seconds(61));
        assert!(
            duplicate(Some(&old), now).is_ok(),
            "the run is over: its check settles it"
        );
        let mut placed = young.clone();
        placed.call_sid = Some("CA1".into());
        assert!(duplicate(Some(&placed), now).is_ok());
        assert!(duplicate(None, now).is_ok());
    }
}
