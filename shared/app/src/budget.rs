//! Counting the outside requests one piece of work makes (the webhooks' critical-path
//! budget): the AWS SDK interceptor and the Twilio and ElevenLabs adapters record each request
//! into the counter of the task that runs them, if it has one.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;

pub type Counts = BTreeMap<&'static str, u32>;

tokio::task_local! {
    static COUNTS: RefCell<Counts>;
}

/// Run `work` and return what it returned and how many requests it made, by service.
pub async fn counted<F: Future>(work: F) -> (F::Output, Counts) {
    COUNTS
        .scope(RefCell::new(Counts::new()), async move {
            let out = work.await;
            (out, COUNTS.with(|c| c.borrow().clone()))
        })
        .await
}

/// One request to `service` by the current task.
pub fn record(service: &'static str) {
    let _ = COUNTS.try_with(|c| *c.borrow_mut().entry(service).or_default() += 1);
}

/// Run `work` counting its requests: in the caller's count when it keeps one (a test, the
/// budget check), else in a count of its own, so [`so_far`] always answers. (Chosen when
/// called, not awaited: the future is `work`'s own size, not twice it.)
pub fn counting<F: Future>(work: F) -> impl Future<Output = F::Output> {
    use futures::future::Either;
    if COUNTS.try_with(|_| ()).is_ok() {
        Either::Left(work)
    } else {
        Either::Right(COUNTS.scope(RefCell::new(Counts::new()), work))
    }
}

/// How many requests to `service` the current task has made so far (0 outside a count).
pub fn so_far(service: &'static str) -> u32 {
    COUNTS
        .try_with(|c| c.borrow().get(service).copied().unwrap_or(0))
        .unwrap_or(0)
}
