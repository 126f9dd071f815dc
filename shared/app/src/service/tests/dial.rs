//! The dial and call-end path through its public entries only (`run_task`, `on_final_status`):
//! what is stored, what is queued, what Twilio was asked.

use super::*;
use crate::service::{on_final_status, run_task};
use callout_core::campaign::{CallStatus, Outcome};
use callout_core::model::ShiftStatus;

#[tokio::test]
async fn a_dial_task_records_the_attempt_places_the_call_and_leaves_a_check() {
    let w = world().await;
    stored(&w, &open_shift("occ_dial")).await;
    run_task(&w.app, &Task::dial("occ_dial", 0)).await.unwrap();
    let a = w
        .app
        .store
        .get_attempt("occ_dial", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.employee_id, "emp_2");
    let sid = a.call_sid.clone().expect("the call's SID");
    assert!(w.sim.call(&sid).is_some(), "Twilio was asked for the call");
    assert_eq!(w.sim.calls_to("+61400000002").len(), 1);
    assert!(kinds(&drained(&w)).contains(&"checkCall"));

    // The same task again (a redelivery) places no second call.
    run_task(&w.app, &Task::dial("occ_dial", 0)).await.unwrap();
    assert_eq!(w.sim.calls_to("+61400000002").len(), 1);
}

#[tokio::test]
async fn unanswered_calls_move_the_campaign_to_the_next_person_then_to_unfilled() {
    let w = world().await;
    stored(&w, &open_shift("occ_round")).await;
    run_task(&w.app, &Task::dial("occ_round", 0)).await.unwrap();
    pump(&w).await;
    let first = w
        .app
        .store
        .get_attempt("occ_round", 0)
        .await
        .unwrap()
        .unwrap();
    let sid = first.call_sid.unwrap();
    on_final_status(&w.app, "occ_round", 0, &sid, CallStatus::NoAnswer, 10, None)
        .await
        .unwrap();
    let a = w
        .app
        .store
        .get_attempt("occ_round", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.outcome, Some(Outcome::NoAnswer));
    assert_eq!(
        w.twins.queue.tasks().last().map(Task::kind),
        Some("callEnded")
    );
    // The same callback again changes nothing and queues nothing.
    let before = w.twins.queue.tasks().len();
    on_final_status(&w.app, "occ_round", 0, &sid, CallStatus::NoAnswer, 10, None)
        .await
        .unwrap();
    assert_eq!(w.twins.queue.tasks().len(), before);

    pump(&w).await;
    let second = w.app.store.get_attempt("occ_round", 1).await.unwrap();
    let second = second.expect("the next person's attempt");
    assert_eq!(second.employee_id, "emp_4");
    let sid = second.call_sid.expect("the next call placed");
    on_final_status(&w.app, "occ_round", 1, &sid, CallStatus::Busy, 10, None)
        .await
        .unwrap();
    pump(&w).await;
    let shift = w.app.store.get_shift("occ_round").await.unwrap().unwrap();
    assert_eq!(shift.status, ShiftStatus::UnfilledAfterCalls);
    assert!(w
        .app
        .store
        .get_attempt("occ_round", 2)
        .await
        .unwrap()
        .is_none());
    // Each attempt moved the campaign once.
    for k in 0..2 {
        let a = w
            .app
            .store
            .get_attempt("occ_round", k)
            .await
            .unwrap()
            .unwrap();
        assert!(a.advanced, "attempt {k} advanced");
        assert!(!w.app.store.mark_advanced("occ_round", k).await.unwrap());
    }
}

