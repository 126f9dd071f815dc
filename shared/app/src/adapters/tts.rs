//! ElevenLabs text-to-speech: headerless µ-law 8 kHz (`ulaw_8000`) for Twilio, in the call's
//! voice (the provider's, per language, or the deployment's `ELEVENLABS_VOICE_ID`).

use anyhow::{bail, Context, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct Tts {
    http: reqwest::Client,
    base: String,
    api_key: String,
    voice_id: String,
    model_id: String,
    budget: Duration,
    /// Set once ElevenLabs has refused the key: the alarm line is logged once per function
    /// instance, not once per call.
    key_refused: Arc<AtomicBool>,
}

/// Less than a tenth of a second of audio is not a spoken offer.
const MIN_BYTES: usize = 800;

impl Tts {
    pub fn new(
        http: reqwest::Client,
        base: &str,
        api_key: &str,
        voice_id: &str,
        model_id: &str,
        budget: Duration,
    ) -> Tts {
        Tts {
            http,
            base: base.trim_end_matches('/').to_string(),
            api_key: api_key.into(),
            voice_id: voice_id.into(),
            model_id: model_id.into(),
            budget,
            key_refused: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The voice a call uses: `voice_id` (the provider's), else the deployment's.
    pub fn voice<'a>(&'a self, voice_id: Option<&'a str>) -> &'a str {
        voice_id.unwrap_or(&self.voice_id)
    }

    pub fn model(&self) -> &str {
        &self.model_id
    }

    /// Whether a request can be made at all (an API key is set): without one nothing is
    /// spent from a speech budget.
    pub fn has_key(&self) -> bool {
        !self.api_key.is_empty()
    }

    /// µ-law bytes for `text` spoken by `voice_id` (`None`: the deployment's voice) in
    /// `language`, or an error (the caller falls back to `<Say>`). The multilingual models
    /// read the language from the text; only the models that take `language_code` (the v2.5
    /// ones: ElevenLabs refuses it from any other) are told it.
    pub async fn synthesize(
        &self,
        voice_id: Option<&str>,
        language: callout_core::lang::Language,
        text: &str,
    ) -> Result<Vec<u8>> {
        self.synthesize_between(voice_id, language, Stitch::default(), text)
            .await
    }

    /// The same for words that are played next to others: ElevenLabs' request stitching
    /// (`previous_text`, `next_text`) hears the words around `text`, so the clips join
    /// naturally. Only `text` is spoken and billed.
    pub async fn synthesize_between(
        &self,
        voice_id: Option<&str>,
        language: callout_core::lang::Language,
        around: Stitch<'_>,
        text: &str,
    ) -> Result<Vec<u8>> {
        if self.api_key.is_empty() {
            bail!("ELEVENLABS_API_KEY is not set");
        }
        crate::budget::record("elevenlabs");
        let url = format!(
            "{}/v1/text-to-speech/{}?output_format=ulaw_8000",
            self.base,
            urlencoding::encode(self.voice(voice_id))
        );
        let mut body = serde_json::json!({ "text": text, "model_id": self.model_id });
        if takes_language_code(&self.model_id) {
            body["language_code"] = language.code().into();
        }
        if let Some(previous) = around.previous {
            body["previous_text"] = previous.into();
        }
        if let Some(next) = around.next {
            body["next_text"] = next.into();
        }
        let resp = self
            .http
            .post(url)
            .header("xi-api-key", &self.api_key)
            .json(&body)
            .timeout(self.budget)
            .send()
            .await
            .map_err(|e| e.without_url())
            .context("ElevenLabs request failed")?;
        let status = resp.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            // The account's fault, not the text's: every call says the words with <Say> until
            // the key works again; one alarm line per instance says why.
            if !self.key_refused.swap(true, Ordering::Relaxed) {
                tracing::error!(status = status.as_u16(), alarm = true, "tts_key_refused");
            }
            bail!("ElevenLabs refused the API key ({status})");
        }
        if !status.is_success() {
            bail!("ElevenLabs answered {status}");
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| e.without_url())
            .context("ElevenLabs body")?;
        if bytes.len() < MIN_BYTES || bytes.starts_with(b"RIFF") || bytes.starts_with(b"{") {
            bail!(
                "ElevenLabs returned {} bytes that are not µ-law speech",
                bytes.len()
            );
        }
        // Working again: a later refusal is a new outage, worth a new alarm line.
        self.key_refused.store(false, Ordering::Relaxed);
        Ok(bytes.to_vec())
    }
}

/// The words played around a clip (ElevenLabs' `previous_text` and `next_text`): context for
/// its tone, not spoken and not billed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stitch<'a> {
    pub previous: Option<&'a str>,
    pub next: Option<&'a str>,
}

/// Speech as the steps see it: ElevenLabs ([`Tts`]) or a test's voice
/// (`adapters::memory::MemoryTts`).
#[async_trait::async_trait]
pub trait Speaker: Send + Sync {
    /// Whether a request can be made at all (an API key is set).
    fn has_key(&self) -> bool;
    /// µ-law bytes for `text` spoken by `voice_id` (`None`: the deployment's) in `language`.
    async fn synthesize(
        &self,
        voice_id: Option<&str>,
        language: callout_core::lang::Language,
        text: &str,
    ) -> Result<Vec<u8>> {
        self.synthesize_between(voice_id, language, Stitch::default(), text)
            .await
    }
    /// The same for a clip played next to others, with the words `around` it.
    async fn synthesize_between(
        &self,
        voice_id: Option<&str>,
        language: callout_core::lang::Language,
        around: Stitch<'_>,
        text: &str,
    ) -> Result<Vec<u8>>;
}

#[async_trait::async_trait]
impl Speaker for Tts {
    fn has_key(&self) -> bool {
        Tts::has_key(self)
    }

    async fn synthesize_between(
        &self,
        voice_id: Option<&str>,
        language: callout_core::lang::Language,
        around: Stitch<'_>,
        text: &str,
    ) -> Result<Vec<u8>> {
        Tts::synthesize_between(self, voice_id, language, around, text).await
    }
}

/// Whether ElevenLabs accepts `language_code` with `model_id` (its API: "only Turbo v2.5 and
/// Flash v2.5 support language enforcement"; any other model answers an error).
pub fn takes_language_code(model_id: &str) -> bool {
    model_id.ends_with("_v2_5")
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_v2_5_models_are_told_the_language() {
        assert!(super::takes_language_code("eleven_turbo_v2_5"));
        assert!(super::takes_language_code("eleven_flash_v2_5"));
        assert!(!super::takes_language_code("eleven_multilingual_v2"));
        assert!(!super::takes_language_code("eleven_monolingual_v1"));
    }
}
