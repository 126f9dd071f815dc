//! Contract check against Twilio's own API description: the requests the functions really send
//! to Twilio (create a call, end it, redirect it, send an SMS), made by the real adapter, go to
//! Prism (`@stoplight/prism-cli mock --errors`) serving Twilio's OpenAPI spec
//! (`tests/contract/twilio_api_v2010.json`, MIT; one schema adapted, see its README). Prism
//! answers 4xx to any request the spec rejects (a missing field, a wrong type, a bad enum value,
//! no basic auth); a recording proxy in front of it makes every verdict visible, including those
//! the adapter itself tolerates (ending a call that already ended).
//!
//! Needs `npm ci` in tests/contract (`scripts/contract.sh` does it and runs this test). Without
//! it the test says so and passes, unless CONTRACT_REQUIRED=1.

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use callout_app::adapters::twilio::{CallRequest, Twilio};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ACCOUNT_SID: &str = "AC00000000000000000000000000000001";
const BASE: &str = "https://abc123.execute-api.us-east-1.amazonaws.com";

fn contract_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("contract")
}

struct Prism(Child);

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Prism on a free port, or `None` when it is not installed (and not required).
fn start_prism() -> Option<(Prism, String)> {
    let bin = contract_dir().join("node_modules/.bin/prism");
    if !bin.exists() {
        let required = std::env::var("CONTRACT_REQUIRED").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "Prism is not installed: run scripts/contract.sh install"
        );
        eprintln!("SKIPPED: Prism is not installed (scripts/contract.sh install)");
        return None;
    }
    let port = free_port();
    let log = std::fs::File::create(std::env::temp_dir().join(format!("prism-{port}.log"))).ok();
    let child = Command::new(bin)
        .args([
            "mock",
            "--errors",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .arg(contract_dir().join("twilio_api_v2010.json"))
        .stdin(Stdio::null())
        .stdout(log.map(Stdio::from).unwrap_or_else(Stdio::null))
        .stderr(Stdio::null())
        .spawn()
        .expect("Prism starts");
    let prism = Prism(child);
    let deadline = Instant::now() + Duration::from_secs(120);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "Prism did not start in 120 s");
        std::thread::sleep(Duration::from_millis(200));
    }
    Some((prism, format!("http://127.0.0.1:{port}")))
}

/// Prism's 500 when the request was valid and only the response it generated breaks the spec
/// (every violation is located in the response).
fn only_prisms_own_response_is_invalid(v: &Verdict) -> bool {
    let body: serde_json::Value = serde_json::from_str(&v.body).unwrap_or_default();
    let violations = body["validation"].as_array().cloned().unwrap_or_default();
    v.status == 500
        && !violations.is_empty()
        && violations.iter().all(|x| x["location"][0] == "response")
}

#[derive(Debug, Clone)]
struct Verdict {
    request: String,
    status: u16,
    /// Prism's explanation, shown in failure messages.
    body: String,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    verdicts: Arc<Mutex<Vec<Verdict>>>,
}

async fn forward(State(p): State<Proxy>, req: Request) -> Response {
    let method = req.method().clone();
    let uri = req.uri().clone();
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap();
    let mut out = p.http.request(
        method.as_str().parse().unwrap(),
        format!("{}{}", p.upstream, uri),
    );
    for name in ["authorization", "content-type", "accept"] {
        if let Some(v) = headers.get(name) {
            out = out.header(name, v.to_str().unwrap());
        }
    }
    let resp = out.body(body.to_vec()).send().await.expect("Prism answers");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    p.verdicts.lock().unwrap().push(Verdict {
        request: format!(
            "{method} {}{} {}",
            uri.path(),
            uri.query().map(|q| format!("?{q}")).unwrap_or_default(),
            String::from_utf8_lossy(&body)
        ),
        status,
        body: text.clone(),
    });
    (
        axum::http::StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        text,
    )
        .into_response()
}

