//! One handler per function. Each translates its trigger (HTTP request, event, queue batch)
//! into the campaign's steps and back; the rules themselves are in `callout_core` and
//! `service`.

use crate::adapters::twilio::urls;
use crate::adapters::twilio::webhook::{self, Webhook};
use crate::app::App;
use crate::http::{self, HttpResult};
use crate::records::{parse_call_id, Attempt, Task};
use crate::service::{self, Acceptance, StartError, Started};
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use callout_core::campaign::{self, KeyPress, Outcome, GATHER_TIMEOUT_SECS};
use callout_core::lang::Speech;
use callout_core::model::Wave3Completed;
use callout_core::twiml::{self, Verb};
use callout_core::validate;
use lambda_http::{Request, Response};
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};
use tracing::{error, info, warn};

// ---------------------------------------------------------------- what callers hear

/// Words in the call's language (`<Say language>` too), then the end of the call.
fn hang_up_with(speech: &Speech, text: impl Into<String>) -> HttpResult {
    http::twiml(twiml::render_in(
        speech.say_language(),
        &[Verb::Say(text.into()), Verb::Hangup],
    ))
}

/// The offer: the message inside a one-key `<Gather>`, so a key pressed while it plays counts,
/// then the timeout route when nothing is pressed. The audio comes straight from S3 through a
/// presigned URL (signed locally, no request); the call-audio route serves it otherwise.
/// Without audio the text is said with `<Say>`, in the call's language.
async fn offer(app: &App, a: &Attempt, has_audio: bool, repeated: bool) -> HttpResult {
    let (occ, k) = (&a.occurrence_id, a.attempt);
    let speech = a.speech();
    let mut nested = Vec::new();
    if repeated {
        nested.push(Verb::Say(speech.words().repeat_offer().into()));
    }
    nested.push(if has_audio {
        let key = app.attempt_audio_key(a);
        let url = match app.audio().presigned_url(&key, AUDIO_URL_VALIDITY).await {
            Ok(u) => u,
            Err(e) => {
                warn!(occurrence_id = %occ, attempt = k, error = %e, "audio_presign_failed");
                urls::audio(&app.config, occ, k)
            }
        };
        Verb::Play(url)
    } else {
        Verb::Say(a.text.clone())
    });
    http::twiml(twiml::render_in(
        speech.say_language(),
        &[
            Verb::Gather {
                action: urls::response(
                    &app.config,
                    occ,
                    k,
                    &a.employee_id,
                    has_audio,
                    repeated,
                    &speech,
                ),
                timeout_secs: GATHER_TIMEOUT_SECS,
                nested,
            },
            Verb::Redirect(urls::timeout(&app.config, occ, k, &speech)),
        ],
    ))
}

/// How long a presigned audio URL given to Twilio works.
const AUDIO_URL_VALIDITY: std::time::Duration = std::time::Duration::from_secs(3600);

// ---------------------------------------------------------------- never a 5xx on a call

/// How often a carer hears "one moment" before the call gives up politely.
pub const VOICE_RETRIES: u32 = 2;

/// Where a call webhook that failed sends Twilio next, worked out before the handler runs (from
/// the URL Twilio called; only used once the handler verified its signature and failed after).
struct VoiceRetry {
    webhook: &'static str,
    /// The URL to `<Redirect>` to, with `retry` counting the tries; `None`: tries used up.
    next: Option<String>,
    /// The call's language (the URL's `lang`).
    speech: Speech,
}

