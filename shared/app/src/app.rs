//! The clients a function uses, built once per process (at Lambda init).

use crate::adapters::{
    audio::{AudioFiles, AudioStore},
    events::{EventBus, Events},
    memory::{MemoryAudio, MemoryEvents, MemoryQueue, MemorySchedules, MemoryTts},
    queue::{DialQueue, TaskQueue},
    schedule::{Scheduler, Schedules},
    store::{MemoryStore, Store, Stores},
    transport,
    tts::{Speaker, Tts},
    twilio::Twilio,
};
use crate::config::Config;
use crate::sdk::SdkConfig;
use std::sync::Arc;

/// The outside clients a function builds besides DynamoDB, as a bit set: each function's `main`
/// names its set, and a client it does not name is neither built at init nor linked into its
/// binary (the set is a const generic parameter, so the other constructors are dead code).
pub mod clients {
    pub const QUEUE: u8 = 1;
    pub const SCHEDULES: u8 = 1 << 1;
    pub const AUDIO: u8 = 1 << 2;
    pub const EVENTS: u8 = 1 << 3;
    pub const TWILIO: u8 = 1 << 4;
    pub const TTS: u8 = 1 << 5;

    // QUEUE: the daily run queues the recordings past their retention for deletion;
    // EVENTS: ShiftNotCalled, ShiftCancelled; TWILIO: the platform's ShiftCancelled ends live
    // calls.
    pub const START_CALLING: u8 = SCHEDULES | QUEUE | EVENTS | TWILIO;
    /// Places calls, prepares audio, finishes acceptances (calls, SMS, event).
    pub const DIALER: u8 = QUEUE | AUDIO | EVENTS | TWILIO | TTS;
    pub const CALL_TWIML: u8 = AUDIO;
    /// Acceptance (then the queue), a repeated offer (audio).
    pub const CALL_RESPONSE: u8 = QUEUE | AUDIO;
    /// The campaign moves on from the queue; a machine's call is redirected through Twilio.
    pub const CALL_STATUS: u8 = QUEUE | TWILIO;
    pub const CALL_TIMEOUT: u8 = 0;
    pub const CALL_AUDIO: u8 = AUDIO;
    /// An acceptance by another channel deletes the pending schedule; the rest follows from
    /// the queue.
    pub const JOB_ACCEPTANCE: u8 = QUEUE | SCHEDULES;
    // TWILIO: a recorded call's audio, fetched for its provider; AUDIO | TTS: the Listen
    // button, the example offer's speech from S3 or ElevenLabs.
    // SCHEDULES | QUEUE | EVENTS: a coordinator's cancel, pause, resume and call now; QUEUE:
    // reachability checks are queued for the dialer too.
    pub const PROVIDER_SETTINGS: u8 = TWILIO | AUDIO | TTS | SCHEDULES | QUEUE | EVENTS;
    /// The call-back line and text replies: an acceptance hands what follows to the queue.
    pub const INBOUND: u8 = QUEUE;
}

/// How long one Twilio operation may take in a function with client set `set`: the dialer
/// (the one function that places calls and builds ElevenLabs) runs queue tasks with a 30 s
/// timeout; every other function is a webhook that must answer quickly.
pub const fn twilio_budget(set: u8) -> std::time::Duration {
    if set == clients::DIALER {
        crate::adapters::twilio::TASK_BUDGET
    } else {
        crate::adapters::twilio::WEBHOOK_BUDGET
    }
}

/// A function's clients: each outside service behind its trait (`adapters::store::Stores`,
/// `TaskQueue`, `Scheduler`, `AudioFiles`, `EventBus`, `Speaker`), AWS and ElevenLabs in a
/// function ([`App::new`]), in-memory twins in unit tests ([`App::in_memory`]).
pub struct App {
    pub config: Config,
    pub store: Arc<dyn Stores>,
    queue: Option<Arc<dyn TaskQueue>>,
    schedules: Option<Arc<dyn Scheduler>>,
    audio: Option<Arc<dyn AudioFiles>>,
    events: Option<Arc<dyn EventBus>>,
    twilio: Option<Twilio>,
    tts: Option<Arc<dyn Speaker>>,
    pub faults: Arc<crate::faults::Faults>,
    pub metrics: crate::metrics::Metrics,
}

/// A client the function's set does not name: a wiring mistake, found by the end-to-end tests
/// (the local runtime gives every function exactly the set its `main` builds).
fn built<'a, T>(client: &'a Option<T>, name: &str) -> &'a T {
    client.as_ref().unwrap_or_else(|| {
        panic!(
            "this function does not build the {name} client: add it to its set in `app::clients`"
        )
    })
}

impl App {
    /// Build DynamoDB and the clients in the set `C` (see [`clients`]) from `config`, one SDK
    /// configuration and the process's one HTTP client.
    pub fn new<const C: u8>(config: Config, sdk: &SdkConfig, http: &reqwest::Client) -> App {
        App::measured::<C>(config, sdk, http, crate::metrics::Metrics::Stdout)
    }

