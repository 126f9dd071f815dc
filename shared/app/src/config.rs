//! Configuration, read once at start from the environment (README lists every variable).

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    /// The public base URL Twilio calls (API Gateway's URL or a custom domain, with stage).
    /// The dialer needs it; a webhook without it checks signatures against
    /// `https://{Host}{path}`, the URL Twilio called.
    pub public_base_url: String,
    pub twilio_account_sid: String,
    /// The auth token first; during a rotation the previous one second (both verify webhooks).
    pub twilio_auth_tokens: Vec<String>,
    pub twilio_from_number: String,
    pub twilio_api_base: String,
    pub elevenlabs_api_key: String,
    pub elevenlabs_voice_id: String,
    pub elevenlabs_model_id: String,
    pub elevenlabs_api_base: String,
    /// Longest the dialer waits for ElevenLabs before falling back to `<Say>`.
    pub tts_budget: Duration,
    pub table_name: String,
    pub dial_queue_url: String,
    pub dial_queue_arn: String,
    pub audio_bucket: String,
    pub schedule_group: String,
    pub scheduler_role_arn: String,
    pub event_bus_name: String,
    /// Divides every wait the system makes (wait minutes, round pause); 1 in production.
    pub time_scale: f64,
    /// Calls in progress at once across the account (Twilio's concurrency), at least 1.
    pub max_concurrent_calls: u32,
    /// Receives after which a dial task goes to the dead-letter queue (the redrive policy's).
    pub dial_max_receive_count: u32,
    /// Days the call log (shifts and their attempts) is kept before DynamoDB's TTL removes it.
    pub call_log_retention_days: u32,
    /// Where EventBridge Scheduler puts a shift start it could not deliver to the dial queue
    /// (the template's ScheduleDeadLetterQueue); empty: the schedules have none.
    pub schedule_dead_letter_queue_arn: String,
}

/// Production defaults with no resources named: the base that the local runtime and tests
/// fill in (`Config { table_name: …, ..Config::default() }`).
impl Default for Config {
    fn default() -> Config {
        Config {
            public_base_url: String::new(),
            twilio_account_sid: String::new(),
            twilio_auth_tokens: Vec::new(),
            twilio_from_number: String::new(),
            twilio_api_base: "https://api.twilio.com".into(),
            elevenlabs_api_key: String::new(),
            elevenlabs_voice_id: DEFAULT_VOICE_ID.into(),
            elevenlabs_model_id: DEFAULT_MODEL_ID.into(),
            elevenlabs_api_base: "https://api.elevenlabs.io".into(),
            tts_budget: Duration::from_millis(8000),
            table_name: String::new(),
            dial_queue_url: String::new(),
            dial_queue_arn: String::new(),
            audio_bucket: String::new(),
            schedule_group: "default".into(),
            scheduler_role_arn: String::new(),
            event_bus_name: "default".into(),
            time_scale: 1.0,
            max_concurrent_calls: 5,
            dial_max_receive_count: 5,
            call_log_retention_days: crate::adapters::store::CALL_LOG_RETENTION_DAYS,
            schedule_dead_letter_queue_arn: String::new(),
        }
    }
}

const DEFAULT_VOICE_ID: &str = "pNInz6obpgDQGcFmaJgB";
const DEFAULT_MODEL_ID: &str = "eleven_multilingual_v2";