impl VoiceRetry {
    /// `route` is the webhook to try again; `keep` the query parameters it needs (all but
    /// `retry` when it is the same webhook); `tried` the tries already made elsewhere.
    fn of(
        app: &App,
        req: &Request,
        webhook: &'static str,
        route: &str,
        keep: &[&str],
        tried: u32,
    ) -> Self {
        let url = http::public_url(&app.config, req);
        let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
        let tries = tries_in(&url).max(tried);
        let speech = Speech::of(
            &form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "lang")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_else(|| "en".into()),
        );
        let next = (tries < VOICE_RETRIES).then(|| {
            let base = path.rfind("/api/outbound/").map_or(path, |i| &path[..i]);
            let mut q = form_urlencoded::Serializer::new(String::new());
            for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                if k != "retry" && (keep.is_empty() || keep.contains(&k.as_ref())) {
                    q.append_pair(&k, &v);
                }
            }
            q.append_pair("retry", &(tries + 1).to_string());
            format!("{base}/api/outbound/{route}?{}", q.finish())
        });
        VoiceRetry {
            webhook,
            next,
            speech,
        }
    }

    /// The handler's answer, or for an error (the table, the queue or S3 failing) a short
    /// sorry and the step again; Twilio never gets a 5xx to turn into "an application error".
    fn answer(self, result: HttpResult) -> HttpResult {
        let e = match result {
            Ok(resp) => return Ok(resp),
            Err(e) => e,
        };
        error!(webhook = self.webhook, retrying = self.next.is_some(), error = %e, alarm = true, "voice_webhook_failed");
        sorry(self.next, &self.speech)
    }
}

/// The tries a webhook URL counts (`retry=N` in its query).
fn tries_in(url: &str) -> u32 {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "retry")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

/// "One moment" and the webhook again, or goodbye when the tries are used up.
fn sorry(next: Option<String>, speech: &Speech) -> HttpResult {
    let words = speech.words();
    match next {
        Some(url) => http::twiml(twiml::render_in(
            speech.say_language(),
            &[
                Verb::Say(words.sorry_one_moment().into()),
                Verb::Pause(1),
                Verb::Redirect(url),
            ],
        )),
        None => hang_up_with(speech, words.sorry_goodbye()),
    }
}

/// The call's `FallbackUrl` (the call-timeout function, `fallback=1`): Twilio could not get the
/// offer (call-twiml failed or timed out). No table access: a short sorry, then the offer again.
async fn fallback(app: &App, tw: Webhook, req: Request) -> HttpResult {
    // Twilio names the URL that failed: a retry that failed too counts, so this stays bounded
    // however often Twilio comes back here.
    let tried = tw.failed_url().map_or(0, tries_in);
    let retry = VoiceRetry::of(
        app,
        &req,
        "fallback",
        "twiml",
        // `rec`: a recorded call's offer still starts with the recording notice.
        &["occurrenceId", "attempt", "audio", "rec", "lang"],
        tried,
    );
    let (occ, k) = tw.attempt_ids().unwrap_or_default();
    error!(occurrence_id = %occ, attempt = k, error_code = tw.error_code(), retrying = retry.next.is_some(), alarm = true, "voice_fallback_used");
    sorry(retry.next, &tw.speech())
}

// ---------------------------------------------------------------- call-twiml

/// `POST /api/outbound/twiml`: the call was answered. Never a 5xx (see [`VoiceRetry`]).
pub async fn call_twiml(app: &App, req: Request) -> HttpResult {
    let retry = VoiceRetry::of(app, &req, "call-twiml", "twiml", &[], 0);
    if let Some(occ) = http::query_param(&req, "occurrenceId") {
        if app.faults.trip(crate::faults::TWIML_FUNCTION_DOWN, &occ) {
            return http::error(502, "Internal Server Error");
        }
    }
    retry.answer(webhook::verified(&app.config, req, |tw, req| answer_call(app, tw, req)).await)
}

/// Fails once when the fault is armed for the shift (tests only).
fn injected_failure(app: &App, req: &Request) -> anyhow::Result<()> {
    match http::query_param(req, "occurrenceId") {
        Some(occ) if app.faults.trip(crate::faults::VOICE_WEBHOOK_FAILS, &occ) => {
            anyhow::bail!("injected: the table is unreachable")
        }
        _ => Ok(()),
    }
}

async fn answer_call(app: &App, tw: Webhook, req: Request) -> HttpResult {
    let Some((occ, k)) = tw.attempt_ids() else {
        return hang_up_with(&tw.speech(), tw.speech().words().not_found());
    };
    injected_failure(app, &req)?;
    let (shift, attempt) = app.store.get_shift_and_attempt(&occ, k).await?;
    let (Some(shift), Some(a)) = (shift, attempt) else {
        warn!(occurrence_id = %occ, attempt = k, "webhook_for_unknown_attempt");
        return hang_up_with(&tw.speech(), tw.speech().words().not_found());
    };
    let answered = campaign::answered(
        shift.status,
        a.outcome,
        shift.assigned_to.as_deref() == Some(a.employee_id.as_str()),
        tw.answered_by(),
    );
    if let Some(outcome) = answered.outcome() {
        app.store.set_outcome(&occ, k, outcome, None).await?;
        if outcome == Outcome::Voicemail {
            info!(occurrence_id = %occ, attempt = k, "voicemail_detected");
        }
    }
    let speech = a.speech();
    let answer = match answered.words(speech.words(), &a.first_name) {
        Some(words) => hang_up_with(&speech, words),
        None => offer(app, &a, tw.has_audio(), false).await,
    };
    // Call recording: a recorded call says so first.
    crate::recording_api::with_notice(tw.is_recorded(), &speech, answer)
}

