//! The AWS SDK configuration every client is built from, without the `aws-config` loader.
//!
//! Lambda hands a function everything the SDK needs in its environment: the region
//! (`AWS_REGION`) and the execution role's credentials (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). Reading them directly keeps the loader's
//! profile files, instance metadata, STS and SSO providers out of every binary and off every
//! cold start (no file or network I/O at init). `AWS_ENDPOINT_URL` points every client at another
//! endpoint (the local AWS), and `AWS_ENDPOINT_URL_<SERVICE>` (`AWS_ENDPOINT_URL_DYNAMODB`, `_SQS`,
//! `_S3`, `_SCHEDULER`, `_EVENTBRIDGE`, `_SSM`) one service's clients, as the SDK's own loader would.

use crate::config::ConfigError;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::region::Region;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
pub use aws_types::SdkConfig;

/// Where to reach AWS and as whom.
pub struct Target<'a> {
    pub region: &'a str,
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
    /// `None`: the service's public endpoint for the region.
    pub endpoint_url: Option<&'a str>,
    /// One service's endpoint instead: (`AWS_ENDPOINT_URL_<SERVICE>`, URL) pairs.
    pub service_endpoints: Vec<(String, String)>,
}

/// The `AWS_ENDPOINT_URL_<SERVICE>` variables set in this process's environment.
pub fn service_endpoints_from_env() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, v)| k.starts_with("AWS_ENDPOINT_URL_") && !v.is_empty())
        .collect()
}

/// Answers the SDK's per-service endpoint question (asked once per client) from the pairs.
#[derive(Debug)]
struct ServiceEndpoints(Vec<(String, String)>);

impl LoadServiceConfig for ServiceEndpoints {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        if key.env() != "AWS_ENDPOINT_URL" {
            return None;
        }
        let name = format!(
            "AWS_ENDPOINT_URL_{}",
            key.service_id().to_ascii_uppercase().replace(' ', "_")
        );
        self.0
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
}

/// One configuration for all of a process's clients, sending through `http`
/// (see [`crate::adapters::transport`]): standard retries (3 attempts, jittered backoff, retry
/// quota), the SDK's connect timeout.
pub fn config(target: &Target<'_>, http: &reqwest::Client) -> SdkConfig {
    let credentials = Credentials::new(
        target.access_key_id,
        target.secret_access_key,
        target.session_token.map(str::to_string),
        None,
        "environment",
    );
    let mut b = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(target.region.to_string()))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(crate::adapters::transport::for_sdk(http))
        .retry_config(RetryConfig::standard())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(crate::adapters::transport::CONNECT_TIMEOUT)
                .build(),
        );
    if let Some(url) = target.endpoint_url {
        b = b.endpoint_url(url);
    }
    if !target.service_endpoints.is_empty() {
        b = b.service_config(ServiceEndpoints(target.service_endpoints.clone()));
    }
    b.build()
}

/// Whether any endpoint was overridden (a local AWS), e.g. to address S3 buckets by path.
pub fn endpoint_overridden(sdk: &SdkConfig) -> bool {
    sdk.endpoint_url().is_some() || sdk.service_config().is_some()
}

/// [`config`] from the environment Lambda (or `cargo lambda watch`) gives a function.
pub fn from_env(http: &reqwest::Client) -> Result<SdkConfig, ConfigError> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let need = |name: &str| {
        var(name).ok_or_else(|| {
            ConfigError(format!(
                "{name} is not set: Lambda sets it for every function (locally, see events/local.env)"
            ))
        })
    };
    let region = var("AWS_REGION")
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .ok_or_else(|| ConfigError("AWS_REGION is not set".into()))?;
    let (key, secret) = (need("AWS_ACCESS_KEY_ID")?, need("AWS_SECRET_ACCESS_KEY")?);
    let (token, endpoint) = (var("AWS_SESSION_TOKEN"), var("AWS_ENDPOINT_URL"));
    Ok(config(
        &Target {
            region: &region,
            access_key_id: &key,
            secret_access_key: &secret,
            session_token: token.as_deref(),
            endpoint_url: endpoint.as_deref(),
            service_endpoints: service_endpoints_from_env(),
        },
        http,
    ))
}
