//! Secrets from SSM Parameter Store (SecureString, read with decryption) on the local AWS:
//! what `template.yaml` gives the functions in AWS.

use aws_sdk_ssm::types::ParameterType;
use callout_app::secrets::{resolve, SecretNames};
use callout_app::Config;

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
    let mut c = config(&["from-env"], "");
    resolve(&mut c, &names, &sdk).await.unwrap();
    assert_eq!(c.twilio_auth_tokens, vec!["token-now", "token-before"]);
    assert_eq!(c.elevenlabs_api_key, "xi-key");

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
