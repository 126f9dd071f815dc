//! The functions' routers and the never-a-5xx wrapper, served as in Lambda, with no AWS: each
//! request here is answered before any table, queue or bucket would be touched.

use super::*;
use crate::adapters::twilio::urls::path;
use crate::app::{clients, App};
use crate::config::Config;
use crate::http::HttpResult;
use lambda_http::{Body, Request};

pub(crate) const BASE: &str = "https://api.example.com";

/// An `App` whose AWS is nowhere: these tests never reach it.
fn app<const C: u8>() -> App {
    let http = reqwest::Client::new();
    let sdk = crate::sdk::config(
        &crate::sdk::Target {
            region: "us-east-1",
            access_key_id: "x",
            secret_access_key: "x",
            session_token: None,
            endpoint_url: Some("http://127.0.0.1:9"),
            service_endpoints: Vec::new(),
        },
        &http,
    );
    let config = Config {
        public_base_url: BASE.into(),
        twilio_auth_tokens: vec!["token".into()],
        ..Config::default()
    };
    App::new::<C>(config, &sdk, &http)
}

/// A request as API Gateway (payload 2.0) passes it on; a form POST is signed as Twilio signs
/// it when `signed`.
pub(crate) fn request(
    method: &str,
    route: &str,
    raw_path: &str,
    query: &str,
    form: &[(&str, &str)],
    signed: bool,
) -> Request {
    let params: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let url = if query.is_empty() {
        format!("{BASE}{raw_path}")
    } else {
        format!("{BASE}{raw_path}?{query}")
    };
    let signature = if signed {
        callout_core::signature::sign("token", &url, &params)
    } else {
        "forged".into()
    };
    let route_key = format!("{method} {route}");
    let event = serde_json::json!({
        "version": "2.0", "routeKey": route_key, "rawPath": raw_path, "rawQueryString": query,
        "headers": {"host": "api.example.com", "x-forwarded-proto": "https",
                    "content-type": "application/x-www-form-urlencoded",
                    "x-twilio-signature": signature},
        "requestContext": {"accountId": "1", "apiId": "a", "domainName": "api.example.com",
            "requestId": "r", "routeKey": route_key, "stage": "$default",
            "time": "t", "timeEpoch": 0,
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1",
                     "sourceIp": "1.2.3.4", "userAgent": "TwilioProxy/1.1"}},
        "body": body, "isBase64Encoded": false
    });
    lambda_http::request::from_str(&event.to_string()).expect("an API Gateway event")
}

pub(crate) fn webhook(route: &str, query: &str, form: &[(&str, &str)]) -> Request {
    request("POST", route, route, query, form, true)
}

fn text(resp: HttpResult) -> (u16, String) {
    let resp = resp.expect("an answer, never an error");
    let status = resp.status().as_u16();
    let body = match resp.into_body() {
        Body::Text(t) => t,
        Body::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
        _ => String::new(),
    };
    (status, body)
}

const ONE_MOMENT: &str = "One moment please.";

/// A voice webhook whose step fails (the table unreachable) answers a sorry and the offer
/// again with the next try, at the base Twilio called; never a 5xx.
#[tokio::test]
async fn a_failing_voice_webhook_says_sorry_and_tries_the_offer_again() {
    let app = app::<{ clients::CALL_TWIML }>();
    app.faults.arm(crate::faults::VOICE_WEBHOOK_FAILS, "occ_1");
    let (status, xml) = text(
        call_twiml(
            &app,
            webhook(
                path::TWIML,
                "occurrenceId=occ_1&attempt=0&audio=1&lang=es",
                &[("CallSid", "CA1")],
            ),
        )
        .await,
    );
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("<Pause"), "{xml}");
    assert!(
        xml.contains("https://api.example.com/api/outbound/twiml?occurrenceId=occ_1&amp;attempt=0&amp;audio=1&amp;lang=es&amp;retry=1</Redirect>"),
        "{xml}"
    );
    assert!(
        xml.contains("language=\"es-"),
        "the sorry is in the call's language: {xml}"
    );
}

