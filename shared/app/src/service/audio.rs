//! The spoken offer's audio: the S3 cache keyed by voice, model, language and text, or
//! ElevenLabs within its budget, or nothing (the call then says the text with `<Say>`, in the
//! call's language). The portal's Listen button goes through the same cache (`speech`).

use super::prelude::*;

/// Make sure the attempt's audio is in S3; false means the call will use `<Say>` instead.
pub(super) async fn prepare_audio(app: &App, a: &Attempt) -> bool {
    let key = app.attempt_audio_key(a);
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
    match app
        .tts()
        .synthesize(a.voice_id.as_deref(), a.speech().language, &a.text)
        .await
    {
        Ok(ulaw) => {
            // Results: what this call's speech cost (a cache hit above costs nothing).
            if let Err(e) = app
                .store
                .add_speech_chars(&a.occurrence_id, a.attempt, characters as u32)
                .await
            {
                warn!(error = %e, "speech_characters_not_recorded");
            }
            match app.audio().put_wav(&key, wav::wrap_ulaw(&ulaw)).await {
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
        Err(e) => {
            warn!(occurrence_id = %a.occurrence_id, attempt = a.attempt, error = %e, "tts_failed_fallback_say");
            false
        }
    }
}

/// Speech of `text` for a listener outside a call (the portal's Listen button), through the
/// same cache as calls: the µ-law WAV from S3, or from ElevenLabs (then kept in S3), or why
/// not. Listening twice costs one ElevenLabs request.
pub async fn speech(
    app: &App,
    voice_id: Option<&str>,
    language: callout_core::lang::Language,
    text: &str,
) -> std::result::Result<Speech, String> {
    let key = app.audio_key(voice_id, language, text);
    match app.audio().get(&key).await {
        Ok(Some(wav)) => {
            app.metrics.put(
                "provider-settings",
                &[("TtsCharacters", 0.0), ("TtsCacheHits", 1.0)],
            );
            return Ok(Speech { wav, cached: true });
        }
        Ok(None) => {}
        Err(e) => {
            warn!(error = %e, "audio_cache_unavailable");
            return Err("the speech cache is not available right now".into());
        }
    }
    app.metrics.put(
        "provider-settings",
        &[
            ("TtsCharacters", text.chars().count() as f64),
            ("TtsCacheHits", 0.0),
        ],
    );
    let ulaw = match app.tts().synthesize(voice_id, language, text).await {
        Ok(ulaw) => ulaw,
        Err(e) => {
            warn!(error = %e, "listen_tts_failed");
            return Err("the voice could not be generated right now".into());
        }
    };
    let wav = wav::wrap_ulaw(&ulaw);
    if let Err(e) = app.audio().put_wav(&key, wav.clone()).await {
        warn!(error = %e, "audio_store_failed");
    }
    Ok(Speech { wav, cached: false })
}

/// Speech for a listener: a µ-law WAV (as calls play it), and whether it came from the cache.
pub struct Speech {
    pub wav: Vec<u8>,
    pub cached: bool,
}
