//! The inbound channels' steps (SPEC §4.8–4.9): the offer index a call or a text writes (one
//! offer per person, so people sharing a number each have theirs), the text after a missed
//! call (one text naming everyone of the pool at a shared number, each with a code), accepting
//! and passing from the call-back line or a text reply, each webhook acted on once, the dialer
//! skipping whoever passed, and telling the others once a shift is filled. The rules are
//! `callout_core::inbound`'s.

use super::prelude::*;
use super::*;
use crate::adapters::store::inbound::{Offer, TextLog};
use callout_core::inbound;
use callout_core::lang::Speech;
use callout_core::model::StaffMember;
use std::collections::{HashMap, HashSet};

/// An offer the person at a phone can still take: who they are in its pool and the shift.
#[derive(Debug, Clone)]
pub struct OpenOffer {
    pub offer: Offer,
    pub staff: StaffMember,
    pub shift: Shift,
    /// The shift's code in texts.
    pub code: String,
}

impl OpenOffer {
    /// What the person is spoken to (and texted) in for this shift.
    pub fn speech(&self) -> Speech {
        self.shift.speech_for(&self.staff)
    }

    /// Where the person stands in the shift's pool.
    fn pool_position(&self) -> Option<usize> {
        self.shift
            .event
            .staff_pool
            .iter()
            .position(|s| s.employee_id == self.offer.employee_id)
    }

    /// The offer's values in the person's language.
    pub fn values(&self) -> Values {
        Values::for_job_in(
            self.speech().language,
            &self.staff.first_name,
            &self.shift.event.job,
        )
    }
}

/// The offers made to `phone` within their provider's call-back window, each with its shift
/// (the offers whose shift is gone are left out), most recent first.
async fn offers_in_window(app: &App, phone: &str) -> Result<Vec<(Offer, Shift)>> {
    let now = Utc::now();
    let mut windows: HashMap<String, u32> = HashMap::new();
    let mut found = Vec::new();
    for offer in app.store.offers_for(phone).await? {
        let hours = match windows.get(&offer.provider_id) {
            Some(h) => *h,
            None => {
                let h = app
                    .store
                    .get_settings(&offer.provider_id)
                    .await?
                    .callback_window_hours;
                windows.insert(offer.provider_id.clone(), h);
                h
            }
        };
        if !inbound::within_window(offer.offered_at, now, hours) {
            continue;
        }
        if let Some(shift) = app.store.get_shift(&offer.occurrence_id).await? {
            found.push((offer, shift));
        }
    }
    found.sort_by_key(|(o, _)| std::cmp::Reverse(o.offered_at));
    Ok(found)
}

/// The code each offer in `offers` is known by at its phone (`inbound::codes_for`: the one its
/// text carried, else one no other offer there has), by (occurrence id, employee id).
fn codes(offers: &[(Offer, Shift)]) -> HashMap<(String, String), String> {
    let mut keyed: Vec<&Offer> = offers.iter().map(|(o, _)| o).collect();
    keyed.sort_by(|a, b| {
        (a.occurrence_id.as_str(), a.employee_id.as_str())
            .cmp(&(b.occurrence_id.as_str(), b.employee_id.as_str()))
    });
    let input: Vec<(Option<&str>, &str, &str)> = keyed
        .iter()
        .map(|o| {
            (
                o.code.as_deref(),
                o.occurrence_id.as_str(),
                o.employee_id.as_str(),
            )
        })
        .collect();
    keyed
        .iter()
        .zip(inbound::codes_for(&input))
        .map(|(o, c)| ((o.occurrence_id.clone(), o.employee_id.clone()), c))
        .collect()
}

/// What the offer index knows at a phone.
pub struct AtPhone {
    /// The offers still open, the soonest shift first.
    pub open: Vec<OpenOffer>,
    /// Offers within the window name more than one person: several people share the number,
    /// so a reply must say whose offer it takes.
    pub shared: bool,
}

