//! A coordinator's actions on a shift (`service::control`): a cancel racing a "1" has one
//! winner, a cancel ends live calls (the answered one with the apology), pause holds the next
//! turn and resume goes on where it was, call now starts calling once, user errors change
//! nothing, and the platform's `ShiftCancelled` cancels.

use super::*;
use crate::records::ControlAction::{self, *};
use crate::service::control::{control, Controlled};
use crate::service::{accept, accept_call, on_final_status, run_task, Acceptance};
use callout_core::campaign::{CallStatus, Outcome};
use callout_core::model::ShiftStatus;

const BY: &str = "coordinator@prov_1";

async fn act(w: &World, occ: &str, action: ControlAction) -> Controlled {
    control(&w.app, Some("prov_1"), occ, action, BY)
        .await
        .unwrap()
}

async fn shift_of(w: &World, occ: &str) -> Shift {
    w.app.store.get_shift(occ).await.unwrap().unwrap()
}

/// The first call of `occ` placed (attempt 0, Bob), its CallSid.
async fn first_call(w: &World, occ: &str) -> String {
    run_task(&w.app, &Task::dial(occ, 0)).await.unwrap();
    let a = w.app.store.get_attempt(occ, 0).await.unwrap().unwrap();
    a.call_sid.expect("the call was placed")
}

fn updated_by_api(c: &callout_sim::CallRecord, what: &str) -> bool {
    c.events
        .iter()
        .any(|e| matches!(e, callout_sim::CallEvent::UpdatedByApi(l) if l.contains(what)))
}

#[tokio::test]
async fn a_one_before_a_cancel_wins_and_the_cancel_is_told_the_shift_is_filled() {
    let w = world().await;
    stored(&w, &open_shift("occ_one_first")).await;
    first_call(&w, "occ_one_first").await;
    let won = accept_call(&w.app, "occ_one_first", "emp_2", 0)
        .await
        .unwrap();
    assert_eq!(won, Acceptance::Accepted);
    assert_eq!(
        act(&w, "occ_one_first", Cancel).await,
        Controlled::Refused("the shift is already filled by Bob".into())
    );
    let shift = shift_of(&w, "occ_one_first").await;
    assert_eq!(shift.status, ShiftStatus::Assigned);
    assert!(
        shift.controls.is_empty(),
        "a refused action leaves no trace"
    );
    assert!(w.twins.events.of("ShiftCancelled").is_empty());
}

#[tokio::test]
async fn a_cancel_before_a_one_wins_and_the_one_hears_it_was_cancelled() {
    let w = world().await;
    stored(&w, &open_shift("occ_cancel_first")).await;
    first_call(&w, "occ_cancel_first").await;
    assert_eq!(
        act(&w, "occ_cancel_first", Cancel).await,
        Controlled::Done {
            status: ShiftStatus::Cancelled,
            paused: false
        }
    );
    let late = accept_call(&w.app, "occ_cancel_first", "emp_2", 0)
        .await
        .unwrap();
    assert_eq!(late, Acceptance::Cancelled);
    let by_text = accept(&w.app, "occ_cancel_first", "emp_4", "sms")
        .await
        .unwrap();
    assert_eq!(by_text, Acceptance::Cancelled);
    let shift = shift_of(&w, "occ_cancel_first").await;
    assert_eq!(shift.status, ShiftStatus::Cancelled);
    assert_eq!(shift.assigned_to, None);
    assert_eq!(shift.controls.len(), 1);
    assert_eq!(
        (shift.controls[0].action, shift.controls[0].by.as_str()),
        (Cancel, BY)
    );
    let events = w.twins.events.of("ShiftCancelled");
    assert_eq!(events.len(), 1, "ShiftCancelled once");
    assert_eq!(events[0]["occurrenceId"], "occ_cancel_first");
    assert_eq!(events[0]["by"], BY);
    // A second cancel is a user error.
    assert_eq!(
        act(&w, "occ_cancel_first", Cancel).await,
        Controlled::Refused("the shift is already cancelled".into())
    );
    assert_eq!(w.twins.events.of("ShiftCancelled").len(), 1);
}

#[tokio::test]
async fn a_cancel_and_a_one_at_the_same_moment_have_exactly_one_winner() {
    for round in 0..20 {
        let w = world().await;
        let occ = format!("occ_race_{round}");
        stored(&w, &open_shift(&occ)).await;
        first_call(&w, &occ).await;
        let (one, cancel) =
            tokio::join!(accept_call(&w.app, &occ, "emp_2", 0), act(&w, &occ, Cancel));
        let one_won = one.unwrap() == Acceptance::Accepted;
        let cancel_won = matches!(cancel, Controlled::Done { .. });
        assert!(one_won != cancel_won, "one winner: {one_won} {cancel_won}");
        let shift = shift_of(&w, &occ).await;
        let expected = if one_won {
            ShiftStatus::Assigned
        } else {
            ShiftStatus::Cancelled
        };
        assert_eq!(shift.status, expected);
        assert_eq!(
            w.twins.events.of("ShiftCancelled").len(),
            usize::from(cancel_won)
        );
    }
}

