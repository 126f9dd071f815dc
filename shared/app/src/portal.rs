//! The coordinators' portal page for outbound calling (SPEC §4.4) and the API routes only it
//! needs. All are served by the `provider-settings` function:
//!
//! | route | auth | what |
//! |---|---|---|
//! | `GET /portal/outbound-calling` | none (a static page; it holds no data) | the settings page, one self-contained HTML file |
//! | `POST /api/provider/outbound-calling/preview` | JWT | `{messageTemplate[, language]}` → `{text, errors, seconds, language}` rendered by the server's own renderer with fixed example data, in the language's dates and times (a template whose rendering passes the template limit gets the reason under `errors.messageTemplate` and no text) |
//! | `POST /api/provider/outbound-calling/listen` | JWT | `{[language][, messageTemplate][, voiceId]}` (each defaults to the saved settings) → the example offer's speech in the provider's voice for that language, through the calls' own speech cache: `{language, text, voiceId, audio, cached}` (`audio` a 16-bit PCM WAV data URL) or, when speech fails, `{language, text, audio: null, reason}`; a rendering past the template limit is a 400; past `speech_budget::LISTEN_PER_MINUTE` / `LISTEN_PER_DAY` requests, or with the day's speech budget spent, a 429 `{error, reason}` with `Retry-After` |
//! | `GET /api/provider/outbound-calling/stats?days=N[&tz=Zone]` | JWT | the provider's results for the last N days (`callout_core::stats`), and `speechToday: {day, used, budget}`, today's (UTC) speech characters against `dailySpeechCharacters` |
//! | `GET /api/provider/jobs?days=N[&limit=M]` | JWT | the provider's recent shifts, newest first, for the call-log picker |
//!
//! The page reads its token from the URL fragment (`#token=…`, which never reaches a server)
//! or sessionStorage and calls the API with `Authorization: Bearer` (docs/PORTAL.md).

use crate::adapters::store::queries::MAX_ITEMS;
use crate::app::App;
use crate::handlers::router::{bad_query, query, Params};
use crate::http::{self, HttpResult};
use crate::records::Shift;
use crate::service::audio::NoSpeech;
use callout_core::lang::{Language, Speech};
use callout_core::model::{Job, ShiftStatus};
use callout_core::settings::{self as settings, MAX_LANGUAGES};
use callout_core::stats::{self, CallFact, Window};
use callout_core::template::{self, Values, DEFAULT_TEMPLATE, MAX_TEMPLATE_CHARS, VARIABLES};
use chrono::{Duration, Utc};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use std::collections::HashMap;

const PAGE: &str = include_str!("portal/outbound-calling.html");
/// Where panels kept in their own files go in the page (before the end of its main column).
const PANELS_SLOT: &str = "<!--PANELS-->";
/// Reachability checks' panel: its markup, and its script (run after the page's own).
const REACH_PANEL: &str = include_str!("portal/reachability.html");
const REACH_SCRIPT: &str = include_str!("portal/reachability.js");
/// Where the page's configuration goes (a JSON object the server writes at serve time, so the
/// page's limits, variables and default template are the server's own).
const CONFIG_SLOT: &str = "/*PORTAL_CONFIG*/null";

/// Words a text-to-speech voice says per second at a natural pace (150 words a minute).
const WORDS_PER_SECOND: f64 = 2.5;

// ---------------------------------------------------------------- the example shift

/// The example shift every preview uses: Alice offered Margaret Thompson's shift on
/// 23 January 2026 at 9:00 in Sydney, in Parramatta.
pub fn example_job() -> Job {
    Job {
        patient_name: "Margaret Thompson".into(),
        starts_at: "2026-01-23T09:00:00+11:00".parse().expect("valid time"),
        ends_at: "2026-01-23T13:00:00+11:00".parse().expect("valid time"),
        time_zone: "Australia/Sydney".into(),
        suburb: "Parramatta".into(),
    }
}

pub const EXAMPLE_EMPLOYEE: &str = "Alice";

/// About how long a voice takes to say `text`, in seconds: words at 150 a minute plus a short
/// pause at each comma and a longer one at each sentence end.
pub fn speech_seconds(text: &str) -> f64 {
    let words = text.split_whitespace().count() as f64;
    let pauses: f64 = text
        .split_whitespace()
        .map(|w| match w.chars().last() {
            Some('.' | '!' | '?') => 0.4,
            Some(',' | ';' | ':') => 0.2,
            _ => 0.0,
        })
        .sum();
    ((words / WORDS_PER_SECOND + pauses) * 10.0).round() / 10.0
}

