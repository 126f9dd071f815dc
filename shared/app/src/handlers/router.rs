//! The one router every HTTP function uses: a function's route table (method, path pattern →
//! handler) walked in order; an unknown path is a 404, a known path with another method a
//! 405 naming the methods it takes. A route that needs a coordinator's token gets the provider
//! from it (401 without); Twilio's webhooks are checked by `webhook::verified` in their handler.

use crate::app::App;
use crate::http::{self, HttpResult};
use lambda_http::Request;
use std::future::Future;
use std::pin::Pin;

/// A handler's answer, boxed: the table holds plain function pointers, and each request's
/// future lives on the heap (no handler makes another's future larger).
pub type Reply<'a> = Pin<Box<dyn Future<Output = HttpResult> + Send + 'a>>;
pub type Handler = for<'a> fn(&'a App, Request, Params) -> Reply<'a>;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (a static page; Twilio's webhooks, whose handlers check the signature).
    Open,
    /// A coordinator: the JWT authorizer's `provider_id` claim names the provider.
    Provider,
}

/// One row of a route table.
pub struct Route {
    pub method: &'static str,
    /// As in template.yaml: `/api/jobs/{occurrenceId}/acceptance`.
    pub path: &'static str,
    pub access: Access,
    /// The handler's name (logs, tests).
    pub name: &'static str,
    pub handler: Handler,
}

impl Route {
    /// `METHOD /path`, as template.yaml's route keys.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A table row: `route!(GET "/path", Provider => handler)`; `handler` is an
/// `async fn(&App, Request, Params) -> HttpResult`.
macro_rules! route {
    ($method:ident $path:expr, $access:ident => $handler:path) => {
        $crate::handlers::router::Route {
            method: stringify!($method),
            path: $path,
            access: $crate::handlers::router::Access::$access,
            name: stringify!($handler),
            handler: |app, req, params| Box::pin($handler(app, req, params)),
        }
    };
}
pub(crate) use route;

/// What a route's path and the caller give the handler, typed: the path's `{params}` and, on a
/// [`Access::Provider`] route, the caller's provider.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Params {
    path: Vec<(String, String)>,
    /// The provider the token names (empty on an [`Access::Open`] route).
    pub provider: String,
}

impl Params {
    /// A path parameter (`{occurrenceId}`), percent-decoded.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.path
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A path parameter that is an identifier (`validate::is_identifier`).
    pub fn identifier(&self, name: &str) -> Option<&str> {
        self.get(name)
            .filter(|v| callout_core::validate::is_identifier(v))
    }

    /// A path parameter read as a `T` (a number).
    pub fn parse<T: std::str::FromStr>(&self, name: &str) -> Option<T> {
        self.get(name)?.parse().ok()
    }
}

/// The request's query read as `T`, whose fields are the names the route takes (any other
/// name is ignored); `Err` (a name given twice, a value of the wrong type) is the reason, for a
/// 400 with [`bad_query`].
pub fn query<T: serde::de::DeserializeOwned>(req: &Request) -> Result<T, String> {
    serde_urlencoded::from_str(req.uri().query().unwrap_or("")).map_err(|e| e.to_string())
}

/// The 400 for a query that does not read.
pub fn bad_query(reason: String) -> HttpResult {
    http::json(400, serde_json::json!({ "errors": { "query": reason } }))
}

/// Why no route of a table took a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Miss {
    NotFound,
    /// The path is a route's, the method is not: the methods it takes.
    Method(Vec<&'static str>),
}

/// The route of `table` for `method` and the route's own `path` (a `HEAD` is a `GET`).
pub fn find<'t>(table: &'t [Route], method: &str, path: &str) -> Result<(&'t Route, Params), Miss> {
    let mut allowed = Vec::new();
    for route in table {
        let Some(path) = http::match_path(route.path, path) else {
            continue;
        };
        if route.method == method || (method == "HEAD" && route.method == "GET") {
            return Ok((
                route,
                Params {
                    path,
                    provider: String::new(),
                },
            ));
        }
        allowed.push(route.method);
    }
    if allowed.is_empty() {
        Err(Miss::NotFound)
    } else {
        Err(Miss::Method(allowed))
    }
}

