//! Secrets from SSM Parameter Store (SecureString, read with decryption) on the local AWS:
//! what `template.yaml` gives the functions in AWS.

use aws_sdk_ssm::types::ParameterType;
use callout_app::secrets::{resolve, SecretNames};
use callout_app::Config;
use std::sync::{Arc, Mutex};

/// A proxy in front of the local AWS that records each SSM request's operation
/// (`X-Amz-Target`), and with `throttle` answers every one with SSM's `ThrottlingException`.
async fn ssm_proxy(upstream: String, throttle: bool) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    let url = e2e::aws_proxy(upstream, move |request| {
        record.lock().unwrap().push(request.target().to_string());
        throttle.then_some(e2e::AwsFault::SsmThrottling)
    })
    .await;
    (url, seen)
}

fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:5055".into())
}

fn config(tokens: &[&str], elevenlabs: &str) -> Config {
    Config {
        twilio_account_sid: "AC00000000000000000000000000000001".into(),
        twilio_auth_tokens: tokens.iter().map(|t| t.to_string()).collect(),
        twilio_from_number: "+61255501234".into(),
        elevenlabs_api_key: elevenlabs.into(),
        table_name: "t".into(),
        dial_queue_url: "q".into(),
        audio_bucket: "b".into(),
        ..Config::default()
    }
}

#[tokio::test]
async fn parameters_replace_the_plain_variables_and_a_missing_previous_token_is_fine() {
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:5055".into());
    let sdk = local_runtime::local_sdk_config(
        &endpoint,
        &callout_app::adapters::transport::http_client(),
    );
    let ssm = aws_sdk_ssm::Client::new(&sdk);
    let prefix = format!("/t{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    for (name, value) in [
        ("twilio/auth-token", "token-now"),
        ("twilio/auth-token-previous", "token-before"),
        ("elevenlabs/api-key", "xi-key"),
    ] {
        ssm.put_parameter()
            .name(format!("{prefix}/{name}"))
            .value(value)
            .r#type(ParameterType::SecureString)
            .send()
            .await
            .expect("the local AWS is running");
    }
    let names = SecretNames {
        twilio_auth_token: Some(format!("{prefix}/twilio/auth-token")),
        twilio_auth_token_previous: Some(format!("{prefix}/twilio/auth-token-previous")),
        elevenlabs_api_key: Some(format!("{prefix}/elevenlabs/api-key")),
    };
    // Both tokens and the key in one request, whichever function starts (a cold start under
    // pressure makes one SSM request, not three).
    let (proxy, seen) = ssm_proxy(endpoint.clone(), false).await;
    let through_proxy =
        local_runtime::local_sdk_config(&proxy, &callout_app::adapters::transport::http_client());
    let mut c = config(&["from-env"], "");
    resolve(&mut c, &names, &through_proxy).await.unwrap();
    assert_eq!(c.twilio_auth_tokens, vec!["token-now", "token-before"]);
    assert_eq!(c.elevenlabs_api_key, "xi-key");
    assert_eq!(*seen.lock().unwrap(), ["AmazonSSM.GetParameters"]);

    // No rotation under way: the previous token's parameter does not exist.
    let names = SecretNames {
        twilio_auth_token_previous: Some(format!("{prefix}/twilio/none")),
        elevenlabs_api_key: None,
        ..names
    };
    let mut c = config(&[], "from-env");
    resolve(&mut c, &names, &sdk).await.unwrap();
    assert_eq!(c.twilio_auth_tokens, vec!["token-now"]);
    assert_eq!(c.elevenlabs_api_key, "from-env");

    // The current token's parameter must exist.
    let missing = SecretNames {
        twilio_auth_token: Some(format!("{prefix}/twilio/missing")),
        ..SecretNames::default()
    };
    let err = resolve(&mut config(&[], ""), &missing, &sdk)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");

    // Nothing named: nothing read, the plain variables stand.
    let mut c = config(&["a", "b"], "k");
    resolve(&mut c, &SecretNames::default(), &sdk)
        .await
        .unwrap();
    assert_eq!(c.twilio_auth_tokens, vec!["a", "b"]);
}

#[tokio::test]
async fn throttled_parameter_store_is_retried_then_a_clear_init_error() {
    let (proxy, seen) = ssm_proxy(endpoint(), true).await;
    let sdk =
        local_runtime::local_sdk_config(&proxy, &callout_app::adapters::transport::http_client());
    let names = SecretNames {
        twilio_auth_token: Some("/shift-callout/twilio/auth-token".into()),
        twilio_auth_token_previous: Some("/shift-callout/twilio/auth-token-previous".into()),
        elevenlabs_api_key: None,
    };
    let mut c = config(&[], "");
    let err = resolve(&mut c, &names, &sdk).await.unwrap_err().to_string();
    assert!(
        err.contains("/shift-callout/twilio/auth-token, /shift-callout/twilio/auth-token-previous")
            && err.contains("throttling")
            && err.contains("next start"),
        "{err}"
    );
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.len() >= 2 && seen.iter().all(|t| t == "AmazonSSM.GetParameters"),
        "retried by the SDK, one operation: {seen:?}"
    );
    assert!(c.twilio_auth_tokens.is_empty(), "nothing half-read is kept");
}
