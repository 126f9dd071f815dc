//! The simulated ElevenLabs: deterministic "speech" (one tone per character) and a registry from
//! audio back to text so a simulated phone can "hear" what it is played.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use callout_core::wav::{parse_ulaw, ulaw_encode, SAMPLE_RATE};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{Inner, Sim, TtsFailure};

/// Samples per character (60 ms).
pub const SAMPLES_PER_CHAR: usize = 480;

/// Headerless µ-law 8 kHz mono for `text`: per character 60 ms of a tone whose pitch depends on
/// the character; whitespace is silence.
pub fn synthesize(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.chars().count() * SAMPLES_PER_CHAR);
    for c in text.chars() {
        if c.is_whitespace() {
            out.extend(std::iter::repeat_n(ulaw_encode(0), SAMPLES_PER_CHAR));
            continue;
        }
        let freq = 200.0 + ((c as u32) % 97) as f64 * 20.0;
        for i in 0..SAMPLES_PER_CHAR {
            let t = i as f64 / SAMPLE_RATE as f64;
            let s = (2.0 * std::f64::consts::PI * freq * t).sin() * 8000.0;
            out.push(ulaw_encode(s as i16));
        }
    }
    out
}

fn key(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub fn register(inner: &Inner, bytes: &[u8], text: &str) {
    inner
        .tts_registry
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key(bytes), text.to_string());
}

/// The text for headerless µ-law bytes (or a WAV file wrapping them).
pub fn lookup(inner: &Inner, bytes: &[u8]) -> Option<String> {
    let registry = inner.tts_registry.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(t) = registry.get(&key(bytes)) {
        return Some(t.clone());
    }
    let wav = parse_ulaw(bytes).ok()?;
    registry.get(&key(&wav.data)).cloned()
}

fn detail(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

pub async fn text_to_speech(
    State(sim): State<Sim>,
    Path(_voice_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let inner = &sim.inner;
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
    let text = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_string));
    let Some(text) = text else {
        return detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "value_error.missing"}]}),
        );
    };
    inner.tts_requests.fetch_add(1, Ordering::SeqCst);
    inner
        .tts_characters
        .fetch_add(text.chars().count() as u64, Ordering::SeqCst);
    if text.trim().is_empty() {
        return detail(
            StatusCode::BAD_REQUEST,
            json!({"detail": {"status": "invalid_text", "message": "Text must not be empty"}}),
        );
    }
    let failure = inner
        .tts_failure
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
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
    let audio = synthesize(&text);
    register(inner, &audio, &text);
    (StatusCode::OK, [("content-type", "audio/basic")], audio).into_response()
}
