//! Bad input at every edge, through the local runtime's HTTP routes: the `Wave3Completed`
//! event, each webhook's form, the provider API's bodies and the JWT's claims. Each edge gets a
//! fixed number of generated cases (deterministic, so a failure repeats) on top of the named
//! cases of the issue: never a 5xx, never a panic, a refusal names the field and never echoes
//! the value, and nothing changes on a refusal.

use e2e::occ as new_occ;
use e2e::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};

/// `n` values of `strategy`, the same ones on every run.
fn cases<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,30}".prop_map(Value::from),
        "[\\x00-\\x1f]{1,4}".prop_map(Value::from),
        (1usize..3000).prop_map(|n| Value::from("x".repeat(n))),
    ];
    leaf.prop_recursive(2, 16, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("enabled".to_string()),
                    Just("waitMinutes".to_string()),
                    Just("maxRounds".to_string()),
                    Just("messageTemplate".to_string()),
                    Just("employeeId".to_string()),
                    Just("channel".to_string()),
                    ".{0,8}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn logs() -> String {
    captured_logs().text()
}

/// A world whose logs this binary captures (the capture must be installed before any world).
async fn world() -> World {
    captured_logs();
    World::new().await
}

async fn shift_status(w: &World, occ: &str) -> u16 {
    w.http
        .get(format!("{}/api/provider/jobs/{occ}/calls", w.rt.base_url))
        .bearer_auth(w.rt.token(PROVIDER))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

// ------------------------------------------------------------------ events

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_events_are_refused_by_field_kept_as_not_called_and_never_echo_the_value() {
    let w = world().await;

    // The named cases: a value that must never be echoed, and the limits.
    let named: Vec<(&str, Value, &str)> = vec![
        (
            "/detail/job/patientName",
            json!({"first": "Margaret", "last": "Zyxwvutson"}),
            "job.patientName: must be text",
        ),
        (
            "/detail/staffPool/0/phone",
            json!(61499887766u64),
            "staffPool[0].phone: must be text",
        ),
        (
            "/detail/job/startsAt",
            json!("Zyxwvutson"),
            "job.startsAt: must be an RFC 3339 time",
        ),
        (
            "/detail/occurrenceId",
            json!("occ/with/slash"),
            "occurrenceId: must be 1 to 128 characters of A-Z a-z 0-9 _ - . : @",
        ),
        (
            "/detail/occurrenceId",
            json!("o".repeat(100_000)),
            "occurrenceId: must be 1 to 128",
        ),
        (
            "/detail/staffPool",
            (0..10_000)
                .map(|i| json!({"employeeId": format!("e{i}"), "firstName": "Al", "phone": "+61400000001"}))
                .collect(),
            "staffPool: must have at most 500 people",
        ),
    ];
    for (pointer, value, message) in named {
        let occ = new_occ("bad");
        let mut event = World::wave3_event(&occ, &[&ALICE]);
        *event.pointer_mut(pointer).unwrap() = value;
        let out = w.post_event(event).await;
        assert_eq!(out["result"]["status"], "rejected", "{pointer}: {out}");
        let error = out["result"]["error"].as_str().unwrap();
        assert!(error.contains(message), "{pointer}: {error}");
        assert!(!error.contains("Zyxwvutson") && !error.contains("61499887766"));
        // Kept as NOT_CALLED with its reason when its ids can key a record (never the value).
        let kept = shift_status(&w, &occ).await;
        if pointer == "/detail/occurrenceId" {
            assert_eq!(kept, 404, "{pointer}: no record without a usable id");
        } else {
            assert_eq!(kept, 200, "{pointer}: kept as NOT_CALLED");
        }
    }

    // Generated cases: any JSON at any field of a good event.
    let fields = [
        "/detail",
        "/detail/occurrenceId",
        "/detail/providerId",
        "/detail/job",
        "/detail/job/patientName",
        "/detail/job/startsAt",
        "/detail/job/endsAt",
        "/detail/job/timeZone",
        "/detail/job/suburb",
        "/detail/staffPool",
        "/detail/staffPool/0",
        "/detail/staffPool/0/employeeId",
        "/detail/staffPool/0/firstName",
        "/detail/staffPool/0/phone",
    ];
    for (i, (field, value)) in cases((prop::sample::select(fields.to_vec()), arb_json()), 48)
        .into_iter()
        .enumerate()
    {
        let occ = new_occ(&format!("fuzz{i}"));
        let mut event = World::wave3_event(&occ, &[&ALICE]);
        // A marker in the value stands for a patient's name or a phone number.
        // (Not in ids: a valid id is stored and logged, as it should be.)
        let value = match value {
            Value::String(s) if !field.ends_with("Id") => Value::from(format!("Zyxwvutson{s}")),
            other => other,
        };
        *event.pointer_mut(field).unwrap() = value;
        let r = w
            .http
            .post(format!("{}/local/events", w.rt.base_url))
            .json(&event)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "case {i} ({field})");
        let out: Value = r.json().await.unwrap();
        let status = out["result"]["status"].as_str().unwrap_or_default();
        assert!(
            ["rejected", "disabled", "duplicate"].contains(&status),
            "case {i} ({field}): {out}"
        );
        if status == "rejected" {
            assert!(!out.to_string().contains("Zyxwvutson"), "case {i}: {out}");
            if !["/detail/occurrenceId", "/detail/providerId", "/detail"].contains(&field) {
                assert_eq!(
                    shift_status(&w, &occ).await,
                    200,
                    "case {i}: kept as NOT_CALLED"
                );
            }
        }
    }
    assert!(
        !logs().contains("Zyxwvutson"),
        "a refused value reached the logs"
    );
    assert!(!logs().contains("61499887766"));
}