/// The preview of a template: the text the example call would speak, or the reason the
/// template would be refused on save (the same check as `PATCH`).
pub fn preview(template_text: &str) -> Value {
    preview_in(&Speech::english(), template_text)
}

/// The example offer of `template_text` for a call in `speech` (its dates and times).
pub fn example_offer(speech: &Speech, template_text: &str) -> String {
    let values = Values::for_job_in(speech.language, EXAMPLE_EMPLOYEE, &example_job());
    template::render_in(speech.language, template_text, &values)
}

/// [`example_offer`] with where its greeting ends: Listen speaks it as calls do.
pub fn example_spoken_offer(speech: &Speech, template_text: &str) -> template::Offer {
    let values = Values::for_job_in(speech.language, EXAMPLE_EMPLOYEE, &example_job());
    template::offer_in(speech.language, template_text, &values)
}

/// [`preview`] for a call in `speech`.
pub fn preview_in(speech: &Speech, template_text: &str) -> Value {
    let characters = template_text.chars().count();
    match template::validate(template_text) {
        Ok(()) => {
            let text = example_offer(speech, template_text);
            // Speech spend: the spoken text, not only the template, within the limit.
            if let Err(reason) = callout_core::speech_budget::check_rendered(&text) {
                return json!({
                    "text": null,
                    "seconds": null,
                    "characters": characters,
                    "language": speech.tag,
                    "errors": { "messageTemplate": reason },
                });
            }
            json!({
                "text": text,
                "seconds": speech_seconds(&text),
                "characters": characters,
                "language": speech.tag,
                "errors": {},
            })
        }
        Err(e) => json!({
            "text": null,
            "seconds": null,
            "characters": characters,
            "language": speech.tag,
            "errors": { "messageTemplate": e.to_string() },
        }),
    }
}

fn example_values_json() -> Value {
    let v = Values::for_job(EXAMPLE_EMPLOYEE, &example_job());
    json!({
        "employeeName": v.employee_name, "patientName": v.patient_name, "date": v.date,
        "time": v.time, "startTime": v.start_time, "endTime": v.end_time, "suburb": v.suburb,
    })
}

/// The configuration written into the page.
pub fn page_config() -> Value {
    let mut config = json!({
        "variables": VARIABLES,
        "defaultTemplate": DEFAULT_TEMPLATE,
        "maxTemplateChars": MAX_TEMPLATE_CHARS,
        "maxLanguages": MAX_LANGUAGES,
        "maxVoiceIdChars": settings::MAX_VOICE_ID_CHARS,
        // The languages calls speak, and tags with a region `<Say>` has an accent for.
        "languages": Language::ALL.map(|l| json!({
            "code": l.code(),
            "name": l.name(),
            "defaultTemplate": l.words().default_template(),
            "recordingNotice": l.words().recording_notice(),
        })),
        "suggestedTags": ["en", "en-AU", "en-GB", "en-US", "es", "es-ES", "es-MX", "fr", "fr-CA", "fr-FR"],
        "maxDays": stats::MAX_DAYS,
        // Call recording: what a recorded call says first, in English; each language's own is
        // in `languages` (a call says its language's).
        "recordingNotice": Language::English.words().recording_notice(),
        "example": example_values_json(),
    });
    // Every whole-number setting's range (`waitMinutes: {min, max}`…), from its definition.
    for (name, min, max) in settings::whole_ranges() {
        config[name] = json!({ "min": min, "max": max });
    }
    config
}

/// The page's HTML with its configuration filled in.
pub fn page_html() -> String {
    // `</` cannot end the script early once escaped.
    let config = page_config().to_string().replace("</", "<\\/");
    PAGE.replacen(CONFIG_SLOT, &config, 1)
        .replacen(LIVE_CALL_LOG_SLOT, LIVE_CALL_LOG, 1)
        .replacen(PANELS_SLOT, REACH_PANEL, 1)
        .replacen(
            "</body>",
            &format!("<script>\n{REACH_SCRIPT}</script>\n</body>"),
            1,
        )
}

/// The live call log and a coordinator's actions on a shift: the page's script, kept in a file
/// of its own and served inside the page (one document, one content security policy).
const LIVE_CALL_LOG: &str = include_str!("portal/live-call-log.js");
const LIVE_CALL_LOG_SLOT: &str = "/*LIVE_CALL_LOG*/";

// ---------------------------------------------------------------- handlers (routed by `handlers::provider_settings`)

