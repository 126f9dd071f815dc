//! The inbound channels' steps: offers found by phone, YES (the same acceptance as every
//! channel), NO (a pass: never called about the shift again), STOP / START (no texts, then
//! texts again), a replayed webhook doing nothing, and the follow-up text after a missed call.

use super::*;
use crate::service::{
    accept_inbound, on_final_status, open_offers, pass, run_task, set_opted_out, webhook_once,
    Acceptance, Line,
};
use callout_core::campaign::CallStatus;
use callout_core::model::ShiftStatus;

const BOB: &str = "+61400000002";
const DAN: &str = "+61400000004";

/// Bob's call about `occ` (its attempt as the dialer writes it, the call at Twilio left out:
/// his calls are paced, `hold`) went unanswered; what followed has run.
async fn bob_missed_a_call(w: &World, occ: &str) {
    bob_missed_a_call_of(w, &open_shift(occ)).await;
}

async fn bob_missed_a_call_of(w: &World, shift: &crate::records::Shift) {
    let (shift, occ) = (shift.clone(), shift.occurrence_id());
    stored(w, &shift).await;
    let slot = shift.plan().slot(0).unwrap();
    let a = crate::records::Attempt::new(&shift, 0, slot, "Hi Bob".into(), None);
    assert!(w.app.store.create_attempt(&a).await.unwrap());
    let sid = format!("CA{occ}");
    assert!(w.app.store.set_call_sid(occ, 0, &sid).await.unwrap());
    on_final_status(&w.app, occ, 0, &sid, CallStatus::NoAnswer, 10, None)
        .await
        .unwrap();
    pump(w).await;
}

fn texts_to(w: &World, phone: &str) -> usize {
    w.sim.messages().iter().filter(|m| m.to == phone).count()
}

#[tokio::test]
async fn a_missed_call_follows_the_sms_setting_its_shift_kept_at_its_start() {
    let w = world().await;
    calling(&w, |s| s.sms_follow_up = true).await;
    // Started with follow-up texts off; the provider turned them on since: the call's end
    // goes by the shift (read from its attempt), not by a read of the provider's settings.
    let mut shift = open_shift("occ_kept_off");
    shift.settings.sms_follow_up = Some(false);
    bob_missed_a_call_of(&w, &shift).await;
    assert_eq!(texts_to(&w, BOB), 0, "no text: the shift kept it off");
    let mut shift = open_shift("occ_kept_on");
    shift.settings.sms_follow_up = Some(true);
    bob_missed_a_call_of(&w, &shift).await;
    assert_eq!(texts_to(&w, BOB), 1, "the shift kept it on");
}

#[tokio::test]
async fn yes_by_text_takes_the_offered_shift_through_the_one_acceptance() {
    let w = world().await;
    calling(&w, |_| {}).await;
    stored(&w, &open_shift("occ_yes")).await;
    run_task(&w.app, &Task::dial("occ_yes", 0)).await.unwrap();
    let offers = open_offers(&w.app, BOB, &Line::Platform).await.unwrap();
    assert_eq!(offers.len(), 1, "the call's offer is found by Bob's number");
    assert_eq!(offers[0].offer.occurrence_id, "occ_yes");
    let taken = accept_inbound(&w.app, "occ_yes", "emp_2", "sms")
        .await
        .unwrap();
    assert_eq!(taken, Acceptance::Accepted);
    let shift = w.app.store.get_shift("occ_yes").await.unwrap().unwrap();
    assert_eq!(shift.status, ShiftStatus::Assigned);
    assert!(open_offers(&w.app, BOB, &Line::Platform)
        .await
        .unwrap()
        .is_empty());
    // Dan's YES comes too late.
    let late = accept_inbound(&w.app, "occ_yes", "emp_4", "sms")
        .await
        .unwrap();
    assert_eq!(
        late,
        Acceptance::Taken {
            filled_by: "emp_2".into()
        }
    );
}

#[tokio::test]
async fn no_by_text_is_a_pass_and_the_person_is_not_called_about_the_shift() {
    let w = world().await;
    calling(&w, |_| {}).await;
    stored(&w, &open_shift("occ_no")).await;
    pass(&w.app, "occ_no", "emp_2", "sms").await.unwrap();
    assert!(w.app.store.has_passed("occ_no", "emp_2").await.unwrap());
    run_task(&w.app, &Task::dial("occ_no", 0)).await.unwrap();
    pump(&w).await;
    assert!(w.sim.calls_to(BOB).is_empty(), "Bob passed: not rung");
    assert_eq!(w.sim.calls_to(DAN).len(), 1, "the campaign went on to Dan");
}

#[tokio::test]
async fn a_missed_call_is_followed_by_one_text_and_stop_and_start_switch_texts_off_and_on() {
    let w = world().await;
    calling(&w, |s| s.sms_follow_up = true).await;
    bob_missed_a_call(&w, "occ_text").await;
    assert_eq!(texts_to(&w, BOB), 1, "one follow-up text");
    let offers = open_offers(&w.app, BOB, &Line::Platform).await.unwrap();
    assert!(offers.iter().any(|o| o.offer.texted), "the texted offer");

    // STOP: the next shift's follow-up is not sent, and the call log says why.
    set_opted_out(&w.app, BOB, true).await.unwrap();
    bob_missed_a_call(&w, "occ_text2").await;
    assert_eq!(texts_to(&w, BOB), 1, "no text after STOP");
    let log = w.app.store.list_texts("occ_text2").await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].delivery.status, "refused");

    // START: texts again.
    set_opted_out(&w.app, BOB, false).await.unwrap();
    bob_missed_a_call(&w, "occ_text3").await;
    assert_eq!(texts_to(&w, BOB), 2);
}

#[tokio::test]
async fn a_replayed_webhook_does_nothing() {
    let w = world().await;
    let mut runs = 0;
    for _ in 0..2 {
        webhook_once(&w.app, "SM123", async {
            runs += 1;
            Ok(())
        })
        .await
        .unwrap();
    }
    assert_eq!(runs, 1);
}
