//! The call-back line: someone rings the number (`POST /api/inbound/voice`) and presses a key
//! about an offer (`POST /api/inbound/voice/key`).

use crate::adapters::twilio::urls::WebhookRoute;
use crate::adapters::twilio::webhook::Webhook;
use crate::app::App;
use crate::http::{self, HttpResult};
use crate::service::{self, Acceptance, Line, OpenOffer};
use callout_core::inbound::{self, CallbackKey};
use callout_core::lang::Speech;
use callout_core::twiml::{self, Verb};
use tracing::info;

/// How long the call-back line waits for a key after the offer.
pub const CALLBACK_GATHER_SECS: u32 = 10;

/// The call-back line's next URL: the `n`th offer, after a pass, for the person `who` chose
/// (on a number several people share).
fn voice_url(base: &str, n: usize, passed: bool, who: Option<&str>) -> String {
    WebhookRoute::CallbackLine {
        n,
        passed,
        employee_id: who.map(str::to_string),
        pick: false,
    }
    .url(base)
}

fn key_url(base: &str, occ: &str, n: usize, who: &str) -> String {
    WebhookRoute::CallbackKey {
        occurrence_id: Some(occ.to_string()),
        n,
        employee_id: Some(who.to_string()),
    }
    .url(base)
}

/// A whole TwiML document in the caller's language (`<Say>`'s language attribute included).
fn spoken(speech: &Speech, verbs: &[Verb]) -> HttpResult {
    http::twiml(twiml::render_in(speech.say_language(), verbs))
}

/// Say `text` and hang up.
fn say_and_hang_up(speech: &Speech, texts: &[&str]) -> HttpResult {
    let mut verbs: Vec<Verb> = texts.iter().map(|t| Verb::Say(t.to_string())).collect();
    verbs.push(Verb::Hangup);
    spoken(speech, &verbs)
}

/// The office of the provider of shift `occ` (the shift the caller is hearing), or goodbye
/// when there is none or it cannot be dialled. The call shows the number the caller rang (the
/// provider's own, else the platform's), lasts at most `dialable::DIAL_TIME_LIMIT_SECS`, and
/// the caller hears ringing until the office answers.
async fn to_the_office(
    app: &App,
    occ: &str,
    speech: &Speech,
    mut verbs: Vec<Verb>,
    line: &Line,
) -> HttpResult {
    let words = speech.words();
    match service::office_for_shift(app, occ).await? {
        Some(number) => {
            verbs.push(Verb::Say(words.callback_to_office().into()));
            verbs.push(Verb::Dial {
                number,
                caller_id: match line {
                    Line::Provider { number, .. } => number.clone(),
                    _ => app.config.twilio_from_number.clone(),
                },
                time_limit_secs: callout_core::dialable::DIAL_TIME_LIMIT_SECS,
            });
        }
        None => {
            verbs.push(Verb::Say(words.callback_no_office().into()));
            verbs.push(Verb::Hangup);
        }
    }
    spoken(speech, &verbs)
}

/// "No open offer for this number": a short message and goodbye, never a call put through
/// (no shift is being heard, so no provider's office is known).
fn nothing_open(speech: &Speech) -> HttpResult {
    let words = speech.words();
    say_and_hang_up(
        speech,
        &[words.callback_nothing_open(), words.callback_no_office()],
    )
}

/// The offer with its menu, in the language of the person it was made to.
fn offer_menu(base: &str, offer: &OpenOffer, n: usize, before: Vec<Verb>) -> HttpResult {
    let speech = offer.speech();
    let words = speech.words();
    let mut verbs = before;
    verbs.push(Verb::Gather {
        action: key_url(
            base,
            &offer.offer.occurrence_id,
            n,
            &offer.offer.employee_id,
        ),
        timeout_secs: CALLBACK_GATHER_SECS,
        nested: vec![Verb::Say(words.callback_offer(&offer.values()))],
    });
    verbs.push(Verb::Say(words.callback_no_key().into()));
    verbs.push(Verb::Hangup);
    spoken(&speech, &verbs)
}

