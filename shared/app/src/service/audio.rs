//! The spoken offer's audio: the S3 cache keyed by voice, model, language and text, or
//! ElevenLabs within its budget, or nothing (the call then says the text with `<Say>`, in the
//! call's language). An offer whose template greets the person first is two clips: the
//! greeting ("Hi Alice,", kept across shifts) and the shift's body, spoken once per shift,
//! language and voice (`App::offer_clips`). The portal's Listen button goes through the same cache (`speech`).
//! Every ElevenLabs request first spends its characters from the provider's daily speech
//! budget (`dailySpeechCharacters`, `spend_speech`); a cache hit spends nothing. Past the
//! budget a call speaks with `<Say>` and Listen is refused.

use super::prelude::*;
use callout_core::speech_budget::{self, Refusal, Window};

/// Spend `characters` of `provider`'s speech budget for today before an ElevenLabs request
/// (when it was spent, for [`refund_speech`]): `Err` with the reason when it would pass
/// `budget` (nothing is spent then). The spend that
/// takes the day's use to 80 % writes the alarm line `speech_budget_nearly_spent`, once per provider per
/// day (spends are added atomically, so exactly one spend crosses the line).
pub async fn spend_speech(
    app: &App,
    provider: &str,
    characters: u32,
    budget: u32,
) -> Result<std::result::Result<chrono::DateTime<Utc>, Refusal>> {
    let now = Utc::now();
    match app
        .store
        .spend_speech(provider, now, characters, budget)
        .await?
    {
        Some((before, after)) => {
            if speech_budget::crosses_alarm(before, after, budget) {
                error!(provider_id = %provider, used = after, budget, alarm = true, "speech_budget_nearly_spent");
            }
            Ok(Ok(now))
        }
        None => {
            let used = app.store.speech_used(provider, now).await?;
            info!(provider_id = %provider, used, budget, characters, "speech_budget_spent");
            Ok(Err(Refusal::BudgetSpent {
                budget,
                used,
                needed: characters,
                retry_after_secs: Window::Day.retry_after_secs(now),
            }))
        }
    }
}

/// The request `spend_speech` paid for failed: its characters go back to the budget.
async fn refund_speech(app: &App, provider: &str, at: chrono::DateTime<Utc>, characters: u32) {
    if let Err(e) = app.store.refund_speech(provider, at, characters).await {
        warn!(provider_id = %provider, error = %e, "speech_refund_failed");
    }
}