/// A key pressed whose step fails goes back to the offer (not the key again); a failure at
/// the last try is a polite goodbye.
#[tokio::test]
async fn a_failing_key_goes_back_to_the_offer_and_the_last_try_says_goodbye() {
    let app = app::<{ clients::CALL_RESPONSE }>();
    app.faults.arm(crate::faults::VOICE_WEBHOOK_FAILS, "occ_1");
    let q = "occurrenceId=occ_1&attempt=0&employeeId=emp_1&audio=1&rec=1";
    let (status, xml) =
        text(call_response(&app, webhook(path::RESPONSE, q, &[("Digits", "1")])).await);
    assert_eq!(status, 200);
    assert!(xml.contains(ONE_MOMENT), "{xml}");
    assert!(
        xml.contains("/api/outbound/twiml?occurrenceId=occ_1&amp;attempt=0&amp;audio=1&amp;retry=1</Redirect>"),
        "no second notice, no employeeId: {xml}"
    );
    app.faults.arm(crate::faults::VOICE_WEBHOOK_FAILS, "occ_1");
    let q = "occurrenceId=occ_1&attempt=0&employeeId=emp_1&retry=2";
    let (status, xml) =
        text(call_response(&app, webhook(path::RESPONSE, q, &[("Digits", "1")])).await);
    assert_eq!(status, 200);
    assert!(
        xml.contains("<Hangup/>") && !xml.contains("<Redirect"),
        "{xml}"
    );
}

/// The fallback (no table at all): a sorry and the offer, bounded by the failed URL's tries.
#[tokio::test]
async fn the_fallback_is_routed_by_its_url_and_bounded() {
    let app = app::<{ clients::CALL_TIMEOUT }>();
    let q = "occurrenceId=occ_1&attempt=0&fallback=1&audio=1&rec=1";
    let (status, xml) =
        text(call_timeout(&app, webhook(path::TIMEOUT, q, &[("ErrorCode", "11200")])).await);
    assert_eq!(status, 200);
    assert!(
        xml.contains("/api/outbound/twiml?occurrenceId=occ_1&amp;attempt=0&amp;audio=1&amp;rec=1&amp;retry=1</Redirect>"),
        "{xml}"
    );
    let failed = "https://api.example.com/api/outbound/twiml?occurrenceId=occ_1&attempt=0&retry=2";
    let (_, xml) = text(
        call_timeout(
            &app,
            webhook(
                path::TIMEOUT,
                q,
                &[("ErrorCode", "11200"), ("ErrorUrl", failed)],
            ),
        )
        .await,
    );
    assert!(
        xml.contains("<Hangup/>") && !xml.contains("<Redirect"),
        "{xml}"
    );
}

/// A forged webhook is refused before its handler: nothing is tripped.
#[tokio::test]
async fn an_unsigned_webhook_is_a_403_and_runs_nothing() {
    let app = app::<{ clients::CALL_TWIML }>();
    app.faults.arm(crate::faults::VOICE_WEBHOOK_FAILS, "occ_1");
    let req = request(
        "POST",
        path::TWIML,
        path::TWIML,
        "occurrenceId=occ_1&attempt=0",
        &[],
        false,
    );
    assert_eq!(text(call_twiml(&app, req).await).0, 403);
    assert!(
        app.faults.trip(crate::faults::VOICE_WEBHOOK_FAILS, "occ_1"),
        "still armed"
    );
}

/// Each router: its routes are reached, another path is a 404, another method a 405.
#[tokio::test]
async fn the_routers_answer_404_and_405_themselves() {
    let app = app::<{ clients::PROVIDER_SETTINGS }>();
    let (status, html) = text(
        provider_settings(
            &app,
            request(
                "GET",
                "/portal/outbound-calling",
                "/portal/outbound-calling",
                "",
                &[],
                false,
            ),
        )
        .await,
    );
    assert_eq!(status, 200);
    assert!(html.contains("<html"), "the page");
    // A provider route without a token: the router's 401, before the handler.
    let req = request(
        "GET",
        "/api/provider/jobs",
        "/api/provider/jobs",
        "",
        &[],
        false,
    );
    assert_eq!(text(provider_settings(&app, req).await).0, 401);
    let req = request(
        "DELETE",
        "/api/provider/outbound-calling",
        "/api/provider/outbound-calling",
        "",
        &[],
        false,
    );
    let (status, body) = text(provider_settings(&app, req).await);
    assert_eq!(
        (status, body.contains("use GET or PATCH")),
        (405, true),
        "{body}"
    );
    let req = request(
        "GET",
        "/api/provider/nothing",
        "/api/provider/nothing",
        "",
        &[],
        false,
    );
    assert_eq!(text(provider_settings(&app, req).await).0, 404);
    let app = self::app::<{ clients::INBOUND }>();
    let req = request("GET", path::TEXT, path::TEXT, "", &[], false);
    assert_eq!(text(inbound(&app, req).await).0, 405);
    let req = request(
        "POST",
        "/api/inbound/fax",
        "/api/inbound/fax",
        "",
        &[],
        false,
    );
    assert_eq!(text(inbound(&app, req).await).0, 404);
}

/// No two tables route the same method and path.
#[test]
fn each_route_is_in_one_table() {
    let mut keys: Vec<String> = all_routes().into_iter().map(|(_, k)| k).collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "a route in two tables");
    assert!(n >= 20, "{n}");
}

