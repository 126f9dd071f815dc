//! The one loop (`service::run`): what follows a step runs in the same run or is queued, by the
//! loop's rules, never by the step.

use super::*;
use crate::service::{on_final_status, run_task, STEPS_PER_RUN};
use callout_core::campaign::{CallStatus, Outcome};
use callout_core::model::StaffMember;

/// Place attempt 0 of a stored shift `occ` and end it unanswered: its `callEnded` is queued.
async fn first_call_unanswered(w: &World, occ: &str) {
    run_task(&w.app, &Task::dial(occ, 0)).await.unwrap();
    let a = w.app.store.get_attempt(occ, 0).await.unwrap().unwrap();
    let sid = a.call_sid.expect("placed");
    on_final_status(&w.app, occ, 0, &sid, CallStatus::NoAnswer, 10, None)
        .await
        .unwrap();
    assert_eq!(kinds(&drained(w)).last(), Some(&"callEnded"));
}

#[tokio::test]
async fn a_hang_up_places_the_next_call_in_the_same_run() {
    let w = world().await;
    stored(&w, &open_shift("occ_hop")).await;
    first_call_unanswered(&w, "occ_hop").await;
    run_task(&w.app, &Task::call_ended("occ_hop", 0))
        .await
        .unwrap();
    let next = w.app.store.get_attempt("occ_hop", 1).await.unwrap();
    assert!(
        next.and_then(|a| a.call_sid).is_some(),
        "the next call is placed by the callEnded run itself"
    );
    assert!(
        !kinds(&drained(&w)).contains(&"dial"),
        "no queue hop for the next call"
    );
    let first = w
        .app
        .store
        .get_attempt("occ_hop", 0)
        .await
        .unwrap()
        .unwrap();
    assert!(
        first.advanced,
        "marked as moved on once the next call is placed"
    );
}

#[tokio::test]
async fn after_a_twilio_request_the_next_call_goes_to_the_queue() {
    let w = world().await;
    calling(&w, |s| s.sms_follow_up = true).await;
    stored(&w, &open_shift("occ_text")).await;
    first_call_unanswered(&w, "occ_text").await;
    run_task(&w.app, &Task::call_ended("occ_text", 0))
        .await
        .unwrap();
    assert_eq!(w.sim.messages().len(), 1, "the follow-up text");
    // The text spent the run's Twilio time: the next call is a queued dial, not placed here.
    assert!(w
        .app
        .store
        .get_attempt("occ_text", 1)
        .await
        .unwrap()
        .is_none());
    let queued = w.twins.queue.drain();
    assert!(
        queued
            .iter()
            .any(|(t, d)| *t == Task::dial("occ_text", 1) && d.is_zero()),
        "{queued:?}"
    );
    let first = w
        .app
        .store
        .get_attempt("occ_text", 0)
        .await
        .unwrap()
        .unwrap();
    assert!(first.advanced, "marked once the next call is queued");
}

#[tokio::test]
async fn turns_skipped_in_a_row_stop_at_the_runs_step_limit_and_go_on_from_the_queue() {
    let w = world().await;
    let mut shift = open_shift("occ_many");
    let first = shift.event.staff_pool[0].clone();
    shift.event.staff_pool = (0..6)
        .map(|i| StaffMember {
            employee_id: format!("emp_p{i}"),
            phone: format!("+6140000010{i}"),
            ..first.clone()
        })
        .collect();
    stored(&w, &shift).await;
    // Everyone but the last passed on the shift: their turns are skipped, not rung.
    for i in 0..5 {
        w.app
            .store
            .record_pass("occ_many", &format!("emp_p{i}"), "sms")
            .await
            .unwrap();
    }
    run_task(&w.app, &Task::dial("occ_many", 0)).await.unwrap();
    // dial 0 (skipped), callEnded 0, dial 1 (skipped), callEnded 1: the run's steps.
    assert_eq!(STEPS_PER_RUN, 4);
    for k in 0..2 {
        let a = w
            .app
            .store
            .get_attempt("occ_many", k)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.outcome, Some(Outcome::Skipped));
        assert!(a.call_sid.is_none() && !a.is_call());
        assert!(a.advanced, "turn {k} moved on from");
    }
    assert!(w
        .app
        .store
        .get_attempt("occ_many", 2)
        .await
        .unwrap()
        .is_none());
    assert!(
        kinds(&drained(&w)).contains(&"dial"),
        "the rest from the queue"
    );
    // Run on from the queue: the rest are skipped and the last person is rung.
    let _ = run_task(&w.app, &Task::dial("occ_many", 2)).await;
    pump(&w).await;
    let last = w
        .app
        .store
        .get_attempt("occ_many", 5)
        .await
        .unwrap()
        .unwrap();
    assert!(last.call_sid.is_some(), "the one who did not pass is rung");
    assert_eq!(w.sim.calls().len(), 1, "nobody else was rung");
}
