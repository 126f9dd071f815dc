//! End-to-end: the sim against a tiny "application" that answers webhooks with TwiML and checks
//! every X-Twilio-Signature.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use callout_core::signature::is_valid;
use callout_core::wav::wrap_ulaw;
use callout_sim::{
    Behaviour, CallEvent, CallRecord, HangupBy, Refusal, RestOp, Sim, SimConfig, TtsFailure, Via,
};
use serde_json::{json, Value};

const MESSAGE: &str =
    "An urgent shift is available tomorrow at seven. Press 1 to accept or 2 to decline.";
const ACCEPTED: &str = "Thank you, the shift is yours.";
const DECLINED: &str = "Thank you, we will ask someone else.";
const WRONG: &str = "Sorry, that is not an option.";
const GOODBYE: &str = "We did not hear from you. Goodbye.";
const WAIT: Duration = Duration::from_secs(10);

type Params = Vec<(String, String)>;

#[derive(Clone)]
struct App {
    base: String,
    sim: Sim,
    wav: Arc<Vec<u8>>,
    seen: Arc<Mutex<Vec<(String, Params)>>>,
    bad_signatures: Arc<AtomicUsize>,
    http: reqwest::Client,
}

impl App {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Requests the app received at `path`, as their parameters.
    fn seen(&self, path: &str) -> Vec<Params> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, ps)| ps.clone())
            .collect()
    }

    fn seen_for(&self, path: &str, sid: &str) -> Vec<Params> {
        self.seen(path)
            .into_iter()
            .filter(|ps| get(ps, "CallSid") == Some(sid))
            .collect()
    }
}

fn get<'a>(ps: &'a Params, key: &str) -> Option<&'a str> {
    ps.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn twiml(body: &str) -> Response {
    (
        [("content-type", "text/xml")],
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>"#),
    )
        .into_response()
}

fn offer(audio: &str) -> String {
    format!(
        r#"<Gather numDigits="1" timeout="4" action="/key"><Play>{audio}</Play><Say>Press 1 to accept.</Say></Gather><Redirect>/timeout</Redirect>"#
    )
}

