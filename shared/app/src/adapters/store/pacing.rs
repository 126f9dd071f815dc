//! Call pacing's state: a lease-based semaphore of call slots across the account (`PACING` /
//! `SLOT#{n:03}`, each with its `holder` and lease end `expiresAt` in ms), the line of dial
//! tasks waiting for a slot (`PACING_WAIT` / `WAIT#{since:013}#{occurrenceId}#{attempt:05}`,
//! oldest first) and the line's watchdog (`PACING` / `WATCHDOG`).
//!
//! [`PacingLine`] is the narrow interface the service's pacing steps need; [`Store`] implements
//! it on DynamoDB, [`super::pacing_memory::MemoryLine`] in memory for fast tests. The rules
//! (which slot to try, how many are free) are pure, in `callout_core::pacing`.

use super::codec::{get_n, get_s, n, s, ttl, Item};
use super::error::{ConditionalResult, DbResult};
use super::keys::{attr, slot_of, slot_sk, waiter_sk, PACING, PACING_WAIT, SLOT_PREFIX};
use super::keys::{WAIT_PREFIX, WATCHDOG_SK};
use super::{Store, INTERNAL_RETENTION};
use crate::records::Dial;
use anyhow::{Context, Result};
use async_trait::async_trait;
use callout_core::pacing::Held;
use chrono::Utc;
use std::time::Duration;

/// The call slots and the waiting line. Times are milliseconds since the epoch.
#[async_trait]
pub trait PacingLine: Send + Sync {
    /// Every call slot with its lease, in one consistent read.
    async fn call_slots(&self) -> Result<Vec<Held>>;

    /// Take call slot `slot` for `holder` until `ttl` after `now` unless another running lease
    /// holds it (its own lease, e.g. a slot handed to it, is renewed); false when one does.
    async fn take_call_slot(
        &self,
        slot: u32,
        holder: &str,
        now: i64,
        ttl: Duration,
    ) -> Result<bool>;

    /// Hand call slot `slot` from `from` to `to` with a fresh lease: false unless `from` holds
    /// it (or `to` already does: handing it again is harmless).
    async fn pass_call_slot(
        &self,
        slot: u32,
        from: &str,
        to: &str,
        now: i64,
        ttl: Duration,
    ) -> Result<bool>;

    /// Give a slot back; only its holder can (a late release never frees someone else's).
    async fn release_call_slot(&self, slot: u32, holder: &str) -> Result<bool>;

    /// Arm the waiting line's watchdog until `period` after `now`: true when this call armed
    /// it, false when it is armed already (unless `rearm`).
    async fn arm_watchdog(&self, now: i64, period: Duration, rearm: bool) -> Result<bool>;

    /// Put a dial task in the line (by its `waiting_since`, then occurrence and attempt), as a
    /// new entry. Doing it twice is harmless: the task keeps its place.
    async fn add_waiter(&self, task: &Dial) -> Result<Waiter>;

    /// The `n` tasks that have waited longest.
    async fn oldest_waiters(&self, n: usize) -> Result<Vec<Waiter>>;

    /// Take this entry out of the line. Nothing happens if it is not in it, nor if the task
    /// has joined the line again since (a woken task turned away before its waker removed
    /// it): that newer entry stays.
    async fn remove_waiter(&self, waiter: &Waiter) -> Result<()>;
}

/// A task's entry in the waiting line: the task and the entry's own random id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiter {
    pub task: Dial,
    pub entry: String,
}

impl Waiter {
    /// A new entry for `task`.
    pub fn new(task: &Dial) -> Waiter {
        Waiter {
            task: task.clone(),
            entry: format!("{:016x}", rand::random::<u64>()),
        }
    }
}

