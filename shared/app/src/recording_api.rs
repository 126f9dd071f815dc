//! Call recording's edges (issue 16, point 5):
//!
//! | route / trigger | function | auth | what |
//! |---|---|---|---|
//! | `POST /api/outbound/recording` | call-status | Twilio's signature (`webhook::verified`) | a recording status callback: the recording is kept on its attempt |
//! | `GET /api/provider/jobs/{occurrenceId}/calls/{attempt}/recording` | provider-settings | JWT | the recording's audio, fetched from Twilio with the account's credentials; another provider's call, a call without a recording or one deleted after the retention is a 404 |
//! | daily schedule `{"recordingRetention": "deleteExpired"}` | start-calling | EventBridge | queues one `deleteRecording` task per recording past its retention; the dialer deletes each at Twilio |
//!
//! The browser never gets a Twilio URL: the media passes through the provider API.

use crate::adapters::twilio::webhook;
use crate::app::App;
use crate::handlers::router::Params;
use crate::http::{self, HttpResult};
use crate::service::recording;
use callout_core::lang::Speech;
use callout_core::twiml::{self, Verb};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use tracing::{error, info, warn};

/// The daily schedule's input (template.yaml, `RecordingRetention` on start-calling).
pub const CLEANUP_KEY: &str = "recordingRetention";
pub const CLEANUP_VALUE: &str = "deleteExpired";

/// `POST /api/outbound/recording` (the URL names the attempt), signed by Twilio; routed by
/// `handlers::call_status`.
pub async fn callback(app: &App, req: Request, _: Params) -> HttpResult {
    webhook::verified(&app.config, req, |tw, _| async move {
        let Some((occ, k)) = tw.attempt_ids() else {
            return http::error(400, "the recording URL must carry occurrenceId and attempt");
        };
        let Some(report) = tw.recording_report() else {
            return http::error(400, "RecordingSid or RecordingStatus is missing or invalid");
        };
        recording::on_recording(app, &occ, k, &report).await?;
        http::respond(204, "text/plain", "")
    })
    .await
}

/// The answered call's TwiML with the recording notice said first, when the call is recorded:
/// in the call's language, with `<Say>`'s language attribute as the call's other prompts.
pub fn with_notice(recorded: bool, speech: &Speech, resp: HttpResult) -> HttpResult {
    let resp = resp?;
    if !recorded {
        return Ok(resp);
    }
    let (parts, body) = resp.into_parts();
    let text = match &body {
        Body::Text(t) => t.clone(),
        _ => return Ok(Response::from_parts(parts, body)),
    };
    let notice = twiml::render_in(
        speech.say_language(),
        &[Verb::Say(speech.words().recording_notice().into())],
    );
    let say = notice
        .split_once("<Response>")
        .and_then(|(_, rest)| rest.rsplit_once("</Response>"))
        .map(|(inner, _)| inner.to_string())
        .unwrap_or_default();
    let text = text.replacen("<Response>", &format!("<Response>{say}"), 1);
    Ok(Response::from_parts(parts, Body::Text(text)))
}

