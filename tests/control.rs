//! Coordinators act on one shift, end to end on the local AWS: a cancel racing a "1" (one
//! winner, in either order), a cancel during a live call (the call ends with the apology),
//! pause then resume, call now, the platform's `ShiftCancelled`, user errors, and the live
//! call log's `ETag` / `If-None-Match`.

use callout_sim::Behaviour;
use e2e::*;
use serde_json::Value;
use std::time::Duration;

/// `POST /api/provider/jobs/{occ}/{action}` as the provider's coordinator.
async fn act(w: &World, occ: &str, action: &str) -> (u16, Value) {
    let r = w
        .http
        .post(format!(
            "{}/api/provider/jobs/{occ}/{action}",
            w.rt.base_url
        ))
        .bearer_auth(w.rt.token(PROVIDER))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// The local runtime's tokens name their coordinator so (`sub`).
const COORDINATOR: &str = "coordinator@prov_1";

fn actions(log: &Value) -> Vec<(String, String)> {
    log["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_string(),
                c["by"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_then_a_cancel_the_cancel_is_told_the_shift_is_filled() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Accept);
    let occ = occ("one_then_cancel");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "ASSIGNED");
    let (status, body) = act(&w, &occ, "cancel").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "the shift is already filled by Alice");
    let log = w.call_log(&occ).await;
    assert_eq!(log["status"], "ASSIGNED");
    assert!(actions(&log).is_empty(), "a refused action leaves no trace");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_during_a_live_call_ends_it_with_the_apology_and_a_late_yes_is_refused() {
    let w = World::new().await;
    w.enable(1, 2).await;
    w.phone(&ALICE, Behaviour::HoldUntilEnded);
    let occ = occ("cancel_live");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    w.wait_answered(&ALICE).await;
    let (status, body) = act(&w, &occ, "cancel").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "CANCELLED");
    assert_eq!(body["by"], COORDINATOR);
    eventually("Alice's call ended", || {
        w.sim.calls_to(ALICE.phone).iter().all(|c| c.ended())
    })
    .await;
    let heard = w.sim.calls_to(ALICE.phone)[0].heard();
    assert!(
        heard
            .last()
            .unwrap()
            .starts_with("Hi Alice, we are sorry: this shift has been cancelled"),
        "{heard:?}"
    );
    // Nothing more is queued: Bob is never rung, and the call log says who cancelled.
    let log = w
        .wait_for(&occ, "the call's outcome", |l| {
            l["calls"][0]["outcome"] == "Canceled" && l["live"].as_array().unwrap().is_empty()
        })
        .await;
    assert_eq!(log["status"], "CANCELLED");
    assert_eq!(actions(&log), [("cancel".into(), COORDINATOR.into())]);
    // A late "yes" by text loses, and says why.
    let (status, body) = w.accept_by_sms(&occ, &BOB).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["cancelled"], true);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(w.sim.calls_to(BOB.phone).is_empty(), "nobody else is rung");
    let cancelled = w.events_of(&occ, "ShiftCancelled", 1).await;
    assert_eq!(cancelled.len(), 1, "ShiftCancelled once");
    assert_eq!(cancelled[0]["detail"]["by"], COORDINATOR);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_and_a_one_at_the_same_moment_have_one_winner() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Accept);
    let occ = occ("cancel_race");
    w.wave3_completed(&occ, &[&ALICE]).await;
    // Alice is listening to the offer and is about to press 1.
    w.wait_answered(&ALICE).await;
    let (status, body) = act(&w, &occ, "cancel").await;
    eventually("Alice's call ended", || {
        w.sim.calls_to(ALICE.phone).iter().all(|c| c.ended())
    })
    .await;
    let log = w.call_log(&occ).await;
    let last_heard = w.sim.calls_to(ALICE.phone)[0]
        .heard()
        .last()
        .cloned()
        .unwrap();
    match status {
        200 => {
            assert_eq!(log["status"], "CANCELLED");
            assert!(log["acceptedBy"].is_null());
            assert!(last_heard.contains("cancelled"), "{last_heard}");
        }
        409 => {
            assert_eq!(body["error"], "the shift is already filled by Alice");
            assert_eq!(log["status"], "ASSIGNED");
            assert!(last_heard.starts_with("Thank you. The shift is yours."));
        }
        other => panic!("{other}: {body}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_holds_calling_and_resume_goes_on_where_it_was() {
    let w = World::new().await;
    // A 30-minute wait: 3 s here, time enough to pause first.
    w.enable(30, 1).await;
    w.phone(&ALICE, Behaviour::Accept);
    let occ = occ("pause");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let (status, body) = act(&w, &occ, "pause").await;
    assert_eq!(
        (status, body["paused"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    let (status, body) = act(&w, &occ, "pause").await;
    assert_eq!(status, 409);
    assert_eq!(body["error"], "calling is already paused");
    // The wait ends: the first turn is held, nobody is rung.
    let log = w
        .wait_for(&occ, "the first turn held", |l| {
            l["waiting"]["reason"] == "paused"
        })
        .await;
    assert_eq!(log["paused"], true);
    assert_eq!(log["waiting"]["firstName"], "Alice");
    assert!(log["nextCallAt"].is_string());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(w.sim.calls().is_empty(), "no call while paused");
    let (status, body) = act(&w, &occ, "resume").await;
    assert_eq!(status, 200, "{body}");
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "ASSIGNED");
    assert_eq!(w.called(&[&ALICE, &BOB]), ["Alice"]);
    assert_eq!(
        actions(&log),
        [
            ("pause".into(), COORDINATOR.into()),
            ("resume".into(), COORDINATOR.into())
        ]
    );
    assert_eq!(w.events_of(&occ, "ShiftCallingPaused", 1).await.len(), 1);
    assert_eq!(w.events_of(&occ, "ShiftCallingResumed", 1).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_now_skips_the_wait_and_calls_once() {
    let w = World::new().await;
    // A 2-hour wait: 12 s here.
    w.enable(120, 1).await;
    w.phone(&ALICE, Behaviour::NoAnswer);
    let occ = occ("call_now");
    w.wave3_completed(&occ, &[&ALICE]).await;
    let log = w.call_log(&occ).await;
    assert!(log["nextCallAt"].is_string(), "{log}");
    let (status, body) = act(&w, &occ, "call-now").await;
    assert_eq!(status, 200, "{body}");
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");
    assert!(!w.schedule_exists(&occ).await, "the wait is over");
    assert_eq!(w.sim.calls_to(ALICE.phone).len(), 1, "called once");
    let (status, body) = act(&w, &occ, "call-now").await;
    assert_eq!(status, 409, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_platforms_shift_cancelled_cancels_the_shift() {
    let w = World::new().await;
    w.enable(30, 1).await;
    let occ = occ("bus_cancel");
    w.wave3_completed(&occ, &[&ALICE]).await;
    let answer = w
        .post_event(serde_json::json!({
            "version": "0", "id": "c1", "detail-type": "ShiftCancelled", "source": "rostering",
            "account": "123456789012", "time": chrono::Utc::now().to_rfc3339(),
            "region": "us-east-1", "resources": [],
            "detail": { "occurrenceId": occ }
        }))
        .await;
    assert_eq!(answer["result"]["status"], "cancelled", "{answer}");
    let log = w.call_log(&occ).await;
    assert_eq!(log["status"], "CANCELLED");
    assert_eq!(actions(&log), [("cancel".into(), "platform".into())]);
    assert!(!w.schedule_exists(&occ).await);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        w.sim.calls().is_empty(),
        "nobody is rung about a cancelled shift"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_errors_are_clear_and_the_call_log_answers_304_while_unchanged() {
    let w = World::new().await;
    w.enable(30, 1).await;
    let (status, body) = act(&w, "occ_unknown_control", "pause").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("no such shift"))
    );
    let occ = occ("etag");
    w.wave3_completed(&occ, &[&ALICE]).await;
    let (status, body) = act(&w, &occ, "resume").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("calling is not paused"))
    );

    let url = format!("{}/api/provider/jobs/{occ}/calls", w.rt.base_url);
    let get = |etag: Option<String>| {
        let mut r = w.http.get(&url).bearer_auth(w.rt.token(PROVIDER));
        if let Some(e) = etag {
            r = r.header("if-none-match", e);
        }
        r.send()
    };
    let first = get(None).await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let again = get(Some(etag.clone())).await.unwrap();
    assert_eq!(again.status(), 304, "unchanged");
    assert!(again.bytes().await.unwrap().is_empty());
    assert_eq!(act(&w, &occ, "pause").await.0, 200);
    let changed = get(Some(etag.clone())).await.unwrap();
    assert_eq!(changed.status(), 200, "changed by the pause");
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    let log: Value = changed.json().await.unwrap();
    assert_eq!(log["paused"], true);
}

/// The live call log and the four buttons in headless Chromium against this world.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and node (tests/browser); run by scripts/browser-test.sh"]
async fn the_live_call_log_in_a_browser() {
    let w = World::new().await;
    // A 2-hour wait (12 s here): the page shows the shift before its first call.
    w.enable(120, 1).await;
    w.phone(&ALICE, Behaviour::HoldUntilEnded);
    let occ = occ("live_browser");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/browser/live-call-log.test.mjs"
    );
    let args = vec![
        script.to_string(),
        w.rt.base_url.clone(),
        w.rt.token(PROVIDER),
        occ.clone(),
    ];
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .args(&args)
            .status()
            .expect("node runs (is Node.js installed?)")
    })
    .await
    .unwrap();
    assert!(status.success(), "the browser test failed: {status}");
    let log = w.call_log(&occ).await;
    assert_eq!(log["status"], "CANCELLED");
    assert!(w.sim.calls_to(BOB.phone).is_empty(), "nobody else is rung");
}
