//! Secrets in AWS: SSM Parameter Store SecureString parameters, named by
//! `TWILIO_AUTH_TOKEN_PARAMETER`, `TWILIO_AUTH_TOKEN_PREVIOUS_PARAMETER` and
//! `ELEVENLABS_API_KEY_PARAMETER`, read once at init (with decryption). A parameter that is
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

/// One parameter's decrypted value; `Ok(None)` when it does not exist (or is blank).
async fn get(client: &aws_sdk_ssm::Client, name: &str) -> Result<Option<String>, ConfigError> {
    match client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .parameter
            .and_then(|p| p.value)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_parameter_not_found()) =>
        {
            Ok(None)
        }
        Err(e) => Err(ConfigError(format!(
            "reading SSM parameter {name}: {}",
            aws_sdk_ssm::error::DisplayErrorContext(e)
        ))),
    }
}

async fn get_opt(
    client: &aws_sdk_ssm::Client,
    name: Option<&str>,
) -> Result<Option<Option<String>>, ConfigError> {
    match name {
        Some(n) => get(client, n).await.map(Some),
        None => Ok(None),
    }
}

/// Fill `config`'s secrets from the parameters `names` gives (all read at once).
pub async fn resolve(
    config: &mut Config,
    names: &SecretNames,
    sdk: &crate::sdk::SdkConfig,
) -> Result<(), ConfigError> {
    if names.is_empty() {
        return Ok(());
    }
    let client = aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::from(sdk)
            .interceptor(crate::app::Observe("ssm"))
            .build(),
    );
    let (current, previous, elevenlabs) = tokio::join!(
        get_opt(&client, names.twilio_auth_token.as_deref()),
        get_opt(&client, names.twilio_auth_token_previous.as_deref()),
        get_opt(&client, names.elevenlabs_api_key.as_deref()),
    );
    let mut tokens = config.twilio_auth_tokens.iter().cloned();
    let (env_current, env_previous) = (tokens.next(), tokens.next());
    let current = match current? {
        None => env_current,
        Some(Some(v)) => Some(v),
        Some(None) => {
            return Err(ConfigError(format!(
                "SSM parameter {} (TWILIO_AUTH_TOKEN_PARAMETER) does not exist or is empty",
                names.twilio_auth_token.as_deref().unwrap_or_default()
            )))
        }
    };
    let previous = match previous? {
        None => env_previous,
        Some(v) => v,
    };
    config.twilio_auth_tokens = current.into_iter().chain(previous).collect();
    match elevenlabs? {
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