// ---------------------------------------------------------------- call-response

/// `POST /api/outbound/response`: a key was pressed. The URL names the attempt and the
/// person, so 1 and 2 need no read. Never a 5xx: on an error the carer hears a short sorry and
/// the offer again (which tells them the shift is theirs if the acceptance was recorded).
pub async fn call_response(app: &App, req: Request) -> HttpResult {
    let retry = VoiceRetry::of(
        app,
        &req,
        "call-response",
        "twiml",
        &["occurrenceId", "attempt", "audio", "lang"],
        0,
    );
    retry.answer(webhook::verified(&app.config, req, |tw, req| key_pressed(app, tw, req)).await)
}

async fn key_pressed(app: &App, tw: Webhook, req: Request) -> HttpResult {
    // The URL says the call's language: 1 and 2 are answered without reading the attempt.
    let speech = tw.speech();
    let words = speech.words();
    let Some((occ, k)) = tw.attempt_ids() else {
        return hang_up_with(&speech, words.not_found());
    };
    injected_failure(app, &req)?;
    let digits = tw.digits().to_string();
    let repeated = tw.is_repeat();
    let press = campaign::key_press(&digits, repeated);
    match press {
        KeyPress::Accept => {
            let Some(employee_id) = tw.employee_id() else {
                return hang_up_with(&speech, words.not_found());
            };
            match service::accept_call(app, &occ, employee_id, k).await? {
                Acceptance::Accepted => hang_up_with(&speech, words.accepted()),
                Acceptance::Taken { .. } => hang_up_with(&speech, words.taken()),
                Acceptance::OfferClosed => hang_up_with(&speech, words.offer_closed()),
                Acceptance::UnknownShift | Acceptance::NotInPool => {
                    hang_up_with(&speech, words.not_found())
                }
            }
        }
        KeyPress::Decline => {
            service::decline(app, &occ, k).await?;
            hang_up_with(&speech, press.words(words).unwrap_or_default())
        }
        KeyPress::Repeat => {
            info!(occurrence_id = %occ, attempt = k, "unknown_key_repeat");
            match app.store.get_attempt(&occ, k).await? {
                Some(a) => offer(app, &a, tw.has_audio(), true).await,
                None => hang_up_with(&speech, words.not_found()),
            }
        }
        KeyPress::GiveUp => {
            info!(occurrence_id = %occ, attempt = k, "no_answer_start");
            if let Some(outcome) = press.outcome() {
                app.store
                    .set_outcome(&occ, k, outcome, Some(&digits))
                    .await?;
            }
            hang_up_with(&speech, press.words(words).unwrap_or_default())
        }
    }
}

// ---------------------------------------------------------------- call-timeout

/// `POST /api/outbound/timeout`: the message played and no key was pressed; with `fallback=1`,
/// the call's `FallbackUrl` ([`fallback`]). Never a 5xx (see [`VoiceRetry`]).
pub async fn call_timeout(app: &App, req: Request) -> HttpResult {
    if http::query_param(&req, "fallback").as_deref() == Some("1") {
        return webhook::verified(&app.config, req, |tw, req| fallback(app, tw, req)).await;
    }
    let retry = VoiceRetry::of(app, &req, "call-timeout", "timeout", &[], 0);
    retry.answer(webhook::verified(&app.config, req, |tw, req| no_key_pressed(app, tw, req)).await)
}

