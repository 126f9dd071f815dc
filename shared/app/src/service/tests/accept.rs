//! Acceptance by any channel (one conditional write: a second acceptance is refused) and what
//! follows it from the queue (other calls ended, the confirmation SMS once, `ShiftFilled` once).

use super::*;
use crate::service::{accept, accept_call, run_task, Acceptance};
use callout_core::campaign::Outcome;
use callout_core::model::ShiftStatus;

#[tokio::test]
async fn a_shift_is_accepted_once_and_a_second_acceptance_is_refused() {
    let w = world().await;
    stored(&w, &open_shift("occ_acc")).await;
    let first = accept(&w.app, "occ_acc", "emp_2", "sms").await.unwrap();
    assert_eq!(first, Acceptance::Accepted);
    let second = accept(&w.app, "occ_acc", "emp_4", "sms").await.unwrap();
    assert_eq!(
        second,
        Acceptance::Taken {
            filled_by: "emp_2".into()
        }
    );
    // The winner again (a retried request) still has it.
    let again = accept(&w.app, "occ_acc", "emp_2", "sms").await.unwrap();
    assert_eq!(again, Acceptance::Accepted);
    let shift = w.app.store.get_shift("occ_acc").await.unwrap().unwrap();
    assert_eq!(shift.status, ShiftStatus::Assigned);
    assert_eq!(shift.assigned_to.as_deref(), Some("emp_2"));
    assert_eq!(shift.assigned_channel.as_deref(), Some("sms"));
    // What follows is queued, with its safety net.
    assert!(kinds(&drained(&w)).contains(&"finishAcceptance"));
    // Nobody outside the pool, no unknown shift.
    let stranger = accept(&w.app, "occ_acc", "emp_9", "sms").await.unwrap();
    assert_eq!(stranger, Acceptance::NotInPool);
    let unknown = accept(&w.app, "occ_none", "emp_2", "sms").await.unwrap();
    assert_eq!(unknown, Acceptance::UnknownShift);
}

#[tokio::test]
async fn a_key_press_on_a_call_accepts_and_the_other_call_is_refused_too_late() {
    let w = world().await;
    stored(&w, &broadcast_shift("occ_keys", 2)).await;
    run_task(&w.app, &Task::dial("occ_keys", 0)).await.unwrap();
    pump(&w).await;
    assert!(w
        .app
        .store
        .get_attempt("occ_keys", 1)
        .await
        .unwrap()
        .is_some());
    let won = accept_call(&w.app, "occ_keys", "emp_2", 0).await.unwrap();
    assert_eq!(won, Acceptance::Accepted);
    let late = accept_call(&w.app, "occ_keys", "emp_4", 1).await.unwrap();
    assert_eq!(
        late,
        Acceptance::Taken {
            filled_by: "emp_2".into()
        }
    );
    let a0 = w
        .app
        .store
        .get_attempt("occ_keys", 0)
        .await
        .unwrap()
        .unwrap();
    let a1 = w
        .app
        .store
        .get_attempt("occ_keys", 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a0.outcome, Some(Outcome::Accepted));
    assert_eq!(a1.outcome, Some(Outcome::Canceled));
    // Pressing 1 for someone else's call does nothing.
    let other = accept_call(&w.app, "occ_keys", "emp_4", 0).await.unwrap();
    assert_eq!(other, Acceptance::NotInPool);
}

