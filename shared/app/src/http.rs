//! HTTP plumbing shared by the API Gateway functions: Twilio's signature check, forms, JSON,
//! TwiML responses, the caller's provider from the JWT authorizer.

use crate::config::Config;
use lambda_http::{Body, Request, RequestExt, Response};

pub type HttpResult = Result<Response<Body>, lambda_http::Error>;

pub fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    }
}

/// Headers every API response carries: nothing is cached by a browser or proxy (answers hold
/// a provider's data or a call's state) and no content type is sniffed.
pub const NO_STORE: (&str, &str) = ("cache-control", "no-store");
pub const NOSNIFF: (&str, &str) = ("x-content-type-options", "nosniff");

pub fn respond(status: u16, content_type: &str, body: impl Into<Body>) -> HttpResult {
    Ok(Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header(NO_STORE.0, NO_STORE.1)
        .header(NOSNIFF.0, NOSNIFF.1)
        .body(body.into())?)
}

/// The reason a request body is not JSON, in words that never quote it.
pub fn not_json(e: &serde_json::Error) -> String {
    format!(
        "must be a JSON object (unreadable at line {}, column {})",
        e.line(),
        e.column()
    )
}

pub fn json(status: u16, value: serde_json::Value) -> HttpResult {
    respond(status, "application/json", value.to_string())
}

/// A 200 JSON answer with an `ETag` (a hash of the body); a bodiless 304 when the request's
/// `If-None-Match` names it (a page polling for changes).
pub fn json_with_etag(req: &Request, value: serde_json::Value) -> HttpResult {
    use sha2::Digest;
    let body = value.to_string();
    let hash = sha2::Sha256::digest(body.as_bytes());
    let etag = format!("\"{}\"", hex_of(&hash[..16]));
    let unchanged = req
        .headers()
        .get_all("if-none-match")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*");
    let (status, body) = if unchanged {
        (304, String::new())
    } else {
        (200, body)
    };
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("etag", &etag)
        .header(NO_STORE.0, NO_STORE.1)
        .header(NOSNIFF.0, NOSNIFF.1)
        .body(body.into())?)
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn error(status: u16, message: &str) -> HttpResult {
    json(status, serde_json::json!({ "error": message }))
}

pub fn twiml(xml: String) -> HttpResult {
    respond(200, "text/xml; charset=utf-8", xml)
}

/// The URL Twilio signed. With `PUBLIC_BASE_URL`: that base and the route's path (whatever
/// prefix API Gateway put before it: a named stage, an API mapping key) and the query, exactly
/// as the dialer built it (`urls`). Without: `https://{Host}` and the path as API Gateway
/// received it (`rawPath`, never lambda_http's path, which prepends a named stage the caller
/// may not have sent).
pub fn public_url(config: &Config, req: &Request) -> String {
    let mut url = if config.public_base_url.is_empty() {
        let host = req
            .headers()
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        format!("https://{host}{}", raw_path(req))
    } else {
        let base = config.public_base_url.trim_end_matches('/');
        let base_path = base
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or("");
        format!("{base}{}", route_path_within(req, base_path))
    };
    if let Some(q) = req.uri().query().filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(q);
    }
    url
}

/// The path API Gateway received (`rawPath`), as the caller sent it.
fn raw_path(req: &Request) -> String {
    let raw = req.raw_http_path();
    if raw.is_empty() {
        req.uri().path().to_string()
    } else {
        raw.to_string()
    }
}

/// `path` without `prefix` when it starts with it on whole segments (`/call` is not a prefix
/// of `/callout/...`).
fn strip_segments<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return None;
    }
    match path.strip_prefix(prefix) {
        Some("") => Some("/"),
        Some(rest) if rest.starts_with('/') => Some(rest),
        _ => None,
    }
}

