//! The local runtime (SPEC §7): the AWS glue that has no emulator here. It provisions the
//! local AWS, serves every route at its production path, feeds the dial queue to the dialer,
//! fires due schedules, takes `POST /local/events`, emulates the JWT authorizer and applies
//! `TIME_SCALE`. The functions' own handlers do the work, exactly as in Lambda.
//!
//! What it serves and how comes from template.yaml after AWS's SAM transform ([`template`]):
//! the routes and their authorizers, each function's environment (its configuration is built
//! from that alone, plus the local-only variables of [`LOCAL_ONLY_VARIABLES`]) and secrets
//! (read from SSM in the local AWS, as in Lambda), the dial queue's event source mapping and the
//! rule's event pattern. With `IAM_RECORD` set, every AWS request each function makes is
//! recorded for the IAM check (`callout_app::access`, `make iam`).

pub mod feeder;
pub mod figures;
pub mod gateway;
pub mod jwt;
pub mod provision;
pub mod schedules;
pub mod template;

use anyhow::{Context, Result};
use callout_app::{clients, App, Config};
use std::collections::{BTreeMap, BTreeSet};
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
    /// The dial queue's visibility timeout; `None`: the template's (tests of redelivery after a
    /// crash ask for 1 s).
    pub visibility_timeout_secs: Option<u32>,
    /// Calls in progress at once across the account (the template's `MaxConcurrentCalls`).
    pub max_concurrent_calls: u32,
    /// Other template parameters than their defaults, e.g. `DialerMaxConcurrency`.
    pub parameters: std::collections::BTreeMap<String, String>,
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
            visibility_timeout_secs: None,
            max_concurrent_calls: 5,
            parameters: Default::default(),
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

/// Variables the local runtime gives a function on top of its template environment: where the
/// simulated services are and how fast time runs. Nothing else is added.
pub const LOCAL_ONLY_VARIABLES: &[&str] = &[
    "TWILIO_API_BASE",
    "ELEVENLABS_API_BASE",
    "ELEVENLABS_BUDGET_MS",
    "TIME_SCALE",
];

/// A function's configuration as the local runtime built it: from its template environment.
#[derive(Debug, Clone)]
pub struct FunctionEnv {
    /// Its logical id in the template.
    pub logical_id: String,
    /// The variables the template gives it, resolved.
    pub given: BTreeMap<String, String>,
    /// Every variable its configuration asked for.
    pub read: BTreeSet<String>,
}

/// Every function's `App`, each with exactly the clients its `main` builds and a configuration
/// built from its own template environment and SSM secrets: a handler that reaches for a client
/// or a variable its function does not have fails here, in the tests, not in Lambda. Fault
/// injection and metric lines are shared, as tests look at them in one place.
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
    pub inbound: Arc<App>,
    /// By binary name.
    pub env: BTreeMap<String, FunctionEnv>,
}

/// What building the functions needs.
pub struct World<'a> {
    pub template: &'a template::Template,
    pub resources: &'a template::Resources,
    pub local: BTreeMap<String, String>,
    /// The resource prefix: names this world in the IAM record.
    pub name: String,
    pub sdk: &'a callout_app::sdk::SdkConfig,
    pub http: &'a reqwest::Client,
}

impl World<'_> {
    /// `binary`'s configuration: its template environment, the local-only variables, and the
    /// secrets its parameters name, read from SSM as the function does at start.
    pub async fn configure(&self, binary: &str) -> Result<(Config, FunctionEnv)> {
        let logical_id = self
            .template
            .functions()
            .into_iter()
            .find(|(_, b)| b == binary)
            .map(|(id, _)| id)
            .with_context(|| format!("template.yaml has no function with binary {binary}"))?;
        let given = self.template.environment(&logical_id, self.resources)?;
        let mut env = given.clone();
        env.extend(self.local.clone());
        let read = std::cell::RefCell::new(BTreeSet::new());
        let lookup = |name: &str| {
            read.borrow_mut().insert(name.to_string());
            env.get(name).cloned()
        };
        let mut config = Config::from_lookup(lookup)
            .with_context(|| format!("{binary}: configuration from its template environment"))?;
        let names = callout_app::secrets::SecretNames::from_lookup(lookup);
        let caller = callout_app::access::Caller {
            function: binary.to_string(),
            world: self.name.clone(),
        };
        callout_app::access::scope(
            caller,
            callout_app::secrets::resolve(&mut config, &names, self.sdk),
        )
        .await
        .with_context(|| format!("{binary}: secrets"))?;
        let read = read.into_inner();
        Ok((
            config,
            FunctionEnv {
                logical_id,
                given,
                read,
            },
        ))
    }
}

