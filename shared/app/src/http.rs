//! HTTP plumbing shared by the API Gateway functions: Twilio's signature check, forms, JSON,
//! TwiML responses, the caller's provider from the JWT authorizer.

use crate::config::Config;
use lambda_http::{Body, Request, RequestExt, Response};
use std::collections::HashMap;

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

pub fn error(status: u16, message: &str) -> HttpResult {
    json(status, serde_json::json!({ "error": message }))
}

pub fn twiml(xml: String) -> HttpResult {
    respond(200, "text/xml; charset=utf-8", xml)
}

/// The URL Twilio signed: the configured public base URL and the request's path and query.
/// A base URL with a path (an API stage or a custom domain mapping) is not repeated when API
/// Gateway already includes it in the path.
pub fn public_url(config: &Config, req: &Request) -> String {
    let host_base;
    let base = if config.public_base_url.is_empty() {
        let host = req
            .headers()
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        host_base = format!("https://{host}");
        &host_base
    } else {
        &config.public_base_url
    };
    let path = req.uri().path();
    let base_path = base
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("");
    let mut url = if !base_path.is_empty() && path.starts_with(base_path) {
        format!("{}{path}", &base[..base.len() - base_path.len()])
    } else {
        format!("{base}{path}")
    };
    if let Some(q) = req.uri().query().filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(q);
    }
    url
}

/// The request's path without the API stage (a named stage prefixes it as `/{stage}/...`).
pub fn route_path(req: &Request) -> String {
    let path = req.uri().path();
    if let Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) = req.request_context_ref()
    {
        if let Some(stage) = ctx.stage.as_deref().filter(|s| *s != "$default") {
            if let Some(rest) = path.strip_prefix(&format!("/{stage}")) {
                if rest.starts_with('/') {
                    return rest.to_string();
                }
            }
        }
    }
    path.to_string()
}

/// A webhook request whose Twilio signature checked out.
pub struct TwilioRequest {
    pub params: Vec<(String, String)>,
    pub query: HashMap<String, String>,
}

impl TwilioRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// The attempt a webhook URL names (`occurrenceId`, an identifier, and `attempt`).
    pub fn attempt_ids(&self) -> Option<(String, u32)> {
        let occ = self
            .query("occurrenceId")
            .filter(|o| callout_core::validate::is_identifier(o))?;
        Some((occ.to_string(), self.query("attempt")?.parse().ok()?))
    }
}

/// Check `X-Twilio-Signature` before anything else; `Err` is the 403 to return.
pub fn verify_twilio(config: &Config, req: &Request) -> Result<TwilioRequest, HttpResult> {
    let is_form = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let params: Vec<(String, String)> = if is_form {
        form_urlencoded::parse(body_bytes(req))
            .into_owned()
            .collect()
    } else {
        Vec::new()
    };
    let signature = req
        .headers()
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    let url = public_url(config, req);
    if !callout_core::signature::is_valid(&config.twilio_auth_tokens, &url, &params, signature) {
        tracing::warn!(path = %req.uri().path(), has_signature = signature.is_some(), "twilio_signature_rejected");
        return Err(error(403, "invalid Twilio signature"));
    }
    let query = req
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    Ok(TwilioRequest { params, query })
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

#[cfg(test)]
mod tests {
    use super::*;
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
