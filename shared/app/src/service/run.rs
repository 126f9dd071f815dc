//! The one loop that runs the dialer's tasks. A step does its work and returns what comes next
//! (`Next`): a task to run now, in this same run, or one to queue with a delay. No step calls
//! another: a hang-up's `callEnded` returns the next `dial`, which this loop runs, so a run's
//! stack never grows with the campaign, and what a run may spend follows from here:
//!
//! - at most [`STEPS_PER_RUN`] steps run in one task's run; the rest go to the queue;
//! - a step that may talk to Twilio runs here only while the run has made no Twilio request:
//!   after one (a call placed or refused, a follow-up text, a check) it goes to the queue, so
//!   no task holds two steps' worth of Twilio time (`limits`);
//! - the task the queue delivered fails the run when it fails (the queue retries it); a step
//!   that follows it and fails is queued again on its own, after the retry backoff.

use super::prelude::*;
use super::*;
use futures::future::BoxFuture;
use futures::{FutureExt, TryFutureExt};
use std::collections::VecDeque;
use std::time::Duration;

/// The most steps one task's run takes: the task itself and what follows it at once (a call
/// ended, then the next call; a turn skipped on the way). Only one of them makes Twilio
/// requests, so a run's worst case is one step's declared path plus the others' table and
/// queue requests (`limits::DIALER_AWS_ALLOWANCE`).
pub const STEPS_PER_RUN: usize = 4;

/// What a step asks for next.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Run in this run, when the loop allows (else queued at once).
    Now(Task),
    /// Queue, to come back after the delay.
    Later(Task, Duration),
    /// Attempt `k` has moved the campaign on: marked so, once what it moved on to is placed or
    /// queued (the order matters: marked first, a crash in between could lose the campaign).
    MarkAdvanced { occurrence_id: String, attempt: u32 },
}

/// Handle one task from the dial queue, and what follows it. An `Err` is temporary: the task
/// is retried.
pub async fn run_task(app: &App, task: &Task) -> Result<()> {
    crate::budget::counting(run_from(app, task)).await
}

async fn run_from(app: &App, task: &Task) -> Result<()> {
    let mut todo = VecDeque::from([Next::Now(task.clone())]);
    let mut ran = 0;
    while let Some(next) = todo.pop_front() {
        match next {
            Next::Now(t) if ran == 0 || may_run_now(&t, ran) => {
                ran += 1;
                match step(app, &t).await {
                    // What a step returns comes before what was left: a step's own follow-ups
                    // (a held call queued, the next turn) are placed or queued before the
                    // attempt that led to it is marked as moved on.
                    Ok(more) => more.into_iter().rev().for_each(|m| todo.push_front(m)),
                    Err(e) if ran == 1 => return Err(e),
                    Err(e) => {
                        warn!(kind = t.kind(), occurrence_id = %t.occurrence_id(), attempt = t.attempt(), error = %e, "next_step_queued_after_error");
                        app.queue().send(&t, retry_backoff(app, 1)).await?;
                    }
                }
            }
            Next::Now(t) => app.queue().send(&t, Duration::ZERO).await?,
            Next::Later(t, delay) => app.queue().send(&t, delay).await?,
            Next::MarkAdvanced {
                occurrence_id,
                attempt,
            } => {
                if app
                    .faults
                    .trip(faults::CRASH_AFTER_NEXT_CALL_QUEUED, &occurrence_id)
                {
                    anyhow::bail!("injected crash after the next call was queued");
                }
                if app.store.mark_advanced(&occurrence_id, attempt).await? {
                    info!(occurrence_id = %occurrence_id, attempt, "campaign_advanced");
                }
            }
        }
    }
    Ok(())
}

/// Whether a step that follows the run's first may run in this run (see the module header).
fn may_run_now(task: &Task, ran: usize) -> bool {
    let twilio_spent = crate::budget::so_far("twilio") > 0;
    ran < STEPS_PER_RUN && !(twilio_spent && task.may_use_twilio())
}

/// One step: the task's work, and what follows it. Each kind's step is its own future on the
/// heap, the one the loop holds while it runs: a run's stack is one step deep, whatever the
/// campaign does next.
fn step<'a>(app: &'a App, task: &'a Task) -> BoxFuture<'a, Result<Vec<Next>>> {
    info!(kind = task.kind(), occurrence_id = %task.occurrence_id(), attempt = task.attempt(), "dial_task_received");
    let work = match task {
        Task::Dial(dial_task) => dial(app, dial_task).boxed(),
        Task::CallEnded(ended) => call_over(app, &ended.occurrence_id, ended.attempt).boxed(),
        Task::CheckCall(check) => check_call(app, check).boxed(),
        Task::FinishAcceptance(shift) => finish_acceptance(app, &shift.occurrence_id).boxed(),
        Task::WakeWaiters {} => watchdog_fired(app).map_ok(|()| Vec::new()).boxed(),
        Task::ReachCheck(r) => {
            reachability::place_check(app, &r.provider_id, &r.employee_id).boxed()
        }
        Task::DeleteRecording(d) => recording::delete_recording(app, d)
            .map_ok(|()| Vec::new())
            .boxed(),
    };
    crate::budget::in_step(task.kind(), work).boxed()
}
