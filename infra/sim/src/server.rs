//! The HTTP side: Twilio's REST API, ElevenLabs' text-to-speech, and the `/sim` control API.

// Handlers return early with a ready-made error response.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::{engine::general_purpose::STANDARD, Engine};
use callout_core::mask;
use callout_core::model::is_e164;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde_json::{json, Value};
use tokio::sync::Notify;

use crate::{
    call, tts, Behaviour, CallEntry, CallEvent, CallRecord, MessageRecord, Refusal, RestOp, Sim,
    Update,
};

pub fn router(sim: Sim) -> Router {
    Router::new()
        .route(
            "/2010-04-01/Accounts/{account}/Calls.json",
            post(create_call),
        )
        .route(
            "/2010-04-01/Accounts/{account}/Calls/{sid}",
            get(fetch_call).post(update_call),
        )
        .route(
            "/2010-04-01/Accounts/{account}/Messages.json",
            post(create_message),
        )
        .route("/v1/text-to-speech/{voice_id}", post(tts::text_to_speech))
        .route("/sim/phones/{number}", put(put_phone))
        .route("/sim/calls", get(list_calls))
        .route("/sim/messages", get(list_messages))
        .route("/sim/tts", get(tts_stats))
        .with_state(sim)
}

pub fn new_sid(prefix: &str) -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    format!("{prefix}{}", hex::encode(b))
}

pub fn rfc2822(t: SystemTime) -> String {
    DateTime::<Utc>::from(t).to_rfc2822()
}

/// A failure the test asked for (`Sim::fail_next_rest`), shaped as Twilio's.
fn injected_failure(sim: &Sim, op: RestOp) -> Option<Response> {
    let r = sim.take_rest_failure(op)?;
    sim.note_refusal(op, r);
    Some(refusal(r))
}

/// Twilio's error for `r`, with the message Twilio gives for the common codes.
fn refusal(r: Refusal) -> Response {
    let code = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = match r.code {
        20003 => "Authenticate",
        20005 => "Account not active",
        20429 => "Too Many Requests",
        20500 => "Internal Server Error",
        21211 => "Invalid 'To' Phone Number",
        21408 => "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
        21610 => "Attempt to send to unsubscribed recipient",
        21614 => "'To' number is not a valid mobile number",
        _ => "Refused (simulated)",
    };
    twilio_error(code, r.code, message)
}

fn twilio_error(status: StatusCode, code: u32, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({
            "code": code,
            "message": message.into(),
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status.as_u16(),
        })),
    )
        .into_response()
}

/// Basic auth and the path's AccountSid; Err is the 401 to send.
fn authenticate(sim: &Sim, op: RestOp, account: &str, headers: &HeaderMap) -> Result<(), Response> {
    if let Some(r) = sim.account_refusal() {
        sim.note_refusal(op, r);
        return Err(refusal(r));
    }
    let cfg = &sim.inner.config;
    let creds = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let ok = creds
        .as_deref()
        .and_then(|c| c.split_once(':'))
        .is_some_and(|(u, p)| {
            u == cfg.account_sid && p == cfg.auth_token && account == cfg.account_sid
        });
    if ok {
        Ok(())
    } else {
        Err(twilio_error(
            StatusCode::UNAUTHORIZED,
            20003,
            "Authenticate",
        ))
    }
}

fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, Response> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).map_err(|e| {
        twilio_error(
            StatusCode::BAD_REQUEST,
            20001,
            format!("Could not parse the form: {e}"),
        )
    })
}

pub fn form_get<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn call_uri(account: &str, sid: &str) -> String {
    format!("/2010-04-01/Accounts/{account}/Calls/{sid}.json")
}

fn call_json(sim: &Sim, c: &CallEntry) -> Value {
    let account = &sim.inner.config.account_sid;
    let r = &c.record;
    let ended = crate::is_final_status(&c.api_status);
    let uri = call_uri(account, &r.sid);
    let base = uri.trim_end_matches(".json");
    json!({
        "sid": r.sid,
        "account_sid": account,
        "parent_call_sid": null,
        "to": r.to,
        "to_formatted": r.to,
        "from": r.from,
        "from_formatted": r.from,
        "phone_number_sid": null,
        "status": c.api_status,
        "start_time": c.start_time.map(rfc2822),
        "end_time": c.end_time.map(rfc2822),
        "duration": if ended { Some(r.duration_secs.to_string()) } else { None },
        "price": null,
        "price_unit": "USD",
        "direction": "outbound-api",
        "answered_by": r.answered_by,
        "annotation": null,
        "api_version": "2010-04-01",
        "forwarded_from": null,
        "group_sid": null,
        "caller_name": null,
        "queue_time": "0",
        "trunk_sid": null,
        "date_created": rfc2822(r.created),
        "date_updated": rfc2822(c.date_updated),
        "uri": uri,
        "subresource_uris": {
            "notifications": format!("{base}/Notifications.json"),
            "recordings": format!("{base}/Recordings.json"),
            "payments": format!("{base}/Payments.json"),
            "events": format!("{base}/Events.json"),
            "siprec": format!("{base}/Siprec.json"),
            "streams": format!("{base}/Streams.json"),
            "transcriptions": format!("{base}/Transcriptions.json"),
            "user_defined_message_subscriptions": format!("{base}/UserDefinedMessageSubscriptions.json"),
            "user_defined_messages": format!("{base}/UserDefinedMessages.json"),
        },
    })
}

