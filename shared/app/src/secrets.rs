//! Secrets in AWS: SSM Parameter Store SecureString parameters, named by
//! `TWILIO_AUTH_TOKEN_PARAMETER`, `TWILIO_AUTH_TOKEN_PREVIOUS_PARAMETER` and
//! `ELEVENLABS_API_KEY_PARAMETER`, read once at init (with decryption), all in one `GetParameters` request. A parameter that is
//! named replaces the plain variable (`TWILIO_AUTH_TOKEN`, ...), which still works locally.
//! The previous Twilio token is optional: a missing parameter means no rotation is under way.

use crate::config::{Config, ConfigError};

/// Which parameters to read; `None` keeps what the plain variables gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretNames {
    pub twilio_auth_token: Option<String>,
    pub twilio_auth_token_previous: Option<String>,
    pub elevenlabs_api_key: Option<String>,
}

impl SecretNames {
    pub fn from_env() -> SecretNames {
        SecretNames::from_lookup(|name| std::env::var(name).ok())
    }

    /// The names from the variables `lookup` gives (see [`Config::from_lookup`]).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> SecretNames {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        SecretNames {
            twilio_auth_token: var("TWILIO_AUTH_TOKEN_PARAMETER"),
            twilio_auth_token_previous: var("TWILIO_AUTH_TOKEN_PREVIOUS_PARAMETER"),
            elevenlabs_api_key: var("ELEVENLABS_API_KEY_PARAMETER"),
        }
    }

    pub fn is_empty(&self) -> bool {
        self == &SecretNames::default()
    }
}

/// Why the secrets could not be read, in words an operator can act on.
fn read_error(
    names: &[&str],
    e: aws_sdk_ssm::error::SdkError<
        impl std::error::Error + aws_sdk_ssm::error::ProvideErrorMetadata + Send + Sync + 'static,
        impl std::fmt::Debug,
    >,
) -> ConfigError {
    use aws_sdk_ssm::error::ProvideErrorMetadata;
    let code = e.code().unwrap_or_default().to_string();
    let detail = aws_sdk_ssm::error::DisplayErrorContext(&e).to_string();
    let why = if code.contains("Throttl")
        || detail.contains("Throttl")
        || detail.contains("Rate exceeded")
    {
        "SSM is throttling this account's requests even after retries (many functions starting \
         at once); the function will read them again at its next start"
            .to_string()
    } else if code == "AccessDeniedException" {
        "access denied: the function's role needs ssm:GetParameters on these parameters (and \
         kms:Decrypt for a customer-managed key)"
            .to_string()
    } else {
        detail
    };
    ConfigError(format!(
        "reading SSM parameters {} failed: {why}",
        names.join(", ")
    ))
}

/// Fill `config`'s secrets from the parameters `names` gives: one `GetParameters` request with
/// decryption for all of them (both Twilio tokens and the ElevenLabs key), retried by the SDK
/// when throttled. A missing current token is an init error naming it; a missing previous token
/// means no rotation is under way; a missing ElevenLabs key means `<Say>`.
pub async fn resolve(
    config: &mut Config,
    names: &SecretNames,
    sdk: &crate::sdk::SdkConfig,
) -> Result<(), ConfigError> {
    if names.is_empty() {
        return Ok(());
    }
    let wanted: Vec<&str> = [
        &names.twilio_auth_token,
        &names.twilio_auth_token_previous,
        &names.elevenlabs_api_key,
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .collect();
    let client = aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::from(sdk)
            .interceptor(crate::app::Observe("ssm"))
            .build(),
    );
    let out = client
        .get_parameters()
        .set_names(Some(wanted.iter().map(|n| n.to_string()).collect()))
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| read_error(&wanted, e))?;
    let found: std::collections::HashMap<String, String> = out
        .parameters
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| Some((p.name?, p.value?.trim().to_string())))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    // `None`: not asked for; `Some(None)`: asked for, absent (or blank).
    let value = |name: &Option<String>| name.as_ref().map(|n| found.get(n).cloned());
    let (current, previous, elevenlabs) = (
        value(&names.twilio_auth_token),
        value(&names.twilio_auth_token_previous),
        value(&names.elevenlabs_api_key),
    );
    let mut tokens = config.twilio_auth_tokens.iter().cloned();
    let (env_current, env_previous) = (tokens.next(), tokens.next());
    let current = match current {
        None => env_current,
        Some(Some(v)) => Some(v),
        Some(None) => {
            return Err(ConfigError(format!(
                "SSM parameter {} (TWILIO_AUTH_TOKEN_PARAMETER) does not exist or is empty",
                names.twilio_auth_token.as_deref().unwrap_or_default()
            )))
        }
    };
    let previous = match previous {
        None => env_previous,
        Some(v) => v,
    };
    config.twilio_auth_tokens = current.into_iter().chain(previous).collect();
    match elevenlabs {
        None => {}
        Some(Some(v)) => config.elevenlabs_api_key = v,
        // Calls still go out, spoken with `<Say>`: worse, but better than none.
        Some(None) => tracing::warn!(
            parameter = names.elevenlabs_api_key.as_deref().unwrap_or_default(),
            "elevenlabs_key_parameter_missing"
        ),
    }
    tracing::info!(
        twilio_tokens = config.twilio_auth_tokens.len(),
        elevenlabs_key = !config.elevenlabs_api_key.is_empty(),
        "secrets_loaded"
    );
    Ok(())
}
