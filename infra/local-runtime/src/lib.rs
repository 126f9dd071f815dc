//! The local runtime (SPEC §7): the AWS glue that has no emulator here. It provisions the
//! local AWS, serves every route at its production path, feeds the dial queue to the dialer,
//! fires due schedules, takes `POST /local/events`, emulates the JWT authorizer and applies
//! `TIME_SCALE`. The functions' own handlers do the work, exactly as in Lambda.

pub mod feeder;
pub mod gateway;
pub mod jwt;
pub mod provision;
pub mod schedules;

use anyhow::{Context, Result};
use callout_app::{clients, App, Config};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How to run: everything comes from the environment in `from_env`, or is set by tests.
#[derive(Debug, Clone)]
pub struct Options {
    /// 0 picks a free port.
    pub port: u16,
    pub jwt_secret: String,
    /// Prefix of every local resource name (table, queues, bucket, group, bus).
    pub resource_prefix: String,
    pub aws_endpoint: String,
    pub time_scale: f64,
    /// `None`: use the public base URL `http://127.0.0.1:{port}`.
    pub public_base_url: Option<String>,
    pub twilio_api_base: String,
    pub twilio_account_sid: String,
    pub twilio_auth_token: String,
    pub twilio_from_number: String,
    pub elevenlabs_api_base: String,
    pub elevenlabs_api_key: String,
    pub elevenlabs_voice_id: String,
    /// Messages per dialer invocation (the event source mapping's batch size).
    pub batch_size: i32,
    /// Dialer invocations running at once (the event source mapping's concurrency).
    pub dialer_concurrency: usize,
    pub visibility_timeout_secs: u32,
    /// Calls in progress at once across the account (`MAX_CONCURRENT_CALLS`).
    pub max_concurrent_calls: u32,
    /// Deliver every dial-queue batch twice, concurrently (at-least-once delivery, exaggerated).
    pub duplicate_deliveries: bool,
    /// Longest wait for ElevenLabs (`ELEVENLABS_BUDGET_MS`).
    pub tts_budget: Duration,
    /// Days the call log is kept (`CALL_LOG_RETENTION_DAYS`).
    pub call_log_retention_days: u32,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Options {
    /// Options for a local AWS at `aws_endpoint` and a Twilio/ElevenLabs at `sim_base`.
    pub fn new(aws_endpoint: &str, sim_base: &str) -> Options {
        Options {
            port: 0,
            jwt_secret: "local-dev-secret".into(),
            resource_prefix: "shift-callout".into(),
            aws_endpoint: aws_endpoint.into(),
            time_scale: 1.0,
            public_base_url: None,
            twilio_api_base: sim_base.into(),
            twilio_account_sid: "ACsim0000000000000000000000000000".into(),
            twilio_auth_token: "sim-auth-token".into(),
            twilio_from_number: "+61200000000".into(),
            elevenlabs_api_base: sim_base.into(),
            elevenlabs_api_key: "sim-elevenlabs-key".into(),
            elevenlabs_voice_id: "local-voice".into(),
            batch_size: 10,
            dialer_concurrency: 2,
            visibility_timeout_secs: 30,
            max_concurrent_calls: 5,
            duplicate_deliveries: false,
            tts_budget: Duration::from_secs(8),
            call_log_retention_days: callout_app::adapters::store::CALL_LOG_RETENTION_DAYS,
        }
    }

    /// Every setting from the environment (README, "Configuration"). `sim_base` is used for
    /// Twilio and ElevenLabs when their API bases are not set.
    pub fn from_env(sim_base: Option<&str>) -> Result<Options> {
        let sim = sim_base.unwrap_or("https://api.twilio.com");
        let mut o = Options::new(
            &var("AWS_ENDPOINT_URL").unwrap_or_else(|| "http://127.0.0.1:5055".into()),
            sim,
        );
        if let Some(p) = var("LOCAL_PORT") {
            o.port = p.parse().context("LOCAL_PORT must be a port number")?;
        } else {
            o.port = 3000;
        }
        if let Some(s) = var("LOCAL_JWT_SECRET") {
            o.jwt_secret = s;
        }
        if let Some(s) = var("LOCAL_RESOURCE_PREFIX") {
            o.resource_prefix = s;
        }
        if let Some(s) = var("TIME_SCALE") {
            o.time_scale = s
                .parse()
                .ok()
                .filter(|f: &f64| *f >= 1.0)
                .context("TIME_SCALE must be a number >= 1")?;
        }
        o.public_base_url = var("PUBLIC_BASE_URL");
        if let Some(s) = var("CALL_LOG_RETENTION_DAYS") {
            o.call_log_retention_days =
                s.parse().ok().filter(|d| (1..=3650).contains(d)).context(
                    "CALL_LOG_RETENTION_DAYS must be a whole number of days from 1 to 3650",
                )?;
        }
        if let Some(s) = var("MAX_CONCURRENT_CALLS") {
            o.max_concurrent_calls = s
                .parse()
                .ok()
                .filter(|n| *n >= 1)
                .context("MAX_CONCURRENT_CALLS must be a whole number >= 1")?;
        }
        if let Some(s) = var("TWILIO_API_BASE") {
            o.twilio_api_base = s;
        } else if sim_base.is_none() {
            o.twilio_api_base = "https://api.twilio.com".into();
        }
        if let Some(s) = var("ELEVENLABS_API_BASE") {
            o.elevenlabs_api_base = s;
        } else if sim_base.is_none() {
            o.elevenlabs_api_base = "https://api.elevenlabs.io".into();
        }
        for (name, field) in [
            ("TWILIO_ACCOUNT_SID", &mut o.twilio_account_sid),
            ("TWILIO_AUTH_TOKEN", &mut o.twilio_auth_token),
            ("TWILIO_FROM_NUMBER", &mut o.twilio_from_number),
            ("ELEVENLABS_API_KEY", &mut o.elevenlabs_api_key),
            ("ELEVENLABS_VOICE_ID", &mut o.elevenlabs_voice_id),
        ] {
            if let Some(v) = var(name) {
                *field = v;
            }
        }
        Ok(o)
    }
}

/// The AWS SDK configuration for the local AWS (fixed test credentials, one region), sending
/// through `http` as the functions do. `AWS_ENDPOINT_URL_<SERVICE>` in the environment sends one
/// service elsewhere (the load run puts DynamoDB in a local AWS of its own).
pub fn local_sdk_config(endpoint: &str, http: &reqwest::Client) -> callout_app::sdk::SdkConfig {
    callout_app::sdk::config(
        &callout_app::sdk::Target {
            region: "us-east-1",
            access_key_id: "testing",
            secret_access_key: "testing",
            session_token: None,
            endpoint_url: Some(endpoint),
            service_endpoints: callout_app::sdk::service_endpoints_from_env(),
        },
        http,
    )
}

/// Every function's `App`, each with exactly the clients its `main` builds: a handler that
/// reaches for a client its function does not build fails here, in the tests, not in Lambda.
/// Fault injection and metric lines are shared, as tests look at them in one place.
pub struct Functions {
    pub start_calling: Arc<App>,
    pub dialer: Arc<App>,
    pub call_twiml: Arc<App>,
    pub call_response: Arc<App>,
    pub call_status: Arc<App>,
    pub call_timeout: Arc<App>,
    pub call_audio: Arc<App>,
    pub job_acceptance: Arc<App>,
    pub provider_settings: Arc<App>,
}

impl Functions {
    pub fn new(
        config: &Config,
        sdk: &callout_app::sdk::SdkConfig,
        http: &reqwest::Client,
    ) -> Functions {
        // Metric lines are kept for the demo and tests rather than printed.
        let metrics = callout_app::metrics::Metrics::memory();
        let faults = Arc::new(callout_app::faults::Faults::default());
        // The set is a const generic, so one line per function names it.
        macro_rules! function {
            ($set:ident) => {{
                let mut app = App::new::<{ clients::$set }>(config.clone(), sdk, http);
                app.metrics = metrics.clone();
                app.faults = faults.clone();
                Arc::new(app)
            }};
        }
        Functions {
            start_calling: function!(START_CALLING),
            dialer: function!(DIALER),
            call_twiml: function!(CALL_TWIML),
            call_response: function!(CALL_RESPONSE),
            call_status: function!(CALL_STATUS),
            call_timeout: function!(CALL_TIMEOUT),
            call_audio: function!(CALL_AUDIO),
            job_acceptance: function!(JOB_ACCEPTANCE),
            provider_settings: function!(PROVIDER_SETTINGS),
        }
    }
}

/// A running local runtime. Dropping it stops its server and pollers.
pub struct LocalRuntime {
    /// The dialer's `App`: the tests' way into the store, metrics and faults (shared by all).
    pub app: Arc<App>,
    pub functions: Arc<Functions>,
    pub addr: SocketAddr,
    pub base_url: String,
    pub provisioned: provision::Provisioned,
    pub options: Options,
    pub sdk: callout_app::sdk::SdkConfig,
    /// Outside requests per webhook invocation, by route.
    pub budget: Arc<std::sync::Mutex<gateway::BudgetStats>>,
    stop: watch::Sender<bool>,
}

impl LocalRuntime {
    pub async fn start(options: Options) -> Result<LocalRuntime> {
        let http = callout_app::adapters::transport::http_client();
        let sdk = local_sdk_config(&options.aws_endpoint, &http);
        let names = provision::Names::from_prefix(&options.resource_prefix);
        let provisioned = provision::provision(&sdk, &names, options.visibility_timeout_secs)
            .await
            .with_context(|| {
                format!(
                    "provisioning the local AWS at {} (is it running? `make aws-up`)",
                    options.aws_endpoint
                )
            })?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{}", options.port))?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let config = Config {
            public_base_url: options
                .public_base_url
                .clone()
                .unwrap_or_else(|| base_url.clone()),
            twilio_account_sid: options.twilio_account_sid.clone(),
            twilio_auth_tokens: vec![options.twilio_auth_token.clone()],
            twilio_from_number: options.twilio_from_number.clone(),
            twilio_api_base: options.twilio_api_base.clone(),
            elevenlabs_api_key: options.elevenlabs_api_key.clone(),
            elevenlabs_voice_id: options.elevenlabs_voice_id.clone(),
            elevenlabs_api_base: options.elevenlabs_api_base.clone(),
            tts_budget: options.tts_budget,
            table_name: names.table.clone(),
            dial_queue_url: provisioned.dial_queue_url.clone(),
            dial_queue_arn: provisioned.dial_queue_arn.clone(),
            audio_bucket: names.bucket.clone(),
            schedule_group: names.schedule_group.clone(),
            scheduler_role_arn: "arn:aws:iam::123456789012:role/local-scheduler".into(),
            event_bus_name: names.event_bus.clone(),
            time_scale: options.time_scale,
            max_concurrent_calls: options.max_concurrent_calls,
            dial_max_receive_count: provision::MAX_RECEIVE_COUNT,
            call_log_retention_days: options.call_log_retention_days,
            ..Config::default()
        };
        let functions = Arc::new(Functions::new(&config, &sdk, &http));
        let app = functions.dialer.clone();
        let (stop, stop_rx) = watch::channel(false);

