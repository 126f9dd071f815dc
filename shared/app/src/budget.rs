//! Counting the outside requests one piece of work makes (the webhooks' critical-path
//! budget): the AWS SDK interceptor and the Twilio and ElevenLabs adapters record each request
//! into the counter of the task that runs them, if it has one. Each AWS request is also
//! recorded by operation under the dialer step that made it (`Ops`: the per-step table of
//! `make load`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;

pub type Counts = BTreeMap<&'static str, u32>;

/// Requests by (step, "service.Operation"); the step is `""` outside a dialer step (a
/// webhook: its route names it).
pub type Ops = BTreeMap<(&'static str, String), u32>;

#[derive(Default)]
struct Tally {
    counts: Counts,
    step: &'static str,
    ops: Ops,
}

tokio::task_local! {
    static COUNTS: RefCell<Tally>;
}

/// Run `work` and return what it returned and how many requests it made, by service.
pub async fn counted<F: Future>(work: F) -> (F::Output, Counts) {
    let (out, counts, _) = counted_by_step(work).await;
    (out, counts)
}

/// [`counted`], with its AWS requests by step and operation too.
pub async fn counted_by_step<F: Future>(work: F) -> (F::Output, Counts, Ops) {
    COUNTS
        .scope(RefCell::new(Tally::default()), async move {
            let out = work.await;
            let (counts, ops) = COUNTS.with(|c| {
                let t = c.borrow();
                (t.counts.clone(), t.ops.clone())
            });
            (out, counts, ops)
        })
        .await
}

/// One request to `service` by the current task.
pub fn record(service: &'static str) {
    let _ = COUNTS.try_with(|c| *c.borrow_mut().counts.entry(service).or_default() += 1);
}

/// One AWS request to `service`'s `operation` by the current task (counted as [`record`], and
/// by operation under the current step).
pub fn record_operation(service: &'static str, operation: &str) {
    let _ = COUNTS.try_with(|c| {
        let mut t = c.borrow_mut();
        *t.counts.entry(service).or_default() += 1;
        let step = t.step;
        *t.ops
            .entry((step, format!("{service}.{operation}")))
            .or_default() += 1;
    });
}

/// Run `work` as the step `kind` (its AWS requests are recorded under it), then go back to
/// the step before.
pub async fn in_step<F: Future>(kind: &'static str, work: F) -> F::Output {
    let before = COUNTS
        .try_with(|c| std::mem::replace(&mut c.borrow_mut().step, kind))
        .unwrap_or("");
    let out = work.await;
    let _ = COUNTS.try_with(|c| c.borrow_mut().step = before);
    out
}

/// Run `work` counting its requests: in the caller's count when it keeps one (a test, the
/// budget check), else in a count of its own, so [`so_far`] always answers. (Chosen when
/// called, not awaited: the future is `work`'s own size, not twice it.)
pub fn counting<F: Future>(work: F) -> impl Future<Output = F::Output> {
    use futures::future::Either;
    if COUNTS.try_with(|_| ()).is_ok() {
        Either::Left(work)
    } else {
        Either::Right(COUNTS.scope(RefCell::new(Tally::default()), work))
    }
}

/// How many requests to `service` the current task has made so far (0 outside a count).
pub fn so_far(service: &'static str) -> u32 {
    COUNTS
        .try_with(|c| c.borrow().counts.get(service).copied().unwrap_or(0))
        .unwrap_or(0)
}
