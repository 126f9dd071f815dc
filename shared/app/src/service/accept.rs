//! Accepting: the one conditional write that gives a shift to one person whatever the channel,
//! declining, and what follows an acceptance (other calls ended, the confirmation SMS, the
//! `ShiftFilled` event), run from the queue.

use super::prelude::*;
use super::*;

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
    /// The shift was cancelled first (`service::control`): the same conditional write lost.
    Cancelled,
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
        // Ended by a cancel: the person hears that it was cancelled.
        if a.outcome == Some(Outcome::Canceled)
            && app
                .store
                .get_shift(occ)
                .await?
                .is_some_and(|s| s.status == ShiftStatus::Cancelled)
        {
            return Ok(Acceptance::Cancelled);
        }
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
    if let Some(lost) = take_shift(app, occ, employee_id, channel).await? {
        return Ok(lost);
    }
    // Should this fail, the schedule fires later, its task is dropped (the shift is no longer
    // open) and the schedule deletes itself.
    if let Err(e) = app.schedules().delete(&schedule_name(occ)).await {
        warn!(occurrence_id = %occ, error = %e, "schedule_delete_failed");
    }
    finish_from_queue(app, occ).await
}

/// The acceptance write for a person of the shift's pool by a channel other than a key press
/// on their call; `Some`: why they did not get the shift.
pub(super) async fn take_shift(
    app: &App,
    occ: &str,
    employee_id: &str,
    channel: &str,
) -> Result<Option<Acceptance>> {
    let Some(shift) = app.store.get_shift(occ).await? else {
        return Ok(Some(Acceptance::UnknownShift));
    };
    if shift.staff(employee_id).is_none() {
        return Ok(Some(Acceptance::NotInPool));
    }
    record_acceptance(app, occ, employee_id, channel, None).await
}

/// A person pressed 2 on call `k`; the campaign moves on when the call ends (its final status),
/// and records the decline then (`record_decline`, from `advance`), off the webhook's path.
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

/// `employee_id` declined `shift`: a 2 on one of its calls (recorded by `advance` as the call's
/// campaign moves on). A NO by text or a 2 on the call-back line is a pass, not a decline
/// (`pass`: their turns are skipped, nothing is remembered for the patient). Two
/// writes, each safe to repeat: the patient's decline memory (`declineMemoryDays`: who
/// declined a shift for the same patient lately is called last in the next shifts), then the
/// shift's `declinedBy` (with `skipDecliners`, they are not called about it again; `shift` is
/// updated too, so the caller decides the next call knowing it). Someone outside the pool is
/// ignored.
pub async fn record_decline(app: &App, shift: &mut Shift, employee_id: &str) -> Result<()> {
    if shift.declined.contains(employee_id) || shift.staff(employee_id).is_none() {
        return Ok(());
    }
    let occ = shift.occurrence_id().to_string();
    app.store
        .remember_decline(
            &shift.event.provider_id,
            &campaign::patient_key(&shift.event.job.patient_name),
            employee_id,
            Utc::now(),
        )
        .await?;
    app.store.add_decliner(&occ, employee_id).await?;
    shift.declined.insert(employee_id.to_string());
    info!(occurrence_id = %occ, employee_id = %employee_id, skip_decliners = shift.skip_decliners(), "decline_recorded");
    Ok(())
}

/// How long after an acceptance's write its safety-net `FinishAcceptance` task comes: beyond
/// any webhook's run (10 s), so the write it backs up has happened or never will.
pub const FINISH_SAFETY_SECS: u64 = 30;

/// The shift is taken: what follows (`after_acceptance`) is the dialer's, from the queue.
pub(super) async fn finish_from_queue(app: &App, occ: &str) -> Result<Acceptance> {
    app.queue()
        .send(&Task::finish_acceptance(occ), std::time::Duration::ZERO)
        .await?;
    Ok(Acceptance::Accepted)
}

/// The one conditional write that gives a shift to one person, whatever the channel: `None`
/// when `employee_id` has it (also when a retried request finds it theirs already), else why not.
pub(super) async fn record_acceptance(
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
    let finish = Task::finish_acceptance(occ);
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
        AcceptWrite::Cancelled => {
            info!(occurrence_id = %occ, employee_id = %employee_id, channel, "job_acceptance_after_cancel");
            if let Some(k) = attempt {
                app.store
                    .set_outcome(occ, k, Outcome::Canceled, Some("1"))
                    .await?;
            }
            return Ok(Some(Acceptance::Cancelled));
        }
    }
    Ok(None)
}

/// How soon a `FinishAcceptance` that could not end every other live call tries again (Twilio
/// refused the request for the moment: a 5xx past its retries, throttling, an account outage),
/// and for how long after the acceptance it keeps trying so soon: a call that should have stopped
/// must not ring on until the queue's redelivery (minutes). Past that the task fails and is
/// retried by the queue, into the dead-letter queue and its alarm if Twilio stays away.
pub const END_CALLS_AGAIN_SECS: u64 = 2;
pub const END_CALLS_SOON_FOR_SECS: i64 = 120;

/// A `FinishAcceptance` task: what follows the shift's acceptance, unless it is done; once it
/// is, only the other calls it ended, in case one still runs (a call placed as the shift was
/// filled asks for this when it could not end itself).
pub(super) async fn finish_acceptance(app: &App, occ: &str) -> Result<Vec<Next>> {
    match app.store.get_shift(occ).await? {
        Some(shift) if shift.status == ShiftStatus::Assigned && !shift.acceptance_finished => {
            after_acceptance(app, &shift).await
        }
        Some(shift) if shift.status == ShiftStatus::Assigned => {
            let attempts = app.store.list_attempts(occ).await?;
            end_other_calls(app, &shift, &attempts).await
        }
        _ => Ok(Vec::new()),
    }
}

