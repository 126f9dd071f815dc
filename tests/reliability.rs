//! Nothing lost, nothing twice: races, duplicated and reordered deliveries, crashes, lost
//! callbacks, throttling, failing speech, forged requests and poison tasks, each injected on
//! the local AWS with the simulated Twilio. docs/RELIABILITY.md maps each fault to its test.

use callout_sim::{Behaviour, CallbackDelivery, Refusal, RestOp, SimConfig, TtsFailure};
use e2e::occ as new_occ;
use e2e::*;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

// ------------------------------------------------------------------ 1. single acceptance

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_yeses_at_once_give_exactly_one_winner_twenty_times_over() {
    let w = World::new().await;
    for round in 0..20 {
        let sms_before = w.sim.messages().len();
        let occ = new_occ(&format!("race{round}"));
        let staff = w.quiet_shift(&occ, 50).await;
        for k in 0..25 {
            w.add_attempt(&occ, k).await;
        }
        let mut presses = Vec::new();
        for k in 0..25u32 {
            let req = w.signed(
                &format!(
                    "/api/outbound/response?occurrenceId={occ}&attempt={k}&employeeId=emp_{k:03}"
                ),
                &[
                    ("CallSid", &format!("CA{k:032}")),
                    ("Digits", "1"),
                    ("CallStatus", "in-progress"),
                ],
            );
            presses.push(tokio::spawn(async move {
                let r = req.send().await.unwrap();
                assert_eq!(r.status(), 200);
                r.text().await.unwrap().contains("The shift is yours")
            }));
        }
        let mut replies = Vec::new();
        for (id, _) in staff.iter().skip(25) {
            let http = w.http.clone();
            let url = format!("{}/api/jobs/{occ}/acceptance", w.rt.base_url);
            let id = id.clone();
            replies.push(tokio::spawn(async move {
                let r = http
                    .post(url)
                    .json(&serde_json::json!({"employeeId": id, "channel": "sms"}))
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let body: Value = r.json().await.unwrap();
                assert!(
                    status == 200 || (status == 409 && body["accepted"] == false),
                    "{status} {body}"
                );
                status == 200
            }));
        }
        let mut winners = 0;
        for p in presses {
            winners += p.await.unwrap() as usize;
        }
        for r in replies {
            winners += r.await.unwrap() as usize;
        }
        assert_eq!(
            winners, 1,
            "round {round}: exactly one person is told the shift is theirs"
        );

        let log = w.call_log(&occ).await;
        let winner = log["acceptedBy"]["employeeId"]
            .as_str()
            .unwrap()
            .to_string();
        let outcomes = outcomes(&log);
        let accepted = outcomes.iter().filter(|o| *o == "Accepted").count();
        if log["acceptedBy"]["channel"] == "phone" {
            assert_eq!(accepted, 1, "{outcomes:?}");
        } else {
            assert_eq!(accepted, 0, "{outcomes:?}");
        }
        assert!(
            outcomes.iter().all(|o| o == "Accepted" || o == "Canceled"),
            "{outcomes:?}"
        );
        let winner_phone = staff
            .iter()
            .find(|(id, _)| *id == winner)
            .unwrap()
            .1
            .clone();
        // A phone winner's confirmation is sent from the queue, just after the call's answer.
        eventually("the confirmation", || w.sim.messages().len() > sms_before).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sms = w.sim.messages()[sms_before..].to_vec();
        assert_eq!(sms.len(), 1, "round {round}: one confirmation: {sms:?}");
        assert_eq!(sms[0].to, winner_phone, "round {round}: to the winner");
    }
    assert_eq!(
        w.sim.messages().len(),
        20,
        "one confirmation per shift, nobody else"
    );
    let filled = w
        .outbound_events()
        .await
        .into_iter()
        .filter(|e| e["detail-type"] == "ShiftFilled")
        .count();
    assert_eq!(filled, 20, "one ShiftFilled per shift");
}

