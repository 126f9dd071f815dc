//! S3: the spoken offers as µ-law WAV files, keyed by a hash of (voice, model, language, text)
//! so the same words are never paid for twice. The bucket expires objects after a day.

use anyhow::{anyhow, Result};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use sha2::{Digest, Sha256};

#[derive(Clone)]
pub struct AudioStore {
    client: Client,
    bucket: String,
}

/// Where the speech of `text` in `voice`, `model` and `language` (a language code) is kept.
/// The language is part of the key: the same letters may be said differently in two languages
/// (SPEC §5 names voice, model and text; issue 16 adds the language).
pub fn audio_key(voice: &str, model: &str, language: &str, text: &str) -> String {
    let mut h = Sha256::new();
    for part in [voice, model, language, text] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    format!("audio/{}.wav", hex::encode(h.finalize()))
}

impl AudioStore {
    pub fn new(client: Client, bucket: impl Into<String>) -> AudioStore {
        AudioStore {
            client,
            bucket: bucket.into(),
        }
    }

    pub async fn exists(&self, key: &str) -> Result<bool> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(false),
            Err(e) => Err(anyhow!(aws_sdk_s3::error::DisplayErrorContext(e))),
        }
    }

    pub async fn put_wav(&self, key: &str, wav: Vec<u8>) -> Result<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("audio/wav")
            .body(ByteStream::from(wav))
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_s3::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    /// A time-limited URL Twilio can fetch the audio from directly. Signing is local: no
    /// request is made.
    pub async fn presigned_url(&self, key: &str, valid_for: std::time::Duration) -> Result<String> {
        let config = aws_sdk_s3::presigning::PresigningConfig::expires_in(valid_for)?;
        crate::access::presigned_get(&self.bucket, key);
        let req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| anyhow!(aws_sdk_s3::error::DisplayErrorContext(e)))?;
        Ok(req.uri().to_string())
    }

    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(out.body.collect().await?.into_bytes().to_vec())),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(anyhow!(aws_sdk_s3::error::DisplayErrorContext(e))),
        }
    }
}

/// The audio files as the steps see them: S3 ([`AudioStore`]) or a test's map
/// (`adapters::memory::MemoryAudio`).
#[async_trait::async_trait]
pub trait AudioFiles: Send + Sync {
    async fn exists(&self, key: &str) -> Result<bool>;
    async fn put_wav(&self, key: &str, wav: Vec<u8>) -> Result<()>;
    /// A time-limited URL Twilio can fetch the audio from.
    async fn presigned_url(&self, key: &str, valid_for: std::time::Duration) -> Result<String>;
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;
}

#[async_trait::async_trait]
impl AudioFiles for AudioStore {
    async fn exists(&self, key: &str) -> Result<bool> {
        AudioStore::exists(self, key).await
    }

    async fn put_wav(&self, key: &str, wav: Vec<u8>) -> Result<()> {
        AudioStore::put_wav(self, key, wav).await
    }

    async fn presigned_url(&self, key: &str, valid_for: std::time::Duration) -> Result<String> {
        AudioStore::presigned_url(self, key, valid_for).await
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        AudioStore::get(self, key).await
    }
}

#[cfg(test)]
mod tests {
    use super::audio_key;

    #[test]
    fn the_key_covers_voice_model_language_and_text() {
        let k = audio_key("v", "m", "en", "Hola");
        assert!(k.starts_with("audio/") && k.ends_with(".wav"));
        assert_eq!(k, audio_key("v", "m", "en", "Hola"));
        for other in [
            audio_key("w", "m", "en", "Hola"),
            audio_key("v", "n", "en", "Hola"),
            audio_key("v", "m", "es", "Hola"),
            audio_key("v", "m", "en", "Hola."),
            // Lengths are hashed too: parts cannot slide into each other.
            audio_key("v", "m", "enH", "ola"),
        ] {
            assert_ne!(k, other);
        }
    }
}
