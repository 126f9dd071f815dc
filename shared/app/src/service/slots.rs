//! Call pacing: at most `MAX_CONCURRENT_CALLS` calls at once across the account, through call
//! slots and a line of waiting tasks in the table (`adapters::store::PacingLine`); a call that
//! ends hands its slot to the task that waited longest.

use super::prelude::*;
use super::*;

/// What the pacing steps work with: the line of call slots (`PacingLine`), the queue that wakes
/// tasks, and the numbers. The app's is [`pacer`]; tests run the same steps in memory.
pub(crate) struct Pacer<'a, L: ?Sized, Q: ?Sized> {
    pub line: &'a L,
    pub queue: &'a Q,
    /// The most calls in progress at once.
    pub limit: u32,
    /// How long a call slot's lease lasts.
    pub lease: std::time::Duration,
    /// How often the watchdog comes while tasks wait.
    pub watchdog_period: std::time::Duration,
}

/// The app's pacing: the store's line, the dial queue, the configured limit.
pub(super) fn pacer(app: &App) -> Pacer<'_, dyn Stores + '_, dyn TaskQueue + '_> {
    Pacer {
        line: &*app.store,
        queue: app.queue(),
        limit: app.config.max_concurrent_calls,
        lease: app.config.scaled(CALL_LEASE_SECS),
        // A lease's length (at TIME_SCALE 1, 15 minutes: also SQS's longest delay).
        watchdog_period: at_least_a_second(app, CALL_LEASE_SECS),
    }
}

/// A call slot and its holder for this task, or `None` when every slot is taken: the task is
/// then in the line of waiting tasks, and a call that ends hands it its slot (`free_call_slot`).
pub(super) async fn take_call_slot_or_wait(
    app: &App,
    task: &Dial,
) -> Result<Option<(u32, String)>> {
    pacer(app).take_call_slot_or_wait(task).await
}

/// A slot this task will not use goes back (to the next in line), unless `attempt` holds it
/// and its call is not over: a copy of this task, handed the same slot under the same holder,
/// is calling with it. Two calls that end together can both hand their slot to the same
/// waiting task (under one holder), and a call that ends while its own task is still in the
/// line hands its slot back to itself: a copy that does not call gives such a slot on.
pub(super) async fn give_back(
    app: &App,
    slot: u32,
    holder: &str,
    attempt: Option<&Attempt>,
) -> Result<()> {
    let calling_with_it = |a: &Attempt| {
        a.pace_slot == Some(slot)
            && a.pace_holder.as_deref() == Some(holder)
            && a.ended_at.is_none()
            && !a.advanced
    };
    if attempt.is_some_and(calling_with_it) {
        return Ok(());
    }
    free_call_slot(app, slot, holder).await
}

/// The watchdog's task (see [`Pacer::arm_watchdog`]).
pub(super) async fn watchdog_fired(app: &App) -> Result<()> {
    pacer(app).watchdog_fired().await
}

/// A call is over (or was never placed): see [`Pacer::free_call_slot`].
pub(super) async fn free_call_slot(app: &App, slot: u32, holder: &str) -> Result<()> {
    pacer(app).free_call_slot(slot, holder).await
}

/// Wake as many waiting tasks as there are free slots: see [`Pacer::wake_waiters`].
pub(super) async fn wake_waiters(app: &App) -> Result<()> {
    pacer(app).wake_waiters().await
}

