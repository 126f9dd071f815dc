//! In-memory twins of the outside clients besides the store (`store::MemoryStore`): the dial
//! queue, the schedules, the event bus, the audio files and speech. Each records what it was
//! asked, so a unit test of a service step asserts on what was queued, scheduled or put.
//! Twilio has no twin here: tests run the project's simulated Twilio (`callout-sim`) in process.

use super::audio::AudioFiles;
use super::events::EventBus;
use super::queue::TaskQueue;
use super::schedule::Scheduler;
use super::tts::{Speaker, Stitch};
use crate::records::Task;
use anyhow::{bail, Result};
use async_trait::async_trait;
use callout_core::lang::Language;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The dial queue: every task sent, in order, with its delay.
#[derive(Default)]
pub struct MemoryQueue {
    sent: Mutex<Vec<(Task, Duration)>>,
    retried: Mutex<Vec<(String, Duration)>>,
}

impl MemoryQueue {
    /// Take every task sent so far (with its delay), leaving the queue empty.
    pub fn drain(&self) -> Vec<(Task, Duration)> {
        std::mem::take(&mut *lock(&self.sent))
    }

    /// Take every task sent so far (without its delay), leaving the queue empty.
    pub fn drain_tasks(&self) -> Vec<Task> {
        self.drain().into_iter().map(|(t, _)| t).collect()
    }

    /// The tasks sent so far, left in the queue.
    pub fn tasks(&self) -> Vec<Task> {
        lock(&self.sent).iter().map(|(t, _)| t.clone()).collect()
    }

    /// The received tasks sent back with their delay (`retry_after`).
    pub fn retried(&self) -> Vec<(String, Duration)> {
        lock(&self.retried).clone()
    }
}

#[async_trait]
impl TaskQueue for MemoryQueue {
    async fn send(&self, task: &Task, delay: Duration) -> Result<()> {
        lock(&self.sent).push((task.clone(), delay));
        Ok(())
    }

    async fn retry_after(&self, receipt_handle: &str, delay: Duration) -> Result<()> {
        lock(&self.retried).push((receipt_handle.to_string(), delay));
        Ok(())
    }
}

/// The one-time schedules by name: when each fires and its task.
#[derive(Default)]
pub struct MemorySchedules {
    pending: Mutex<BTreeMap<String, (DateTime<Utc>, Task)>>,
}

impl MemorySchedules {
    /// The pending schedules by name.
    pub fn pending(&self) -> BTreeMap<String, (DateTime<Utc>, Task)> {
        lock(&self.pending).clone()
    }
}

#[async_trait]
impl Scheduler for MemorySchedules {
    async fn create_once(&self, name: &str, at: DateTime<Utc>, task: &Task) -> Result<()> {
        lock(&self.pending)
            .entry(name.to_string())
            .or_insert_with(|| (at, task.clone()));
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<bool> {
        Ok(lock(&self.pending).remove(name).is_some())
    }
}

/// The event bus: every event put, in order (detail type, detail).
#[derive(Default)]
pub struct MemoryEvents {
    put: Mutex<Vec<(String, serde_json::Value)>>,
}

impl MemoryEvents {
    /// Every event put so far.
    pub fn events(&self) -> Vec<(String, serde_json::Value)> {
        lock(&self.put).clone()
    }

    /// The events of one detail type.
    pub fn of(&self, detail_type: &str) -> Vec<serde_json::Value> {
        lock(&self.put)
            .iter()
            .filter(|(t, _)| t == detail_type)
            .map(|(_, d)| d.clone())
            .collect()
    }
}

#[async_trait]
impl EventBus for MemoryEvents {
    async fn put(&self, detail_type: &str, detail: &serde_json::Value) -> Result<()> {
        lock(&self.put).push((detail_type.to_string(), detail.clone()));
        Ok(())
    }
}

/// The audio bucket: files by key, and how many of each request it served.
#[derive(Default)]
pub struct MemoryAudio {
    files: Mutex<BTreeMap<String, Vec<u8>>>,
    puts: Mutex<u32>,
}

impl MemoryAudio {
    /// The keys stored.
    pub fn keys(&self) -> Vec<String> {
        lock(&self.files).keys().cloned().collect()
    }

    /// How many files were written.
    pub fn puts(&self) -> u32 {
        *lock(&self.puts)
    }
}

#[async_trait]
impl AudioFiles for MemoryAudio {
    async fn exists(&self, key: &str) -> Result<bool> {
        Ok(lock(&self.files).contains_key(key))
    }

    async fn put_wav(&self, key: &str, wav: Vec<u8>) -> Result<()> {
        *lock(&self.puts) += 1;
        lock(&self.files).insert(key.to_string(), wav);
        Ok(())
    }

    async fn presigned_url(&self, key: &str, valid_for: Duration) -> Result<String> {
        Ok(format!(
            "https://audio.invalid/{key}?expires={}",
            valid_for.as_secs()
        ))
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(lock(&self.files).get(key).cloned())
    }
}

/// Speech: a second of µ-law silence per request, every text asked for remembered; it can be
/// made to fail, or to have no key.
pub struct MemoryTts {
    pub key: bool,
    failing: Mutex<bool>,
    asked: Mutex<Vec<String>>,
    around: Mutex<Vec<(Option<String>, Option<String>)>>,
}

impl Default for MemoryTts {
    fn default() -> Self {
        MemoryTts {
            key: true,
            failing: Mutex::new(false),
            asked: Mutex::default(),
            around: Mutex::default(),
        }
    }
}

impl MemoryTts {
    /// The texts asked for, in order.
    pub fn asked(&self) -> Vec<String> {
        lock(&self.asked).clone()
    }

    /// The words around each text asked for (previous, next), in the same order.
    pub fn around(&self) -> Vec<(Option<String>, Option<String>)> {
        lock(&self.around).clone()
    }

    /// Fail every request from now on (`true`), or answer again.
    pub fn fail(&self, failing: bool) {
        *lock(&self.failing) = failing;
    }
}

#[async_trait]
impl Speaker for MemoryTts {
    fn has_key(&self) -> bool {
        self.key
    }

    async fn synthesize_between(
        &self,
        _voice_id: Option<&str>,
        _language: Language,
        around: Stitch<'_>,
        text: &str,
    ) -> Result<Vec<u8>> {
        lock(&self.asked).push(text.to_string());
        lock(&self.around).push((
            around.previous.map(str::to_string),
            around.next.map(str::to_string),
        ));
        if *lock(&self.failing) {
            bail!("speech refused (test)");
        }
        // µ-law silence is 0xFF.
        Ok(vec![0xFF; 8000])
    }
}
