//! The HTTP side: routes for Twilio's REST API (`calls`, `messages`, shared checks in `twilio`),
//! ElevenLabs' text-to-speech (`elevenlabs`), and the `/sim` control API (here).

// Handlers return early with a ready-made error response.
#![allow(clippy::result_large_err)]

mod calls;
mod elevenlabs;
mod messages;
mod numbers;
mod recordings;
mod twilio;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use callout_core::mask;
use serde_json::{json, Value};

use crate::{Behaviour, Sim, TtsFailure};

/// The media host's routes (another listener: `Sim::media_url`).
pub fn media_router(sim: Sim) -> Router {
    Router::new()
        .route("/v1/{account}/{token}/{file}", get(recordings::media))
        .with_state(sim)
}

pub fn router(sim: Sim) -> Router {
    Router::new()
        .route(
            "/2010-04-01/Accounts/{account}/Calls.json",
            post(calls::create_call).get(calls::list_calls),
        )
        .route(
            "/2010-04-01/Accounts/{account}/Calls/{sid}",
            get(calls::fetch_call).post(calls::update_call),
        )
        .route(
            "/2010-04-01/Accounts/{account}/Recordings/{file}",
            get(recordings::fetch).delete(recordings::delete),
        )
        .route(
            "/2010-04-01/Accounts/{account}/Messages.json",
            post(messages::create_message).get(messages::list_messages),
        )
        .route(
            "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json",
            get(numbers::list_numbers),
        )
        .route(
            "/v1/text-to-speech/{voice_id}",
            post(elevenlabs::text_to_speech),
        )
        .route("/sim/phones/{number}", put(put_phone))
        .route("/sim/phones/{number}/call", post(call_in))
        .route("/sim/phones/{number}/text", post(text_in))
        .route("/sim/calls", get(list_calls))
        .route("/sim/messages", get(list_messages))
        .route("/sim/tts", get(tts_stats))
        .route("/sim/tts/failure", put(put_tts_failure))
        .with_state(sim)
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

#[derive(serde::Deserialize)]
struct CallInBody {
    #[serde(default)]
    keys: String,
    /// The number rung (the product's own when absent).
    #[serde(default)]
    to: Option<String>,
}

/// The phone rings the product's number and presses `keys`: what it heard, pressed and where
/// it was put through.
async fn call_in(
    State(sim): State<Sim>,
    Path(number): Path<String>,
    Json(body): Json<CallInBody>,
) -> Json<Value> {
    let c = sim
        .call_in_to(&number, body.to.as_deref(), &body.keys)
        .await;
    Json(
        json!({"sid": c.sid, "status": c.status, "heard": c.heard(), "keys": c.keys(), "dialed": c.dialed(),
            "dials": c.dials().iter().map(|d| json!({"number": d.number, "timeLimit": d.time_limit_secs, "callerId": d.caller_id, "answerOnBridge": d.answer_on_bridge})).collect::<Vec<_>>()}),
    )
}

#[derive(serde::Deserialize)]
struct TextInBody {
    body: String,
    /// The number texted (the product's own when absent).
    #[serde(default)]
    to: Option<String>,
}

/// The phone texts the product's number: the replies it received.
async fn text_in(
    State(sim): State<Sim>,
    Path(number): Path<String>,
    Json(body): Json<TextInBody>,
) -> Json<Value> {
    Json(json!({"replies": sim.text_in_to(&number, body.to.as_deref(), &body.body).await}))
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

#[derive(serde::Deserialize)]
struct FailureBody {
    failure: Option<String>,
}

/// `{"failure": "server-error" | "rate-limited" | "malformed" | "unauthorized" | null}`: every
/// text-to-speech request fails that way from now on (`null`: none does).
async fn put_tts_failure(State(sim): State<Sim>, Json(body): Json<FailureBody>) -> Response {
    let failure = match body.failure.as_deref() {
        None => None,
        Some("server-error") => Some(TtsFailure::ServerError),
        Some("rate-limited") => Some(TtsFailure::RateLimited),
        Some("malformed") => Some(TtsFailure::Malformed),
        Some("unauthorized") => Some(TtsFailure::Unauthorized),
        Some(other) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": format!("unknown failure {other:?}")})),
            )
                .into_response()
        }
    };
    sim.set_tts_failure(failure);
    Json(json!({"failure": body.failure})).into_response()
}