async fn no_key_pressed(app: &App, tw: Webhook, req: Request) -> HttpResult {
    let speech = tw.speech();
    let Some((occ, k)) = tw.attempt_ids() else {
        return hang_up_with(&speech, speech.words().not_found());
    };
    injected_failure(app, &req)?;
    info!(occurrence_id = %occ, attempt = k, "no_answer_start");
    // A retry finds its own NoAnswer and says the same; an offer closed meanwhile says so.
    let already = app
        .store
        .set_outcome_or_existing(&occ, k, Outcome::NoAnswer)
        .await?
        .flatten();
    hang_up_with(&speech, speech.words().timeout(already))
}

// ---------------------------------------------------------------- call-status

/// `POST /api/outbound/status`: call progress, and (with `amd=1`) answering-machine detection.
pub async fn call_status(app: &App, req: Request) -> HttpResult {
    // Call recording: the recording status callback (crate::recording_api).
    if crate::recording_api::is_callback(&req) {
        return crate::recording_api::callback(app, req).await;
    }
    webhook::verified(&app.config, req, |tw, _| status_reported(app, tw)).await
}

async fn status_reported(app: &App, tw: Webhook) -> HttpResult {
    let Some((occ, k)) = tw.attempt_ids() else {
        return http::error(400, "the status URL must carry occurrenceId and attempt");
    };
    let sid = tw.call_sid().to_string();
    if tw.is_machine_detection() {
        let answered_by = tw.answered_by().unwrap_or("unknown");
        service::on_machine_detection(app, &occ, k, &sid, answered_by).await?;
        return http::respond(204, "text/plain", "");
    }
    let Some(webhook::StatusReport {
        status,
        sequence,
        duration,
        ..
    }) = tw.status_report()
    else {
        return http::error(400, "CallStatus is missing or unknown");
    };
    if status.is_terminal() {
        service::on_final_status(app, &occ, k, &sid, status, sequence, duration).await?;
    } else {
        let recorded = app
            .store
            .record_status(&occ, k, &sid, status.as_str(), sequence, duration, false)
            .await?
            .is_some();
        info!(occurrence_id = %occ, attempt = k, call_status = status.as_str(), sequence, recorded, "call_status");
    }
    http::respond(204, "text/plain", "")
}

// ---------------------------------------------------------------- call-audio

/// `GET /api/outbound/audio/{callId}`: the attempt's spoken offer as a µ-law WAV.
pub async fn call_audio(app: &App, req: Request) -> HttpResult {
    webhook::verified(&app.config, req, |_, req| audio_for(app, req)).await
}

async fn audio_for(app: &App, req: Request) -> HttpResult {
    let call_id = http::path_param(&req, "callId").unwrap_or_default();
    let Some((occ, k)) = parse_call_id(&call_id) else {
        return http::error(404, "unknown call");
    };
    let Some(a) = app.store.get_attempt(&occ, k).await? else {
        return http::error(404, "unknown call");
    };
    let key = app.attempt_audio_key(&a);
    match app.audio().get(&key).await? {
        Some(wav) => Ok(Response::builder()
            .status(200)
            .header("content-type", "audio/wav")
            .header("cache-control", "private, max-age=3600")
            .header(http::NOSNIFF.0, http::NOSNIFF.1)
            .body(lambda_http::Body::Binary(wav))?),
        None => http::error(404, "no audio for this call"),
    }
}

// ---------------------------------------------------------------- job-acceptance

/// `POST /api/jobs/{occurrenceId}/acceptance`: another channel (SMS, a coordinator) accepts.
pub async fn job_acceptance(app: &App, req: Request) -> HttpResult {
    let occ = http::path_param(&req, "occurrenceId").filter(|o| !o.contains('/'));
    let Some(occ) = occ else {
        return http::error(404, "no such route");
    };
    if req.method() != "POST" {
        return http::error(405, "use POST");
    }
    if let Err(r) = validate::identifier("occurrenceId", &occ) {
        return http::error(400, &r.to_string());
    }
    let body: Value = match serde_json::from_slice(http::body_bytes(&req)) {
        Ok(v) => v,
        Err(e) => return http::error(400, &format!("body: {}", http::not_json(&e))),
    };
    let employee_id = match body.get("employeeId") {
        None => return http::error(400, "employeeId: is required"),
        Some(Value::String(e)) if validate::is_identifier(e) => e.as_str(),
        Some(_) => {
            return http::error(400, &format!("employeeId: {}", validate::identifier_rule()))
        }
    };
    let channel = match body.get("channel") {
        None => "sms",
        Some(Value::String(c)) if validate::channel(c).is_ok() => c.as_str(),
        Some(_) => return http::error(400, &validate::channel("").unwrap_err().to_string()),
    };
    match service::accept(app, &occ, employee_id, channel).await? {
        Acceptance::Accepted => http::json(200, json!({ "accepted": true })),
        Acceptance::Taken { filled_by } => {
            http::json(409, json!({ "accepted": false, "filledBy": filled_by }))
        }
        Acceptance::UnknownShift => http::error(404, "unknown occurrenceId"),
        Acceptance::NotInPool | Acceptance::OfferClosed => {
            http::error(422, "employeeId is not in this shift's staff pool")
        }
    }
}