        let budget = Arc::new(std::sync::Mutex::new(gateway::BudgetStats::default()));
        let gateway = gateway::Gateway {
            functions: functions.clone(),
            jwt_secret: options.jwt_secret.clone(),
            budget: budget.clone(),
        };
        let router = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let gw = gateway.clone();
            async move { gw.handle(req).await }
        });
        let mut server_stop = stop_rx.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = server_stop.changed().await;
                })
                .await;
        });
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        for _ in 0..options.dialer_concurrency.max(1) {
            tokio::spawn(feeder::run(
                app.clone(),
                sqs.clone(),
                provisioned.dial_queue_url.clone(),
                provisioned.dial_queue_arn.clone(),
                options.batch_size,
                options.duplicate_deliveries,
                budget.clone(),
                stop_rx.clone(),
            ));
        }
        tokio::spawn(schedules::run(
            aws_sdk_scheduler::Client::new(&sdk),
            sqs,
            names.schedule_group.clone(),
            provisioned.dial_queue_arn.clone(),
            provisioned.dial_queue_url.clone(),
            stop_rx,
        ));
        tracing::info!(url = %base_url, prefix = %options.resource_prefix, time_scale = options.time_scale, "local_runtime_ready");
        Ok(LocalRuntime {
            app,
            functions,
            addr,
            base_url,
            provisioned,
            options,
            sdk,
            budget,
            stop,
        })
    }

    /// Save `provider_id`'s calling settings through the provider API, as the portal does.
    pub async fn save_settings(
        &self,
        http: &reqwest::Client,
        provider_id: &str,
        settings: serde_json::Value,
    ) -> Result<()> {
        let r = http
            .patch(format!("{}/api/provider/outbound-calling", self.base_url))
            .bearer_auth(self.token(provider_id))
            .json(&settings)
            .send()
            .await?;
        if !r.status().is_success() {
            anyhow::bail!("saving settings failed: {}", r.text().await?);
        }
        Ok(())
    }

    /// A bearer token the emulated authorizer accepts for `provider_id`.
    pub fn token(&self, provider_id: &str) -> String {
        jwt::token(&self.options.jwt_secret, provider_id, 3600)
    }

    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for LocalRuntime {
    fn drop(&mut self) {
        self.stop();
    }
}