/// `GET /portal/outbound-calling`, before any token is required.
pub async fn page(_: &App, _: Request, _: Params) -> HttpResult {
    Response::builder()
        .status(200)
        .header("content-type", "text/html; charset=utf-8")
        .header(
            "content-security-policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
             connect-src 'self'; img-src 'self' data:; media-src blob: data:; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'none'",
        )
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .header("cache-control", "no-cache")
        .body(Body::Text(page_html()))
        .map_err(Into::into)
}

/// `POST /api/provider/outbound-calling/preview`.
pub async fn preview_route(_: &App, req: Request, _: Params) -> HttpResult {
    let body: Value = match serde_json::from_slice(http::body_bytes(&req)) {
        Ok(v) => v,
        Err(e) => return http::json(400, json!({ "errors": { "body": http::not_json(&e) } })),
    };
    let speech = match body.get("language") {
        None | Some(Value::Null) => Speech::english(),
        Some(v) => match settings::checked::<String>("defaultLanguage", v) {
            Ok(tag) => Speech::of(&tag),
            Err(rule) => return http::json(400, json!({ "errors": { "language": rule } })),
        },
    };
    match body.get("messageTemplate").and_then(Value::as_str) {
        Some(t) => http::json(200, preview_in(&speech, t)),
        None => http::json(
            400,
            json!({ "errors": { "messageTemplate": "must be text" } }),
        ),
    }
}

/// The Listen button: the example offer spoken in the provider's voice for one language, so a
/// coordinator hears what staff will hear. Whatever the body leaves out comes from the saved
/// settings (the default language; that language's template, as a call would pick it; that
/// language's voice); what it gives is checked as `PATCH` checks it. The speech goes through
/// the calls' own cache (S3, keyed by voice, model, language and text): listening again costs
/// no ElevenLabs request. When speech fails the text comes back alone, with the reason.
pub async fn listen_route(app: &App, req: Request, p: Params) -> HttpResult {
    let provider = p.provider.as_str();
    let body: Value = match http::body_bytes(&req) {
        b if b.iter().all(u8::is_ascii_whitespace) => json!({}),
        b => match serde_json::from_slice(b) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => {
                return http::json(
                    400,
                    json!({ "errors": { "body": "must be a JSON object" } }),
                )
            }
            Err(e) => return http::json(400, json!({ "errors": { "body": http::not_json(&e) } })),
        },
    };
    let saved = app.store.get_settings(provider).await?;
    let speaking = saved.speaking();
    let mut errors = serde_json::Map::new();
    // Each given value is checked by its setting's rule (`defaultLanguage`, `messageTemplate`,
    // `voiceId`).
    let mut check = |key: &str, setting: &str| -> Option<Value> {
        let v = body.get(key)?;
        settings::checked(setting, v)
            .map_err(|e| errors.insert(key.into(), e.into()))
            .ok()
    };
    let speech = match body.get("language") {
        None | Some(Value::Null) => Some(speaking.speech_for(None)),
        Some(_) => check("language", "defaultLanguage").and_then(|t| t.as_str().map(Speech::of)),
    };
    let template = match body.get("messageTemplate") {
        None | Some(Value::Null) => None,
        Some(_) => {
            check("messageTemplate", "messageTemplate").and_then(|t| t.as_str().map(str::to_string))
        }
    };
    // Absent: the saved voice for the language; null: the deployment's.
    let voice: Option<Option<String>> =
        check("voiceId", "voiceId").map(|v| v.as_str().map(str::to_string));
    let Some(speech) = speech.filter(|_| errors.is_empty()) else {
        return http::json(400, json!({ "errors": errors }));
    };
    let template = template.unwrap_or_else(|| {
        speaking
            .template(&speech, &saved.message_template)
            .to_string()
    });
    let voice = voice.unwrap_or_else(|| speaking.voice(&speech).map(str::to_string));
    let offer = example_spoken_offer(&speech, &template);
    let text = offer.text.clone();
    // Speech spend: the spoken text within the limit, then the provider's Listen rate.
    if let Err(reason) = callout_core::speech_budget::check_rendered(&text) {
        return http::json(400, json!({ "errors": { "messageTemplate": reason } }));
    }
    let now = Utc::now();
    if let Err(window) = app.store.count_listen(provider, now).await? {
        let refusal = callout_core::speech_budget::Refusal::TooMany {
            window,
            retry_after_secs: window.retry_after_secs(now),
        };
        tracing::info!(provider_id = %provider, window = ?window, "listen_refused_rate");
        return too_many(&refusal);
    }
    let voice_used = voice
        .clone()
        .unwrap_or_else(|| app.config.elevenlabs_voice_id.clone());
    let spoken = crate::service::audio::speech(
        app,
        provider,
        saved.daily_speech_characters,
        voice.as_deref(),
        speech.language,
        callout_core::template::Spoken::of(&offer.text, offer.greeting_end),
    )
    .await;
    match spoken {
        Ok(spoken) => {
            let ulaw = callout_core::wav::parse_ulaw(&spoken.wav)
                .map(|w| w.data)
                .unwrap_or_default();
            let pcm = callout_core::wav::ulaw_to_pcm_wav(&ulaw);
            tracing::info!(provider_id = %provider, language = %speech.tag, cached = spoken.cached, characters = text.chars().count(), "listen_served");
            http::json(
                200,
                json!({
                    "language": speech.tag,
                    "text": text,
                    "voiceId": voice_used,
                    "cached": spoken.cached,
                    "seconds": ulaw.len() as f64 / f64::from(callout_core::wav::SAMPLE_RATE),
                    "audio": format!("data:audio/wav;base64,{}", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, pcm)),
                }),
            )
        }
        Err(NoSpeech::Refused(refusal)) => too_many(&refusal),
        Err(NoSpeech::Failed(reason)) => http::json(
            200,
            json!({
                "language": speech.tag,
                "text": text,
                "voiceId": voice_used,
                "audio": null,
                "reason": reason,
            }),
        ),
    }
}