#[tokio::test]
async fn the_dialers_twilio_requests_are_valid_for_twilios_openapi_spec() {
    let upstream = match std::env::var("TWILIO_CONTRACT_URL") {
        Ok(url) => (None, url),
        Err(_) => match start_prism() {
            Some((prism, url)) => (Some(prism), url),
            None => return,
        },
    };
    let (_prism, upstream) = upstream;
    let proxy = Proxy {
        upstream,
        http: reqwest::Client::new(),
        verdicts: Arc::default(),
    };
    let router = axum::Router::new()
        .fallback(forward)
        .with_state(proxy.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });

    let twilio = Twilio::new(
        reqwest::Client::new(),
        &base,
        ACCOUNT_SID,
        "contract-auth-token",
        "+61255501234",
        callout_app::adapters::twilio::TASK_BUDGET,
    );
    let q = "occurrenceId=occ_123&attempt=0";
    let sid = twilio
        .create_call(&CallRequest {
            to: "+61400000001".into(),
            twiml_url: format!("{BASE}/api/outbound/twiml?{q}&audio=1"),
            status_url: format!("{BASE}/api/outbound/status?{q}"),
            amd_url: format!("{BASE}/api/outbound/status?{q}&amd=1"),
            fallback_url: format!("{BASE}/api/outbound/timeout?{q}&fallback=1&audio=1"),
            // Call recording: Record and the recording callback are checked too.
            recording_url: Some(format!("{BASE}/api/outbound/recording?{q}")),
        })
        .await
        .unwrap_or_else(|e| {
            let v = proxy.verdicts.lock().unwrap();
            panic!(
                "create call: {e}; Prism: {}",
                v.last().map(|v| v.body.as_str()).unwrap_or("")
            )
        });
    assert!(sid.starts_with("CA"), "{sid}");
    twilio.call_status(&sid).await.expect("fetch call");
    // Call recording: the deletion after the retention.
    twilio
        .delete_recording("RE0123456789abcdef0123456789abcdef")
        .await
        .expect("delete recording");
    twilio.end_call(&sid).await.expect("end call");
    twilio
        .redirect_call(
            &sid,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>Goodbye.</Say><Hangup/></Response>",
        )
        .await
        .expect("redirect call");
    let sms = twilio
        .send_sms(
            "+61400000001",
            "Confirmed: the shift with Margaret T. on Jan 23 at 9:00 AM (09:00-13:00) in Parramatta is yours. Thank you, Alice!",
        )
        .await
        .expect("send SMS");
    assert!(sms.starts_with("SM") || sms.starts_with("MM"), "{sms}");
    // A text taken over from a step that died is looked up before it is sent again. (Prism
    // accepts the request, then answers 500 because the page it makes up breaks the spec's own
    // `uri` format: that verdict is about its response, not our request; see below.)
    let _ = twilio
        .text_sent_since("+61400000001", "Confirmed", chrono::Utc::now())
        .await;
    // A provider's fromNumber is checked against the account's numbers.
    let _ = twilio.incoming_numbers().await;

    let verdicts = proxy.verdicts.lock().unwrap().clone();
    assert!(verdicts.len() >= 6, "{verdicts:#?}");
    let rejected: Vec<&Verdict> = verdicts
        .iter()
        .filter(|v| v.status >= 400 && !only_prisms_own_response_is_invalid(v))
        .collect();
    assert!(
        verdicts
            .iter()
            .any(|v| v.request.contains("GET") && v.request.contains("Messages.json")),
        "the texts lookup reached Prism: {verdicts:#?}"
    );
    assert!(
        rejected.is_empty(),
        "Twilio's spec rejects these requests:\n{rejected:#?}"
    );
    let create = &verdicts[0];
    for event in ["initiated", "answered", "completed"] {
        assert!(
            create
                .request
                .contains(&format!("StatusCallbackEvent={event}")),
            "{create:?}"
        );
    }

    // The check has teeth: a request the spec rejects is refused (no auth; a bad status).
    let http = reqwest::Client::new();
    let calls = format!("{base}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json");
    let r = http
        .post(&calls)
        .form(&[("To", "+61400000001"), ("From", "+61255501234")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401, "no basic auth");
    let r = http
        .post(format!(
            "{base}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json"
        ))
        .basic_auth(ACCOUNT_SID, Some("contract-auth-token"))
        .form(&[("Status", "hung-up")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422, "an unknown Status");
    let r = http
        .post(&calls)
        .basic_auth(ACCOUNT_SID, Some("contract-auth-token"))
        .form(&[
            ("To", "+61400000001"),
            ("From", "+61255501234"),
            ("Url", "https://example.com/t"),
            ("Timeout", "thirty"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422, "Timeout must be an integer");
}

/// Each request a local stand-in for Twilio received: path, query and form.
type Recorded = Arc<Mutex<Vec<(String, String, Vec<(String, String)>)>>>;

/// The adapter pointed at a local server that records every request and answers each with
/// `answer` (JSON).
async fn recording_twilio(answer: &'static str) -> (Twilio, Recorded) {
    let seen: Recorded = Arc::default();
    let record = seen.clone();
    let router = axum::Router::new().fallback(move |req: Request| {
        let record = record.clone();
        async move {
            let path = req.uri().path().to_string();
            let query = req.uri().query().unwrap_or_default().to_string();
            let body = axum::body::to_bytes(req.into_body(), 1 << 20)
                .await
                .unwrap();
            let form = form_urlencoded::parse(&body).into_owned().collect();
            record.lock().unwrap().push((path, query, form));
            ([("content-type", "application/json")], answer)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let twilio = Twilio::new(
        reqwest::Client::new(),
        &base,
        ACCOUNT_SID,
        "t",
        "+61255501234",
        std::time::Duration::from_secs(5),
    );
    (twilio, seen)
}

/// Every form field the adapter sends is a parameter Twilio's OpenAPI description names for
/// that operation (a misspelt `FallbackUrl` would be ignored by Twilio, not refused), and the
/// call carries its fallback. Runs without Prism: a local server records the requests.
#[tokio::test]
async fn every_field_the_adapter_sends_is_named_in_twilios_spec() {
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(contract_dir().join("twilio_api_v2010.json")).unwrap(),
    )
    .unwrap();
    let (twilio, seen) =
        recording_twilio(r#"{"sid":"CA00000000000000000000000000000001","status":"queued"}"#).await;
    let q = "occurrenceId=occ_123&attempt=0";
    twilio
        .create_call(&CallRequest {
            to: "+61400000001".into(),
            twiml_url: format!("{BASE}/api/outbound/twiml?{q}"),
            status_url: format!("{BASE}/api/outbound/status?{q}"),
            amd_url: format!("{BASE}/api/outbound/status?{q}&amd=1"),
            fallback_url: format!("{BASE}/api/outbound/timeout?{q}&fallback=1"),
            recording_url: None,
        })
        .await
        .unwrap();
    let sid = "CA00000000000000000000000000000001";
    twilio.end_call(sid).await.unwrap();
    twilio.redirect_call(sid, "<Response/>").await.unwrap();
    twilio.send_sms("+61400000001", "Confirmed").await.unwrap();

    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 4, "{seen:?}");
    for (path, _, form) in &seen {
        let operation = path
            .replace(ACCOUNT_SID, "{AccountSid}")
            .replace(sid, "{Sid}");
        let schema = &spec["paths"][&operation]["post"]["requestBody"]["content"]
            ["application/x-www-form-urlencoded"]["schema"]["properties"];
        assert!(schema.is_object(), "{operation} is no POST in the spec");
        for (name, _) in form {
            assert!(
                schema.get(name).is_some(),
                "{operation}: Twilio's spec has no parameter {name}"
            );
        }
    }
    let create = &seen[0].2;
    let field = |k: &str| create.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(
        field("FallbackUrl"),
        Some(format!("{BASE}/api/outbound/timeout?{q}&fallback=1").as_str())
    );
    assert_eq!(field("FallbackMethod"), Some("POST"));
}

/// The texts lookup (`Twilio::text_sent_since`) asks with query parameters Twilio's spec names
/// for listing messages, and reads the page it answers.
#[tokio::test]
async fn the_texts_lookup_asks_what_twilios_spec_names() {
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(contract_dir().join("twilio_api_v2010.json")).unwrap(),
    )
    .unwrap();
    let names: Vec<String> = spec["paths"]["/2010-04-01/Accounts/{AccountSid}/Messages.json"]
        ["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect();
    let (twilio, seen) = recording_twilio(
        r#"{"messages":[{"sid":"SM1","body":"Confirmed","date_created":"Fri, 04 Dec 2026 20:58:28 +0000"}]}"#,
    )
    .await;
    let before: chrono::DateTime<chrono::Utc> = "2026-12-04T20:58:27Z".parse().unwrap();
    let after: chrono::DateTime<chrono::Utc> = "2026-12-04T20:58:29Z".parse().unwrap();
    assert_eq!(
        twilio
            .text_sent_since("+61400000001", "Confirmed", before)
            .await
            .unwrap(),
        Some("SM1".to_string())
    );
    assert_eq!(
        twilio
            .text_sent_since("+61400000001", "Confirmed", after)
            .await
            .unwrap(),
        None,
        "sent before the claim: not this one"
    );
    assert_eq!(
        twilio
            .text_sent_since("+61400000001", "Other", before)
            .await
            .unwrap(),
        None
    );
    for (_, query, _) in seen.lock().unwrap().iter() {
        for (name, _) in form_urlencoded::parse(query.as_bytes()) {
            assert!(
                names.contains(&name.to_string()),
                "ListMessage has no parameter {name}"
            );
        }
    }
}

/// Looking up a call its placing run never stored asks `GET Calls.json` with only parameters
/// Twilio's spec names for ListCall, and takes the call created in the placing run's window.
#[tokio::test]
async fn the_calls_lookup_asks_what_twilios_spec_names() {
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(contract_dir().join("twilio_api_v2010.json")).unwrap(),
    )
    .unwrap();
    let names: Vec<String> = spec["paths"]["/2010-04-01/Accounts/{AccountSid}/Calls.json"]["get"]
        ["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect();
    let (twilio, seen) = recording_twilio(
        r#"{"calls":[{"sid":"CA2","date_created":"Fri, 04 Dec 2026 20:59:40 +0000"},{"sid":"CA1","date_created":"Fri, 04 Dec 2026 20:58:28 +0000"}]}"#,
    )
    .await;
    let at = |t: &str| -> chrono::DateTime<chrono::Utc> { t.parse().unwrap() };
    let found = twilio
        .call_placed_between(
            "+61400000001",
            at("2026-12-04T20:58:20Z"),
            at("2026-12-04T20:59:20Z"),
        )
        .await
        .unwrap();
    assert_eq!(found, Some("CA1".to_string()), "the call in the window");
    let none = twilio
        .call_placed_between(
            "+61400000001",
            at("2026-12-04T21:00:00Z"),
            at("2026-12-04T21:01:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(none, None);
    for (_, query, _) in seen.lock().unwrap().iter() {
        for (name, _) in form_urlencoded::parse(query.as_bytes()) {
            assert!(
                names.contains(&name.to_string()),
                "ListCall has no parameter {name}"
            );
        }
    }
}

/// A provider's `fromNumber` is checked against `GET IncomingPhoneNumbers.json`, asked with
/// only parameters Twilio's spec names for ListIncomingPhoneNumber and read from the response
/// field the spec gives; the list is kept a while, so a second check asks nothing, and a call
/// from the provider's number carries it as `From`.
#[tokio::test]
async fn the_numbers_lookup_asks_what_twilios_spec_names_and_is_kept() {
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(contract_dir().join("twilio_api_v2010.json")).unwrap(),
    )
    .unwrap();
    let list = &spec["paths"]["/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"]["get"];
    let names: Vec<String> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect();
    assert!(
        list.to_string().contains("incoming_phone_numbers"),
        "the list's field"
    );
    let (twilio, seen) = recording_twilio(
        r#"{"sid":"SM1","incoming_phone_numbers":[{"sid":"PN1","phone_number":"+61255501234"},{"sid":"PN2","phone_number":"+61255502222"}]}"#,
    )
    .await;
    let numbers = twilio.incoming_numbers().await.unwrap();
    assert_eq!(numbers, vec!["+61255501234", "+61255502222"]);
    // A copy calling from another number shares the list.
    let theirs = twilio.from_number(Some("+61255502222"));
    assert_eq!(theirs.incoming_numbers().await.unwrap(), numbers);
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "asked once: {seen:?}");
        assert!(
            seen[0].0.ends_with("/IncomingPhoneNumbers.json"),
            "{seen:?}"
        );
        for (name, _) in form_urlencoded::parse(seen[0].1.as_bytes()) {
            assert!(
                names.contains(&name.to_string()),
                "ListIncomingPhoneNumber has no parameter {name}"
            );
        }
    }
    theirs
        .send_sms("+61400000001", "Hello")
        .await
        .expect("send SMS");
    let seen = seen.lock().unwrap();
    let from = seen[1]
        .2
        .iter()
        .find(|(k, _)| k == "From")
        .map(|(_, v)| v.as_str());
    assert_eq!(from, Some("+61255502222"));
}
