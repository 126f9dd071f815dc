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
