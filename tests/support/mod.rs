//! A small world for end-to-end campaigns: the local AWS (moto, started by the test command),
//! the local runtime with the functions' real handlers, and the simulated Twilio whose phones
//! answer, press keys, stay silent or go to voicemail. Tests read as phone conversations.

use callout_sim::{Behaviour, CallRecord, Sim, SimConfig};
use local_runtime::{LocalRuntime, Options};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub use callout_sim;

pub mod soak;

/// Every system wait (provider wait minutes, the round pause) runs this many times faster.
pub const TIME_SCALE: f64 = 600.0;
pub const PROVIDER: &str = "prov_1";

pub struct Person {
    pub employee_id: &'static str,
    pub first_name: &'static str,
    pub phone: &'static str,
}

pub const ALICE: Person = Person {
    employee_id: "emp_alice",
    first_name: "Alice",
    phone: "+61400000001",
};
pub const BOB: Person = Person {
    employee_id: "emp_bob",
    first_name: "Bob",
    phone: "+61400000002",
};
pub const CAROL: Person = Person {
    employee_id: "emp_carol",
    first_name: "Carol",
    phone: "+61400000003",
};
pub const DAN: Person = Person {
    employee_id: "emp_dan",
    first_name: "Dan",
    phone: "+61400000004",
};

pub fn aws_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:5055".into())
}

pub struct World {
    pub sim: Sim,
    pub rt: LocalRuntime,
    pub http: reqwest::Client,
    /// Events taken off the events tap by [`World::events_of`].
    seen_events: std::sync::Mutex<Vec<Value>>,
}

/// The process's log lines, kept as well as written to stdout, so a test can check which
/// lines (alarm lines above all) a fault produced. Installed by the first world.
#[derive(Clone, Default)]
struct Tee(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Tee {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        std::io::stdout().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().flush()
    }
}

fn tee() -> &'static Tee {
    static TEE: std::sync::OnceLock<Tee> = std::sync::OnceLock::new();
    TEE.get_or_init(|| {
        let tee = Tee::default();
        let sink = tee.clone();
        callout_app::logging::init_with(move || sink.clone());
        tee
    })
}