fn check_to(to: Option<&str>) -> Result<String, Response> {
    match to {
        None => Err(twilio_error(
            StatusCode::BAD_REQUEST,
            21201,
            "No 'To' number is specified",
        )),
        Some(t) if !is_e164(t) => Err(twilio_error(
            StatusCode::BAD_REQUEST,
            21211,
            format!("Invalid 'To' Phone Number: {}", mask::phone(t)),
        )),
        Some(t) => Ok(t.to_string()),
    }
}

fn check_from(from: Option<&str>) -> Result<String, Response> {
    match from {
        None => Err(twilio_error(
            StatusCode::BAD_REQUEST,
            21603,
            "A 'From' phone number is required.",
        )),
        Some(f) if !is_e164(f) => Err(twilio_error(
            StatusCode::BAD_REQUEST,
            21212,
            format!("Invalid 'From' Phone Number: {}", mask::phone(f)),
        )),
        Some(f) => Ok(f.to_string()),
    }
}

async fn create_call(
    State(sim): State<Sim>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = authenticate(&sim, RestOp::CreateCall, &account, &headers) {
        return r;
    }
    if let Some(r) = injected_failure(&sim, RestOp::CreateCall) {
        return r;
    }
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let to = match check_to(form_get(&form, "To")) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let from = match check_from(form_get(&form, "From")) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if form_get(&form, "Url").is_none() && form_get(&form, "Twiml").is_none() {
        return twilio_error(StatusCode::BAD_REQUEST, 21205, "Url parameter is required.");
    }
    let sid = new_sid("CA");
    let now = SystemTime::now();
    let entry = CallEntry {
        record: CallRecord {
            sid: sid.clone(),
            to: to.clone(),
            from,
            created: now,
            status: "queued".into(),
            duration_secs: 0,
            answered_by: None,
            events: Vec::new(),
            request: form.clone(),
        },
        api_status: "queued".into(),
        date_updated: now,
        start_time: None,
        end_time: None,
        pending: None,
        notify: Arc::new(Notify::new()),
    };
    let body = {
        let mut st = sim.inner.state();
        let behaviour = st.phones.get(&to).cloned().unwrap_or(Behaviour::NoAnswer);
        let i = st.calls.len();
        st.index.insert(sid.clone(), i);
        st.calls.push(entry);
        let body = call_json(&sim, st.calls.last().expect("just pushed"));
        tracing::info!(call_sid = %sid, to = %mask::phone(&to), ?behaviour, "call created");
        tokio::spawn(call::run(sim.clone(), sid.clone(), behaviour, form));
        body
    };
    (StatusCode::CREATED, Json(body)).into_response()
}

fn not_found(account: &str, sid: &str) -> Response {
    twilio_error(
        StatusCode::NOT_FOUND,
        20404,
        format!(
            "The requested resource {} was not found",
            call_uri(account, sid)
        ),
    )
}