    /// As [`App::new`], with every metric line (the store's `Calls` included) going to
    /// `metrics`.
    pub fn measured<const C: u8>(
        config: Config,
        sdk: &SdkConfig,
        http: &reqwest::Client,
        metrics: crate::metrics::Metrics,
    ) -> App {
        let mut store = Store::new(
            aws_sdk_dynamodb::Client::from_conf(
                aws_sdk_dynamodb::config::Builder::from(sdk)
                    .interceptor(Observe("dynamodb"))
                    .build(),
            ),
            &config.table_name,
        )
        .with_call_log_retention(config.call_log_retention_days);
        store.metrics = metrics.clone();
        let queue = if C & clients::QUEUE != 0 {
            let conf = aws_sdk_sqs::config::Builder::from(sdk)
                .interceptor(Observe("sqs"))
                .build();
            Some(Arc::new(DialQueue::new(
                aws_sdk_sqs::Client::from_conf(conf),
                &config.dial_queue_url,
            )) as Arc<dyn TaskQueue>)
        } else {
            None
        };
        let schedules = if C & clients::SCHEDULES != 0 {
            let conf = aws_sdk_scheduler::config::Builder::from(sdk)
                .interceptor(Observe("scheduler"))
                .build();
            Some(Arc::new(Schedules::new(
                aws_sdk_scheduler::Client::from_conf(conf),
                &config.schedule_group,
                &config.dial_queue_arn,
                &config.scheduler_role_arn,
                &config.schedule_dead_letter_queue_arn,
            )) as Arc<dyn Scheduler>)
        } else {
            None
        };
        let audio = if C & clients::AUDIO != 0 {
            // A local AWS serves S3 on one host: address buckets by path there.
            let conf = aws_sdk_s3::config::Builder::from(sdk)
                .force_path_style(crate::sdk::endpoint_overridden(sdk))
                .interceptor(Observe("s3"))
                .build();
            Some(Arc::new(AudioStore::new(
                aws_sdk_s3::Client::from_conf(conf),
                &config.audio_bucket,
            )) as Arc<dyn AudioFiles>)
        } else {
            None
        };
        let events = if C & clients::EVENTS != 0 {
            let conf = aws_sdk_eventbridge::config::Builder::from(sdk)
                .interceptor(Observe("eventbridge"))
                .build();
            Some(Arc::new(Events::new(
                aws_sdk_eventbridge::Client::from_conf(conf),
                &config.event_bus_name,
            )) as Arc<dyn EventBus>)
        } else {
            None
        };
        let twilio = if C & clients::TWILIO != 0 {
            Some(Twilio::new(
                http.clone(),
                &config.twilio_api_base,
                &config.twilio_account_sid,
                config.twilio_auth_tokens.first().map_or("", String::as_str),
                &config.twilio_from_number,
                twilio_budget(C),
            ))
        } else {
            None
        };
        let tts = if C & clients::TTS != 0 {
            Some(Arc::new(Tts::new(
                http.clone(),
                &config.elevenlabs_api_base,
                &config.elevenlabs_api_key,
                &config.elevenlabs_voice_id,
                &config.elevenlabs_model_id,
                config.tts_budget,
            )) as Arc<dyn Speaker>)
        } else {
            None
        };
        App {
            store: Arc::new(store),
            queue,
            schedules,
            audio,
            events,
            twilio,
            tts,
            faults: Default::default(),
            metrics,
            config,
        }
    }

    /// Every client in memory (Twilio at `config.twilio_api_base`: a test starts the simulated
    /// Twilio there), with the twins to look into: what was stored, queued, scheduled, put,
    /// kept and spoken. Metric lines are kept in memory.
    pub fn in_memory(config: Config) -> (App, Twins) {
        let twins = Twins::default();
        let twilio = Twilio::new(
            transport::http_client(),
            &config.twilio_api_base,
            &config.twilio_account_sid,
            config.twilio_auth_tokens.first().map_or("", String::as_str),
            &config.twilio_from_number,
            crate::adapters::twilio::TASK_BUDGET,
        );
        let app = App {
            store: twins.store.clone(),
            queue: Some(twins.queue.clone()),
            schedules: Some(twins.schedules.clone()),
            audio: Some(twins.audio.clone()),
            events: Some(twins.events.clone()),
            twilio: Some(twilio),
            tts: Some(twins.tts.clone()),
            faults: Default::default(),
            metrics: twins.store.metrics.clone(),
            config,
        };
        (app, twins)
    }

    /// What a function's `main` calls: logging, configuration, secrets and the clients of its
    /// set `C`, all before the first event.
    pub async fn from_env<const C: u8>() -> Result<Arc<App>, lambda_runtime::Error> {
        crate::logging::init();
        let mut config = Config::from_env()?;
        let http = transport::http_client();
        let sdk = crate::sdk::from_env(&http)?;
        crate::secrets::resolve(&mut config, &crate::secrets::SecretNames::from_env(), &sdk)
            .await?;
        Ok(Arc::new(App::new::<C>(config, &sdk, &http)))
    }