/// The functions' binaries, in the order their `App`s are built: `handlers::FUNCTIONS`, which
/// also says which of them the HTTP API triggers ([`gateway::HTTP_FUNCTIONS`]).
pub const BINARIES: [&str; 10] = {
    let mut names = [""; 10];
    let mut i = 0;
    while i < names.len() {
        names[i] = callout_app::handlers::FUNCTIONS[i].0;
        i += 1;
    }
    names
};

impl Functions {
    /// The `App` of function `binary`.
    pub fn app(&self, binary: &str) -> Option<&Arc<App>> {
        Some(match binary {
            "start-calling" => &self.start_calling,
            "dialer" => &self.dialer,
            "call-twiml" => &self.call_twiml,
            "call-response" => &self.call_response,
            "call-status" => &self.call_status,
            "call-timeout" => &self.call_timeout,
            "call-audio" => &self.call_audio,
            "job-acceptance" => &self.job_acceptance,
            "provider-settings" => &self.provider_settings,
            "inbound" => &self.inbound,
            _ => return None,
        })
    }

    /// Each function configured from its template environment ([`World::configure`]).
    pub async fn new(world: &World<'_>) -> Result<Functions> {
        let mut configs = BTreeMap::new();
        let mut env = BTreeMap::new();
        for binary in BINARIES {
            let (config, e) = world.configure(binary).await?;
            configs.insert(binary, config);
            env.insert(binary.to_string(), e);
        }
        Ok(Functions::assemble(configs, env, world.sdk, world.http))
    }

    /// Every function with the same hand-made configuration (the sample events' test, whose
    /// samples document one configuration for all).
    pub fn with_config(
        config: &Config,
        sdk: &callout_app::sdk::SdkConfig,
        http: &reqwest::Client,
    ) -> Functions {
        let configs = BINARIES.iter().map(|b| (*b, config.clone())).collect();
        Functions::assemble(configs, BTreeMap::new(), sdk, http)
    }

