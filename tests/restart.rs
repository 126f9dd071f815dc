//! The local world survives a restart of the local runtime: what the local AWS holds (the shift,
//! its pending start schedule, the dial queue and its attributes) carries the campaign on, as
//! AWS would after any restart of ours.

use e2e::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shift_waiting_out_its_wait_is_called_after_a_restart() {
    // 2 minutes at 6× is 20 s: the restart happens inside the wait.
    let mut w = World::with(|o| o.time_scale = 6.0).await;
    w.enable(2, 1).await;
    w.phone(&ALICE, callout_sim::Behaviour::Accept);
    let occ = occ("restartwait");
    w.wave3_completed(&occ, &[&ALICE]).await;
    assert!(
        w.schedule_exists(&occ).await,
        "the start schedule is pending"
    );

    w.restart().await;
    assert!(
        w.schedule_exists(&occ).await,
        "the pending schedule survives the restart"
    );
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "ASSIGNED", "{log:#}");
    assert_eq!(outcomes(&log), ["Accepted"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dial_queue_takes_its_attributes_from_the_template() {
    let w = World::with(|o| o.time_scale = 6.0).await;
    let sqs = aws_sdk_sqs::Client::new(&w.rt.sdk);
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&w.rt.provisioned.dial_queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap_or_default();
    let get = |name: aws_sdk_sqs::types::QueueAttributeName| attrs.get(&name).cloned();
    let template = &w.rt.template;
    let number = |path: &[&str]| {
        template
            .property("DialQueue", path)
            .map(|v| v.to_string().trim_matches('"').to_string())
            .expect("the template sets it")
    };
    assert_eq!(
        get(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout),
        Some(number(&["VisibilityTimeout"]))
    );
    assert_eq!(
        get(aws_sdk_sqs::types::QueueAttributeName::MessageRetentionPeriod),
        Some(number(&["MessageRetentionPeriod"]))
    );
    let redrive: serde_json::Value = serde_json::from_str(
        &get(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy).expect("a redrive policy"),
    )
    .unwrap();
    assert_eq!(
        redrive["maxReceiveCount"].to_string().trim_matches('"'),
        number(&["RedrivePolicy", "maxReceiveCount"]),
        "{}",
        json!(redrive)
    );
}

/// Wait (up to `secs`) for the shift to leave OPEN with every call over and, when it was
/// taken, its confirmation sent (or refused).
async fn settled(w: &World, occ: &str, secs: u64) -> serde_json::Value {
    let start = std::time::Instant::now();
    loop {
        let log = w.call_log(occ).await;
        let over = log["calls"]
            .as_array()
            .is_some_and(|c| c.iter().all(|c| !c["outcome"].is_null()));
        let confirmed = log["status"] != "ASSIGNED" || !log["confirmationSms"].is_null();
        if log["status"] != "OPEN" && over && confirmed && w.sim.live_calls() == 0 {
            return log;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(secs),
            "timed out; call log: {log:#}\nconversation:\n{}",
            w.transcript()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shift_whose_call_is_live_finishes_after_a_restart() {
    // A task cut off by the kill comes back after 1 s.
    let mut w = World::with(|o| o.visibility_timeout_secs = Some(1)).await;
    w.enable(1, 1).await;
    // Alice answers and listens without a key until the call is ended (at most 20 s).
    w.phone(&ALICE, callout_sim::Behaviour::HoldUntilEnded);
    w.phone(&BOB, callout_sim::Behaviour::Accept);
    let occ = occ("restartcall");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    w.wait_answered(&ALICE).await;

    w.restart().await;
    let log = settled(&w, &occ, 90).await;
    assert_eq!(log["status"], "ASSIGNED", "{log:#}");
    assert_eq!(log["acceptedBy"]["employeeId"], BOB.employee_id, "{log:#}");
    let confirmations: Vec<_> = w
        .sim
        .messages()
        .into_iter()
        .filter(|m| m.to == BOB.phone)
        .collect();
    assert_eq!(confirmations.len(), 1, "{confirmations:?}");
    assert_eq!(w.events_of(&occ, "ShiftFilled", 1).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acceptance_cut_off_by_a_crash_is_finished_after_the_restart() {
    let mut w = World::with(|o| o.visibility_timeout_secs = Some(1)).await;
    w.enable(1, 1).await;
    w.phone(&ALICE, callout_sim::Behaviour::HoldUntilEnded);
    let occ = occ("restartaccept");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    w.wait_answered(&ALICE).await;
    // Bob takes the shift by text while Alice is on the line; the runtime dies at once, in the
    // middle of the hand-off (ending Alice's call, the confirmation, ShiftFilled).
    let (status, body) = w.accept_by_sms(&occ, &BOB).await;
    assert_eq!(status, 200, "{body}");
    w.restart().await;

    let log = settled(&w, &occ, 90).await;
    assert_eq!(log["status"], "ASSIGNED", "{log:#}");
    assert_eq!(log["acceptedBy"]["employeeId"], BOB.employee_id, "{log:#}");
    let texts = w.sim.messages();
    assert_eq!(
        texts.iter().filter(|m| m.to == BOB.phone).count(),
        1,
        "one confirmation: {texts:?}"
    );
    assert!(
        texts.iter().all(|m| m.to != ALICE.phone),
        "nothing to Alice: {texts:?}"
    );
    assert_eq!(w.events_of(&occ, "ShiftFilled", 1).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dialer_that_dies_after_recording_the_attempt_does_not_stall_the_shift() {
    // Found by the chaos soak: a run killed between the attempt's write and the call left the
    // attempt "being placed" with no check queued, and the shift open for ever.
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, callout_sim::Behaviour::Accept);
    w.phone(&BOB, callout_sim::Behaviour::Accept);
    let occ = occ("diedplacing");
    w.rt.app
        .faults
        .arm(callout_app::faults::CRASH_AFTER_ATTEMPT_RECORDED, &occ);
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    // Alice's attempt is given up on only once its placing run is surely over
    // (`PLACING_RUN_OVER_AFTER`, real seconds: a run's time is not scaled) and Twilio has no
    // call for it.
    let over = callout_app::service::PLACING_RUN_OVER_AFTER;
    let log = w
        .wait_for_within(&occ, "the campaign to finish", over * 2, |log| {
            log["status"] == "ASSIGNED"
                && log["calls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|c| !c["outcome"].is_null())
        })
        .await;
    assert_eq!(log["acceptedBy"]["employeeId"], BOB.employee_id, "{log:#}");
    assert!(
        w.sim.calls_to(ALICE.phone).is_empty(),
        "Alice's call was never placed"
    );
    assert_eq!(outcomes(&log), ["Failed", "Accepted"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmation_sent_by_a_step_that_died_is_not_sent_again() {
    // Found by the chaos soak: a run killed after Twilio took the confirmation, before it was
    // recorded, left its claim to a later step, which sent it again.
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, callout_sim::Behaviour::Accept);
    let occ = occ("diedconfirming");
    w.rt.app
        .faults
        .arm(callout_app::faults::CRASH_AFTER_CONFIRMATION_SENT, &occ);
    w.wave3_completed(&occ, &[&ALICE]).await;
    let log = w
        .wait_for(&occ, "the confirmation recorded", |log| {
            log["confirmationSms"]["status"] == "sent"
        })
        .await;
    assert_eq!(log["acceptedBy"]["employeeId"], ALICE.employee_id);
    assert_eq!(w.events_of(&occ, "ShiftFilled", 1).await.len(), 1);
    // The step that took the claim over found the text at Twilio.
    eventually("the claim taken over", || {
        !log_lines_of("side_effect_found_done", &occ).is_empty()
    })
    .await;
    let texts: Vec<_> = w
        .sim
        .messages()
        .into_iter()
        .filter(|m| m.to == ALICE.phone)
        .collect();
    assert_eq!(texts.len(), 1, "one confirmation: {texts:?}");
}
