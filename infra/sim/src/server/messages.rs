//! Twilio's Messages resource: an SMS is recorded (or refused for its number), never delivered.

use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use callout_core::mask;
use serde_json::json;

use super::twilio::{admit, refusal, twilio_error};
use crate::wire::{form_get, new_sid, rfc2822};
use crate::{MessageRecord, RestOp, Sim};

pub(super) async fn create_message(
    State(sim): State<Sim>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, to) = match admit(&sim, RestOp::Message, &account, &headers, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(r) = sim.inner.twilio.take_sms_refusal(&to) {
        return refusal(r);
    }
    if sim.inner.twilio.calls().stopped.contains(&to) {
        sim.inner
            .twilio
            .faults()
            .refused
            .push((RestOp::Message, crate::Refusal::OPTED_OUT));
        return refusal(crate::Refusal::OPTED_OUT);
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
    if let Some(r) = super::twilio::not_the_accounts(&sim, &from, 21606) {
        return r;
    }
    let Some(body) = form_get(&form, "Body") else {
        return twilio_error(StatusCode::BAD_REQUEST, 21602, "Message body is required.");
    };
    let sid = new_sid("SM");
    let created = SystemTime::now();
    let now = rfc2822(created);
    let record = MessageRecord {
        sid: sid.clone(),
        created,
        to: to.clone(),
        from: from.clone(),
        body: body.to_string(),
    };
    sim.inner.twilio.calls().messages.push(record);
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

/// `GET Messages.json`: the account's messages, newest first, filtered by `To` and `From` as
/// Twilio filters them, at most `PageSize` (default 50) on the one page.
pub(super) async fn list_messages(
    State(sim): State<Sim>,
    Path(account): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = super::twilio::authenticate(&sim, RestOp::Message, &account, &headers) {
        return r;
    }
    if let Some(r) = super::twilio::injected_failure(&sim, RestOp::Message) {
        return r;
    }
    let list = super::twilio::ListQuery::of(&query);
    let messages: Vec<_> = sim
        .inner
        .twilio
        .calls()
        .messages
        .iter()
        .rev()
        .filter(|m| list.matches(&m.to, &m.from))
        .take(list.page_size)
        .map(|m| {
            json!({
                "sid": m.sid, "account_sid": account, "api_version": "2010-04-01",
                "body": m.body, "to": m.to, "from": m.from, "direction": "outbound-api",
                "date_created": rfc2822(m.created), "date_updated": rfc2822(m.created),
                "date_sent": rfc2822(m.created), "status": "delivered",
                "uri": format!("/2010-04-01/Accounts/{account}/Messages/{}.json", m.sid),
            })
        })
        .collect();
    list.page(&account, "Messages", messages)
}