/// The people whose offers are open, in the order of their soonest offer (at most nine: one
/// key each).
fn people_of(offers: &[OpenOffer]) -> Vec<(String, String)> {
    let mut people: Vec<(String, String)> = Vec::new();
    for o in offers {
        if !people.iter().any(|(e, _)| *e == o.offer.employee_id) {
            people.push((o.offer.employee_id.clone(), o.staff.first_name.clone()));
        }
    }
    people.truncate(9);
    people
}

/// On a number several people with open offers share: who is calling ("For Mum press 1, for
/// Dad press 2"), in the language of the soonest offer's person.
fn which_person(base: &str, offers: &[OpenOffer], before: Vec<Verb>) -> HttpResult {
    let speech = offers[0].speech();
    let words = speech.words();
    let names: Vec<String> = people_of(offers).into_iter().map(|(_, n)| n).collect();
    let mut verbs = before;
    verbs.push(Verb::Gather {
        action: WebhookRoute::CallbackLine {
            n: 0,
            passed: false,
            employee_id: None,
            pick: true,
        }
        .url(base),
        timeout_secs: CALLBACK_GATHER_SECS,
        nested: vec![Verb::Say(words.callback_which_person(&names))],
    });
    verbs.push(Verb::Say(words.callback_no_key().into()));
    verbs.push(Verb::Hangup);
    spoken(&speech, &verbs)
}

/// `POST /api/inbound/voice`: someone rings the number. A caller offered an open shift within
/// the window hears the soonest one (or the `n`th) with the menu; on a number several people
/// with open offers share, the caller first says who they are (a key each) and hears only that
/// person's offers; anyone else a short message and the office. A caller the offer index knows
/// hears their own language; anyone else the provider's default language
/// (`service::caller_speech`).
pub(super) async fn incoming_call(app: &App, tw: Webhook, base: &str) -> HttpResult {
    let from = tw.from_number();
    let line = service::line_for(app, tw.to_number()).await?;
    if line == Line::Unknown {
        let speech = service::caller_speech(app, from, None, &line).await?;
        return say_and_hang_up(&speech, &[speech.words().number_not_in_use()]);
    }
    let mut offers = match from {
        Some(p) => service::open_offers(app, p, &line).await?,
        None => Vec::new(),
    };
    let people = people_of(&offers);
    let who: Option<String> = match tw.employee_id() {
        Some(e) => Some(e.to_string()),
        None if people.len() > 1 && tw.picking_person() => {
            let chosen = tw
                .digits()
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|d| d.checked_sub(1))
                .and_then(|i| people.get(i));
            match chosen {
                Some((e, _)) => Some(e.clone()),
                None => {
                    let wrong = Verb::Say(offers[0].speech().words().callback_wrong_key().into());
                    return which_person(base, &offers, vec![wrong]);
                }
            }
        }
        None if people.len() > 1 => return which_person(base, &offers, Vec::new()),
        None => None,
    };
    if let Some(w) = &who {
        offers.retain(|o| o.offer.employee_id == *w);
    }
    info!(phone = %from.map(callout_core::mask::phone).unwrap_or_default(), open_offers = offers.len(), people = people.len(), after_pass = tw.after_pass(), provider_id = line.provider().unwrap_or_default(), "inbound_call");
    if offers.is_empty() {
        let speech = service::caller_speech_of(app, from, None, who.as_deref(), &line).await?;
        let words = speech.words();
        if tw.after_pass() {
            return say_and_hang_up(
                &speech,
                &[words.callback_passed(), words.callback_no_more()],
            );
        }
        if let Some(p) = from {
            if service::recently_filled(app, p, None, &line).await? {
                return say_and_hang_up(&speech, &[words.callback_filled()]);
            }
        }
        return nothing_open(&speech);
    }
    let n = tw.offer_position() % offers.len();
    let before = if tw.after_pass() {
        vec![Verb::Say(
            offers[n].speech().words().callback_passed().into(),
        )]
    } else {
        Vec::new()
    };
    offer_menu(base, &offers[n], n, before)
}