/// Every other call of the shift stops: a turn with no outcome yet gets `Canceled` (one
/// conditional write: a final status or a key press landing now keeps its own), and its call, with
/// every call already cancelled this way whose end Twilio has not reported, is ended at Twilio.
/// Ending again a call that has ended is refused by Twilio, which means done. A call Twilio would
/// not end now is tried again in [`END_CALLS_AGAIN_SECS`] (the returned step); after
/// [`END_CALLS_SOON_FOR_SECS`], the step fails and the queue retries it.
async fn end_other_calls(app: &App, shift: &Shift, attempts: &[Attempt]) -> Result<Vec<Next>> {
    let occ = shift.occurrence_id();
    let mut to_end = Vec::new();
    let mut cancelled = 0;
    for a in attempts {
        if a.status().is_some_and(|s| s.is_terminal()) {
            continue;
        }
        match a.outcome {
            // The winner's own attempt already has its outcome.
            None => {
                if app
                    .store
                    .set_outcome(occ, a.attempt, Outcome::Canceled, None)
                    .await?
                {
                    cancelled += 1;
                    to_end.extend(a.call_sid.as_deref());
                }
            }
            // Cancelled by this acceptance before (a key press too late keeps its "1" and hears
            // that the shift is taken): its call may not have ended.
            Some(_) if a.cancelled_by_its_shift() => to_end.extend(a.call_sid.as_deref()),
            Some(_) => {}
        }
    }
    // Ended at once, not one after another: the task's worst case counts one Twilio budget.
    let failed = futures::future::join_all(to_end.iter().map(|sid| async move {
        let ended = app.twilio().end_call(sid).await;
        if let Err(e) = &ended {
            warn!(occurrence_id = %occ, call_sid = %sid, error = %e, "end_call_failed");
        }
        ended.is_err()
    }))
    .await
    .into_iter()
    .filter(|failed| *failed)
    .count();
    info!(occurrence_id = %occ, live_calls_ended = to_end.len() - failed, newly_cancelled = cancelled, "outbound_calls_cancelled");
    if failed == 0 {
        return Ok(Vec::new());
    }
    let since = shift
        .assigned_at
        .map_or(0, |at| (Utc::now() - at).num_seconds());
    if since > END_CALLS_SOON_FOR_SECS {
        anyhow::bail!("{failed} call(s) Twilio would not end");
    }
    Ok(vec![Next::Later(
        Task::finish_acceptance(occ),
        at_least_a_second(app, END_CALLS_AGAIN_SECS),
    )])
}

/// Everything that follows an acceptance, run from the queue (`FinishAcceptance`); each part
/// idempotent, so a retry completes it, and the shift is marked finished when all is done. No
/// schedule is left to delete: after a key press the start schedule has fired (and deleted
/// itself), and `accept` deletes it for other channels.
pub(super) async fn after_acceptance(app: &App, shift: &Shift) -> Result<Vec<Next>> {
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
    let again = end_other_calls(app, shift, &attempts).await?;
    if app.faults.trip(faults::CRASH_AFTER_CALLS_ENDED, occ) {
        anyhow::bail!("injected crash after the other calls were ended");
    }
    let retry = Task::finish_acceptance(occ);
    let sms = match shift.staff(&winner_id) {
        Some(winner) => {
            // In the winner's language, whatever the channel they accepted by.
            let speech = shift.speech_for(winner);
            let v = Values::for_job_in(speech.language, &winner.first_name, &shift.event.job);
            let body = speech.words().confirmation_sms(&v);
            // Taken over from a step that died: Twilio says whether it was sent after all.
            let body = body.as_str();
            let found = |since| async move {
                let sid = app
                    .twilio_for(shift)
                    .text_sent_since(&winner.phone, body, since)
                    .await?;
                if let Some(sid) = &sid {
                    let delivery = Delivery {
                        status: "sent".into(),
                        sid: Some(sid.clone()),
                        code: None,
                        reason: None,
                        at: Utc::now(),
                    };
                    app.store.record_confirmation(occ, &delivery).await?;
                }
                Ok(sid.is_some())
            };
            once_unless_found(app, occ, "confirmationSmsAt", retry.clone(), found, async {
                confirm(
                    app,
                    occ,
                    &winner.employee_id,
                    &winner.phone,
                    body,
                    shift.from_number(),
                )
                .await
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
    // With notifyWhenFilled: the others texted an offer are told, once each.
    let told = tell_the_others(app, shift).await;
    if again.is_empty() && (sms?, event?, told?) == (Once::Done, Once::Done, Once::Done) {
        app.store.mark_acceptance_finished(occ).await?;
    }
    Ok(again)
}

/// Send the winner's confirmation. A refusal about the person (21610 opted out, 21211 /
/// 21614 not a usable mobile, 21408 region not enabled…) is final: recorded on the shift for
/// the call log, an alarm line for a coordinator, never retried. Anything else is retried.
pub(super) async fn confirm(
    app: &App,
    occ: &str,
    employee_id: &str,
    phone: &str,
    body: &str,
    from: Option<&str>,
) -> Result<()> {
    let delivery = match app.twilio().from_number(from).send_sms(phone, body).await {
        Ok(sid) => {
            info!(occurrence_id = %occ, employee_id = %employee_id, phone = %mask::phone(phone), "confirmation_sms_sent");
            if app.faults.trip(faults::CRASH_AFTER_CONFIRMATION_SENT, occ) {
                anyhow::bail!("injected crash after the confirmation was sent");
            }
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
