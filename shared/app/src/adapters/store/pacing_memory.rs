//! [`MemoryLine`]: the call slots and the waiting line in memory, with the same conditions as
//! the DynamoDB writes in [`super::pacing`], so the pacing steps run in unit tests without the
//! local AWS.

use super::keys::waiter_sk;
use super::pacing::{PacingLine, Waiter};
use crate::records::Dial;
use anyhow::Result;
use callout_core::pacing::Held;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

#[derive(Debug, Default)]
struct State {
    /// Slot → (holder, lease end in ms).
    slots: BTreeMap<u32, (String, i64)>,
    /// The watchdog's end (ms), when armed.
    watchdog: Option<i64>,
    /// The waiting line by sort key (oldest first, as in the table).
    waiters: BTreeMap<String, Waiter>,
}

/// The pacing line in memory. Each operation is atomic, as one DynamoDB request is.
#[derive(Debug, Default)]
pub struct MemoryLine {
    state: Mutex<State>,
    /// Each operation first yields once, so that a test polling several steps in turn
    /// interleaves them at every request, as concurrent Lambdas do.
    yields: bool,
}

/// A future that is pending once, then ready.
#[derive(Default)]
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl MemoryLine {
    pub fn new() -> MemoryLine {
        MemoryLine::default()
    }

    /// A line whose every operation is a point where another step may run first.
    pub fn interleaved() -> MemoryLine {
        MemoryLine {
            yields: true,
            ..MemoryLine::default()
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The state, after letting other steps run first when interleaved.
    async fn op(&self) -> std::sync::MutexGuard<'_, State> {
        if self.yields {
            YieldOnce::default().await;
        }
        self.state()
    }

    /// Who holds each slot now (expired leases included).
    pub fn holders(&self) -> BTreeMap<u32, String> {
        let state = self.state();
        state
            .slots
            .iter()
            .map(|(slot, (holder, _))| (*slot, holder.clone()))
            .collect()
    }

    /// The watchdog's period is over (its task is delivered when it is).
    pub fn expire_watchdog(&self) {
        self.state().watchdog = None;
    }

    /// The waiting tasks, oldest first.
    pub fn waiting(&self) -> Vec<Dial> {
        self.state()
            .waiters
            .values()
            .map(|w| w.task.clone())
            .collect()
    }
}

fn lease_end(now: i64, ttl: Duration) -> i64 {
    now + ttl.as_millis() as i64
}

#[async_trait::async_trait]
impl PacingLine for MemoryLine {
    async fn call_slots(&self) -> Result<Vec<Held>> {
        Ok(self
            .op()
            .await
            .slots
            .iter()
            .map(|(slot, (_, expires_at))| Held {
                slot: *slot,
                expires_at: *expires_at,
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
        let mut state = self.op().await;
        let free = match state.slots.get(&slot) {
            None => true,
            Some((h, expires_at)) => *expires_at < now || h == holder,
        };
        if free {
            state
                .slots
                .insert(slot, (holder.to_string(), lease_end(now, ttl)));
        }
        Ok(free)
    }

    async fn pass_call_slot(
        &self,
        slot: u32,
        from: &str,
        to: &str,
        now: i64,
        ttl: Duration,
    ) -> Result<bool> {
        let mut state = self.op().await;
        let held = state
            .slots
            .get(&slot)
            .is_some_and(|(h, _)| h == from || h == to);
        if held {
            state
                .slots
                .insert(slot, (to.to_string(), lease_end(now, ttl)));
        }
        Ok(held)
    }

    async fn release_call_slot(&self, slot: u32, holder: &str) -> Result<bool> {
        let mut state = self.op().await;
        let held = state.slots.get(&slot).is_some_and(|(h, _)| h == holder);
        if held {
            state.slots.remove(&slot);
        }
        Ok(held)
    }

    async fn arm_watchdog(&self, now: i64, period: Duration, rearm: bool) -> Result<bool> {
        let mut state = self.op().await;
        let arm = rearm || state.watchdog.is_none_or(|end| end < now);
        if arm {
            state.watchdog = Some(lease_end(now, period));
        }
        Ok(arm)
    }

    async fn add_waiter(&self, task: &Dial) -> Result<Waiter> {
        let waiter = Waiter::new(task);
        self.op()
            .await
            .waiters
            .insert(waiter_sk(task), waiter.clone());
        Ok(waiter)
    }

    async fn oldest_waiters(&self, n: usize) -> Result<Vec<Waiter>> {
        Ok(self.op().await.waiters.values().take(n).cloned().collect())
    }

    async fn remove_waiter(&self, waiter: &Waiter) -> Result<()> {
        let mut state = self.op().await;
        let key = waiter_sk(&waiter.task);
        if state
            .waiters
            .get(&key)
            .is_some_and(|w| w.entry == waiter.entry)
        {
            state.waiters.remove(&key);
        }
        Ok(())
    }
}