/// The offers `phone` can still take: offered within the window, the shift still acceptable,
/// the person still in its pool and not passed on it; the soonest shift first. And whether
/// several people share the number.
pub async fn offers_at(app: &App, phone: &str) -> Result<AtPhone> {
    let in_window = offers_in_window(app, phone).await?;
    let people: HashSet<&str> = in_window
        .iter()
        .map(|(o, _)| o.employee_id.as_str())
        .collect();
    let shared = people.len() > 1;
    let codes = codes(&in_window);
    let mut open = Vec::new();
    for (offer, shift) in in_window {
        if !shift.status.can_be_accepted() {
            continue;
        }
        let Some(staff) = shift.staff(&offer.employee_id).cloned() else {
            continue;
        };
        if app
            .store
            .has_passed(&offer.occurrence_id, &offer.employee_id)
            .await?
        {
            continue;
        }
        let code = codes
            .get(&(offer.occurrence_id.clone(), offer.employee_id.clone()))
            .cloned()
            .unwrap_or_else(|| inbound::shift_code(&offer.occurrence_id));
        open.push(OpenOffer {
            offer,
            staff,
            shift,
            code,
        });
    }
    open.sort_by(|a, b| {
        a.shift
            .event
            .job
            .starts_at
            .cmp(&b.shift.event.job.starts_at)
            .then_with(|| a.offer.occurrence_id.cmp(&b.offer.occurrence_id))
            // People sharing a number, in pool order.
            .then_with(|| a.pool_position().cmp(&b.pool_position()))
    });
    Ok(AtPhone { open, shared })
}

/// The offers `phone` can still take ([`offers_at`]).
pub async fn open_offers(app: &App, phone: &str) -> Result<Vec<OpenOffer>> {
    Ok(offers_at(app, phone).await?.open)
}

/// The shift most recently offered to `phone` within the window that someone else has taken
/// since (for "that shift has just been filled"), the code narrowing it when given.
pub async fn recently_filled(app: &App, phone: &str, code: Option<&str>) -> Result<bool> {
    let in_window = offers_in_window(app, phone).await?;
    let codes = codes(&in_window);
    Ok(in_window
        .iter()
        .filter(|(o, _)| {
            code.is_none_or(|c| {
                codes
                    .get(&(o.occurrence_id.clone(), o.employee_id.clone()))
                    .is_some_and(|oc| oc == c)
            })
        })
        .any(|(o, s)| {
            s.status == ShiftStatus::Assigned
                && s.assigned_to.as_deref() != Some(o.employee_id.as_str())
        }))
}

/// Run `step`, what webhook `id` (a `MessageSid`, a `CallSid` and step) does, once: a replay or
/// a retry of a webhook already handled gets `None` and nothing is done. The id is remembered
/// once the step has succeeded, so a retry of a step that failed before its effect still acts
/// (each step's writes are safe to repeat: the acceptance is a conditional write).
pub async fn webhook_once<T>(
    app: &App,
    id: &str,
    step: impl std::future::Future<Output = Result<T>>,
) -> Result<Option<T>> {
    if app.store.webhook_handled(id).await? {
        // A Twilio retry or a captured request sent again: worth seeing at the default level.
        warn!(webhook_id = %id, "webhook_replay_ignored");
        return Ok(None);
    }
    let done = step.await?;
    app.store.remember_webhook(id).await?;
    Ok(Some(done))
}

/// What a caller or sender who is not answering a particular open offer is spoken to in: the
/// language of the person the offer index knows at `phone` (their offer for `occ` when given,
/// else their most recent one), else the provider's default language (the provider of their
/// most recent offer, else the one the line is set up for), else English.
pub async fn caller_speech(app: &App, phone: Option<&str>, occ: Option<&str>) -> Result<Speech> {
    caller_speech_of(app, phone, occ, None).await
}

/// [`caller_speech`], the person (`who`, an employee id) narrowing it on a shared number.
pub async fn caller_speech_of(
    app: &App,
    phone: Option<&str>,
    occ: Option<&str>,
    who: Option<&str>,
) -> Result<Speech> {
    let mut offers = match phone {
        Some(p) => app.store.offers_for(p).await?,
        None => Vec::new(),
    };
    offers.sort_by_key(|o| std::cmp::Reverse(o.offered_at));
    offers.retain(|o| who.is_none_or(|w| o.employee_id == w));
    let offer = occ
        .and_then(|occ| offers.iter().find(|o| o.occurrence_id == occ))
        .or_else(|| offers.first());
    if let Some(offer) = offer {
        if let Some(shift) = app.store.get_shift(&offer.occurrence_id).await? {
            return Ok(match shift.staff(&offer.employee_id) {
                Some(staff) => shift.speech_for(staff),
                None => shift.speaking().speech_for(None),
            });
        }
    }
    let provider = offer
        .map(|o| o.provider_id.clone())
        .or_else(|| Some(app.config.inbound_provider_id.clone()).filter(|p| !p.is_empty()));
    match provider {
        Some(p) => Ok(app
            .store
            .get_settings(&p)
            .await?
            .speaking()
            .speech_for(None)),
        None => Ok(Speech::english()),
    }
}