async fn handle(
    State(app): State<App>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let full = format!(
        "{}{}",
        app.base,
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    let form: Params = if method == Method::POST {
        serde_urlencoded::from_bytes(&body).unwrap()
    } else {
        Vec::new()
    };
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    let token = app.sim.config().auth_token.clone();
    if !is_valid(&[token], &full, &form, signature) {
        app.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut params = form;
    if let Some(q) = uri.query() {
        params.extend(serde_urlencoded::from_str::<Params>(q).unwrap());
    }
    let path = uri.path().to_string();
    app.seen
        .lock()
        .unwrap()
        .push((path.clone(), params.clone()));
    match path.as_str() {
        "/voice" => twiml(&offer("/audio/offer.wav")),
        "/voice-bad-audio" => twiml(&offer("/audio/bad.wav")),
        "/voice-two-clips" => twiml(
            r#"<Gather numDigits="1" timeout="4" action="/key"><Play>/audio/offer.wav</Play><Play>/audio/offer.wav</Play></Gather><Redirect>/timeout</Redirect>"#,
        ),
        "/voice-broken" => (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
        "/audio/offer.wav" => ([("content-type", "audio/wav")], app.wav.to_vec()).into_response(),
        "/audio/bad.wav" => (
            [("content-type", "audio/wav")],
            b"RIFF....WAVEjunk".to_vec(),
        )
            .into_response(),
        "/key" => match get(&params, "Digits") {
            Some("1") => twiml(&format!("<Say>{ACCEPTED}</Say><Hangup/>")),
            Some("2") => twiml(&format!("<Say>{DECLINED}</Say><Hangup/>")),
            _ => twiml(&format!("<Say>{WRONG}</Say>{}", offer("/audio/offer.wav"))),
        },
        "/incoming" => twiml(
            r#"<Gather numDigits="1" timeout="5" action="/incoming-key"><Say>Press 1 or 0.</Say></Gather><Say>Bye.</Say>"#,
        ),
        "/incoming-key" => match get(&params, "Digits") {
            Some("0") => twiml("<Say>To the office.</Say><Dial>+61290000000</Dial>"),
            _ => twiml("<Say>Taken.</Say><Hangup/>"),
        },
        "/sms" => match get(&params, "Body") {
            Some("HELP") => twiml("<Message>Reply YES or NO.</Message>"),
            _ => twiml(""),
        },
        "/loop" => twiml("<Say>Again.</Say><Redirect method=\"GET\">/loop?n=1</Redirect>"),
        "/timeout" => twiml(&format!("<Say>{GOODBYE}</Say><Hangup/>")),
        "/amd-hangup" => {
            // A machine: hang up through the REST API before the message starts.
            if get(&params, "AnsweredBy") != Some("human") {
                let sid = get(&params, "CallSid").unwrap().to_string();
                let (status, _) =
                    update_call(&app.sim, &app.http, &sid, &[("Status", "completed")]).await;
                assert_eq!(status, 200);
            }
            StatusCode::NO_CONTENT.into_response()
        }
        _ => StatusCode::OK.into_response(), // status callbacks, AMD callbacks
    }
}

async fn tts(sim: &Sim, http: &reqwest::Client, key: &str, text: &str) -> reqwest::Response {
    http.post(format!(
        "{}/v1/text-to-speech/voice123?output_format=ulaw_8000",
        sim.base_url()
    ))
    .header("xi-api-key", key)
    .json(&json!({"text": text, "model_id": "eleven_flash_v2_5"}))
    .send()
    .await
    .unwrap()
}

async fn setup_with(config: SimConfig) -> App {
    let sim = Sim::start(config).await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let key = sim.config().elevenlabs_api_key.clone();
    let resp = tts(&sim, &http, &key, MESSAGE).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "audio/basic");
    let ulaw = resp.bytes().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = App {
        base: format!("http://{}", listener.local_addr().unwrap()),
        sim,
        wav: Arc::new(wrap_ulaw(&ulaw)),
        seen: Arc::default(),
        bad_signatures: Arc::default(),
        http,
    };
    let router = Router::new().fallback(handle).with_state(app.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    app
}

async fn setup() -> App {
    setup_with(SimConfig::default()).await
}

fn twilio(
    sim: &Sim,
    http: &reqwest::Client,
    method: Method,
    path: &str,
) -> reqwest::RequestBuilder {
    let cfg = sim.config();
    http.request(
        method,
        format!(
            "{}/2010-04-01/Accounts/{}/{path}",
            sim.base_url(),
            cfg.account_sid
        ),
    )
    .basic_auth(&cfg.account_sid, Some(&cfg.auth_token))
}

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn update_call(
    sim: &Sim,
    http: &reqwest::Client,
    sid: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    send(twilio(sim, http, Method::POST, &format!("Calls/{sid}.json")).form(form)).await
}

/// Place a call to `to` answered by `path` with every status callback event.
async fn call(app: &App, to: &str, path: &str, extra: &[(&str, &str)]) -> String {
    let url = app.url(path);
    let status_url = app.url("/status");
    let mut form: Vec<(&str, &str)> = vec![
        ("To", to),
        ("From", "+61299990000"),
        ("Url", &url),
        ("StatusCallback", &status_url),
        ("StatusCallbackEvent", "initiated"),
        ("StatusCallbackEvent", "ringing"),
        ("StatusCallbackEvent", "answered"),
        ("StatusCallbackEvent", "completed"),
    ];
    form.extend_from_slice(extra);
    let (status, body) =
        send(twilio(&app.sim, &app.http, Method::POST, "Calls.json").form(&form)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "queued");
    assert_eq!(body["direction"], "outbound-api");
    assert!(body["duration"].is_null());
    let sid = body["sid"].as_str().unwrap().to_string();
    assert!(sid.starts_with("CA") && sid.len() == 34, "{sid}");
    assert_eq!(
        body["uri"],
        format!(
            "/2010-04-01/Accounts/{}/Calls/{sid}.json",
            app.sim.config().account_sid
        )
    );
    sid
}

async fn finished(app: &App, sid: &str) -> CallRecord {
    let c = app.sim.wait_for_call(sid, WAIT).await.expect("call ended");
    assert_eq!(
        app.bad_signatures.load(Ordering::SeqCst),
        0,
        "bad signatures"
    );
    c
}

fn status_sequence(app: &App, sid: &str) -> Vec<(String, String)> {
    app.seen_for("/status", sid)
        .iter()
        .map(|ps| {
            (
                get(ps, "CallStatus").unwrap().to_string(),
                get(ps, "SequenceNumber").unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[tokio::test]
async fn accept_presses_one() {
    let app = setup().await;
    app.sim.set_phone("+61400000001", Behaviour::Accept);
    let sid = call(
        &app,
        "+61400000001",
        "/voice",
        &[("MachineDetection", "Enable")],
    )
    .await;
    let c = finished(&app, &sid).await;
    assert_eq!(c.status, "completed");
    assert_eq!(
        c.heard(),
        vec![
            MESSAGE.to_string(),
            "Press 1 to accept.".into(),
            ACCEPTED.into()
        ]
    );
    assert_eq!(c.keys(), "1");
    assert!(c.errors().is_empty(), "{:?}", c.errors());
    assert_eq!(c.answered_by.as_deref(), Some("human"));
    assert!(c.events.contains(&CallEvent::HungUp(HangupBy::Twiml)));
    let play = c.events.iter().find_map(|e| match e {
        CallEvent::Heard {
            via: Via::Play { url, seconds },
            ..
        } => Some((url.clone(), *seconds)),
        _ => None,
    });
    let (url, seconds) = play.unwrap();
    assert_eq!(url, app.url("/audio/offer.wav"));
    assert!((seconds - MESSAGE.chars().count() as f64 * 0.06).abs() < 0.01);
    assert!(c.duration_secs > seconds as u32, "{}", c.duration_secs);

    let voice = app.seen_for("/voice", &sid);
    assert_eq!(voice.len(), 1);
    assert_eq!(get(&voice[0], "CallStatus"), Some("in-progress"));
    assert_eq!(get(&voice[0], "AnsweredBy"), Some("human"));
    assert_eq!(get(&voice[0], "Direction"), Some("outbound-api"));
    let key = app.seen_for("/key", &sid);
    assert_eq!(key.len(), 1);
    assert_eq!(get(&key[0], "Digits"), Some("1"));
    assert!(app.seen_for("/timeout", &sid).is_empty());

    assert_eq!(
        status_sequence(&app, &sid),
        pairs(&[
            ("initiated", "0"),
            ("ringing", "1"),
            ("in-progress", "2"),
            ("completed", "3")
        ])
    );
    let last = app.seen_for("/status", &sid).pop().unwrap();
    assert_eq!(
        get(&last, "CallDuration"),
        Some(c.duration_secs.to_string().as_str())
    );
    assert_eq!(get(&last, "CallbackSource"), Some("call-progress-events"));
    let recorded: Vec<(String, u32)> = ["initiated", "ringing", "in-progress", "completed"]
        .iter()
        .zip(0..)
        .map(|(s, i)| (s.to_string(), i))
        .collect();
    assert_eq!(c.status_callbacks(), recorded);

    let (status, body) = send(twilio(
        &app.sim,
        &app.http,
        Method::GET,
        &format!("Calls/{sid}.json"),
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "completed");
    assert_eq!(body["duration"], c.duration_secs.to_string());
    assert_eq!(body["answered_by"], "human");
    assert_eq!(app.sim.live_calls(), 0);
    assert_eq!(app.sim.calls_to("+61400000001").len(), 1);
}

#[tokio::test]
async fn decline_presses_two() {
    let app = setup().await;
    app.sim.set_phone("+61400000002", Behaviour::Decline);
    let sid = call(&app, "+61400000002", "/voice", &[]).await;
    let c = finished(&app, &sid).await;
    assert_eq!(c.keys(), "2");
    assert_eq!(c.heard().last().unwrap(), DECLINED);
    assert_eq!(get(&app.seen_for("/key", &sid)[0], "Digits"), Some("2"));
    assert_eq!(c.answered_by, None);
}

#[tokio::test]
async fn silent_times_out_and_redirects() {
    let app = setup().await;
    app.sim.set_phone("+61400000003", Behaviour::Silent);
    let sid = call(&app, "+61400000003", "/voice", &[]).await;
    let c = finished(&app, &sid).await;
    assert_eq!(c.keys(), "");
    assert!(c.events.contains(&CallEvent::GatherTimedOut));
    assert!(c
        .events
        .contains(&CallEvent::Redirected(app.url("/timeout"))));
    assert_eq!(app.seen_for("/timeout", &sid).len(), 1);
    assert_eq!(c.heard().last().unwrap(), GOODBYE);
    assert!(app.seen_for("/key", &sid).is_empty());
    // message + "Press 1" + the 4 s timeout + goodbye
    assert!(c.duration_secs >= 9, "{}", c.duration_secs);
}

#[tokio::test]
async fn unanswered_busy_and_failed_calls() {
    let app = setup().await;
    app.sim.set_phone("+61400000005", Behaviour::Busy);
    app.sim.set_phone("+61400000006", Behaviour::Fail);
    let no_answer = call(&app, "+61400000004", "/voice", &[]).await; // never set: no answer
    let busy = call(&app, "+61400000005", "/voice", &[]).await;
    let failed = call(&app, "+61400000006", "/voice", &[]).await;
    for (sid, status, expected) in [
        (
            &no_answer,
            "no-answer",
            vec![("initiated", "0"), ("ringing", "1"), ("no-answer", "2")],
        ),
        (&busy, "busy", vec![("initiated", "0"), ("busy", "1")]),
        (&failed, "failed", vec![("initiated", "0"), ("failed", "1")]),
    ] {
        let c = finished(&app, sid).await;
        assert_eq!(c.status, status);
        assert_eq!(c.duration_secs, 0);
        assert!(c.heard().is_empty());
        assert!(app.seen_for("/voice", sid).is_empty());
        assert_eq!(status_sequence(&app, sid), pairs(&expected));
        let last = app.seen_for("/status", sid).pop().unwrap();
        assert_eq!(get(&last, "CallDuration"), Some("0"));
    }

    // Without StatusCallbackEvent only the final callback is sent.
    let status_url = app.url("/status");
    let voice = app.url("/voice");
    let (code, body) = send(
        twilio(&app.sim, &app.http, Method::POST, "Calls.json").form(&[
            ("To", "+61400000005"),
            ("From", "+61299990000"),
            ("Url", voice.as_str()),
            ("StatusCallback", status_url.as_str()),
        ]),
    )
    .await;
    assert_eq!(code, 201);
    let sid = body["sid"].as_str().unwrap();
    finished(&app, sid).await;
    assert_eq!(status_sequence(&app, sid), pairs(&[("busy", "0")]));
}

#[tokio::test]
async fn voicemail_gets_the_amd_callback_and_can_be_hung_up_before_the_message() {
    let app = setup().await;
    app.sim.set_phone("+61400000007", Behaviour::Voicemail);
    let amd = app.url("/amd-hangup");
    let sid = call(
        &app,
        "+61400000007",
        "/voice",
        &[
            ("MachineDetection", "DetectMessageEnd"),
            ("AsyncAmd", "true"),
            ("AsyncAmdStatusCallback", &amd),
        ],
    )
    .await;
    let c = finished(&app, &sid).await;
    assert_eq!(c.answered_by.as_deref(), Some("machine_end_beep"));
    assert!(c.events.contains(&CallEvent::Answered {
        by: "machine_end_beep".into()
    }));
    assert!(c.events.contains(&CallEvent::AmdCallback {
        answered_by: "machine_end_beep".into(),
        http_status: 204
    }));
    assert!(c
        .events
        .contains(&CallEvent::UpdatedByApi("Status=completed".into())));
    assert_eq!(
        c.events.last(),
        Some(&CallEvent::StatusCallback {
            status: "completed".into(),
            sequence: 3,
            http_status: 200
        })
    );
    assert!(c.events.contains(&CallEvent::HungUp(HangupBy::Api)));
    assert!(c.heard().is_empty(), "{:?}", c.heard());
    assert_eq!(c.status, "completed");
    let seen = app.seen_for("/amd-hangup", &sid);
    assert_eq!(get(&seen[0], "MachineDetectionDuration"), Some("2100"));
    // Async AMD: the answer webhook does not wait for (or carry) AnsweredBy.
    assert_eq!(get(&app.seen_for("/voice", &sid)[0], "AnsweredBy"), None);

    // A voicemail left alone just lets every Gather time out.
    let sid = call(&app, "+61400000007", "/voice", &[]).await;
    let c = finished(&app, &sid).await;
    assert_eq!(c.keys(), "");
    assert_eq!(c.heard().last().unwrap(), GOODBYE);
}

#[tokio::test]
async fn wrong_key_then_the_right_one() {
    let app = setup().await;
    app.sim
        .set_phone("+61400000008", Behaviour::WrongKeyThen('1'));
    let sid = call(&app, "+61400000008", "/voice", &[]).await;
    let c = finished(&app, &sid).await;
    assert_eq!(c.keys(), "91");
    assert_eq!(
        c.heard(),
        vec![
            MESSAGE,
            "Press 1 to accept.",
            WRONG,
            MESSAGE,
            "Press 1 to accept.",
            ACCEPTED
        ]
    );
    let digits: Vec<_> = app
        .seen_for("/key", &sid)
        .iter()
        .map(|p| get(p, "Digits").unwrap().to_string())
        .collect();
    assert_eq!(digits, vec!["9", "1"]);
}

#[tokio::test]
async fn pressing_during_the_message_interrupts_it() {
    let app = setup().await;
    app.sim
        .set_phone("+61400000009", Behaviour::PressDuringMessage('1'));
    let sid = call(&app, "+61400000009", "/voice", &[]).await;
    let c = finished(&app, &sid).await;
    assert_eq!(c.keys(), "1");
    let half: String = MESSAGE.chars().take(MESSAGE.chars().count() / 2).collect();
    match &c
        .events
        .iter()
        .find(|e| matches!(e, CallEvent::Heard { .. }))
        .unwrap()
    {
        CallEvent::Heard {
            text,
            interrupted,
            via: Via::Play { seconds, .. },
        } => {
            assert!(interrupted);
            assert_eq!(text, &half);
            assert!(*seconds < MESSAGE.chars().count() as f64 * 0.06 / 1.9);
        }
        other => panic!("{other:?}"),
    }
    // The rest of the Gather ("Press 1 to accept.") is skipped.
    assert_eq!(c.heard(), vec![half, ACCEPTED.to_string()]);
    assert_eq!(get(&app.seen_for("/key", &sid)[0], "Digits"), Some("1"));
}

#[tokio::test]
async fn hold_until_ended_through_the_rest_api() {
    let app = setup().await;
    app.sim.set_phone("+61400000010", Behaviour::HoldUntilEnded);
    let started = std::time::Instant::now();
    let sid = call(&app, "+61400000010", "/voice", &[]).await;
    // Wait until the phone is holding at the Gather.
    let deadline = std::time::Instant::now() + WAIT;
    while app.sim.call(&sid).unwrap().heard().len() < 2 {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(app.sim.live_calls(), 1);
    // canceled has no effect on an in-progress call
    let (status, body) = update_call(&app.sim, &app.http, &sid, &[("Status", "canceled")]).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "in-progress");
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(!app.sim.call(&sid).unwrap().ended());
    let (status, _) = update_call(&app.sim, &app.http, &sid, &[("Status", "completed")]).await;
    assert_eq!(status, 200);
    let c = finished(&app, &sid).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(c.status, "completed");
    assert!(c.events.contains(&CallEvent::HungUp(HangupBy::Api)));
    assert!(!c.events.contains(&CallEvent::GatherTimedOut));
    assert_eq!(c.keys(), "");
    // an ended call: 200, unchanged
    let (status, body) = update_call(&app.sim, &app.http, &sid, &[("Status", "completed")]).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("completed")));

    // Redirected with new TwiML instead.
    let sid = call(&app, "+61400000010", "/voice", &[]).await;
    while app.sim.call(&sid).unwrap().heard().len() < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (status, _) = update_call(
        &app.sim,
        &app.http,
        &sid,
        &[(
            "Twiml",
            "<Response><Say>Changed by the API.</Say></Response>",
        )],
    )
    .await;
    assert_eq!(status, 200);
    let c = finished(&app, &sid).await;
    assert_eq!(c.heard().last().unwrap(), "Changed by the API.");
    assert!(c.events.contains(&CallEvent::UpdatedByApi("Twiml".into())));
    assert!(c.events.contains(&CallEvent::HungUp(HangupBy::Twiml)));
}

#[tokio::test]
async fn a_ringing_call_can_be_canceled() {
    let app = setup_with(SimConfig {
        step_delay: Duration::from_millis(100),
        ..SimConfig::default()
    })
    .await;
    app.sim.set_phone("+61400000011", Behaviour::Accept);
    let sid = call(&app, "+61400000011", "/voice", &[]).await;
    let (status, body) = update_call(&app.sim, &app.http, &sid, &[("Status", "canceled")]).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "queued");
    let c = finished(&app, &sid).await;
    assert_eq!(c.status, "canceled");
    assert!(app.seen_for("/voice", &sid).is_empty());
    assert_eq!(status_sequence(&app, &sid).last().unwrap().0, "canceled");
}

#[tokio::test]
async fn rest_errors_look_like_twilios() {
    let app = setup().await;
    let sim = &app.sim;
    let cfg = sim.config().clone();
    let expect = |body: &Value, code: u64, status: u64| {
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["status"], status);
        assert_eq!(
            body["more_info"],
            format!("https://www.twilio.com/docs/errors/{code}")
        );
    };
    let form = [
        ("To", "+61400000001"),
        ("From", "+61299990000"),
        ("Url", "http://127.0.0.1:1/x"),
    ];

    let url = format!(
        "{}/2010-04-01/Accounts/{}/Calls.json",
        sim.base_url(),
        cfg.account_sid
    );
    let (s, b) = send(app.http.post(&url).form(&form)).await;
    assert_eq!(s, 401);
    expect(&b, 20003, 401);
    assert_eq!(b["message"], "Authenticate");
    let (s, _) = send(
        app.http
            .post(&url)
            .basic_auth(&cfg.account_sid, Some("wrong"))
            .form(&form),
    )
    .await;
    assert_eq!(s, 401);
    let other = format!("{}/2010-04-01/Accounts/ACother/Calls.json", sim.base_url());
    let (s, b) = send(
        app.http
            .post(&other)
            .basic_auth(&cfg.account_sid, Some(&cfg.auth_token))
            .form(&form),
    )
    .await;
    assert_eq!(s, 401);
    expect(&b, 20003, 401);

    let (s, b) = send(twilio(sim, &app.http, Method::POST, "Calls.json").form(&[
        ("To", "0400 000 001"),
        ("From", "+61299990000"),
        ("Url", "http://127.0.0.1:1/x"),
    ]))
    .await;
    assert_eq!(s, 400);
    expect(&b, 21211, 400);
    let msg = b["message"].as_str().unwrap();
    assert!(
        msg.starts_with("Invalid 'To' Phone Number: ") && !msg.contains("0400 000 001"),
        "{msg}"
    );

    let (s, b) = send(
        twilio(sim, &app.http, Method::POST, "Calls.json")
            .form(&[("To", "+61400000001"), ("From", "+61299990000")]),
    )
    .await;
    assert_eq!(s, 400);
    expect(&b, 21205, 400);
    assert_eq!(b["message"], "Url parameter is required.");

    let missing = "CA00000000000000000000000000000000";
    let (s, b) = send(twilio(
        sim,
        &app.http,
        Method::GET,
        &format!("Calls/{missing}.json"),
    ))
    .await;
    assert_eq!(s, 404);
    expect(&b, 20404, 404);
    assert_eq!(
        b["message"],
        format!(
            "The requested resource /2010-04-01/Accounts/{}/Calls/{missing}.json was not found",
            cfg.account_sid
        )
    );
    let (s, b) = update_call(sim, &app.http, missing, &[("Status", "completed")]).await;
    assert_eq!(s, 404);
    expect(&b, 20404, 404);

    let (s, b) = send(
        twilio(sim, &app.http, Method::POST, "Messages.json")
            .form(&[("To", "+61400000001"), ("From", "+61299990000")]),
    )
    .await;
    assert_eq!(s, 400);
    expect(&b, 21602, 400);
    let (s, b) = send(
        twilio(sim, &app.http, Method::POST, "Messages.json").form(&[
            ("To", "12"),
            ("From", "+61299990000"),
            ("Body", "x"),
        ]),
    )
    .await;
    assert_eq!(s, 400);
    expect(&b, 21211, 400);
    assert!(sim.calls().is_empty());
    assert!(sim.messages().is_empty());
}

#[tokio::test]
async fn refusals_look_like_twilios_and_are_counted() {
    let app = setup().await;
    let sim = &app.sim;
    let sms = |to: &'static str| {
        twilio(sim, &app.http, Method::POST, "Messages.json").form(&[
            ("To", to),
            ("From", "+61299990000"),
            ("Body", "Confirmed"),
        ])
    };
    // A number that texted STOP, and one that is not a mobile.
    sim.refuse_sms_to("+61400000002", Refusal::OPTED_OUT);
    sim.refuse_sms_to("+61400000003", Refusal::NOT_MOBILE);
    for (to, code) in [("+61400000002", 21610), ("+61400000003", 21614)] {
        let (s, b) = send(sms(to)).await;
        assert_eq!(s, 400);
        assert_eq!(b["code"], code, "{b}");
        assert_eq!(b["status"], 400);
        assert_eq!(
            b["more_info"],
            format!("https://www.twilio.com/docs/errors/{code}")
        );
        assert!(!b["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(send(sms("+61400000001")).await.0, 201, "others are texted");
    // The whole account: every request, whatever it asks, until it works again.
    sim.refuse_account(Some(Refusal::ACCOUNT_SUSPENDED));
    let (s, b) = send(sms("+61400000001")).await;
    assert_eq!((s, b["code"].as_u64()), (401, Some(20005)), "{b}");
    let (s, b) = send(twilio(sim, &app.http, Method::GET, "Calls/CA1.json")).await;
    assert_eq!((s, b["code"].as_u64()), (401, Some(20005)), "{b}");
    sim.refuse_account(None);
    // One operation, a given refusal, a given number of times.
    sim.refuse_next_rest(
        RestOp::FetchCall,
        Refusal {
            status: 404,
            code: 20404,
        },
        1,
    );
    let (s, b) = send(twilio(sim, &app.http, Method::GET, "Calls/CA1.json")).await;
    assert_eq!((s, b["code"].as_u64()), (404, Some(20404)));
    let ops: Vec<(RestOp, u32)> = sim.refusals().iter().map(|(op, r)| (*op, r.code)).collect();
    assert_eq!(
        ops,
        [
            (RestOp::Message, 21610),
            (RestOp::Message, 21614),
            (RestOp::Message, 20005),
            (RestOp::FetchCall, 20005),
            (RestOp::FetchCall, 20404),
        ]
    );
    assert_eq!(sim.messages().len(), 1);
}

#[tokio::test]
async fn messages_are_recorded() {
    let app = setup().await;
    let (s, b) = send(
        twilio(&app.sim, &app.http, Method::POST, "Messages.json").form(&[
            ("To", "+61400000001"),
            ("From", "+61299990000"),
            ("Body", "Shift filled, thank you."),
        ]),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(b["status"], "queued");
    assert_eq!(b["num_segments"], "1");
    assert_eq!(b["body"], "Shift filled, thank you.");
    let sid = b["sid"].as_str().unwrap();
    assert!(sid.starts_with("SM") && sid.len() == 34);
    let m = app.sim.messages();
    assert_eq!(m.len(), 1);
    assert_eq!(
        (m[0].sid.as_str(), m[0].to.as_str(), m[0].body.as_str()),
        (sid, "+61400000001", "Shift filled, thank you.")
    );
}

#[tokio::test]
async fn text_to_speech_counts_and_fails_on_demand() {
    let app = setup().await; // one request of MESSAGE already made
    let sim = &app.sim;
    let key = sim.config().elevenlabs_api_key.clone();
    let mut chars = MESSAGE.chars().count() as u64;
    assert_eq!((sim.tts_requests(), sim.tts_characters()), (1, chars));

    let audio = tts(sim, &app.http, &key, "Hello there")
        .await
        .bytes()
        .await
        .unwrap();
    chars += 11;
    assert_eq!(audio.len(), 11 * 480);
    assert_eq!(sim.text_for_audio(&audio).as_deref(), Some("Hello there"));
    assert_eq!(
        sim.text_for_audio(&wrap_ulaw(&audio)).as_deref(),
        Some("Hello there")
    );
    assert_eq!(sim.text_for_audio(b"nothing"), None);
    // deterministic
    let again = tts(sim, &app.http, &key, "Hello there")
        .await
        .bytes()
        .await
        .unwrap();
    chars += 11;
    assert_eq!(audio, again);

    let resp = tts(sim, &app.http, "wrong", "x").await;
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["detail"]["status"], "invalid_api_key");
    let resp = app
        .http
        .post(format!(
            "{}/v1/text-to-speech/v?output_format=mp3_44100_128",
            sim.base_url()
        ))
        .header("xi-api-key", &key)
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = app
        .http
        .post(format!(
            "{}/v1/text-to-speech/v?output_format=ulaw_8000",
            sim.base_url()
        ))
        .header("xi-api-key", &key)
        .json(&json!({"model_id": "m"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["detail"][0]["type"], "value_error.missing");
    assert_eq!((sim.tts_requests(), sim.tts_characters()), (3, chars));

    sim.set_tts_failure(Some(TtsFailure::ServerError));
    assert_eq!(tts(sim, &app.http, &key, "abc").await.status(), 500);
    sim.set_tts_failure(Some(TtsFailure::RateLimited));
    assert_eq!(tts(sim, &app.http, &key, "abc").await.status(), 429);
    sim.set_tts_failure(Some(TtsFailure::Unauthorized));
    let resp = tts(sim, &app.http, &key, "abc").await;
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["detail"]["status"], "invalid_api_key");
    sim.set_tts_failure(Some(TtsFailure::Malformed));
    let resp = tts(sim, &app.http, &key, "abc").await;
    assert_eq!(resp.status(), 200);
    let junk = resp.bytes().await.unwrap();
    assert!(junk.len() < 10 && sim.text_for_audio(&junk).is_none());
    sim.set_tts_failure(Some(TtsFailure::Slow(Duration::from_millis(150))));
    let t = std::time::Instant::now();
    let slow = tts(sim, &app.http, &key, "abc")
        .await
        .bytes()
        .await
        .unwrap();
    assert!(t.elapsed() >= Duration::from_millis(150));
    assert_eq!(sim.text_for_audio(&slow).as_deref(), Some("abc"));
    sim.set_tts_failure(None);
    assert_eq!(tts(sim, &app.http, &key, "abc").await.status(), 200);
    assert_eq!((sim.tts_requests(), sim.tts_characters()), (9, chars + 18));
}

#[tokio::test]
async fn text_to_speech_logs_each_request_and_refuses_a_language_code_the_model_cannot_take() {
    let app = setup().await;
    let (sim, key) = (&app.sim, app.sim.config().elevenlabs_api_key.clone());
    let speak = |model: &'static str, language: Option<&'static str>| {
        let mut body = json!({"text": "Hola", "model_id": model});
        if let Some(l) = language {
            body["language_code"] = json!(l);
        }
        app.http
            .post(format!(
                "{}/v1/text-to-speech/vozLatina?output_format=ulaw_8000",
                sim.base_url()
            ))
            .header("xi-api-key", &key)
            .json(&body)
            .send()
    };
    assert_eq!(
        speak("eleven_flash_v2_5", Some("es"))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        speak("eleven_multilingual_v2", None)
            .await
            .unwrap()
            .status(),
        200
    );
    let refused = speak("eleven_multilingual_v2", Some("es")).await.unwrap();
    assert_eq!(refused.status(), 400);
    let log = sim.tts_log();
    assert_eq!(log.len(), 4, "the set-up's request and these three");
    assert_eq!(log[1].voice_id, "vozLatina");
    assert_eq!(log[1].language_code.as_deref(), Some("es"));
    assert_eq!(log[2].model_id.as_deref(), Some("eleven_multilingual_v2"));
    assert_eq!(log[2].language_code, None);

    // The control API makes every request fail, then none.
    let base = sim.base_url();
    let set = |failure: Value| {
        app.http
            .put(format!("{base}/sim/tts/failure"))
            .json(&json!({ "failure": failure }))
            .send()
    };
    assert_eq!(set(json!("server-error")).await.unwrap().status(), 200);
    assert_eq!(tts(sim, &app.http, &key, "abc").await.status(), 500);
    assert_eq!(set(json!("tornado")).await.unwrap().status(), 400);
    assert_eq!(set(Value::Null).await.unwrap().status(), 200);
    assert_eq!(tts(sim, &app.http, &key, "abc").await.status(), 200);
}

#[tokio::test]
async fn clips_played_back_to_back_are_heard_as_one_message() {
    let app = setup().await;
    app.sim.set_phone("+61400000014", Behaviour::Accept);
    let sid = call(&app, "+61400000014", "/voice-two-clips", &[]).await;
    let c = finished(&app, &sid).await;
    let plays = c
        .events
        .iter()
        .filter(|e| {
            matches!(
                e,
                CallEvent::Heard {
                    via: Via::Play { .. },
                    ..
                }
            )
        })
        .count();
    assert_eq!(plays, 2, "both <Play>s are followed: {:?}", c.events);
    assert_eq!(
        c.heard(),
        vec![format!("{MESSAGE} {MESSAGE}"), ACCEPTED.into()]
    );
    let (_, via) = &c.heard_how()[0];
    let Via::Play { seconds, .. } = via else {
        panic!("{via:?}");
    };
    assert!((seconds - 2.0 * MESSAGE.chars().count() as f64 * 0.06).abs() < 0.01);
    assert_eq!(c.keys(), "1");
}

#[tokio::test]
async fn text_to_speech_takes_the_words_around_and_refuses_fields_its_schema_does_not_name() {
    let app = setup().await;
    let (sim, key) = (&app.sim, app.sim.config().elevenlabs_api_key.clone());
    let speak = |body: Value| {
        app.http
            .post(format!(
                "{}/v1/text-to-speech/v?output_format=ulaw_8000",
                sim.base_url()
            ))
            .header("xi-api-key", &key)
            .json(&body)
            .send()
    };
    let (requests, chars) = (sim.tts_requests(), sim.tts_characters());
    let ok =
        speak(json!({"text": "Hi Al,", "next_text": "we have a shift.", "previous_text": null}))
            .await
            .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        sim.text_for_audio(&ok.bytes().await.unwrap()).as_deref(),
        Some("Hi Al,")
    );
    assert_eq!(
        speak(json!({"text": "we have a shift.", "previous_text": "Hi Al,"}))
            .await
            .unwrap()
            .status(),
        200
    );
    // Only the text is billed.
    assert_eq!(
        (sim.tts_requests(), sim.tts_characters()),
        (requests + 2, chars + 6 + 16)
    );
    let log = sim.tts_log();
    let n = log.len();
    assert_eq!(
        (
            log[n - 2].previous_text.as_deref(),
            log[n - 2].next_text.as_deref()
        ),
        (None, Some("we have a shift."))
    );
    assert_eq!(
        (
            log[n - 1].previous_text.as_deref(),
            log[n - 1].next_text.as_deref()
        ),
        (Some("Hi Al,"), None)
    );
    for (body, field, kind) in [
        (
            json!({"text": "x", "previousText": "Hi"}),
            "previousText",
            "value_error.extra",
        ),
        (
            json!({"text": "x", "next_text": 3}),
            "next_text",
            "type_error.str",
        ),
        (
            json!({"text": "x", "previous_text": ["Hi"]}),
            "previous_text",
            "type_error.str",
        ),
    ] {
        let refused = speak(body).await.unwrap();
        assert_eq!(refused.status(), 422);
        let detail: Value = refused.json().await.unwrap();
        assert_eq!(detail["detail"][0]["loc"], json!(["body", field]));
        assert_eq!(detail["detail"][0]["type"], kind);
    }
    assert_eq!(
        sim.tts_requests(),
        requests + 2,
        "refused bodies are not counted"
    );
}

#[tokio::test]
async fn an_invalid_wav_is_an_audio_error_and_the_call_goes_on() {
    let app = setup().await;
    app.sim.set_phone("+61400000012", Behaviour::Accept);
    let sid = call(&app, "+61400000012", "/voice-bad-audio", &[]).await;
    let c = finished(&app, &sid).await;
    let errors = c.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("/audio/bad.wav"), "{errors:?}");
    assert!(c
        .events
        .iter()
        .any(|e| matches!(e, CallEvent::AudioError(_))));
    assert_eq!(c.heard(), vec!["Press 1 to accept.", ACCEPTED]);
    assert_eq!(c.keys(), "1");
}

#[tokio::test]
async fn a_broken_answer_webhook_is_an_application_error() {
    let app = setup().await;
    app.sim.set_phone("+61400000013", Behaviour::Accept);
    let sid = call(&app, "+61400000013", "/voice-broken", &[]).await;
    let c = finished(&app, &sid).await;
    assert_eq!(c.status, "completed");
    assert_eq!(c.heard(), vec!["An application error has occurred"]);
    assert!(c.events.contains(&CallEvent::HungUp(HangupBy::Error)));
    assert!(
        matches!(&c.events.iter().find(|e| matches!(e, CallEvent::WebhookError { .. })), Some(CallEvent::WebhookError { url, .. }) if url == &app.url("/voice-broken"))
    );
    assert_eq!(c.duration_secs, 3);
}

#[tokio::test]
async fn control_api_lists_calls() {
    let app = setup().await;
    let base = app.sim.base_url();
    let resp = app
        .http
        .put(format!("{base}/sim/phones/+61400000014"))
        .json(&json!({"behaviour": "wrong-key-then-2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let sid = call(&app, "+61400000014", "/voice", &[]).await;
    finished(&app, &sid).await;
    let calls: Value = app
        .http
        .get(format!("{base}/sim/calls"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(calls[0]["sid"], sid);
    assert_eq!(calls[0]["keys"], "92");
    assert_eq!(calls[0]["status"], "completed");
    let tts: Value = app
        .http
        .get(format!("{base}/sim/tts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tts["requests"], 1);
    let resp = app
        .http
        .put(format!("{base}/sim/phones/+61400000014"))
        .json(&json!({"behaviour": "dance"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn redirect_loops_are_stopped() {
    let app = setup().await;
    app.sim.set_phone("+61400000015", Behaviour::Silent);
    let sid = call(&app, "+61400000015", "/loop", &[]).await;
    let c = finished(&app, &sid).await;
    assert_eq!(app.seen_for("/loop", &sid).len(), 20);
    // GET redirects carry the parameters in the (signed) query string
    assert_eq!(get(&app.seen_for("/loop", &sid)[1], "n"), Some("1"));
    assert!(c.events.contains(&CallEvent::HungUp(HangupBy::Error)));
    assert_eq!(c.errors().len(), 1, "{:?}", c.errors());
}

#[tokio::test]
async fn a_phone_rings_the_number_and_follows_its_twiml() {
    let app = setup().await;
    app.sim
        .set_number("+61200000000", &app.url("/incoming"), &app.url("/sms"));
    let call = app.sim.call_in("+61400000009", "0").await;
    assert_eq!(call.status, "completed");
    assert_eq!(call.keys(), "0");
    assert_eq!(call.heard(), vec!["Press 1 or 0.", "To the office."]);
    assert_eq!(call.dialed(), vec!["+61290000000".to_string()]);
    // Twilio's incoming-call parameters: the first request while it rings, then in progress.
    let first = &app.seen("/incoming")[0];
    assert_eq!(get(first, "Direction"), Some("inbound"));
    assert_eq!(get(first, "CallStatus"), Some("ringing"));
    assert_eq!(get(first, "From"), Some("+61400000009"));
    assert_eq!(get(first, "To"), Some("+61200000000"));
    assert_eq!(get(first, "Caller"), Some("+61400000009"));
    assert!(get(first, "AccountSid").is_some() && get(first, "CallSid").is_some());
    let key = &app.seen("/incoming-key")[0];
    assert_eq!(get(key, "Digits"), Some("0"));
    assert_eq!(get(key, "CallStatus"), Some("in-progress"));
    assert_eq!(app.bad_signatures.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn texts_to_the_number_are_signed_and_stop_is_kept_as_twilio_keeps_it() {
    let app = setup().await;
    app.sim
        .set_number("+61200000000", &app.url("/incoming"), &app.url("/sms"));
    let phone = "+61400000009";
    assert_eq!(
        app.sim.text_in(phone, "HELP").await,
        vec!["Reply YES or NO."]
    );
    let seen = &app.seen("/sms")[0];
    for (k, v) in [
        ("Body", "HELP"),
        ("From", phone),
        ("To", "+61200000000"),
        ("SmsStatus", "received"),
    ] {
        assert_eq!(get(seen, k), Some(v), "{k}");
    }
    assert!(get(seen, "MessageSid").unwrap().starts_with("SM"));
    assert_eq!(app.bad_signatures.load(Ordering::SeqCst), 0);

    // STOP: Twilio answers itself, passes the message on, and refuses texts with 21610.
    let replies = app.sim.text_in(phone, "Stop").await;
    assert_eq!(replies, vec![callout_sim::STOP_REPLY.to_string()]);
    assert_eq!(get(&app.seen("/sms")[1], "Body"), Some("Stop"));
    assert!(app.sim.is_stopped(phone));
    let (status, body) = send(
        twilio(&app.sim, &app.http, Method::POST, "Messages.json").form(&[
            ("To", phone),
            ("From", "+61200000000"),
            ("Body", "hello"),
        ]),
    )
    .await;
    assert_eq!((status, body["code"].clone()), (400, json!(21610)));
    assert!(
        app.sim.text_in(phone, "HELP").await.is_empty(),
        "the reply is refused too"
    );
    // START undoes it.
    app.sim.text_in(phone, "start").await;
    assert!(!app.sim.is_stopped(phone));
    assert_eq!(
        app.sim.text_in(phone, "HELP").await,
        vec!["Reply YES or NO."]
    );
    assert_eq!(
        app.sim.texts_to(phone),
        vec![
            "Reply YES or NO.".to_string(),
            callout_sim::STOP_REPLY.to_string(),
            "Reply YES or NO.".to_string()
        ]
    );
}

/// The account's numbers: listed by `GET IncomingPhoneNumbers.json` (narrowed by
/// `PhoneNumber`); once it has some, a call or a text from another number is refused as
/// Twilio refuses it (21210, 21606); a phone rings or texts any of them (`To`).
#[tokio::test]
async fn the_accounts_numbers_are_listed_and_the_only_ones_calls_come_from() {
    let app = setup().await;
    let sim = &app.sim;
    sim.set_number("+61200000000", &app.url("/incoming"), &app.url("/sms"));
    sim.add_number("+61200000101");
    let (s, b) = send(twilio(
        sim,
        &app.http,
        Method::GET,
        "IncomingPhoneNumbers.json",
    ))
    .await;
    assert_eq!(s, 200, "{b}");
    let listed: Vec<&str> = b["incoming_phone_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["phone_number"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec!["+61200000000", "+61200000101"]);
    let (_, b) = send(twilio(
        sim,
        &app.http,
        Method::GET,
        "IncomingPhoneNumbers.json?PhoneNumber=%2B61200000101",
    ))
    .await;
    assert_eq!(b["incoming_phone_numbers"].as_array().unwrap().len(), 1);

    let call = |from: &'static str| {
        twilio(sim, &app.http, Method::POST, "Calls.json").form(&[
            ("To", "+61400000001"),
            ("From", from),
            ("Url", "http://127.0.0.1:1/x"),
        ])
    };
    let (s, b) = send(call("+61299990000")).await;
    assert_eq!((s, b["code"].clone()), (400, json!(21210)), "{b}");
    let (s, b) = send(
        twilio(sim, &app.http, Method::POST, "Messages.json").form(&[
            ("To", "+61400000001"),
            ("From", "+61299990000"),
            ("Body", "Hi"),
        ]),
    )
    .await;
    assert_eq!((s, b["code"].clone()), (400, json!(21606)), "{b}");
    let (s, b) = send(call("+61200000101")).await;
    assert_eq!(s, 201, "{b}");
}
