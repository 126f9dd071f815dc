//! What callers hear from every voice webhook: words and goodbye, the offer inside its
//! `<Gather>`, and the one wrapper that keeps a call from ever hearing Twilio's "application
//! error" ([`answer`]).

use crate::adapters::twilio::urls::{self, CallRef, Offer, WebhookRoute};
use crate::adapters::twilio::webhook::{self, Webhook};
use crate::app::App;
use crate::http::{self, HttpResult};
use crate::records::Attempt;
use callout_core::campaign::GATHER_TIMEOUT_SECS;
use callout_core::lang::Speech;
use callout_core::twiml::{self, Verb};
use lambda_http::Request;
use std::future::Future;
use tracing::{error, warn};

/// How often a carer hears "one moment" before the call gives up politely.
pub const VOICE_RETRIES: u32 = 2;

/// How long a presigned audio URL given to Twilio works.
const AUDIO_URL_VALIDITY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Words in the call's language (`<Say language>` too), then the end of the call.
pub fn hang_up_with(speech: &Speech, text: impl Into<String>) -> HttpResult {
    http::twiml(twiml::render_in(
        speech.say_language(),
        &[Verb::Say(text.into()), Verb::Hangup],
    ))
}

/// The offer: the message inside a one-key `<Gather>`, so a key pressed while it plays counts,
/// then the timeout route when nothing is pressed. The audio (the whole text, or the greeting
/// then the shift's body) comes straight from S3 through presigned URLs (signed locally, no
/// request); the call-audio route serves it otherwise. Without audio the whole text is said
/// with `<Say>`, in the call's language.
pub async fn offer(app: &App, a: &Attempt, has_audio: bool, repeated: bool) -> HttpResult {
    let (occ, k) = (&a.occurrence_id, a.attempt);
    let speech = a.speech();
    let base = app.config.public_base_url.as_str();
    let mut nested = Vec::new();
    if repeated {
        nested.push(Verb::Say(speech.words().repeat_offer().into()));
    }
    if has_audio {
        // A split offer is two `<Play>`s back to back, the greeting then the shift's body:
        // Twilio plays them without a gap, and a key pressed during either counts. (Joining
        // the µ-law into one file per person would read both clips and write a third before
        // every call; two presigned URLs cost no request at all.)
        let mut urls = Vec::new();
        for clip in app.offer_clips(a) {
            match app
                .audio()
                .presigned_url(&clip.key, AUDIO_URL_VALIDITY)
                .await
            {
                Ok(u) => urls.push(u),
                Err(e) => {
                    // The call-audio route serves the whole offer (its clips joined) instead.
                    warn!(occurrence_id = %occ, attempt = k, error = %e, "audio_presign_failed");
                    urls = vec![urls::audio(&app.config, occ, k)];
                    break;
                }
            }
        }
        nested.extend(urls.into_iter().map(Verb::Play));
    } else {
        nested.push(Verb::Say(a.text.clone()));
    }
    let call = CallRef::new(occ, k);
    let pressed = WebhookRoute::Response {
        offer: Offer::new(call.clone(), has_audio, &speech),
        employee_id: Some(a.employee_id.clone()),
        repeat: repeated,
    };
    let timeout = WebhookRoute::Timeout {
        call: Some(call),
        speech: speech.clone(),
        retry: 0,
    };
    http::twiml(twiml::render_in(
        speech.say_language(),
        &[
            Verb::Gather {
                action: pressed.url(base),
                timeout_secs: GATHER_TIMEOUT_SECS,
                nested,
            },
            Verb::Redirect(timeout.url(base)),
        ],
    ))
}

/// Where a voice webhook that fails sends Twilio, worked out from the route Twilio called (its
/// `retry` and, on the fallback, the failed URL's) before the handler runs.
pub struct Retry {
    /// The URL to `<Redirect>` to, with the next try; `None`: tries used up (or a route that is
    /// not tried again).
    pub next: Option<String>,
    pub speech: Speech,
}

impl Retry {
    /// "One moment" and the webhook again, or goodbye when the tries are used up.
    pub fn sorry(&self) -> HttpResult {
        let words = self.speech.words();
        match &self.next {
            Some(url) => http::twiml(twiml::render_in(
                self.speech.say_language(),
                &[
                    Verb::Say(words.sorry_one_moment().into()),
                    Verb::Pause(1),
                    Verb::Redirect(url.clone()),
                ],
            )),
            None => hang_up_with(&self.speech, words.sorry_goodbye()),
        }
    }
}

/// Every voice webhook (a call's offer, key, timeout and fallback; the call-back line) runs
/// through this: Twilio's signature first (a refusal is returned as it is), then `handle` with
/// the request's typed values and where to send Twilio should it fail (the fallback uses it); an
/// error (the table, the queue or S3 failing) is a short sorry and the step again, at most
/// [`VOICE_RETRIES`] times, then a polite goodbye. Twilio never gets a 5xx to turn into "an
/// application error".
pub async fn answer<F, Fut>(app: &App, req: Request, webhook: &'static str, handle: F) -> HttpResult
where
    F: FnOnce(Webhook, Retry) -> Fut,
    Fut: Future<Output = HttpResult>,
{
    let tw = match webhook::verify_twilio(&app.config, &req) {
        Ok(tw) => tw,
        Err(refused) => return *refused,
    };
    let base = http::request_base(&app.config, &req);
    // Twilio names the URL that failed on the fallback: a retry that failed too counts, so this
    // stays bounded however often Twilio comes back.
    let tried = tw.failed_url().map_or(0, WebhookRoute::tries_in);
    let route = tw.route().cloned();
    let retry = || Retry {
        next: route
            .as_ref()
            .and_then(|r| r.next_try(tried, VOICE_RETRIES))
            .map(|r| r.url(&base)),
        speech: tw.speech(),
    };
    let on_error = retry();
    let given = retry();
    let e = match handle(tw, given).await {
        Ok(resp) => return Ok(resp),
        Err(e) => e,
    };
    let retrying = on_error.next.is_some();
    match route {
        Some(WebhookRoute::CallbackLine { .. } | WebhookRoute::CallbackKey { .. }) => {
            error!(webhook, error = %e, alarm = true, "inbound_voice_failed")
        }
        _ => error!(webhook, retrying, error = %e, alarm = true, "voice_webhook_failed"),
    }
    on_error.sorry()
}

/// Fails once when the fault is armed for the shift (tests only).
pub fn injected_failure(app: &App, tw: &Webhook) -> anyhow::Result<()> {
    match tw.route().and_then(WebhookRoute::occurrence_id) {
        Some(occ) if app.faults.trip(crate::faults::VOICE_WEBHOOK_FAILS, occ) => {
            anyhow::bail!("injected: the table is unreachable")
        }
        _ => Ok(()),
    }
}