/// The office a caller hearing shift `occ` is put through to: the office of that shift's
/// provider, checked again at dial time (`dialable::check`, for numbers saved before the check
/// existed); `None` when there is no shift, no office number, or one that cannot be dialled.
pub async fn office_for_shift(app: &App, occ: &str) -> Result<Option<String>> {
    let Some(shift) = app.store.get_shift(occ).await? else {
        return Ok(None);
    };
    let provider = &shift.event.provider_id;
    let settings = app.store.get_settings(provider).await?;
    let Some(number) = settings.office_number else {
        return Ok(None);
    };
    let own = app.config.twilio_from_number.as_str();
    let countries = callout_core::dialable::countries(&settings.allowed_countries, own);
    match callout_core::dialable::check(&number, &countries, &[own]) {
        Ok(()) => Ok(Some(number)),
        Err(refusal) => {
            warn!(provider_id = %provider, occurrence_id = %occ, office = %mask::phone(&number), reason = %refusal, "office_number_not_dialable");
            Ok(None)
        }
    }
}

/// A person takes a shift from the call-back line or a text reply: the same conditional write
/// as every channel, then the same hand-off from the queue (other calls ended, confirmation
/// SMS, `ShiftFilled` once). No schedule is left to delete: the person was offered the shift
/// by a call or a text, so its start schedule has fired.
pub async fn accept_inbound(
    app: &App,
    occ: &str,
    employee_id: &str,
    channel: &str,
) -> Result<Acceptance> {
    if let Some(lost) = take_shift(app, occ, employee_id, channel).await? {
        return Ok(lost);
    }
    finish_from_queue(app, occ).await
}

/// A person passes on a shift (NO by text, 2 on the call-back line): they are not called about
/// it again (their turns are skipped: `decide`, `SkipReason::Passed`). A pass is not a
/// decline: it is not remembered for the patient's next shifts.
pub async fn pass(app: &App, occ: &str, employee_id: &str, channel: &str) -> Result<()> {
    app.store.record_pass(occ, employee_id, channel).await?;
    info!(occurrence_id = %occ, employee_id = %employee_id, channel, "offer_passed");
    Ok(())
}

/// STOP: no more texts to this number from this product; START (or YES alone) undoes it.
pub async fn set_opted_out(app: &App, phone: &str, opted_out: bool) -> Result<()> {
    app.store.set_opted_out(phone, opted_out).await?;
    info!(phone = %mask::phone(phone), opted_out, "sms_opt_out_changed");
    Ok(())
}

// ---------------------------------------------------------------- in the dialer

/// A call to `staff` about `shift` is being placed: the call-back line will know them. A failure
/// is logged, never holds the call up (the person can still be reached by the next call).
pub(super) async fn note_call_offer(app: &App, shift: &Shift, staff: &StaffMember) {
    if let Err(e) = app
        .store
        .record_offer(
            &staff.phone,
            shift.occurrence_id(),
            &staff.employee_id,
            &shift.event.provider_id,
            false,
            None,
        )
        .await
    {
        warn!(occurrence_id = %shift.occurrence_id(), error = %e, "offer_index_write_failed");
    }
}

/// Twilio's code for a number that texted STOP: final for that number.
pub const OPTED_OUT_CODE: i64 = 21610;

/// Send one text to `phone` unless the person opted out, recording what became of it. A
/// refusal about the person is final (21610 also records the opt-out); anything else is an
/// error for the caller to retry.
async fn text(app: &App, occ: &str, phone: &str, body: &str) -> Result<Delivery> {
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
    match app.twilio().send_sms(phone, body).await {
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
    let settings = app.store.get_settings(&a.provider_id).await?;
    if !inbound::follows_up_by_text(settings.sms_follow_up, outcome) {
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
            let open = open_offers(app, &staff.phone).await?.len();
            let code = inbound::text_needs_code(open).then(|| people[0].1.clone());
            (speech.words().follow_up_sms(&values, code.as_deref()), code)
        };
        texted = true;
        let delivery = text(app, occ, &staff.phone, &body).await?;
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
                let delivery = text(app, occ, &staff.phone, &body).await?;
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
