//! The logs of a whole campaign: JSON lines with the guide's event names, and never a full
//! phone number or a patient's surname.

use callout_sim::Behaviour;
use e2e::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_logs_are_json_with_event_names_and_no_personal_details() {
    let captured = captured_logs();

    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Silent);
    w.phone(&BOB, Behaviour::Decline);
    w.phone(&CAROL, Behaviour::HoldUntilEnded);
    let occ = format!(
        "occ_logs_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    w.wave3_completed(&occ, &[&ALICE, &BOB, &CAROL, &DAN]).await;
    w.wait_answered(&CAROL).await;
    assert_eq!(w.accept_by_sms(&occ, &DAN).await.0, 200);
    w.finished(&occ).await;

    let text = captured.text();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let names: Vec<&str> = lines
        .iter()
        .filter_map(|l| l["fields"]["message"].as_str())
        .collect();
    for expected in [
        "outbound_call_scheduled",
        "outbound_worker_processing",
        "outbound_call_processing",
        "outbound_call_initiated",
        "job_acceptance_start",
        "job_decline_start",
        "no_answer_start",
        "outbound_calls_cancelled",
    ] {
        assert!(names.contains(&expected), "no {expected} in {names:?}");
    }
    for person in [&ALICE, &BOB, &CAROL, &DAN] {
        assert!(
            !text.contains(person.phone),
            "{} appears in full in the logs",
            person.phone
        );
        assert!(
            !text.contains(&person.phone[1..]),
            "{} appears without + in the logs",
            person.phone
        );
    }
    assert!(
        !text.contains("Thompson"),
        "a patient's surname appears in the logs"
    );
    assert!(text.contains("+61*******01"), "masked numbers are logged");
}

/// A proxy in front of the local AWS that answers the first attempt of every other DynamoDB
/// request with `ThrottlingException`, as DynamoDB does when a table is over its throughput.
async fn throttling_proxy(upstream: String) -> (String, Arc<AtomicUsize>) {
    let throttled = Arc::new(AtomicUsize::new(0));
    let count = throttled.clone();
    let seen = AtomicUsize::new(0);
    let url = aws_proxy(upstream, move |request| {
        let throttle = request.is_dynamodb()
            && request.first_attempt()
            && seen.fetch_add(1, Ordering::SeqCst).is_multiple_of(2);
        throttle.then(|| {
            count.fetch_add(1, Ordering::SeqCst);
            AwsFault::DynamoDbThrottling
        })
    })
    .await;
    (url, throttled)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_throttling_is_retried_by_the_sdk_and_visible_in_the_logs() {
    let captured = captured_logs();
    let (proxy, throttled) = throttling_proxy(aws_endpoint()).await;
    // At 60× the lost-call check comes 5 s after a call is placed: throttled writes slow the
    // placing down, and at the tests' usual 600× the check could give up on a call still being
    // placed.
    let w = World::with(|o| {
        o.aws_endpoint = proxy;
        o.time_scale = 60.0;
    })
    .await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Accept);
    let occ = format!(
        "occ_throttled_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let log = w.finished(&occ).await;
    assert_eq!(
        outcomes(&log),
        ["Declined", "Accepted"],
        "the campaign is unaffected"
    );
    assert!(
        throttled.load(Ordering::SeqCst) > 10,
        "requests were throttled"
    );
    let text = captured.text();
    assert!(
        text.lines()
            .any(|l| l.contains("aws_request_retried") && l.contains("dynamodb")),
        "retries are logged"
    );
}
