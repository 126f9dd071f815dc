//! The HTTP API, emulated: every route at its production path. A request becomes the API
//! Gateway v2 (payload 2.0) event AWS would send, goes through `lambda_http` like in Lambda,
//! and the function's response goes back to the caller.

use crate::jwt;
use axum::body::Body as AxumBody;
use base64::Engine;
use callout_app::handlers;
use callout_app::lambda_http::{self, Body};
use http::{Request, Response, StatusCode};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Gateway {
    pub functions: Arc<crate::Functions>,
    pub jwt_secret: String,
    pub budget: Arc<Mutex<BudgetStats>>,
}

/// Outside requests by route (and the dialer): the most any one invocation made of each service
/// (the critical-path budget), all of them, how many invocations there were and their time.
#[derive(Debug, Clone, Default)]
pub struct BudgetStats(pub BTreeMap<&'static str, RouteStats>);

#[derive(Debug, Clone, Default)]
pub struct RouteStats {
    pub invocations: u32,
    pub most: callout_app::budget::Counts,
    pub requests: BTreeMap<&'static str, u64>,
    /// Handler time, all invocations together.
    pub millis: f64,
}

/// Run one invocation of `route`'s handler, adding its outside requests and its time to `stats`.
pub async fn invoke<F: std::future::Future>(
    stats: &Mutex<BudgetStats>,
    route: &'static str,
    handler: F,
) -> F::Output {
    let started = std::time::Instant::now();
    let (out, counts) = callout_app::budget::counted(handler).await;
    stats.lock().unwrap_or_else(|e| e.into_inner()).record(
        route,
        counts,
        started.elapsed().as_secs_f64() * 1000.0,
    );
    out
}

impl BudgetStats {
    fn record(&mut self, route: &'static str, counts: callout_app::budget::Counts, millis: f64) {
        let r = self.0.entry(route).or_default();
        r.invocations += 1;
        r.millis += millis;
        for (service, n) in counts {
            let m = r.most.entry(service).or_default();
            *m = (*m).max(n);
            *r.requests.entry(service).or_default() += u64::from(n);
        }
    }

    /// The most requests to `service` any one invocation of `route` made.
    pub fn most(&self, route: &str, service: &str) -> u32 {
        self.0
            .get(route)
            .and_then(|r| r.most.get(service))
            .copied()
            .unwrap_or(0)
    }

    pub fn invocations(&self, route: &str) -> u32 {
        self.0.get(route).map_or(0, |r| r.invocations)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Route {
    Twiml,
    Response,
    Status,
    Timeout,
    Audio,
    Provider,
    JobAcceptance,
    LocalEvents,
}

impl Route {
    pub fn name(self) -> &'static str {
        match self {
            Route::Twiml => "call-twiml",
            Route::Response => "call-response",
            Route::Status => "call-status",
            Route::Timeout => "call-timeout",
            Route::Audio => "call-audio",
            Route::Provider => "provider-settings",
            Route::JobAcceptance => "job-acceptance",
            Route::LocalEvents => "local-events",
        }
    }
}

fn route(method: &str, path: &str) -> Option<Route> {
    Some(match (method, path) {
        ("POST", "/api/outbound/twiml") => Route::Twiml,
        ("POST", "/api/outbound/response") => Route::Response,
        ("POST", "/api/outbound/status") => Route::Status,
        ("POST", "/api/outbound/timeout") => Route::Timeout,
        ("GET", p) if p.starts_with("/api/outbound/audio/") => Route::Audio,
        (_, p) if p.starts_with("/api/provider/") || p.starts_with("/portal/") => Route::Provider,
        (_, p) if p.starts_with("/api/jobs/") => Route::JobAcceptance,
        ("POST", "/local/events") => Route::LocalEvents,
        _ => return None,
    })
}

fn plain(status: StatusCode, body: Value) -> Response<AxumBody> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(AxumBody::from(body.to_string()))
        .expect("valid response")
}

/// The API Gateway v2 event for a request, with the authorizer's claims if any.
pub fn apigw_event(
    method: &str,
    path: &str,
    query: &str,
    headers: &http::HeaderMap,
    body: &[u8],
    claims: Option<&HashMap<String, String>>,
) -> Value {
    let mut hdrs = Map::new();
    for (k, v) in headers {
        let v = v.to_str().unwrap_or_default().to_string();
        let key = k.as_str().to_ascii_lowercase();
        match hdrs.get_mut(&key) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                hdrs.insert(key, Value::String(v));
            }
        }
    }
    let now = chrono::Utc::now();
    let mut ctx = json!({
        "accountId": "123456789012",
        "apiId": "local",
        "domainName": headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1"),
        "domainPrefix": "local",
        "http": {
            "method": method, "path": path, "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": headers.get("user-agent").and_then(|h| h.to_str().ok()).unwrap_or(""),
        },
        "requestId": uuid::Uuid::new_v4().to_string(),
        "routeKey": "$default",
        "stage": "$default",
        "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
        "timeEpoch": now.timestamp_millis(),
    });
    if let Some(claims) = claims {
        ctx["authorizer"] = json!({ "jwt": { "claims": claims, "scopes": null } });
    }
    let text = std::str::from_utf8(body).ok();
    let (body, b64) = match text {
        Some(t) if !t.is_empty() && !is_form(headers) => (Value::String(t.to_string()), false),
        _ if body.is_empty() => (Value::Null, false),
        // API Gateway base64-encodes form bodies.
        _ => (
            Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
            true,
        ),
    };
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": hdrs,
        "requestContext": ctx,
        "isBase64Encoded": b64,
    });
    if !body.is_null() {
        event["body"] = body;
    }
    event
}

