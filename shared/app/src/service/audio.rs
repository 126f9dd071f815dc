//! The spoken offer's audio: the S3 cache keyed by voice, model and text, or ElevenLabs within
//! its budget, or nothing (the call then says the text with `<Say>`).

use super::prelude::*;

/// Make sure the attempt's audio is in S3; false means the call will use `<Say>` instead.
pub(super) async fn prepare_audio(app: &App, a: &Attempt) -> bool {
    let key = app.audio_key(&a.text);
    match app.audio().exists(&key).await {
        Ok(true) => {
            info!(occurrence_id = %a.occurrence_id, attempt = a.attempt, "audio_cache_hit");
            app.metrics
                .put("dialer", &[("TtsCharacters", 0.0), ("TtsCacheHits", 1.0)]);
            return true;
        }
        Ok(false) => {}
        Err(e) => {
            warn!(error = %e, "audio_cache_unavailable");
            return false;
        }
    }
    let characters = a.text.chars().count() as f64;
    app.metrics.put(
        "dialer",
        &[("TtsCharacters", characters), ("TtsCacheHits", 0.0)],
    );
    match app.tts().synthesize(&a.text).await {
        Ok(ulaw) => {
            // Results: what this call's speech cost (a cache hit above costs nothing).
            if let Err(e) = app
                .store
                .add_speech_chars(&a.occurrence_id, a.attempt, characters as u32)
                .await
            {
                warn!(error = %e, "speech_characters_not_recorded");
            }
            store_audio(app, a, &key, ulaw).await
        }
        Err(e) => {
            warn!(occurrence_id = %a.occurrence_id, attempt = a.attempt, error = %e, "tts_failed_fallback_say");
            false
        }
    }
}

async fn store_audio(app: &App, a: &Attempt, key: &str, ulaw: Vec<u8>) -> bool {
    match app.audio().put_wav(key, wav::wrap_ulaw(&ulaw)).await {
        Ok(()) => {
            info!(occurrence_id = %a.occurrence_id, attempt = a.attempt, characters = a.text.chars().count(), "audio_generated");
            true
        }
        Err(e) => {
            warn!(error = %e, "audio_store_failed_fallback_say");
            false
        }
    }
}
