//! Call recording's REST endpoints: `GET Recordings/{Sid}.wav` (the media, only with the
//! account's credentials, as with Twilio's "HTTP basic authentication for media" on: answered,
//! as Twilio does, with a 302 to the media host, another listener that needs no credentials
//! but an unguessable URL, `media`),
//! `GET Recordings/{Sid}.json` (the resource) and `DELETE Recordings/{Sid}.json` (204, then
//! 404 for everything about it).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::twilio::{authenticate, twilio_error};
use crate::{RestOp, Sim};

fn not_found(account: &str, file: &str) -> Response {
    twilio_error(
        StatusCode::NOT_FOUND,
        20404,
        format!(
            "The requested resource /2010-04-01/Accounts/{account}/Recordings/{file} was not found"
        ),
    )
}

pub(super) async fn fetch(
    State(sim): State<Sim>,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (sid, ext) = file.rsplit_once('.').unwrap_or((file.as_str(), "wav"));
    if let Err(r) = authenticate(&sim, RestOp::FetchCall, &account, &headers) {
        let mut st = sim.inner.twilio.calls();
        if let Some(rec) = st.recordings.iter_mut().find(|r| r.sid == sid) {
            rec.refused_fetches += 1;
        }
        return r;
    }
    let st = sim.inner.twilio.calls();
    let Some(rec) = st.recordings.iter().find(|r| r.sid == sid && !r.deleted) else {
        return not_found(&account, &file);
    };
    match ext {
        "wav" => (
            StatusCode::FOUND,
            [(
                "location",
                format!(
                    "{}/v1/{account}/{}/{sid}.wav?Expires=2000000000",
                    sim.inner.media_url, rec.media_token
                ),
            )],
        )
            .into_response(),
        "json" => (
            StatusCode::OK,
            Json(json!({
                "sid": rec.sid, "call_sid": rec.call_sid, "account_sid": account,
                "duration": rec.duration_secs.to_string(), "status": "completed",
                "channels": 1, "source": "OutboundAPI",
            })),
        )
            .into_response(),
        _ => not_found(&account, &file),
    }
}

pub(super) async fn delete(
    State(sim): State<Sim>,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authenticate(&sim, RestOp::UpdateCall, &account, &headers) {
        return r;
    }
    let Some(sid) = file.strip_suffix(".json") else {
        return not_found(&account, &file);
    };
    let mut st = sim.inner.twilio.calls();
    match st
        .recordings
        .iter_mut()
        .find(|r| r.sid == sid && !r.deleted)
    {
        Some(rec) => {
            rec.deleted = true;
            rec.media.clear();
            tracing::info!(recording_sid = %sid, "recording deleted");
            StatusCode::NO_CONTENT.into_response()
        }
        None => not_found(&account, &file),
    }
}

/// The media host: `GET /v1/{account}/{token}/{Sid}.wav`, where the API's redirect points. It
/// serves the media to whoever has the URL and counts fetches that carried credentials.
pub(super) async fn media(
    State(sim): State<Sim>,
    Path((account, token, file)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let sid = file.strip_suffix(".wav").unwrap_or(&file);
    let mut st = sim.inner.twilio.calls();
    let Some(rec) = st
        .recordings
        .iter_mut()
        .find(|r| r.sid == sid && r.media_token == token && !r.deleted)
    else {
        return not_found(&account, &file);
    };
    rec.media_host_fetches += 1;
    if headers.contains_key(axum::http::header::AUTHORIZATION) {
        rec.media_host_fetches_with_authorization += 1;
    }
    (
        StatusCode::OK,
        [("content-type", "audio/x-wav")],
        rec.media.clone(),
    )
        .into_response()
}
