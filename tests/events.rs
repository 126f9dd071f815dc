//! Every sample in `events/` goes to its function's handler, on the local AWS, in the order a
//! real campaign would produce them, and each response is checked. The webhook samples carry
//! an `X-Twilio-Signature` made with the documented test token (README, "Sample events"):
//!
//!   TWILIO_AUTH_TOKEN=sample-auth-token
//!   PUBLIC_BASE_URL=https://abc123.execute-api.us-east-1.amazonaws.com  (or unset)
//!
//! Twilio and ElevenLabs are a small recording stand-in here, so the dialer's requests can be
//! compared with the samples (the URL it gives Twilio is the one `call-twiml.json` was signed
//! for) and nothing calls back.

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use callout_app::aws_lambda_events::event::sqs::SqsEvent;
use callout_app::lambda_http::{self, Body};
use callout_app::lambda_runtime::{Context, LambdaEvent};
use callout_app::{handlers, App, Config};
use local_runtime::Functions;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SAMPLE_TOKEN: &str = "sample-auth-token";
const SAMPLE_BASE: &str = "https://abc123.execute-api.us-east-1.amazonaws.com";
const ACCOUNT_SID: &str = "AC00000000000000000000000000000001";
const SID_ALICE: &str = "CA5b1f0c2d3e4f5a6b7c8d9e0f1a2b3c4d";
const SID_BOB: &str = "CA9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b";
const WEBHOOKS: [&str; 6] = [
    "call-twiml",
    "call-response",
    "call-status",
    "call-timeout",
    "call-audio",
    "inbound",
];

fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

