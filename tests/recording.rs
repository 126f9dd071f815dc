//! Call recording (issue 16, point 5) on the local AWS with the simulated Twilio: a recorded
//! call says so first, Twilio records it and posts the recording's status (signed); the
//! recording reaches its provider only, through the provider API; it is deleted at Twilio
//! once the provider's `recordingRetentionDays` have passed (days shortened by `TIME_SCALE`).

use callout_app::lambda_runtime::{Context, LambdaEvent};
use callout_core::words::{English, Phrasebook};
use callout_sim::Behaviour;
use e2e::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn record_calls(w: &World, days: u32) {
    let (status, body) = w
        .patch_settings(
            PROVIDER,
            json!({"recordCalls": true, "recordingRetentionDays": days}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["recordCalls"], &body["recordingRetentionDays"]),
        (&json!(true), &json!(days))
    );
}

async fn recording_get(w: &World, occ: &str, k: u32, provider: Option<&str>) -> reqwest::Response {
    let mut req = w.http.get(format!(
        "{}/api/provider/jobs/{occ}/calls/{k}/recording",
        w.rt.base_url
    ));
    if let Some(p) = provider {
        req = req.bearer_auth(w.rt.token(p));
    }
    req.send().await.unwrap()
}

/// The daily run, as the template's schedule invokes start-calling.
async fn daily_run(w: &World) -> Value {
    callout_app::handlers::start_calling(
        &w.rt.functions.start_calling,
        LambdaEvent::new(
            json!({"recordingRetention": "deleteExpired"}),
            Context::default(),
        ),
    )
    .await
    .unwrap()
}

/// Bob takes a recorded shift; returns the shift and the kept recording's SID.
async fn recorded_campaign(w: &World) -> (String, String) {
    w.enable(1, 1).await;
    record_calls(w, 1).await;
    w.phone(&BOB, Behaviour::Accept);
    let occ = occ("recorded");
    w.wave3_completed(&occ, &[&BOB]).await;
    assert_eq!(w.finished(&occ).await["status"], "ASSIGNED");
    let log = w
        .wait_for(&occ, "the recording to be kept", |l| {
            l["calls"][0]["recordingSid"].is_string()
        })
        .await;
    let sid = log["calls"][0]["recordingSid"]
        .as_str()
        .unwrap()
        .to_string();
    (occ, sid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_call_says_so_first_and_its_recording_reaches_only_its_provider() {
    let w = World::new().await;
    let (occ, sid) = recorded_campaign(&w).await;

    // Twilio was asked to record and to post the recording's status.
    let call = &w.sim.calls_to(BOB.phone)[0];
    let param = |k: &str| {
        call.request
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(param("Record"), Some("true"));
    // Twilio's default events: `completed` only.
    assert_eq!(param("RecordingStatusCallbackEvent"), None);
    assert!(param("RecordingStatusCallback")
        .unwrap()
        .ends_with(&format!(
            "/api/outbound/recording?occurrenceId={occ}&attempt=0"
        )));
    // Bob hears the notice before anything else, then the offer.
    let heard = call.heard();
    assert_eq!(heard[0], English.recording_notice(), "{heard:?}");
    assert_eq!(heard[1], default_offer("Bob"), "{heard:?}");

    // The kept recording is the one Twilio made of this call.
    let recs = w.sim.recordings();
    assert_eq!(recs.len(), 1);
    assert_eq!(
        (recs[0].sid.as_str(), recs[0].call_sid.as_str()),
        (sid.as_str(), call.sid.as_str())
    );

    // The provider hears it through its API, never from Twilio directly.
    let r = recording_get(&w, &occ, 0, Some(PROVIDER)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "audio/x-wav");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"RIFF"));
    assert_eq!(bytes.as_ref(), recs[0].media.as_slice());
    // Twilio answered the fetch with a redirect to its media host (another host), which the
    // product followed without the account's credentials.
    let rec = &w.sim.recordings()[0];
    assert_eq!(rec.media_host_fetches, 1, "{rec:?}");
    assert_eq!(rec.media_host_fetches_with_authorization, 0, "{rec:?}");
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let api = no_redirects
        .get(format!(
            "{}/2010-04-01/Accounts/{}/Recordings/{sid}.wav",
            w.sim.base_url(),
            w.sim.config().account_sid
        ))
        .basic_auth(
            &w.sim.config().account_sid,
            Some(&w.sim.config().auth_token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 302);
    let location = api.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&w.sim.media_url()), "{location}");
    assert_ne!(w.sim.media_url(), w.sim.base_url());
    let log = w.call_log(&occ).await;
    assert!(
        !log.to_string().contains("api.twilio.com") && !log.to_string().contains(&w.sim.base_url())
    );

    // Another provider, no token, a call that does not exist: nothing.
    assert_eq!(
        recording_get(&w, &occ, 0, Some("prov_other"))
            .await
            .status(),
        404
    );
    assert_eq!(recording_get(&w, &occ, 0, None).await.status(), 401);
    assert_eq!(
        recording_get(&w, &occ, 7, Some(PROVIDER)).await.status(),
        404
    );
    assert_eq!(
        recording_get(&w, "occ_nope", 0, Some(PROVIDER))
            .await
            .status(),
        404
    );
    // The simulated Twilio serves the media only with the account's credentials.
    let direct = w
        .http
        .get(format!(
            "{}/2010-04-01/Accounts/{}/Recordings/{sid}.wav",
            w.sim.base_url(),
            w.sim.config().account_sid
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), 401);

    // The recording callback is a webhook like the others: unsigned is refused, and a signed
    // one about another call changes nothing.
    let path = format!("/api/outbound/recording?occurrenceId={occ}&attempt=0");
    let other = "RE00000000000000000000000000000000";
    let form = [
        ("CallSid", "CA00000000000000000000000000000000"),
        ("RecordingSid", other),
        ("RecordingStatus", "completed"),
    ];
    let r = w
        .http
        .post(format!("{}{path}", w.rt.base_url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(w.signed(&path, &form).send().await.unwrap().status(), 204);
    assert_eq!(
        w.call_log(&occ).await["calls"][0]["recordingSid"],
        sid.as_str()
    );
    // Twilio repeating the genuine callback writes the same: one recording to delete.
    let again = [
        ("CallSid", call.sid.as_str()),
        ("RecordingSid", sid.as_str()),
        ("RecordingStatus", "completed"),
    ];
    assert_eq!(w.signed(&path, &again).send().await.unwrap().status(), 204);
    let far = chrono::Utc::now() + chrono::Duration::days(400);
    let due = w.rt.app.store.due_recordings(far, None, 100).await.unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0].recording_sid, sid);
}