/// `GET /api/provider/jobs/{occurrenceId}/calls/{attempt}/recording`; routed by
/// `handlers::provider_settings`.
pub async fn media(app: &App, _: Request, p: Params) -> HttpResult {
    let provider = p.provider.as_str();
    const NONE: &str = "no such recording";
    let Some(occ) = p.identifier("occurrenceId") else {
        return http::error(404, NONE);
    };
    let Some(k) = p.parse::<u32>("attempt") else {
        return http::error(404, NONE);
    };
    let Some(a) = app.store.get_attempt(occ, k).await? else {
        return http::error(404, NONE);
    };
    // Another provider's call is not there at all.
    if a.provider_id != provider {
        return http::error(404, NONE);
    }
    let Some(sid) = a.recording_sid else {
        return http::error(404, NONE);
    };
    match app.twilio().recording_media(&sid).await {
        Ok(Some(m)) => {
            info!(occurrence_id = %occ, attempt = k, recording_sid = %sid, bytes = m.bytes.len(), "recording_served");
            Ok(Response::builder()
                .status(200)
                .header("content-type", m.content_type)
                .header(
                    "content-disposition",
                    format!("inline; filename=\"{occ}-{k}.wav\""),
                )
                .header(http::NO_STORE.0, http::NO_STORE.1)
                .header(http::NOSNIFF.0, http::NOSNIFF.1)
                .body(Body::Binary(m.bytes))?)
        }
        Ok(None) => http::error(404, NONE),
        Err(e) => {
            warn!(occurrence_id = %occ, attempt = k, error = %e, "recording_fetch_failed");
            http::error(502, "the recording could not be fetched; please try again")
        }
    }
}

/// Whether an event to start-calling is the daily recording-retention run.
pub fn is_cleanup(payload: &Value) -> bool {
    payload.get(CLEANUP_KEY).and_then(Value::as_str) == Some(CLEANUP_VALUE)
}

/// The daily run: one `deleteRecording` task per recording past its retention (the dialer
/// deletes each at Twilio).
pub async fn cleanup(app: &App) -> Result<Value, lambda_runtime::Error> {
    match recording::queue_deletions(app).await {
        Ok((queued, complete)) => {
            Ok(json!({ "status": "recordings", "queued": queued, "complete": complete }))
        }
        Err(e) => {
            error!(error = %e, "recording_cleanup_failed");
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(resp: HttpResult) -> String {
        match resp.unwrap().into_body() {
            Body::Text(t) => t,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_recorded_call_says_the_notice_before_anything_else() {
        let english = Speech::english();
        let offer = || http::twiml(twiml::render(&[Verb::Say("Hi Bob".into()), Verb::Hangup]));
        let recorded = body(with_notice(true, &english, offer()));
        let say = recorded
            .find("<Say>This call is recorded.</Say>")
            .expect("the notice");
        assert!(say < recorded.find("Hi Bob").unwrap(), "{recorded}");
        assert_eq!(recorded.matches("<Say").count(), 2, "{recorded}");
        assert!(notice_is_the_first_verb(&recorded));
        assert_eq!(body(with_notice(false, &english, offer())), body(offer()));
    }

    #[test]
    fn the_notice_is_said_in_the_calls_language() {
        for (tag, notice, say) in [
            ("es", "Esta llamada se graba.", "es-MX"),
            ("es-ES", "Esta llamada se graba.", "es-ES"),
            ("fr-CA", "Cet appel est enregistré.", "fr-CA"),
        ] {
            let speech = Speech::of(tag);
            let offer = || {
                http::twiml(twiml::render_in(
                    speech.say_language(),
                    &[Verb::Say("Hola Bob".into()), Verb::Hangup],
                ))
            };
            let recorded = body(with_notice(true, &speech, offer()));
            let expected = format!("<Response><Say language=\"{say}\">{notice}</Say>");
            assert!(recorded.contains(&expected), "{tag}: {recorded}");
            assert!(notice_is_the_first_verb(&recorded));
            assert!(!recorded.contains("This call is recorded"), "{recorded}");
        }
    }

    /// The document stays one `<Response>` with the notice as its first verb.
    fn notice_is_the_first_verb(xml: &str) -> bool {
        let inner = xml.split_once("<Response>").unwrap().1;
        inner.starts_with("<Say") && xml.matches("<Response>").count() == 1
    }

    #[test]
    fn only_the_schedules_input_is_the_daily_run() {
        assert!(is_cleanup(&json!({"recordingRetention": "deleteExpired"})));
        assert!(!is_cleanup(&json!({"recordingRetention": "all"})));
        assert!(!is_cleanup(
            &json!({"detail-type": "Wave3Completed", "detail": {}})
        ));
    }
}
