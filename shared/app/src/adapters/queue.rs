//! SQS: the dial queue. Sending a task twice is harmless: the dialer's conditional attempt
//! write lets only one of them place a call.

use crate::records::Task;
use anyhow::{anyhow, Result};
use aws_sdk_sqs::Client;
use std::time::Duration;

/// The most messages one SendMessageBatch request carries.
pub const SEND_BATCH: usize = 10;

#[derive(Clone)]
pub struct DialQueue {
    client: Client,
    url: String,
}

impl DialQueue {
    pub fn new(client: Client, url: impl Into<String>) -> DialQueue {
        DialQueue {
            client,
            url: url.into(),
        }
    }

    /// Queue a dial task, delivered after `delay` (SQS allows up to 15 minutes).
    pub async fn send(&self, task: &Task, delay: Duration) -> Result<()> {
        let secs = delay.as_secs_f64().round().min(900.0) as i32;
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(serde_json::to_string(task)?)
            .delay_seconds(secs)
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    /// Queue `tasks` at once, ten to a request (SQS's batch limit), the requests side by side.
    /// Fails if any task could not be queued (a repeat of the whole is harmless: every task on
    /// this queue is idempotent).
    pub async fn send_all(&self, tasks: &[Task]) -> Result<()> {
        let batches = tasks.chunks(SEND_BATCH).map(|batch| async move {
            let entries = batch
                .iter()
                .enumerate()
                .map(|(i, task)| {
                    aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(serde_json::to_string(task)?)
                        .build()
                        .map_err(|e| anyhow!(e))
                })
                .collect::<Result<Vec<_>>>()?;
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| anyhow!(aws_sdk_sqs::error::DisplayErrorContext(e)))?;
            match out.failed.first() {
                Some(f) => Err(anyhow!("a task was not queued: {}", f.code)),
                None => Ok(()),
            }
        });
        futures::future::try_join_all(batches).await?;
        Ok(())
    }

    /// A received task that failed comes back after `delay` (its visibility timeout).
    pub async fn retry_after(&self, receipt_handle: &str, delay: Duration) -> Result<()> {
        let secs = delay.as_secs_f64().round().clamp(0.0, 43_200.0) as i32;
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(secs)
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        Ok(())
    }
}

/// The dial queue as the steps see it: the SQS queue ([`DialQueue`]) or a test's list
/// (`adapters::memory::MemoryQueue`).
#[async_trait::async_trait]
pub trait TaskQueue: Send + Sync {
    /// Queue `task`, delivered after `delay`.
    async fn send(&self, task: &Task, delay: Duration) -> Result<()>;

    /// Queue `tasks` at once (a repeat of the whole is harmless).
    async fn send_all(&self, tasks: &[Task]) -> Result<()> {
        for task in tasks {
            self.send(task, Duration::ZERO).await?;
        }
        Ok(())
    }

    /// A received task that failed comes back after `delay`.
    async fn retry_after(&self, receipt_handle: &str, delay: Duration) -> Result<()>;
}

#[async_trait::async_trait]
impl TaskQueue for DialQueue {
    async fn send(&self, task: &Task, delay: Duration) -> Result<()> {
        DialQueue::send(self, task, delay).await
    }

    async fn send_all(&self, tasks: &[Task]) -> Result<()> {
        DialQueue::send_all(self, tasks).await
    }

    async fn retry_after(&self, receipt_handle: &str, delay: Duration) -> Result<()> {
        DialQueue::retry_after(self, receipt_handle, delay).await
    }
}
