//! Nothing dropped in silence (issue 20, point 3): display fields from upstream are cleaned and
//! the person is called; an event that cannot be called is kept as a `NOT_CALLED` shift with its
//! reason, raises the `shift_not_called` alarm line and puts `ShiftNotCalled` on the bus, and
//! the call log shows it.

use callout_sim::Behaviour;
use e2e::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_with_a_bad_display_name_is_called_and_hears_it_cleaned() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Accept);
    let occ = occ("badname");
    let mut event = World::wave3_event(&occ, &[&ALICE, &BOB]);
    // A control character and a line break in Alice's first name, junk around the suburb.
    event["detail"]["staffPool"][0]["firstName"] = json!("Al\u{8}ice\n");
    event["detail"]["job"]["suburb"] = json!(" Parra\u{0}matta\t");
    let out = w.post_event(event).await;
    assert_eq!(out["result"]["status"], "scheduled", "{out}");
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "ASSIGNED");
    assert_eq!(w.called(&[&ALICE, &BOB]), ["Alice", "Bob"]);
    // Alice hears her name and the suburb cleaned.
    let heard = w.sim.calls_to(ALICE.phone)[0].heard();
    assert_eq!(heard[0], default_offer("Alice"), "{heard:?}");
    assert!(log_lines_of("staff_pool_entry_skipped", &occ).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_that_cannot_be_called_is_kept_announced_and_alarmed() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Accept);

    // Nobody in the pool has a callable number.
    let occ = occ("nobody");
    let mut event = World::wave3_event(&occ, &[&ALICE]);
    event["detail"]["staffPool"][0]["phone"] = json!("0400 000 001");
    let out = w.post_event(event.clone()).await;
    assert_eq!(out["result"]["status"], "rejected", "{out}");
    let reason = "staffPool: has nobody who can be called";
    assert_eq!(out["result"]["error"], reason);

    // The platform hears it on the bus, with the reason.
    let events = w.events_of(&occ, "ShiftNotCalled", 1).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["detail"]["providerId"], PROVIDER);
    assert_eq!(events[0]["detail"]["reason"], reason);
    assert_eq!(events[0]["detail"]["field"], "staffPool");
    // A coordinator hears it from the alarm line, which names no phone number.
    let alarm = log_lines_of("shift_not_called", &occ);
    assert_eq!(alarm.len(), 1, "{alarm:?}");
    assert_eq!(alarm[0]["fields"]["alarm"], true);
    assert!(!alarm[0].to_string().contains("0400"), "{}", alarm[0]);
    // The call log shows it with its reason; nobody was rung.
    let log = w.call_log(&occ).await;
    assert_eq!(log["status"], "NOT_CALLED", "{log:#}");
    assert_eq!(log["notCalledReason"], reason);
    assert!(log["calls"].as_array().unwrap().is_empty());
    assert!(w.sim.calls_to(ALICE.phone).is_empty());
    let (_, jobs) = {
        let r = w
            .http
            .get(format!("{}/api/provider/jobs", w.rt.base_url))
            .bearer_auth(w.rt.token(PROVIDER))
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<serde_json::Value>().await.unwrap())
    };
    let listed = jobs["jobs"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(jobs.as_array().into_iter().flatten())
        .find(|j| j["occurrenceId"] == occ.as_str())
        .unwrap_or_else(|| panic!("{occ} not in the job list: {jobs}"));
    assert_eq!(listed["status"], "NOT_CALLED");
    assert_eq!(listed["notCalledReason"], reason);

    // The same event again changes nothing and announces nothing twice.
    assert_eq!(w.post_event(event).await["result"]["status"], "rejected");
    assert_eq!(w.events_of(&occ, "ShiftNotCalled", 1).await.len(), 1);

    // So broken it has no shape: kept by its ids all the same.
    let broken = e2e::occ("broken");
    let mut event = World::wave3_event(&broken, &[&ALICE]);
    event["detail"]["job"] = json!("Margaret Zyxwvutson");
    assert_eq!(w.post_event(event).await["result"]["status"], "rejected");
    let events = w.events_of(&broken, "ShiftNotCalled", 1).await;
    assert_eq!(events[0]["detail"]["reason"], "job: must be a JSON object");
    assert_eq!(w.call_log(&broken).await["status"], "NOT_CALLED");
    assert!(!log_lines("shift_not_called")
        .iter()
        .any(|l| l.to_string().contains("Zyxwvutson")));

    // No usable occurrence id: nothing can be kept, the bus and the alarm still hear it.
    let mut event = World::wave3_event("occ/with/slash", &[&ALICE]);
    event["detail"]["staffPool"] = json!([]);
    assert_eq!(w.post_event(event).await["result"]["status"], "rejected");
    let alarms = log_lines("shift_not_called");
    assert!(
        alarms
            .iter()
            .any(|l| l["fields"]["occurrence_id"] == "-" && l["fields"]["provider_id"] == PROVIDER),
        "{alarms:?}"
    );
    let start = std::time::Instant::now();
    loop {
        let all = w.outbound_events().await;
        if all.iter().any(|e| {
            e["detail-type"] == "ShiftNotCalled"
                && e["detail"]["occurrenceId"].is_null()
                && e["detail"]["providerId"] == PROVIDER
        }) {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "no ShiftNotCalled without an id: {all:?}"
        );
    }
}