#[tokio::test]
async fn finishing_an_acceptance_ends_the_other_calls_and_confirms_and_tells_once() {
    let w = world().await;
    stored(&w, &open_shift("occ_fin")).await;
    // Bob's call is live when Dan takes the shift by text.
    run_task(&w.app, &Task::dial("occ_fin", 0)).await.unwrap();
    drained(&w);
    let live = w
        .app
        .store
        .get_attempt("occ_fin", 0)
        .await
        .unwrap()
        .unwrap();
    let sid = live.call_sid.clone().unwrap();
    assert_eq!(
        accept(&w.app, "occ_fin", "emp_4", "sms").await.unwrap(),
        Acceptance::Accepted
    );
    for _ in 0..2 {
        // The hand-off and its safety net: the second run does nothing more.
        run_task(&w.app, &Task::finish_acceptance("occ_fin"))
            .await
            .unwrap();
    }
    let bobs = w
        .app
        .store
        .get_attempt("occ_fin", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bobs.outcome, Some(Outcome::Canceled));
    let ended_by_api = |c: &callout_sim::CallRecord| {
        c.events
            .iter()
            .any(|e| matches!(e, callout_sim::CallEvent::UpdatedByApi(_)))
    };
    until("Bob's call ended through the API", || {
        w.sim.call(&sid).is_some_and(|c| ended_by_api(&c))
    })
    .await;
    let texts: Vec<_> = w
        .sim
        .messages()
        .into_iter()
        .filter(|m| m.to == "+61400000004")
        .collect();
    assert_eq!(texts.len(), 1, "one confirmation SMS");
    let filled = w.twins.events.of("ShiftFilled");
    assert_eq!(filled.len(), 1, "ShiftFilled once");
    assert_eq!(filled[0]["employeeId"], "emp_4");
    let shift = w.app.store.get_shift("occ_fin").await.unwrap().unwrap();
    assert!(shift.acceptance_finished);
    assert_eq!(
        shift.confirmation_sms.map(|d| d.status),
        Some("sent".to_string())
    );
}

#[tokio::test]
async fn a_call_twilio_would_not_end_is_ended_by_a_retry_soon_before_the_acceptance_is_finished() {
    use crate::service::accept::{finish_acceptance, END_CALLS_AGAIN_SECS};
    use crate::service::Next;
    let w = world().await;
    stored(&w, &open_shift("occ_outage")).await;
    run_task(&w.app, &Task::dial("occ_outage", 0))
        .await
        .unwrap();
    drained(&w);
    let sid = w
        .app
        .store
        .get_attempt("occ_outage", 0)
        .await
        .unwrap()
        .unwrap()
        .call_sid
        .unwrap();
    assert_eq!(
        accept(&w.app, "occ_outage", "emp_4", "sms").await.unwrap(),
        Acceptance::Accepted
    );
    // The account is refused for a moment: Bob's call cannot be ended now.
    w.sim
        .refuse_account(Some(callout_sim::Refusal::BAD_CREDENTIALS));
    let next = finish_acceptance(&w.app, "occ_outage").await.unwrap();
    match next.as_slice() {
        [Next::Later(Task::FinishAcceptance(s), delay)] => {
            assert_eq!(s.occurrence_id, "occ_outage");
            assert!(*delay <= std::time::Duration::from_secs(END_CALLS_AGAIN_SECS));
        }
        other => panic!("expected a retry soon, got {other:?}"),
    }
    let shift = w.app.store.get_shift("occ_outage").await.unwrap().unwrap();
    assert!(!shift.acceptance_finished, "not finished while a call runs");
    assert!(w.sim.call(&sid).is_some_and(|c| c.ended_at.is_none()));
    // Twilio is back: the retry ends the call it cancelled before, and only then is it finished.
    w.sim.refuse_account(None);
    assert!(finish_acceptance(&w.app, "occ_outage")
        .await
        .unwrap()
        .is_empty());
    until("Bob's call ended through the API", || {
        w.sim.call(&sid).is_some_and(|c| {
            c.events
                .iter()
                .any(|e| matches!(e, callout_sim::CallEvent::UpdatedByApi(_)))
        })
    })
    .await;
    let shift = w.app.store.get_shift("occ_outage").await.unwrap().unwrap();
    assert!(shift.acceptance_finished);
    let texts = w
        .sim
        .messages()
        .into_iter()
        .filter(|m| m.to == "+61400000004")
        .count();
    assert_eq!(texts, 1, "one confirmation SMS over both runs");
}