/// Make sure every clip of the attempt's offer is in S3 (`App::offer_clips`: the whole text, or
/// the person's greeting and the shift's body); false means the call will use `<Say>` for the
/// whole text instead. The clips are looked up at once and the missing ones asked for at once,
/// so a split offer adds no round trip before the call is placed: a warm cache is one lookup
/// (per clip, in parallel), a cold one one ElevenLabs request (per missing clip, in parallel).
/// The budget is spent once for the characters really sent; a clip that fails gives its
/// characters back.
pub(super) async fn prepare_audio(app: &App, a: &Attempt) -> bool {
    let clips = app.offer_clips(a);
    // The provider's speech budget is read alongside the cache check, so a miss adds one
    // request in a row (the spend), not two, before the call is placed.
    let settings = async {
        if app.tts().has_key() {
            Some(app.store.get_settings(&a.provider_id).await)
        } else {
            None
        }
    };
    let lookups = futures::future::join_all(clips.iter().map(|c| app.audio().exists(&c.key)));
    let (cached, settings) = tokio::join!(lookups, settings);
    let mut missing = Vec::new();
    for (clip, cached) in clips.iter().zip(cached) {
        match cached {
            Ok(true) => {}
            Ok(false) => missing.push(clip),
            Err(e) => {
                warn!(error = %e, "audio_cache_unavailable");
                return false;
            }
        }
    }
    if missing.is_empty() {
        info!(occurrence_id = %a.occurrence_id, attempt = a.attempt, clips = clips.len(), "audio_cache_hit");
        app.metrics
            .put("dialer", &[("TtsCharacters", 0.0), ("TtsCacheHits", 1.0)]);
        return true;
    }
    let characters: u32 = missing.iter().map(|c| c.text.chars().count() as u32).sum();
    let budget = match settings {
        // No key: no request can be made, and nothing is spent.
        None => return false,
        Some(Ok(settings)) => settings.daily_speech_characters,
        Some(Err(e)) => {
            warn!(occurrence_id = %a.occurrence_id, attempt = a.attempt, error = %e, "speech_budget_unavailable_fallback_say");
            return false;
        }
    };
    let spent_at = match spend_speech(app, &a.provider_id, characters, budget).await {
        Ok(Ok(at)) => at,
        Ok(Err(_)) => {
            warn!(occurrence_id = %a.occurrence_id, attempt = a.attempt, "speech_budget_spent_fallback_say");
            return false;
        }
        Err(e) => {
            warn!(occurrence_id = %a.occurrence_id, attempt = a.attempt, error = %e, "speech_budget_unavailable_fallback_say");
            return false;
        }
    };
    app.metrics.put(
        "dialer",
        &[("TtsCharacters", characters as f64), ("TtsCacheHits", 0.0)],
    );
    let made = futures::future::join_all(missing.iter().map(|c| make_clip(app, a, c))).await;
    // Characters ElevenLabs spoke are paid for even if keeping the file failed; the ones it
    // did not speak go back to the budget.
    let spoken: u32 = missing
        .iter()
        .zip(&made)
        .filter(|(_, m)| !matches!(m, Made::NotSpoken))
        .map(|(c, _)| c.text.chars().count() as u32)
        .sum();
    if spoken > 0 {
        // Results: what this call's speech cost (a cache hit above costs nothing).
        if let Err(e) = app
            .store
            .add_speech_chars(&a.occurrence_id, a.attempt, spoken)
            .await
        {
            warn!(error = %e, "speech_characters_not_recorded");
        }
    }
    if spoken < characters {
        refund_speech(app, &a.provider_id, spent_at, characters - spoken).await;
    }
    made.iter().all(|m| matches!(m, Made::Kept))
}

/// What became of a missing clip.
enum Made {
    /// Spoken and kept in S3.
    Kept,
    /// Spoken (and paid for) but not kept.
    NotKept,
    /// Not spoken: nothing is paid.
    NotSpoken,
}

/// Speak one clip and keep it in S3.
async fn make_clip(app: &App, a: &Attempt, clip: &crate::app::Clip<'_>) -> Made {
    let characters = clip.text.chars().count();
    let ulaw = match app
        .tts()
        .synthesize_between(
            a.voice_id.as_deref(),
            a.speech().language,
            clip.around,
            clip.text,
        )
        .await
    {
        Ok(ulaw) => ulaw,
        Err(e) => {
            warn!(occurrence_id = %a.occurrence_id, attempt = a.attempt, error = %e, "tts_failed_fallback_say");
            return Made::NotSpoken;
        }
    };
    match app.audio().put_wav(&clip.key, wav::wrap_ulaw(&ulaw)).await {
        Ok(()) => {
            info!(occurrence_id = %a.occurrence_id, attempt = a.attempt, characters, "audio_generated");
            Made::Kept
        }
        Err(e) => {
            warn!(error = %e, "audio_store_failed_fallback_say");
            Made::NotKept
        }
    }
}

/// Why there is no speech for a listener.
#[derive(Debug)]
pub enum NoSpeech {
    /// The provider's daily speech budget is spent: the request is refused (429).
    Refused(Refusal),
    /// Speech failed for now: the reason.
    Failed(String),
}