#[tokio::test]
async fn a_cancel_ends_an_answered_call_with_the_apology_and_a_ringing_one_at_once() {
    let w = world().await;
    stored(&w, &broadcast_shift("occ_live", 2)).await;
    run_task(&w.app, &Task::dial("occ_live", 0)).await.unwrap();
    pump(&w).await;
    let bob = w
        .app
        .store
        .get_attempt("occ_live", 0)
        .await
        .unwrap()
        .unwrap();
    let dan = w
        .app
        .store
        .get_attempt("occ_live", 1)
        .await
        .unwrap()
        .unwrap();
    let (bob_sid, dan_sid) = (bob.call_sid.unwrap(), dan.call_sid.unwrap());
    // Bob answered; Dan's phone is still ringing.
    w.app
        .store
        .record_status("occ_live", 0, &bob_sid, "in-progress", 3, None, false)
        .await
        .unwrap();
    assert!(matches!(
        act(&w, "occ_live", Cancel).await,
        Controlled::Done { .. }
    ));
    until("Bob's call told the apology", || {
        w.sim
            .call(&bob_sid)
            .is_some_and(|c| updated_by_api(&c, "Twiml"))
    })
    .await;
    until("Dan's call cancelled", || {
        w.sim
            .call(&dan_sid)
            .is_some_and(|c| updated_by_api(&c, "Status"))
    })
    .await;
    for k in [0, 1] {
        let a = w
            .app
            .store
            .get_attempt("occ_live", k)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.outcome, Some(Outcome::Canceled));
    }
    // The calls' final statuses move nothing on: no call is queued any more.
    drained(&w);
    on_final_status(
        &w.app,
        "occ_live",
        0,
        &bob_sid,
        CallStatus::Completed,
        9,
        Some(20),
    )
    .await
    .unwrap();
    let left = pump(&w).await;
    assert!(!kinds(&left).contains(&"dial"), "{left:?}");
    assert!(w
        .app
        .store
        .get_attempt("occ_live", 2)
        .await
        .unwrap()
        .is_none());
    assert_eq!(w.sim.calls().len(), 2);
}

#[tokio::test]
async fn pause_holds_the_next_turn_and_resume_goes_on_where_it_was() {
    let w = world().await;
    stored(&w, &open_shift("occ_pause")).await;
    let sid = first_call(&w, "occ_pause").await;
    drained(&w);
    assert_eq!(
        act(&w, "occ_pause", Pause).await,
        Controlled::Done {
            status: ShiftStatus::Open,
            paused: true
        }
    );
    assert_eq!(
        act(&w, "occ_pause", Pause).await,
        Controlled::Refused("calling is already paused".into())
    );
    // The live call goes on; when it ends, Dan's turn is held, not rung.
    let bob = w
        .app
        .store
        .get_attempt("occ_pause", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bob.outcome, None, "the live call is not ended by a pause");
    on_final_status(&w.app, "occ_pause", 0, &sid, CallStatus::NoAnswer, 9, None)
        .await
        .unwrap();
    let later = pump(&w).await;
    assert_eq!(held(&w, "occ_pause").await, Some((1, "paused".into())));
    assert!(w
        .app
        .store
        .get_attempt("occ_pause", 1)
        .await
        .unwrap()
        .is_none());
    assert_eq!(w.sim.calls().len(), 1);
    // The held task looks again later: still paused, still held.
    let look_again = later.iter().find(|t| t.kind() == "dial").cloned().unwrap();
    run_task(&w.app, &look_again).await.unwrap();
    assert!(w
        .app
        .store
        .get_attempt("occ_pause", 1)
        .await
        .unwrap()
        .is_none());
    drained(&w);
    assert_eq!(w.twins.events.of("ShiftCallingPaused").len(), 1);

    assert_eq!(
        act(&w, "occ_pause", Resume).await,
        Controlled::Done {
            status: ShiftStatus::Open,
            paused: false
        }
    );
    pump(&w).await;
    let dan = w
        .app
        .store
        .get_attempt("occ_pause", 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dan.employee_id, "emp_4");
    assert!(dan.call_sid.is_some(), "Dan is rung once resumed");
    assert_eq!(w.twins.events.of("ShiftCallingResumed").len(), 1);
    assert_eq!(
        act(&w, "occ_pause", Resume).await,
        Controlled::Refused("calling is not paused".into())
    );
    let log: Vec<_> = shift_of(&w, "occ_pause")
        .await
        .controls
        .iter()
        .map(|c| c.action)
        .collect();
    assert_eq!(log, [Pause, Resume]);
}

#[tokio::test]
async fn call_now_starts_calling_once_even_when_the_schedule_fires_too() {
    let w = world().await;
    calling(&w, |s| s.wait_minutes = 30).await;
    crate::service::start(&w.app, event("occ_now"))
        .await
        .unwrap();
    let (name, (_, scheduled)) = w.twins.schedules.pending().into_iter().next().unwrap();
    assert_eq!(
        act(&w, "occ_now", CallNow).await,
        Controlled::Done {
            status: ShiftStatus::Open,
            paused: false
        }
    );
    assert!(
        !w.twins.schedules.pending().contains_key(&name),
        "the wait is over"
    );
    // The schedule fires at the same moment: its task and call now's place one call.
    run_task(&w.app, &scheduled).await.unwrap();
    pump(&w).await;
    assert_eq!(w.sim.calls_to("+61400000002").len(), 1);
    let log = shift_of(&w, "occ_now").await.controls;
    assert_eq!((log.len(), log[0].action), (1, CallNow));
    assert_eq!(
        act(&w, "occ_now", CallNow).await,
        Controlled::Refused("calling was already started now".into())
    );
}