// ---------------------------------------------------------------- provider-settings

/// `/api/provider/outbound-calling` (GET, PATCH) and `/api/provider/jobs/{id}/calls` (GET).
pub async fn provider_settings(app: &App, req: Request) -> HttpResult {
    // ---- portal page (issue 5): public, holds no data; see crate::portal.
    if let Some(resp) = crate::portal::page(&req) {
        return resp;
    }
    let Some(provider) = http::provider_id(&req) else {
        return http::error(401, "a token with the provider_id claim is required");
    };
    // ---- call recording: a recorded call's audio, for its provider only.
    if let Some(resp) = crate::recording_api::media_route(app, &provider, &req).await {
        return resp;
    }
    // ---- portal API (issue 5): preview, stats, recent shifts; see crate::portal.
    if let Some(resp) = crate::portal::route(app, &provider, &req).await {
        return resp;
    }
    let path = http::route_path(&req).trim_end_matches('/').to_string();
    let method = req.method().as_str().to_string();
    if path == "/api/provider/outbound-calling" {
        return match method.as_str() {
            "GET" => http::json(
                200,
                serde_json::to_value(app.store.get_settings(&provider).await?)?,
            ),
            "PATCH" => {
                let body: Value = match serde_json::from_slice(http::body_bytes(&req)) {
                    Ok(v) => v,
                    Err(e) => {
                        return http::json(400, json!({ "errors": { "body": http::not_json(&e) } }))
                    }
                };
                match crate::service::change_settings(app, &provider, &body).await? {
                    crate::service::SettingsChange::Saved(next) => {
                        http::json(200, serde_json::to_value(next)?)
                    }
                    crate::service::SettingsChange::Refused(errors) => {
                        http::json(400, json!({ "errors": errors }))
                    }
                }
            }
            _ => http::error(405, "use GET or PATCH"),
        };
    }
    if path.starts_with("/api/provider/jobs/") && path.ends_with("/calls") {
        if method != "GET" {
            return http::error(405, "use GET");
        }
        let Some(occ) =
            http::path_param(&req, "occurrenceId").filter(|o| validate::is_identifier(o))
        else {
            return http::error(404, "no such shift");
        };
        let shift = match app.store.get_shift(&occ).await? {
            Some(s) if s.event.provider_id == provider => s,
            _ => return http::error(404, "no such shift"),
        };
        let attempts = app.store.list_attempts(&occ).await?;
        let waiting = shift.waiting(&attempts);
        // Inbound channels: each text sent or refused about the shift.
        let texts = app.store.list_texts(&occ).await?;
        return http::json(
            200,
            json!({
                "occurrenceId": occ,
                "waiting": waiting,
                "status": shift.status.as_str(),
                "notCalledReason": shift.not_called,
                "callingEnabled": shift.calling_enabled(),
                "maxRounds": shift.max_rounds(),
                "poolSize": shift.event.staff_pool.len(),
                "scheduledAt": shift.scheduled_at.map(|t| t.to_rfc3339()),
                "confirmationSms": shift.confirmation_sms,
                "acceptedBy": shift.assigned_to.as_ref().map(|e| json!({
                    "employeeId": e,
                    "firstName": shift.staff(e).map(|s| s.first_name.clone()),
                    "channel": shift.assigned_channel,
                    "at": shift.assigned_at.map(|t| t.to_rfc3339()),
                })),
                "calls": attempts,
                "texts": texts,
            }),
        );
    }
    http::error(404, "no such route")
}

