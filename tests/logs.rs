//! The logs of a whole campaign: JSON lines with the guide's event names, and never a full
//! phone number or a patient's surname.

use callout_sim::Behaviour;
use e2e::*;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_logs_are_json_with_event_names_and_no_personal_details() {
    std::env::set_var("RUST_LOG", "info");
    let captured = Captured::default();
    let sink = captured.clone();
    callout_app::logging::init_with(move || sink.clone());

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

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
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
