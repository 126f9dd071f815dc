//! Broadcast calling (`callMode: broadcast`): a round rings up to `broadcastSize` people at
//! once; the first 1 wins, every other live call of the shift is ended, rounds and the call log
//! hold as in sequential mode.

use callout_sim::Behaviour;
use e2e::*;
use serde_json::json;
use std::time::Duration;

async fn broadcast(w: &World, size: u32, rounds: u32) {
    let (status, body) = w
        .patch_settings(
            PROVIDER,
            json!({"enabled": true, "waitMinutes": 1, "maxRounds": rounds,
                   "callMode": "broadcast", "broadcastSize": size}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callMode"], "broadcast", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_ones_in_the_same_second_make_one_winner() {
    let w = World::new().await;
    broadcast(&w, 2, 1).await;
    w.phone(&ALICE, Behaviour::Accept);
    w.phone(&BOB, Behaviour::Accept);
    w.phone(&CAROL, Behaviour::Accept);
    let occ = occ("two_ones");
    w.wave3_completed(&occ, &[&ALICE, &BOB, &CAROL]).await;

    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "ASSIGNED");
    let mut called = w.called(&[&ALICE, &BOB, &CAROL]);
    called.sort_unstable();
    assert_eq!(
        called,
        ["Alice", "Bob"],
        "Alice and Bob rang together, Carol never"
    );
    let outcomes = outcomes(&log);
    assert_eq!(
        outcomes.iter().filter(|o| *o == "Accepted").count(),
        1,
        "one winner: {outcomes:?}"
    );
    let winner = log["acceptedBy"]["employeeId"]
        .as_str()
        .unwrap()
        .to_string();
    let (won, lost) = if winner == ALICE.employee_id {
        (&ALICE, &BOB)
    } else {
        (&BOB, &ALICE)
    };
    eventually("the confirmation SMS", || !w.sim.messages().is_empty()).await;
    assert_eq!(w.events_of(&occ, "ShiftFilled", 1).await.len(), 1);
    let sms = w.sim.messages();
    assert_eq!(sms.len(), 1, "one confirmation SMS: {sms:?}");
    assert_eq!(sms[0].to, won.phone);
    // The other pressed 1 a moment too late (told it was just filled) or had the call ended.
    let theirs = &w.sim.calls_to(lost.phone)[0];
    let told = theirs
        .heard()
        .iter()
        .any(|h| h.contains("just been filled") || h.contains("has now been filled"));
    assert!(
        told || theirs.keys().is_empty() || theirs.status == "completed",
        "{:?}",
        theirs.heard()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.sim.messages().len(), 1);
    assert_eq!(w.events_of(&occ, "ShiftFilled", 1).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rounds_ring_batches_together_and_end_unfilled() {
    let w = World::new().await;
    broadcast(&w, 2, 2).await;
    for p in [&ALICE, &BOB, &CAROL] {
        w.phone(p, Behaviour::Decline);
    }
    let occ = occ("batches");
    w.wave3_completed(&occ, &[&ALICE, &BOB, &CAROL]).await;

    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");
    let calls = log["calls"].as_array().unwrap();
    let seen: Vec<(u64, u64, &str)> = calls
        .iter()
        .map(|c| {
            (
                c["round"].as_u64().unwrap(),
                c["position"].as_u64().unwrap(),
                c["employeeId"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (1, 0, ALICE.employee_id),
            (1, 1, BOB.employee_id),
            (1, 2, CAROL.employee_id),
            (2, 0, ALICE.employee_id),
            (2, 1, BOB.employee_id),
            (2, 2, CAROL.employee_id),
        ]
    );
    assert!(outcomes(&log).iter().all(|o| o == "Declined"), "{log}");
    assert_eq!(
        w.events_of(&occ, "ShiftUnfilledAfterCalls", 1).await.len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_of_a_batch_accepts_while_the_other_still_listens_and_that_call_is_ended() {
    let w = World::new().await;
    broadcast(&w, 2, 1).await;
    w.phone(&ALICE, Behaviour::HoldUntilEnded);
    w.phone(&BOB, Behaviour::Accept);
    let occ = occ("batch_ended");
    w.wave3_completed(&occ, &[&ALICE, &BOB, &CAROL]).await;

    let log = w.finished(&occ).await;
    assert_eq!(log["acceptedBy"]["employeeId"], BOB.employee_id, "{log}");
    let mut called = w.called(&[&ALICE, &BOB, &CAROL]);
    called.sort_unstable();
    assert_eq!(called, ["Alice", "Bob"], "Carol is never called");
    let alice = &w.sim.calls_to(ALICE.phone)[0];
    assert!(
        alice.keys().is_empty(),
        "Alice pressed nothing: her call was ended"
    );
    assert_eq!(log["calls"][0]["outcome"], "Canceled", "{log}");
}

/// With skipDecliners, a batch whose member declined in round 1 rings the others in round 2;
/// the skipped turn is in the call log without a call, and the batch still ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decliner_is_skipped_in_the_next_rounds_batch() {
    let w = World::new().await;
    let (status, body) = w
        .patch_settings(
            PROVIDER,
            json!({"enabled": true, "waitMinutes": 1, "maxRounds": 2, "callMode": "broadcast",
                   "broadcastSize": 2, "skipDecliners": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::NoAnswer);
    let occ = occ("skip_batch");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;

    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS", "{log}");
    assert_eq!(
        w.sim.calls_to(ALICE.phone).len(),
        1,
        "Alice declined: not rung again"
    );
    assert_eq!(
        w.sim.calls_to(BOB.phone).len(),
        2,
        "Bob rung in both rounds"
    );
    assert_eq!(
        w.events_of(&occ, "ShiftUnfilledAfterCalls", 1).await.len(),
        1
    );
}
