//! The conditions every store keeps, as one check both stores pass: the in-memory twin in the
//! unit tests (`memory_tests`), DynamoDB on the local AWS in `tests/store.rs`. So the twin the
//! service's unit tests run on cannot drift from the table: create if absent, accept once, an
//! outcome once, advance once, stale statuses refused, claims deferred, taken over and done,
//! a person's calls counted once, a webhook remembered once, speech and Listen counted
//! within their limits.

use super::{AcceptWrite, Claim, Stores};
use crate::records::{Attempt, Shift};
use callout_core::campaign::Outcome;
use callout_core::model::{ShiftStatus, Wave3Completed};
use callout_core::person_pace::Windows;
use callout_core::speech_budget::Window;
use chrono::{Duration, Utc};

/// A shift `occ` of provider `prov_contract` whose pool is `emp_a` then `emp_b`.
pub fn shift(occ: &str) -> Shift {
    let event: Wave3Completed = serde_json::from_value(serde_json::json!({
        "occurrenceId": occ,
        "providerId": "prov_contract",
        "job": {
            "patientName": "Ken O'Brien",
            "startsAt": "2027-01-23T15:30:00+11:00",
            "endsAt": "2027-01-23T17:30:00+11:00",
            "timeZone": "Australia/Sydney",
            "suburb": "Blacktown"
        },
        "staffPool": [
            { "employeeId": "emp_a", "firstName": "Ann", "phone": "+61400000011" },
            { "employeeId": "emp_b", "firstName": "Ben", "phone": "+61400000012" }
        ]
    }))
    .expect("the contract's event");
    Shift::open(event, true, 1, "Hi {firstName}".into(), Utc::now())
}

/// Attempt `k` of `shift`.
pub fn attempt(shift: &Shift, k: u32) -> Attempt {
    let slot = shift.plan().slot(k).expect("an attempt of the plan");
    Attempt::new(shift, k, slot, "Hi".into(), None)
}

/// Check every condition on `store`, with keys made from `occ` (unique per run: a shared
/// table keeps what earlier runs wrote). Panics on the first broken one.
pub async fn check(store: &dyn Stores, occ: &str) {
    shifts(store, occ).await;
    attempts(store, occ).await;
    claims(store, occ).await;
    people_and_webhooks(store, occ).await;
    counters(store, occ).await;
    controls(store, occ).await;
    numbers(store, occ).await;
    reach(store, occ).await;
}