/// A fresh occurrence id for a test's shift: `occ_{name}_{8 random hex}`.
pub fn occ(name: &str) -> String {
    format!(
        "occ_{name}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// The log lines so far whose event name (the message) is `event`, as JSON.
pub fn log_lines(event: &str) -> Vec<Value> {
    let bytes = tee().0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["message"] == event)
        .collect()
}

/// The log lines named `event` about shift `occ`.
pub fn log_lines_of(event: &str, occ: &str) -> Vec<Value> {
    log_lines(event)
        .into_iter()
        .filter(|l| l["fields"]["occurrence_id"] == occ)
        .collect()
}

/// The text the default template gives for `first_name` and the standard shift.
pub fn default_offer(first_name: &str) -> String {
    format!("Hi {first_name}, we have an urgent shift for Margaret T. on Jan 23 at 9:00 AM in Parramatta. Press 1 to accept this shift, or press 2 to decline.")
}

impl World {
    pub async fn new() -> World {
        Self::with(|_| {}).await
    }

    pub async fn with(tweak: impl FnOnce(&mut Options)) -> World {
        Self::build(SimConfig::default(), tweak).await
    }

    pub async fn build(sim_config: SimConfig, tweak: impl FnOnce(&mut Options)) -> World {
        tee();
        let sim = Sim::start(sim_config)
            .await
            .expect("simulated Twilio starts");
        let mut options = Options::new(&aws_endpoint(), &sim.base_url());
        options.resource_prefix = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
        options.time_scale = TIME_SCALE;
        tweak(&mut options);
        let rt = LocalRuntime::start(options)
            .await
            .expect("local runtime starts (is the local AWS running? `make aws-up`)");
        // The product's number: calls and texts to it reach the inbound routes.
        let base = rt
            .options
            .public_base_url
            .clone()
            .unwrap_or_else(|| rt.base_url.clone());
        sim.set_number(
            &rt.options.twilio_from_number,
            &format!("{base}/api/inbound/voice"),
            &format!("{base}/api/inbound/sms"),
        );
        // Numbers a provider may take as its own (`fromNumber`).
        for n in callout_sim::PROVIDER_NUMBERS {
            sim.add_number(n);
        }
        World {
            sim,
            rt,
            http: reqwest::Client::new(),
            seen_events: Default::default(),
        }
    }

    /// Kill the local runtime (`kill -9`: work in flight dropped where it stands) and start it
    /// again on the same port with the same local AWS resources, as an operator's `make run`
    /// after a crash: what the local AWS holds (shifts, queued tasks, pending schedules) must
    /// carry the campaign on.
    pub async fn restart(&mut self) {
        let mut options = self.rt.options.clone();
        options.port = self.rt.addr.port();
        self.rt.kill();
        let start = Instant::now();
        let rt = loop {
            // The old server lets go of its port once its last connection is closed.
            match LocalRuntime::start(options.clone()).await {
                Ok(rt) => break rt,
                Err(e) if start.elapsed() < Duration::from_secs(60) => {
                    tracing::debug!(error = %e, "restart_waiting_for_port");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("local runtime restarts: {e:#}"),
            }
        };
        self.rt = rt;
    }

    pub fn phone(&self, person: &Person, behaviour: Behaviour) {
        self.sim.set_phone(person.phone, behaviour);
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.rt.base_url)
    }

    /// PATCH the provider's settings as its coordinator would.
    pub async fn patch_settings(&self, provider: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .patch(self.url("/api/provider/outbound-calling"))
            .bearer_auth(self.rt.token(provider))
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_settings(&self, provider: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url("/api/provider/outbound-calling"))
            .bearer_auth(self.rt.token(provider))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// Switch calling on for the provider with the given wait and rounds.
    pub async fn enable(&self, wait_minutes: u32, max_rounds: u32) {
        let (status, body) = self
            .patch_settings(
                PROVIDER,
                json!({"enabled": true, "waitMinutes": wait_minutes, "maxRounds": max_rounds}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    pub fn wave3_event(occ: &str, pool: &[&Person]) -> Value {
        json!({
            "version": "0", "id": uuid::Uuid::new_v4().to_string(), "detail-type": "Wave3Completed",
            "source": "sms-waves", "account": "123456789012", "time": chrono::Utc::now().to_rfc3339(),
            "region": "us-east-1", "resources": [],
            "detail": {
                "occurrenceId": occ, "providerId": PROVIDER,
                "job": { "patientName": "Margaret Thompson", "startsAt": "2026-01-23T09:00:00+11:00",
                         "endsAt": "2026-01-23T13:00:00+11:00", "timeZone": "Australia/Sydney",
                         "suburb": "Parramatta" },
                "staffPool": pool.iter().map(|p| json!({"employeeId": p.employee_id, "firstName": p.first_name, "phone": p.phone})).collect::<Vec<_>>(),
            }
        })
    }

    /// Wave 3 ended unfilled: the SMS system's event reaches `start-calling`.
    pub async fn wave3_completed(&self, occ: &str, pool: &[&Person]) -> Value {
        self.post_event(Self::wave3_event(occ, pool)).await
    }

    pub async fn post_event(&self, event: Value) -> Value {
        let (status, answer) = self.try_post_event(&event).await;
        assert_eq!(status, 200, "{answer}");
        answer
    }

    /// Put `event` on the local bus: the status and the answer, whatever they are.
    pub async fn try_post_event(&self, event: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url("/local/events"))
            .json(event)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The shift's status and call log, as the provider API returns it.
    pub async fn call_log(&self, occ: &str) -> Value {
        let r = self
            .http
            .get(self.url(&format!("/api/provider/jobs/{occ}/calls")))
            .bearer_auth(self.rt.token(PROVIDER))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// Wait until the shift is no longer open, every call has ended and every attempt has an
    /// outcome; then return the call log.
    pub async fn finished(&self, occ: &str) -> Value {
        self.wait_for(occ, "the campaign to finish", |log| {
            log["status"] != "OPEN"
                && log["calls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|c| !c["outcome"].is_null())
        })
        .await
    }

    pub async fn wait_for(&self, occ: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_within(occ, what, Duration::from_secs(30), done)
            .await
    }

    /// [`World::wait_for`] with a deadline of its own (a wait the product measures in real
    /// seconds, whatever the time scale).
    pub async fn wait_for_within(
        &self,
        occ: &str,
        what: &str,
        deadline: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let start = Instant::now();
        loop {
            let log = self.call_log(occ).await;
            if done(&log) && self.sim.live_calls() == 0 {
                return log;
            }
            if start.elapsed() > deadline {
                panic!(
                    "timed out waiting for {what}; call log: {log:#}\nconversation:\n{}",
                    self.transcript()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Wait (up to 60 s) until everything after the shift's acceptance is done (other calls
    /// ended, the confirmation, `ShiftFilled`, the filled notices).
    pub async fn acceptance_finished(&self, occ: &str) {
        let start = Instant::now();
        while !self
            .rt
            .app
            .store
            .get_shift(occ)
            .await
            .unwrap()
            .is_some_and(|s| s.acceptance_finished)
        {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the acceptance of {occ} never finished"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Wait until a call to `person` is answered and still live.
    pub async fn wait_answered(&self, person: &Person) -> CallRecord {
        let start = Instant::now();
        loop {
            if let Some(c) = self.sim.calls_to(person.phone).into_iter().find(|c| {
                !c.ended()
                    && c.events
                        .iter()
                        .any(|e| matches!(e, callout_sim::CallEvent::Heard { .. }))
            }) {
                return c;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no answered call to {}",
                person.first_name
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Who was called, in order (first names).
    pub fn called(&self, pool: &[&Person]) -> Vec<&'static str> {
        self.sim
            .calls()
            .iter()
            .map(|c| {
                pool.iter()
                    .find(|p| p.phone == c.to)
                    .map(|p| p.first_name)
                    .unwrap_or("?")
            })
            .collect()
    }

    /// SMS an employee accepts through the acceptance API (as the SMS system does).
    pub async fn accept_by_sms(&self, occ: &str, person: &Person) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(&format!("/api/jobs/{occ}/acceptance")))
            .json(&json!({"employeeId": person.employee_id, "channel": "sms"}))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// The detail-types of the events this product put on its bus so far.
    pub async fn outbound_events(&self) -> Vec<Value> {
        let sqs = aws_sdk_sqs::Client::new(&self.rt.sdk);
        let mut events = Vec::new();
        for _ in 0..3 {
            let out = sqs
                .receive_message()
                .queue_url(&self.rt.provisioned.events_tap_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap();
            for m in out.messages.unwrap_or_default() {
                events.push(serde_json::from_str(m.body.as_deref().unwrap_or("null")).unwrap());
            }
        }
        events
    }

    /// The events of `detail_type` about shift `occ` told so far: waits until there are at
    /// least `at_least`, then looks once more so that a second copy would be seen.
    pub async fn events_of(&self, occ: &str, detail_type: &str, at_least: usize) -> Vec<Value> {
        let sqs = aws_sdk_sqs::Client::new(&self.rt.sdk);
        let start = Instant::now();
        let mut extra_look = true;
        loop {
            let out = sqs
                .receive_message()
                .queue_url(&self.rt.provisioned.events_tap_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap();
            for m in out.messages.unwrap_or_default() {
                self.seen_events
                    .lock()
                    .unwrap()
                    .push(serde_json::from_str(m.body.as_deref().unwrap_or("null")).unwrap());
                if let Some(h) = m.receipt_handle {
                    let _ = sqs
                        .delete_message()
                        .queue_url(&self.rt.provisioned.events_tap_url)
                        .receipt_handle(h)
                        .send()
                        .await;
                }
            }
            let found: Vec<Value> = self
                .seen_events
                .lock()
                .unwrap()
                .iter()
                .filter(|e| e["detail-type"] == detail_type && e["detail"]["occurrenceId"] == occ)
                .cloned()
                .collect();
            if found.len() >= at_least {
                if !extra_look {
                    return found;
                }
                extra_look = false;
                continue;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {at_least} {detail_type} of {occ}: {found:?}"
            );
        }
    }

    /// Whether the shift's start schedule still exists.
    pub async fn schedule_exists(&self, occ: &str) -> bool {
        let scheduler = aws_sdk_scheduler::Client::new(&self.rt.sdk);
        scheduler
            .get_schedule()
            .name(callout_app::adapters::schedule::schedule_name(occ))
            .group_name(&self.rt.provisioned.names.schedule_group)
            .send()
            .await
            .is_ok()
    }

    /// A webhook request signed as the simulated Twilio signs it.
    pub fn signed(&self, path_and_query: &str, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
        let url = format!("{}{path_and_query}", self.rt.base_url);
        let params: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let signature = callout_core::signature::sign(&self.sim.config().auth_token, &url, &params);
        self.http
            .post(url)
            .header("X-Twilio-Signature", signature)
            .form(form)
    }

    /// A GET of a webhook route (the call's audio) signed as the simulated Twilio signs it.
    pub fn signed_get(&self, path_and_query: &str) -> reqwest::RequestBuilder {
        let url = format!("{}{path_and_query}", self.rt.base_url);
        let signature = callout_core::signature::sign(&self.sim.config().auth_token, &url, &[]);
        self.http.get(url).header("X-Twilio-Signature", signature)
    }

    /// A shift the provider does not call about (calling off), with `n` staff, for tests that
    /// drive the webhooks themselves.
    pub async fn quiet_shift(&self, occ: &str, n: usize) -> Vec<(String, String)> {
        let staff: Vec<(String, String)> = (0..n)
            .map(|i| (format!("emp_{i:03}"), format!("+6141{i:07}")))
            .collect();
        let mut event = Self::wave3_event(occ, &[]);
        event["detail"]["staffPool"] = staff
            .iter()
            .map(|(id, phone)| json!({"employeeId": id, "firstName": format!("Carer{}", &id[4..]), "phone": phone}))
            .collect();
        assert_eq!(self.post_event(event).await["result"]["status"], "disabled");
        staff
    }

    /// Record attempt `k` for pool member `k` of a quiet shift, as the dialer would.
    pub async fn add_attempt(&self, occ: &str, k: u32) {
        let shift = self.rt.app.store.get_shift(occ).await.unwrap().unwrap();
        let slot = shift.plan().slot(k).expect("k is within the plan");
        let attempt = callout_app::records::Attempt::new(&shift, k, slot, "offer".into(), None);
        assert!(self.rt.app.store.create_attempt(&attempt).await.unwrap());
    }

    /// A readable account of every call so far, for failure messages and the demo.
    pub fn transcript(&self) -> String {
        let mut out = String::new();
        for c in self.sim.calls() {
            out.push_str(&format!(
                "call to {} → {} ({} s)\n",
                callout_core::mask::phone(&c.to),
                c.status,
                c.duration_secs
            ));
            for e in &c.events {
                out.push_str(&format!("    {e:?}\n"));
            }
        }
        out
    }
}

/// Wait (up to 20 s) until `done` holds; fail naming `what` otherwise.
pub async fn eventually(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Outcomes of the call log in order.
pub fn outcomes(log: &Value) -> Vec<String> {
    log["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].as_str().unwrap_or("-").to_string())
        .collect()
}

/// Every log line this test binary writes, as the functions' own JSON logger writes them.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The process's log capture (one subscriber per process: call this before any world starts,
/// and every test of the binary shares it).
pub fn captured_logs() -> Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            std::env::set_var("RUST_LOG", "info");
            let captured = Captured::default();
            let sink = captured.clone();
            callout_app::logging::init_with(move || sink.clone());
            captured
        })
        .clone()
}

/// A request on its way to the local AWS, as [`aws_proxy`] shows it to its fault rule.
pub struct AwsRequest<'a>(&'a axum::http::request::Parts);

impl AwsRequest<'_> {
    pub fn is_dynamodb(&self) -> bool {
        self.header("x-amz-target")
            .is_some_and(|t| t.starts_with("DynamoDB_"))
    }

    /// The SDK's first try of this request (not one of its retries).
    pub fn first_attempt(&self) -> bool {
        self.header("amz-sdk-request")
            .is_some_and(|t| t.contains("attempt=1;"))
    }

    /// The JSON protocols' operation (`X-Amz-Target`, e.g. `AmazonSSM.GetParameters`).
    pub fn target(&self) -> &str {
        self.header("x-amz-target").unwrap_or_default()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.0.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What the proxy answers instead of the local AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsFault {
    /// DynamoDB over its throughput (400 `ThrottlingException`).
    DynamoDbThrottling,
    /// SSM Parameter Store's rate exceeded (400 `ThrottlingException`).
    SsmThrottling,
    /// Any service briefly unavailable (503).
    Unavailable,
}

/// A proxy in front of the local AWS at `upstream` (its URL is returned): each request is
/// shown to `fault`, and answered with the fault it names instead of being passed on.
pub async fn aws_proxy(
    upstream: String,
    fault: impl Fn(AwsRequest) -> Option<AwsFault> + Send + Sync + 'static,
) -> String {
    let fault = std::sync::Arc::new(fault);
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (http, upstream, fault) = (http.clone(), upstream.clone(), fault.clone());
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 16 << 20).await.unwrap_or_default();
            let refusal = |status: u16, body: &'static str| {
                axum::response::Response::builder()
                    .status(status)
                    .header("content-type", "application/x-amz-json-1.0")
                    .body(axum::body::Body::from(body))
                    .unwrap()
            };
            match fault(AwsRequest(&parts)) {
                Some(AwsFault::DynamoDbThrottling) => {
                    return refusal(
                        400,
                        r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#,
                    )
                }
                Some(AwsFault::SsmThrottling) => {
                    return refusal(
                        400,
                        r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
                    )
                }
                Some(AwsFault::Unavailable) => {
                    return refusal(503, r#"{"__type":"ServiceUnavailable","message":"Service unavailable."}"#)
                }
                None => {}
            }
            let url = format!(
                "{upstream}{}",
                parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
            );
            let mut req = http.request(parts.method.clone(), url).body(body.to_vec());
            for (k, v) in &parts.headers {
                if k != "host" && k != "content-length" {
                    req = req.header(k, v);
                }
            }
            let Ok(resp) = req.send().await else {
                return refusal(503, r#"{"__type":"ServiceUnavailable","message":"Upstream gone."}"#);
            };
            let mut out = axum::response::Response::builder().status(resp.status().as_u16());
            for (k, v) in resp.headers() {
                if k != "content-length" && k != "transfer-encoding" {
                    out = out.header(k, v);
                }
            }
            out.body(axum::body::Body::from(resp.bytes().await.unwrap_or_default()))
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}
