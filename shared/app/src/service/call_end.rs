//! After an attempt: final statuses and answering-machine detection from Twilio, the checks for
//! calls whose end never arrived, and advancing the campaign to the next person or to
//! `UNFILLED_AFTER_CALLS`.

use super::prelude::*;
use super::*;

/// Twilio says the call ended (a status callback, or the check asking Twilio): record it and
/// give the attempt its outcome if it has none; the campaign then moves on from the queue
/// (`CallEnded`, which places the next call itself), off the webhook's critical path. Safe in any order and any number of times:
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
        .send(&Task::call_ended(occ, k), std::time::Duration::ZERO)
        .await
}

/// A `CallEnded` task: the turn is over (its final status recorded, its call refused, or the
/// turn skipped); free its call slot and move the campaign on. Repeats and late copies change
/// nothing.
pub(super) async fn call_over(app: &App, occ: &str, k: u32) -> Result<Vec<Next>> {
    // The shift with the attempt, in one request: moving on decides from it.
    let (shift, a) = app.store.get_shift_and_attempt(occ, k).await?;
    let Some(a) = a else {
        return Ok(Vec::new());
    };
    if !a.is_over() {
        // Not what this task is for (the turn's end is written before it is queued); the
        // attempt's own check looks at it in time.
        warn!(occurrence_id = %occ, attempt = k, "call_ended_without_final_status");
        return Ok(Vec::new());
    }
    call_ended_with(app, &a, shift).await
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
    let (first_name, speech) = app
        .store
        .get_attempt(occ, k)
        .await?
        .map(|a| (a.first_name.clone(), a.speech()))
        .unwrap_or_else(|| (String::new(), callout_core::lang::Speech::english()));
    let words = speech.words();
    let xml = twiml::render_in(
        speech.say_language(),
        &[
            Verb::Say(words.voicemail(&words.hi(Some(&first_name)))),
            Verb::Hangup,
        ],
    );
    if let Err(e) = app.twilio().redirect_call(sid, &xml).await {
        warn!(occurrence_id = %occ, attempt = k, error = %e, "voicemail_redirect_failed");
    }
    Ok(())
}

/// The attempt's turn is over: free its call slot and move the campaign on.
pub(super) async fn call_ended(app: &App, a: &Attempt) -> Result<Vec<Next>> {
    call_ended_with(app, a, None).await
}

/// [`call_ended`], with its shift when the step has read it already (read when not).
async fn call_ended_with(app: &App, a: &Attempt, shift: Option<Shift>) -> Result<Vec<Next>> {
    // A voicemail or no answer: one text with the offer (once per attempt), when asked for.
    // A text sent here has spent the run's Twilio time: the loop queues the next call.
    follow_up_by_text(app, a).await?;
    if a.advanced {
        return Ok(Vec::new()); // done before: the slot is freed before the campaign moves on
    }
    if let (Some(slot), Some(holder)) = (a.pace_slot, &a.pace_holder) {
        free_call_slot(app, slot, holder).await?;
    }
    advance(app, a, shift).await
}

/// Checks of one call that find it not over (or Twilio refusing to say) before giving up on
/// it: at 5 minutes apart, an hour for a call Twilio says is still live (a call here lasts
/// minutes), and three refusals (e.g. 20404: Twilio does not know the call).
pub const MAX_LIVE_CHECKS: u32 = 12;
pub const MAX_REFUSED_CHECKS: u32 = 3;