/// The pool's limit is chosen so that the shift's item fits DynamoDB's 400 KB (the local AWS
/// enforces it as DynamoDB does): 500 people with every value at its longest, in 4-byte
/// characters, and the longest template, are stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_largest_pool_with_the_longest_values_fits_in_the_shifts_item() {
    use callout_core::validate::*;
    let w = world().await;
    let wide = |n: usize| "\u{1D49C}".repeat(n);
    let template = format!("{}{{employeeName}}", wide(1000 - "{employeeName}".len()));
    let (status, body) = w
        .patch_settings(PROVIDER, json!({ "messageTemplate": template }))
        .await;
    assert_eq!(status, 200, "{body}");
    let occ = format!("occ_{}", "o".repeat(MAX_ID_CHARS - 4));
    let mut event = World::wave3_event(&occ, &[]);
    event["detail"]["providerId"] = json!(PROVIDER);
    event["detail"]["job"]["patientName"] = json!(wide(MAX_PATIENT_NAME_CHARS));
    event["detail"]["job"]["suburb"] = json!(wide(MAX_SUBURB_CHARS));
    event["detail"]["staffPool"] = (0..MAX_POOL)
        .map(|i| {
            json!({
                "employeeId": format!("{i:04}{}", "e".repeat(MAX_ID_CHARS - 4)),
                "firstName": wide(MAX_FIRST_NAME_CHARS),
                "phone": format!("+61{i:012}"),
            })
        })
        .collect();
    let out = w.post_event(event).await;
    assert_eq!(out["result"]["status"], "disabled", "{out}");
    let log = w.call_log(&occ).await;
    assert_eq!(log["poolSize"], MAX_POOL);
}

// ------------------------------------------------------------------ webhooks