// ---------------------------------------------------------------- start-calling

/// `Wave3Completed`, as an EventBridge envelope or the bare detail.
pub async fn start_calling(
    app: &App,
    event: LambdaEvent<Value>,
) -> Result<Value, lambda_runtime::Error> {
    let payload = event.payload;
    // Call recording: the daily run that deletes recordings past their retention.
    if crate::recording_api::is_cleanup(&payload) {
        return crate::recording_api::cleanup(app).await;
    }
    let detail = match payload.get("detail-type") {
        Some(t) if t != "Wave3Completed" => {
            warn!(detail_type = %t, "start_calling_ignored_event");
            return Ok(json!({ "status": "ignored" }));
        }
        Some(_) => payload.get("detail").cloned().unwrap_or(Value::Null),
        None => payload,
    };
    // A refusal names the field and the rule, never the value (`Wave3Completed::from_json`).
    // An event that cannot be read is not dropped: what is known of it is kept or announced
    // (`service::not_called`).
    let detail = match Wave3Completed::from_json(detail.clone()) {
        Ok(d) => d,
        Err(e) => {
            let id = |key: &str| detail.get(key).and_then(Value::as_str).map(str::to_string);
            let what = service::Uncallable::Unreadable {
                occurrence_id: id("occurrenceId"),
                provider_id: id("providerId"),
            };
            return match service::not_called(app, what, &e).await {
                Ok(_) => Ok(
                    json!({ "status": "rejected", "error": format!("invalid Wave3Completed detail: {e}") }),
                ),
                Err(failed) => {
                    error!(field = %e.field, error = %failed, "start_calling_failed");
                    Err(failed.into())
                }
            };
        }
    };
    let occ = detail.occurrence_id.clone();
    match service::start(app, detail).await {
        Ok(Started::Scheduled { at }) => {
            Ok(json!({ "status": "scheduled", "at": at.to_rfc3339() }))
        }
        Ok(Started::Disabled) => Ok(json!({ "status": "disabled" })),
        Ok(Started::Duplicate) => Ok(json!({ "status": "duplicate" })),
        Ok(Started::NotCalled { reason }) => Ok(json!({ "status": "rejected", "error": reason })),
        // Lambda tries twice more, then puts the event on StartCallingFailedQueue, whose
        // alarm reaches a person (template.yaml, docs/DEPLOY.md §8).
        Err(StartError::Failed(e)) => {
            error!(occurrence_id = %occ, error = %e, "start_calling_failed");
            Err(e.into())
        }
    }
}

// ---------------------------------------------------------------- dialer

/// A batch from the dial queue; failed tasks are reported so only they are retried. The
/// tasks of a batch are independent (different attempts), so they run concurrently.
pub async fn dialer(
    app: &App,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let results = futures::future::join_all(event.payload.records.into_iter().map(|record| async move {
        let id = record.message_id.clone().unwrap_or_default();
        let receives: u32 = record
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|c| c.parse().ok())
            .unwrap_or(1);
        let body = record.body.as_deref().unwrap_or("");
        let task = Task::from_json(body);
        let result = match &task {
            Ok(task) => service::run_task(app, task).await.map_err(|e| {
                error!(message_id = %id, kind = task.kind(), occurrence_id = %task.occurrence_id(), attempt = task.attempt(), receives, error = %e, "dial_task_failed");
            }),
            Err(e) => {
                error!(message_id = %id, receives, error = %e, "dial_task_unreadable");
                Err(())
            }
        };
        if result.is_err() {
            let occ = task.as_ref().map(|t| t.occurrence_id()).unwrap_or_default();
            if receives >= app.config.dial_max_receive_count {
                // The last try: the queue's redrive policy moves it to the dead-letter queue.
                error!(message_id = %id, occurrence_id = %occ, receives, alarm = true, "dial_task_dead_lettered");
            } else if let Some(handle) = &record.receipt_handle {
                service::retry_later(app, handle, receives).await;
            }
        }
        (id, result.is_err())
    }))
    .await;
    let mut resp = SqsBatchResponse::default();
    resp.batch_item_failures = results
        .into_iter()
        .filter(|(_, failed)| *failed)
        .map(|(id, _)| {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            f
        })
        .collect();
    Ok(resp)
}