/// `POST /api/inbound/voice/key`: a key on the call-back line, about the shift (and the
/// person) the URL names. 1 and 2 act once per call: a replayed or retried key changes nothing.
pub(super) async fn key_pressed(app: &App, tw: Webhook, base: &str) -> HttpResult {
    let from = tw.from_number();
    let line = service::line_for(app, tw.to_number()).await?;
    let (Some(phone), Some(occ)) = (from, tw.occurrence_id()) else {
        let speech = service::caller_speech(app, from, None, &line).await?;
        return nothing_open(&speech);
    };
    let who = tw.employee_id();
    let key = CallbackKey::from_digits(tw.digits());
    info!(occurrence_id = %occ, key = ?key, "inbound_call_key");
    if key == CallbackKey::Office {
        let speech = service::caller_speech(app, from, Some(occ), &line).await?;
        return to_the_office(app, occ, &speech, Vec::new(), &line).await;
    }
    let mut offers = service::open_offers(app, phone, &line).await?;
    offers.retain(|o| who.is_none_or(|w| o.offer.employee_id == w));
    let here = offers.iter().position(|o| o.offer.occurrence_id == occ);
    let speech = match here {
        Some(i) => offers[i].speech(),
        None => service::caller_speech_of(app, from, Some(occ), who, &line).await?,
    };
    let words = speech.words();
    let redirect = |to: String, said: &str| {
        spoken(&speech, &[Verb::Say(said.to_string()), Verb::Redirect(to)])
    };
    // What a key that acts is remembered by: the call, the shift, the person and the key.
    let step_id = |k: &str, employee: &str| {
        Some(tw.call_sid())
            .filter(|sid| !sid.is_empty())
            .map(|sid| format!("CALL#{sid}#key#{occ}#{employee}#{k}"))
    };
    match (key, here) {
        (CallbackKey::Accept, _) => {
            // The person the index names for this phone and shift, open or not: a shift filled
            // meanwhile answers "just been filled".
            let employee = match here {
                Some(i) => Some(offers[i].offer.employee_id.clone()),
                None => app
                    .store
                    .offers_for(phone)
                    .await?
                    .into_iter()
                    .find(|o| o.occurrence_id == occ && who.is_none_or(|w| o.employee_id == w))
                    .map(|o| o.employee_id),
            };
            let Some(employee) = employee else {
                return nothing_open(&speech);
            };
            let take = service::accept_inbound(app, occ, &employee, "callback");
            let taken = match step_id("1", &employee) {
                Some(id) => service::webhook_once(app, &id, take).await?,
                None => Some(take.await?),
            };
            let said = match taken {
                Some(Acceptance::Accepted) => words.callback_accepted(),
                Some(Acceptance::Taken { .. }) => words.callback_filled(),
                Some(_) => words.not_found(),
                // A replay: what the shift says now, nothing done.
                None => match app.store.get_shift(occ).await? {
                    Some(s) if s.assigned_to.as_deref() == Some(employee.as_str()) => {
                        words.callback_accepted()
                    }
                    _ => words.callback_filled(),
                },
            };
            say_and_hang_up(&speech, &[said])
        }
        // The shift closed since the offer was read out.
        (_, None) => say_and_hang_up(&speech, &[words.callback_filled()]),
        (CallbackKey::Pass, Some(i)) => {
            let employee = offers[i].offer.employee_id.clone();
            let pass = service::pass(app, occ, &employee, "callback");
            match step_id("2", &employee) {
                Some(id) => {
                    service::webhook_once(app, &id, pass).await?;
                }
                None => pass.await?,
            }
            http::twiml(twiml::render(&[Verb::Redirect(voice_url(
                base,
                0,
                true,
                Some(&employee),
            ))]))
        }
        (CallbackKey::Next, Some(i)) => {
            let person = Some(offers[i].offer.employee_id.as_str());
            match inbound::next_offer(i, offers.len()) {
                Some(j) => http::twiml(twiml::render(&[Verb::Redirect(voice_url(
                    base, j, false, person,
                ))])),
                None => redirect(voice_url(base, i, false, person), words.callback_only_one()),
            }
        }
        (_, Some(i)) => redirect(
            voice_url(base, i, false, Some(&offers[i].offer.employee_id)),
            words.callback_wrong_key(),
        ),
    }
}
