//! Once-only effects: done once however often the step runs; a claim held by a live step
//! defers; an abandoned claim is taken over; a failed effect gives its claim back; an effect
//! found done at the outside service is not done again.

use super::*;
use crate::service::{once, once_unless_found, Once};
use std::sync::atomic::{AtomicU32, Ordering};

#[tokio::test]
async fn an_effect_runs_once_however_often_its_step_runs() {
    let w = world().await;
    stored(&w, &open_shift("occ_once")).await;
    let runs = AtomicU32::new(0);
    for _ in 0..3 {
        let done = once(
            &w.app,
            "occ_once",
            "smsAt",
            Task::finish_acceptance("occ_once"),
            async {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok(())
            },
        )
        .await
        .unwrap();
        assert_eq!(done, Once::Done);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_claim_held_by_a_live_step_defers_and_an_abandoned_one_is_taken_over() {
    let w = world().await;
    stored(&w, &open_shift("occ_claim")).await;
    let retry = Task::finish_acceptance("occ_claim");
    // Another step claimed it just now and is still at it.
    let now = Utc::now();
    w.app
        .store
        .claim_once(
            "occ_claim",
            "eventAt",
            now,
            now - chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    let deferred = once(&w.app, "occ_claim", "eventAt", retry.clone(), async {
        panic!("not while another step holds the claim")
    })
    .await
    .unwrap();
    assert_eq!(deferred, Once::Deferred);
    let queued = w.twins.queue.drain();
    assert_eq!(queued.len(), 1, "the retry for when the claim runs out");
    assert!(queued[0].1 > Duration::ZERO);

    // A step that claimed it long ago died: its claim is taken over and the effect done.
    stored(&w, &open_shift("occ_dead")).await;
    let long_ago = now - chrono::Duration::hours(2);
    w.app
        .store
        .claim_once(
            "occ_dead",
            "eventAt",
            long_ago,
            long_ago - chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    let runs = AtomicU32::new(0);
    let done = once(&w.app, "occ_dead", "eventAt", retry, async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!((done, runs.load(Ordering::SeqCst)), (Once::Done, 1));
}

#[tokio::test]
async fn a_failed_effect_is_done_by_the_retry_unless_it_was_found_done() {
    let w = world().await;
    stored(&w, &open_shift("occ_fail")).await;
    let retry = Task::finish_acceptance("occ_fail");
    let failed = once(&w.app, "occ_fail", "smsAt", retry.clone(), async {
        anyhow::bail!("Twilio is down")
    })
    .await;
    assert!(failed.is_err());
    let runs = AtomicU32::new(0);
    let done = once(&w.app, "occ_fail", "smsAt", retry.clone(), async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!((done, runs.load(Ordering::SeqCst)), (Once::Done, 1));

    // Failed after the text went out (Twilio has it): marked done, never sent twice.
    let found = |_| async { Ok(true) };
    let done = once_unless_found(&w.app, "occ_fail", "otherAt", retry.clone(), found, async {
        anyhow::bail!("the write after the text failed")
    })
    .await
    .unwrap();
    assert_eq!(done, Once::Done);
    let again = once(&w.app, "occ_fail", "otherAt", retry, async {
        panic!("found done: not again")
    })
    .await
    .unwrap();
    assert_eq!(again, Once::Done);
}
