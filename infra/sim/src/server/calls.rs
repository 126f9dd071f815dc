//! Twilio's Calls resource: create (which starts the call's task), fetch, and update (hang up,
//! cancel, new TwiML or Url, applied by the call's task at its next verb boundary).

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use callout_core::mask;
use serde_json::{json, Value};
use tokio::sync::Notify;

use super::twilio::{admit, authenticate, check_from, injected_failure, parse_form, twilio_error};
use crate::record::is_final_status;
use crate::state::{CallEntry, Update};
use crate::wire::{form_get, new_sid, rfc2822};
use crate::{call, Behaviour, CallEvent, CallRecord, RestOp, Sim};

fn call_uri(account: &str, sid: &str) -> String {
    format!("/2010-04-01/Accounts/{account}/Calls/{sid}.json")
}

fn call_json(sim: &Sim, c: &CallEntry) -> Value {
    let account = &sim.inner.config.account_sid;
    let r = &c.record;
    let ended = is_final_status(&c.api_status);
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

pub(super) async fn create_call(
    State(sim): State<Sim>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, to) = match admit(&sim, RestOp::CreateCall, &account, &headers, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let from = match check_from(form_get(&form, "From")) {
        Ok(f) => f,
        Err(r) => return r,
    };
    // Once the account has numbers, a call comes from one of them (as at Twilio).
    if let Some(r) = super::twilio::not_the_accounts(&sim, &from, 21210) {
        return r;
    }
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
            ended_at: None,
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
        let mut st = sim.inner.twilio.calls();
        let behaviour = st.phones.get(&to).cloned().unwrap_or(Behaviour::NoAnswer);
        let i = st.calls.len();
        st.index.insert(sid.clone(), i);
        st.calls.push(entry);
        let body = call_json(&sim, st.calls.last().expect("just pushed"));
        tracing::info!(call_sid = %sid, to = %mask::phone(&to), ?behaviour, "call created");
        tokio::spawn(call::run(sim.inner.clone(), sid.clone(), behaviour, form));
        body
    };
    let late = {
        let mut faults = sim.inner.twilio.faults();
        (!faults.late_create_answers.is_empty()).then(|| faults.late_create_answers.remove(0))
    };
    if let Some(after) = late {
        tracing::info!(call_sid = %sid, after_ms = after.as_millis() as u64, "call created, answer late");
        tokio::time::sleep(after).await;
    }
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

/// `GET Calls.json`: the account's calls, newest first, filtered by `To` and `From` as Twilio
/// filters them, at most `PageSize` (default 50) on the one page.
pub(super) async fn list_calls(
    State(sim): State<Sim>,
    Path(account): Path<String>,
    axum::extract::Query(query): axum::extract::Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authenticate(&sim, RestOp::FetchCall, &account, &headers) {
        return r;
    }
    if let Some(r) = injected_failure(&sim, RestOp::FetchCall) {
        return r;
    }
    let list = super::twilio::ListQuery::of(&query);
    let st = sim.inner.twilio.calls();
    let calls: Vec<Value> = st
        .calls
        .iter()
        .rev()
        .filter(|c| list.matches(&c.record.to, &c.record.from))
        .take(list.page_size)
        .map(|c| call_json(&sim, c))
        .collect();
    list.page(&account, "Calls", calls)
}

pub(super) async fn fetch_call(
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
    let mut st = sim.inner.twilio.calls();
    match st.call_mut(sid) {
        Some(c) => (StatusCode::OK, Json(call_json(&sim, c))).into_response(),
        None => not_found(&account, sid),
    }
}

pub(super) async fn update_call(
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
    let mut st = sim.inner.twilio.calls();
    let Some(c) = st.call_mut(sid) else {
        return not_found(&account, sid);
    };
    if is_final_status(&c.api_status) {
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
