//! EventBridge Scheduler: the one-time schedule that starts a shift's calls after the
//! provider's wait, by putting the first dial task on the dial queue. A start the scheduler
//! cannot deliver (after its retries) goes to the schedule dead-letter queue, never away.

use crate::records::Task;
use anyhow::{anyhow, Result};
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode, Target,
};
use aws_sdk_scheduler::Client;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

#[derive(Clone)]
pub struct Schedules {
    client: Client,
    group: String,
    queue_arn: String,
    role_arn: String,
    dead_letter_arn: String,
}

/// A deterministic schedule name for a shift (letters, digits, `-_.`, at most 64 characters):
/// readable prefix plus a hash, so a repeated start finds the same schedule.
pub fn schedule_name(occurrence_id: &str) -> String {
    let readable: String = occurrence_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    let hash = hex::encode(Sha256::digest(occurrence_id.as_bytes()));
    format!("shift-{readable}-{}", &hash[..12])
}

impl Schedules {
    /// Schedules in `group` that send to `queue_arn` as `role_arn`, with `dead_letter_arn`
    /// (when not empty) as the target's dead-letter queue.
    pub fn new(
        client: Client,
        group: &str,
        queue_arn: &str,
        role_arn: &str,
        dead_letter_arn: &str,
    ) -> Schedules {
        Schedules {
            client,
            group: group.into(),
            queue_arn: queue_arn.into(),
            role_arn: role_arn.into(),
            dead_letter_arn: dead_letter_arn.into(),
        }
    }

    /// Create the shift's schedule at `at`; an existing schedule of that name is left as it is.
    pub async fn create_once(&self, name: &str, at: DateTime<Utc>, task: &Task) -> Result<()> {
        let target = Target::builder()
            .arn(&self.queue_arn)
            .role_arn(&self.role_arn)
            .input(serde_json::to_string(task)?)
            .set_dead_letter_config((!self.dead_letter_arn.is_empty()).then(|| {
                DeadLetterConfig::builder()
                    .arn(&self.dead_letter_arn)
                    .build()
            }))
            .build()?;
        let r = self
            .client
            .create_schedule()
            .name(name)
            .group_name(&self.group)
            .schedule_expression(format!("at({})", at.format("%Y-%m-%dT%H:%M:%S")))
            .schedule_expression_timezone("UTC")
            .flexible_time_window(
                FlexibleTimeWindow::builder()
                    .mode(FlexibleTimeWindowMode::Off)
                    .build()?,
            )
            .action_after_completion(ActionAfterCompletion::Delete)
            .target(target)
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conflict_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(anyhow!(aws_sdk_scheduler::error::DisplayErrorContext(e))),
        }
    }

    /// Delete a pending schedule; one already gone (fired, or deleted before) is fine.
    pub async fn delete(&self, name: &str) -> Result<bool> {
        match self
            .client
            .delete_schedule()
            .name(name)
            .group_name(&self.group)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(anyhow!(aws_sdk_scheduler::error::DisplayErrorContext(e))),
        }
    }
}

/// The one-time schedules as the steps see them: EventBridge Scheduler ([`Schedules`]) or a
/// test's list (`adapters::memory::MemorySchedules`).
#[async_trait::async_trait]
pub trait Scheduler: Send + Sync {
    /// Create schedule `name` at `at` sending `task`; an existing one is left as it is.
    async fn create_once(&self, name: &str, at: DateTime<Utc>, task: &Task) -> Result<()>;
    /// Delete a pending schedule: false when it was gone already.
    async fn delete(&self, name: &str) -> Result<bool>;
}

#[async_trait::async_trait]
impl Scheduler for Schedules {
    async fn create_once(&self, name: &str, at: DateTime<Utc>, task: &Task) -> Result<()> {
        Schedules::create_once(self, name, at, task).await
    }

    async fn delete(&self, name: &str) -> Result<bool> {
        Schedules::delete(self, name).await
    }
}
