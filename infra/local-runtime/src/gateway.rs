//! The HTTP API, emulated: every route of the template (after the SAM transform) at its
//! production path, with its authorizer. A request becomes the API Gateway v2 (payload 2.0)
//! event AWS would send — `routeKey`, `pathParameters`, `requestContext` — goes through
//! `lambda_http`'s own conversion like in Lambda, and the function's response goes back to the
//! caller. A request that cannot become such an event is a 400; nothing here panics on input.

use crate::jwt;
use crate::template::{Auth, Route};
use axum::body::Body as AxumBody;
use base64::Engine;
use callout_app::handlers;
use callout_app::lambda_http::{self, Body};
use http::{Request, Response, StatusCode};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// The functions with an HTTP handler here (binary names): those `handlers::FUNCTIONS` says the
/// HTTP API triggers, whatever their place in the list. Every template route must name one of
/// them, and each of them must have a route (checked at start and by the tests).
pub const HTTP_FUNCTIONS: &[&str] = &HTTP_BINARIES;

const HTTP_COUNT: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < handlers::FUNCTIONS.len() {
        if let handlers::Trigger::Http(_) = handlers::FUNCTIONS[i].1 {
            n += 1;
        }
        i += 1;
    }
    n
};

const HTTP_BINARIES: [&str; HTTP_COUNT] = {
    let mut names = [""; HTTP_COUNT];
    let (mut i, mut n) = (0, 0);
    while i < handlers::FUNCTIONS.len() {
        if let handlers::Trigger::Http(_) = handlers::FUNCTIONS[i].1 {
            names[n] = handlers::FUNCTIONS[i].0;
            n += 1;
        }
        i += 1;
    }
    names
};

#[derive(Clone)]
pub struct Gateway {
    pub functions: Arc<crate::Functions>,
    pub jwt_secret: String,
    pub budget: Arc<Mutex<BudgetStats>>,
    pub routes: Arc<Vec<Route>>,
    pub rules: Arc<Vec<crate::template::Rule>>,
    /// The world's name in the IAM record.
    pub world: String,
}

