//! Whole campaigns on the local AWS, driven by the simulated Twilio. Each test reads as what
//! the staff hear and press, and what the shift and its call log show afterwards.

use callout_sim::{Behaviour, CallEvent, HangupBy};
use e2e::*;
use serde_json::{json, Value};
use std::time::Duration;

fn heard_everything(w: &World) -> String {
    w.sim
        .calls()
        .iter()
        .flat_map(|c| c.heard())
        .collect::<Vec<_>>()
        .join(" | ")
}

// ------------------------------------------------------------------ the guide's five scenarios

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_flow_first_person_hears_their_personal_offer() {
    let w = World::new().await;
    w.enable(1, 2).await;
    w.phone(&ALICE, Behaviour::Accept);
    let occ = occ("basic");
    let started = w.wave3_completed(&occ, &[&ALICE, &BOB, &CAROL]).await;
    assert_eq!(started["result"]["status"], "scheduled", "{started}");

    let log = w.finished(&occ).await;
    let alice = &w.sim.calls_to(ALICE.phone)[0];
    assert_eq!(
        alice.heard()[0],
        default_offer("Alice"),
        "Alice hears her own offer first"
    );
    assert_eq!(alice.keys(), "1");
    assert!(alice.errors().is_empty(), "{:?}", alice.errors());
    // The offer came as real µ-law audio through <Play>, not as <Say>.
    assert!(alice.events.iter().any(|e| matches!(
        e,
        CallEvent::Heard {
            via: callout_sim::Via::Play { .. },
            ..
        }
    )));
    assert_eq!(log["status"], "ASSIGNED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_assigns_confirms_by_sms_and_stops_everything() {
    let w = World::new().await;
    w.enable(1, 3).await;
    w.phone(&ALICE, Behaviour::Accept);
    let occ = occ("accept");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;

    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "ASSIGNED");
    assert_eq!(log["acceptedBy"]["employeeId"], ALICE.employee_id);
    assert_eq!(log["acceptedBy"]["channel"], "phone");
    assert_eq!(outcomes(&log), ["Accepted"]);
    assert_eq!(log["calls"][0]["digit"], "1");
    assert_eq!(log["calls"][0]["purpose"], "Outbound Job Offer");
    assert!(w.sim.calls_to(ALICE.phone)[0]
        .heard()
        .last()
        .unwrap()
        .starts_with("Thank you. The shift is yours."));

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        w.called(&[&ALICE, &BOB]),
        ["Alice"],
        "nobody else is called"
    );
    let sms = w.sim.messages();
    assert_eq!(sms.len(), 1, "exactly one confirmation SMS");
    assert_eq!(sms[0].to, ALICE.phone);
    assert!(
        sms[0].body.contains("Margaret T.") && !sms[0].body.contains("Thompson"),
        "{}",
        sms[0].body
    );
    let events = w.outbound_events().await;
    let filled: Vec<_> = events
        .iter()
        .filter(|e| e["detail-type"] == "ShiftFilled")
        .collect();
    assert_eq!(filled.len(), 1, "{events:?}");
    assert_eq!(filled[0]["detail"]["employeeId"], ALICE.employee_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decline_moves_to_the_next_person_at_once() {
    // At 60× the safety-net check comes 5 s after the call is placed, so a loaded machine's
    // slow call cannot let the check move the campaign before Alice's `callEnded` does.
    let w = World::with(|o| o.time_scale = 60.0).await;
    w.enable(1, 2).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Accept);
    let occ = occ("decline");
    w.wave3_completed(&occ, &[&ALICE, &BOB, &CAROL]).await;

    let log = w.finished(&occ).await;
    assert_eq!(w.called(&[&ALICE, &BOB, &CAROL]), ["Alice", "Bob"]);
    assert_eq!(outcomes(&log), ["Declined", "Accepted"]);
    assert_eq!(log["calls"][0]["digit"], "2");
    assert_eq!(log["acceptedBy"]["employeeId"], BOB.employee_id);
    let alice = &w.sim.calls_to(ALICE.phone)[0];
    assert_eq!(
        alice.heard().last().unwrap(),
        "No problem, thank you for letting us know. Goodbye."
    );
    // "At once": Bob's call is placed without the round pause.
    let calls = w.sim.calls();
    let gap = calls[1].created.duration_since(calls[0].created).unwrap();
    assert!(gap < Duration::from_secs(5), "{gap:?}");
    // One queue hop from Alice's hang-up to Bob's call: her `callEnded` task placed it.
    let tasks: Vec<(Value, Value)> =
        w.rt.delivered
            .lock()
            .unwrap()
            .iter()
            .filter_map(|body| serde_json::from_str::<Value>(body).ok())
            .filter(|task| task["occurrenceId"] == occ)
            .map(|task| (task["kind"].clone(), task["attempt"].clone()))
            .collect();
    assert!(tasks.contains(&(json!("callEnded"), json!(0))), "{tasks:?}");
    assert!(!tasks.contains(&(json!("dial"), json!(1))), "{tasks:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_answer_moves_to_the_next_person() {
    let w = World::new().await;
    w.enable(1, 2).await;
    w.phone(&ALICE, Behaviour::NoAnswer);
    w.phone(&BOB, Behaviour::Accept);
    let occ = occ("noanswer");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;

    let log = w.finished(&occ).await;
    assert_eq!(outcomes(&log), ["No Answer", "Accepted"]);
    assert_eq!(log["calls"][0]["twilioStatus"], "no-answer");
    // The call was placed with a 30 s ring timeout, told to report its answer and its end.
    let req = &w.sim.calls_to(ALICE.phone)[0].request;
    let field = |k: &str| {
        req.iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(field("Timeout"), ["30"]);
    assert_eq!(
        field("StatusCallbackEvent"),
        ["initiated", "answered", "completed"]
    );
    assert_eq!(field("AsyncAmd"), ["true"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_staff_two_rounds_all_decline_is_a_b_a_b_then_unfilled() {
    let w = World::new().await;
    w.enable(1, 2).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Decline);
    let occ = occ("roundrobin");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;

    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");
    assert_eq!(w.called(&[&ALICE, &BOB]), ["Alice", "Bob", "Alice", "Bob"]);
    assert_eq!(outcomes(&log), ["Declined"; 4]);
    let rounds: Vec<_> = log["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["round"].as_u64().unwrap())
        .collect();
    assert_eq!(rounds, [1, 1, 2, 2]);
    assert!(log["acceptedBy"].is_null());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.sim.calls().len(), 4, "no fifth call");
    let events = w.outbound_events().await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e["detail-type"] == "ShiftUnfilledAfterCalls")
            .count(),
        1,
        "{events:?}"
    );
    assert!(w.sim.messages().is_empty());
}

// ------------------------------------------------------------------ every way a call can end

async fn first_call_ends_as(behaviour: Behaviour, outcome: &str) -> (World, Value) {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, behaviour);
    w.phone(&BOB, Behaviour::Accept);
    let occ = occ("ending");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let log = w.finished(&occ).await;
    assert_eq!(outcomes(&log), [outcome, "Accepted"], "{}", w.transcript());
    assert_eq!(w.called(&[&ALICE, &BOB]), ["Alice", "Bob"]);
    (w, log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_line_is_busy_and_the_next_person_is_called() {
    let (_, log) = first_call_ends_as(Behaviour::Busy, "Busy").await;
    assert_eq!(log["calls"][0]["twilioStatus"], "busy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_call_is_failed_and_the_next_person_is_called() {
    let (_, log) = first_call_ends_as(Behaviour::Fail, "Failed").await;
    assert_eq!(log["calls"][0]["twilioStatus"], "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_after_the_message_is_no_answer() {
    let (w, log) = first_call_ends_as(Behaviour::Silent, "No Answer").await;
    let alice = &w.sim.calls_to(ALICE.phone)[0];
    assert!(alice.events.contains(&CallEvent::GatherTimedOut));
    assert_eq!(
        alice.heard().last().unwrap(),
        "We did not hear a response, so we will offer the shift to someone else. Goodbye."
    );
    assert_eq!(log["calls"][0]["twilioStatus"], "completed");
    assert!(
        log["calls"][0]["durationSecs"].as_u64().unwrap() >= 15,
        "the 15 s gather timeout counts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voicemail_gets_a_short_message_without_patient_details() {
    let (w, log) = first_call_ends_as(Behaviour::Voicemail, "Voicemail").await;
    let alice = &w.sim.calls_to(ALICE.phone)[0];
    let heard = alice.heard().join(" ");
    assert!(
        heard.starts_with("Hi Alice, we called about an urgent shift."),
        "{heard}"
    );
    assert!(
        !heard.contains("Margaret") && !heard.contains("Parramatta"),
        "no patient details on a machine: {heard}"
    );
    assert_eq!(log["calls"][0]["answeredBy"], "machine_end_beep");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_key_hears_the_offer_again_then_presses_one() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::WrongKeyThen('1'));
    let occ = occ("wrongkey");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let log = w.finished(&occ).await;
    let alice = &w.sim.calls_to(ALICE.phone)[0];
    assert_eq!(alice.keys(), "91");
    let heard = alice.heard();
    assert_eq!(heard[0], default_offer("Alice"));
    assert_eq!(
        heard[1],
        "Sorry, that key is not an option. Here is the message again."
    );
    assert_eq!(heard[2], default_offer("Alice"));
    assert_eq!(outcomes(&log), ["Accepted"]);
    assert_eq!(log["calls"][0]["digit"], "1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_pressed_during_the_message_counts() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::PressDuringMessage('1'));
    let occ = occ("bargein");
    w.wave3_completed(&occ, &[&ALICE]).await;
    let log = w.finished(&occ).await;
    let alice = &w.sim.calls_to(ALICE.phone)[0];
    assert!(
        alice.events.iter().any(|e| matches!(
            e,
            CallEvent::Heard {
                interrupted: true,
                ..
            }
        )),
        "{}",
        w.transcript()
    );
    assert_eq!(outcomes(&log), ["Accepted"]);
}

// ------------------------------------------------------------------ other channels

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_acceptance_while_waiting_means_no_call_at_all() {
    let w = World::new().await;
    // 120 minutes at TIME_SCALE 600 is 12 s: long enough to accept first.
    w.enable(120, 3).await;
    let occ = occ("smswait");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    assert!(
        w.schedule_exists(&occ).await,
        "the start schedule is pending"
    );

    let (status, body) = w.accept_by_sms(&occ, &BOB).await;
    assert_eq!((status, body.clone()), (200, json!({"accepted": true})));
    assert!(
        !w.schedule_exists(&occ).await,
        "the pending schedule is deleted"
    );
    let (status, body) = w.accept_by_sms(&occ, &ALICE).await;
    assert_eq!(
        (status, body),
        (409, json!({"accepted": false, "filledBy": BOB.employee_id}))
    );

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(w.sim.calls().is_empty(), "nobody is phoned");
    let log = w.call_log(&occ).await;
    assert_eq!(log["status"], "ASSIGNED");
    assert_eq!(log["acceptedBy"]["channel"], "sms");
    assert_eq!(w.sim.messages().len(), 1);
    assert_eq!(w.sim.messages()[0].to, BOB.phone);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_acceptance_mid_campaign_ends_the_live_call() {
    let w = World::new().await;
    w.enable(1, 3).await;
    w.phone(&ALICE, Behaviour::HoldUntilEnded);
    let occ = occ("smsmid");
    w.wave3_completed(&occ, &[&ALICE, &BOB, &CAROL]).await;
    let live = w.wait_answered(&ALICE).await;

    let (status, _) = w.accept_by_sms(&occ, &CAROL).await;
    assert_eq!(status, 200);
    let alice = w
        .sim
        .wait_for_call(&live.sid, Duration::from_secs(10))
        .await
        .expect("Alice's call ends");
    assert!(
        alice.events.contains(&CallEvent::HungUp(HangupBy::Api)),
        "{}",
        w.transcript()
    );

    let log = w.finished(&occ).await;
    assert_eq!(outcomes(&log), ["Canceled"]);
    assert_eq!(log["acceptedBy"]["employeeId"], CAROL.employee_id);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        w.called(&[&ALICE, &BOB, &CAROL]),
        ["Alice"],
        "no more calls"
    );
    assert_eq!(w.sim.messages().len(), 1);
}

// ------------------------------------------------------------------ starting

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_with_calling_disabled_gets_no_calls() {
    let w = World::new().await;
    let (_, settings) = w.get_settings(PROVIDER).await;
    assert_eq!(settings["enabled"], false, "disabled by default");
    let occ = occ("disabled");
    let started = w.wave3_completed(&occ, &[&ALICE]).await;
    assert_eq!(started["result"]["status"], "disabled");
    assert!(!w.schedule_exists(&occ).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(w.sim.calls().is_empty());
    let log = w.call_log(&occ).await;
    assert_eq!(
        (log["status"].as_str(), log["callingEnabled"].as_bool()),
        (Some("OPEN"), Some(false))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_start_event_starts_nothing_new() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Decline);
    let occ = occ("repeat");
    let event = World::wave3_event(&occ, &[&ALICE, &BOB]);
    assert_eq!(
        w.post_event(event.clone()).await["result"]["status"],
        "scheduled"
    );
    assert_eq!(
        w.post_event(event.clone()).await["result"]["status"],
        "duplicate"
    );
    let log = w.finished(&occ).await;
    // Delivered again after the campaign: still nothing new.
    assert_eq!(w.post_event(event).await["result"]["status"], "duplicate");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(w.called(&[&ALICE, &BOB]), ["Alice", "Bob"]);
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_detail_is_accepted_as_well_as_the_envelope() {
    let w = World::new().await;
    let occ = occ("bare");
    let event = World::wave3_event(&occ, &[&ALICE]);
    let invocation =
        callout_app::lambda_runtime::LambdaEvent::new(event["detail"].clone(), Default::default());
    let out = callout_app::handlers::start_calling(&w.rt.app, invocation)
        .await
        .unwrap();
    assert_eq!(out["status"], "disabled");
    assert_eq!(w.call_log(&occ).await["status"], "OPEN");
}

// ------------------------------------------------------------------ what is said

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spoken_text_is_the_rendered_template() {
    let w = World::new().await;
    let template = "{employeeName}, {patientName} needs care on {date} from {startTime} to {endTime} ({time}) in {suburb}. Press 1 to accept, 2 to pass.";
    let (status, body) = w
        .patch_settings(
            PROVIDER,
            json!({"enabled": true, "waitMinutes": 1, "maxRounds": 1, "messageTemplate": template}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Accept);
    let occ = occ("template");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    w.finished(&occ).await;
    let expected = |name: &str| {
        format!("{name}, Margaret T. needs care on Jan 23 from 09:00 to 13:00 (9:00 AM) in Parramatta. Press 1 to accept, 2 to pass.")
    };
    assert_eq!(w.sim.calls_to(ALICE.phone)[0].heard()[0], expected("Alice"));
    assert_eq!(w.sim.calls_to(BOB.phone)[0].heard()[0], expected("Bob"));
    // The name opens the template: each greeting is the name, the rest is spoken once.
    let body = expected("").trim_start_matches(", ").to_string();
    assert_eq!(
        w.sim.tts_characters() as usize,
        chars(&["Alice,", "Bob,", &body])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_elevenlabs_fails_the_same_words_are_said() {
    let w = World::new().await;
    w.sim
        .set_tts_failure(Some(callout_sim::TtsFailure::ServerError));
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Accept);
    let occ = occ("ttsfail");
    w.wave3_completed(&occ, &[&ALICE]).await;
    w.finished(&occ).await;
    let alice = &w.sim.calls_to(ALICE.phone)[0];
    assert_eq!(alice.heard()[0], default_offer("Alice"));
    assert!(alice.events.iter().any(|e| matches!(
        e,
        CallEvent::Heard {
            via: callout_sim::Via::Say,
            ..
        }
    )));
    assert_eq!(alice.keys(), "1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_persons_message_is_generated_once_across_rounds() {
    let w = World::new().await;
    w.enable(1, 3).await;
    w.phone(&ALICE, Behaviour::Silent);
    let occ = occ("cache");
    w.wave3_completed(&occ, &[&ALICE]).await;
    let log = w.finished(&occ).await;
    assert_eq!(outcomes(&log), ["No Answer"; 3]);
    assert_eq!(
        w.sim.tts_requests(),
        2,
        "rounds 2 and 3 reuse round 1's two clips (the greeting and the shift's words)"
    );
    assert_eq!(heard_everything(&w).matches("Hi Alice").count(), 3);
}

// ------------------------------------------------------------------ trust

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_signature_is_refused_and_changes_nothing() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::HoldUntilEnded);
    let occ = occ("forged");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let live = w.wait_answered(&ALICE).await;
    let base = &w.rt.base_url;
    let q = format!("occurrenceId={occ}&attempt=0");
    let form = [
        ("CallSid", live.sid.as_str()),
        ("Digits", "1"),
        ("CallStatus", "completed"),
        ("SequenceNumber", "99"),
    ];
    let good_token = callout_core::signature::sign(
        "sim-auth-token",
        &format!("{base}/api/outbound/response?{q}"),
        &form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>(),
    );
    // Missing, wrong, and /response's genuine signature replayed on the other routes.
    for (path, sigs) in [
        ("response", vec![None, Some("bm90IGEgc2lnbmF0dXJl")]),
        (
            "status",
            vec![
                None,
                Some("bm90IGEgc2lnbmF0dXJl"),
                Some(good_token.as_str()),
            ],
        ),
        (
            "timeout",
            vec![
                None,
                Some("bm90IGEgc2lnbmF0dXJl"),
                Some(good_token.as_str()),
            ],
        ),
        ("twiml", vec![None, Some(""), Some(good_token.as_str())]),
    ] {
        let url = format!("{base}/api/outbound/{path}?{q}");
        for sig in sigs {
            let mut req = w.http.post(&url).form(&form);
            if let Some(s) = sig {
                req = req.header("X-Twilio-Signature", s);
            }
            assert_eq!(
                req.send().await.unwrap().status().as_u16(),
                403,
                "{path} with {sig:?}"
            );
        }
    }
    // The genuine signature with one parameter changed.
    let tampered = [
        ("CallSid", live.sid.as_str()),
        ("Digits", "2"),
        ("CallStatus", "completed"),
        ("SequenceNumber", "99"),
    ];
    let r = w
        .http
        .post(format!("{base}/api/outbound/response?{q}"))
        .form(&tampered)
        .header("X-Twilio-Signature", &good_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let audio = w
        .http
        .get(format!("{base}/api/outbound/audio/{occ}.0"))
        .send()
        .await
        .unwrap();
    assert_eq!(audio.status(), 403);

    let log = w.call_log(&occ).await;
    assert_eq!(log["status"], "OPEN", "nothing changed");
    assert!(log["calls"][0]["outcome"].is_null(), "{log:#}");
    assert_eq!(log["calls"][0]["twilioStatus"], "in-progress");
    // Let the held call go.
    assert_eq!(w.accept_by_sms(&occ, &BOB).await.0, 200);
    w.finished(&occ).await;
    assert_eq!(w.sim.messages().len(), 1, "only Bob's confirmation");
}

// ------------------------------------------------------------------ the provider API

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_validated_per_field_and_nothing_is_saved_when_invalid() {
    let w = World::new().await;
    let (status, body) = w.patch_settings(PROVIDER, json!({"enabled": true, "waitMinutes": 0, "maxRounds": 9, "messageTemplate": "Hi {nickname}"})).await;
    assert_eq!(status, 400);
    let errors = body["errors"].as_object().unwrap();
    assert_eq!(
        errors.keys().collect::<Vec<_>>(),
        ["maxRounds", "messageTemplate", "waitMinutes"]
    );
    let (_, saved) = w.get_settings(PROVIDER).await;
    // Every setting still at its default (those added later included).
    assert_eq!(
        [
            &saved["enabled"],
            &saved["waitMinutes"],
            &saved["maxRounds"],
            &saved["messageTemplate"]
        ],
        [
            &json!(false),
            &json!(15),
            &json!(3),
            &json!(callout_core::template::DEFAULT_TEMPLATE)
        ]
    );
    assert_eq!(
        saved,
        json!(callout_core::settings::Settings::default()),
        "nothing saved"
    );

    let (status, body) = w.patch_settings(PROVIDER, json!({"waitMinutes": 5})).await;
    assert_eq!((status, body["waitMinutes"].as_u64()), (200, Some(5)));
    let (_, saved) = w.get_settings(PROVIDER).await;
    assert_eq!(
        (saved["waitMinutes"].as_u64(), saved["maxRounds"].as_u64()),
        (Some(5), Some(3))
    );

    // No token → 401 from the authorizer; another provider sees its own defaults.
    let r = w
        .http
        .get(format!("{}/api/provider/outbound-calling", w.rt.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (_, other) = w.get_settings("prov_other").await;
    assert_eq!(other["waitMinutes"], 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_call_log_belongs_to_its_provider_only() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Accept);
    let occ = occ("log");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    w.finished(&occ).await;
    // Under load a final status can come from the call's check rather than its callback.
    let log = w
        .wait_for(&occ, "every call's end to be recorded", |log| {
            log["calls"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["endedAt"].is_string())
        })
        .await;
    let calls = log["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    for (i, c) in calls.iter().enumerate() {
        assert_eq!(c["round"], 1);
        assert_eq!(c["position"], i);
        assert!(c["callSid"].as_str().unwrap().starts_with("CA"));
        assert!(c["createdAt"].is_string() && c["endedAt"].is_string());
        assert!(
            c.get("phone").is_none(),
            "the call log does not expose phone numbers"
        );
    }
    assert_eq!(log["acceptedBy"]["firstName"], "Bob");

    let r = w
        .http
        .get(format!("{}/api/provider/jobs/{occ}/calls", w.rt.base_url))
        .bearer_auth(w.rt.token("prov_other"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "another provider's shift does not exist for them"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_api_refuses_what_it_cannot_do_clearly() {
    let w = World::new().await;
    let occ = occ("acceptapi");
    w.wave3_completed(&occ, &[&ALICE]).await;
    let post = |path: String, body: &'static str| {
        let http = w.http.clone();
        async move {
            let r = http
                .post(path)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let base = &w.rt.base_url;
    let (s, b) = post(
        format!("{base}/api/jobs/occ_missing/acceptance"),
        r#"{"employeeId":"emp_alice"}"#,
    )
    .await;
    assert_eq!(
        (s, b["error"].as_str()),
        (404, Some("unknown occurrenceId"))
    );
    let (s, _) = post(
        format!("{base}/api/jobs/{occ}/acceptance"),
        r#"{"employeeId":"emp_nobody"}"#,
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = post(format!("{base}/api/jobs/{occ}/acceptance"), "not json").await;
    assert_eq!(s, 400);
    let (s, _) = post(
        format!("{base}/api/jobs/{occ}/acceptance"),
        r#"{"channel":"sms"}"#,
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(w.call_log(&occ).await["status"], "OPEN", "nothing changed");
}

// ------------------------------------------------------------------ cost

/// The default offer after its greeting: the same words for everyone called about the shift.
const BODY: &str = "we have an urgent shift for Margaret T. on Jan 23 at 9:00 AM in Parramatta. Press 1 to accept this shift, or press 2 to decline.";

fn chars(texts: &[&str]) -> usize {
    texts.iter().map(|t| t.chars().count()).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_four_by_three_campaign_pays_for_the_shifts_words_once_and_each_greeting_once()
{
    // Every task delivered twice as well: duplicates must cost nothing.
    let w = World::with(|o| o.duplicate_deliveries = true).await;
    w.enable(1, 3).await;
    for p in [&ALICE, &BOB, &CAROL, &DAN] {
        w.phone(p, Behaviour::Silent);
    }
    let occ = occ("cost");
    w.wave3_completed(&occ, &[&ALICE, &BOB, &CAROL, &DAN]).await;
    let log = w.finished(&occ).await;
    assert_eq!(outcomes(&log).len(), 12);
    let greetings = ["Hi Alice,", "Hi Bob,", "Hi Carol,", "Hi Dan,"];
    let spoken = chars(&greetings) + chars(&[BODY]);
    // 548 when each person's whole offer was spoken (and about 1,800 in the Node version).
    assert_eq!(spoken, 160);
    assert_eq!(
        w.sim.tts_characters() as usize,
        spoken,
        "the shift's words once, each greeting once"
    );
    assert_eq!(w.sim.tts_requests(), 5);
    // Request stitching: the body hears a greeting before it, each greeting the body's first
    // sentence after it.
    let requests = w.sim.tts_log();
    let mut texts: Vec<&str> = requests.iter().map(|r| r.text.as_str()).collect();
    texts.sort();
    let mut want = greetings.to_vec();
    want.push(BODY);
    want.sort();
    assert_eq!(texts, want);
    for r in &requests {
        if r.text == BODY {
            assert!(
                greetings.contains(&r.previous_text.as_deref().unwrap_or_default()),
                "{r:?}"
            );
            assert_eq!(r.next_text, None);
        } else {
            assert_eq!(r.previous_text, None);
            assert_eq!(
                r.next_text.as_deref(),
                Some("we have an urgent shift for Margaret T. on Jan 23 at 9:00 AM in Parramatta.")
            );
        }
    }
    // Everyone heard their whole offer, as two clips back to back, every time.
    for p in [&ALICE, &BOB, &CAROL, &DAN] {
        let calls = w.sim.calls_to(p.phone);
        assert_eq!(calls.len(), 3);
        for c in calls {
            assert_eq!(c.heard()[0], default_offer(p.first_name), "{:?}", c.events);
            let plays = c
                .events
                .iter()
                .filter(|e| {
                    matches!(
                        e,
                        CallEvent::Heard {
                            via: callout_sim::Via::Play { .. },
                            ..
                        }
                    )
                })
                .count();
            assert_eq!(plays, 2, "{:?}", c.events);
        }
    }
    // The dialer's own metrics agree: only the first call of each person paid anything.
    assert_eq!(w.rt.app.metrics.total("TtsCharacters") as usize, spoken);
    assert_eq!(w.rt.app.metrics.total("TtsCacheHits"), 8.0);
    // And the call log's results.
    let paid: u64 = log["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["speechChars"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(paid as usize, spoken, "{log}");

    // Another shift for the same people, elsewhere: its body is new, the greetings are not.
    w.enable(1, 1).await;
    let before = w.sim.tts_characters() as usize;
    let second = e2e::occ("cost2");
    let mut event = World::wave3_event(&second, &[&ALICE, &BOB]);
    event["detail"]["job"]["suburb"] = json!("Penrith");
    w.post_event(event).await;
    assert_eq!(outcomes(&w.finished(&second).await).len(), 2);
    let body = BODY.replace("Parramatta", "Penrith");
    assert_eq!(
        w.sim.tts_characters() as usize - before,
        chars(&[&body]),
        "no greeting characters"
    );
    assert_eq!(w.sim.tts_log().last().unwrap().text, body);
    assert_eq!(
        w.sim.calls_to(BOB.phone).last().unwrap().heard()[0],
        default_offer("Bob").replace("Parramatta", "Penrith")
    );
}

// ------------------------------------------------------------------ the dashboard's figures

/// The guide's figures (call success rate, average round of acceptance, unfilled rate, calls by
/// outcome) come from EMF metrics the dashboard in `template.yaml` reads: one count per call
/// outcome and per decided shift, however often the steps behind them are retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboards_figures_count_each_call_and_shift_once() {
    use callout_app::metrics::figures;
    let w = World::with(|o| o.duplicate_deliveries = true).await;
    w.enable(1, 2).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Accept);
    w.phone(&CAROL, Behaviour::Decline);
    let filled = occ("figures_filled");
    w.wave3_completed(&filled, &[&ALICE, &BOB]).await;
    let unfilled = occ("figures_unfilled");
    w.wave3_completed(&unfilled, &[&CAROL]).await;
    assert_eq!(
        outcomes(&w.finished(&filled).await),
        ["Declined", "Accepted"]
    );
    assert_eq!(outcomes(&w.finished(&unfilled).await), ["Declined"; 2]);
    let m = &w.rt.app.metrics;
    eventually("the shifts' figures", || {
        m.total(figures::SHIFTS_FILLED_BY_CALL) >= 1.0 && m.total(figures::SHIFTS_UNFILLED) >= 1.0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(m.total_where(figures::CALLS, "Outcome", "Declined"), 3.0);
    assert_eq!(m.total_where(figures::CALLS, "Outcome", "Accepted"), 1.0);
    assert_eq!(m.total(figures::CALLS), 4.0);
    assert_eq!(m.total(figures::SHIFTS_FILLED_BY_CALL), 1.0);
    assert_eq!(m.total(figures::SHIFTS_FILLED_OTHERWISE), 0.0);
    assert_eq!(m.total(figures::SHIFTS_UNFILLED), 1.0);
    assert_eq!(
        m.total(figures::ACCEPTED_ROUND),
        1.0,
        "Bob accepted in round 1"
    );
}

// ------------------------------------------------------------------ the critical path

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_stay_within_their_request_budget() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::WrongKeyThen('2'));
    w.phone(&BOB, Behaviour::Silent);
    w.phone(&CAROL, Behaviour::Voicemail);
    w.phone(&DAN, Behaviour::Accept);
    let occ = occ("budget");
    w.wave3_completed(&occ, &[&ALICE, &BOB, &CAROL, &DAN]).await;
    let log = w.finished(&occ).await;
    assert_eq!(
        outcomes(&log),
        ["Declined", "No Answer", "Voicemail", "Accepted"]
    );
    let b = w.rt.budget.lock().unwrap().clone();
    for (route, dynamodb) in [
        ("call-twiml", 1),
        // The key press reads its attempt (is this the person called, on a live call?),
        // then the acceptance and the call's outcome.
        ("call-response", 3),
        ("call-status", 3),
        ("call-timeout", 1),
    ] {
        assert!(b.invocations(route) > 0, "{route} was called");
        assert!(
            b.most(route, "dynamodb") <= dynamodb,
            "{route}: {} DynamoDB requests > {dynamodb} ({b:?})",
            b.most(route, "dynamodb")
        );
        assert_eq!(b.most(route, "s3"), 0, "{route} reads no S3");
        assert_eq!(
            b.most(route, "elevenlabs"),
            0,
            "{route} calls no ElevenLabs"
        );
    }
    assert_eq!(
        b.invocations("call-audio"),
        0,
        "Twilio fetches the audio from S3 directly"
    );

    // The audio route still serves the attempt's WAV to a signed request.
    let path = format!("/api/outbound/audio/{occ}.3");
    let url = format!("{}{path}", w.rt.base_url);
    let sig = callout_core::signature::sign(&w.sim.config().auth_token, &url, &[]);
    let r = w
        .http
        .get(&url)
        .header("X-Twilio-Signature", sig)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "audio/wav");
    let wav = callout_core::wav::parse_ulaw(&r.bytes().await.unwrap()).unwrap();
    assert!(wav.duration_secs() > 1.0);
    // Dan's greeting and the shift's words, joined into one file.
    assert_eq!(
        wav.data.len(),
        chars(&["Hi Dan,", BODY]) * callout_sim::SAMPLES_PER_CHAR
    );
}
