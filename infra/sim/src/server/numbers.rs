//! Twilio's IncomingPhoneNumbers resource: the account's numbers (`Sim::set_number`), listed.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::wire::new_sid;
use crate::{RestOp, Sim};

/// `GET IncomingPhoneNumbers.json`: every number of the account on the one page (`PhoneNumber`
/// narrows it to that number, as Twilio's filter does).
pub(super) async fn list_numbers(
    State(sim): State<Sim>,
    Path(account): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = super::twilio::authenticate(&sim, RestOp::ListNumbers, &account, &headers) {
        return r;
    }
    if let Some(r) = super::twilio::injected_failure(&sim, RestOp::ListNumbers) {
        return r;
    }
    let only = query
        .iter()
        .find(|(k, _)| k == "PhoneNumber")
        .map(|(_, v)| v.clone());
    let list = super::twilio::ListQuery::of(&query);
    let numbers: Vec<_> = sim
        .numbers()
        .into_iter()
        .filter(|n| only.as_ref().is_none_or(|o| o == n))
        .take(list.page_size)
        .map(|n| {
            let sid = new_sid("PN");
            json!({
                "sid": sid, "account_sid": account, "phone_number": n, "friendly_name": n,
                "capabilities": {"voice": true, "sms": true, "mms": false, "fax": false},
                "status": "in-use", "api_version": "2010-04-01",
                "uri": format!("/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{sid}.json"),
            })
        })
        .collect();
    let uri = format!(
        "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json?PageSize={}&Page=0",
        list.page_size
    );
    let end = numbers.len().saturating_sub(1);
    (
        StatusCode::OK,
        Json(json!({
            "incoming_phone_numbers": numbers, "page": 0, "page_size": list.page_size,
            "start": 0, "end": end, "uri": uri, "first_page_uri": uri,
            "next_page_uri": null, "previous_page_uri": null,
        })),
    )
        .into_response()
}
