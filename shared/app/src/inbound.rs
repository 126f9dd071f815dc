//! The `inbound` function's handlers: Twilio's incoming-call webhook (the call-back line,
//! `POST /api/inbound/voice` and its key route `POST /api/inbound/voice/key`) and its
//! incoming-message webhook (`POST /api/inbound/sms`). Both run through `webhook::verified`;
//! what a key or a reply means is `callout_core::inbound`'s, what it does is `service`'s.

use crate::adapters::twilio::webhook::{self, Webhook};
use crate::app::App;
use crate::http::{self, HttpResult};
use crate::service::{self, Acceptance, OpenOffer};
use callout_core::inbound::{self, CallbackKey, Reply, Target};
use callout_core::twiml::{self, Verb};
use callout_core::words::{self, inbound as say, Phrasebook};
use lambda_http::Request;
use tracing::{error, info};

/// How long the call-back line waits for a key after the offer.
pub const CALLBACK_GATHER_SECS: u32 = 10;

/// The one entry point of the `inbound` function: by the route's last segment.
pub async fn inbound(app: &App, req: Request) -> HttpResult {
    if req.method() != "POST" {
        return http::error(405, "use POST");
    }
    let path = req.uri().path().trim_end_matches('/').to_string();
    if path.ends_with("/api/inbound/sms") {
        webhook::verified(&app.config, req, |tw, _| incoming_text(app, tw)).await
    } else if path.ends_with("/api/inbound/voice/key") {
        let base = inbound_base(app, &req);
        let answer = webhook::verified(&app.config, req, |tw, _| async {
            key_pressed(app, tw, &base).await
        })
        .await;
        never_5xx(answer)
    } else if path.ends_with("/api/inbound/voice") {
        let base = inbound_base(app, &req);
        let answer = webhook::verified(&app.config, req, |tw, _| async {
            incoming_call(app, tw, &base).await
        })
        .await;
        never_5xx(answer)
    } else {
        http::error(404, "no such route")
    }
}

/// The base of our inbound routes as Twilio called them (whatever stage or mapping key came
/// before), so the call's next URLs are signed as Twilio will sign them.
fn inbound_base(app: &App, req: &Request) -> String {
    let url = http::public_url(&app.config, req);
    let path = url.split_once('?').map_or(url.as_str(), |(p, _)| p);
    let base = path.rfind("/api/inbound/").map_or(path, |i| &path[..i]);
    format!("{base}/api/inbound/voice")
}

/// A caller never hears Twilio's "application error": a failure on our side is a sorry and a
/// goodbye.
fn never_5xx(result: HttpResult) -> HttpResult {
    match result {
        Ok(r) => Ok(r),
        Err(e) => {
            error!(webhook = "inbound-voice", error = %e, "inbound_voice_failed");
            http::twiml(twiml::render(&[
                Verb::Say(words::English.sorry_goodbye().into()),
                Verb::Hangup,
            ]))
        }
    }
}

fn voice_url(base: &str, n: usize, passed: bool) -> String {
    let mut url = format!("{base}?n={n}");
    if passed {
        url.push_str("&passed=1");
    }
    url
}

fn key_url(base: &str, occ: &str, n: usize) -> String {
    format!("{base}/key?occurrenceId={}&n={n}", urlencoding::encode(occ))
}

/// The office, or goodbye when there is none.
async fn to_the_office(app: &App, from: Option<&str>, mut verbs: Vec<Verb>) -> HttpResult {
    match service::office_number(app, from).await? {
        Some(number) => {
            verbs.push(Verb::Say(say::CALLBACK_TO_OFFICE.into()));
            verbs.push(Verb::Dial(number));
        }
        None => {
            verbs.push(Verb::Say(say::CALLBACK_NO_OFFICE.into()));
            verbs.push(Verb::Hangup);
        }
    }
    http::twiml(twiml::render(&verbs))
}

fn offer_menu(base: &str, offer: &OpenOffer, n: usize, before: Vec<Verb>) -> HttpResult {
    let mut verbs = before;
    verbs.push(Verb::Gather {
        action: key_url(base, &offer.offer.occurrence_id, n),
        timeout_secs: CALLBACK_GATHER_SECS,
        nested: vec![Verb::Say(say::callback_offer(&offer.values()))],
    });
    verbs.push(Verb::Say(say::CALLBACK_NO_KEY.into()));
    verbs.push(Verb::Hangup);
    http::twiml(twiml::render(&verbs))
}

/// `POST /api/inbound/voice`: someone rings the number. A caller offered an open shift within
/// the window hears the soonest one (or the `n`th) with the menu; anyone else a short message
/// and the office.
async fn incoming_call(app: &App, tw: Webhook, base: &str) -> HttpResult {
    let from = tw.from_number();
    let offers = match from {
        Some(p) => service::open_offers(app, p).await?,
        None => Vec::new(),
    };
    info!(phone = %from.map(callout_core::mask::phone).unwrap_or_default(), open_offers = offers.len(), after_pass = tw.after_pass(), "inbound_call");
    let before = if tw.after_pass() {
        vec![Verb::Say(say::CALLBACK_PASSED.into())]
    } else {
        Vec::new()
    };
    if offers.is_empty() {
        if tw.after_pass() {
            let mut verbs = before;
            verbs.push(Verb::Say(say::CALLBACK_NO_MORE.into()));
            verbs.push(Verb::Hangup);
            return http::twiml(twiml::render(&verbs));
        }
        if let Some(p) = from {
            if service::recently_filled(app, p, None).await? {
                return http::twiml(twiml::render(&[
                    Verb::Say(say::CALLBACK_FILLED.into()),
                    Verb::Hangup,
                ]));
            }
        }
        return to_the_office(
            app,
            from,
            vec![Verb::Say(say::CALLBACK_NOTHING_OPEN.into())],
        )
        .await;
    }
    let n = tw.offer_position() % offers.len();
    offer_menu(base, &offers[n], n, before)
}