/// The route's own path (`/api/...`, `/portal/...`), whatever API Gateway put before it: a
/// named stage (in `rawPath` on the execute-api host), an API mapping key (a custom domain).
/// API Gateway names the route it matched (`routeKey`, e.g. `GET /api/provider/jobs/{id}/calls`),
/// so the route's path is the request path's last as many segments; without a route key (the
/// `$default` route), the stage and then `base_path` are stripped on whole segments.
fn route_path_within(req: &Request, base_path: &str) -> String {
    let raw = raw_path(req);
    let ctx = match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => Some(ctx),
        _ => None,
    };
    let route = ctx
        .and_then(|c| c.route_key.as_deref())
        .and_then(|k| k.split_once(' '))
        .map(|(_, path)| path)
        .filter(|p| p.starts_with('/') && !p.contains('+'));
    if let Some(route) = route {
        let n = route.split('/').filter(|s| !s.is_empty()).count();
        let segments: Vec<&str> = raw.split('/').filter(|s| !s.is_empty()).collect();
        if segments.len() >= n {
            return format!("/{}", segments[segments.len() - n..].join("/"));
        }
    }
    let mut path = raw.as_str();
    if let Some(stage) = ctx
        .and_then(|c| c.stage.as_deref())
        .filter(|s| *s != "$default" && !s.is_empty())
    {
        path = strip_segments(path, &format!("/{stage}")).unwrap_or(path);
    }
    strip_segments(path, base_path).unwrap_or(path).to_string()
}

/// The route's path, without what API Gateway may put before it (see [`route_path_within`]):
/// what the handlers route on.
pub fn route_path(req: &Request) -> String {
    route_path_within(req, "")
}

/// The route `pattern`'s path parameters when `path` is that route (`{name}` matches one
/// non-empty segment, percent-decoded; a trailing `/` on `path` does not count); `None` otherwise.
pub fn match_path(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
    let segments = |p: &str| -> Vec<String> {
        p.trim_end_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (want, got) = (segments(pattern), segments(path));
    if want.len() != got.len() {
        return None;
    }
    let mut params = Vec::new();
    for (w, g) in want.iter().zip(&got) {
        match w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
            Some(name) => {
                let value = urlencoding::decode(g).ok()?.into_owned();
                params.push((name.to_string(), value));
            }
            None if w == g => {}
            None => return None,
        }
    }
    Some(params)
}

/// The base Twilio called a webhook at: the signed URL ([`public_url`]) without the route's
/// own path and the query (a stage or a mapping key stays), for the call's next URLs.
pub fn request_base(config: &Config, req: &Request) -> String {
    let url = public_url(config, req);
    let path = url.split_once('?').map_or(url.as_str(), |(p, _)| p);
    let route = route_path(req);
    path.strip_suffix(route.as_str())
        .unwrap_or(path)
        .trim_end_matches('/')
        .to_string()
}