// ------------------------------------------------------------------ 2. at-least-once delivery

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dial_task_delivered_twice_at_once_places_one_call() {
    let w = World::with(|o| o.duplicate_deliveries = true).await;
    w.enable(1, 2).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Decline);
    let occ = new_occ("dupdial");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let log = w.finished(&occ).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(w.called(&[&ALICE, &BOB]), ["Alice", "Bob", "Alice", "Bob"]);
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");
    assert_eq!(
        w.sim.tts_requests(),
        3,
        "no speech paid for twice: each greeting and the shift's words once"
    );

    // The same task twice in one batch, and that batch delivered twice at once.
    let occ2 = new_occ("dupbatch");
    w.phone(&CAROL, Behaviour::Accept);
    w.wave3_completed(&occ2, &[&CAROL]).await;
    w.finished(&occ2).await;
    assert_eq!(w.sim.calls_to(CAROL.phone).len(), 1);
    let record = |id: &str| serde_json::json!({"messageId": id, "receiptHandle": id, "body": format!(r#"{{"occurrenceId":"{occ2}","attempt":0}}"#), "attributes": {"ApproximateReceiveCount": "2"}, "messageAttributes": {}, "eventSource": "aws:sqs", "eventSourceARN": "arn", "awsRegion": "us-east-1"});
    let batch: callout_app::aws_lambda_events::event::sqs::SqsEvent =
        serde_json::from_value(serde_json::json!({"Records": [record("m1"), record("m2")]}))
            .unwrap();
    let invoke = |b| {
        callout_app::handlers::dialer(
            &w.rt.app,
            callout_app::lambda_runtime::LambdaEvent::new(b, Default::default()),
        )
    };
    let (a, b) = tokio::join!(invoke(batch.clone()), invoke(batch));
    assert!(a.unwrap().batch_item_failures.is_empty() && b.unwrap().batch_item_failures.is_empty());
    assert_eq!(
        w.sim.calls_to(CAROL.phone).len(),
        1,
        "redelivered tasks never call again"
    );
}

/// Two copies of one dial task at once while Twilio is unavailable: the copy that placed
/// nothing takes the attempt back and fails; the copy that found the call still being placed
/// must fail too (be retried), or its success would delete the only message left to call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_of_a_dial_task_whose_call_is_still_being_placed_is_retried_not_dropped() {
    let w = World::new().await;
    let occ = new_occ("copyinflight");
    w.quiet_shift(&occ, 1).await;
    w.sim.fail_next_rest(RestOp::CreateCall, 503, 3);
    let record = |id: &str| serde_json::json!({"messageId": id, "receiptHandle": id, "body": format!(r#"{{"occurrenceId":"{occ}","attempt":0}}"#), "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "eventSource": "aws:sqs", "eventSourceARN": "arn", "awsRegion": "us-east-1"});
    let batch: callout_app::aws_lambda_events::event::sqs::SqsEvent =
        serde_json::from_value(serde_json::json!({"Records": [record("m1"), record("m2")]}))
            .unwrap();
    let resp = callout_app::handlers::dialer(
        &w.rt.app,
        callout_app::lambda_runtime::LambdaEvent::new(batch, Default::default()),
    )
    .await
    .unwrap();
    assert_eq!(resp.batch_item_failures.len(), 2, "both copies come back");
    assert!(w.call_log(&occ).await["calls"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(w.sim.calls().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_and_reordered_status_callbacks_move_the_campaign_once() {
    let w = World::new().await;
    w.sim
        .set_callback_delivery(CallbackDelivery::DuplicatedAndReordered);
    w.enable(1, 2).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Busy);
    w.phone(&CAROL, Behaviour::Silent);
    let occ = new_occ("reorder");
    w.wave3_completed(&occ, &[&ALICE, &BOB, &CAROL]).await;
    let log = w.finished(&occ).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        w.called(&[&ALICE, &BOB, &CAROL]),
        ["Alice", "Bob", "Carol", "Alice", "Bob", "Carol"]
    );
    assert_eq!(
        outcomes(&log),
        [
            "Declined",
            "Busy",
            "No Answer",
            "Declined",
            "Busy",
            "No Answer"
        ]
    );
    let statuses: Vec<_> = log["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["twilioStatus"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        statuses,
        [
            "completed",
            "busy",
            "completed",
            "completed",
            "busy",
            "completed"
        ],
        "the final status wins over stale ones"
    );
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");
    let unfilled = w
        .outbound_events()
        .await
        .into_iter()
        .filter(|e| e["detail-type"] == "ShiftUnfilledAfterCalls")
        .count();
    assert_eq!(unfilled, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_retried_by_twilio_gets_the_same_answer_and_no_second_effect() {
    let w = World::new().await;
    let occ = new_occ("retry");
    w.quiet_shift(&occ, 3).await;
    for k in 0..3 {
        w.add_attempt(&occ, k).await;
    }
    let send = |path: String, digits: &'static str| {
        let req = w.signed(&path, &[("CallSid", "CA0"), ("Digits", digits)]);
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let decline = format!("/api/outbound/response?occurrenceId={occ}&attempt=0");
    assert_eq!(send(decline.clone(), "2").await, send(decline, "2").await);
    let timeout = format!("/api/outbound/timeout?occurrenceId={occ}&attempt=1");
    assert_eq!(send(timeout.clone(), "").await, send(timeout, "").await);
    let accept = format!("/api/outbound/response?occurrenceId={occ}&attempt=2&employeeId=emp_002");
    let first = send(accept.clone(), "1").await;
    assert!(first.contains("The shift is yours"));
    assert_eq!(first, send(accept, "1").await);
    let log = w.call_log(&occ).await;
    assert_eq!(outcomes(&log), ["Declined", "No Answer", "Accepted"]);
    // The confirmation goes out from the queue, once.
    eventually("the confirmation", || !w.sim.messages().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(w.sim.messages().len(), 1, "one confirmation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_confirmation_sms_is_sent_once_when_twilio_fails_at_first() {
    // The dialer finishes an acceptance from the queue; a failed try comes back after the
    // queue's visibility timeout (1 s here).
    let w = World::with(|o| o.visibility_timeout_secs = Some(1)).await;
    // Three failures exhaust the adapter's own retries; the queue finishes the job.
    w.sim.fail_next_rest(RestOp::Message, 500, 3);
    let occ = new_occ("smsretry");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let (status, _) = w.accept_by_sms(&occ, &BOB).await;
    assert_eq!(status, 200, "the acceptance itself stands");
    eventually("the confirmation", || !w.sim.messages().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(w.sim.messages().len(), 1);
    let filled = w
        .outbound_events()
        .await
        .into_iter()
        .filter(|e| e["detail-type"] == "ShiftFilled")
        .count();
    assert_eq!(filled, 1);
}

// ------------------------------------------------------------------ 3. crash windows

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dialer_that_dies_after_placing_the_call_does_not_call_twice() {
    let w = World::with(|o| o.visibility_timeout_secs = Some(1)).await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Accept);
    let occ = new_occ("crash");
    w.rt.app
        .faults
        .arm(callout_app::faults::CRASH_AFTER_CALL_PLACED, &occ);
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let log = w.finished(&occ).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(w.called(&[&ALICE, &BOB]), ["Alice", "Bob"], "one call each");
    assert_eq!(outcomes(&log), ["Declined", "Accepted"]);
    assert!(
        log["calls"][0]["callSid"]
            .as_str()
            .unwrap()
            .starts_with("CA"),
        "the callbacks filled in the CallSid"
    );
}

// ------------------------------------------------------------------ 4. lost callbacks

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_final_callbacks_are_recovered_by_asking_twilio() {
    // One call slot: a lost callback that leaked its slot would stall everything after it.
    let w = World::with(|o| o.max_concurrent_calls = 1).await;
    w.sim.set_callback_delivery(CallbackDelivery::DropFinal);
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::NoAnswer);
    w.phone(&CAROL, Behaviour::Accept);
    let occ = new_occ("lost");
    w.wave3_completed(&occ, &[&ALICE, &BOB, &CAROL]).await;
    // Every call's final status, none of which arrived as a callback, is recovered.
    let log = w
        .wait_for(&occ, "every final status", |log| {
            log["status"] == "ASSIGNED"
                && log["calls"].as_array().unwrap().len() == 3
                && log["calls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|c| c["twilioStatus"] != "in-progress" && !c["endedAt"].is_null())
        })
        .await;
    assert_eq!(w.called(&[&ALICE, &BOB, &CAROL]), ["Alice", "Bob", "Carol"]);
    assert!(w.sim.calls().iter().all(|c| c
        .events
        .iter()
        .any(|e| matches!(e, callout_sim::CallEvent::CallbackDropped(_)))));
    assert_eq!(outcomes(&log), ["Declined", "No Answer", "Accepted"]);
    let statuses: Vec<_> = log["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["twilioStatus"].clone())
        .collect();
    assert_eq!(statuses, ["completed", "no-answer", "completed"]);
}

// ------------------------------------------------------------------ 5. pacing and Twilio errors

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calls_in_progress_never_exceed_the_account_limit() {
    let slow = SimConfig {
        step_delay: Duration::from_millis(60),
        ..SimConfig::default()
    };
    let w = World::build(slow, |o| o.max_concurrent_calls = 2).await;
    w.enable(1, 1).await;
    let staff: Vec<Person> = (0..12)
        .map(|i| Person {
            employee_id: Box::leak(format!("emp_{i}").into_boxed_str()),
            first_name: "Sam",
            phone: Box::leak(format!("+6142000{i:04}").into_boxed_str()),
        })
        .collect();
    for p in &staff {
        w.phone(p, Behaviour::Silent);
    }
    let shifts: Vec<String> = (0..6).map(|i| new_occ(&format!("pace{i}"))).collect();
    for (i, occ) in shifts.iter().enumerate() {
        w.wave3_completed(occ, &[&staff[2 * i], &staff[2 * i + 1]])
            .await;
    }
    let mut most = 0;
    let start = std::time::Instant::now();
    while w.sim.calls().len() < 12 || w.sim.live_calls() > 0 {
        // As Twilio counts them: a call's slot may go to the next call as soon as its final
        // status is sent, before the simulator hears our answer to that callback.
        most = most.max(w.sim.calls_in_progress());
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "tasks over the limit were lost: {} calls",
            w.sim.calls().len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(most <= 2, "{most} calls at once");
    assert_eq!(most, 2, "the limit is used");
    // Tasks over the limit waited in line and were woken as calls ended. Waiting costs a few
    // DynamoDB requests per wait (18–25 a call here, all told, depending on races), never a
    // retry loop (which cost 50 and more a call).
    let b = w.rt.budget.lock().unwrap().clone();
    let dialer = b.0["dialer"].requests.get("dynamodb").copied().unwrap_or(0);
    assert!(dialer <= 12 * 40, "{dialer} DynamoDB requests for 12 calls");
    for occ in &shifts {
        assert_eq!(w.finished(occ).await["status"], "UNFILLED_AFTER_CALLS");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_woken_task_whose_shift_was_filled_meanwhile_passes_the_slot_on() {
    // TIME_SCALE 6: calls start 10 s after the event and the periodic check of a call comes
    // 50 s after it was placed, beyond what `finished` waits, so only a wake can call Carol.
    let w = World::with(|o| {
        o.max_concurrent_calls = 1;
        o.time_scale = 6.0;
    })
    .await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::HoldUntilEnded);
    w.phone(&BOB, Behaviour::Decline);
    w.phone(&CAROL, Behaviour::Decline);
    let (a, b, c) = (new_occ("lineA"), new_occ("lineB"), new_occ("lineC"));
    // Alice's call holds the only slot; B's and then C's first call wait in line.
    w.wave3_completed(&a, &[&ALICE]).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    w.wave3_completed(&b, &[&BOB]).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    w.wave3_completed(&c, &[&CAROL]).await;
    w.wait_answered(&ALICE).await;
    let store = &w.rt.app.store;
    let start = std::time::Instant::now();
    let line = loop {
        let line = store.oldest_waiters(10).await.unwrap();
        if line.len() == 2 {
            break line;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the tasks never waited"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(line[0].task.occurrence_id, b, "B waits first");
    // B is taken by SMS while its task waits; then A is taken by SMS, which ends Alice's call.
    assert_eq!(w.accept_by_sms(&b, &BOB).await.0, 200);
    assert_eq!(w.accept_by_sms(&a, &ALICE).await.0, 200);
    // The ended call wakes B's task (first in line), which has nothing to do and wakes C's:
    // Carol is called now, not when C's task would look for itself 15 minutes later.
    let log = w.finished(&c).await;
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");
    assert_eq!(w.called(&[&ALICE, &BOB, &CAROL]), ["Alice", "Carol"]);
    assert!(w.rt.app.store.oldest_waiters(10).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_whose_release_was_lost_does_not_stall_the_line() {
    // The only slot is held by a call whose release was lost (its lease runs 3 s); no call is
    // live to end and wake the line, so only the line's watchdog can get Alice called.
    let w = World::with(|o| o.max_concurrent_calls = 1).await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    let now = chrono::Utc::now().timestamp_millis();
    let store = &w.rt.app.store;
    assert!(store
        .take_call_slot(0, "lost#0#release", now, Duration::from_secs(3))
        .await
        .unwrap());
    let occ = new_occ("leak");
    w.wave3_completed(&occ, &[&ALICE]).await;
    let log = w.finished(&occ).await;
    assert_eq!(outcomes(&log), ["Declined"]);
    assert!(store.oldest_waiters(10).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_is_retried_and_a_refused_number_fails_to_the_next_person() {
    let w = World::with(|o| o.visibility_timeout_secs = Some(1)).await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Decline);
    w.phone(&CAROL, Behaviour::Accept);
    // Alice's call: throttled twice (20429), then five 503s (beyond the adapter's retries, so the
    // queue retries the task); Bob's number is refused (21211).
    w.sim.fail_next_rest(RestOp::CreateCall, 429, 2);
    let occ = new_occ("throttle");
    w.wave3_completed(&occ, &[&ALICE, &BOB, &CAROL]).await;
    eventually("Alice's call", || !w.sim.calls().is_empty()).await;
    w.sim.fail_next_rest(RestOp::CreateCall, 503, 5);
    w.sim.fail_next_rest(RestOp::CreateCall, 400, 1);
    // The 503s hit Bob's call; it is retried from the queue until Twilio refuses the number.
    let log = w.finished(&occ).await;
    assert_eq!(
        outcomes(&log),
        ["Declined", "Failed", "Accepted"],
        "{}",
        w.transcript()
    );
    assert_eq!(w.called(&[&ALICE, &BOB, &CAROL]), ["Alice", "Carol"]);
}

// ------------------------------------------------------------------ 6. speech failures

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_speech_still_calls_with_say_and_a_later_success_fills_the_cache() {
    let w = World::with(|o| o.tts_budget = Duration::from_millis(300)).await;
    w.enable(1, 1).await;
    for (i, failure) in [
        TtsFailure::RateLimited,
        TtsFailure::Slow(Duration::from_secs(2)),
        TtsFailure::Malformed,
        TtsFailure::ServerError,
    ]
    .into_iter()
    .enumerate()
    {
        w.sim.set_tts_failure(Some(failure.clone()));
        w.phone(&ALICE, Behaviour::Accept);
        let occ = new_occ(&format!("tts{i}"));
        w.wave3_completed(&occ, &[&ALICE]).await;
        w.finished(&occ).await;
        let call = w.sim.calls().last().unwrap().clone();
        assert_eq!(call.heard()[0], default_offer("Alice"), "{failure:?}");
        assert!(
            call.events.iter().any(|e| matches!(
                e,
                callout_sim::CallEvent::Heard {
                    via: callout_sim::Via::Say,
                    ..
                }
            )),
            "{failure:?}"
        );
    }
    w.sim.set_tts_failure(None);
    let occ = new_occ("ttsok");
    w.wave3_completed(&occ, &[&ALICE]).await;
    w.finished(&occ).await;
    let requests = w.sim.tts_requests();
    let occ = new_occ("ttscached");
    w.wave3_completed(&occ, &[&ALICE]).await;
    w.finished(&occ).await;
    assert_eq!(
        w.sim.tts_requests(),
        requests,
        "the same words come from the cache"
    );
    let call = w.sim.calls().last().unwrap().clone();
    assert!(call.events.iter().any(|e| matches!(
        e,
        callout_sim::CallEvent::Heard {
            via: callout_sim::Via::Play { .. },
            ..
        }
    )));
}

// ------------------------------------------------------------------ 7. forged requests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_forged_webhooks_are_refused_and_change_nothing() {
    let w = World::new().await;
    let occ = new_occ("forge");
    w.quiet_shift(&occ, 2).await;
    w.add_attempt(&occ, 0).await;
    let base = w.rt.base_url.clone();
    let token = w.sim.config().auth_token.clone();
    let paths = ["response", "status", "timeout", "twiml"];
    let form = |digits: &str| {
        vec![
            ("CallSid".to_string(), "CA1".to_string()),
            ("Digits".into(), digits.into()),
            ("CallStatus".into(), "completed".into()),
            ("SequenceNumber".into(), "9".into()),
        ]
    };
    let mut sent = 0;
    for i in 0..300usize {
        let path = paths[i % 4];
        let url = format!("{base}/api/outbound/{path}?occurrenceId={occ}&attempt=0");
        let params = form(if i % 2 == 0 { "1" } else { "2" });
        let signature: Option<String> = match i % 6 {
            0 => None,
            1 => Some(String::new()),
            2 => Some(callout_core::signature::sign(
                "another-token",
                &url,
                &params,
            )),
            // Signed for another URL (replayed).
            3 => Some(callout_core::signature::sign(
                &token,
                &format!(
                    "{base}/api/outbound/{}?occurrenceId={occ}&attempt=1",
                    paths[(i + 1) % 4]
                ),
                &params,
            )),
            // Signed for other parameters.
            4 => Some(callout_core::signature::sign(&token, &url, &form("3"))),
            _ => Some(format!(
                "{}{}",
                callout_core::signature::sign(&token, &url, &params),
                "x"
            )),
        };
        let mut req = w.http.post(&url).form(&params);
        if let Some(s) = signature {
            req = req.header("X-Twilio-Signature", s);
        }
        assert_eq!(req.send().await.unwrap().status(), 403, "variant {i}");
        sent += 1;
    }
    assert_eq!(sent, 300);
    let log = w.call_log(&occ).await;
    assert_eq!(log["status"], "OPEN");
    assert!(log["calls"][0]["outcome"].is_null() && log["calls"][0]["twilioStatus"].is_null());
    assert!(w.sim.messages().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xml_characters_in_shift_details_are_spoken_not_parsed() {
    let w = World::new().await;
    w.sim.set_tts_failure(Some(TtsFailure::ServerError)); // <Say> carries the text in the TwiML
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Accept);
    let occ = new_occ("xml");
    let mut event = World::wave3_event(&occ, &[&ALICE]);
    event["detail"]["job"]["suburb"] = "St Mary's & <Penrith>".into();
    w.post_event(event).await;
    w.finished(&occ).await;
    let call = &w.sim.calls_to(ALICE.phone)[0];
    assert!(
        call.heard()[0].contains("in St Mary's & <Penrith>."),
        "{:?}",
        call.heard()
    );
    assert!(call.errors().is_empty(), "{:?}", call.errors());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_refusal_and_changes_nothing() {
    let w = World::new().await;
    let base = w.rt.base_url.clone();
    // A pool with one unusable number: that person is skipped, the others are called.
    w.enable(1, 1).await;
    w.phone(&BOB, Behaviour::Accept);
    let occ = new_occ("badpool");
    let mut event = World::wave3_event(&occ, &[&ALICE, &BOB]);
    event["detail"]["staffPool"][0]["phone"] = "0400 000 001".into();
    w.post_event(event).await;
    let log = w.finished(&occ).await;
    assert_eq!(w.called(&[&ALICE, &BOB]), ["Bob"]);
    assert_eq!(log["poolSize"], 1);
    // Nobody callable, a bad time zone: not called, kept as NOT_CALLED with its reason.
    for (field, value) in [
        ("staffPool", serde_json::json!([])),
        (
            "job",
            serde_json::json!({"patientName": "X", "startsAt": "2026-01-23T09:00:00+11:00", "endsAt": "2026-01-23T13:00:00+11:00", "timeZone": "Mars/Olympus", "suburb": "Y"}),
        ),
    ] {
        let occ = new_occ("refused");
        let mut event = World::wave3_event(&occ, &[&ALICE]);
        event["detail"][field] = value;
        let out = w.post_event(event).await;
        assert_eq!(out["result"]["status"], "rejected", "{out}");
        let r = w
            .http
            .get(format!("{base}/api/provider/jobs/{occ}/calls"))
            .bearer_auth(w.rt.token(PROVIDER))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "kept");
        let log: serde_json::Value = r.json().await.unwrap();
        assert_eq!(log["status"], "NOT_CALLED", "{log}");
        assert!(
            log["notCalledReason"].as_str().unwrap().starts_with(field),
            "{log}"
        );
    }
    // Malformed webhook bodies and settings.
    let r = w
        .signed(
            "/api/outbound/status?occurrenceId=x&attempt=0",
            &[("CallStatus", "exploded")],
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (status, body) = w
        .patch_settings(
            PROVIDER,
            serde_json::json!({"messageTemplate": "x".repeat(1001)}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let r = w
        .http
        .patch(format!("{base}/api/provider/outbound-calling"))
        .bearer_auth(w.rt.token(PROVIDER))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let expired = {
        let claims = serde_json::json!({"provider_id": PROVIDER, "exp": 1_000_000});
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(b"local-dev-secret"),
        )
        .unwrap()
    };
    let r = w
        .http
        .get(format!("{base}/api/provider/outbound-calling"))
        .bearer_auth(expired)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (_, settings) = w.get_settings(PROVIDER).await;
    assert_eq!(
        (
            settings["waitMinutes"].as_u64(),
            settings["enabled"].as_bool()
        ),
        (Some(1), Some(true)),
        "unchanged"
    );
}

// ------------------------------------------------------------------ 8. poison tasks

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_task_ends_in_the_dead_letter_queue_and_blocks_nothing() {
    let w = World::with(|o| o.visibility_timeout_secs = Some(1)).await;
    let sqs = aws_sdk_sqs::Client::new(&w.rt.sdk);
    sqs.send_message()
        .queue_url(&w.rt.provisioned.dial_queue_url)
        .message_body("{\"this is\": not a task")
        .send()
        .await
        .unwrap();
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Accept);
    let occ = new_occ("poison");
    w.wave3_completed(&occ, &[&ALICE]).await;
    assert_eq!(
        w.finished(&occ).await["status"],
        "ASSIGNED",
        "the campaign is not blocked"
    );
    let start = std::time::Instant::now();
    let dead: HashMap<String, String> = loop {
        let out = sqs
            .receive_message()
            .queue_url(&w.rt.provisioned.dial_dlq_url)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        if let Some(m) = out.messages.unwrap_or_default().pop() {
            break HashMap::from([("body".to_string(), m.body.unwrap_or_default())]);
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the poison task never reached the dead-letter queue"
        );
    };
    assert_eq!(dead["body"], "{\"this is\": not a task");
}

// ------------------------------------------------------------------ 9. a webhook fails mid-call

const SORRY: &str = "Sorry, something went wrong on our side. One moment please.";

/// A call webhook whose table fails answers a short sorry and the step again, never a 5xx that
/// Twilio would play as "An application error has occurred"; a call-twiml function that is
/// down (502 behind API Gateway) is covered by the call's `FallbackUrl`, which says the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_call_webhook_says_sorry_and_tries_again_never_an_application_error() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Accept);
    w.phone(&BOB, Behaviour::Accept);
    // The table fails once while Alice's call asks for the offer.
    let table_fails = new_occ("webhook_fails");
    w.rt.app
        .faults
        .arm(callout_app::faults::VOICE_WEBHOOK_FAILS, &table_fails);
    w.wave3_completed(&table_fails, &[&ALICE]).await;
    let log = w.finished(&table_fails).await;
    assert_eq!(log["status"], "ASSIGNED", "{}", w.transcript());
    let alice = &w.sim.calls_to(ALICE.phone)[0];
    assert_eq!(alice.heard()[0], SORRY, "{}", w.transcript());
    assert_eq!(alice.heard()[1], default_offer("Alice"));
    assert_eq!(alice.keys(), "1");
    assert!(alice.errors().is_empty(), "{:?}", alice.errors());

    // The call-twiml function is down for Bob's call: Twilio asks the FallbackUrl.
    let down = new_occ("function_down");
    w.rt.app
        .faults
        .arm(callout_app::faults::TWIML_FUNCTION_DOWN, &down);
    w.wave3_completed(&down, &[&BOB]).await;
    let log = w.finished(&down).await;
    assert_eq!(log["status"], "ASSIGNED", "{}", w.transcript());
    let bob = &w.sim.calls_to(BOB.phone)[0];
    let heard = bob.heard();
    assert_eq!(heard[0], SORRY, "{}", w.transcript());
    assert_eq!(heard[1], default_offer("Bob"));
    assert!(
        !heard.iter().any(|h| h.contains("application error")),
        "{heard:?}"
    );
    assert_eq!(
        bob.errors().len(),
        1,
        "only the 502 itself: {:?}",
        bob.errors()
    );
}

/// The sorry is bounded: after two tries the carer is told to call the office and the call
/// ends; a signed fallback request with tries left redirects to the offer with the next try.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sorry_and_retry_is_bounded() {
    let w = World::new().await;
    let q = "occurrenceId=occ_x&attempt=0&fallback=1&audio=1";
    let first = w
        .signed(
            &format!("/api/outbound/timeout?{q}"),
            &[("CallSid", "CA1"), ("ErrorCode", "11200")],
        )
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let xml = first.text().await.unwrap();
    assert!(xml.contains(SORRY), "{xml}");
    assert!(
        xml.contains("/api/outbound/twiml?occurrenceId=occ_x&amp;attempt=0&amp;audio=1&amp;retry=1</Redirect>"),
        "{xml}"
    );
    let last = w
        .signed(
            &format!("/api/outbound/timeout?{q}&retry=2"),
            &[("CallSid", "CA1"), ("ErrorCode", "11200")],
        )
        .send()
        .await
        .unwrap();
    let xml = last.text().await.unwrap();
    assert!(
        xml.contains("Please call the office") && xml.contains("<Hangup/>"),
        "{xml}"
    );
    assert!(!xml.contains("<Redirect>"), "{xml}");
    // Should Twilio come back to the fallback when a retry fails too, the retry it names counts.
    let again = w
        .signed(
            &format!("/api/outbound/timeout?{q}"),
            &[
                ("CallSid", "CA1"),
                ("ErrorCode", "11200"),
                (
                    "ErrorUrl",
                    "https://example.com/api/outbound/twiml?occurrenceId=occ_x&attempt=0&retry=2",
                ),
            ],
        )
        .send()
        .await
        .unwrap();
    let xml = again.text().await.unwrap();
    assert!(
        xml.contains("<Hangup/>") && !xml.contains("<Redirect>"),
        "{xml}"
    );
    // Unsigned, it is refused like any webhook.
    let forged = w
        .http
        .post(format!("{}/api/outbound/timeout?{q}", w.rt.base_url))
        .form(&[("CallSid", "CA1")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
}

// ------------------------------------------------------------------ 9. when the world says no

/// The confirmation SMS a person will never get (opted out, not a mobile) is recorded on the
/// shift and never retried; `ShiftFilled` goes out all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_confirmation_sms_is_recorded_never_retried_and_shift_filled_is_sent() {
    let w = World::with(|o| o.visibility_timeout_secs = Some(1)).await;
    w.sim.refuse_sms_to(BOB.phone, Refusal::OPTED_OUT);
    w.sim.refuse_sms_to(CAROL.phone, Refusal::NOT_MOBILE);
    for (person, code) in [(&BOB, 21610), (&CAROL, 21614)] {
        let occ = new_occ("smsrefused");
        w.wave3_completed(&occ, &[&ALICE, person]).await;
        let (status, _) = w.accept_by_sms(&occ, person).await;
        assert_eq!(status, 200, "the acceptance stands");
        assert_eq!(
            w.events_of(&occ, "ShiftFilled", 1).await.len(),
            1,
            "ShiftFilled is sent once"
        );
        let log = w
            .wait_for(&occ, "the refusal on the call log", |log| {
                !log["confirmationSms"].is_null()
            })
            .await;
        assert_eq!(log["status"], "ASSIGNED");
        assert_eq!(log["confirmationSms"]["status"], "refused", "{log}");
        assert_eq!(log["confirmationSms"]["code"], code, "{log}");
        assert!(log["confirmationSms"]["reason"].as_str().unwrap().len() > 5);
        let alarms = log_lines_of("confirmation_sms_refused", &occ);
        assert_eq!(alarms.len(), 1, "{alarms:?}");
        assert_eq!(alarms[0]["fields"]["alarm"], true);
        assert_eq!(alarms[0]["fields"]["code"], code);
    }
    // Never retried: Twilio was asked once per shift.
    let asked = w
        .sim
        .refusals()
        .iter()
        .filter(|(op, _)| *op == RestOp::Message)
        .count();
    assert_eq!(asked, 2);
    assert!(w.sim.messages().is_empty());
    assert!(log_lines("dial_task_dead_lettered")
        .iter()
        .all(|l| !l["fields"]["occurrence_id"]
            .as_str()
            .unwrap_or_default()
            .starts_with("occ_smsrefused")));
}

/// A wrong or rotated auth token is the account's fault: nobody is marked, the task is
/// retried with backoff and then dead-lettered with an alarm line; redriven once the token
/// works, the campaign goes on with the person whose turn it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_account_burns_nobodys_turn_and_the_campaign_resumes_with_the_same_person() {
    let w = World::with(|o| o.visibility_timeout_secs = Some(1)).await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Accept);
    w.sim.refuse_account(Some(Refusal::BAD_CREDENTIALS));
    let occ = new_occ("badtoken");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let sqs = aws_sdk_sqs::Client::new(&w.rt.sdk);
    let start = std::time::Instant::now();
    let dead = loop {
        let out = sqs
            .receive_message()
            .queue_url(&w.rt.provisioned.dial_dlq_url)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        if let Some(m) = out.messages.unwrap_or_default().pop() {
            break m;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the task never reached the dead-letter queue"
        );
    };
    let body = dead.body.clone().unwrap_or_default();
    assert!(body.contains(&occ), "{body}");
    let log = w.call_log(&occ).await;
    assert_eq!(log["status"], "OPEN", "{log}");
    assert!(
        log["calls"].as_array().unwrap().is_empty(),
        "no attempt: {log}"
    );
    assert!(w.sim.calls().is_empty());
    let refused = log_lines_of("twilio_account_refused", &occ);
    assert_eq!(refused.len(), 5, "one per receive: {refused:?}");
    assert!(refused
        .iter()
        .all(|l| l["fields"]["alarm"] == true && l["fields"]["code"] == 20003));
    let dead_lettered = log_lines_of("dial_task_dead_lettered", &occ);
    assert_eq!(dead_lettered.len(), 1);
    assert_eq!(dead_lettered[0]["fields"]["alarm"], true);
    // The retries backed off: each came later after its failure than the one before.
    let at: Vec<chrono::DateTime<chrono::Utc>> = refused
        .iter()
        .map(|l| l["timestamp"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(at
        .windows(2)
        .all(|p| p[1] - p[0] >= chrono::Duration::milliseconds(900)));

    // The token is fixed; the operator redrives the dead-letter queue.
    w.sim.refuse_account(None);
    sqs.send_message()
        .queue_url(&w.rt.provisioned.dial_queue_url)
        .message_body(body)
        .send()
        .await
        .unwrap();
    let log = w.finished(&occ).await;
    assert_eq!(w.called(&[&ALICE, &BOB]), ["Alice", "Bob"]);
    assert_eq!(outcomes(&log), ["Declined", "Accepted"]);
}

/// A suspended account (20005) is not the winner's fault: `ShiftFilled` goes out at once, the
/// confirmation is retried (not recorded as refused) and sent when the account works again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_account_delays_the_confirmation_but_not_shift_filled() {
    let w = World::with(|o| o.visibility_timeout_secs = Some(1)).await;
    let occ = new_occ("suspended");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    w.sim.refuse_account(Some(Refusal::ACCOUNT_SUSPENDED));
    assert_eq!(w.accept_by_sms(&occ, &BOB).await.0, 200);
    assert_eq!(w.events_of(&occ, "ShiftFilled", 1).await.len(), 1);
    let refused = log_lines_of("twilio_account_refused", &occ);
    assert!(!refused.is_empty() && refused.iter().all(|l| l["fields"]["code"] == 20005));
    let log = w.call_log(&occ).await;
    assert!(
        log["confirmationSms"].is_null(),
        "not refused for Bob: {log}"
    );
    assert!(w.sim.messages().is_empty());
    w.sim.refuse_account(None);
    let log = w
        .wait_for(&occ, "the confirmation", |log| {
            log["confirmationSms"]["status"] == "sent"
        })
        .await;
    assert_eq!(log["acceptedBy"]["employeeId"], BOB.employee_id);
    assert_eq!(w.sim.messages().len(), 1);
    assert_eq!(w.sim.messages()[0].to, BOB.phone);
}

/// ElevenLabs refusing the key is the account's fault: every call still says the offer with
/// `<Say>`, and one alarm line says why, not one per call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_elevenlabs_key_says_the_offer_with_one_alarm_line() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.sim.set_tts_failure(Some(TtsFailure::Unauthorized));
    w.phone(&ALICE, Behaviour::Accept);
    for i in 0..3 {
        let occ = new_occ(&format!("ttskey{i}"));
        w.wave3_completed(&occ, &[&ALICE]).await;
        assert_eq!(w.finished(&occ).await["status"], "ASSIGNED");
    }
    for call in w.sim.calls() {
        assert_eq!(call.heard()[0], default_offer("Alice"));
    }
    assert_eq!(
        w.sim.tts_requests(),
        6,
        "each call tried the speech (its greeting and its body)"
    );
    let alarms = log_lines("tts_key_refused");
    assert_eq!(alarms.len(), 1, "{alarms:?}");
    assert_eq!(alarms[0]["fields"]["alarm"], true);
}

/// A call whose final status never comes and which Twilio refuses to describe is given up
/// after a bounded number of checks: `Failed`, an alarm line, and the next person is called.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_twilio_keeps_refusing_to_describe_is_given_up_and_the_next_person_called() {
    let w = World::new().await;
    w.sim.set_callback_delivery(CallbackDelivery::DropFinal);
    w.sim.refuse_next_rest(
        RestOp::FetchCall,
        Refusal {
            status: 404,
            code: 20404,
        },
        100,
    );
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::NoAnswer);
    w.phone(&BOB, Behaviour::Accept);
    let occ = new_occ("checkrefused");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let log = w.finished(&occ).await;
    assert_eq!(outcomes(&log), ["Failed", "Accepted"]);
    let gave_up: Vec<_> = log_lines_of("call_check_gave_up", &occ)
        .into_iter()
        .filter(|l| l["fields"]["attempt"] == 0)
        .collect();
    assert_eq!(gave_up.len(), 1, "{gave_up:?}");
    assert_eq!(gave_up[0]["fields"]["alarm"], true);
    // Twilio was asked a bounded number of times: three times about Alice's call, at most as
    // often about Bob's (whose final status is lost too, so his call is given up on as well).
    let fetches = w
        .sim
        .refusals()
        .iter()
        .filter(|(op, _)| *op == RestOp::FetchCall)
        .count() as u32;
    let most = callout_app::service::MAX_REFUSED_CHECKS;
    assert!((most..=2 * most).contains(&fetches), "{fetches}");
}

// ------------------------------------------------------------------ 10. crash windows

/// A crash right after the acceptance's write, by SMS (the caller does not retry) and by
/// phone (Twilio plays its error and hangs up): the SMS, `ShiftFilled` and the end of the
/// other live call still happen, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_the_acceptance_write_still_confirms_and_ends_the_other_calls() {
    let w = World::with(|o| o.visibility_timeout_secs = Some(1)).await;
    w.enable(1, 1).await;
    use callout_app::faults::CRASH_AFTER_ACCEPTANCE;
    // By SMS while Alice's call is live.
    w.phone(&ALICE, Behaviour::HoldUntilEnded);
    let occ = new_occ("crashsms");
    w.rt.app.faults.arm(CRASH_AFTER_ACCEPTANCE, &occ);
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    w.wait_answered(&ALICE).await;
    let (status, _) = w.accept_by_sms(&occ, &BOB).await;
    assert_eq!(status, 500, "the acceptance's function crashed");
    let log = w.finished(&occ).await;
    assert_eq!(log["acceptedBy"]["employeeId"], BOB.employee_id);
    assert_eq!(outcomes(&log), ["Canceled"]);
    let alice = &w.sim.calls_to(ALICE.phone)[0];
    assert!(
        alice
            .events
            .iter()
            .any(|e| matches!(e, callout_sim::CallEvent::UpdatedByApi(_))),
        "Alice's live call was ended through the API: {:?}",
        alice.events
    );
    assert_eq!(w.events_of(&occ, "ShiftFilled", 1).await.len(), 1);
    eventually("Bob's confirmation", || {
        w.sim.messages().iter().any(|m| m.to == BOB.phone)
    })
    .await;
    // By phone: Carol presses 1, the webhook crashes after the write.
    w.phone(&CAROL, Behaviour::Accept);
    let occ = new_occ("crashphone");
    w.rt.app.faults.arm(CRASH_AFTER_ACCEPTANCE, &occ);
    w.wave3_completed(&occ, &[&CAROL]).await;
    let log = w
        .wait_for(&occ, "Carol's call marked accepted", |log| {
            outcomes(log) == ["Accepted"]
        })
        .await;
    assert_eq!(log["acceptedBy"]["employeeId"], CAROL.employee_id);
    assert_eq!(w.events_of(&occ, "ShiftFilled", 1).await.len(), 1);
    eventually("Carol's confirmation", || {
        w.sim.messages().iter().any(|m| m.to == CAROL.phone)
    })
    .await;
    assert_eq!(w.sim.messages().len(), 2, "one confirmation each");
}

/// Crashes after a decline, after a final status, after a refused call's outcome and after
/// the next call was queued: the next person is called, once, by the step that comes next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_a_decline_a_final_status_a_refusal_or_an_advance_still_calls_the_next_person(
) {
    use callout_app::faults::*;
    let w = World::with(|o| o.visibility_timeout_secs = Some(1)).await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Accept);
    for fault in [
        CRASH_AFTER_DECLINE,
        CRASH_AFTER_FINAL_STATUS,
        CRASH_AFTER_NEXT_CALL_QUEUED,
    ] {
        let occ = new_occ("crashnext");
        w.rt.app.faults.arm(fault, &occ);
        let before = w.sim.calls().len();
        w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
        let log = w.finished(&occ).await;
        assert_eq!(outcomes(&log), ["Declined", "Accepted"], "{fault}");
        let calls: Vec<_> = w.sim.calls()[before..]
            .iter()
            .map(|c| c.to.clone())
            .collect();
        assert_eq!(calls, [ALICE.phone, BOB.phone], "{fault}: one call each");
    }
    // Alice's number refused, the step crashes after her outcome: the retried task (or the
    // call's first check, whichever comes first) moves on at once, not two check periods
    // later as for a call never confirmed.
    let occ = new_occ("crashrefused");
    w.rt.app.faults.arm(CRASH_AFTER_CALL_REFUSED, &occ);
    w.sim.fail_next_rest(RestOp::CreateCall, 400, 1);
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let log = w.finished(&occ).await;
    assert_eq!(outcomes(&log), ["Failed", "Accepted"]);
    assert!(log_lines_of("call_never_confirmed", &occ).is_empty());
}

/// A crash after the shift was marked unfilled, before its event: the retried step sends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_marking_the_shift_unfilled_still_sends_its_event() {
    let w = World::with(|o| o.visibility_timeout_secs = Some(1)).await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    let occ = new_occ("crashunfilled");
    w.rt.app
        .faults
        .arm(callout_app::faults::CRASH_AFTER_UNFILLED, &occ);
    w.wave3_completed(&occ, &[&ALICE]).await;
    assert_eq!(w.finished(&occ).await["status"], "UNFILLED_AFTER_CALLS");
    assert_eq!(
        w.events_of(&occ, "ShiftUnfilledAfterCalls", 1).await.len(),
        1
    );
}

/// Crashes while finishing an acceptance: after ending the other calls, after claiming the
/// SMS (before sending it), after the SMS (before `ShiftFilled`), after claiming
/// `ShiftFilled`: each shift still gets one SMS and one `ShiftFilled`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_while_finishing_an_acceptance_loses_no_sms_and_no_event() {
    use callout_app::faults::*;
    let w = World::with(|o| o.visibility_timeout_secs = Some(1)).await;
    for fault in [
        CRASH_AFTER_CALLS_ENDED.to_string(),
        crash_after_claim("confirmationSmsAt"),
        CRASH_BEFORE_FILLED_EVENT.to_string(),
        crash_after_claim("filledEventAt"),
    ] {
        let occ = new_occ("crashfinish");
        w.rt.app.faults.arm(&fault, &occ);
        let before = w.sim.messages().len();
        w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
        assert_eq!(w.accept_by_sms(&occ, &BOB).await.0, 200);
        assert_eq!(
            w.events_of(&occ, "ShiftFilled", 1).await.len(),
            1,
            "{fault}"
        );
        let log = w
            .wait_for(&occ, "the confirmation recorded", |log| {
                log["confirmationSms"]["status"] == "sent"
            })
            .await;
        assert_eq!(log["status"], "ASSIGNED");
        assert_eq!(w.sim.messages().len() - before, 1, "{fault}: one SMS");
    }
}

// ------------------------------------------------------------------ 11. bounded everything
//
// Every piece of work's worst case, computed from its steps, against its function's timeout:
// tests/budgets.rs (`make budgets`).

// ------------------------------------------------------------------ 12. retention

/// Shifts and attempts (the call log) expire after the configured retention, call slots and
/// the waiting line a day after their last write; nothing is kept forever but the settings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_carries_its_ttl() {
    let w = World::with(|o| {
        o.call_log_retention_days = 30;
        o.max_concurrent_calls = 1;
    })
    .await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Accept);
    let (a, b) = (new_occ("ttlA"), new_occ("ttlB"));
    // Two shifts at once with one call slot: one waits in line (and the watchdog is armed).
    w.wave3_completed(&a, &[&ALICE]).await;
    w.wave3_completed(&b, &[&BOB]).await;
    w.finished(&a).await;
    w.finished(&b).await;
    // A held call slot and a waiting task's record, as they are during a call (slot 7: the
    // campaign's own slot may still be held while its last call's end is processed).
    let now_ms = chrono::Utc::now().timestamp_millis();
    assert!(w
        .rt
        .app
        .store
        .take_call_slot(7, "held#0#x", now_ms, Duration::from_secs(900))
        .await
        .unwrap());
    w.rt.app
        .store
        .add_waiter(&callout_app::records::Dial::new("occ_waiting", 0))
        .await
        .unwrap();
    let ddb = aws_sdk_dynamodb::Client::new(&w.rt.sdk);
    let items = ddb
        .scan()
        .table_name(&w.rt.app.config.table_name)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    let day = 86_400;
    let mut kinds = std::collections::BTreeSet::new();
    for item in &items {
        let pk = item["pk"].as_s().unwrap();
        let sk = item["sk"].as_s().unwrap();
        let kind = format!(
            "{}/{}",
            pk.split('#').next().unwrap(),
            sk.split('#').next().unwrap()
        );
        if sk == "SETTINGS" {
            assert!(!item.contains_key("ttl"), "the settings are kept");
            continue;
        }
        let ttl: i64 = item
            .get("ttl")
            .unwrap_or_else(|| panic!("{kind} has no ttl"))
            .as_n()
            .unwrap()
            .parse()
            .unwrap();
        let expected = if pk.starts_with("SHIFT#") {
            30 * day
        } else if pk.starts_with("PHONE#") && sk.starts_with("OFFER#") {
            // The offer index: the longest call-back window and an hour.
            callout_app::adapters::store::inbound::OFFER_INDEX_HOURS * 3600
        } else if pk.starts_with("DECLINES#") {
            // A decline is remembered a day beyond the longest declineMemoryDays.
            i64::from(callout_core::campaign::MAX_DECLINE_MEMORY_DAYS + 1) * day
        } else {
            day
        };
        assert!(
            (ttl - (now + expected)).abs() < 600,
            "{kind}: ttl {ttl}, expected about {}",
            now + expected
        );
        kinds.insert(kind);
    }
    for kind in [
        "SHIFT/SHIFT",
        "SHIFT/ATTEMPT",
        "DECLINES/EMP",
        "PACING/SLOT",
        "PACING/WATCHDOG",
        "PACING_WAIT/WAIT",
    ] {
        assert!(kinds.contains(kind), "{kind} not seen: {kinds:?}");
    }
}

/// The audio route answers 404 for an attempt whose audio was never made (its call used
/// `<Say>`), not 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_audio_for_a_missing_object_is_404() {
    let w = World::new().await;
    w.sim.set_tts_failure(Some(TtsFailure::ServerError));
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Accept);
    let occ = new_occ("noaudio");
    w.wave3_completed(&occ, &[&ALICE]).await;
    w.finished(&occ).await;
    for id in [format!("{occ}.0"), format!("{occ}.7"), "nodot".to_string()] {
        let r = w
            .signed_get(&format!("/api/outbound/audio/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{id}");
    }
}