/// `POST /api/inbound/voice/key`: a key on the call-back line, about the shift the URL names.
async fn key_pressed(app: &App, tw: Webhook, base: &str) -> HttpResult {
    let from = tw.from_number();
    let (Some(phone), Some(occ)) = (from, tw.occurrence_id()) else {
        return to_the_office(
            app,
            from,
            vec![Verb::Say(say::CALLBACK_NOTHING_OPEN.into())],
        )
        .await;
    };
    let key = CallbackKey::from_digits(tw.digits());
    info!(occurrence_id = %occ, key = ?key, "inbound_call_key");
    if key == CallbackKey::Office {
        return to_the_office(app, from, Vec::new()).await;
    }
    let offers = service::open_offers(app, phone).await?;
    let here = offers.iter().position(|o| o.offer.occurrence_id == occ);
    let redirect = |to: String, said: &str| {
        http::twiml(twiml::render(&[
            Verb::Say(said.to_string()),
            Verb::Redirect(to),
        ]))
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
                    .find(|o| o.occurrence_id == occ)
                    .map(|o| o.employee_id),
            };
            let Some(employee) = employee else {
                return to_the_office(
                    app,
                    from,
                    vec![Verb::Say(say::CALLBACK_NOTHING_OPEN.into())],
                )
                .await;
            };
            let said = match service::accept_inbound(app, occ, &employee, "callback").await? {
                Acceptance::Accepted => say::CALLBACK_ACCEPTED,
                Acceptance::Taken { .. } => say::CALLBACK_FILLED,
                _ => words::English.not_found(),
            };
            http::twiml(twiml::render(&[Verb::Say(said.into()), Verb::Hangup]))
        }
        (_, None) => {
            // The shift closed since the offer was read out.
            http::twiml(twiml::render(&[
                Verb::Say(say::CALLBACK_FILLED.into()),
                Verb::Hangup,
            ]))
        }
        (CallbackKey::Pass, Some(i)) => {
            service::pass(app, occ, &offers[i].offer.employee_id, "callback").await?;
            http::twiml(twiml::render(&[Verb::Redirect(voice_url(base, 0, true))]))
        }
        (CallbackKey::Next, Some(i)) => match inbound::next_offer(i, offers.len()) {
            Some(j) => http::twiml(twiml::render(&[Verb::Redirect(voice_url(base, j, false))])),
            None => redirect(voice_url(base, i, false), say::CALLBACK_ONLY_ONE),
        },
        (_, Some(i)) => redirect(voice_url(base, i, false), say::CALLBACK_WRONG_KEY),
    }
}

/// `POST /api/inbound/sms`: a text to the number. The reply is one `<Message>` (none for STOP
/// and START, which Twilio answers itself).
async fn incoming_text(app: &App, tw: Webhook) -> HttpResult {
    let Some(phone) = tw.from_number() else {
        return http::twiml(twiml::message(None));
    };
    let reply = inbound::parse_reply(tw.message_body());
    info!(phone = %callout_core::mask::phone(phone), reply = reply_name(&reply), "inbound_sms");
    if inbound::opts_in(&reply) {
        // As Twilio does for START, YES and UNSTOP alone.
        if app.store.is_opted_out(phone).await? {
            service::set_opted_out(app, phone, false).await?;
        }
    }
    let yes = matches!(reply, Reply::Yes(_));
    let answer: Option<String> = match reply {
        Reply::Stop => {
            service::set_opted_out(app, phone, true).await?;
            None
        }
        Reply::Start => None,
        Reply::Help | Reply::Other => Some(say::SMS_HELP.into()),
        Reply::Yes(code) | Reply::No(code) => {
            let offers = service::open_offers(app, phone).await?;
            let listed: Vec<(String, String)> = offers
                .iter()
                .map(|o| (o.offer.occurrence_id.clone(), o.code.clone()))
                .collect();
            Some(match inbound::target(&listed, code.as_deref()) {
                Target::Shift(occ) => {
                    let o = offers
                        .iter()
                        .find(|o| o.offer.occurrence_id == occ)
                        .expect("the target is one of the offers");
                    if yes {
                        match service::accept_inbound(app, &occ, &o.offer.employee_id, "sms")
                            .await?
                        {
                            Acceptance::Accepted => say::sms_accepted(&o.staff.first_name),
                            Acceptance::Taken { .. } => say::SMS_FILLED.into(),
                            _ => say::SMS_NOTHING_OPEN.into(),
                        }
                    } else {
                        service::pass(app, &occ, &o.offer.employee_id, "sms").await?;
                        say::SMS_PASSED.into()
                    }
                }
                Target::NothingOpen => {
                    if yes && service::recently_filled(app, phone, code.as_deref()).await? {
                        say::SMS_FILLED.into()
                    } else {
                        say::SMS_NOTHING_OPEN.into()
                    }
                }
                Target::NeedCode => say::sms_need_code(
                    &offers
                        .iter()
                        .map(|o| {
                            let v = o.values();
                            (o.code.clone(), format!("{} {}", v.date, v.time))
                        })
                        .collect::<Vec<_>>(),
                ),
                Target::UnknownCode => say::SMS_UNKNOWN_CODE.into(),
            })
        }
    };
    http::twiml(twiml::message(answer.as_deref()))
}

fn reply_name(r: &Reply) -> &'static str {
    match r {
        Reply::Yes(_) => "yes",
        Reply::No(_) => "no",
        Reply::Stop => "stop",
        Reply::Start => "start",
        Reply::Help => "help",
        Reply::Other => "other",
    }
}