fn sample(name: &str) -> String {
    let path = events_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn http_request(name: &str) -> lambda_http::Request {
    lambda_http::request::from_str(&sample(name))
        .unwrap_or_else(|e| panic!("{name} is not an API Gateway v2 event: {e}"))
}

/// (status, content type, body as text or `RIFF...` for binary)
fn parts(resp: lambda_http::Response<Body>) -> (u16, String, Vec<u8>) {
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = match resp.into_body() {
        Body::Empty => Vec::new(),
        Body::Text(t) => t.into_bytes(),
        Body::Binary(b) => b,
        _ => Vec::new(),
    };
    (status, ct, body)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

// ------------------------------------------------------------------ Twilio + ElevenLabs stand-in

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    form: Vec<(String, String)>,
}

#[derive(Clone, Default)]
struct Outside {
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn outside(State(o): State<Outside>, req: Request) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let bytes = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let form: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    o.seen.lock().unwrap().push(Seen {
        method: method.clone(),
        path: path.clone(),
        form: form.clone(),
    });
    let twilio = format!("/2010-04-01/Accounts/{ACCOUNT_SID}/");
    if path.starts_with("/v1/text-to-speech/") {
        // 0.2 s of µ-law silence.
        return ([("content-type", "audio/basic")], vec![0xFFu8; 1600]).into_response();
    }
    let Some(tail) = path.strip_prefix(&twilio) else {
        return (axum::http::StatusCode::NOT_FOUND, "no such resource").into_response();
    };
    let created = axum::http::StatusCode::CREATED;
    // Call recording: a recording's audio and its deletion.
    if tail.starts_with("Recordings/") {
        return match method.as_str() {
            "DELETE" => axum::http::StatusCode::NO_CONTENT.into_response(),
            _ => (
                [("content-type", "audio/x-wav")],
                b"RIFF recorded call".to_vec(),
            )
                .into_response(),
        };
    }
    match tail {
        "Calls.json" => {
            let sid = match get("To").as_str() {
                "+61400000001" => SID_ALICE,
                "+61400000002" => SID_BOB,
                _ => "CA00000000000000000000000000000000",
            };
            (
                created,
                axum::Json(json!({ "sid": sid, "status": "queued" })),
            )
                .into_response()
        }
        "Messages.json" => (
            created,
            axum::Json(json!({ "sid": "SM00000000000000000000000000000001", "status": "queued" })),
        )
            .into_response(),
        t if t.starts_with("Calls/") => {
            let sid = t.trim_start_matches("Calls/").trim_end_matches(".json");
            let status = match get("Status").as_str() {
                "" => "in-progress".to_string(),
                s => s.to_string(),
            };
            axum::Json(json!({ "sid": sid, "status": status })).into_response()
        }
        _ => (axum::http::StatusCode::NOT_FOUND, "no such resource").into_response(),
    }
}

async fn start_outside() -> (Outside, String) {
    let o = Outside::default();
    let router = axum::Router::new().fallback(outside).with_state(o.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (o, format!("http://{addr}"))
}

/// An `App` on the local AWS whose configuration matches the samples' documented values.
async fn sample_app(outside_base: &str) -> (Functions, local_runtime::provision::Provisioned) {
    callout_app::logging::init();
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:5055".into());
    let http = callout_app::adapters::transport::http_client();
    let sdk = local_runtime::local_sdk_config(&endpoint, &http);
    let prefix = format!("ev{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let names = local_runtime::provision::Names::from_prefix(&prefix);
    let template = local_runtime::template::Template::load().expect("the transformed template");
    let provisioned = local_runtime::provision::provision(&sdk, &names, &template, 180, &[])
        .await
        .expect("the local AWS is running (scripts/local-aws.sh start)");
    let config = Config {
        public_base_url: SAMPLE_BASE.into(),
        twilio_account_sid: ACCOUNT_SID.into(),
        twilio_auth_tokens: vec![SAMPLE_TOKEN.into()],
        twilio_from_number: "+61255501234".into(),
        twilio_api_base: outside_base.into(),
        elevenlabs_api_key: "sample-elevenlabs-key".into(),
        elevenlabs_api_base: outside_base.into(),
        tts_budget: Duration::from_secs(5),
        table_name: names.table.clone(),
        dial_queue_url: provisioned.dial_queue_url.clone(),
        dial_queue_arn: provisioned.dial_queue_arn.clone(),
        audio_bucket: names.bucket.clone(),
        schedule_group: names.schedule_group.clone(),
        scheduler_role_arn: "arn:aws:iam::123456789012:role/shift-callout-SchedulerRole".into(),
        event_bus_name: names.event_bus.clone(),
        ..Config::default()
    };
    (Functions::with_config(&config, &sdk, &http), provisioned)
}

async fn invoke_json(app: &App, name: &str) -> Value {
    let payload: Value = serde_json::from_str(&sample(name)).unwrap();
    handlers::start_calling(app, LambdaEvent::new(payload, Context::default()))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

// ------------------------------------------------------------------ the samples, in order

#[tokio::test]
async fn every_sample_event_reaches_its_handler_and_gets_the_expected_answer() {
    every_sample_event().await;
}

async fn every_sample_event() {
    let (outside, outside_base) = start_outside().await;
    let (f, provisioned) = sample_app(&outside_base).await;

    // The coordinator turns calling on, then reads the settings back.
    let (status, _, body) = parts(
        handlers::provider_settings(
            &f.provider_settings,
            http_request("provider-settings-patch.json"),
        )
        .await
        .unwrap(),
    );
    let saved: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["enabled"], true);
    assert_eq!(saved["waitMinutes"], 10);
    assert_eq!(saved["maxRounds"], 2);
    let (status, _, body) = parts(
        handlers::provider_settings(
            &f.provider_settings,
            http_request("provider-settings-get.json"),
        )
        .await
        .unwrap(),
    );
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), saved);

    // The coordinator listens to the example offer in Spanish (the built-in Spanish offer, as
    // no Spanish template is saved): ElevenLabs speaks it once, the cache answers again.
    for cached in [false, true] {
        let (status, _, body) = parts(
            handlers::provider_settings(
                &f.provider_settings,
                http_request("provider-settings-listen.json"),
            )
            .await
            .unwrap(),
        );
        let heard: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, 200, "{heard}");
        assert_eq!(heard["language"], "es");
        assert!(
            heard["text"].as_str().unwrap().starts_with("Hola Alice"),
            "{heard}"
        );
        assert_eq!(heard["cached"], cached, "{heard}");
        assert!(heard["audio"]
            .as_str()
            .unwrap()
            .starts_with("data:audio/wav;base64,"));
    }
    let spoken = outside
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.path.starts_with("/v1/text-to-speech/"))
        .count();
    assert_eq!(
        spoken, 2,
        "listening twice costs one ElevenLabs request per clip (the greeting, the rest)"
    );

    // Wave 3 ends for two shifts: the EventBridge envelope and a direct invoke of the detail.
    for name in ["start-calling.json", "start-calling-detail.json"] {
        let out = invoke_json(&f.start_calling, name).await;
        assert_eq!(out["status"], "scheduled", "{name}: {out}");
        let again = invoke_json(&f.start_calling, name).await;
        assert_eq!(again["status"], "duplicate", "{name} repeated: {again}");
    }

    // The scheduler's dial tasks arrive as one SQS batch: both calls are placed.
    let batch: SqsEvent = serde_json::from_str(&sample("dialer.json")).unwrap();
    let out = handlers::dialer(&f.dialer, LambdaEvent::new(batch, Context::default()))
        .await
        .unwrap();
    assert!(
        out.batch_item_failures.is_empty(),
        "{:?}",
        out.batch_item_failures
    );
    let calls: Vec<Seen> = outside
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.path.ends_with("/Calls.json"))
        .cloned()
        .collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let field = |s: &Seen, k: &str| {
        s.form
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let alice = calls
        .iter()
        .find(|c| field(c, "To") == "+61400000001")
        .unwrap();
    // The URLs the dialer gave Twilio are the ones the webhook samples were signed for.
    assert_eq!(
        field(alice, "Url"),
        format!("{SAMPLE_BASE}/api/outbound/twiml?occurrenceId=occ_123&attempt=0&audio=1")
    );
    assert_eq!(
        field(alice, "StatusCallback"),
        format!("{SAMPLE_BASE}/api/outbound/status?occurrenceId=occ_123&attempt=0")
    );
    assert_eq!(alice.method, "POST");

    // occ_123: Alice's phone rings, she answers, Twilio fetches the audio, she presses 1.
    let (status, _, body) = parts(
        handlers::call_status(&f.call_status, http_request("call-status-ringing.json"))
            .await
            .unwrap(),
    );
    assert_eq!(status, 204, "{}", text(&body));

    let (status, ct, body) = parts(
        handlers::call_twiml(&f.call_twiml, http_request("call-twiml.json"))
            .await
            .unwrap(),
    );
    let xml = text(&body);
    assert_eq!(status, 200, "{xml}");
    assert!(ct.starts_with("text/xml"), "{ct}");
    assert!(xml.contains("<Gather"), "{xml}");
    // The audio comes straight from S3 through a presigned URL.
    assert!(xml.contains("<Play>http://127.0.0.1:"), "{xml}");
    assert!(xml.contains("X-Amz-Signature="), "{xml}");

    let (status, ct, body) = parts(
        handlers::call_audio(&f.call_audio, http_request("call-audio.json"))
            .await
            .unwrap(),
    );
    assert_eq!(status, 200, "{}", text(&body));
    assert_eq!(ct, "audio/wav");
    assert!(body.starts_with(b"RIFF") && body.len() > 1600, "a WAV file");

    // The call-back line: Dan was offered nothing, so he hears a short message; a text of
    // HELP gets the help text as TwiML <Message>.
    let (status, ct, body) = parts(
        handlers::inbound(&f.inbound, http_request("inbound-voice.json"))
            .await
            .unwrap(),
    );
    let xml = text(&body);
    assert_eq!(status, 200, "{xml}");
    assert!(ct.starts_with("text/xml"), "{ct}");
    assert!(xml.contains("no open shift offer"), "{xml}");
    let (status, _, body) = parts(
        handlers::inbound(&f.inbound, http_request("inbound-sms.json"))
            .await
            .unwrap(),
    );
    let xml = text(&body);
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("<Message>Urgent shift offers"), "{xml}");

    let (status, _, body) = parts(
        handlers::call_response(&f.call_response, http_request("call-response-accept.json"))
            .await
            .unwrap(),
    );
    let xml = text(&body);
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("The shift is yours"), "{xml}");
    // What follows an acceptance on the phone runs from the dial queue.
    let finished = drain_queue(&f.dialer, &provisioned.dial_queue_url).await;
    assert!(
        finished.contains(&json!({ "kind": "finishAcceptance", "occurrenceId": "occ_123" })),
        "{finished:?}"
    );
    let sms: Vec<Seen> = outside
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.path.ends_with("/Messages.json"))
        .cloned()
        .collect();
    assert_eq!(sms.len(), 1, "one confirmation SMS: {sms:?}");
    assert_eq!(field(&sms[0], "To"), "+61400000001");
    // The platform cancels occ_123 too late: Alice has it, nothing changes.
    let out = invoke_json(&f.start_calling, "start-calling-shift-cancelled.json").await;
    assert_eq!(out["status"], "unchanged", "{out}");
    assert!(
        out["reason"]
            .as_str()
            .unwrap_or("")
            .contains("already filled"),
        "{out}"
    );

    // occ_124: Bob says nothing, the call ends, the next call is queued; then he replies by SMS.
    let (status, _, body) = parts(
        handlers::call_timeout(&f.call_timeout, http_request("call-timeout.json"))
            .await
            .unwrap(),
    );
    let xml = text(&body);
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("did not hear a response"), "{xml}");

    let (status, _, body) = parts(
        handlers::call_status(&f.call_status, http_request("call-status-completed.json"))
            .await
            .unwrap(),
    );
    assert_eq!(status, 204, "{}", text(&body));
    // The final status is handled from the queue (`callEnded`), which places the next call.
    let handled = drain_queue(&f.dialer, &provisioned.dial_queue_url).await;
    assert!(
        handled.contains(&json!({ "kind": "callEnded", "occurrenceId": "occ_124", "attempt": 0 })),
        "{handled:?}"
    );
    let next = f.dialer.store.get_attempt("occ_124", 1).await.unwrap();
    assert!(
        next.is_some_and(|a| a.call_sid.is_some()),
        "the next call is placed"
    );

    let (status, _, body) = parts(
        handlers::job_acceptance(&f.job_acceptance, http_request("job-acceptance.json"))
            .await
            .unwrap(),
    );
    assert_eq!(status, 200, "{}", text(&body));
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({ "accepted": true })
    );

    // The coordinator reads occ_123's call log.
    let (status, _, body) = parts(
        handlers::provider_settings(
            &f.provider_settings,
            http_request("provider-settings-calls.json"),
        )
        .await
        .unwrap(),
    );
    let log: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "{log}");
    assert_eq!(log["status"], "ASSIGNED", "{log}");
    assert_eq!(log["acceptedBy"]["employeeId"], "emp_1", "{log}");
    assert_eq!(log["calls"][0]["outcome"], "Accepted", "{log}");

    // Results: the call log as CSV, without phone numbers or surnames.
    let (status, headers, body) = parts(
        handlers::provider_settings(
            &f.provider_settings,
            http_request("provider-settings-calls-csv.json"),
        )
        .await
        .unwrap(),
    );
    let csv = String::from_utf8(body).unwrap();
    assert_eq!(status, 200, "{csv}");
    assert!(headers.starts_with("text/csv"), "{headers}");
    assert!(csv.starts_with("occurrenceId,patient,"), "{csv}");
    assert!(csv.contains("\r\nocc_123,"), "{csv}");
    assert!(!csv.contains("+61"), "{csv}");

    // Call recording: Twilio's recording callback for Bob's call, the audio for its provider,
    // and the daily run (nothing is past its retention yet).
    let (status, _, body) = parts(
        handlers::call_status(&f.call_status, http_request("call-status-recording.json"))
            .await
            .unwrap(),
    );
    assert_eq!(status, 204, "{}", text(&body));
    let (status, ct, body) = parts(
        handlers::provider_settings(
            &f.provider_settings,
            http_request("provider-settings-recording.json"),
        )
        .await
        .unwrap(),
    );
    assert_eq!(status, 200, "{}", text(&body));
    assert_eq!(ct, "audio/x-wav");
    assert_eq!(body, b"RIFF recorded call");
    let out = invoke_json(&f.start_calling, "start-calling-recording-retention.json").await;
    assert_eq!(
        out,
        json!({"status": "recordings", "queued": 0, "complete": true})
    );
}