/// One reachability check per person per day; its later states overwrite it.
async fn reach(store: &dyn Stores, occ: &str) {
    use super::reach::ReachCheck;
    let provider = format!("prov_{occ}");
    let mut c = ReachCheck {
        employee_id: "emp_a".into(),
        first_name: "Ann".into(),
        phone: "+61400000011".into(),
        day: "2026-12-05".into(),
        requested_at: Utc::now(),
        state: "queued".into(),
        result: None,
        result_at: None,
        code: None,
        call_sid: None,
        slot: None,
        answered_by: None,
    };
    assert!(
        store.start_check(&provider, &c).await.unwrap(),
        "the day's first"
    );
    assert!(
        !store.start_check(&provider, &c).await.unwrap(),
        "once a day"
    );
    c.state = "done".into();
    c.result = Some(callout_core::reach::ReachResult::Heard);
    store.put_check(&provider, &c).await.unwrap();
    assert_eq!(
        store.get_check(&provider, "emp_a").await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(store.list_checks(&provider).await.unwrap(), vec![c.clone()]);
    c.day = "2026-12-06".into();
    assert!(
        store.start_check(&provider, &c).await.unwrap(),
        "the next day"
    );
}

/// One provider per number: taken when free or already theirs, refused to another provider,
/// let go only by its holder.
async fn numbers(store: &dyn Stores, occ: &str) {
    let number = format!("number-of-{occ}");
    assert_eq!(store.number_owner(&number).await.unwrap(), None);
    assert!(store.claim_number(&number, "prov_a").await.unwrap(), "free");
    assert!(
        store.claim_number(&number, "prov_a").await.unwrap(),
        "theirs again"
    );
    assert!(
        !store.claim_number(&number, "prov_b").await.unwrap(),
        "another's"
    );
    store.release_number(&number, "prov_b").await.unwrap();
    assert_eq!(
        store.number_owner(&number).await.unwrap().as_deref(),
        Some("prov_a"),
        "only its holder lets it go"
    );
    store.release_number(&number, "prov_a").await.unwrap();
    assert_eq!(store.number_owner(&number).await.unwrap(), None);
    assert!(
        store.claim_number(&number, "prov_b").await.unwrap(),
        "free again"
    );
}

async fn shifts(store: &dyn Stores, occ: &str) {
    let s = shift(occ);
    assert!(store.put_shift_if_new(&s).await.unwrap(), "created");
    assert!(!store.put_shift_if_new(&s).await.unwrap(), "only if absent");
    let won = store.accept(occ, "emp_a", "sms", None).await.unwrap();
    assert_eq!(won, AcceptWrite::Won);
    for who in ["emp_b", "emp_a"] {
        let taken = store.accept(occ, who, "phone", Some(1)).await.unwrap();
        let filled_by = "emp_a".to_string();
        assert_eq!(taken, AcceptWrite::Taken { filled_by }, "accepted once");
    }
    let read = store.get_shift(occ).await.unwrap().unwrap();
    assert_eq!(read.status, ShiftStatus::Assigned);
    assert_eq!(read.assigned_channel.as_deref(), Some("sms"));
    assert_eq!(
        read.assigned_attempt, None,
        "the loser's write changed nothing"
    );
    assert!(
        !store.mark_unfilled(occ).await.unwrap(),
        "only an open shift"
    );
    // The notes a shift keeps for its call log read back as written.
    let held = crate::records::Held {
        attempt: 1,
        employee_id: "emp_b".into(),
        first_name: "Bob".into(),
        reason: callout_core::decide::HoldReason::QuietHours,
        until: chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap(),
    };
    store.set_held(occ, &held).await.unwrap();
    let stalled = crate::records::Stalled {
        task: "dial".into(),
        attempt: Some(1),
        reason: "Twilio refused the account".into(),
        at: chrono::DateTime::from_timestamp(1_900_000_001, 0).unwrap(),
    };
    store.set_stalled(occ, &stalled).await.unwrap();
    let read = store.get_shift(occ).await.unwrap().unwrap();
    assert_eq!((read.held, read.stalled), (Some(held), Some(stalled)));
    let unknown = format!("{occ}-none");
    assert!(store.get_shift(&unknown).await.unwrap().is_none());
    assert!(store.accept(&unknown, "emp_a", "sms", None).await.is_err());

    let open = format!("{occ}-open");
    store.put_shift_if_new(&shift(&open)).await.unwrap();
    store.add_decliner(&open, "emp_b").await.unwrap();
    store.add_decliner(&open, "emp_b").await.unwrap();
    assert!(store.mark_unfilled(&open).await.unwrap());
    assert!(!store.mark_unfilled(&open).await.unwrap(), "once");
    let read = store.get_shift(&open).await.unwrap().unwrap();
    assert_eq!(read.status, ShiftStatus::UnfilledAfterCalls);
    assert_eq!(read.declined.len(), 1, "a set");
    // Unfilled after calls, the shift can still be taken.
    let late = store.accept(&open, "emp_b", "sms", None).await.unwrap();
    assert_eq!(late, AcceptWrite::Won);
}

async fn attempts(store: &dyn Stores, occ: &str) {
    let occ = &format!("{occ}-calls");
    let s = shift(occ);
    store.put_shift_if_new(&s).await.unwrap();
    for k in [1, 0] {
        assert!(store.create_attempt(&attempt(&s, k)).await.unwrap());
    }
    assert!(
        !store.create_attempt(&attempt(&s, 0)).await.unwrap(),
        "once"
    );
    // A call's attempt is written with its offer in the call-back line's index.
    let first = attempt(&s, 0);
    let offered = store.offers_for(&first.phone).await.unwrap();
    assert!(
        offered
            .iter()
            .any(|o| o.occurrence_id == *occ && o.employee_id == first.employee_id && !o.texted),
        "the offer with the attempt: {offered:?}"
    );
    let listed: Vec<u32> = store
        .list_attempts(occ)
        .await
        .unwrap()
        .iter()
        .map(|a| a.attempt)
        .collect();
    assert_eq!(listed, [0, 1], "in attempt order");
    let (sh, a) = store.get_shift_and_attempt(occ, 1).await.unwrap();
    assert!(sh.is_some() && a.is_some_and(|a| a.employee_id == "emp_b"));

    // Statuses: the latest by sequence; a final one sticks.
    assert!(store.set_call_sid(occ, 0, "CA0").await.unwrap());
    let st = |seq, terminal| store.record_status(occ, 0, "CA0", "ringing", seq, None, terminal);
    assert!(st(5, false).await.unwrap().is_some());
    assert!(st(3, false).await.unwrap().is_none(), "stale");
    let ended = store
        .record_status(occ, 0, "CA0", "no-answer", 6, Some(20), true)
        .await
        .unwrap()
        .expect("final");
    assert!(ended.ended_at.is_some());
    assert_eq!(ended.duration_secs, Some(20));
    assert!(
        st(7, false).await.unwrap().is_none(),
        "nothing after a final status"
    );

    // The outcome once; the first one stays.
    let first = store.set_outcome(occ, 0, Outcome::NoAnswer, None).await;
    assert!(first.unwrap());
    assert!(!store
        .set_outcome(occ, 0, Outcome::Declined, Some("2"))
        .await
        .unwrap());
    let existing = store.set_outcome_or_existing(occ, 0, Outcome::Busy).await;
    assert_eq!(existing.unwrap(), Some(Some(Outcome::NoAnswer)));
    let missing = store.set_outcome_or_existing(occ, 9, Outcome::Busy).await;
    assert_eq!(missing.unwrap(), Some(None));
    assert!(
        !store.set_call_sid(occ, 0, "CA9").await.unwrap(),
        "has an outcome"
    );
    assert!(
        !store.keep_call_sid(occ, 0, "CA9").await.unwrap(),
        "never replaces a CallSid"
    );
    // A call placed for an attempt that got its outcome meanwhile keeps its CallSid.
    let kept = &format!("{occ}-kept");
    let other = shift(kept);
    store.put_shift_if_new(&other).await.unwrap();
    assert!(store.create_attempt(&attempt(&other, 0)).await.unwrap());
    assert!(store
        .set_outcome(kept, 0, Outcome::Canceled, None)
        .await
        .unwrap());
    assert!(!store.set_call_sid(kept, 0, "CA2").await.unwrap());
    assert!(store.keep_call_sid(kept, 0, "CA2").await.unwrap());
    let read = store.get_attempt(kept, 0).await.unwrap().unwrap();
    assert_eq!(read.call_sid.as_deref(), Some("CA2"));
    assert!(!store.release_attempt(occ, 0).await.unwrap(), "has a call");
    assert!(store.set_winner_outcome(occ, 0).await.unwrap());
    assert!(!store.set_winner_outcome(occ, 0).await.unwrap());
    assert_eq!(
        store.get_attempt(occ, 0).await.unwrap().unwrap().outcome,
        Some(Outcome::Accepted)
    );

    // Advancing once.
    assert!(store.mark_advanced(occ, 0).await.unwrap());
    assert!(!store.mark_advanced(occ, 0).await.unwrap());
    assert!(
        !store.mark_advanced(occ, 9).await.unwrap(),
        "no such attempt"
    );

    // An attempt with neither call nor outcome can be taken back.
    assert!(store.release_attempt(occ, 1).await.unwrap());
    assert!(store.get_attempt(occ, 1).await.unwrap().is_none());
}

async fn claims(store: &dyn Stores, occ: &str) {
    let occ = &format!("{occ}-claims");
    store.put_shift_if_new(&shift(occ)).await.unwrap();
    let t0 = Utc::now() - Duration::minutes(10);
    let claim = |now, stale| store.claim_once(occ, "smsAt", now, stale);
    let first = claim(t0, t0 - Duration::minutes(2)).await.unwrap();
    assert_eq!(first, Claim::Claimed { abandoned: None });
    let busy = claim(t0 + Duration::seconds(30), t0 - Duration::minutes(2));
    match busy.await.unwrap() {
        Claim::InProgress(at) => assert_eq!(at.timestamp_micros(), t0.timestamp_micros()),
        other => panic!("in progress, not {other:?}"),
    }
    let later = t0 + Duration::minutes(5);
    match claim(later, later - Duration::minutes(2)).await.unwrap() {
        Claim::Claimed {
            abandoned: Some(at),
        } => {
            assert_eq!(at.timestamp_micros(), t0.timestamp_micros(), "taken over")
        }
        other => panic!("taken over, not {other:?}"),
    }
    store.complete_once(occ, "smsAt").await.unwrap();
    let done = claim(later + Duration::hours(1), later + Duration::minutes(59));
    assert_eq!(done.await.unwrap(), Claim::Done);
    // A claim given back is claimed afresh.
    claim(t0, t0).await.ok();
    store
        .claim_once(occ, "eventAt", t0, t0 - Duration::minutes(2))
        .await
        .unwrap();
    store.release_once(occ, "eventAt").await.unwrap();
    let again = store.claim_once(occ, "eventAt", t0, t0 - Duration::minutes(2));
    assert_eq!(again.await.unwrap(), Claim::Claimed { abandoned: None });
    let none = format!("{occ}-none");
    let nothing = store.claim_once(&none, "smsAt", t0, t0).await.unwrap();
    assert_eq!(nothing, Claim::Done, "no shift: nothing to do");
}

async fn people_and_webhooks(store: &dyn Stores, occ: &str) {
    let phone = format!("tel:{occ}");
    let windows = Windows {
        window_ms: 3_600_000,
        gap_ms: 60_000,
    };
    let now = Utc::now().timestamp_millis();
    let first = store.let_person_call(&phone, "c1", now, 1, windows).await;
    assert_eq!(first.unwrap(), Ok(()));
    let same = store
        .let_person_call(&phone, "c1", now + 10, 1, windows)
        .await;
    assert_eq!(same.unwrap(), Ok(()), "asked again: counted once");
    let other = store
        .let_person_call(&phone, "c2", now + 20, 1, windows)
        .await;
    assert!(other.unwrap().is_err(), "over the limit: wait");
    // c1 asks again later (a retried placement): decided against the person's other calls,
    // none here (c2 was held back), so allowed again.
    let later = store
        .let_person_call(&phone, "c1", now + 30, 1, windows)
        .await;
    assert_eq!(
        later.unwrap(),
        Ok(()),
        "asked again with nobody else: allowed"
    );

    assert!(store.passes(occ).await.unwrap().is_empty());
    store.record_pass(occ, "emp_a", "sms").await.unwrap();
    store.record_pass(occ, "emp_b", "callback").await.unwrap();
    store.record_pass(occ, "emp_a", "sms").await.unwrap();
    let passed: Vec<String> = store.passes(occ).await.unwrap().into_iter().collect();
    assert_eq!(passed, ["emp_a", "emp_b"], "who passed, once each");
    assert!(store.has_passed(occ, "emp_b").await.unwrap());
    let shift = store.get_shift(occ).await.unwrap().expect("the shift");
    let on_shift: Vec<&str> = shift.passed.iter().map(String::as_str).collect();
    assert_eq!(on_shift, ["emp_a", "emp_b"], "written with the shift");
    let unknown = format!("{occ}_unknown");
    store.record_pass(&unknown, "emp_a", "sms").await.unwrap();
    assert!(
        store.has_passed(&unknown, "emp_a").await.unwrap(),
        "no shift: the pass alone"
    );

    let hook = format!("SM{occ}");
    assert!(!store.webhook_handled(&hook).await.unwrap());
    assert!(store.remember_webhook(&hook).await.unwrap());
    assert!(!store.remember_webhook(&hook).await.unwrap(), "once");
    assert!(store.webhook_handled(&hook).await.unwrap());

    store.set_opted_out(&phone, true).await.unwrap();
    assert!(store.is_opted_out(&phone).await.unwrap());
    store.set_opted_out(&phone, false).await.unwrap();
    assert!(!store.is_opted_out(&phone).await.unwrap());
}

async fn counters(store: &dyn Stores, occ: &str) {
    let provider = format!("prov_{occ}");
    let now = Utc::now();
    let spent = store.spend_speech(&provider, now, 60, 100).await.unwrap();
    assert_eq!(spent, Some((0, 60)));
    let over = store.spend_speech(&provider, now, 50, 100).await.unwrap();
    assert_eq!(over, None, "past the budget: nothing spent");
    assert_eq!(store.speech_used(&provider, now).await.unwrap(), 60);
    store.refund_speech(&provider, now, 60).await.unwrap();
    assert_eq!(store.speech_used(&provider, now).await.unwrap(), 0);
    let fits = store.spend_speech(&provider, now, 100, 100).await.unwrap();
    assert_eq!(fits, Some((0, 100)));

    // Listen: counted up to the minute's limit, then refused by the minute.
    let limit = Window::Minute.listen_limit();
    for _ in 0..limit {
        assert_eq!(store.count_listen(&provider, now).await.unwrap(), Ok(()));
    }
    let refused = store.count_listen(&provider, now).await.unwrap();
    assert_eq!(refused, Err(Window::Minute));
}

/// A coordinator's actions: pause and resume flip once each, call now once, a cancel has the
/// acceptance's condition (one winner between a cancel and an acceptance, either order), and
/// every action done is in the shift's log with who and when; a refused one leaves no trace.
async fn controls(store: &dyn Stores, occ: &str) {
    use crate::records::{Control, ControlAction};
    let act = |action| Control {
        action,
        by: "coordinator@prov_contract".into(),
        at: chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap(),
    };
    let run = format!("{occ}-control");
    store.put_shift_if_new(&shift(&run)).await.unwrap();
    assert!(
        !store
            .control_shift(&run, &act(ControlAction::Resume))
            .await
            .unwrap(),
        "not paused"
    );
    assert!(store
        .control_shift(&run, &act(ControlAction::Pause))
        .await
        .unwrap());
    assert!(
        !store
            .control_shift(&run, &act(ControlAction::Pause))
            .await
            .unwrap(),
        "paused once"
    );
    assert!(store.get_shift(&run).await.unwrap().unwrap().paused);
    assert!(store
        .control_shift(&run, &act(ControlAction::Resume))
        .await
        .unwrap());
    assert!(store
        .control_shift(&run, &act(ControlAction::CallNow))
        .await
        .unwrap());
    assert!(
        !store
            .control_shift(&run, &act(ControlAction::CallNow))
            .await
            .unwrap(),
        "once"
    );
    assert!(store
        .control_shift(&run, &act(ControlAction::Pause))
        .await
        .unwrap());
    assert!(store
        .control_shift(&run, &act(ControlAction::Cancel))
        .await
        .unwrap());
    let read = store.get_shift(&run).await.unwrap().unwrap();
    assert_eq!(read.status, ShiftStatus::Cancelled);
    assert!(!read.paused, "a cancelled shift is not paused");
    assert!(read.called_now);
    let log: Vec<ControlAction> = read.controls.iter().map(|c| c.action).collect();
    use ControlAction::*;
    assert_eq!(log, [Pause, Resume, CallNow, Pause, Cancel]);
    assert_eq!(read.controls[0], act(Pause));
    // Cancelled: nothing more applies, and an acceptance loses.
    assert!(!store.control_shift(&run, &act(Cancel)).await.unwrap());
    assert!(!store.control_shift(&run, &act(Pause)).await.unwrap());
    let late = store.accept(&run, "emp_a", "phone", Some(0)).await.unwrap();
    assert_eq!(late, AcceptWrite::Cancelled);
    assert_eq!(
        store.get_shift(&run).await.unwrap().unwrap().controls.len(),
        5
    );
    // Accepted first: the cancel loses.
    let filled = format!("{occ}-control-filled");
    store.put_shift_if_new(&shift(&filled)).await.unwrap();
    assert_eq!(
        store.accept(&filled, "emp_a", "sms", None).await.unwrap(),
        AcceptWrite::Won
    );
    assert!(!store.control_shift(&filled, &act(Cancel)).await.unwrap());
    let read = store.get_shift(&filled).await.unwrap().unwrap();
    assert_eq!(read.status, ShiftStatus::Assigned);
    assert!(read.controls.is_empty());
    // An unknown shift: nothing written (no item created).
    let unknown = format!("{occ}-control-none");
    assert!(!store.control_shift(&unknown, &act(Pause)).await.unwrap());
    assert!(store.get_shift(&unknown).await.unwrap().is_none());
}