/// A required variable that is missing or a value that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// Variables a function may read that the template need not give every function: each has a
/// default or is for local runs only (README, "Configuration"). The local runtime's tests check
/// that a function reads nothing else that its template environment lacks.
pub const OPTIONAL_VARIABLES: &[&str] = &[
    // Secrets as plain values (local runs, `cargo lambda watch`); in AWS they come from SSM.
    "TWILIO_AUTH_TOKEN",
    "TWILIO_AUTH_TOKEN_PREVIOUS",
    "ELEVENLABS_API_KEY",
    // The SSM parameter names: only the functions that read a secret are given them.
    "TWILIO_AUTH_TOKEN_PARAMETER",
    "TWILIO_AUTH_TOKEN_PREVIOUS_PARAMETER",
    "ELEVENLABS_API_KEY_PARAMETER",
    // The real services unless a local run points elsewhere.
    "TWILIO_API_BASE",
    "ELEVENLABS_API_BASE",
    // Defaults that only the dialer's template entry changes.
    "ELEVENLABS_BUDGET_MS",
    "MAX_CONCURRENT_CALLS",
    "DIAL_MAX_RECEIVE_COUNT",
    // Only the functions that create call-log records are given it.
    "CALL_LOG_RETENTION_DAYS",
    // 1 in AWS; local runs speed waits up.
    "TIME_SCALE",
    // Only the function that creates schedules (start-calling) is given it.
    "SCHEDULE_DEAD_LETTER_QUEUE_ARN",
];

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// The configuration from the variables `lookup` gives (the process's environment in
    /// Lambda; the template's environment for that function in the local runtime).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let required =
            |name: &str| var(name).ok_or_else(|| ConfigError(format!("{name} is not set")));
        // In AWS the tokens come from SSM instead (`secrets`); a function that neither checks
        // signatures nor calls Twilio has none, and then every signature check fails closed.
        let mut tokens: Vec<String> = var("TWILIO_AUTH_TOKEN").into_iter().collect();
        tokens.extend(var("TWILIO_AUTH_TOKEN_PREVIOUS"));
        let time_scale = match var("TIME_SCALE") {
            None => 1.0,
            Some(s) => s
                .parse::<f64>()
                .ok()
                .filter(|f| *f >= 1.0 && f.is_finite())
                .ok_or_else(|| {
                    ConfigError(format!("TIME_SCALE must be a number >= 1, got {s:?}"))
                })?,
        };
        Ok(Config {
            public_base_url: var("PUBLIC_BASE_URL")
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_string(),
            twilio_account_sid: required("TWILIO_ACCOUNT_SID")?,
            twilio_auth_tokens: tokens,
            twilio_from_number: required("TWILIO_FROM_NUMBER")?,
            twilio_api_base: var("TWILIO_API_BASE")
                .unwrap_or_else(|| "https://api.twilio.com".into())
                .trim_end_matches('/')
                .to_string(),
            elevenlabs_api_key: var("ELEVENLABS_API_KEY").unwrap_or_default(),
            elevenlabs_voice_id: var("ELEVENLABS_VOICE_ID")
                .unwrap_or_else(|| DEFAULT_VOICE_ID.into()),
            elevenlabs_model_id: var("ELEVENLABS_MODEL_ID")
                .unwrap_or_else(|| DEFAULT_MODEL_ID.into()),
            elevenlabs_api_base: var("ELEVENLABS_API_BASE")
                .unwrap_or_else(|| "https://api.elevenlabs.io".into())
                .trim_end_matches('/')
                .to_string(),
            tts_budget: Duration::from_millis(
                var("ELEVENLABS_BUDGET_MS")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(8000),
            ),
            table_name: required("TABLE_NAME")?,
            dial_queue_url: required("DIAL_QUEUE_URL")?,
            dial_queue_arn: var("DIAL_QUEUE_ARN").unwrap_or_default(),
            audio_bucket: required("AUDIO_BUCKET")?,
            schedule_group: var("SCHEDULE_GROUP").unwrap_or_else(|| "default".into()),
            scheduler_role_arn: var("SCHEDULER_ROLE_ARN").unwrap_or_default(),
            event_bus_name: var("EVENT_BUS_NAME").unwrap_or_else(|| "default".into()),
            time_scale,
            max_concurrent_calls: var("MAX_CONCURRENT_CALLS")
                .map(|v| {
                    v.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                        ConfigError(format!(
                            "MAX_CONCURRENT_CALLS must be a whole number >= 1, got {v:?}"
                        ))
                    })
                })
                .transpose()?
                .unwrap_or(5),
            dial_max_receive_count: var("DIAL_MAX_RECEIVE_COUNT")
                .and_then(|v| v.parse().ok())
                .unwrap_or(5),
            call_log_retention_days: var("CALL_LOG_RETENTION_DAYS")
                .map(|v| {
                    v.parse::<u32>()
                        .ok()
                        .filter(|d| (1..=3650).contains(d))
                        .ok_or_else(|| {
                            ConfigError(format!(
                                "CALL_LOG_RETENTION_DAYS must be a whole number of days from 1 to 3650, got {v:?}"
                            ))
                        })
                })
                .transpose()?
                .unwrap_or(crate::adapters::store::CALL_LOG_RETENTION_DAYS),
            schedule_dead_letter_queue_arn: var("SCHEDULE_DEAD_LETTER_QUEUE_ARN")
                .unwrap_or_default(),
        })
    }

    /// A wait of `secs` real seconds at this TIME_SCALE.
    pub fn scaled(&self, secs: u64) -> Duration {
        Duration::from_secs_f64(secs as f64 / self.time_scale)
    }
}
