//! With `panic = "unwind"` (the release profile's choice, docs/PERFORMANCE.md), a panic in a
//! handler is caught by lambda_runtime: the invocation gets an error (Lambda retries or reports
//! it) and the process lives on to take the next event. With `abort` the process would end.
//! The test profile unwinds as the release profile does; this binary runs the functions' own
//! `lambda_http::run` loop against a minimal Lambda Runtime API of its own.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use callout_app::lambda_http::{Body, Error, Request, Response};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

async fn next(State(seen): State<Seen>) -> (HeaderMap, String) {
    let n = {
        let mut s = seen.0.lock().unwrap();
        s.push("next".into());
        s.iter().filter(|e| *e == "next").count()
    };
    if n > 1 {
        // The process survived and asks again: hold this request.
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    let mut h = HeaderMap::new();
    h.insert(
        "lambda-runtime-aws-request-id",
        format!("req-{n}").parse().unwrap(),
    );
    let deadline = chrono::Utc::now().timestamp_millis() + 30_000;
    h.insert(
        "lambda-runtime-deadline-ms",
        deadline.to_string().parse().unwrap(),
    );
    h.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:f"
            .parse()
            .unwrap(),
    );
    h.insert("lambda-runtime-trace-id", "Root=1-0-0".parse().unwrap());
    let event = serde_json::json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/api/outbound/twiml",
        "rawQueryString": "", "headers": {"host": "local"},
        "requestContext": {"accountId": "1", "apiId": "a", "domainName": "local", "requestId": "r",
            "routeKey": "$default", "stage": "$default", "time": "t", "timeEpoch": 0,
            "http": {"method": "POST", "path": "/api/outbound/twiml", "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "t"}},
        "isBase64Encoded": false
    });
    (h, event.to_string())
}

async fn answered(
    State(seen): State<Seen>,
    Path((id, kind)): Path<(String, String)>,
) -> &'static str {
    seen.0.lock().unwrap().push(format!("{kind} {id}"));
    ""
}

/// A handler with a bug.
async fn buggy(_req: Request) -> Result<Response<Body>, Error> {
    panic!("a bug in a handler")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_handler_is_an_invocation_error_and_the_function_lives_on() {
    let seen = Seen::default();
    let app = axum::Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/{kind}", post(answered))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    // This binary holds this one test, so its environment is the function's.
    for (k, v) in [
        ("AWS_LAMBDA_RUNTIME_API", addr.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", "f".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
    ] {
        std::env::set_var(k, v);
    }
    // The function's own loop on a thread of its own, as in its `main` (current-thread runtime).
    let function = std::thread::spawn(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(callout_app::lambda_http::run(
                callout_app::lambda_http::service_fn(buggy),
            ))
            .map_err(|e| e.to_string())
    });
    let start = Instant::now();
    loop {
        let s = seen.0.lock().unwrap().clone();
        if s.len() >= 3 {
            assert_eq!(
                s,
                ["next", "error req-1", "next"],
                "an error, then the next event"
            );
            break;
        }
        assert!(!function.is_finished(), "the runtime loop ended: {s:?}");
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "seen so far: {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The function's thread waits in its second `next`; the test process ends it.
}