async fn fetch_call(
    State(sim): State<Sim>,
    Path((account, sid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authenticate(&sim, RestOp::FetchCall, &account, &headers) {
        return r;
    }
    if let Some(r) = injected_failure(&sim, RestOp::FetchCall) {
        return r;
    }
    let Some(sid) = sid.strip_suffix(".json") else {
        return not_found(&account, &sid);
    };
    let mut st = sim.inner.state();
    match st.call_mut(sid) {
        Some(c) => (StatusCode::OK, Json(call_json(&sim, c))).into_response(),
        None => not_found(&account, sid),
    }
}

async fn update_call(
    State(sim): State<Sim>,
    Path((account, sid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = authenticate(&sim, RestOp::UpdateCall, &account, &headers) {
        return r;
    }
    if let Some(r) = injected_failure(&sim, RestOp::UpdateCall) {
        return r;
    }
    let Some(sid) = sid.strip_suffix(".json") else {
        return not_found(&account, &sid);
    };
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut st = sim.inner.state();
    let Some(c) = st.call_mut(sid) else {
        return not_found(&account, sid);
    };
    if crate::is_final_status(&c.api_status) {
        return (StatusCode::OK, Json(call_json(&sim, c))).into_response();
    }
    let not_started = matches!(c.api_status.as_str(), "queued" | "ringing");
    let mut label = None;
    let mut update = None;
    if let Some(status) = form_get(&form, "Status") {
        match status {
            "canceled" | "completed" => {
                label = Some(format!("Status={status}"));
                if not_started {
                    update = Some(Update::Cancel);
                } else if status == "completed" {
                    update = Some(Update::Complete);
                }
            }
            other => {
                return twilio_error(
                    StatusCode::BAD_REQUEST,
                    21218,
                    format!("Invalid 'Status' value: {other}"),
                )
            }
        }
    } else if let Some(twiml) = form_get(&form, "Twiml") {
        label = Some("Twiml".into());
        update = Some(Update::Twiml(twiml.to_string()));
    } else if let Some(url) = form_get(&form, "Url") {
        label = Some("Url".into());
        update = Some(Update::Url {
            url: url.to_string(),
            method: form_get(&form, "Method").unwrap_or("POST").to_uppercase(),
        });
    }
    if let Some(label) = label {
        c.record.events.push(CallEvent::UpdatedByApi(label));
        c.date_updated = SystemTime::now();
    }
    if let Some(u) = update {
        // A hang-up or cancel is never replaced by a later redirect.
        if !matches!(c.pending, Some(Update::Cancel | Update::Complete)) {
            c.pending = Some(u);
        }
        c.notify.notify_one();
    }
    tracing::info!(call_sid = %sid, "call updated through the API");
    (StatusCode::OK, Json(call_json(&sim, c))).into_response()
}

async fn create_message(
    State(sim): State<Sim>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = authenticate(&sim, RestOp::Message, &account, &headers) {
        return r;
    }
    if let Some(r) = injected_failure(&sim, RestOp::Message) {
        return r;
    }
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let to = match check_to(form_get(&form, "To")) {
        Ok(t) => t,
        Err(r) => return r,
    };
    if let Some(r) = sim.sms_refusal(&to) {
        sim.note_refusal(RestOp::Message, r);
        return refusal(r);
    }
    let from = form_get(&form, "From")
        .or_else(|| form_get(&form, "MessagingServiceSid"))
        .unwrap_or_default()
        .to_string();
    if from.is_empty() {
        return twilio_error(
            StatusCode::BAD_REQUEST,
            21603,
            "A 'From' phone number is required.",
        );
    }
    let Some(body) = form_get(&form, "Body") else {
        return twilio_error(StatusCode::BAD_REQUEST, 21602, "Message body is required.");
    };
    let sid = new_sid("SM");
    let now = rfc2822(SystemTime::now());
    let record = MessageRecord {
        sid: sid.clone(),
        to: to.clone(),
        from: from.clone(),
        body: body.to_string(),
    };
    sim.inner.state().messages.push(record);
    tracing::info!(message_sid = %sid, to = %mask::phone(&to), "message sent");
    let uri = format!("/2010-04-01/Accounts/{account}/Messages/{sid}.json");
    (
        StatusCode::CREATED,
        Json(json!({
            "sid": sid,
            "account_sid": account,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_updated": now,
            "date_sent": null,
            "direction": "outbound-api",
            "error_code": null,
            "error_message": null,
            "from": from,
            "messaging_service_sid": null,
            "num_media": "0",
            "num_segments": "1",
            "price": null,
            "price_unit": "USD",
            "status": "queued",
            "to": to,
            "uri": uri,
            "subresource_uris": {
                "media": format!("/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"),
            },
        })),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct PhoneBody {
    behaviour: String,
}

async fn put_phone(
    State(sim): State<Sim>,
    Path(number): Path<String>,
    Json(body): Json<PhoneBody>,
) -> Response {
    match body.behaviour.parse::<Behaviour>() {
        Ok(b) => {
            tracing::info!(to = %mask::phone(&number), behaviour = ?b, "phone set");
            sim.set_phone(&number, b);
            (
                StatusCode::OK,
                Json(json!({"number": number, "behaviour": body.behaviour})),
            )
                .into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({"error": e}))).into_response(),
    }
}

async fn list_calls(State(sim): State<Sim>) -> Json<Value> {
    let calls: Vec<Value> = sim
        .calls()
        .iter()
        .map(|c| {
            json!({
                "sid": c.sid,
                "to": c.to,
                "from": c.from,
                "status": c.status,
                "duration": c.duration_secs,
                "answered_by": c.answered_by,
                "heard": c.heard(),
                "keys": c.keys(),
                "errors": c.errors(),
            })
        })
        .collect();
    Json(Value::Array(calls))
}

async fn list_messages(State(sim): State<Sim>) -> Json<Value> {
    Json(Value::Array(
        sim.messages()
            .iter()
            .map(|m| json!({"sid": m.sid, "to": m.to, "from": m.from, "body": m.body}))
            .collect(),
    ))
}

async fn tts_stats(State(sim): State<Sim>) -> Json<Value> {
    Json(json!({"requests": sim.tts_requests(), "characters": sim.tts_characters()}))
}