/// When call-twiml cannot answer a recorded call, Twilio's FallbackUrl says sorry and the
/// offer comes again: with the notice before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_call_whose_first_answer_fails_still_says_so_before_the_offer() {
    let w = World::new().await;
    w.enable(1, 1).await;
    record_calls(&w, 30).await;
    w.phone(&BOB, Behaviour::Accept);
    let occ = occ("recorded_down");
    w.rt.app
        .faults
        .arm(callout_app::faults::TWIML_FUNCTION_DOWN, &occ);
    w.wave3_completed(&occ, &[&BOB]).await;
    assert_eq!(w.finished(&occ).await["status"], "ASSIGNED");
    let heard = w.sim.calls_to(BOB.phone)[0].heard();
    assert!(heard[0].starts_with("Sorry"), "{heard:?}");
    assert_eq!(heard[1], English.recording_notice(), "{heard:?}");
    assert_eq!(heard[2], default_offer("Bob"), "{heard:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_is_not_recorded_unless_the_provider_says_so() {
    let w = World::new().await;
    w.enable(1, 1).await;
    let (_, settings) = w.get_settings(PROVIDER).await;
    assert_eq!(
        (
            &settings["recordCalls"],
            &settings["recordingRetentionDays"]
        ),
        (&json!(false), &json!(30))
    );
    for (bad, field, msg) in [
        (
            json!({"recordCalls": "yes"}),
            "recordCalls",
            "must be true or false",
        ),
        (
            json!({"recordingRetentionDays": 366}),
            "recordingRetentionDays",
            "must be a whole number from 1 to 365",
        ),
    ] {
        let (status, body) = w.patch_settings(PROVIDER, bad).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["errors"][field], msg);
    }
    w.phone(&ALICE, Behaviour::Accept);
    let occ = occ("unrecorded");
    w.wave3_completed(&occ, &[&ALICE]).await;
    let log = w.finished(&occ).await;
    assert!(log["calls"][0]["recordingSid"].is_null());
    let call = &w.sim.calls_to(ALICE.phone)[0];
    assert!(!call.request.iter().any(|(k, _)| k.starts_with("Record")));
    assert_eq!(call.heard()[0], default_offer("Alice"));
    assert!(w.sim.recordings().is_empty());
    assert_eq!(
        recording_get(&w, &occ, 0, Some(PROVIDER)).await.status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_is_deleted_at_twilio_once_its_retention_has_passed() {
    // One day of retention lasts 6 seconds here.
    let w = World::with(|o| o.time_scale = 14_400.0).await;
    let (occ, sid) = recorded_campaign(&w).await;
    let placed: chrono::DateTime<chrono::Utc> = w.call_log(&occ).await["calls"][0]["createdAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let due = placed + chrono::Duration::seconds(6);
    assert!(
        chrono::Utc::now() < due,
        "the campaign took longer than the retention"
    );

    // Before the retention ends, the daily run keeps it.
    assert_eq!(
        daily_run(&w).await,
        json!({"status": "recordings", "queued": 0, "complete": true})
    );
    assert!(!w.sim.recordings()[0].deleted);
    assert_eq!(
        recording_get(&w, &occ, 0, Some(PROVIDER)).await.status(),
        200
    );

    // After it, the next run queues its deletion and the dialer deletes it at Twilio, once.
    let start = Instant::now();
    let mut queued_at = None;
    while queued_at.is_none() {
        assert!(start.elapsed() < Duration::from_secs(30), "never queued");
        let out = daily_run(&w).await;
        if out["queued"] == 1 {
            queued_at = Some(chrono::Utc::now());
        } else {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    assert!(
        queued_at.unwrap() >= due,
        "queued before the retention ended"
    );
    eventually("the recording deleted at Twilio", || {
        w.sim.recordings()[0].deleted
    })
    .await;
    let rec = &w.sim.recordings()[0];
    assert_eq!((rec.sid.as_str(), rec.deleted), (sid.as_str(), true));
    // The deletion line is empty once Twilio confirmed.
    let start = Instant::now();
    while daily_run(&w).await["queued"] != 0 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "still in the line"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(w.sim.recordings().iter().filter(|r| r.deleted).count(), 1);
    // The call log no longer offers it.
    assert!(w.call_log(&occ).await["calls"][0]["recordingSid"].is_null());
    assert_eq!(
        recording_get(&w, &occ, 0, Some(PROVIDER)).await.status(),
        404
    );
}

/// A call recorded twice (two recording SIDs for one call): each goes in the deletion line, so
/// neither outlives its retention.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_recording_of_one_call_is_deleted_too() {
    let w = World::new().await;
    let (occ, sid) = recorded_campaign(&w).await;
    let call = w.sim.calls_to(BOB.phone).remove(0);
    let second = "RE11111111111111111111111111111111";
    let path = format!("/api/outbound/recording?occurrenceId={occ}&attempt=0");
    let form = [
        ("CallSid", call.sid.as_str()),
        ("RecordingSid", second),
        ("RecordingStatus", "completed"),
    ];
    assert_eq!(w.signed(&path, &form).send().await.unwrap().status(), 204);
    // Repeated, it is still one item.
    assert_eq!(w.signed(&path, &form).send().await.unwrap().status(), 204);
    let far = chrono::Utc::now() + chrono::Duration::days(400);
    let mut due: Vec<String> =
        w.rt.app
            .store
            .due_recordings(far, None, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|d| d.occurrence_id == occ)
            .map(|d| d.recording_sid)
            .collect();
    due.sort();
    let mut both = vec![sid.clone(), second.to_string()];
    both.sort();
    assert_eq!(due, both);
    // The call log still shows the first.
    assert_eq!(
        w.call_log(&occ).await["calls"][0]["recordingSid"],
        sid.as_str()
    );
}

/// Any backlog drains: the daily run reads the deletion line page by page and queues one
/// deletion task per recording, and the dialer deletes each (a recording Twilio no longer has
/// counts as deleted); the line ends empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_of_recordings_past_their_retention_drains() {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    let w = World::new().await;
    let db = aws_sdk_dynamodb::Client::new(&w.rt.sdk);
    let table = &w.rt.provisioned.names.table;
    let backlog = callout_app::service::recording::DELETIONS_PER_PAGE * 2 + 30;
    for k in 0..backlog {
        let sk = format!("DUE#2020-01-01T00:00:00.000000+00:00#occ_backlog#{k:05}");
        db.put_item()
            .table_name(table)
            .item("pk", A::S("RECORDING_DUE".into()))
            .item("sk", A::S(sk))
            .item("occurrenceId", A::S("occ_backlog".into()))
            .item("attempt", A::N(k.to_string()))
            .item("recordingSid", A::S(format!("RE{k:032}")))
            .send()
            .await
            .unwrap();
    }
    let out = daily_run(&w).await;
    assert_eq!(
        out,
        json!({"status": "recordings", "queued": backlog, "complete": true})
    );
    let far = chrono::Utc::now() + chrono::Duration::days(1);
    let start = Instant::now();
    loop {
        let left =
            w.rt.app
                .store
                .due_recordings(far, None, backlog)
                .await
                .unwrap()
                .len();
        if left == 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{left} recordings still in the line"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        daily_run(&w).await,
        json!({"status": "recordings", "queued": 0, "complete": true})
    );
}
