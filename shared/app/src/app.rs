//! The clients every handler uses, built once per process (at Lambda init).

use crate::adapters::{
    audio::AudioStore, events::Events, queue::DialQueue, schedule::Schedules, store::Store,
    tts::Tts, twilio::Twilio,
};
use crate::config::Config;
use std::sync::Arc;

pub struct App {
    pub config: Config,
    pub store: Store,
    pub queue: DialQueue,
    pub schedules: Schedules,
    pub audio: AudioStore,
    pub events: Events,
    pub twilio: Twilio,
    pub tts: Tts,
    pub faults: crate::faults::Faults,
    pub metrics: crate::metrics::Metrics,
}

impl App {
    /// Build every client from `config` and an AWS SDK configuration.
    pub fn new(config: Config, sdk: &aws_config::SdkConfig) -> App {
        let http = reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(50))
            .build()
            .expect("an HTTP client with default TLS");
        // A local AWS serves S3 on one host: address buckets by path there.
        let s3_config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(sdk.endpoint_url().is_some())
            .interceptor(LogRetries("s3"))
            .build();
        let dynamodb = aws_sdk_dynamodb::config::Builder::from(sdk)
            .interceptor(LogRetries("dynamodb"))
            .build();
        let sqs = aws_sdk_sqs::config::Builder::from(sdk)
            .interceptor(LogRetries("sqs"))
            .build();
        let scheduler = aws_sdk_scheduler::config::Builder::from(sdk)
            .interceptor(LogRetries("scheduler"))
            .build();
        let eventbridge = aws_sdk_eventbridge::config::Builder::from(sdk)
            .interceptor(LogRetries("eventbridge"))
            .build();
        App {
            store: Store::new(
                aws_sdk_dynamodb::Client::from_conf(dynamodb),
                &config.table_name,
            ),
            queue: DialQueue::new(aws_sdk_sqs::Client::from_conf(sqs), &config.dial_queue_url),
            schedules: Schedules::new(
                aws_sdk_scheduler::Client::from_conf(scheduler),
                &config.schedule_group,
                &config.dial_queue_arn,
                &config.scheduler_role_arn,
            ),
            audio: AudioStore::new(
                aws_sdk_s3::Client::from_conf(s3_config),
                &config.audio_bucket,
            ),
            events: Events::new(
                aws_sdk_eventbridge::Client::from_conf(eventbridge),
                &config.event_bus_name,
            ),
            twilio: Twilio::new(
                http.clone(),
                &config.twilio_api_base,
                &config.twilio_account_sid,
                config.twilio_auth_tokens.first().map_or("", String::as_str),
                &config.twilio_from_number,
            ),
            tts: Tts::new(
                http,
                &config.elevenlabs_api_base,
                &config.elevenlabs_api_key,
                &config.elevenlabs_voice_id,
                &config.elevenlabs_model_id,
                config.tts_budget,
            ),
            faults: Default::default(),
            metrics: crate::metrics::Metrics::Stdout,
            config,
        }
    }

    /// What a function's `main` calls: logging, configuration and clients from the environment.
    pub async fn from_env() -> Result<Arc<App>, lambda_runtime::Error> {
        crate::logging::init();
        let mut config = Config::from_env()?;
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        crate::secrets::resolve(&mut config, &crate::secrets::SecretNames::from_env(), &sdk)
            .await?;
        Ok(Arc::new(App::new(config, &sdk)))
    }
}

/// Counts every AWS request for the critical-path budget (`budget`), and logs every retried one
/// (throttling, 5xx, timeouts), which the SDK's standard retry policy otherwise retries
/// silently: `aws_request_retried` with the service and attempt.
#[derive(Debug)]
struct LogRetries(&'static str);

impl aws_smithy_runtime_api::client::interceptors::Intercept for LogRetries {
    fn name(&self) -> &'static str {
        "LogRetries"
    }

    /// A response arrived: one request made (presigning a URL never gets here).
    fn read_before_deserialization(
        &self,
        _ctx: &aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef<'_>,
        _rc: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        crate::budget::record(self.0);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _ctx: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _rc: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Some(a) = cfg.load::<aws_smithy_runtime_api::client::retries::RequestAttempts>() {
            if a.attempts() > 1 {
                tracing::warn!(
                    service = self.0,
                    attempt = a.attempts(),
                    "aws_request_retried"
                );
            }
        }
        Ok(())
    }
}