/// A refused Listen: 429, the reason, and when to try again (`Retry-After`, seconds).
fn too_many(refusal: &callout_core::speech_budget::Refusal) -> HttpResult {
    let mut resp = http::json(
        429,
        json!({ "error": "too many speech requests", "reason": refusal.to_string() }),
    )?;
    resp.headers_mut().insert(
        "retry-after",
        lambda_http::http::HeaderValue::from(refusal.retry_after_secs()),
    );
    Ok(resp)
}

/// The stats route's query: the days back from now, the report's time zone.
#[derive(serde::Deserialize)]
struct StatsQuery {
    days: Option<String>,
    tz: Option<String>,
}

/// `GET /api/provider/outbound-calling/stats`.
pub async fn stats_route(app: &App, req: Request, p: Params) -> HttpResult {
    let provider = p.provider.as_str();
    let q: StatsQuery = match query(&req) {
        Ok(q) => q,
        Err(reason) => return bad_query(reason),
    };
    let mut errors = serde_json::Map::new();
    let days = stats::parse_days(q.days.as_deref())
        .map_err(|e| errors.insert("days".into(), e.into()))
        .ok();
    let now = Utc::now();
    // Shifts from a little before the window (any zone's midnight, and campaigns that began
    // before it) give the report's zone and the status of the shifts called in the window.
    let lookback = Duration::days(i64::from(days.unwrap_or(1)) + 2);
    let shifts = app
        .store
        .shifts_between(provider, now - lookback, now, MAX_ITEMS)
        .await?;
    let zones: Vec<&str> = shifts
        .iter()
        .map(|s| s.event.job.time_zone.as_str())
        .collect();
    let tz = stats::report_zone(q.tz.as_deref(), &zones)
        .map_err(|e| errors.insert("tz".into(), e.into()))
        .ok();
    let (Some(days), Some(tz)) = (days, tz) else {
        return http::json(400, json!({ "errors": errors }));
    };
    let window = Window::last_days(days, now, tz);
    let attempts = app
        .store
        .calls_between(provider, window.from, window.to, MAX_ITEMS)
        .await?;
    // The shifts of the calls (a call whose shift began before the lookback, rare: read by id).
    let shifts = crate::results_api::shifts_of(app, provider, &attempts, shifts).await?;
    let status: HashMap<String, ShiftStatus> = shifts
        .iter()
        .map(|(occ, s)| (occ.clone(), s.status))
        .collect();
    let calls: Vec<CallFact> = attempts
        .iter()
        .map(|a| CallFact {
            occurrence_id: a.occurrence_id.clone(),
            round: a.round,
            outcome: a.outcome,
            at: a.created_at,
        })
        .collect();
    let figures = stats::compute(&window, &calls, &status);
    let mut body = serde_json::to_value(figures)?;
    body["truncated"] = json!(attempts.len() >= MAX_ITEMS);
    // Results: time to fill, who answered, answer rates, costs at the provider's rates.
    let saved = app.store.get_settings(provider).await?;
    body["results"] = crate::results_api::results(&attempts, &shifts, &saved.cost_rates);
    // Speech spend: today's (UTC) use of the daily speech budget, for the settings page.
    body["speechToday"] = json!({
        "day": callout_core::speech_budget::Window::Day.id(now),
        "used": app.store.speech_used(provider, now).await?,
        "budget": saved.daily_speech_characters,
    });
    http::json(200, body)
}