#[tokio::test]
async fn a_dial_task_for_a_filled_shift_places_no_call() {
    let w = world().await;
    stored(&w, &open_shift("occ_filled")).await;
    w.app
        .store
        .accept("occ_filled", "emp_4", "sms", None)
        .await
        .unwrap();
    run_task(&w.app, &Task::dial("occ_filled", 0))
        .await
        .unwrap();
    assert!(w.sim.calls().is_empty());
    assert!(w
        .app
        .store
        .get_attempt("occ_filled", 0)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_call_whose_end_never_arrived_is_found_over_by_its_check_and_the_campaign_moves_on() {
    let w = world().await;
    w.sim
        .set_phone("+61400000002", callout_sim::Behaviour::Busy);
    stored(&w, &open_shift("occ_lost")).await;
    run_task(&w.app, &Task::dial("occ_lost", 0)).await.unwrap();
    let sid = w
        .app
        .store
        .get_attempt("occ_lost", 0)
        .await
        .unwrap()
        .unwrap()
        .call_sid
        .unwrap();
    until("the call is over at Twilio", || {
        w.sim.call(&sid).is_some_and(|c| c.ended())
    })
    .await;
    // Its status callback was lost (nothing listens): the safety net asks Twilio.
    let checks: Vec<Task> = drained(&w)
        .into_iter()
        .filter(|t| t.kind() == "checkCall")
        .collect();
    assert_eq!(checks.len(), 1);
    run_task(&w.app, &checks[0]).await.unwrap();
    pump(&w).await;
    let a = w
        .app
        .store
        .get_attempt("occ_lost", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.outcome, Some(Outcome::Busy));
    assert!(a.advanced);
    let next = w.app.store.get_attempt("occ_lost", 1).await.unwrap();
    assert!(
        next.is_some_and(|a| a.employee_id == "emp_4"),
        "Dan is next"
    );
}

#[tokio::test]
async fn a_call_twilio_cannot_take_for_now_is_taken_back_and_placed_when_the_task_comes_again() {
    let w = world().await;
    stored(&w, &open_shift("occ_503")).await;
    w.sim
        .fail_next_rest(callout_sim::RestOp::CreateCall, 503, 3);
    let failed = run_task(&w.app, &Task::dial("occ_503", 0)).await;
    assert!(failed.is_err(), "the task is retried");
    assert!(
        w.app
            .store
            .get_attempt("occ_503", 0)
            .await
            .unwrap()
            .is_none(),
        "the attempt is taken back"
    );
    assert!(w.sim.calls().is_empty());
    // The queue brings the task back until Twilio takes the call.
    let mut tries = 1;
    while run_task(&w.app, &Task::dial("occ_503", 0)).await.is_err() {
        tries += 1;
        assert!(tries < 20, "Twilio never took the call");
    }
    let a = w
        .app
        .store
        .get_attempt("occ_503", 0)
        .await
        .unwrap()
        .unwrap();
    assert!(a.call_sid.is_some());
    assert_eq!(w.sim.calls().len(), 1);
}

#[tokio::test]
async fn a_number_twilio_refuses_is_not_called_again_and_the_campaign_moves_on() {
    let w = world().await;
    stored(&w, &open_shift("occ_refused")).await;
    w.sim.refuse_next_rest(
        callout_sim::RestOp::CreateCall,
        callout_sim::Refusal::NOT_MOBILE,
        1,
    );
    run_task(&w.app, &Task::dial("occ_refused", 0))
        .await
        .unwrap();
    pump(&w).await;
    let a = w
        .app
        .store
        .get_attempt("occ_refused", 0)
        .await
        .unwrap()
        .unwrap();
    assert!(a.call_sid.is_none());
    assert!(a.outcome.is_some_and(|o| o != Outcome::Accepted));
    assert!(a.advanced);
    assert_eq!(w.sim.calls_to("+61400000004").len(), 1, "Dan is called");
}

/// A task that fails its last try goes to the dead-letter queue with its shift saying why:
/// the call log tells a coordinator that calling stopped, and an earlier try says nothing.
#[tokio::test]
async fn a_task_failing_its_last_try_leaves_its_shift_saying_calling_stopped() {
    let w = world().await;
    stored(&w, &open_shift("occ_dlq")).await;
    w.sim
        .refuse_account(Some(callout_sim::Refusal::ACCOUNT_SUSPENDED));
    let batch = |receives: u32| {
        let body = serde_json::to_string(&Task::dial("occ_dlq", 0)).unwrap();
        let event: aws_lambda_events::event::sqs::SqsEvent =
            serde_json::from_value(serde_json::json!({"Records": [{
                "messageId": "m1",
                "receiptHandle": "r1",
                "body": body,
                "attributes": {"ApproximateReceiveCount": receives.to_string()},
                "messageAttributes": {}
            }]}))
            .unwrap();
        lambda_runtime::LambdaEvent::new(event, lambda_runtime::Context::default())
    };
    let out = crate::handlers::dialer(&w.app, batch(1)).await.unwrap();
    assert_eq!(out.batch_item_failures.len(), 1, "retried");
    let shift = w.app.store.get_shift("occ_dlq").await.unwrap().unwrap();
    assert!(
        shift.stalled.is_none(),
        "a try before the last says nothing"
    );

    let last = w.app.config.dial_max_receive_count;
    let out = crate::handlers::dialer(&w.app, batch(last)).await.unwrap();
    assert_eq!(out.batch_item_failures.len(), 1, "to the dead-letter queue");
    let log = crate::service::call_log::call_log(&w.app, "prov_1", "occ_dlq")
        .await
        .unwrap()
        .unwrap();
    let stalled = log.stalled.expect("the call log says calling stopped");
    assert_eq!((stalled.task.as_str(), stalled.attempt), ("dial", Some(0)));
    assert!(stalled.reason.contains("20005"), "{}", stalled.reason);
}

/// Record attempt 0 of a stored shift `occ` as a placing run would, `ago` before now, with no
/// CallSid (the run died, or its write failed, before it stored one); its callee's phone.
/// A call to `phone` whose webhooks go nowhere (its callbacks are lost).
fn call_to(phone: String) -> crate::adapters::twilio::CallRequest {
    crate::adapters::twilio::CallRequest {
        to: phone,
        twiml_url: "http://127.0.0.1:9/twiml".into(),
        status_url: "http://127.0.0.1:9/status".into(),
        amd_url: "http://127.0.0.1:9/amd".into(),
        fallback_url: "http://127.0.0.1:9/fallback".into(),
        recording_url: None,
    }
}

async fn attempt_being_placed(w: &World, occ: &str, phone: &str, ago: chrono::Duration) -> String {
    let mut shift = open_shift(occ);
    shift.event.staff_pool[0].phone = phone.into();
    stored(w, &shift).await;
    let slot = shift.plan().slot(0).unwrap();
    let mut a = crate::records::Attempt::new(&shift, 0, slot, "Hi".into(), None);
    a.created_at = Utc::now() - ago;
    assert!(w.app.store.create_attempt(&a).await.unwrap());
    a.phone
}

/// A call Twilio placed whose CallSid was never stored, and whose callbacks were lost: before
/// giving up on it, the check finds it at Twilio and keeps its SID, so the person rung is in
/// the call log with their call. With no such call at Twilio, the attempt is given up on.
#[tokio::test]
async fn a_call_placed_by_a_run_that_died_is_found_at_twilio_before_it_is_given_up() {
    let w = world_with(|c| c.time_scale = 600.0).await;
    let placing = chrono::Duration::from_std(crate::service::PLACING_RUN_OVER_AFTER).unwrap();
    // Recorded just inside the placing run's window; Twilio places the call now.
    let ago = placing - chrono::Duration::seconds(2);
    let phone = attempt_being_placed(&w, "occ_found", "+61400000102", ago).await;
    let sid = w.app.twilio().create_call(&call_to(phone)).await.unwrap();
    // The placing run is certainly over once its window has passed.
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    run_task(&w.app, &Task::check("occ_found", 0, 3))
        .await
        .unwrap();
    let a = w
        .app
        .store
        .get_attempt("occ_found", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.call_sid.as_deref(), Some(sid.as_str()), "found at Twilio");

    // Nothing at Twilio for this one (another person): given up on, and the campaign moves on.
    let ago = placing + chrono::Duration::seconds(1);
    attempt_being_placed(&w, "occ_lost", "+61400000103", ago).await;
    run_task(&w.app, &Task::check("occ_lost", 0, 3))
        .await
        .unwrap();
    let a = w
        .app
        .store
        .get_attempt("occ_lost", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.outcome, Some(Outcome::Failed));
    assert!(a.call_sid.is_none());
}

/// A turn cancelled (its shift filled) while its call was being placed, Twilio's answer lost: the
/// call may ring with nobody to end it. The check waits out the placing run, finds the call at
/// Twilio, keeps its SID and ends it.
#[tokio::test]
async fn a_call_cancelled_while_being_placed_and_never_confirmed_is_found_and_ended() {
    // Call phases a second apart: the call still rings when the check comes.
    let sim = callout_sim::SimConfig {
        step_delay: std::time::Duration::from_secs(1),
        ..Default::default()
    };
    let w = world_with_sim(sim, |c| c.time_scale = 600.0).await;
    let placing = chrono::Duration::from_std(crate::service::PLACING_RUN_OVER_AFTER).unwrap();
    let ago = placing - chrono::Duration::seconds(2);
    let phone = attempt_being_placed(&w, "occ_gone", "+61400000104", ago).await;
    let sid = w.app.twilio().create_call(&call_to(phone)).await.unwrap();
    // The shift is filled meanwhile: the turn is cancelled with no call known.
    assert!(w
        .app
        .store
        .set_outcome("occ_gone", 0, Outcome::Canceled, None)
        .await
        .unwrap());
    // While the placing run may still store the call, the check only comes back later.
    run_task(&w.app, &Task::check("occ_gone", 0, 1))
        .await
        .unwrap();
    assert!(kinds(&drained(&w)).contains(&"checkCall"));
    let ended = |w: &World, sid: &str| {
        w.sim.call(sid).is_some_and(|c| {
            c.events
                .iter()
                .any(|e| matches!(e, callout_sim::CallEvent::UpdatedByApi(_)))
        })
    };
    assert!(!ended(&w, &sid));
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    run_task(&w.app, &Task::check("occ_gone", 0, 2))
        .await
        .unwrap();
    let a = w
        .app
        .store
        .get_attempt("occ_gone", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.call_sid.as_deref(), Some(sid.as_str()), "kept");
    assert_eq!(a.outcome, Some(Outcome::Canceled));
    until("the call ended through the API", || ended(&w, &sid)).await;

    // A decline whose call's answer and callbacks were lost: the call is kept on its attempt
    // for the call log, and left to end itself (its offer says goodbye).
    let phone = attempt_being_placed(&w, "occ_said_no", "+61400000105", ago).await;
    let sid = w.app.twilio().create_call(&call_to(phone)).await.unwrap();
    assert!(w
        .app
        .store
        .set_outcome("occ_said_no", 0, Outcome::Declined, Some("2"))
        .await
        .unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    run_task(&w.app, &Task::check("occ_said_no", 0, 2))
        .await
        .unwrap();
    let a = w
        .app
        .store
        .get_attempt("occ_said_no", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.call_sid.as_deref(), Some(sid.as_str()), "kept");
    assert!(!ended(&w, &sid), "left to end itself");
}