/// Hand what is on the dial queue now to the dialer, as the event source mapping would, and
/// return the tasks it ran (tasks due later, such as lost-callback checks, stay queued).
async fn drain_queue(app: &App, queue_url: &str) -> Vec<Value> {
    let sqs = aws_sdk_sqs::Client::new(&local_runtime::local_sdk_config(
        &aws_endpoint(),
        &callout_app::adapters::transport::http_client(),
    ));
    let out = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap();
    let messages = out.messages.unwrap_or_default();
    let records: Vec<Value> = messages
        .iter()
        .map(|m| json!({"messageId": m.message_id, "receiptHandle": m.receipt_handle, "body": m.body,
                        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                        "eventSource": "aws:sqs", "eventSourceARN": "arn", "awsRegion": "us-east-1"}))
        .collect();
    let event = serde_json::from_value(json!({ "Records": records })).unwrap();
    let resp = handlers::dialer(
        app,
        callout_app::lambda_runtime::LambdaEvent::new(event, Default::default()),
    )
    .await
    .unwrap();
    assert!(resp.batch_item_failures.is_empty());
    for m in &messages {
        sqs.delete_message()
            .queue_url(queue_url)
            .receipt_handle(m.receipt_handle().unwrap())
            .send()
            .await
            .unwrap();
    }
    messages
        .iter()
        .filter_map(|m| serde_json::from_str(m.body()?).ok())
        .collect()
}