#[async_trait]
impl PacingLine for Store {
    /// Every call slot item (`PACING` / `SLOT#{n:03}`) with its lease, in one consistent read.
    async fn call_slots(&self) -> Result<Vec<Held>> {
        let query = self.query_prefix(PACING, SLOT_PREFIX);
        let items = self.query_all(query, 10_000).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                Some(Held {
                    slot: slot_of(&get_s(item, attr::SK)?)?,
                    expires_at: get_n(item, attr::EXPIRES_AT)?,
                })
            })
            .collect())
    }

    async fn take_call_slot(
        &self,
        slot: u32,
        holder: &str,
        now: i64,
        ttl: Duration,
    ) -> Result<bool> {
        self.put_slot(slot, holder, now, ttl)
            .condition_expression("attribute_not_exists(#h) OR #exp < :now OR #h = :holder")
            .expression_attribute_names("#h", attr::HOLDER)
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":holder", s(holder))
            .send()
            .await
            .conditional()
    }

    async fn pass_call_slot(
        &self,
        slot: u32,
        from: &str,
        to: &str,
        now: i64,
        ttl: Duration,
    ) -> Result<bool> {
        self.put_slot(slot, to, now, ttl)
            .condition_expression("#h = :from OR #h = :to")
            .expression_attribute_names("#h", attr::HOLDER)
            .expression_attribute_values(":from", s(from))
            .expression_attribute_values(":to", s(to))
            .send()
            .await
            .conditional()
    }

    async fn arm_watchdog(&self, now: i64, period: Duration, rearm: bool) -> Result<bool> {
        let item = Item::from([
            (attr::EXPIRES_AT.into(), n(now + period.as_millis() as i64)),
            (attr::TTL.into(), ttl(Utc::now() + INTERNAL_RETENTION)),
        ]);
        let mut put = self.put((s(PACING), s(WATCHDOG_SK)), item);
        if !rearm {
            put = put
                .condition_expression("attribute_not_exists(pk) OR #exp < :now")
                .expression_attribute_names("#exp", attr::EXPIRES_AT)
                .expression_attribute_values(":now", n(now));
        }
        put.send().await.conditional()
    }

    /// Put a dial task in the line of tasks waiting for a call slot (`PACING_WAIT` /
    /// `WAIT#{since:013}#{occurrenceId}#{attempt:05}`: oldest first). Doing it twice is harmless.
    async fn add_waiter(&self, task: &Dial) -> Result<Waiter> {
        let waiter = Waiter::new(task);
        let item = Item::from([
            (attr::TASK.into(), s(serde_json::to_string(task)?)),
            (attr::ENTRY.into(), s(&waiter.entry)),
            (attr::TTL.into(), ttl(Utc::now() + INTERNAL_RETENTION)),
        ]);
        self.put((s(PACING_WAIT), s(waiter_sk(task))), item)
            .send()
            .await
            .db()?;
        Ok(waiter)
    }

    /// The `n` tasks that have waited longest for a call slot.
    async fn oldest_waiters(&self, n: usize) -> Result<Vec<Waiter>> {
        let query = self
            .query_prefix(PACING_WAIT, WAIT_PREFIX)
            .limit(n.min(100) as i32);
        let items = self.query_all(query, n).await?;
        items
            .iter()
            .map(|item| {
                let task = get_s(item, attr::TASK).context("waiter without task")?;
                Ok(Waiter {
                    task: serde_json::from_str(&task)?,
                    // Entries written before entries had ids: removed as any entry.
                    entry: get_s(item, attr::ENTRY).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Take a task out of the waiting line (nothing happens if it is not in it).
    async fn remove_waiter(&self, waiter: &Waiter) -> Result<()> {
        let delete = self.delete((s(PACING_WAIT), s(waiter_sk(&waiter.task))));
        let delete = if waiter.entry.is_empty() {
            delete.condition_expression("attribute_not_exists(#e)")
        } else {
            delete
                .condition_expression("#e = :e")
                .expression_attribute_values(":e", s(&waiter.entry))
        };
        delete
            .expression_attribute_names("#e", attr::ENTRY)
            .send()
            .await
            .conditional()?;
        Ok(())
    }

    async fn release_call_slot(&self, slot: u32, holder: &str) -> Result<bool> {
        self.delete((s(PACING), s(slot_sk(slot))))
            .condition_expression("#h = :h")
            .expression_attribute_names("#h", attr::HOLDER)
            .expression_attribute_values(":h", s(holder))
            .send()
            .await
            .conditional()
    }
}

impl Store {
    fn put_slot(
        &self,
        slot: u32,
        holder: &str,
        now: i64,
        lease: Duration,
    ) -> aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder {
        let item = Item::from([
            (attr::HOLDER.into(), s(holder)),
            (attr::EXPIRES_AT.into(), n(now + lease.as_millis() as i64)),
            (attr::TTL.into(), ttl(Utc::now() + INTERNAL_RETENTION)),
        ]);
        self.put((s(PACING), s(slot_sk(slot))), item)
    }
}
