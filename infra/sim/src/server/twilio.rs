//! What every Twilio REST endpoint shares: Basic auth against the account, injected and
//! account-wide refusals, Twilio's error body, form parsing and number checks.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::{engine::general_purpose::STANDARD, Engine};
use callout_core::mask;
use callout_core::model::is_e164;
use serde_json::json;

use crate::wire::{form_get, Params};
use crate::{Refusal, RestOp, Sim};

/// A failure the test asked for (`Sim::fail_next_rest`), shaped as Twilio's.
pub(super) fn injected_failure(sim: &Sim, op: RestOp) -> Option<Response> {
    sim.inner.twilio.take_rest_failure(op).map(refusal)
}

/// Twilio's error for `r`, with the message Twilio gives for the common codes.
pub(super) fn refusal(r: Refusal) -> Response {
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

pub(super) fn twilio_error(status: StatusCode, code: u32, message: impl Into<String>) -> Response {
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
pub(super) fn authenticate(
    sim: &Sim,
    op: RestOp,
    account: &str,
    headers: &HeaderMap,
) -> Result<(), Response> {
    if let Some(r) = sim.inner.twilio.take_account_refusal(op) {
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

pub(super) fn parse_form(body: &[u8]) -> Result<Params, Response> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).map_err(|e| {
        twilio_error(
            StatusCode::BAD_REQUEST,
            20001,
            format!("Could not parse the form: {e}"),
        )
    })
}

pub(super) fn check_to(to: Option<&str>) -> Result<String, Response> {
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

/// Twilio's refusal (`code`: 21210 for a call, 21606 for a text) of a `From` the account does
/// not hold, once the account has numbers (`Sim::set_number`); `None` when `from` is fine.
pub(super) fn not_the_accounts(sim: &Sim, from: &str, code: u32) -> Option<Response> {
    let numbers = sim.numbers();
    if numbers.is_empty() || numbers.iter().any(|n| n == from) {
        return None;
    }
    Some(twilio_error(
        StatusCode::BAD_REQUEST,
        code,
        format!(
            "The 'From' phone number {} is not one of this account's phone numbers",
            mask::phone(from)
        ),
    ))
}

pub(super) fn check_from(from: Option<&str>) -> Result<String, Response> {
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

/// What every create request (a call, a message) passes first, in Twilio's order: the account,
/// an injected failure, a form body, a valid `To`. The form and the `To` number, or the answer.
pub(super) fn admit(
    sim: &Sim,
    op: RestOp,
    account: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Params, String), Response> {
    authenticate(sim, op, account, headers)?;
    if let Some(r) = injected_failure(sim, op) {
        return Err(r);
    }
    let form = parse_form(body)?;
    let to = check_to(form_get(&form, "To"))?;
    Ok((form, to))
}

/// A list request's query (`GET Calls.json`, `GET Messages.json`): filtered by `To` and `From`
/// as Twilio filters them, at most `PageSize` (default 50) on the one page.
pub(super) struct ListQuery<'a> {
    to: Option<&'a str>,
    from: Option<&'a str>,
    pub page_size: usize,
}

impl<'a> ListQuery<'a> {
    pub fn of(query: &'a [(String, String)]) -> ListQuery<'a> {
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        ListQuery {
            to: param("To"),
            from: param("From"),
            page_size: param("PageSize")
                .and_then(|n| n.parse().ok())
                .unwrap_or(50)
                .clamp(1, 1000),
        }
    }

    pub fn matches(&self, to: &str, from: &str) -> bool {
        self.to.is_none_or(|t| t == to) && self.from.is_none_or(|f| f == from)
    }

    /// The one page of `items` as Twilio answers a list of `resource` ("Calls", "Messages").
    pub fn page(
        &self,
        account: &str,
        resource: &str,
        items: Vec<serde_json::Value>,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        let uri = format!(
            "/2010-04-01/Accounts/{account}/{resource}.json?PageSize={}&Page=0",
            self.page_size
        );
        let end = items.len().saturating_sub(1);
        (
            axum::http::StatusCode::OK,
            axum::Json(serde_json::json!({
                resource.to_lowercase(): items, "page": 0, "page_size": self.page_size,
                "start": 0, "end": end, "uri": uri, "first_page_uri": uri,
                "next_page_uri": null, "previous_page_uri": null,
            })),
        )
            .into_response()
    }
}
