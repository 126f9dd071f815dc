//! The inbound channels' steps (SPEC §4.8–4.9): the offers a person at a phone can still take,
//! accepting and passing from the call-back line or a text reply, each webhook acted on once.
//! The texts the dialer sends about offers are in `texts`. The rules are
//! `callout_core::inbound`'s.

use super::prelude::*;
use super::*;
use crate::adapters::store::inbound::Offer;
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

/// The number an incoming call or text was made to (`To`), and so whose offers it reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// The platform's number (`TWILIO_FROM_NUMBER`, or no `To`): the offers of shifts called
    /// from it, whatever their provider (providers without a number of their own).
    Platform,
    /// A provider's own number (`fromNumber`): that provider's offers, office and words.
    Provider { provider_id: String, number: String },
    /// A number nobody holds: nothing is offered on it, the caller hears a polite message.
    Unknown,
    /// Every offer at the phone, whatever number it was made from (the dialer's own counts).
    Any,
}

impl Line {
    /// Whether an offer of `shift` is reached on this line.
    fn carries(&self, offer: &Offer, shift: &Shift) -> bool {
        match self {
            Line::Platform => shift.from_number().is_none(),
            Line::Provider { provider_id, .. } => offer.provider_id == *provider_id,
            Line::Unknown => false,
            Line::Any => true,
        }
    }

    /// The provider whose number this is.
    pub fn provider(&self) -> Option<&str> {
        match self {
            Line::Provider { provider_id, .. } => Some(provider_id),
            _ => None,
        }
    }
}

/// The line a call or text to `to` came in on: the platform's number (or no `To`), a
/// provider's own number, or a number nobody holds.
pub async fn line_for(app: &App, to: Option<&str>) -> Result<Line> {
    let Some(to) = to.filter(|t| *t != app.config.twilio_from_number) else {
        return Ok(Line::Platform);
    };
    Ok(match app.store.number_owner(to).await? {
        Some(provider_id) => Line::Provider {
            provider_id,
            number: to.to_string(),
        },
        None => {
            warn!(to = %mask::phone(to), "inbound_to_unknown_number");
            Line::Unknown
        }
    })
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
pub async fn offers_at(app: &App, phone: &str, line: &Line) -> Result<AtPhone> {
    let mut in_window = offers_in_window(app, phone).await?;
    // Codes are given over every offer at the phone, so an offer keeps its code on any line.
    let codes = codes(&in_window);
    in_window.retain(|(o, s)| line.carries(o, s));
    let people: HashSet<&str> = in_window
        .iter()
        .map(|(o, _)| o.employee_id.as_str())
        .collect();
    let shared = people.len() > 1;
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

/// The offers `phone` can still take on `line` ([`offers_at`]).
pub async fn open_offers(app: &App, phone: &str, line: &Line) -> Result<Vec<OpenOffer>> {
    Ok(offers_at(app, phone, line).await?.open)
}

/// The shift most recently offered to `phone` within the window that someone else has taken
/// since (for "that shift has just been filled"), the code narrowing it when given.
pub async fn recently_filled(
    app: &App,
    phone: &str,
    code: Option<&str>,
    line: &Line,
) -> Result<bool> {
    let in_window = offers_in_window(app, phone).await?;
    let codes = codes(&in_window);
    Ok(in_window
        .iter()
        .filter(|(o, s)| line.carries(o, s))
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
/// most recent offer, else the provider whose number was called), else English.
pub async fn caller_speech(
    app: &App,
    phone: Option<&str>,
    occ: Option<&str>,
    line: &Line,
) -> Result<Speech> {
    caller_speech_of(app, phone, occ, None, line).await
}

/// [`caller_speech`], the person (`who`, an employee id) narrowing it on a shared number.
pub async fn caller_speech_of(
    app: &App,
    phone: Option<&str>,
    occ: Option<&str>,
    who: Option<&str>,
    line: &Line,
) -> Result<Speech> {
    let mut offers = match phone {
        Some(p) => app.store.offers_for(p).await?,
        None => Vec::new(),
    };
    offers.sort_by_key(|o| std::cmp::Reverse(o.offered_at));
    offers.retain(|o| who.is_none_or(|w| o.employee_id == w));
    offers.retain(|o| line.provider().is_none_or(|p| o.provider_id == p));
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
        .or_else(|| line.provider().map(str::to_string));
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