/// The provider the caller belongs to: the JWT claim `provider_id` passed by the authorizer,
/// when it is an identifier (`callout_core::validate::provider_claim`); `None` (a 401) for a
/// missing, empty, overlong or ill-formed claim, whatever the authorizer let through.
pub fn provider_id(req: &Request) -> Option<String> {
    match req.request_context_ref()? {
        lambda_http::request::RequestContext::ApiGatewayV2(ctx) => {
            let claims = &ctx.authorizer.as_ref()?.jwt.as_ref()?.claims;
            callout_core::validate::provider_claim(claims.get("provider_id").map(String::as_str))
                .map(String::from)
        }
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Who the coordinator is, as the call log names them: the token's `email` claim, else its
/// `sub`, when it reads as one (printable, at most 128 characters); `coordinator` otherwise.
pub fn coordinator(req: &Request) -> String {
    let claims = match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => ctx
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .map(|j| j.claims.clone()),
        #[allow(unreachable_patterns)]
        _ => None,
    }
    .unwrap_or_default();
    ["email", "sub"]
        .iter()
        .filter_map(|k| claims.get(*k))
        .map(|v| v.trim())
        .find(|v| !v.is_empty() && v.chars().count() <= 128 && !v.chars().any(char::is_control))
        .map_or_else(|| "coordinator".to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::twilio::webhook::verify_twilio;
    use proptest::prelude::*;

    fn config() -> Config {
        Config {
            public_base_url: "https://abc123.execute-api.us-east-1.amazonaws.com".into(),
            twilio_auth_tokens: vec!["token".into()],
            ..Config::default()
        }
    }

    fn request(query: &str, body: Vec<u8>, signature: Option<&str>) -> Request {
        let mut b = http::Request::builder()
            .method("POST")
            .uri(format!(
                "https://abc123.execute-api.us-east-1.amazonaws.com/api/outbound/status?{query}"
            ))
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(s) = signature {
            b = b.header("x-twilio-signature", s);
        }
        b.body(lambda_http::Body::Binary(body)).unwrap()
    }

    // ------------------------------------------------------------ URLs as API Gateway makes them

    const QUERY: &str = "occurrenceId=occ_1&attempt=0";
    const FORM: &str = "CallSid=CA1&CallStatus=completed&Digits=1";

    /// An API Gateway HTTP API (payload 2.0) event for a request, turned into a `Request` by
    /// lambda_http's own conversion, as the functions receive it.
    fn gateway_request(
        method: &str,
        host: &str,
        stage: &str,
        route_key: &str,
        raw_path: &str,
        headers: serde_json::Value,
        body: Option<&str>,
    ) -> Request {
        use base64::Engine;
        let mut h = serde_json::json!({
            "host": host,
            "user-agent": "TwilioProxy/1.1",
            "x-forwarded-proto": "https",
            "x-forwarded-port": "443",
        });
        for (k, v) in headers.as_object().unwrap() {
            h[k] = v.clone();
        }
        let mut event = serde_json::json!({
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": raw_path,
            "rawQueryString": QUERY,
            "headers": h,
            "queryStringParameters": { "occurrenceId": "occ_1", "attempt": "0" },
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "abc123",
                "domainName": host,
                "domainPrefix": host.split('.').next().unwrap(),
                "http": {
                    "method": method,
                    "path": raw_path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "54.172.60.1",
                    "userAgent": "TwilioProxy/1.1"
                },
                "requestId": "JKJaXmPLvHcESHA=",
                "routeKey": route_key,
                "stage": stage,
                "time": "30/Nov/2026:01:00:00 +0000",
                "timeEpoch": 1795914000000u64
            },
            "isBase64Encoded": body.is_some(),
        });
        if let Some(b) = body {
            event["body"] = base64::engine::general_purpose::STANDARD.encode(b).into();
        }
        lambda_http::request::from_str(&event.to_string()).expect("an API Gateway v2 event")
    }

    fn form_params() -> Vec<(String, String)> {
        form_urlencoded::parse(FORM.as_bytes())
            .into_owned()
            .collect()
    }

    /// One URL shape: where Twilio called (and signed), how API Gateway passes it on, what the
    /// functions are configured with, and the path a non-webhook route at the same place has.
    struct Shape {
        what: &'static str,
        host: &'static str,
        stage: &'static str,
        /// The path before the route's own in `rawPath` (a stage, a mapping key, or none).
        raw_prefix: &'static str,
        public_base_url: &'static str,
        /// The URL Twilio called and signed, without the query.
        signed: &'static str,
    }

    const API: &str = "abc123.execute-api.us-east-1.amazonaws.com";

    fn shapes() -> Vec<Shape> {
        vec![
            Shape { what: "the API's own URL, $default stage, no PUBLIC_BASE_URL (the webhooks' default)", host: API, stage: "$default", raw_prefix: "", public_base_url: "", signed: "https://abc123.execute-api.us-east-1.amazonaws.com/api/outbound/status" },
            Shape { what: "the same, signed with the default port", host: API, stage: "$default", raw_prefix: "", public_base_url: "", signed: "https://abc123.execute-api.us-east-1.amazonaws.com:443/api/outbound/status" },
            Shape { what: "the API's own URL as PUBLIC_BASE_URL (the dialer's default)", host: API, stage: "$default", raw_prefix: "", public_base_url: "https://abc123.execute-api.us-east-1.amazonaws.com", signed: "https://abc123.execute-api.us-east-1.amazonaws.com/api/outbound/status" },
            Shape { what: "PUBLIC_BASE_URL with :443, Twilio signed without it", host: "calls.example.com", stage: "$default", raw_prefix: "", public_base_url: "https://calls.example.com:443", signed: "https://calls.example.com/api/outbound/status" },
            Shape { what: "PUBLIC_BASE_URL without the port, Twilio signed with :443", host: "calls.example.com", stage: "$default", raw_prefix: "", public_base_url: "https://calls.example.com", signed: "https://calls.example.com:443/api/outbound/status" },
            Shape { what: "a named stage on the execute-api host (the stage in rawPath), no PUBLIC_BASE_URL", host: API, stage: "prod", raw_prefix: "/prod", public_base_url: "", signed: "https://abc123.execute-api.us-east-1.amazonaws.com/prod/api/outbound/status" },
            Shape { what: "a named stage on the execute-api host, PUBLIC_BASE_URL with the stage", host: API, stage: "prod", raw_prefix: "/prod", public_base_url: "https://abc123.execute-api.us-east-1.amazonaws.com/prod", signed: "https://abc123.execute-api.us-east-1.amazonaws.com/prod/api/outbound/status" },
            Shape { what: "a custom domain, no mapping key", host: "calls.example.com", stage: "$default", raw_prefix: "", public_base_url: "https://calls.example.com", signed: "https://calls.example.com/api/outbound/status" },
            Shape { what: "a custom domain with the mapping key `callout` in rawPath", host: "api.example.com", stage: "$default", raw_prefix: "/callout", public_base_url: "https://api.example.com/callout", signed: "https://api.example.com/callout/api/outbound/status" },
            Shape { what: "a custom domain with the mapping key `callout` taken off rawPath", host: "api.example.com", stage: "$default", raw_prefix: "", public_base_url: "https://api.example.com/callout", signed: "https://api.example.com/callout/api/outbound/status" },
            Shape { what: "a custom domain mapped to the named stage `prod`, the stage not in rawPath (lambda_http puts it in the path)", host: "calls.example.com", stage: "prod", raw_prefix: "", public_base_url: "https://calls.example.com", signed: "https://calls.example.com/api/outbound/status" },
            Shape { what: "a custom domain mapped to the named stage `prod`, the stage in rawPath", host: "calls.example.com", stage: "prod", raw_prefix: "/prod", public_base_url: "https://calls.example.com", signed: "https://calls.example.com/api/outbound/status" },
            Shape { what: "a mapping key `callout` to the named stage `prod`", host: "api.example.com", stage: "prod", raw_prefix: "/callout", public_base_url: "https://api.example.com/callout", signed: "https://api.example.com/callout/api/outbound/status" },
            Shape { what: "a mapping key `api` (whole segments: /api is also the route's first segment), key in rawPath", host: "api.example.com", stage: "$default", raw_prefix: "/api", public_base_url: "https://api.example.com/api", signed: "https://api.example.com/api/api/outbound/status" },
            Shape { what: "a mapping key `api`, key taken off rawPath", host: "api.example.com", stage: "$default", raw_prefix: "", public_base_url: "https://api.example.com/api", signed: "https://api.example.com/api/api/outbound/status" },
        ]
    }

    #[test]
    fn every_url_shape_keeps_signatures_valid_and_routes_routed() {
        for shape in shapes() {
            let c = Config {
                public_base_url: shape.public_base_url.into(),
                twilio_auth_tokens: vec!["token".into()],
                ..Config::default()
            };
            let raw = format!("{}/api/outbound/status", shape.raw_prefix);
            let signed_url = format!("{}?{QUERY}", shape.signed);
            let webhook = |signature: &str| {
                gateway_request(
                    "POST",
                    shape.host,
                    shape.stage,
                    "POST /api/outbound/status",
                    &raw,
                    serde_json::json!({
                        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
                        "x-twilio-signature": signature,
                    }),
                    Some(FORM),
                )
            };
            let genuine = callout_core::signature::sign("token", &signed_url, &form_params());
            let ok = verify_twilio(&c, &webhook(&genuine));
            assert!(
                ok.is_ok(),
                "{}: a genuine signature is refused ({})",
                shape.what,
                public_url(&c, &webhook(&genuine))
            );
            let tw = ok.ok().unwrap();
            assert_eq!(tw.params, form_params(), "{}", shape.what);
            assert_eq!(
                tw.attempt_ids(),
                Some(("occ_1".into(), 0)),
                "{}",
                shape.what
            );
            // The URL the dialer gives Twilio (`urls`) is the one checked, in every shape.
            if !shape.public_base_url.is_empty()
                && shape
                    .signed
                    .starts_with(&format!("{}/", shape.public_base_url))
            {
                let c = Config {
                    public_base_url: format!("{}/", shape.public_base_url),
                    ..c.clone()
                };
                assert_eq!(
                    crate::adapters::twilio::urls::status(&c, "occ_1", 0),
                    signed_url,
                    "{}",
                    shape.what
                );
            }
            // A signature for any other URL (another path, host or query) is not.
            for other in [
                format!("https://evil.example.com/api/outbound/status?{QUERY}"),
                format!("{}/x?{QUERY}", shape.signed),
                format!("{}?occurrenceId=occ_2&attempt=0", shape.signed),
            ] {
                let forged = callout_core::signature::sign("token", &other, &form_params());
                assert!(
                    verify_twilio(&c, &webhook(&forged)).is_err(),
                    "{}: {other}",
                    shape.what
                );
            }
            // The routes that are not webhooks, at the same place, route on their own path.
            for (route_key, path) in [
                (
                    "GET /api/provider/jobs/{occurrenceId}/calls",
                    "/api/provider/jobs/occ_1/calls",
                ),
                (
                    "POST /api/jobs/{occurrenceId}/acceptance",
                    "/api/jobs/occ_1/acceptance",
                ),
                ("GET /portal/outbound-calling", "/portal/outbound-calling"),
                (
                    "GET /api/outbound/audio/{callId}",
                    "/api/outbound/audio/occ_1.0",
                ),
            ] {
                let (method, _) = route_key.split_once(' ').unwrap();
                let req = gateway_request(
                    method,
                    shape.host,
                    shape.stage,
                    route_key,
                    &format!("{}{path}", shape.raw_prefix),
                    serde_json::json!({}),
                    None,
                );
                assert_eq!(route_path(&req), path, "{}: {route_key}", shape.what);
            }
        }
    }

    #[test]
    fn without_a_route_key_the_stage_and_base_path_go_on_whole_segments_only() {
        let req = |stage: &str, raw: &str| {
            gateway_request(
                "GET",
                API,
                stage,
                "$default",
                raw,
                serde_json::json!({}),
                None,
            )
        };
        assert_eq!(
            route_path(&req("prod", "/prod/api/provider/jobs")),
            "/api/provider/jobs"
        );
        assert_eq!(
            route_path(&req("prod", "/production/api/x")),
            "/production/api/x"
        );
        assert_eq!(
            route_path(&req("$default", "/api/provider/jobs")),
            "/api/provider/jobs"
        );
        assert_eq!(
            route_path_within(&req("$default", "/call/api/x"), "/call"),
            "/api/x"
        );
        assert_eq!(
            route_path_within(&req("$default", "/callout/api/x"), "/call"),
            "/callout/api/x"
        );
        assert_eq!(strip_segments("/call", "/call/"), Some("/"));
    }

    #[test]
    fn a_webhook_post_that_is_not_a_form_is_a_400() {
        let c = Config {
            twilio_auth_tokens: vec!["token".into()],
            ..Config::default()
        };
        let url = format!("https://{API}/api/outbound/status?{QUERY}");
        // Signed as a request without parameters: it must still not pass as one.
        let signature = callout_core::signature::sign("token", &url, &[]);
        for (content_type, body) in [
            (
                "application/json",
                r#"{"CallSid":"CA1","CallStatus":"completed"}"#,
            ),
            ("text/plain", "CallSid=CA1&CallStatus=completed"),
            ("multipart/form-data; boundary=x", "--x--"),
        ] {
            let req = gateway_request(
                "POST",
                API,
                "$default",
                "POST /api/outbound/status",
                "/api/outbound/status",
                serde_json::json!({ "content-type": content_type, "x-twilio-signature": signature }),
                Some(body),
            );
            let resp = verify_twilio(&c, &req).err().expect("refused").unwrap();
            assert_eq!(resp.status(), 400, "{content_type}");
        }
        // A form in any letter case is a form; a bodiless POST is checked (and here refused) as
        // having no parameters.
        let req = gateway_request(
            "POST",
            API,
            "$default",
            "POST /api/outbound/status",
            "/api/outbound/status",
            serde_json::json!({ "content-type": "Application/X-WWW-Form-Urlencoded", "x-twilio-signature": "x" }),
            Some(FORM),
        );
        assert_eq!(
            verify_twilio(&c, &req).err().unwrap().unwrap().status(),
            403
        );
        let req = gateway_request(
            "POST",
            API,
            "$default",
            "POST /api/outbound/status",
            "/api/outbound/status",
            serde_json::json!({ "x-twilio-signature": signature }),
            None,
        );
        assert!(
            verify_twilio(&c, &req).is_ok(),
            "an empty POST signed as such"
        );
    }

    /// An API Gateway (payload 2.0) request whose JWT authorizer passed `claims`.
    fn with_claims(claims: serde_json::Value) -> Request {
        let event = serde_json::json!({
            "version": "2.0", "routeKey": "$default", "rawPath": "/api/provider/outbound-calling",
            "rawQueryString": "", "headers": {},
            "requestContext": {
                "accountId": "1", "apiId": "a", "domainName": "a.example", "requestId": "r",
                "routeKey": "$default", "stage": "$default", "time": "t", "timeEpoch": 0,
                "http": {"method": "GET", "path": "/api/provider/outbound-calling",
                         "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t"},
                "authorizer": {"jwt": {"claims": claims, "scopes": null}}
            },
            "isBase64Encoded": false
        });
        lambda_http::request::from_str(&event.to_string()).expect("an API Gateway event")
    }

    /// Whatever the authorizer passes (API Gateway turns every claim into text), only an
    /// identifier is a provider: the function refuses the rest with a 401.
    #[test]
    fn the_provider_claim_must_be_an_identifier_whatever_the_authorizer_passed() {
        let claim = |v: &str| provider_id(&with_claims(serde_json::json!({"provider_id": v})));
        assert_eq!(claim("prov_1").as_deref(), Some("prov_1"));
        for bad in [
            "",
            "null",
            "[prov_1]",
            "{\"id\":1}",
            "prov/1",
            "prov 1",
            "prov#1",
            "p\u{0}",
        ] {
            assert_eq!(claim(bad), None, "{bad:?}");
        }
        assert_eq!(claim(&"p".repeat(3000)), None);
        assert_eq!(
            provider_id(&with_claims(serde_json::json!({"sub": "x"}))),
            None
        );
    }

    /// The call log names who acted: the token's email, else its subject, else "coordinator".
    #[test]
    fn the_coordinator_is_the_tokens_email_else_its_subject() {
        let who = |c| coordinator(&with_claims(c));
        let both = serde_json::json!({"email": "ann@agency.example", "sub": "u-1"});
        assert_eq!(who(both), "ann@agency.example");
        assert_eq!(who(serde_json::json!({"sub": "u-1"})), "u-1");
        assert_eq!(who(serde_json::json!({"sub": "a\nb"})), "coordinator");
        assert_eq!(
            who(serde_json::json!({"sub": "x".repeat(129)})),
            "coordinator"
        );
        assert_eq!(who(serde_json::json!({})), "coordinator");
    }

    /// The call log's ETag: a 304 without a body to the same tag, a 200 to any other.
    #[test]
    fn a_json_answer_with_an_etag_is_a_304_when_the_tag_matches() {
        let value = serde_json::json!({"status": "OPEN"});
        let first = json_with_etag(&with_claims(serde_json::json!({})), value.clone()).unwrap();
        assert_eq!(first.status(), 200);
        let etag = first.headers()["etag"].to_str().unwrap().to_string();
        assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
        let asking = |tag: &str| {
            let mut req = with_claims(serde_json::json!({}));
            req.headers_mut()
                .insert("if-none-match", tag.parse().unwrap());
            json_with_etag(&req, value.clone()).unwrap()
        };
        let same = asking(&etag);
        assert_eq!(same.status(), 304);
        assert_eq!(body_bytes_of(same.body()), b"");
        assert_eq!(same.headers()["cache-control"], "no-store");
        assert_eq!(asking(&format!("\"other\", W/{etag}")).status(), 304);
        assert_eq!(asking("\"other\"").status(), 200);
        let changed = json_with_etag(
            &with_claims(serde_json::json!({})),
            serde_json::json!({"status": "CANCELLED"}),
        )
        .unwrap();
        assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    }

    fn body_bytes_of(b: &Body) -> &[u8] {
        match b {
            Body::Text(t) => t.as_bytes(),
            Body::Binary(b) => b,
            _ => &[],
        }
    }

    #[test]
    fn every_response_is_no_store_and_nosniff() {
        for r in [
            json(200, serde_json::json!({})),
            error(400, "x"),
            twiml("<Response/>".into()),
        ] {
            let r = r.unwrap();
            assert_eq!(r.headers()["cache-control"], "no-store");
            assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        }
    }

    proptest! {
        /// Any body, query and signature: no panic, and only a genuine signature passes.
        #[test]
        fn form_parsing_and_the_signature_check_never_panic(
            body in proptest::collection::vec(any::<u8>(), 0..400),
            query in "[a-zA-Z0-9=&%+._-]{0,60}",
            signature in proptest::option::of("[ -~]{0,40}"),
        ) {
            let c = config();
            let forged = verify_twilio(&c, &request(&query, body.clone(), signature.as_deref()));
            prop_assert!(forged.is_err());
            // The same request signed as Twilio signs it passes, and its parameters are read.
            let params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
            let url = format!("{}/api/outbound/status{}", c.public_base_url, if query.is_empty() { String::new() } else { format!("?{query}") });
            let real = callout_core::signature::sign("token", &url, &params);
            let ok = verify_twilio(&c, &request(&query, body, Some(&real)));
            prop_assert!(ok.is_ok());
            prop_assert_eq!(ok.ok().unwrap().params, params);
        }
    }
}
