//! The texts and offers the dialer writes for the inbound channels (SPEC §4.8–4.9): the offer
//! index a call or a text writes (one offer per person, so people sharing a number each have
//! theirs), the text after a missed call (one text naming everyone of the pool at a shared
//! number, each with a code), and telling the others once a shift is filled. The rules are
//! `callout_core::inbound`'s.

use super::prelude::*;
use super::*;
use crate::adapters::store::inbound::TextLog;
use callout_core::inbound;
use callout_core::model::StaffMember;

/// Twilio's code for a number that texted STOP: final for that number.
pub const OPTED_OUT_CODE: i64 = 21610;

/// Send one text to `phone` unless the person opted out, recording what became of it. A
/// refusal about the person is final (21610 also records the opt-out); anything else is an
/// error for the caller to retry.
/// The text comes from the shift's number (its provider's `fromNumber`, else the platform's).
async fn text(app: &App, shift: &Shift, phone: &str, body: &str) -> Result<Delivery> {
    let occ = shift.occurrence_id();
    let at = Utc::now();
    if app.store.is_opted_out(phone).await? {
        info!(occurrence_id = %occ, phone = %mask::phone(phone), "sms_not_sent_opted_out");
        return Ok(Delivery {
            status: "refused".into(),
            sid: None,
            code: Some(OPTED_OUT_CODE),
            reason: Some("the person texted STOP".into()),
            at,
        });
    }
    match app.twilio_for(shift).send_sms(phone, body).await {
        Ok(sid) => Ok(Delivery {
            status: "sent".into(),
            sid: Some(sid),
            code: None,
            reason: None,
            at,
        }),
        Err(TwilioError::Refused { code, message }) => {
            warn!(occurrence_id = %occ, phone = %mask::phone(phone), code, error = %message, "sms_refused");
            if code == OPTED_OUT_CODE {
                app.store.set_opted_out(phone, true).await?;
            }
            Ok(Delivery {
                status: "refused".into(),
                sid: None,
                code: Some(code),
                reason: Some(message),
                at,
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// After a call ended: a voicemail or an unanswered call is followed by ONE text with the offer
/// when the provider asks for it (`smsFollowUp`), once per attempt however often this step runs.
/// A failure does not hold the campaign up: the check comes back later and tries the text again.
/// True when this run asked Twilio for a text (the step has then spent its Twilio time: the
/// next call goes to the queue, `call_end::call_ended`).
pub(super) async fn follow_up_by_text(app: &App, a: &Attempt) -> Result<bool> {
    let Some(outcome) = a.outcome else {
        return Ok(false);
    };
    if !inbound::follows_up_by_text(true, outcome) {
        return Ok(false);
    }
    let occ = &a.occurrence_id;
    let on = match a.sms_follow_up {
        Some(on) => on,
        None => app.store.get_settings(&a.provider_id).await?.sms_follow_up,
    };
    if !inbound::follows_up_by_text(on, outcome) {
        return Ok(false);
    }
    let Some(shift) = app.store.get_shift(occ).await? else {
        return Ok(false);
    };
    if shift.status != ShiftStatus::Open {
        return Ok(false);
    }
    let Some(staff) = shift.staff(&a.employee_id).cloned() else {
        return Ok(false);
    };
    let flag = format!("followUpSms{:05}", a.attempt);
    let retry = Task::check(occ, a.attempt, 0);
    let mut texted = false;
    let sent = once(app, occ, &flag, retry.clone(), async {
        // Everyone of the pool at this number, the person called first: people sharing a phone
        // get one text naming them all, each with their own code.
        let mut sharers: Vec<StaffMember> = vec![staff.clone()];
        sharers.extend(
            shift
                .event
                .staff_pool
                .iter()
                .filter(|p| p.phone == staff.phone && p.employee_id != staff.employee_id)
                .cloned(),
        );
        let shared = sharers.len() > 1;
        if shared && texted_already(app, occ, &sharers).await? {
            info!(occurrence_id = %occ, attempt = a.attempt, employee_id = %staff.employee_id, "follow_up_sms_shared_phone_texted_already");
            return Ok(());
        }
        // Each person's offer keeps the code it has; a new one gets a code no other offer at
        // this number has.
        let known = app.store.offers_for(&staff.phone).await?;
        let mut taken: Vec<String> = known.iter().filter_map(|o| o.code.clone()).collect();
        let mut people: Vec<(String, String)> = Vec::new();
        for p in &sharers {
            let code = known
                .iter()
                .find(|o| o.occurrence_id == *occ && o.employee_id == p.employee_id)
                .and_then(|o| o.code.clone())
                .unwrap_or_else(|| {
                    let c = inbound::offer_code(occ, &p.employee_id, &taken);
                    taken.push(c.clone());
                    c
                });
            app.store
                .record_offer(
                    &p.phone,
                    occ,
                    &p.employee_id,
                    &shift.event.provider_id,
                    true,
                    Some(&code),
                )
                .await?;
            people.push((p.first_name.clone(), code));
        }
        // In the person's language for this shift, as their calls speak.
        let speech = shift.speech_for(&staff);
        let values = Values::for_job_in(speech.language, &staff.first_name, &shift.event.job);
        let (body, code) = if shared {
            (
                speech.words().follow_up_sms_shared(&values, &people),
                Some(people[0].1.clone()),
            )
        } else {
            // The offers a reply to the number the text comes from reaches.
            let line = match shift.from_number() {
                Some(number) => Line::Provider {
                    provider_id: shift.event.provider_id.clone(),
                    number: number.to_string(),
                },
                None => Line::Platform,
            };
            let open = open_offers(app, &staff.phone, &line).await?.len();
            let code = inbound::text_needs_code(open).then(|| people[0].1.clone());
            (speech.words().follow_up_sms(&values, code.as_deref()), code)
        };
        texted = true;
        let delivery = text(app, &shift, &staff.phone, &body).await?;
        info!(occurrence_id = %occ, attempt = a.attempt, employee_id = %staff.employee_id, status = %delivery.status, with_code = code.is_some(), shared_phone = shared, "follow_up_sms");
        app.store
            .record_text(
                occ,
                &format!("{:05}", a.attempt),
                &TextLog {
                    kind: "followUp".into(),
                    employee_id: staff.employee_id.clone(),
                    first_name: staff.first_name.clone(),
                    attempt: Some(a.attempt),
                    code,
                    delivery,
                },
            )
            .await
    })
    .await;
    if let Err(e) = sent {
        warn!(occurrence_id = %occ, attempt = a.attempt, error = %e, "follow_up_sms_retry");
        app.queue()
            .send(&retry, at_least_a_second(app, CHECK_AFTER_SECS / 5))
            .await?;
    }
    Ok(texted)
}

/// A follow-up text about shift `occ` already reached one of `sharers` (people sharing a
/// number): their number is texted once per shift.
async fn texted_already(app: &App, occ: &str, sharers: &[StaffMember]) -> Result<bool> {
    Ok(app.store.list_texts(occ).await?.iter().any(|t| {
        t.kind == "followUp"
            && t.delivery.status == "sent"
            && sharers.iter().any(|p| p.employee_id == t.employee_id)
    }))
}

/// The most "filled" texts one `finishAcceptance` run sends (side by side, so the run spends
/// one Twilio budget on them, `limits`); the rest go in the next run, queued at once.
pub const FILLED_NOTICES_PER_RUN: usize = 10;

/// Part of what follows an acceptance: with `notifyWhenFilled`, everyone texted an offer for the
/// shift (but the winner) is told once that it has been filled, at most
/// [`FILLED_NOTICES_PER_RUN`] at a time. `Done` when nothing is left.
pub(super) async fn tell_the_others(app: &App, shift: &Shift) -> Result<Once> {
    let occ = shift.occurrence_id();
    let settings = app.store.get_settings(&shift.event.provider_id).await?;
    if !settings.notify_when_filled {
        return Ok(Once::Done);
    }
    let winner = shift.assigned_to.as_deref().unwrap_or_default();
    let texts = app.store.list_texts(occ).await?;
    let told: std::collections::HashSet<&str> = texts
        .iter()
        .filter(|t| t.kind == "filledNotice")
        .map(|t| t.employee_id.as_str())
        .collect();
    let mut pending: Vec<&str> = texts
        .iter()
        .filter(|t| t.kind == "followUp" && t.delivery.status == "sent")
        .map(|t| t.employee_id.as_str())
        .filter(|e| *e != winner && !told.contains(e))
        .collect();
    pending.sort();
    pending.dedup();
    let more = pending.len() > FILLED_NOTICES_PER_RUN;
    pending.truncate(FILLED_NOTICES_PER_RUN);
    let notices = pending
        .into_iter()
        .filter_map(|e| shift.staff(e).cloned())
        .map(|staff| async move {
            let flag = format!("filledNotice#{}", staff.employee_id);
            once(app, occ, &flag, Task::finish_acceptance(occ), async {
                let speech = shift.speech_for(&staff);
                let body = speech.words().filled_notice(&Values::for_job_in(
                    speech.language,
                    &staff.first_name,
                    &shift.event.job,
                ));
                let delivery = text(app, shift, &staff.phone, &body).await?;
                info!(occurrence_id = %occ, employee_id = %staff.employee_id, status = %delivery.status, "filled_notice_sms");
                app.store
                    .record_text(
                        occ,
                        "0",
                        &TextLog {
                            kind: "filledNotice".into(),
                            employee_id: staff.employee_id.clone(),
                            first_name: staff.first_name.clone(),
                            attempt: None,
                            code: None,
                            delivery,
                        },
                    )
                    .await
            })
            .await
        });
    let mut all = Once::Done;
    for done in futures::future::join_all(notices).await {
        if done? == Once::Deferred {
            all = Once::Deferred;
        }
    }
    if more {
        app.queue()
            .send(&Task::finish_acceptance(occ), std::time::Duration::ZERO)
            .await?;
        info!(occurrence_id = %occ, sent_at_most = FILLED_NOTICES_PER_RUN, "filled_notices_continue");
        all = Once::Deferred;
    }
    Ok(all)
}
