//! ElevenLabs' text-to-speech endpoint: checks the key, the output format, the text and the
//! body's fields (request stitching's `previous_text` / `next_text` among them), serves
//! the injected failure if any, else µ-law "speech" from the simulated ElevenLabs.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::elevenlabs::TtsRequest;
use crate::{Sim, TtsFailure};

fn detail(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

pub(super) async fn text_to_speech(
    State(sim): State<Sim>,
    Path(voice_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let inner = &sim.inner;
    let eleven = &inner.elevenlabs;
    let key_ok = headers
        .get("xi-api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|k| k == inner.config.elevenlabs_api_key);
    if !key_ok {
        return detail(
            StatusCode::UNAUTHORIZED,
            json!({"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}),
        );
    }
    let format = query.get("output_format").map(String::as_str);
    if format != Some("ulaw_8000") {
        return detail(
            StatusCode::BAD_REQUEST,
            json!({"detail": {"status": "invalid_output_format",
                "message": format!("Unsupported output_format {:?}; this simulator only produces ulaw_8000", format.unwrap_or("mp3_44100_128"))}}),
        );
    }
    let body = serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default();
    let field = |k: &str| body.get(k).and_then(|t| t.as_str()).map(str::to_string);
    let Some(text) = field("text") else {
        return detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "value_error.missing"}]}),
        );
    };
    if let Some(refused) = schema_refusal(&body) {
        return refused;
    }
    eleven.count(&text);
    let (model_id, language_code) = (field("model_id"), field("language_code"));
    eleven.note(TtsRequest {
        voice_id,
        model_id: model_id.clone(),
        language_code: language_code.clone(),
        text: text.clone(),
        previous_text: field("previous_text"),
        next_text: field("next_text"),
    });
    // ElevenLabs: "only Turbo v2.5 and Flash v2.5 support language enforcement. For other
    // models, an error will be returned if language code is provided."
    if language_code.is_some() && !model_id.as_deref().is_some_and(|m| m.ends_with("_v2_5")) {
        return detail(
            StatusCode::BAD_REQUEST,
            json!({"detail": {"status": "unsupported_language_code",
                "message": "language_code is only supported by the v2.5 models (simulated)"}}),
        );
    }
    if text.trim().is_empty() {
        return detail(
            StatusCode::BAD_REQUEST,
            json!({"detail": {"status": "invalid_text", "message": "Text must not be empty"}}),
        );
    }
    let failure = eleven.failure();
    match failure {
        Some(TtsFailure::ServerError) => {
            return detail(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"detail": {"status": "internal_error", "message": "Internal server error (simulated)"}}),
            )
        }
        Some(TtsFailure::Unauthorized) => {
            return detail(
                StatusCode::UNAUTHORIZED,
                json!({"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}),
            )
        }
        Some(TtsFailure::RateLimited) => {
            return detail(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"detail": {"status": "too_many_concurrent_requests", "message": "Too many concurrent requests (simulated)"}}),
            )
        }
        Some(TtsFailure::Malformed) => {
            return (
                StatusCode::OK,
                [("content-type", "audio/basic")],
                vec![0x00u8, 0x13, 0x37],
            )
                .into_response()
        }
        Some(TtsFailure::Slow(d)) => tokio::time::sleep(d).await,
        None => {}
    }
    let audio = eleven.speak(&text);
    (StatusCode::OK, [("content-type", "audio/basic")], audio).into_response()
}

/// The fields of ElevenLabs' text-to-speech body (its OpenAPI,
/// `Body_Text_to_speech_v1_text_to_speech__voice_id__post`).
const BODY_FIELDS: [&str; 13] = [
    "text",
    "model_id",
    "language_code",
    "voice_settings",
    "pronunciation_dictionary_locators",
    "seed",
    "previous_text",
    "next_text",
    "previous_request_ids",
    "next_request_ids",
    "use_pvc_as_ivc",
    "apply_text_normalization",
    "apply_language_text_normalization",
];

/// The body against ElevenLabs' schema: the text fields that must be strings (or null) are,
/// and (stricter than ElevenLabs, which ignores them, so a misspelt field fails loudly here)
/// no field the schema does not name.
fn schema_refusal(body: &serde_json::Value) -> Option<Response> {
    let invalid = |field: &str, msg: &str, kind: &str| {
        Some(detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": [{"loc": ["body", field], "msg": msg, "type": kind}]}),
        ))
    };
    let fields = body.as_object()?;
    if let Some(unknown) = fields.keys().find(|k| !BODY_FIELDS.contains(&k.as_str())) {
        return invalid(unknown, "extra fields not permitted", "value_error.extra");
    }
    for f in [
        "text",
        "model_id",
        "language_code",
        "previous_text",
        "next_text",
    ] {
        if fields
            .get(f)
            .is_some_and(|v| !(v.is_string() || v.is_null()))
        {
            return invalid(f, "str type expected", "type_error.str");
        }
    }
    None
}