    pub fn queue(&self) -> &dyn TaskQueue {
        built(&self.queue, "SQS dial queue").as_ref()
    }

    pub fn schedules(&self) -> &dyn Scheduler {
        built(&self.schedules, "EventBridge Scheduler").as_ref()
    }

    pub fn audio(&self) -> &dyn AudioFiles {
        built(&self.audio, "S3 audio").as_ref()
    }

    pub fn events(&self) -> &dyn EventBus {
        built(&self.events, "EventBridge").as_ref()
    }

    pub fn twilio(&self) -> &Twilio {
        built(&self.twilio, "Twilio")
    }

    /// Twilio calling and texting from `shift`'s number: its provider's `fromNumber` when the
    /// shift started, else the platform's.
    pub fn twilio_for(&self, shift: &crate::records::Shift) -> Twilio {
        self.twilio().from_number(shift.from_number())
    }

    pub fn tts(&self) -> &dyn Speaker {
        built(&self.tts, "ElevenLabs").as_ref()
    }

    /// Where a text's audio is kept: the voice (`None`: the deployment's), the model and the
    /// language are part of what was spoken.
    pub fn audio_key(
        &self,
        voice_id: Option<&str>,
        language: callout_core::lang::Language,
        text: &str,
    ) -> String {
        crate::adapters::audio::audio_key(
            voice_id.unwrap_or(&self.config.elevenlabs_voice_id),
            &self.config.elevenlabs_model_id,
            language.code(),
            text,
        )
    }

    /// The clips an attempt's offer plays, in order, each with where it is kept: the whole
    /// text, or the person's greeting (kept across shifts and providers) then the shift's
    /// body (kept once per shift, language and voice). Each names the words around it for
    /// ElevenLabs' request stitching: the body hears this person's greeting before it, the
    /// greeting hears the body's first sentence after it.
    pub fn offer_clips<'a>(&self, a: &'a crate::records::Attempt) -> Vec<Clip<'a>> {
        self.clips(a.voice_id.as_deref(), a.speech().language, a.spoken())
    }

    /// The clips of `spoken` in `voice_id` (`None`: the deployment's) and `language`, as
    /// [`App::offer_clips`] (the portal's Listen plays the same).
    pub fn clips<'a>(
        &self,
        voice_id: Option<&str>,
        language: callout_core::lang::Language,
        spoken: callout_core::template::Spoken<'a>,
    ) -> Vec<Clip<'a>> {
        use callout_core::template::{lead_in, Spoken};
        let clip = |text: &'a str, previous, next| Clip {
            key: self.audio_key(voice_id, language, text),
            text,
            around: crate::adapters::tts::Stitch { previous, next },
        };
        match spoken {
            Spoken::Whole(text) => vec![clip(text, None, None)],
            Spoken::Split { greeting, body } => vec![
                clip(greeting, None, Some(lead_in(body))),
                clip(body, Some(greeting), None),
            ],
        }
    }
}

/// One audio file of a call's offer ([`App::offer_clips`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clip<'a> {
    /// Where it is kept (`adapters::audio::audio_key`).
    pub key: String,
    /// The words it speaks (and what ElevenLabs bills).
    pub text: &'a str,
    /// The words played around it.
    pub around: crate::adapters::tts::Stitch<'a>,
}

/// The in-memory twins behind an [`App::in_memory`], to look into in tests.
#[derive(Default, Clone)]
pub struct Twins {
    pub store: Arc<MemoryStore>,
    pub queue: Arc<MemoryQueue>,
    pub schedules: Arc<MemorySchedules>,
    pub events: Arc<MemoryEvents>,
    pub audio: Arc<MemoryAudio>,
    pub tts: Arc<MemoryTts>,
}

/// Counts every AWS request for the critical-path budget (`budget`), records it for the IAM check
/// when that is on (`access`), and logs every retried one (throttling, 5xx, timeouts), which the
/// SDK's standard retry policy otherwise retries silently: `aws_request_retried` with the
/// service and attempt.
#[derive(Debug)]
pub(crate) struct Observe(pub(crate) &'static str);

impl aws_smithy_runtime_api::client::interceptors::Intercept for Observe {
    fn name(&self) -> &'static str {
        "Observe"
    }

    /// A response arrived: one request made (presigning a URL never gets here).
    fn read_before_deserialization(
        &self,
        _ctx: &aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef<'_>,
        _rc: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let operation = cfg
            .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
            .map_or("Unknown", |m| m.name());
        crate::budget::record_operation(self.0, operation);
        Ok(())
    }

    /// The request as it is sent: recorded for the IAM check when that is on (`access`).
    fn read_before_transmit(
        &self,
        ctx: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _rc: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if crate::access::enabled() {
            let operation = cfg
                .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
                .map_or("Unknown", |m| m.name());
            let req = ctx.request();
            for (action, resource) in
                crate::access::describe(self.0, operation, req.uri(), req.body().bytes())
            {
                crate::access::record(&action, &resource, "sdk");
            }
        }
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
