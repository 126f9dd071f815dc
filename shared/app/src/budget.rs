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