fn aws_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:5055".into())
}

/// Every webhook sample verifies with the documented token, both against PUBLIC_BASE_URL and,
/// as the deployed webhooks do without it, against the Host header; and a changed body or
/// another token is refused.
#[test]
fn webhook_samples_are_signed_for_the_documented_token_and_url() {
    let config = |base: &str, token: &str| Config {
        public_base_url: base.into(),
        twilio_account_sid: ACCOUNT_SID.into(),
        twilio_auth_tokens: vec![token.into()],
        ..Config::default()
    };
    let mut checked = 0;
    for name in sample_files() {
        let stem = name.trim_end_matches(".json");
        if !WEBHOOKS.iter().any(|w| stem.starts_with(w)) {
            continue;
        }
        for base in [SAMPLE_BASE, ""] {
            let ok = callout_app::adapters::twilio::webhook::verify_twilio(
                &config(base, SAMPLE_TOKEN),
                &http_request(&name),
            );
            assert!(ok.is_ok(), "{name} with PUBLIC_BASE_URL={base:?}");
        }
        assert!(
            callout_app::adapters::twilio::webhook::verify_twilio(
                &config(SAMPLE_BASE, "another-token"),
                &http_request(&name)
            )
            .is_err(),
            "{name} with another token"
        );
        let mut event: Value = serde_json::from_str(&sample(&name)).unwrap();
        if event["isBase64Encoded"] == true {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD;
            let body = b64.decode(event["body"].as_str().unwrap()).unwrap();
            let tampered = text(&body)
                .replace("CallSid=", "CallSid=x")
                .replace("Body=", "Body=x");
            event["body"] = Value::String(b64.encode(tampered));
        } else {
            event["rawQueryString"] = Value::String("tampered=1".into());
        }
        let req = lambda_http::request::from_str(&event.to_string()).unwrap();
        assert!(
            callout_app::adapters::twilio::webhook::verify_twilio(
                &config(SAMPLE_BASE, SAMPLE_TOKEN),
                &req
            )
            .is_err(),
            "{name} tampered"
        );
        checked += 1;
    }
    assert!(checked >= WEBHOOKS.len(), "only {checked} webhook samples");
}

fn sample_files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}