fn job_summary(s: &Shift) -> Value {
    let job = &s.event.job;
    let v = Values::for_job("", job);
    json!({
        "occurrenceId": s.occurrence_id(),
        "status": s.status.as_str(),
        "notCalledReason": s.not_called,
        "createdAt": s.created_at.to_rfc3339(),
        "startsAt": job.starts_at.to_rfc3339(),
        "endsAt": job.ends_at.to_rfc3339(),
        "timeZone": job.time_zone,
        "date": v.date,
        "time": v.time,
        "suburb": v.suburb,
        "patientName": v.patient_name,
        "poolSize": s.event.staff_pool.len(),
        "callingEnabled": s.calling_enabled(),
        "acceptedBy": s.assigned_to.as_ref().map(|e| json!({
            "employeeId": e,
            "firstName": s.staff(e).map(|m| m.first_name.clone()),
            "channel": s.assigned_channel,
        })),
    })
}

/// The recent shifts' query: the days back from now, how many at most.
#[derive(serde::Deserialize)]
struct JobsQuery {
    days: Option<String>,
    limit: Option<String>,
}

/// `GET /api/provider/jobs`.
pub async fn jobs_route(app: &App, req: Request, p: Params) -> HttpResult {
    let provider = p.provider.as_str();
    let q: JobsQuery = match query(&req) {
        Ok(q) => q,
        Err(reason) => return bad_query(reason),
    };
    let mut errors = serde_json::Map::new();
    let days = match q.days.as_deref() {
        None => Some(30),
        some => stats::parse_days(some)
            .map_err(|e| errors.insert("days".into(), e.into()))
            .ok(),
    };
    let limit = match q.limit.as_deref() {
        None => Some(50),
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=200).contains(l))
            .or_else(|| {
                errors.insert(
                    "limit".into(),
                    "must be a whole number from 1 to 200".into(),
                );
                None
            }),
    };
    let (Some(days), Some(limit)) = (days, limit) else {
        return http::json(400, json!({ "errors": errors }));
    };
    let now = Utc::now();
    let shifts = app
        .store
        .shifts_between(provider, now - Duration::days(i64::from(days)), now, limit)
        .await?;
    http::json(
        200,
        json!({ "days": days, "jobs": shifts.iter().map(job_summary).collect::<Vec<_>>() }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_is_the_servers_own_rendering() {
        let p = preview(DEFAULT_TEMPLATE);
        assert_eq!(
            p["text"],
            "Hi Alice, we have an urgent shift for Margaret T. on Jan 23 at 9:00 AM in Parramatta. Press 1 to accept this shift, or press 2 to decline."
        );
        assert_eq!(p["errors"], json!({}));
        let secs = p["seconds"].as_f64().unwrap();
        assert!((9.0..15.0).contains(&secs), "{secs}");
        let t = "{employeeName}|{patientName}|{date}|{time}|{startTime}|{endTime}|{suburb}";
        assert_eq!(
            preview(t)["text"],
            "Alice|Margaret T.|Jan 23|9:00 AM|09:00|13:00|Parramatta"
        );
    }

    #[test]
    fn an_invalid_template_gives_the_save_error_and_no_text() {
        let p = preview("Hi {nickname}");
        assert!(p["text"].is_null());
        assert!(p["errors"]["messageTemplate"]
            .as_str()
            .unwrap()
            .contains("{nickname}"));
        assert_eq!(
            preview("")["errors"]["messageTemplate"],
            "must not be empty"
        );
        assert_eq!(preview(&"a".repeat(1001))["characters"], 1001);
    }

    #[test]
    fn speech_takes_longer_with_more_words_and_sentences() {
        assert_eq!(speech_seconds(""), 0.0);
        assert_eq!(speech_seconds("one two three four five"), 2.0);
        assert_eq!(speech_seconds("One. Two."), 1.6);
        assert!(speech_seconds(&"word ".repeat(100)) > 39.0);
    }

    #[test]
    fn the_page_carries_the_servers_limits() {
        let html = page_html();
        assert!(!html.contains(CONFIG_SLOT), "config is filled in");
        assert!(html.contains(r#""maxTemplateChars":1000"#));
        let config = page_config();
        assert_eq!(config["waitMinutes"], json!({"min": 1, "max": 120}));
        assert_eq!(config["maxRounds"], json!({"min": 1, "max": 5}));
        assert!(html.contains("Margaret T."));
        assert!(html.contains("<html lang=\"en\">"));
    }
}