fn is_form(headers: &http::HeaderMap) -> bool {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

impl Gateway {
    pub async fn handle(&self, req: Request<AxumBody>) -> Response<AxumBody> {
        let (parts, body) = req.into_parts();
        let body = match axum::body::to_bytes(body, 6 * 1024 * 1024).await {
            Ok(b) => b,
            Err(_) => {
                return plain(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    json!({"message": "Request Entity Too Large"}),
                )
            }
        };
        let method = parts.method.as_str();
        let path = parts.uri.path();
        let query = parts.uri.query().unwrap_or("");
        let Some(route) = route(method, path) else {
            return plain(StatusCode::NOT_FOUND, json!({"message": "Not Found"}));
        };
        if route == Route::LocalEvents {
            return self.local_event(&body).await;
        }
        // The portal page itself is public (no data; its API calls carry the token): docs/PORTAL.md.
        let claims = if route == Route::Provider
            && !(method == "GET" && path == "/portal/outbound-calling")
        {
            let auth = parts
                .headers
                .get("authorization")
                .and_then(|h| h.to_str().ok());
            match jwt::claims(&self.jwt_secret, auth) {
                Ok(c) => Some(c),
                // What API Gateway's JWT authorizer answers.
                Err(_) => {
                    return plain(StatusCode::UNAUTHORIZED, json!({"message": "Unauthorized"}))
                }
            }
        } else {
            None
        };
        let event = apigw_event(method, path, query, &parts.headers, &body, claims.as_ref());
        let request = match lambda_http::request::from_str(&event.to_string()) {
            Ok(r) => r,
            Err(e) => return plain(StatusCode::BAD_REQUEST, json!({"message": e.to_string()})),
        };
        let f = &self.functions;
        let result = invoke(&self.budget, route.name(), async {
            match route {
                Route::Twiml => handlers::call_twiml(&f.call_twiml, request).await,
                Route::Response => handlers::call_response(&f.call_response, request).await,
                Route::Status => handlers::call_status(&f.call_status, request).await,
                Route::Timeout => handlers::call_timeout(&f.call_timeout, request).await,
                Route::Audio => handlers::call_audio(&f.call_audio, request).await,
                Route::Provider => handlers::provider_settings(&f.provider_settings, request).await,
                Route::JobAcceptance => handlers::job_acceptance(&f.job_acceptance, request).await,
                Route::LocalEvents => unreachable!(),
            }
        })
        .await;
        match result {
            Ok(resp) => {
                let (parts, body) = resp.into_parts();
                let bytes: Vec<u8> = match body {
                    Body::Empty => Vec::new(),
                    Body::Text(t) => t.into_bytes(),
                    Body::Binary(b) => b,
                    _ => Vec::new(),
                };
                Response::from_parts(parts, AxumBody::from(bytes))
            }
            Err(e) => {
                // What API Gateway answers when the function fails.
                tracing::error!(error = %e, path, "function_error");
                plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"message": "Internal Server Error"}),
                )
            }
        }
    }

    /// `POST /local/events`: an EventBridge event, delivered to the function a rule would.
    async fn local_event(&self, body: &[u8]) -> Response<AxumBody> {
        let event: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return plain(
                    StatusCode::BAD_REQUEST,
                    json!({"message": format!("event must be JSON: {e}")}),
                )
            }
        };
        let detail_type = event
            .get("detail-type")
            .and_then(Value::as_str)
            .unwrap_or("");
        if detail_type != "Wave3Completed" {
            return plain(
                StatusCode::ACCEPTED,
                json!({"delivered": false, "reason": "no rule matches this detail-type"}),
            );
        }
        let ctx = callout_app::lambda_runtime::Context::default();
        let invocation = callout_app::lambda_runtime::LambdaEvent::new(event, ctx);
        let result = invoke(
            &self.budget,
            "start-calling",
            handlers::start_calling(&self.functions.start_calling, invocation),
        )
        .await;
        match result {
            Ok(out) => plain(
                StatusCode::OK,
                json!({"delivered": true, "function": "start-calling", "result": out}),
            ),
            Err(e) => plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"delivered": true, "error": e.to_string()}),
            ),
        }
    }
}