#[tokio::test]
async fn user_errors_get_a_reason_and_change_nothing() {
    let w = world().await;
    assert_eq!(act(&w, "occ_none", Pause).await, Controlled::UnknownShift);
    stored(&w, &open_shift("occ_errs")).await;
    // Another provider's shift is not there at all.
    let theirs = control(&w.app, Some("prov_other"), "occ_errs", Cancel, BY)
        .await
        .unwrap();
    assert_eq!(theirs, Controlled::UnknownShift);
    assert_eq!(
        act(&w, "occ_errs", Resume).await,
        Controlled::Refused("calling is not paused".into())
    );
    // Never scheduled (stored directly): nothing to start now.
    assert_eq!(
        act(&w, "occ_errs", CallNow).await,
        Controlled::Refused("calling is not scheduled for this shift".into())
    );
    first_call(&w, "occ_errs").await;
    let mut scheduled = open_shift("occ_started");
    scheduled.scheduled_at = Some(Utc::now());
    stored(&w, &scheduled).await;
    // Its first call is recorded (Bob was just rung about the other shift: per-person pacing
    // would hold a second call now).
    let slot = scheduled.plan().slot(0).unwrap();
    let first = crate::records::Attempt::new(&scheduled, 0, slot, "Hi".into(), None);
    assert!(w.app.store.create_attempt(&first).await.unwrap());
    assert_eq!(
        act(&w, "occ_started", CallNow).await,
        Controlled::Refused("calling has already started".into())
    );
    assert!(matches!(
        act(&w, "occ_errs", Cancel).await,
        Controlled::Done { .. }
    ));
    for action in [Pause, Resume, CallNow, Cancel] {
        assert_eq!(
            act(&w, "occ_errs", action).await,
            Controlled::Refused("the shift is already cancelled".into()),
            "{action:?}"
        );
    }
    assert_eq!(shift_of(&w, "occ_errs").await.controls.len(), 1);
    assert!(shift_of(&w, "occ_started").await.controls.is_empty());
}

#[tokio::test]
async fn the_platforms_shift_cancelled_cancels_once() {
    let w = world().await;
    stored(&w, &open_shift("occ_bus")).await;
    let event = serde_json::json!({
        "detail-type": "ShiftCancelled", "source": "platform",
        "detail": { "occurrenceId": "occ_bus" }
    });
    let out = crate::control_api::shift_cancelled(&w.app, &event)
        .await
        .unwrap();
    assert_eq!(out["status"], "cancelled");
    let shift = shift_of(&w, "occ_bus").await;
    assert_eq!(shift.status, ShiftStatus::Cancelled);
    assert_eq!(shift.controls[0].by, "platform");
    // Our own ShiftCancelled coming back (or a repeat) changes nothing.
    let again = crate::control_api::shift_cancelled(&w.app, &event)
        .await
        .unwrap();
    assert_eq!(again["status"], "unchanged");
    assert_eq!(w.twins.events.of("ShiftCancelled").len(), 1);
    let unknown = serde_json::json!({ "detail-type": "ShiftCancelled", "detail": {} });
    let out = crate::control_api::shift_cancelled(&w.app, &unknown)
        .await
        .unwrap();
    assert_eq!(out["status"], "rejected");
}

#[tokio::test]
async fn a_cancel_whose_run_died_after_its_write_is_finished_by_the_next_cancel() {
    let w = world().await;
    stored(&w, &open_shift("occ_half")).await;
    let sid = first_call(&w, "occ_half").await;
    // The cancel's write happened, then its run died: the call is live, no event.
    let written = crate::records::Control {
        action: Cancel,
        by: BY.into(),
        at: Utc::now(),
    };
    assert!(w
        .app
        .store
        .control_shift("occ_half", &written)
        .await
        .unwrap());
    assert!(w.twins.events.of("ShiftCancelled").is_empty());
    // The coordinator presses cancel again (or the bus redelivers): refused, and finished.
    assert_eq!(
        act(&w, "occ_half", Cancel).await,
        Controlled::Refused("the shift is already cancelled".into())
    );
    let a = w
        .app
        .store
        .get_attempt("occ_half", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.outcome, Some(Outcome::Canceled));
    until("the live call ended", || {
        w.sim
            .call(&sid)
            .is_some_and(|c| updated_by_api(&c, "Status"))
    })
    .await;
    let events = w.twins.events.of("ShiftCancelled");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["by"], BY);
    // Again: nothing more.
    act(&w, "occ_half", Cancel).await;
    assert_eq!(w.twins.events.of("ShiftCancelled").len(), 1);
}