/// The answer to a request no route took.
pub fn missed(miss: Miss) -> HttpResult {
    match miss {
        Miss::NotFound => http::error(404, "no such route"),
        Miss::Method(allowed) => {
            let mut resp = http::error(405, &format!("use {}", allowed.join(" or ")))?;
            if let Ok(v) = allowed.join(", ").parse() {
                resp.headers_mut().insert("allow", v);
            }
            Ok(resp)
        }
    }
}

/// Serve `req` from `table`.
pub async fn serve(table: &[Route], app: &App, req: Request) -> HttpResult {
    let path = http::route_path(&req);
    let (route, mut params) = match find(table, req.method().as_str(), &path) {
        Ok(found) => found,
        Err(miss) => return missed(miss),
    };
    if route.access == Access::Provider {
        match http::provider_id(&req) {
            Some(p) => params.provider = p,
            None => return http::error(401, "a token with the provider_id claim is required"),
        }
    }
    (route.handler)(app, req, params).await
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Each route of `table` is reached by a request at its path (parameters filled in), with
    /// its parameters; its path with another method is a 405; a path next to it a 404.
    pub fn check_table(table: &[Route]) {
        for route in table {
            let path = route
                .path
                .replace("{occurrenceId}", "occ_1")
                .replace("{callId}", "occ_1.2")
                .replace("{attempt}", "2");
            let (found, params) = find(table, route.method, &path)
                .unwrap_or_else(|m| panic!("{} is not reached: {m:?}", route.key()));
            assert_eq!(found.name, route.name, "{}", route.key());
            for (name, value) in [
                ("occurrenceId", "occ_1"),
                ("callId", "occ_1.2"),
                ("attempt", "2"),
            ] {
                if route.path.contains(&format!("{{{name}}}")) {
                    assert_eq!(params.get(name), Some(value), "{}", route.key());
                }
            }
            // With a trailing slash too.
            assert!(find(table, route.method, &format!("{path}/")).is_ok());
            let other = if route.method == "DELETE" {
                "PUT"
            } else {
                "DELETE"
            };
            match find(table, other, &path) {
                Err(Miss::Method(allowed)) => assert!(allowed.contains(&route.method)),
                wrong => panic!("{other} {path}: {:?}", wrong.map(|(r, _)| r.key())),
            }
            assert_eq!(
                find(table, route.method, &format!("{path}/unknown")).err(),
                Some(Miss::NotFound),
                "{}",
                route.key()
            );
        }
        assert_eq!(
            find(table, "GET", "/api/unknown").err(),
            Some(Miss::NotFound)
        );
        // No two rows for one method and path.
        let mut keys: Vec<String> = table.iter().map(Route::key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), table.len(), "a route twice");
    }

    #[test]
    fn a_miss_says_what_went_wrong() {
        let r = missed(Miss::NotFound).unwrap();
        assert_eq!(r.status(), 404);
        let r = missed(Miss::Method(vec!["GET", "PATCH"])).unwrap();
        assert_eq!(r.status(), 405);
        assert_eq!(r.headers()["allow"], "GET, PATCH");
        match r.body() {
            lambda_http::Body::Text(t) => assert!(t.contains("use GET or PATCH"), "{t}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_query_reads_as_its_type() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Q {
            days: Option<u32>,
            tz: Option<String>,
        }
        let req = |q: &str| {
            ::http::Request::builder()
                .uri(format!("https://x.example.com/a?{q}"))
                .body(lambda_http::Body::Empty)
                .unwrap()
        };
        assert_eq!(
            query::<Q>(&req("days=7&tz=Australia%2FSydney&other=1")),
            Ok(Q {
                days: Some(7),
                tz: Some("Australia/Sydney".into())
            })
        );
        assert_eq!(
            query::<Q>(&req("")),
            Ok(Q {
                days: None,
                tz: None
            })
        );
        assert!(query::<Q>(&req("days=x")).is_err());
        assert!(query::<Q>(&req("days=1&days=2")).is_err());
    }

    #[test]
    fn path_parameters_are_one_decoded_segment() {
        assert_eq!(
            http::match_path("/a/{x}/b", "/a/o%2E1/b"),
            Some(vec![("x".into(), "o.1".into())])
        );
        assert_eq!(http::match_path("/a/{x}/b", "/a//b"), None);
        assert_eq!(http::match_path("/a/{x}/b", "/a/1/2/b"), None);
        assert_eq!(http::match_path("/a/b", "/a/b/"), Some(vec![]));
        assert_eq!(http::match_path("/a/b", "/a/bc"), None);
    }
}