/// No source file but `adapters/twilio/urls.rs` spells a webhook's path (or writes a
/// webhook query by hand): `WebhookRoute` builds and parses them all. Tests are left out.
#[test]
fn only_the_twilio_boundary_spells_webhook_urls() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let spelled = [
        "/api/outbound/",
        "/api/inbound/",
        "occurrenceId=",
        "&attempt=",
        "&lang=",
        "retry=",
        "fallback=1",
        "rec=1",
        "amd=1",
        "?pick=",
    ];
    let mut found = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs")
                || path.ends_with("adapters/twilio/urls.rs")
                || path.ends_with("tests.rs")
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("\n#[cfg(test)]\nmod tests").next().unwrap_or("");
            for (n, line) in code.lines().enumerate() {
                let is_comment = line.trim_start().starts_with("//");
                if !is_comment && spelled.iter().any(|s| line.contains(s)) {
                    found.push(format!("{}:{}: {line}", path.display(), n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "webhook URLs spelled outside urls.rs:\n{}",
        found.join("\n")
    );
}

/// The call-back line, its table unreachable (here: no AWS at all), says sorry and goodbye: no
/// 5xx, no retry (a caller is not sent round again).
#[tokio::test]
async fn the_call_back_line_with_its_table_down_says_goodbye_never_a_5xx() {
    let app = app::<{ clients::INBOUND }>();
    for (route, query) in [
        (path::CALLBACK_LINE, ""),
        (
            path::CALLBACK_KEY,
            "occurrenceId=occ_1&n=0&employeeId=emp_1",
        ),
    ] {
        let req = webhook(
            route,
            query,
            &[
                ("From", "+61400000000"),
                ("Digits", "1"),
                ("CallSid", "CA1"),
            ],
        );
        let (status, xml) = text(inbound(&app, req).await);
        assert_eq!(status, 200, "{route}: {xml}");
        assert!(
            xml.contains("<Hangup/>") && !xml.contains("<Redirect"),
            "{route}: {xml}"
        );
    }
}

/// No key pressed, the table unreachable: a sorry and the timeout step again, in the call's
/// language.
#[tokio::test]
async fn a_timeout_with_its_table_down_says_sorry_and_tries_again() {
    let app = app::<{ clients::CALL_TIMEOUT }>();
    let req = webhook(
        path::TIMEOUT,
        "occurrenceId=occ_1&attempt=3&lang=fr-CA",
        &[("CallSid", "CA1")],
    );
    let (status, xml) = text(call_timeout(&app, req).await);
    assert_eq!(status, 200, "{xml}");
    assert!(
        xml.contains("/api/outbound/timeout?occurrenceId=occ_1&amp;attempt=3&amp;lang=fr-CA&amp;retry=1</Redirect>"),
        "{xml}"
    );
    assert!(xml.contains("language=\"fr-CA\""), "{xml}");
}

/// A call answered before its CallSid was stored (Twilio's answer to the create request lost,
/// its `initiated` callback not in yet): the offer's webhook names the call, and the attempt
/// keeps it; an attempt that has one keeps its own.
#[tokio::test]
async fn the_offers_webhook_gives_a_call_never_confirmed_its_call_sid() {
    let config = Config {
        public_base_url: BASE.into(),
        twilio_auth_tokens: vec!["token".into()],
        ..Config::default()
    };
    let (app, _twins) = App::in_memory(config);
    let mut event: callout_core::model::Wave3Completed =
        serde_json::from_str(include_str!("../../../../events/start-calling-detail.json"))
            .expect("the sample event");
    event.occurrence_id = "occ_unconfirmed".into();
    let shift =
        crate::records::Shift::open(event, true, 1, "Hi {firstName}".into(), chrono::Utc::now());
    assert!(app.store.put_shift_if_new(&shift).await.unwrap());
    let slot = shift.plan().slot(0).unwrap();
    let a = crate::records::Attempt::new(&shift, 0, slot, "Hi".into(), None);
    assert!(app.store.create_attempt(&a).await.unwrap());
    let answered = |sid: &'static str| {
        webhook(
            path::TWIML,
            "occurrenceId=occ_unconfirmed&attempt=0&audio=0",
            &[("CallSid", sid), ("CallStatus", "in-progress")],
        )
    };
    let (status, xml) = text(call_twiml(&app, answered("CA_answered")).await);
    assert_eq!(status, 200, "{xml}");
    let sid = || async {
        app.store
            .get_attempt("occ_unconfirmed", 0)
            .await
            .unwrap()
            .unwrap()
            .call_sid
    };
    assert_eq!(sid().await.as_deref(), Some("CA_answered"));
    call_twiml(&app, answered("CA_other")).await.unwrap();
    assert_eq!(sid().await.as_deref(), Some("CA_answered"), "kept");
}