    fn assemble(
        mut configs: BTreeMap<&str, Config>,
        env: BTreeMap<String, FunctionEnv>,
        sdk: &callout_app::sdk::SdkConfig,
        http: &reqwest::Client,
    ) -> Functions {
        // Metric lines are kept for the demo and tests rather than printed.
        let metrics = callout_app::metrics::Metrics::memory();
        let faults = Arc::new(callout_app::faults::Faults::default());
        // The set is a const generic, so one line per function names it.
        macro_rules! function {
            ($set:ident, $binary:literal) => {{
                let config = configs
                    .remove($binary)
                    .expect("one configuration per binary");
                let mut app =
                    App::measured::<{ clients::$set }>(config, sdk, http, metrics.clone());
                app.faults = faults.clone();
                Arc::new(app)
            }};
        }
        Functions {
            start_calling: function!(START_CALLING, "start-calling"),
            dialer: function!(DIALER, "dialer"),
            call_twiml: function!(CALL_TWIML, "call-twiml"),
            call_response: function!(CALL_RESPONSE, "call-response"),
            call_status: function!(CALL_STATUS, "call-status"),
            call_timeout: function!(CALL_TIMEOUT, "call-timeout"),
            call_audio: function!(CALL_AUDIO, "call-audio"),
            job_acceptance: function!(JOB_ACCEPTANCE, "job-acceptance"),
            provider_settings: function!(PROVIDER_SETTINGS, "provider-settings"),
            inbound: function!(INBOUND, "inbound"),
            env,
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
    pub template: template::Template,
    /// The local resources and parameter values the template was resolved against.
    pub resources: template::Resources,
    /// Outside requests per webhook invocation, by route.
    pub budget: Arc<std::sync::Mutex<gateway::BudgetStats>>,
    /// Every dial-queue message body handed to the dialer, in delivery order.
    pub delivered: Arc<std::sync::Mutex<Vec<String>>>,
    stop: watch::Sender<bool>,
    /// Set by [`LocalRuntime::kill`]: requests in flight are dropped where they stand.
    killed: watch::Sender<bool>,
    /// The server, feeders and scheduler, aborted by [`LocalRuntime::kill`].
    tasks: Vec<tokio::task::AbortHandle>,
}

impl LocalRuntime {
    pub async fn start(options: Options) -> Result<LocalRuntime> {
        let template = template::Template::load()?;
        if let Some(path) = std::env::var_os("IAM_RECORD") {
            callout_app::access::enable(std::path::Path::new(&path))
                .context("IAM_RECORD: opening the record")?;
        }
        let http = callout_app::adapters::transport::http_client();
        let sdk = local_sdk_config(&options.aws_endpoint, &http);
        let names = provision::Names::from_prefix(&options.resource_prefix);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{}", options.port))?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");

        let mut parameters = options.parameters.clone();
        let defaults = [
            (
                "PublicBaseUrl",
                options.public_base_url.clone().unwrap_or(base_url.clone()),
            ),
            ("TwilioAccountSid", options.twilio_account_sid.clone()),
            ("TwilioFromNumber", options.twilio_from_number.clone()),
            ("ElevenLabsVoiceId", options.elevenlabs_voice_id.clone()),
            (
                "CallLogRetentionDays",
                options.call_log_retention_days.to_string(),
            ),
            (
                "MaxConcurrentCalls",
                options.max_concurrent_calls.to_string(),
            ),
            (
                "TwilioAuthTokenParameter",
                format!("/{}/twilio/auth-token", names.schedule_group),
            ),
            (
                "TwilioAuthTokenPreviousParameter",
                format!("/{}/twilio/auth-token-previous", names.schedule_group),
            ),
            (
                "ElevenLabsApiKeyParameter",
                format!("/{}/elevenlabs/api-key", names.schedule_group),
            ),
        ];
        for (k, v) in defaults {
            parameters.entry(k.to_string()).or_insert(v);
        }
        let secrets = [
            (
                parameters["TwilioAuthTokenParameter"].clone(),
                options.twilio_auth_token.clone(),
            ),
            (
                parameters["ElevenLabsApiKeyParameter"].clone(),
                options.elevenlabs_api_key.clone(),
            ),
        ];
        let provisioned = provision::provision(
            &sdk,
            &names,
            &template,
            options
                .visibility_timeout_secs
                .unwrap_or_else(|| provision::visibility_timeout_secs(&template)),
            &secrets,
        )
        .await
        .with_context(|| {
            format!(
                "provisioning the local AWS at {} (is it running? `make aws-up`)",
                options.aws_endpoint
            )
        })?;
        let resources = provisioned.resources(&template, parameters);
        let world = World {
            template: &template,
            resources: &resources,
            local: BTreeMap::from([
                ("TWILIO_API_BASE".into(), options.twilio_api_base.clone()),
                (
                    "ELEVENLABS_API_BASE".into(),
                    options.elevenlabs_api_base.clone(),
                ),
                (
                    "ELEVENLABS_BUDGET_MS".into(),
                    options.tts_budget.as_millis().to_string(),
                ),
                ("TIME_SCALE".into(), options.time_scale.to_string()),
            ]),
            name: options.resource_prefix.clone(),
            sdk: &sdk,
            http: &http,
        };
        let functions = Arc::new(Functions::new(&world).await?);
        if callout_app::access::enabled() {
            iam_world(&template, &resources, &options.resource_prefix)?;
        }
        let app = functions.dialer.clone();
        let (stop, stop_rx) = watch::channel(false);
        let (killed, killed_rx) = watch::channel(false);
        let mut tasks = Vec::new();

        let budget = Arc::new(std::sync::Mutex::new(gateway::BudgetStats::default()));
        let gateway = gateway::Gateway::new(
            &template,
            functions.clone(),
            options.jwt_secret.clone(),
            budget.clone(),
            options.resource_prefix.clone(),
        )?;
        let router = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let gw = gateway.clone();
            let mut killed = killed_rx.clone();
            async move {
                // Killed, a request in flight ends where it stands, as in a process that died.
                tokio::select! {
                    response = gw.handle(req) => response,
                    _ = killed.wait_for(|k| *k) => axum::response::IntoResponse::into_response(axum::http::StatusCode::BAD_GATEWAY),
                }
            }
        });
        let mut server_stop = stop_rx.clone();
        tasks.push(
            tokio::spawn(async move {
                let _ = axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = server_stop.changed().await;
                    })
                    .await;
            })
            .abort_handle(),
        );
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let delivered = Arc::new(std::sync::Mutex::new(Vec::new()));
        for source in template.queue_sources(&resources)? {
            if source.binary != "dialer" || source.queue != "DialQueue" {
                anyhow::bail!(
                    "the event source mapping of {} on {} has no local feeder",
                    source.function,
                    source.queue
                );
            }
            for _ in 0..source.maximum_concurrency.unwrap_or(2).max(1) {
                tasks.push(
                    tokio::spawn(feeder::run(
                        feeder::Feeder {
                            app: app.clone(),
                            sqs: sqs.clone(),
                            queue_url: provisioned.dial_queue_url.clone(),
                            queue_arn: provisioned.dial_queue_arn.clone(),
                            source: source.clone(),
                            duplicate: options.duplicate_deliveries,
                            budget: budget.clone(),
                            delivered: delivered.clone(),
                            world: options.resource_prefix.clone(),
                        },
                        stop_rx.clone(),
                    ))
                    .abort_handle(),
                );
            }
        }
        tasks.push(
            tokio::spawn(schedules::run(
                aws_sdk_scheduler::Client::new(&sdk),
                sqs,
                names.schedule_group.clone(),
                provisioned.dial_queue_arn.clone(),
                provisioned.dial_queue_url.clone(),
                options.resource_prefix.clone(),
                stop_rx,
            ))
            .abort_handle(),
        );
        tracing::info!(url = %base_url, prefix = %options.resource_prefix, time_scale = options.time_scale, "local_runtime_ready");
        Ok(LocalRuntime {
            app,
            functions,
            addr,
            base_url,
            provisioned,
            options,
            sdk,
            template,
            resources,
            budget,
            delivered,
            stop,
            killed,
            tasks,
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

    /// Stop at once, as `kill -9` would: the server, the feeders and the scheduler are aborted
    /// and every request or task in flight is dropped at the point it has reached. What was
    /// written to the local AWS stays; a message being handled reappears after the queue's
    /// visibility timeout.
    pub fn kill(&self) {
        let _ = self.killed.send(true);
        for task in &self.tasks {
            task.abort();
        }
        self.stop();
    }
}

impl Drop for LocalRuntime {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The IAM record's description of this world: each function's (and the scheduler's) role, its
/// ARN and policies, and the queues' and buckets' own policies, all from the template and
/// resolved against this world's resources.
fn iam_world(
    template: &template::Template,
    resources: &template::Resources,
    world: &str,
) -> Result<()> {
    let mut roles = serde_json::Map::new();
    for (logical_id, binary) in template.functions() {
        roles.insert(
            binary,
            serde_json::json!({
                "arn": template.role_arn(&logical_id, resources)?,
                "policies": template.role_policies(&logical_id, resources)?,
            }),
        );
    }
    let scheduler = resources
        .by_id
        .get("SchedulerRole")
        .and_then(|r| r.attributes.get("Arn"))
        .cloned()
        .unwrap_or_default();
    roles.insert(
        "scheduler".into(),
        serde_json::json!({
            "arn": scheduler,
            "policies": template.policies_of_role("SchedulerRole", resources)?,
        }),
    );
    let resource_policies: Vec<serde_json::Value> = template
        .resource_policies(resources)?
        .into_iter()
        .map(|(arns, policy)| serde_json::json!({ "resources": arns, "policy": policy }))
        .collect();
    callout_app::access::write(&serde_json::json!({
        "kind": "world", "world": world, "account": template::ACCOUNT, "roles": roles,
        "resourcePolicies": resource_policies,
    }));
    Ok(())
}