impl<L: PacingLine + ?Sized, Q: TaskQueue + ?Sized> Pacer<'_, L, Q> {
    /// A call slot and its holder for this task, or `None` when every slot is taken: the task
    /// is then in the line of waiting tasks, and a call that ends hands it its slot.
    pub(crate) async fn take_call_slot_or_wait(
        &self,
        task: &Dial,
    ) -> Result<Option<(u32, String)>> {
        if let Some(slot) = task.granted_slot {
            let holder = task.granted_holder();
            let now = Utc::now().timestamp_millis();
            if self
                .line
                .take_call_slot(slot, &holder, now, self.lease)
                .await?
            {
                return Ok(Some((slot, holder)));
            }
            // Not held for it any more (its lease ran out and another task took it): as anyone.
        }
        let holder = format!(
            "{}#{}#{:08x}",
            task.occurrence_id,
            task.attempt,
            rand::random::<u32>()
        );
        if let Some(slot) = self.take_free_slot(&holder).await? {
            return Ok(Some((slot, holder)));
        }
        let waiting = Dial {
            waiting_since: Some(
                task.waiting_since
                    .unwrap_or_else(|| Utc::now().timestamp_millis()),
            ),
            granted_slot: None,
            ..task.clone()
        };
        let entry = self.line.add_waiter(&waiting).await?;
        // Look once more now that the task is in line: a call that ended between the first
        // look and joining the line did not see this task, but its free slot is seen here.
        if let Some(slot) = self.take_free_slot(&holder).await? {
            self.line.remove_waiter(&entry).await?;
            return Ok(Some((slot, holder)));
        }
        self.arm_watchdog(false).await?;
        Ok(None)
    }

    /// The line's last resort. Calls that end wake the line; were every live call's release
    /// lost, nothing would, until their leases ran out and nobody noticed. So while tasks wait,
    /// one watchdog task (at most) is pending: when it comes, it wakes as many as there are
    /// free slots (expired leases included) and, if some still wait, comes again a period later.
    async fn arm_watchdog(&self, rearm: bool) -> Result<()> {
        let now = Utc::now().timestamp_millis();
        let period = self.watchdog_period;
        if self.line.arm_watchdog(now, period, rearm).await? {
            self.queue.send(&Task::wake_waiters(), period).await?;
        }
        Ok(())
    }

    /// The watchdog's task: wake whoever a free slot (an expired lease included) allows, and
    /// come again while some still wait.
    pub(crate) async fn watchdog_fired(&self) -> Result<()> {
        self.wake_waiters().await?;
        if !self.line.oldest_waiters(1).await?.is_empty() {
            self.arm_watchdog(true).await?;
        }
        Ok(())
    }

    /// Take one of the free slots (one read, then a conditional write per slot tried).
    async fn take_free_slot(&self, holder: &str) -> Result<Option<u32>> {
        let now = Utc::now().timestamp_millis();
        let held = self.line.call_slots().await?;
        for slot in pacing::slots_to_try(self.limit, &held, now, rand::random()) {
            if self
                .line
                .take_call_slot(slot, holder, now, self.lease)
                .await?
            {
                return Ok(Some(slot));
            }
        }
        Ok(None)
    }

    /// A call is over (or was never placed): its slot goes straight to the task that has waited
    /// longest, so no task that comes later takes it first; with nobody waiting it is given
    /// back. Run again after a failure, it hands the slot to the same task, or wakes whoever
    /// still waits.
    pub(crate) async fn free_call_slot(&self, slot: u32, holder: &str) -> Result<()> {
        if let Some(waiter) = self.line.oldest_waiters(1).await?.pop() {
            let next = Dial {
                granted_slot: Some(slot),
                ..waiter.task.clone()
            };
            let now = Utc::now().timestamp_millis();
            let to = next.granted_holder();
            if self
                .line
                .pass_call_slot(slot, holder, &to, now, self.lease)
                .await?
            {
                // Sent before it leaves the line: a crash in between sends it twice, never not
                // at all (a dial task is idempotent, and both copies hold the slot as one holder);
                // back in line before this removal, its new entry stays.
                self.queue
                    .send(&Task::Dial(next.clone()), std::time::Duration::ZERO)
                    .await?;
                self.line.remove_waiter(&waiter).await?;
                info!(occurrence_id = %next.occurrence_id, attempt = next.attempt, slot, "pacing_slot_handed_on");
                return Ok(());
            }
        }
        self.line.release_call_slot(slot, holder).await?;
        self.wake_waiters().await
    }

    /// Wake as many waiting tasks as there are free slots, oldest first. Most of the time
    /// nobody waits, and one read says so.
    pub(crate) async fn wake_waiters(&self) -> Result<()> {
        let mut line = self.line.oldest_waiters(1).await?;
        if line.is_empty() {
            return Ok(());
        }
        let now = Utc::now().timestamp_millis();
        let free = pacing::free_count(self.limit, &self.line.call_slots().await?, now);
        if free > 1 {
            line = self.line.oldest_waiters(free).await?;
        }
        for waiter in line.into_iter().take(free) {
            // Sent before it leaves the line: a crash in between wakes it twice, never not at
            // all (a dial task is idempotent). Should it be back in line before this removal
            // (woken, turned away), its new entry stays.
            let task = &waiter.task;
            self.queue
                .send(&Task::Dial(task.clone()), std::time::Duration::ZERO)
                .await?;
            self.line.remove_waiter(&waiter).await?;
            info!(occurrence_id = %task.occurrence_id, attempt = task.attempt, "pacing_woken");
        }
        Ok(())
    }
}
