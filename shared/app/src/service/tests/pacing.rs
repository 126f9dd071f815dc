//! Call slots (`slots`: at most `MAX_CONCURRENT_CALLS` at once, a freed slot handed to the task
//! that waited longest) and held calls (`hold`: per-person pacing, quiet hours), through the
//! dial and call-end entries.

use super::*;
use crate::service::{on_final_status, run_task};
use callout_core::campaign::CallStatus;

const BOB: &str = "+61400000002";

#[tokio::test]
async fn with_every_slot_taken_a_call_waits_in_line_and_gets_the_slot_of_the_call_that_ends() {
    let w = world_with(|c| c.max_concurrent_calls = 1).await;
    stored(&w, &open_shift("occ_a")).await;
    let mut b = open_shift("occ_b");
    // Another pool: Dan first, so per-person pacing plays no part.
    b.event.staff_pool.reverse();
    stored(&w, &b).await;
    run_task(&w.app, &Task::dial("occ_a", 0)).await.unwrap();
    run_task(&w.app, &Task::dial("occ_b", 0)).await.unwrap();
    assert_eq!(w.sim.calls().len(), 1, "one call at a time");
    assert!(w.app.store.get_attempt("occ_b", 0).await.unwrap().is_none());
    let waiting = w.twins.store.line.waiting();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].occurrence_id, "occ_b");
    assert_eq!(w.twins.store.line.holders().len(), 1);

    let a = w.app.store.get_attempt("occ_a", 0).await.unwrap().unwrap();
    on_final_status(
        &w.app,
        "occ_a",
        0,
        &a.call_sid.unwrap(),
        CallStatus::Busy,
        10,
        None,
    )
    .await
    .unwrap();
    pump(&w).await;
    let b0 = w.app.store.get_attempt("occ_b", 0).await.unwrap();
    assert!(
        b0.and_then(|a| a.call_sid).is_some(),
        "the waiting call got the freed slot"
    );
    assert!(w.twins.store.line.waiting().is_empty());
}

#[tokio::test]
async fn a_person_called_moments_ago_is_held_not_skipped_and_the_shift_says_why() {
    let w = world().await;
    stored(&w, &open_shift("occ_first")).await;
    stored(&w, &open_shift("occ_second")).await;
    run_task(&w.app, &Task::dial("occ_first", 0)).await.unwrap();
    drained(&w);
    run_task(&w.app, &Task::dial("occ_second", 0))
        .await
        .unwrap();
    assert_eq!(
        w.sim.calls_to(BOB).len(),
        1,
        "Bob is not rung twice in a minute"
    );
    assert!(w
        .app
        .store
        .get_attempt("occ_second", 0)
        .await
        .unwrap()
        .is_none());
    let queued = w.twins.queue.drain();
    let again = queued
        .iter()
        .find(|(t, _)| t.kind() == "dial" && t.occurrence_id() == "occ_second")
        .expect("the call comes back later");
    assert!(again.1 >= Duration::from_secs(1));
    assert_eq!(
        held(&w, "occ_second").await,
        Some((0, "maxCallsPerPersonPerHour".into()))
    );
}

#[tokio::test]
async fn quiet_hours_hold_a_call_until_they_end() {
    let w = world().await;
    stored(&w, &quiet_shift("occ_quiet")).await;
    run_task(&w.app, &Task::dial("occ_quiet", 0)).await.unwrap();
    assert!(w.sim.calls().is_empty(), "no call in quiet hours");
    assert_eq!(held(&w, "occ_quiet").await, Some((0, "quietHours".into())));
    let queued = w.twins.queue.drain();
    assert!(queued
        .iter()
        .any(|(t, delay)| t.kind() == "dial" && !delay.is_zero()));
}