/// Every byte that is not a letter, digit, `-`, `_` or `.`, percent-encoded (a path segment).
fn urlencoding_lite(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn twiml_parses(body: &str) {
    if body.starts_with("<?xml") {
        roxmltree::Document::parse(body)
            .unwrap_or_else(|e| panic!("ill-formed TwiML ({e}): {body}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_signed_webhook_form_gets_a_4xx_or_an_answer_and_bad_ids_change_nothing() {
    let w = world().await;
    let occ = new_occ("forms");
    w.quiet_shift(&occ, 2).await;
    w.add_attempt(&occ, 0).await;
    let value = prop_oneof![
        "[ -~]{0,12}",
        ".{0,12}",
        "[\\x00-\\x1f]{1,3}",
        Just("completed".to_string()),
        Just("ringing".to_string()),
        Just("1".to_string()),
        Just("machine_start".to_string()),
        (1usize..5000).prop_map(|n| "9".repeat(n)),
    ];
    let form = proptest::collection::vec(
        (
            prop::sample::select(vec![
                "CallSid",
                "Digits",
                "CallStatus",
                "SequenceNumber",
                "CallDuration",
                "AnsweredBy",
                "From",
                "To",
            ]),
            value.clone(),
        ),
        0..6,
    );
    let bad_occ = prop_oneof![
        Just(String::new()),
        Just("occ/1".to_string()),
        Just("occ#1".to_string()),
        Just("o".repeat(129)),
        Just("occ%00x".to_string()),
        Just(format!("{occ}%0A")),
        Just("unknown_occ".to_string()),
    ];
    let path = prop::sample::select(vec!["twiml", "response", "status", "timeout"]);
    let attempt = prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("99999999999".to_string()),
        Just("x".to_string())
    ];
    let employee = prop_oneof![
        Just("emp_000".to_string()),
        Just("emp_001".to_string()),
        Just("emp/000".to_string()),
        Just(String::new())
    ];

    // Ids that name no live attempt: an answer, never a 5xx, and nothing changes.
    for (i, (path, occ_q, k, employee, form)) in cases(
        (
            path.clone(),
            bad_occ,
            attempt.clone(),
            employee.clone(),
            form.clone(),
        ),
        48,
    )
    .into_iter()
    .enumerate()
    {
        let q =
            format!("/api/outbound/{path}?occurrenceId={occ_q}&attempt={k}&employeeId={employee}");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = w.signed(&q, &form).send().await.unwrap();
        let status = r.status().as_u16();
        assert!(status < 500, "case {i} {q}: {status}");
        twiml_parses(&r.text().await.unwrap());
    }
    // The attempt's own ids with a wrong person, whatever the form: nothing changes either.
    for (i, (k, form)) in cases((Just("0"), form.clone()), 24).into_iter().enumerate() {
        let q = format!("/api/outbound/response?occurrenceId={occ}&attempt={k}&employeeId=emp_001");
        let mut form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form.retain(|(k, _)| *k != "Digits");
        form.push(("Digits", "1"));
        let r = w.signed(&q, &form).send().await.unwrap();
        assert_eq!(r.status(), 200, "case {i}");
        let text = r.text().await.unwrap();
        twiml_parses(&text);
        assert!(
            text.contains("could not find this shift offer"),
            "case {i}: {text}"
        );
    }
    // The audio route's call id, signed as Twilio signs a GET: a 404 or the audio, never a 5xx.
    for (i, id) in cases(
        prop_oneof![
            "[ -~]{0,20}".prop_map(|s| urlencoding_lite(&s)),
            Just(format!("{occ}.0")),
            Just(format!("{occ}.99999999999")),
            Just("o".repeat(3000)),
            Just("%00.0".to_string()),
        ],
        24,
    )
    .into_iter()
    .enumerate()
    {
        let r = w
            .signed_get(&format!("/api/outbound/audio/{id}"))
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "case {i} {id}: {}", r.status());
    }
    let log = w.call_log(&occ).await;
    assert_eq!(log["status"], "OPEN");
    assert!(log["acceptedBy"].is_null());
    assert!(log["calls"][0]["outcome"].is_null(), "{log}");
    assert!(log["calls"][0]["twilioStatus"].is_null(), "{log}");

    // The attempt's own ids and any form: never a 5xx, always well-formed TwiML.
    for (i, (path, form)) in cases((path, form), 48).into_iter().enumerate() {
        let q = format!("/api/outbound/{path}?occurrenceId={occ}&attempt=0&employeeId=emp_000");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = w.signed(&q, &form).send().await.unwrap();
        let status = r.status().as_u16();
        assert!(status < 500, "case {i} {q} {form:?}: {status}");
        twiml_parses(&r.text().await.unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_press_takes_the_shift_only_for_the_person_called_on_a_live_call() {
    let w = world().await;
    let occ = new_occ("press");
    w.quiet_shift(&occ, 3).await;
    w.add_attempt(&occ, 0).await;
    w.add_attempt(&occ, 1).await;
    let press = |k: u32, employee: &str| {
        let req = w.signed(
            &format!("/api/outbound/response?occurrenceId={occ}&attempt={k}&employeeId={employee}"),
            &[("CallSid", "CA1"), ("Digits", "1")],
        );
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    // Attempt 0 called emp_000: a URL naming someone else (in the pool or not) takes nothing.
    for other in ["emp_001", "emp_002", "emp_999"] {
        let said = press(0, other).await;
        assert!(said.contains("could not find this shift offer"), "{said}");
    }
    // Attempt 1's call ended Busy: a "1" on it takes nothing.
    let busy = w
        .signed(
            &format!("/api/outbound/status?occurrenceId={occ}&attempt=1"),
            &[
                ("CallSid", "CA2"),
                ("CallStatus", "busy"),
                ("SequenceNumber", "3"),
            ],
        )
        .send()
        .await
        .unwrap();
    assert_eq!(busy.status(), 204);
    let said = press(1, "emp_001").await;
    assert!(said.contains("offer has closed"), "{said}");
    let log = w.call_log(&occ).await;
    assert_eq!(log["status"], "OPEN", "{log}");
    assert!(log["calls"][0]["outcome"].is_null());
    // The person attempt 0 called, on a live call, takes it.
    assert!(press(0, "emp_000").await.contains("The shift is yours"));
    let log = w.call_log(&occ).await;
    assert_eq!(log["status"], "ASSIGNED");
    assert_eq!(log["acceptedBy"]["employeeId"], "emp_000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_final_status_is_never_replaced_by_a_later_non_final_one() {
    let w = world().await;
    let occ = new_occ("sticky");
    w.quiet_shift(&occ, 2).await;
    w.add_attempt(&occ, 0).await;
    let status = |s: &'static str, seq: &'static str| {
        let req = w.signed(
            &format!("/api/outbound/status?occurrenceId={occ}&attempt=0"),
            &[
                ("CallSid", "CA1"),
                ("CallStatus", s),
                ("SequenceNumber", seq),
            ],
        );
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status("busy", "2").await, 204);
    assert_eq!(status("ringing", "5").await, 204);
    assert_eq!(status("in-progress", "6").await, 204);
    let log = w.call_log(&occ).await;
    assert_eq!(log["calls"][0]["twilioStatus"], "busy", "{log}");
    assert_eq!(log["calls"][0]["outcome"], "Busy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_call_hears_the_shifts_real_state() {
    let w = world().await;
    let occ = new_occ("words");
    w.quiet_shift(&occ, 3).await;
    w.add_attempt(&occ, 0).await;
    assert!(w.rt.app.store.mark_unfilled(&occ).await.unwrap());
    let said = w
        .signed(
            &format!("/api/outbound/twiml?occurrenceId={occ}&attempt=0"),
            &[("CallSid", "CA1"), ("CallStatus", "in-progress")],
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!said.contains("filled"), "{said}");
    assert!(said.contains("calls for this shift have ended"), "{said}");

    let occ = new_occ("words");
    w.quiet_shift(&occ, 3).await;
    w.add_attempt(&occ, 0).await;
    assert_eq!(
        w.accept_by_sms(
            &occ,
            &Person {
                employee_id: "emp_002",
                first_name: "C",
                phone: ""
            }
        )
        .await
        .0,
        200
    );
    let said = w
        .signed(
            &format!("/api/outbound/twiml?occurrenceId={occ}&attempt=0"),
            &[("CallSid", "CA1"), ("CallStatus", "in-progress")],
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(said.contains("has now been filled"), "{said}");

    // The message played to the end on a call whose shift was filled meanwhile.
    w.add_attempt(&occ, 1).await;
    w.rt.app
        .store
        .set_outcome(&occ, 1, callout_core::campaign::Outcome::Canceled, None)
        .await
        .unwrap();
    let said = w
        .signed(
            &format!("/api/outbound/timeout?occurrenceId={occ}&attempt=1"),
            &[("CallSid", "CA2")],
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !said.contains("someone else") && said.contains("offer has now closed"),
        "{said}"
    );
}

// ------------------------------------------------------------------ provider API

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_provider_api_body_gets_a_4xx_or_an_answer_and_a_refusal_changes_nothing() {
    let w = world().await;
    let before = w.get_settings(PROVIDER).await.1;
    let mut expected = before.clone();
    let bodies = cases(
        prop_oneof![
            3 => arb_json().prop_map(|v| v.to_string()),
            1 => ".{0,40}",
            1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        ],
        64,
    );
    let url = |p: &str| format!("{}{p}", w.rt.base_url);
    for (i, body) in bodies.iter().enumerate() {
        let r = w
            .http
            .patch(url("/api/provider/outbound-calling"))
            .bearer_auth(w.rt.token(PROVIDER))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let answer: Value = r.json().await.unwrap();
        match status {
            200 => expected = answer,
            400 => assert!(answer["errors"].is_object(), "case {i}: {answer}"),
            _ => panic!("case {i} {body:?}: {status} {answer}"),
        }
        assert_eq!(
            w.get_settings(PROVIDER).await.1,
            expected,
            "case {i} {body:?}"
        );
        for path in ["/api/provider/outbound-calling/preview"] {
            let r = w
                .http
                .post(url(path))
                .bearer_auth(w.rt.token(PROVIDER))
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert!([200, 400].contains(&r.status().as_u16()), "case {i} {path}");
        }
    }
    // A template with control characters is refused, by field and rule.
    let (status, answer) = w
        .patch_settings(
            PROVIDER,
            json!({"messageTemplate": "Hi\u{0}{employeeName}\u{7}"}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(answer["errors"]["messageTemplate"]
        .as_str()
        .unwrap()
        .contains("control characters"));

    // The acceptance API: any body on a quiet shift is a 4xx unless it names someone in the pool.
    let occ = new_occ("acc");
    w.quiet_shift(&occ, 2).await;
    for (i, body) in bodies.iter().enumerate() {
        let r = w
            .http
            .post(url(&format!("/api/jobs/{occ}/acceptance")))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert!(
            (400..500).contains(&status),
            "case {i} {body:?}: {status} {text}"
        );
    }
    for bad in ["occ%2F1", "occ%231", "occ%00"] {
        let r = w
            .http
            .post(url(&format!("/api/jobs/{bad}/acceptance")))
            .json(&json!({"employeeId": "emp_000"}))
            .send()
            .await
            .unwrap();
        assert!([400, 404].contains(&r.status().as_u16()), "{bad}");
    }
    assert_eq!(w.call_log(&occ).await["status"], "OPEN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_responses_are_never_cached_or_sniffed() {
    let w = world().await;
    let get = w
        .http
        .get(format!("{}/api/provider/outbound-calling", w.rt.base_url))
        .bearer_auth(w.rt.token(PROVIDER))
        .send()
        .await
        .unwrap();
    let forged = w
        .http
        .post(format!(
            "{}/api/outbound/twiml?occurrenceId=o&attempt=0",
            w.rt.base_url
        ))
        .send()
        .await
        .unwrap();
    let acceptance = w
        .http
        .post(format!("{}/api/jobs/occ_none/acceptance", w.rt.base_url))
        .json(&json!({"employeeId": "e"}))
        .send()
        .await
        .unwrap();
    for (what, r) in [
        ("settings", get),
        ("webhook", forged),
        ("acceptance", acceptance),
    ] {
        assert_eq!(r.headers()["cache-control"], "no-store", "{what}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{what}");
    }
}

// ------------------------------------------------------------------ JWT claims

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_jwt_claims_give_a_200_or_a_401_and_only_a_valid_provider_passes() {
    use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
    let w = world().await;
    let secret = w.rt.options.jwt_secret.clone();
    let now = chrono::Utc::now().timestamp();
    let provider = prop_oneof![
        Just(json!("prov_1")),
        Just(json!("")),
        Just(json!(123)),
        Just(json!(["prov_1"])),
        Just(json!({"id": "prov_1"})),
        Just(Value::Null),
        Just(json!("null")),
        Just(json!("p".repeat(3000))),
        Just(json!("prov/1")),
        "[a-z0-9_]{1,12}".prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    let offset = prop_oneof![Just(None), (-7200i64..7200).prop_map(Some)];
    for (i, (provider, exp, nbf)) in cases((provider, offset.clone(), offset), 64)
        .into_iter()
        .enumerate()
    {
        let mut claims = json!({ "provider_id": provider });
        if let Some(e) = exp {
            claims["exp"] = json!(now + e);
        }
        if let Some(n) = nbf {
            claims["nbf"] = json!(now + n);
        }
        let token = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap();
        let r = w
            .http
            .get(format!("{}/api/provider/outbound-calling", w.rt.base_url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        // Well away from the leeway's edges (5 s), so the clock cannot decide.
        let valid_id = provider
            .as_str()
            .is_some_and(|p| callout_core::validate::provider_claim(Some(p)).is_some());
        let live = exp.is_some_and(|e| e > 30) && nbf.is_none_or(|n| n < -30);
        let borderline = exp.is_some_and(|e| e.abs() <= 30) || nbf.is_some_and(|n| n.abs() <= 30);
        assert!([200, 401].contains(&status), "case {i} {claims}: {status}");
        if !borderline {
            assert_eq!(
                status == 200,
                valid_id && live,
                "case {i} {claims}: {status}"
            );
        }
    }
}

/// A request with its `Host` or `X-Forwarded-Proto` twice is a 400 (it makes no URL), never a
/// panic of the request; the runtime goes on answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_host_or_scheme_header_is_a_400() {
    let w = world().await;
    let url = format!("{}/api/outbound/twiml", w.rt.base_url);
    let authority = w.rt.base_url.trim_start_matches("http://").to_string();
    for (name, second) in [("host", "other.example"), ("x-forwarded-proto", "http")] {
        let first = if name == "host" {
            authority.as_str()
        } else {
            "https"
        };
        let r = w
            .http
            .post(&url)
            .header(name, first)
            .header(name, second)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("CallSid=CA1")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{name} twice");
    }
    let (status, _) = w.get_settings(PROVIDER).await;
    assert_eq!(status, 200, "the runtime still answers");
}
