//! Per-person pacing: nobody is rung more than `maxCallsPerPersonPerHour` times in an hour
//! (across every shift and provider), nor twice within a minute. A call over the limit waits;
//! it is not skipped, and the call log shows why. (TIME_SCALE 600: an hour is 6 s here.)

use callout_sim::Behaviour;
use e2e::*;
use serde_json::json;
use std::time::{Duration, Instant};

const SCALED_HOUR: Duration = Duration::from_millis((3600.0 / TIME_SCALE * 1000.0) as u64);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_over_the_hourly_limit_waits_and_is_then_called() {
    let w = World::new().await;
    let (status, body) = w
        .patch_settings(
            PROVIDER,
            json!({"enabled": true, "waitMinutes": 1, "maxRounds": 2,
                   "maxCallsPerPersonPerHour": 1}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    w.phone(&ALICE, Behaviour::Decline);
    let occ = occ("hourly");
    w.wave3_completed(&occ, &[&ALICE]).await;

    // Round 2 comes after the round pause (0.1 s here), but Alice was rung within the hour:
    // the call waits, and the call log says why.
    let waiting = w
        .wait_for(&occ, "the second call to be held", |log| {
            log["waiting"]["reason"] == "maxCallsPerPersonPerHour"
        })
        .await;
    let held_seen = Instant::now();
    assert_eq!(waiting["waiting"]["employeeId"], ALICE.employee_id);
    assert_eq!(waiting["waiting"]["attempt"], 1);
    assert!(waiting["waiting"]["until"].is_string(), "{waiting}");
    assert_eq!(w.sim.calls_to(ALICE.phone).len(), 1);

    let log = w.finished(&occ).await;
    assert_eq!(
        outcomes(&log),
        ["Declined", "Declined"],
        "not skipped: {log}"
    );
    assert!(log["waiting"].is_null(), "{log}");
    let calls = w.sim.calls_to(ALICE.phone);
    let gap = calls[1].created.duration_since(calls[0].created).unwrap();
    assert!(
        gap >= SCALED_HOUR.mul_f64(0.95),
        "the second call came {gap:?} after the first (an hour is {SCALED_HOUR:?})"
    );
    assert!(held_seen.elapsed() < Duration::from_secs(30));
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");
}

/// The limit counts calls from every shift: Alice, rung for one shift, waits for the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_counts_calls_for_every_shift() {
    let w = World::new().await;
    let (status, body) = w
        .patch_settings(
            PROVIDER,
            json!({"enabled": true, "waitMinutes": 1, "maxRounds": 1,
                   "maxCallsPerPersonPerHour": 1}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    w.phone(&ALICE, Behaviour::Decline);
    let (first, second) = (occ("first"), occ("second"));
    w.wave3_completed(&first, &[&ALICE]).await;
    w.finished(&first).await;
    w.wave3_completed(&second, &[&ALICE]).await;
    let waiting = w
        .wait_for(&second, "the call to be held", |log| {
            !log["waiting"].is_null()
        })
        .await;
    assert_eq!(waiting["waiting"]["reason"], "maxCallsPerPersonPerHour");
    let log = w.finished(&second).await;
    assert_eq!(outcomes(&log), ["Declined"]);
    assert_eq!(w.sim.calls_to(ALICE.phone).len(), 2);
}