/// A check on an attempt whose final status may never have arrived (lost callbacks).
pub(super) async fn check_call(app: &App, task: &crate::records::Check) -> Result<Vec<Next>> {
    let (occ, k) = (task.occurrence_id.as_str(), task.attempt);
    let Some(a) = app.store.get_attempt(occ, k).await? else {
        return Ok(Vec::new());
    };
    let checks = task.checks + 1;
    let again = || -> Result<Vec<Next>> {
        Ok(vec![Next::Later(
            Task::check(occ, k, checks),
            at_least_a_second(app, CHECK_AFTER_SECS),
        )])
    };
    if a.is_over() {
        // Over (or never placed: refused, skipped): nothing lost; idempotent.
        let mut next = call_ended(app, &a).await?;
        if a.over_unconfirmed() {
            next.extend(end_a_call_nobody_confirmed(app, &a, again).await?);
        }
        return Ok(next);
    }
    let found;
    let sid = match &a.call_sid {
        Some(sid) => sid,
        None => {
            // Never confirmed: after two check periods, and once the run placing it is
            // certainly over (it can no longer store the call's SID), Twilio is asked whether
            // it placed the call all the same (the run died, or its write failed, after Twilio
            // took it); only a call Twilio does not have is given up on.
            let waited = Utc::now() - a.created_at;
            let give_up_after =
                (2 * at_least_a_second(app, CHECK_AFTER_SECS)).max(PLACING_RUN_OVER_AFTER);
            if waited.to_std().unwrap_or_default() <= give_up_after {
                return again();
            }
            match placed_call(app, &a).await? {
                Ok(Some(sid)) => {
                    warn!(occurrence_id = %occ, attempt = k, call_sid = %sid, "call_found_at_twilio");
                    if !app.store.set_call_sid(occ, k, &sid).await? {
                        // Given an outcome meanwhile (ended with its shift): kept all the same.
                        app.store.keep_call_sid(occ, k, &sid).await?;
                    }
                    found = sid;
                    &found
                }
                Ok(None) => {
                    error!(occurrence_id = %occ, attempt = k, "call_never_confirmed");
                    return give_up_on_call(app, occ, k, None).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    match app.twilio().call_status(sid).await {
        Ok((status, duration)) => match CallStatus::parse(&status) {
            Some(s) if s.is_terminal() => {
                warn!(occurrence_id = %occ, attempt = k, call_status = s.as_str(), "final_status_recovered");
                // After any callback Twilio could still send for this call.
                on_final_status(app, occ, k, sid, s, i64::from(u32::MAX), duration).await?;
                Ok(Vec::new())
            }
            _ if checks >= MAX_LIVE_CHECKS => {
                error!(occurrence_id = %occ, attempt = k, call_sid = %sid, call_status = %status, checks, alarm = true, "call_check_gave_up");
                give_up_on_call(app, occ, k, Some(sid)).await
            }
            _ => again(),
        },
        Err(TwilioError::Refused { code, message }) => {
            if checks >= MAX_REFUSED_CHECKS {
                error!(occurrence_id = %occ, attempt = k, call_sid = %sid, code, error = %message, checks, alarm = true, "call_check_gave_up");
                return give_up_on_call(app, occ, k, Some(sid)).await;
            }
            error!(occurrence_id = %occ, attempt = k, code, error = %message, "call_status_refused");
            again()
        }
        Err(e) => {
            if let TwilioError::Account { code, message } = &e {
                error!(occurrence_id = %occ, attempt = k, code, error = %message, alarm = true, "twilio_account_refused");
            }
            Err(e.into())
        }
    }
}

/// The call Twilio placed for attempt `a` while its placing run could, if Twilio names exactly
/// one (the run died, or its answer was lost, after Twilio took the call).
async fn placed_call(app: &App, a: &Attempt) -> Result<Result<Option<String>, TwilioError>> {
    let placing = chrono::Duration::from_std(PLACING_RUN_OVER_AFTER).unwrap_or_default();
    // Looked up from the number the shift calls from.
    let shift = app.store.get_shift(&a.occurrence_id).await?;
    let from = shift.as_ref().and_then(|s| s.from_number());
    Ok(app
        .twilio()
        .from_number(from)
        .call_placed_between(
            &a.phone,
            a.created_at - chrono::Duration::seconds(5),
            a.created_at + placing,
        )
        .await)
}

/// A turn over with a call Twilio never confirmed ([`Attempt::over_unconfirmed`]): the call
/// log would miss the call, and a call cancelled with its shift would ring on with nobody to end
/// it. Once the placing run is certainly over, Twilio is asked (as for a call never confirmed);
/// a call it has is kept on the attempt, and ended if its shift cancelled it.
async fn end_a_call_nobody_confirmed(
    app: &App,
    a: &Attempt,
    again: impl Fn() -> Result<Vec<Next>>,
) -> Result<Vec<Next>> {
    let (occ, k) = (a.occurrence_id.as_str(), a.attempt);
    if (Utc::now() - a.created_at).to_std().unwrap_or_default() <= PLACING_RUN_OVER_AFTER {
        return again();
    }
    if let Some(sid) = placed_call(app, a).await?? {
        warn!(occurrence_id = %occ, attempt = k, call_sid = %sid, "cancelled_call_found_at_twilio");
        app.store.keep_call_sid(occ, k, &sid).await?;
        if a.cancelled_by_its_shift() {
            app.twilio().end_call(&sid).await?;
        }
    }
    Ok(Vec::new())
}

/// Nobody can tell how the call went: it is `Failed` (ended in Twilio, if it still runs) and
/// the campaign moves on.
pub(super) async fn give_up_on_call(
    app: &App,
    occ: &str,
    k: u32,
    sid: Option<&str>,
) -> Result<Vec<Next>> {
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

/// The attempt's turn has ended without an acceptance: [`decide`] says what follows (the next
/// turn, at once or after the round pause; waiting for the rest of a broadcast batch; or the
/// shift to a coordinator when no turn is left). Once per attempt, however often it is asked.
/// A decline is recorded first (`record_decline`), so the next turn is decided knowing it.
/// `shift`: when the step has read it already (else it is read here).
pub(super) async fn advance(
    app: &App,
    attempt: &Attempt,
    shift: Option<Shift>,
) -> Result<Vec<Next>> {
    if attempt.advanced || attempt.outcome == Some(Outcome::Accepted) {
        return Ok(Vec::new());
    }
    let (occ, k) = (attempt.occurrence_id.as_str(), attempt.attempt);
    let shift = match shift {
        Some(shift) => Some(shift),
        None => app.store.get_shift(occ).await?,
    };
    let Some(mut shift) = shift else {
        return Ok(Vec::new());
    };
    if attempt.outcome == Some(Outcome::Declined) {
        record_decline(app, &mut shift, &attempt.employee_id).await?;
    }
    let batch = rest_of_batch_if_over(app, &shift, k).await?;
    // Whoever in the batch declined is known before the next round is decided, whichever
    // call's end moves the campaign on.
    for other in batch.iter().flatten() {
        if other.outcome == Some(Outcome::Declined) {
            record_decline(app, &mut shift, &other.employee_id).await?;
        }
    }
    let skip = |t: u32| shift.skip_reason(t);
    let facts = Facts {
        status: shift.status,
        recorded: true,
        skip: &skip,
        paused_until: None,
        quiet_until: None,
        person_wait: None,
        batch_over: batch.is_some(),
    };
    let moved_on = Next::MarkAdvanced {
        occurrence_id: occ.to_string(),
        attempt: k,
    };
    Ok(match decide(&shift.campaign(), &facts, Moment::Over(k)) {
        // Broadcast calling: the batch's last call to end moves the campaign on. Each final
        // status is written before its `callEnded` task is queued, so the last task to read
        // the batch sees every call over (two that end together may both move on: the next
        // dial task's conditional write absorbs the second).
        Decision::Idle(Idle::BatchNotOver) => vec![moved_on],
        // The next turn first, then the mark (the loop keeps this order): a crash in between
        // places or queues the next turn twice, which the dialer's conditional write absorbs;
        // the reverse order could lose the campaign.
        Decision::Next {
            attempt: next,
            delay_secs,
        } => {
            let delay = app.config.scaled(delay_secs);
            info!(occurrence_id = %occ, attempt = k, next_attempt = next, delay_ms = delay.as_millis() as u64, "campaign_moves_on");
            let task = Task::dial(occ, next);
            let next = if delay.is_zero() {
                Next::Now(task)
            } else {
                Next::Later(task, delay)
            };
            vec![next, moved_on]
        }
        // Also when the shift was marked unfilled by a step that stopped before its event:
        // the attempt is marked advanced only once the event is out.
        Decision::Finish(Finish::Unfilled) => {
            let retry = Task::check(occ, k, 0);
            if finish_unfilled(app, &shift, retry).await? == Unfilled::Deferred {
                Vec::new()
            } else {
                vec![moved_on]
            }
        }
        _ => Vec::new(),
    })
}

/// The other calls of `k`'s batch when every one of them is over (none, one call at a time),
/// or `None` while one is not. A call not yet placed is not over: its own end moves the
/// campaign on.
async fn rest_of_batch_if_over(app: &App, shift: &Shift, k: u32) -> Result<Option<Vec<Attempt>>> {
    let batch = shift.batch(k);
    if batch.len() < 2 {
        return Ok(Some(Vec::new()));
    }
    let others: Vec<Attempt> = app
        .store
        .list_attempts(shift.occurrence_id())
        .await?
        .into_iter()
        .filter(|a| a.attempt != k && batch.contains(&a.attempt))
        .collect();
    let all_over = others.len() == batch.len() - 1 && others.iter().all(Attempt::is_over);
    Ok(all_over.then_some(others))
}

/// How ending a campaign without an acceptance went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unfilled {
    /// The shift is UNFILLED_AFTER_CALLS and its event is out (now or before).
    Done,
    /// Someone took the shift meanwhile (a reply by SMS as the last call ended): not unfilled.
    Taken,
    /// Another step holds the event's claim; `retry` comes back when it runs out.
    Deferred,
}

/// Nobody is left to call: the shift becomes UNFILLED_AFTER_CALLS and
/// `ShiftUnfilledAfterCalls` goes out once, with the number of calls made (`attempts`: skipped
/// turns are not calls, so it can be fewer than the plan's N × rounds). Safe to repeat.
pub(super) async fn finish_unfilled(app: &App, shift: &Shift, retry: Task) -> Result<Unfilled> {
    let occ = shift.occurrence_id();
    if shift.status == ShiftStatus::Open {
        if app.store.mark_unfilled(occ).await? {
            info!(occurrence_id = %occ, attempts = shift.plan().total_attempts(), "shift_unfilled_after_calls");
        } else if app
            .store
            .get_shift(occ)
            .await?
            .is_none_or(|s| s.status != ShiftStatus::UnfilledAfterCalls)
        {
            return Ok(Unfilled::Taken);
        }
    }
    if app.faults.trip(faults::CRASH_AFTER_UNFILLED, occ) {
        anyhow::bail!("injected crash after the shift was marked unfilled");
    }
    let sent = once(app, occ, "unfilledEventAt", retry, async {
        let attempts = app.store.list_attempts(occ).await?;
        let calls = attempts.iter().filter(|a| a.is_call()).count();
        app.events()
            .put(
                "ShiftUnfilledAfterCalls",
                &json!({
                    "occurrenceId": occ,
                    "providerId": shift.event.provider_id,
                    "attempts": calls,
                }),
            )
            .await?;
        app.metrics
            .put_with(&[], &[(figures::SHIFTS_UNFILLED, 1.0)]);
        Ok(())
    })
    .await?;
    Ok(match sent {
        Once::Done => Unfilled::Done,
        Once::Deferred => Unfilled::Deferred,
    })
}
