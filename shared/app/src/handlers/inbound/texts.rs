//! Text replies: a text to the number (`POST /api/inbound/sms`).

use crate::adapters::twilio::webhook::Webhook;
use crate::app::App;
use crate::http::{self, HttpResult};
use crate::service::{self, Acceptance, Line, OpenOffer};
use callout_core::inbound::{self, Reply, Target};
use callout_core::template::Values;
use callout_core::twiml;
use tracing::info;

/// `POST /api/inbound/sms`: a text to the number. The reply is one `<Message>` (none for STOP
/// and START, which Twilio answers itself), in the language of the person it is about: the
/// offer's person, else whom the offer index knows at the number, else the provider's default.
/// Each text (its `MessageSid`) is acted on once: a replay or a retry gets no reply and
/// changes nothing. The number texted (`To`) says whose offers a reply reaches
/// (`service::line_for`); a number nobody holds gets a polite message.
pub(super) async fn incoming_text(app: &App, tw: Webhook) -> HttpResult {
    let Some(phone) = tw.from_number() else {
        return http::twiml(twiml::message(None));
    };
    let answer = match tw.message_sid() {
        Some(sid) => {
            service::webhook_once(app, &format!("SMS#{sid}"), answer_text(app, &tw, phone))
                .await?
                .flatten()
        }
        None => answer_text(app, &tw, phone).await?,
    };
    http::twiml(twiml::message(answer.as_deref()))
}

/// What a text does, and the reply to it.
async fn answer_text(app: &App, tw: &Webhook, phone: &str) -> anyhow::Result<Option<String>> {
    let reply = inbound::parse_reply(tw.message_body());
    let line = service::line_for(app, tw.to_number()).await?;
    info!(phone = %callout_core::mask::phone(phone), reply = reply_name(&reply), provider_id = line.provider().unwrap_or_default(), "inbound_sms");
    if inbound::opts_in(&reply) {
        // As Twilio does for START, YES and UNSTOP alone.
        if app.store.is_opted_out(phone).await? {
            service::set_opted_out(app, phone, false).await?;
        }
    }
    let yes = matches!(reply, Reply::Yes(_));
    Ok(match reply {
        Reply::Stop => {
            service::set_opted_out(app, phone, true).await?;
            None
        }
        Reply::Start => None,
        _ if line == Line::Unknown => {
            let speech = service::caller_speech(app, Some(phone), None, &line).await?;
            Some(speech.words().number_not_in_use().into())
        }
        Reply::Help | Reply::Other => {
            let speech = service::caller_speech(app, Some(phone), None, &line).await?;
            Some(speech.words().sms_help().into())
        }
        Reply::Yes(code) | Reply::No(code) => {
            let at = service::offers_at(app, phone, &line).await?;
            let offers = &at.open;
            let listed: Vec<(usize, String)> = offers
                .iter()
                .enumerate()
                .map(|(i, o)| (i, o.code.clone()))
                .collect();
            // Several offers: the soonest one's person (the same person, as a rule).
            let speech = match offers.first() {
                Some(o) => o.speech(),
                None => service::caller_speech(app, Some(phone), None, &line).await?,
            };
            let words = speech.words();
            // Each offer's date and time as the reply's language says them.
            let when = |o: &OpenOffer| {
                let v =
                    Values::for_job_in(speech.language, &o.staff.first_name, &o.shift.event.job);
                format!("{} {}", v.date, v.time)
            };
            Some(match inbound::target(&listed, code.as_deref(), at.shared) {
                Target::Shift(i) => {
                    let o = &offers[i];
                    let occ = &o.offer.occurrence_id;
                    let words = o.speech().words();
                    if yes {
                        match service::accept_inbound(app, occ, &o.offer.employee_id, "sms").await?
                        {
                            Acceptance::Accepted => words.sms_accepted(&o.staff.first_name),
                            Acceptance::Taken { .. } => words.sms_filled().into(),
                            _ => words.sms_nothing_open().into(),
                        }
                    } else {
                        service::pass(app, occ, &o.offer.employee_id, "sms").await?;
                        words.sms_passed().into()
                    }
                }
                Target::NothingOpen | Target::UnknownCode
                    if yes
                        && service::recently_filled(app, phone, code.as_deref(), &line).await? =>
                {
                    words.sms_filled().into()
                }
                Target::NothingOpen => words.sms_nothing_open().into(),
                // A number several people share: whose offer, by name, never a guess.
                Target::NeedCode if at.shared => words.sms_which_person(
                    &offers
                        .iter()
                        .map(|o| {
                            (
                                o.code.clone(),
                                format!("{}, {}", o.staff.first_name.trim(), when(o)),
                            )
                        })
                        .collect::<Vec<_>>(),
                ),
                Target::NeedCode => words.sms_need_code(
                    &offers
                        .iter()
                        .map(|o| (o.code.clone(), when(o)))
                        .collect::<Vec<_>>(),
                ),
                Target::UnknownCode => words.sms_unknown_code().into(),
                Target::Ambiguous => words.sms_ambiguous_code().into(),
            })
        }
    })
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