/// Speech of an offer for a listener outside a call (the portal's Listen button), through the
/// same cache as calls (the same clips: `App::clips`, each keyed by voice, model, language and
/// text): the µ-law WAV from S3, or from ElevenLabs within `provider`'s daily budget (then kept
/// in S3), or why not. A split offer's clips are joined (µ-law joins exactly). Listening twice
/// costs one ElevenLabs request per clip, once.
pub async fn speech(
    app: &App,
    provider: &str,
    budget: u32,
    voice_id: Option<&str>,
    language: callout_core::lang::Language,
    spoken: callout_core::template::Spoken<'_>,
) -> std::result::Result<Speech, NoSpeech> {
    let clips = app.clips(voice_id, language, spoken);
    let found = futures::future::join_all(clips.iter().map(|c| app.audio().get(&c.key))).await;
    let mut files = Vec::new();
    for found in found {
        match found {
            Ok(file) => files.push(file),
            Err(e) => {
                warn!(error = %e, "audio_cache_unavailable");
                return Err(NoSpeech::Failed(
                    "the speech cache is not available right now".into(),
                ));
            }
        }
    }
    let characters: u32 = clips
        .iter()
        .zip(&files)
        .filter(|(_, f)| f.is_none())
        .map(|(c, _)| c.text.chars().count() as u32)
        .sum();
    if characters == 0 {
        app.metrics.put(
            "provider-settings",
            &[("TtsCharacters", 0.0), ("TtsCacheHits", 1.0)],
        );
        let wav = join(files.into_iter().flatten().collect());
        return Ok(Speech { wav, cached: true });
    }
    if !app.tts().has_key() {
        return Err(NoSpeech::Failed(
            "the voice could not be generated right now".into(),
        ));
    }
    let spent_at = match spend_speech(app, provider, characters, budget).await {
        Ok(Ok(at)) => at,
        Ok(Err(refusal)) => return Err(NoSpeech::Refused(refusal)),
        Err(e) => {
            warn!(error = %e, "speech_budget_unavailable");
            return Err(NoSpeech::Failed(
                "the speech budget cannot be checked right now".into(),
            ));
        }
    };
    app.metrics.put(
        "provider-settings",
        &[("TtsCharacters", characters as f64), ("TtsCacheHits", 0.0)],
    );
    let made = futures::future::join_all(clips.iter().zip(&files).map(|(c, f)| async move {
        match f {
            Some(wav) => Ok(wav.clone()),
            None => {
                let ulaw = app
                    .tts()
                    .synthesize_between(voice_id, language, c.around, c.text)
                    .await?;
                let wav = wav::wrap_ulaw(&ulaw);
                if let Err(e) = app.audio().put_wav(&c.key, wav.clone()).await {
                    warn!(error = %e, "audio_store_failed");
                }
                anyhow::Ok(wav)
            }
        }
    }))
    .await;
    let not_spoken: u32 = clips
        .iter()
        .zip(&made)
        .filter(|(_, m)| m.is_err())
        .map(|(c, _)| c.text.chars().count() as u32)
        .sum();
    if not_spoken > 0 {
        if let Some(e) = made.iter().find_map(|m| m.as_ref().err()) {
            warn!(error = %e, "listen_tts_failed");
        }
        refund_speech(app, provider, spent_at, not_spoken).await;
        return Err(NoSpeech::Failed(
            "the voice could not be generated right now".into(),
        ));
    }
    let wav = join(made.into_iter().flatten().collect());
    Ok(Speech { wav, cached: false })
}

/// µ-law WAV files one after the other, as one file.
fn join(mut files: Vec<Vec<u8>>) -> Vec<u8> {
    if files.len() == 1 {
        return files.remove(0);
    }
    let ulaw: Vec<u8> = files
        .iter()
        .flat_map(|f| wav::parse_ulaw(f).map(|w| w.data).unwrap_or_default())
        .collect();
    wav::wrap_ulaw(&ulaw)
}

/// Speech for a listener: a µ-law WAV (as calls play it), and whether it came from the cache.
pub struct Speech {
    pub wav: Vec<u8>,
    pub cached: bool,
}
