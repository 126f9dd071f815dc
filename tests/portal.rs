//! The coordinators' portal (issue 5) on the local AWS: the page, the preview, the recent
//! shifts and the results of finished campaigns, each only for the caller's own provider.
//! `the_portal_page_in_a_browser` drives the page itself in headless Chromium; it needs
//! Chromium and node, so it is ignored here and run by `scripts/browser-test.sh`.

use callout_sim::Behaviour;
use e2e::*;
use serde_json::{json, Value};

async fn call(
    w: &World,
    method: &str,
    path: &str,
    provider: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}{path}", w.rt.base_url);
    let mut req = match method {
        "POST" => w.http.post(url),
        "PATCH" => w.http.patch(url),
        _ => w.http.get(url),
    };
    if let Some(p) = provider {
        req = req.bearer_auth(w.rt.token(p));
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn get(w: &World, path: &str, provider: &str) -> (u16, Value) {
    call(w, "GET", path, Some(provider), None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_api_reports_only_the_providers_own_calls() {
    let w = World::new().await;
    w.enable(1, 1).await;
    // One shift filled in round 1 by Bob after Alice declines...
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Accept);
    let filled = occ("filled");
    w.wave3_completed(&filled, &[&ALICE, &BOB]).await;
    w.finished(&filled).await;
    // ...and one left unfilled: Carol declines, Dan does not answer.
    w.phone(&CAROL, Behaviour::Decline);
    w.phone(&DAN, Behaviour::NoAnswer);
    let unfilled = occ("unfilled");
    w.wave3_completed(&unfilled, &[&CAROL, &DAN]).await;
    let log = w.finished(&unfilled).await;
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");

    // Results.
    let (status, s) = get(&w, "/api/provider/outbound-calling/stats?days=7", PROVIDER).await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(
        (&s["calls"], &s["accepted"], &s["declined"], &s["noAnswer"]),
        (&json!(4), &json!(1), &json!(2), &json!(1)),
        "{s:#}"
    );
    assert_eq!(s["shiftsCalled"], 2);
    assert_eq!(s["successRate"], 0.5);
    assert_eq!(s["unfilledRate"], 0.5);
    assert_eq!(s["averageAcceptRound"], 1.0);
    // Days are the shifts' own zone's days.
    assert_eq!(s["timeZone"], "Australia/Sydney");
    let days = s["perDay"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(
        days.iter()
            .map(|d| d["calls"].as_u64().unwrap())
            .sum::<u64>(),
        4
    );
    let (_, s30) = get(&w, "/api/provider/outbound-calling/stats?days=30", PROVIDER).await;
    assert_eq!(s30["perDay"].as_array().unwrap().len(), 30);
    assert_eq!(s30["calls"], 4);
    let (_, ny) = get(
        &w,
        "/api/provider/outbound-calling/stats?days=7&tz=America/New_York",
        PROVIDER,
    )
    .await;
    assert_eq!(
        (&ny["timeZone"], &ny["calls"]),
        (&json!("America/New_York"), &json!(4))
    );
    for bad in ["days=0", "days=91", "days=week", "tz=Mars/Olympus"] {
        let (status, body) = get(
            &w,
            &format!("/api/provider/outbound-calling/stats?{bad}"),
            PROVIDER,
        )
        .await;
        assert_eq!(status, 400, "{bad}: {body}");
        let field = bad.split('=').next().unwrap();
        assert!(body["errors"][field].is_string(), "{bad}: {body}");
    }

    // Recent shifts for the call-log picker, newest first, privacy-safe.
    let (status, jobs) = get(&w, "/api/provider/jobs?days=30", PROVIDER).await;
    assert_eq!(status, 200, "{jobs}");
    let list = jobs["jobs"].as_array().unwrap();
    let ids: Vec<&str> = list
        .iter()
        .map(|j| j["occurrenceId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [unfilled.as_str(), filled.as_str()]);
    assert_eq!(list[1]["status"], "ASSIGNED");
    assert_eq!(list[1]["acceptedBy"]["firstName"], "Bob");
    assert_eq!(list[1]["patientName"], "Margaret T.");
    assert_eq!(
        (&list[1]["date"], &list[1]["time"]),
        (&json!("Jan 23"), &json!("9:00 AM"))
    );
    assert!(!jobs.to_string().contains("Thompson"));
    let (status, _) = get(&w, "/api/provider/jobs?limit=0", PROVIDER).await;
    assert_eq!(status, 400);

    // The preview is the server's own rendering.
    let (status, p) = call(
        &w,
        "POST",
        "/api/provider/outbound-calling/preview",
        Some(PROVIDER),
        Some(json!({"messageTemplate": callout_core::template::DEFAULT_TEMPLATE})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(p["text"], default_offer("Alice"));
    assert!(p["seconds"].as_f64().unwrap() > 5.0);
    let (_, p) = call(
        &w,
        "POST",
        "/api/provider/outbound-calling/preview",
        Some(PROVIDER),
        Some(json!({"messageTemplate": "Hi {nickname}"})),
    )
    .await;
    assert!(p["text"].is_null());
    assert!(p["errors"]["messageTemplate"]
        .as_str()
        .unwrap()
        .contains("{nickname}"));

    // The page needs no token (it holds no data); the API does.
    let r = w
        .http
        .get(format!("{}/portal/outbound-calling", w.rt.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.headers().contains_key("content-security-policy"));
    let html = r.text().await.unwrap();
    assert!(html.contains("<h1>Outbound calling</h1>") && html.contains("\"maxRounds\""));
    for (method, path) in [
        ("GET", "/api/provider/outbound-calling/stats?days=7"),
        ("GET", "/api/provider/jobs"),
        ("POST", "/api/provider/outbound-calling/preview"),
    ] {
        let (status, _) = call(&w, method, path, None, Some(json!({}))).await;
        assert_eq!(status, 401, "{method} {path} without a token");
    }

    // Another provider sees none of it.
    let other = "prov_2";
    let (_, s) = get(&w, "/api/provider/outbound-calling/stats?days=30", other).await;
    assert_eq!((&s["calls"], &s["shiftsCalled"]), (&json!(0), &json!(0)));
    assert!(s["successRate"].is_null());
    let (_, jobs) = get(&w, "/api/provider/jobs?days=30", other).await;
    assert_eq!(jobs["jobs"], json!([]));
    let (status, _) = get(&w, &format!("/api/provider/jobs/{filled}/calls"), other).await;
    assert_eq!(status, 404);
    let (status, _) = w.patch_settings(other, json!({"waitMinutes": 99})).await;
    assert_eq!(status, 200);
    let (_, mine) = w.get_settings(PROVIDER).await;
    assert_eq!(
        mine["waitMinutes"], 1,
        "another provider's save changes nothing here"
    );
}

// ------------------------------------------------------------------ speech spend

/// The Listen button as the page presses it: status, body and `Retry-After`.
async fn listen(w: &World, body: Value) -> (u16, Value, Option<u64>) {
    let r = w
        .http
        .post(format!(
            "{}/api/provider/outbound-calling/listen",
            w.rt.base_url
        ))
        .bearer_auth(w.rt.token(PROVIDER))
        .json(&body)
        .send()
        .await
        .unwrap();
    let retry_after = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (
        r.status().as_u16(),
        r.json().await.unwrap_or(Value::Null),
        retry_after,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_rendering_past_the_limit_is_refused_by_listen_and_preview() {
    let w = World::new().await;
    // 990 characters of template, 1,210 spoken ("Parramatta" for each {suburb}).
    let template = "{suburb} ".repeat(110);
    assert!(template.chars().count() <= callout_core::template::MAX_TEMPLATE_CHARS);
    let (status, body, _) = listen(&w, json!({"messageTemplate": template})).await;
    assert_eq!(status, 400, "{body}");
    let reason = body["errors"]["messageTemplate"].as_str().unwrap();
    assert!(
        reason.contains("renders to 1210 characters") && reason.contains("1000"),
        "{reason}"
    );
    assert_eq!(w.sim.tts_requests(), 0, "nothing was spoken");
    let (status, preview) = call(
        &w,
        "POST",
        "/api/provider/outbound-calling/preview",
        Some(PROVIDER),
        Some(json!({"messageTemplate": template})),
    )
    .await;
    assert_eq!(status, 200);
    assert!(preview["text"].is_null(), "{preview}");
    assert_eq!(preview["errors"]["messageTemplate"], reason);
}

fn attr(v: &str) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S(v.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_31st_listen_in_a_minute_is_refused_with_the_reason_and_when_to_retry() {
    use chrono::Timelike;
    let w = World::new().await;
    // All 31 requests within one minute (they take a few seconds).
    eventually("a minute with time left in it", || {
        chrono::Utc::now().second() < 40
    })
    .await;
    let minute = chrono::Utc::now().minute();
    for i in 0..callout_core::speech_budget::LISTEN_PER_MINUTE {
        let (status, body, _) = listen(&w, json!({})).await;
        assert_eq!(status, 200, "request {i}: {body}");
    }
    let (status, body, retry_after) = listen(&w, json!({})).await;
    assert_eq!(
        chrono::Utc::now().minute(),
        minute,
        "the test ran too slowly"
    );
    assert_eq!(status, 429, "{body}");
    assert_eq!(
        body["reason"].as_str().unwrap(),
        format!(
            "at most 30 Listen requests a minute per provider: try again in {} seconds",
            retry_after.unwrap()
        )
    );
    assert!((1..=60).contains(&retry_after.unwrap()));
    assert_eq!(
        w.sim.tts_requests(),
        2,
        "the same text: its two clips (greeting, body) once, then the cache"
    );
    // A day's worth already used (the day's counter as 300 Listens left it): refused too.
    let day_used = "prov_listened_all_day";
    aws_sdk_dynamodb::Client::new(&w.rt.sdk)
        .put_item()
        .table_name(&w.rt.app.config.table_name)
        .item("pk", attr(&format!("PROVIDER#{day_used}")))
        .item(
            "sk",
            attr(&format!(
                "LISTEN#DAY#{}",
                chrono::Utc::now().format("%Y-%m-%d")
            )),
        )
        .item(
            "count",
            aws_sdk_dynamodb::types::AttributeValue::N(
                callout_core::speech_budget::LISTEN_PER_DAY.to_string(),
            ),
        )
        .send()
        .await
        .unwrap();
    let (status, body) = call(
        &w,
        "POST",
        "/api/provider/outbound-calling/listen",
        Some(day_used),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 429, "{body}");
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .starts_with("at most 300 Listen requests a day per provider"),
        "{body}"
    );
    // Another provider has its own count.
    let (status, _) = call(
        &w,
        "POST",
        "/api/provider/outbound-calling/listen",
        Some("prov_other"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_daily_speech_budget_calls_say_the_offer_and_listen_is_refused() {
    let w = World::new().await;
    let offer = default_offer("Alice");
    // The greeting and the body: the space between them is not sent.
    let spoken = offer.chars().count() as u64 - 1;
    // A budget the first Listen takes past 80 % and that the next text (nor Bob's greeting)
    // does not fit in.
    let budget = spoken + 5;
    let (status, body) = w
        .patch_settings(PROVIDER, json!({"dailySpeechCharacters": budget}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, first, _) = listen(&w, json!({})).await;
    assert_eq!((status, &first["text"]), (200, &json!(offer)), "{first}");
    assert_eq!(w.sim.tts_requests(), 2);
    let alarms: Vec<Value> = log_lines("speech_budget_nearly_spent")
        .into_iter()
        .filter(|l| l["fields"]["provider_id"] == PROVIDER && l["fields"]["budget"] == budget)
        .collect();
    assert_eq!(alarms.len(), 1, "the alarm line at 80 %, once");
    assert_eq!(alarms[0]["fields"]["alarm"], true);
    // The same text again costs nothing (the cache); a new one is refused with the reason.
    let (status, _, _) = listen(&w, json!({})).await;
    assert_eq!(status, 200);
    let (status, refused, retry_after) = listen(&w, json!({"language": "es"})).await;
    assert_eq!(status, 429, "{refused}");
    assert!(
        refused["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("speech budget of {budget} characters is spent")),
        "{refused}"
    );
    assert!(retry_after.unwrap() <= 86_400);
    assert_eq!(w.sim.tts_requests(), 2);

    // The dialer: Bob's greeting is not in the cache and the budget is spent: the whole offer
    // with <Say>, no request.
    w.enable(1, 1).await;
    w.phone(&BOB, Behaviour::Decline);
    let occ = occ("budget_spent");
    w.wave3_completed(&occ, &[&BOB]).await;
    w.finished(&occ).await;
    let call = &w.sim.calls_to(BOB.phone)[0];
    assert_eq!(call.heard()[0], default_offer("Bob"));
    assert!(
        call.events.iter().any(|e| matches!(
            e,
            callout_sim::CallEvent::Heard {
                via: callout_sim::Via::Say | callout_sim::Via::SayIn { .. },
                ..
            }
        )),
        "{:?}",
        call.events
    );
    assert_eq!(
        w.sim.tts_requests(),
        2,
        "no ElevenLabs request past the budget"
    );

    // The portal shows today's use against the budget.
    let (status, stats) = get(&w, "/api/provider/outbound-calling/stats?days=1", PROVIDER).await;
    assert_eq!(status, 200);
    assert_eq!(stats["speechToday"]["used"], spoken);
    assert_eq!(stats["speechToday"]["budget"], budget);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_speech_request_gives_its_characters_back() {
    let w = World::new().await;
    w.sim
        .set_tts_failure(Some(callout_sim::TtsFailure::ServerError));
    let (status, failed, _) = listen(&w, json!({})).await;
    assert_eq!(status, 200);
    assert!(failed["audio"].is_null(), "{failed}");
    let (_, stats) = get(&w, "/api/provider/outbound-calling/stats?days=1", PROVIDER).await;
    assert_eq!(stats["speechToday"]["used"], 0, "{stats}");
    w.sim.set_tts_failure(None);
    let (status, spoken, _) = listen(&w, json!({})).await;
    assert_eq!(status, 200);
    let (_, stats) = get(&w, "/api/provider/outbound-calling/stats?days=1", PROVIDER).await;
    // The greeting and the body were sent (not the space between them).
    assert_eq!(
        stats["speechToday"]["used"],
        spoken["text"].as_str().unwrap().chars().count() - 1
    );
}

/// The page in headless Chromium against this world, after a finished campaign.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and node (tests/browser); run by scripts/browser-test.sh"]
async fn the_portal_page_in_a_browser() {
    let w = World::new().await;
    w.enable(1, 2).await;
    // Call recording: the calls are recorded, so the call log offers the answered ones.
    let (status, _) = w
        .patch_settings(PROVIDER, json!({"recordCalls": true}))
        .await;
    assert_eq!(status, 200);
    // Alice's missed call is followed by a text, which the call log lists.
    let (status, body) = w
        .patch_settings(PROVIDER, json!({"smsFollowUp": true}))
        .await;
    assert_eq!(status, 200, "{body}");
    w.phone(&ALICE, Behaviour::NoAnswer);
    w.phone(&BOB, Behaviour::Decline);
    w.phone(&CAROL, Behaviour::Accept);
    let occ = occ("browser");
    w.wave3_completed(&occ, &[&ALICE, &BOB, &CAROL]).await;
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "ASSIGNED");
    w.wait_for(&occ, "the answered calls' recordings", |l| {
        l["calls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["outcome"] != "No Answer")
            .all(|c| c["recordingSid"].is_string())
    })
    .await;
    // The last argument is another provider's token: with it the page shows none of this.
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/browser/portal.test.mjs");
    let args = vec![
        script.to_string(),
        w.rt.base_url.clone(),
        w.rt.token(PROVIDER),
        occ.clone(),
        w.rt.token("prov_other"),
    ];
    // The simulated ElevenLabs' control API: the Listen checks count its requests and make it
    // fail.
    let sim_url = w.sim.base_url();
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .args(&args)
            .env("SIM_URL", sim_url)
            .status()
            .expect("node runs (is Node.js installed?)")
    })
    .await
    .unwrap();
    assert!(status.success(), "the browser test failed: {status}");
}
