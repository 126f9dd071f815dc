//! What the simulated ElevenLabs knows: its usage counters, the failure it has been told to
//! serve, and a registry from the "speech" it generated back to the text, so a simulated phone
//! can "hear" what it is played. Speech is deterministic: one tone per character.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use callout_core::wav::{parse_ulaw, ulaw_encode, SAMPLE_RATE};
use sha2::{Digest, Sha256};

use crate::TtsFailure;

/// Samples per character (60 ms).
pub const SAMPLES_PER_CHAR: usize = 480;

/// The simulated ElevenLabs' state.
#[derive(Default)]
pub(crate) struct ElevenLabs {
    registry: Mutex<HashMap<[u8; 32], String>>,
    characters: AtomicU64,
    requests: AtomicU64,
    failure: Mutex<Option<TtsFailure>>,
    log: Mutex<Vec<TtsRequest>>,
}

/// One text-to-speech request as the simulated ElevenLabs received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TtsRequest {
    pub voice_id: String,
    pub model_id: Option<String>,
    pub language_code: Option<String>,
    pub text: String,
    /// Request stitching: the words said before and after `text` (context, not spoken or
    /// billed).
    pub previous_text: Option<String>,
    pub next_text: Option<String>,
}

impl ElevenLabs {
    /// Count a request for `text` (successful or not).
    pub fn count(&self, text: &str) {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.characters
            .fetch_add(text.chars().count() as u64, Ordering::SeqCst);
    }

    /// Note a request (successful or not), in order.
    pub fn note(&self, request: TtsRequest) {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(request);
    }

    pub fn log(&self) -> Vec<TtsRequest> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn characters(&self) -> u64 {
        self.characters.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn failure(&self) -> Option<TtsFailure> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_failure(&self, failure: Option<TtsFailure>) {
        *self.failure.lock().unwrap_or_else(|e| e.into_inner()) = failure;
    }

    /// Speech for `text`, remembered so [`ElevenLabs::lookup`] can read it back.
    pub fn speak(&self, text: &str) -> Vec<u8> {
        let audio = synthesize(text);
        self.registry
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key(&audio), text.to_string());
        audio
    }

    /// The text for headerless µ-law bytes (or a WAV file wrapping them).
    pub fn lookup(&self, bytes: &[u8]) -> Option<String> {
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = registry.get(&key(bytes)) {
            return Some(t.clone());
        }
        let wav = parse_ulaw(bytes).ok()?;
        registry.get(&key(&wav.data)).cloned()
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use callout_core::wav::wrap_ulaw;

    #[test]
    fn speech_is_read_back_raw_or_wrapped() {
        let e = ElevenLabs::default();
        let audio = e.speak("Press 1");
        assert_eq!(audio.len(), 7 * SAMPLES_PER_CHAR);
        assert_eq!(e.lookup(&audio).as_deref(), Some("Press 1"));
        assert_eq!(e.lookup(&wrap_ulaw(&audio)).as_deref(), Some("Press 1"));
        assert_eq!(e.lookup(&synthesize("other")), None);
    }

    #[test]
    fn usage_is_counted_in_characters() {
        let e = ElevenLabs::default();
        e.count("héllo");
        e.count("");
        assert_eq!((e.requests(), e.characters()), (2, 5));
    }
}