/// Outside requests by route (and the dialer): the most any one invocation made of each service
/// (the critical-path budget), all of them, how many invocations there were and their time.
#[derive(Debug, Clone, Default)]
pub struct BudgetStats(pub BTreeMap<&'static str, RouteStats>, pub StepOps);

/// AWS requests by step (a dialer task kind, or the route of a webhook; `dialer` alone: the
/// dialer's loop between steps) and "service.Operation", all invocations.
pub type StepOps = BTreeMap<(&'static str, String), u64>;

#[derive(Debug, Clone, Default)]
pub struct RouteStats {
    pub invocations: u32,
    pub most: callout_app::budget::Counts,
    pub requests: BTreeMap<&'static str, u64>,
    /// Handler time, all invocations together.
    pub millis: f64,
    /// Each different set of requests one invocation made (`limits` checks each against the
    /// work's declared paths).
    pub runs: std::collections::BTreeSet<callout_app::budget::Counts>,
}

/// Run one invocation of `function`'s handler, adding its outside requests and its time to
/// `stats`; its AWS requests are recorded as `function`'s for the IAM check.
pub async fn invoke<F: std::future::Future>(
    stats: &Mutex<BudgetStats>,
    function: &'static str,
    world: &str,
    handler: F,
) -> F::Output {
    invoke_as(stats, function, &[], world, handler).await
}

/// `invoke`, its requests also added under each of `also` (the dialer's task kind).
pub async fn invoke_as<F: std::future::Future>(
    stats: &Mutex<BudgetStats>,
    function: &'static str,
    also: &[&'static str],
    world: &str,
    handler: F,
) -> F::Output {
    let started = std::time::Instant::now();
    let caller = callout_app::access::Caller {
        function: function.to_string(),
        world: world.to_string(),
    };
    let (out, counts, ops) =
        callout_app::access::scope(caller, callout_app::budget::counted_by_step(handler)).await;
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    let mut stats = stats.lock().unwrap_or_else(|e| e.into_inner());
    for ((step, op), n) in ops {
        let step = if step.is_empty() { function } else { step };
        *stats.1.entry((step, op)).or_default() += u64::from(n);
    }
    for route in std::iter::once(function).chain(also.iter().copied()) {
        stats.record(route, counts.clone(), millis);
    }
    out
}

impl BudgetStats {
    fn record(&mut self, route: &'static str, counts: callout_app::budget::Counts, millis: f64) {
        let r = self.0.entry(route).or_default();
        r.invocations += 1;
        r.runs.insert(counts.clone());
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

fn plain(status: StatusCode, body: Value) -> Response<AxumBody> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(AxumBody::from(body.to_string()))
        .expect("valid response")
}

/// The API Gateway v2 event for a request, with the authorizer's claims if any.
#[allow(clippy::too_many_arguments)]
pub fn apigw_event(
    method: &str,
    path: &str,
    query: &str,
    headers: &http::HeaderMap,
    body: &[u8],
    route_key: &str,
    path_parameters: &BTreeMap<String, String>,
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
        "routeKey": route_key,
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
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": hdrs,
        "requestContext": ctx,
        "isBase64Encoded": b64,
    });
    if !body.is_null() {
        event["body"] = body;
    }
    if !path_parameters.is_empty() {
        // API Gateway passes them as they stand in the path (percent-encoded).
        event["pathParameters"] = json!(path_parameters);
    }
    event
}

/// Whether `lambda_http` can build a request URL from these headers: the `Host` it reads and
/// the `X-Forwarded-Proto` scheme must make a URL (it unwraps that parse), each given once (a
/// repeated one reaches the function joined with a comma, which makes no URL either).
fn convertible(headers: &http::HeaderMap, path: &str) -> bool {
    if ["host", "x-forwarded-proto"]
        .iter()
        .any(|name| headers.get_all(*name).iter().count() > 1)
    {
        return false;
    }
    let text = |name: &str| headers.get(name).map(|v| v.to_str().ok());
    let host = match text("host") {
        None => return true,
        Some(None) => return false,
        Some(Some(h)) => h,
    };
    let scheme = match text("x-forwarded-proto") {
        None => "https",
        Some(None) => return false,
        Some(Some(s)) => s,
    };
    url::Url::parse(&format!("{scheme}://{host}{path}"))
        .ok()
        .and_then(|u| u.to_string().parse::<http::Uri>().ok())
        .is_some()
}

fn is_form(headers: &http::HeaderMap) -> bool {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

impl Gateway {
    pub fn new(
        template: &crate::template::Template,
        functions: Arc<crate::Functions>,
        jwt_secret: String,
        budget: Arc<Mutex<BudgetStats>>,
        world: String,
    ) -> anyhow::Result<Gateway> {
        let routes = template.routes()?;
        for r in &routes {
            if !HTTP_FUNCTIONS.contains(&r.binary.as_str()) {
                anyhow::bail!(
                    "route {} of template.yaml: function {} has no HTTP handler here",
                    r.key(),
                    r.binary
                );
            }
            let table = handlers::routes_of(&r.binary).unwrap_or_default();
            if !table.iter().any(|row| row.key() == r.key()) {
                anyhow::bail!(
                    "route {} of template.yaml is not in {}'s route table (callout_app::handlers)",
                    r.key(),
                    r.binary
                );
            }
        }
        for f in HTTP_FUNCTIONS {
            if !routes.iter().any(|r| r.binary == *f) {
                anyhow::bail!("function {f} has an HTTP handler but no route in template.yaml");
            }
        }
        Ok(Gateway {
            functions,
            jwt_secret,
            budget,
            routes: Arc::new(routes),
            rules: Arc::new(template.rules()?),
            world,
        })
    }

    /// The template's route for a request, with its path parameters.
    pub fn route(&self, method: &str, path: &str) -> Option<(&Route, BTreeMap<String, String>)> {
        self.routes
            .iter()
            .find_map(|r| r.matches(method, path).map(|p| (r, p)))
    }

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
        if method == "POST" && path == "/local/events" {
            return self.local_event(&body).await;
        }
        let Some((route, params)) = self.route(method, path) else {
            return plain(StatusCode::NOT_FOUND, json!({"message": "Not Found"}));
        };
        let claims = match &route.auth {
            Auth::Jwt(_) => {
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
            }
            // IAM-authorised routes are open locally (SPEC §7).
            Auth::Open | Auth::Iam => None,
        };
        if !convertible(&parts.headers, path) {
            return plain(
                StatusCode::BAD_REQUEST,
                json!({"message": "Bad Request: the Host or X-Forwarded-Proto header does not make a URL"}),
            );
        }
        let event = apigw_event(
            method,
            path,
            query,
            &parts.headers,
            &body,
            &route.key(),
            &params,
            claims.as_ref(),
        );
        let request = match lambda_http::request::from_str(&event.to_string()) {
            Ok(r) => r,
            Err(e) => return plain(StatusCode::BAD_REQUEST, json!({"message": e.to_string()})),
        };
        let function = HTTP_FUNCTIONS
            .iter()
            .find(|f| **f == route.binary)
            .copied()
            .expect("checked in Gateway::new");
        // The function's own route table, as its binary serves it.
        let (Some(routes), Some(app)) =
            (handlers::routes_of(function), self.functions.app(function))
        else {
            unreachable!("{function} is in HTTP_FUNCTIONS")
        };
        // The table's handlers are boxed by the table itself: this future stays small.
        let handler = handlers::router::serve(routes, app, request);
        let result = invoke(&self.budget, function, &self.world, handler).await;
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
        // The template's rules decide, by their event patterns.
        let Some(rule) = self
            .rules
            .iter()
            .find(|r| crate::template::pattern_matches(&r.pattern, &event))
        else {
            return plain(
                StatusCode::ACCEPTED,
                json!({"delivered": false, "reason": "no rule of template.yaml matches this event"}),
            );
        };
        if rule.binary != "start-calling" {
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"delivered": false, "reason": format!("{} has no event handler here", rule.binary)}),
            );
        }
        let ctx = callout_app::lambda_runtime::Context::default();
        let invocation = callout_app::lambda_runtime::LambdaEvent::new(event, ctx);
        let result = invoke(
            &self.budget,
            "start-calling",
            &self.world,
            Box::pin(handlers::start_calling(
                &self.functions.start_calling,
                invocation,
            )),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, http::HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn a_repeated_host_or_scheme_makes_no_url() {
        assert!(convertible(&headers(&[("host", "a.example")]), "/x"));
        assert!(convertible(
            &headers(&[("host", "a.example"), ("x-forwarded-proto", "https")]),
            "/x"
        ));
        assert!(!convertible(
            &headers(&[("host", "a.example"), ("host", "b.example")]),
            "/x"
        ));
        assert!(!convertible(
            &headers(&[
                ("host", "a.example"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-proto", "http")
            ]),
            "/x"
        ));
    }
}
