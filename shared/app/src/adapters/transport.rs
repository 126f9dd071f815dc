//! The one HTTP/TLS stack of a function: a `reqwest` client (rustls, ring, the Mozilla root
//! certificates compiled in) that Twilio, ElevenLabs *and* every AWS SDK client send through.
//!
//! The SDK's own default transport brings two more TLS stacks (aws-lc and a legacy rustls) and
//! reads the system's certificate directory when a function starts (~150 files, several
//! milliseconds of every cold start). Handing the SDK this client instead keeps one connection
//! pool, one TLS implementation and no file I/O at init.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::retries::ErrorKind;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use std::time::Duration;

/// How long a connection may take to open (the SDK's own default for every behaviour version
/// since 2023; Twilio and ElevenLabs get the same).
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(3_100);

/// The process's HTTP client. Cheap to clone (one pool).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .pool_idle_timeout(Duration::from_secs(50))
        // The SDK signs the exact request; a redirect would have to be re-signed by it. The one
        // redirect the product follows, Twilio's to its media host, is followed by the
        // recording fetch itself, without the account's credentials (`twilio::recordings`).
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client with the compiled-in TLS roots")
}

/// `http` as the AWS SDK's HTTP client.
pub fn for_sdk(http: &reqwest::Client) -> SharedHttpClient {
    SharedHttpClient::new(SdkTransport(http.clone()))
}

#[derive(Debug, Clone)]
struct SdkTransport(reqwest::Client);

#[derive(Debug, Clone)]
struct SdkConnector {
    http: reqwest::Client,
    /// The SDK's read timeout for this client, applied to the whole exchange.
    timeout: Option<Duration>,
}

impl HttpClient for SdkTransport {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(SdkConnector {
            http: self.0.clone(),
            timeout: settings.read_timeout(),
        })
    }
}

impl HttpConnector for SdkConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let this = self.clone();
        HttpConnectorFuture::new(async move { this.send(request).await })
    }
}

impl SdkConnector {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let request = request
            .try_into_http1x()
            .map_err(|e| ConnectorError::user(e.into()))?;
        let (parts, body) = request.into_parts();
        let body = match body.bytes() {
            Some(bytes) => reqwest::Body::from(bytes.to_vec()),
            None => reqwest::Body::wrap(body),
        };
        let mut request = reqwest::Request::try_from(http::Request::from_parts(parts, body))
            .map_err(|e| ConnectorError::user(e.into()))?;
        *request.timeout_mut() = self.timeout;
        let response = self.http.execute(request).await.map_err(classify)?;
        let response: http::Response<reqwest::Body> = response.into();
        HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
            .map_err(|e| ConnectorError::other(e.into(), None))
    }
}

/// What the SDK's retry policy needs to know about a failed exchange: timeouts and broken
/// connections are retried (the request may not have reached the service, or its answer was
/// lost); a request that could not be built is the caller's error.
fn classify(e: reqwest::Error) -> ConnectorError {
    if e.is_timeout() {
        ConnectorError::timeout(e.into())
    } else if e.is_builder() {
        ConnectorError::user(e.into())
    } else if e.is_connect() || e.is_request() || e.is_body() {
        ConnectorError::io(e.into())
    } else {
        ConnectorError::other(e.into(), Some(ErrorKind::TransientError))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn error_for(url: &str, timeout: Duration) -> ConnectorError {
        let connector = SdkConnector {
            http: http_client(),
            timeout: Some(timeout),
        };
        let request = HttpRequest::try_from(
            http::Request::builder()
                .uri(url)
                .body(SdkBody::from("x"))
                .unwrap(),
        )
        .unwrap();
        connector.send(request).await.expect_err("no server")
    }

    #[tokio::test]
    async fn a_refused_connection_is_retryable_io() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let e = error_for(&format!("http://127.0.0.1:{port}/"), Duration::from_secs(2)).await;
        assert!(e.is_io(), "{e:?}");
    }

    #[tokio::test]
    async fn a_silent_server_is_a_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // Accepts and never answers.
        let _held = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = listener.accept().await {
                held.push(s);
            }
        });
        let e = error_for(
            &format!("http://127.0.0.1:{port}/"),
            Duration::from_millis(200),
        )
        .await;
        assert!(e.is_timeout(), "{e:?}");
    }

    #[tokio::test]
    async fn bodies_and_headers_reach_the_server_and_come_back() {
        use axum::{routing::post, Router};
        let app = Router::new().route(
            "/echo",
            post(|headers: http::HeaderMap, body: String| async move {
                let h = headers["x-amz-target"].to_str().unwrap().to_string();
                (
                    http::StatusCode::CREATED,
                    [("x-echo", h)],
                    body.to_uppercase(),
                )
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let connector = SdkConnector {
            http: http_client(),
            timeout: None,
        };
        let request = HttpRequest::try_from(
            http::Request::builder()
                .method("POST")
                .uri(format!("http://127.0.0.1:{port}/echo"))
                .header("x-amz-target", "DynamoDB_20120810.GetItem")
                .body(SdkBody::from("hello"))
                .unwrap(),
        )
        .unwrap();
        let response = connector.send(request).await.unwrap();
        assert_eq!(response.status().as_u16(), 201);
        assert_eq!(
            response.headers().get("x-echo"),
            Some("DynamoDB_20120810.GetItem")
        );
        let body = response.into_body();
        let bytes = aws_smithy_types::byte_stream::ByteStream::new(body)
            .collect()
            .await
            .unwrap()
            .into_bytes();
        assert_eq!(&bytes[..], b"HELLO");
    }
}
