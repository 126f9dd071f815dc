//! A simulated Twilio (REST API, phones, signed webhooks, TwiML) and ElevenLabs (µ-law speech),
//! served together on one local HTTP server.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use callout_sim::{Behaviour, Sim, SimConfig};
//! let sim = Sim::start(SimConfig::default()).await?;
//! sim.set_phone("+61400000001", Behaviour::Accept);
//! // point TWILIO_API_BASE and ELEVENLABS_API_BASE at sim.base_url() ...
//! # Ok(()) }
//! ```

mod call;
mod server;
mod tts;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;

/// How the simulator is set up.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub account_sid: String,
    pub auth_token: String,
    pub elevenlabs_api_key: String,
    /// Real pause between call phases (queued → ringing → answered ...).
    pub step_delay: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            account_sid: "ACsim0000000000000000000000000000".into(),
            auth_token: "sim-auth-token".into(),
            elevenlabs_api_key: "sim-elevenlabs-key".into(),
            step_delay: Duration::from_millis(5),
        }
    }
}

/// How ElevenLabs fails while [`Sim::set_tts_failure`] is set.
#[derive(Clone, Debug, PartialEq)]
pub enum TtsFailure {
    /// 500.
    ServerError,
    /// 429.
    RateLimited,
    /// Sleep this long, then answer normally.
    Slow(Duration),
    /// 200 with a few garbage bytes that are not speech.
    Malformed,
    /// 401 `invalid_api_key`, as for a wrong or revoked key.
    Unauthorized,
}

/// How status callbacks travel from the simulated Twilio to the application (fault injection).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum CallbackDelivery {
    /// Each callback once, in order.
    #[default]
    Normal,
    /// Progress callbacks are held back; the final one arrives first, then the held ones in
    /// reverse order, then the final again and every held one again.
    DuplicatedAndReordered,
    /// The final status callback never arrives (a lost callback).
    DropFinal,
}

/// A REST operation whose next responses can be made to fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestOp {
    CreateCall,
    UpdateCall,
    /// `GET Calls/{sid}.json`.
    FetchCall,
    Message,
}

/// A refusal as Twilio sends it: the HTTP status and Twilio's error code (the JSON body has
/// `code`, `message`, `more_info` and `status`, as in Twilio's API description).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub code: u32,
}

impl Refusal {
    /// 401 / 20003: the credentials do not authenticate (a wrong or rotated auth token).
    pub const BAD_CREDENTIALS: Refusal = Refusal {
        status: 401,
        code: 20003,
    };
    /// 401 / 20005: the account is not active (suspended, out of funds).
    pub const ACCOUNT_SUSPENDED: Refusal = Refusal {
        status: 401,
        code: 20005,
    };
    /// 400 / 21610: the recipient replied STOP to the sending number.
    pub const OPTED_OUT: Refusal = Refusal {
        status: 400,
        code: 21610,
    };
    /// 400 / 21614: not a mobile number.
    pub const NOT_MOBILE: Refusal = Refusal {
        status: 400,
        code: 21614,
    };
}

/// What the person (or machine) at a number does when called.
#[derive(Clone, Debug, PartialEq)]
pub enum Behaviour {
    /// Answers, listens to the whole message, presses 1.
    Accept,
    /// Answers, listens, presses 2.
    Decline,
    /// Answers, listens, presses nothing (every Gather times out).
    Silent,
    /// Rings until the Timeout; status no-answer.
    NoAnswer,
    /// Status busy.
    Busy,
    /// Status failed.
    Fail,
    /// Answered by a machine: AMD says machine_end_beep; presses nothing.
    Voicemail,
    /// First Gather: presses '9' after the message; every later Gather: presses the char.
    WrongKeyThen(char),
    /// Presses the char half-way through the first Play/Say inside the first Gather (barge-in);
    /// later Gathers: presses the char after the message.
    PressDuringMessage(char),
    /// Answers and listens, then waits at the Gather (real time, up to 20 s) until the call is
    /// ended or redirected through the REST API; if never, behaves as Silent.
    HoldUntilEnded,
}

impl FromStr for Behaviour {
    type Err = String;

    /// `accept`, `decline`, `silent`, `no-answer`, `busy`, `fail`, `voicemail`,
    /// `wrong-key-then-<c>`, `press-during-message-<c>`, `hold`.
    fn from_str(s: &str) -> Result<Self, String> {
        let one_char = |rest: &str| {
            let mut it = rest.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(format!("unknown behaviour {s:?}")),
            }
        };
        Ok(match s {
            "accept" => Behaviour::Accept,
            "decline" => Behaviour::Decline,
            "silent" => Behaviour::Silent,
            "no-answer" => Behaviour::NoAnswer,
            "busy" => Behaviour::Busy,
            "fail" => Behaviour::Fail,
            "voicemail" => Behaviour::Voicemail,
            "hold" | "hold-until-ended" => Behaviour::HoldUntilEnded,
            _ => {
                if let Some(rest) = s.strip_prefix("wrong-key-then-") {
                    Behaviour::WrongKeyThen(one_char(rest)?)
                } else if let Some(rest) = s.strip_prefix("press-during-message-") {
                    Behaviour::PressDuringMessage(one_char(rest)?)
                } else {
                    return Err(format!("unknown behaviour {s:?}"));
                }
            }
        })
    }
}

/// One call placed through `Calls.json`, as the simulator saw it.
#[derive(Clone, Debug)]
pub struct CallRecord {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub created: SystemTime,
    /// Twilio CallStatus: queued, ringing, in-progress, completed, busy, no-answer, failed,
    /// canceled. Becomes final once the final status callback has been sent.
    pub status: String,
    pub duration_secs: u32,
    pub answered_by: Option<String>,
    pub events: Vec<CallEvent>,
    /// The create-call form as received.
    pub request: Vec<(String, String)>,
}

impl CallRecord {
    /// Texts heard, in order (Say text, or Play audio decoded through the TTS registry); a
    /// partially heard message is included.
    pub fn heard(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                CallEvent::Heard { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// Digits pressed, in order.
    pub fn keys(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                CallEvent::Pressed(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// True once the call is over (final status reached and final callback sent).
    pub fn ended(&self) -> bool {
        is_final_status(&self.status)
    }

    /// AudioError and WebhookError texts.
    pub fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                CallEvent::AudioError(s) => Some(s.clone()),
                CallEvent::WebhookError { url, detail } => Some(format!("{url}: {detail}")),
                _ => None,
            })
            .collect()
    }

    /// The status callbacks sent, as (status, sequence number).
    pub fn status_callbacks(&self) -> Vec<(String, u32)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                CallEvent::StatusCallback {
                    status, sequence, ..
                } => Some((status.clone(), *sequence)),
                _ => None,
            })
            .collect()
    }
}

pub(crate) fn is_final_status(s: &str) -> bool {
    matches!(
        s,
        "completed" | "busy" | "no-answer" | "failed" | "canceled"
    )
}

#[derive(Clone, Debug, PartialEq)]
pub enum CallEvent {
    Ringing,
    Answered {
        /// "human" | "machine_end_beep"
        by: String,
    },
    Heard {
        text: String,
        via: Via,
        interrupted: bool,
    },
    Pressed(char),
    GatherTimedOut,
    Redirected(String),
    Paused(u32),
    HungUp(HangupBy),
    StatusCallback {
        status: String,
        sequence: u32,
        http_status: u16,
    },
    AmdCallback {
        answered_by: String,
        http_status: u16,
    },
    AudioError(String),
    WebhookError {
        url: String,
        detail: String,
    },
    /// "Status=completed", "Status=canceled", "Twiml", "Url".
    UpdatedByApi(String),
    /// A status callback the network lost (`CallbackDelivery::DropFinal`).
    CallbackDropped(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Via {
    Say,
    Play { url: String, seconds: f64 },
}

#[derive(Clone, Debug, PartialEq)]
pub enum HangupBy {
    /// `<Hangup/>` or end of document.
    Twiml,
    Api,
    Error,
}

/// An SMS sent through `Messages.json`.
#[derive(Clone, Debug)]
pub struct MessageRecord {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub body: String,
}

/// A change requested through `POST Calls/{sid}.json`, applied by the call's task.
#[derive(Clone, Debug)]
pub(crate) enum Update {
    /// End a queued/ringing call as canceled.
    Cancel,
    /// Hang up an in-progress call.
    Complete,
    Twiml(String),
    Url {
        url: String,
        method: String,
    },
}

pub(crate) struct CallEntry {
    pub record: CallRecord,
    /// What the REST API reports (final a little before `record.status`).
    pub api_status: String,
    pub date_updated: SystemTime,
    pub start_time: Option<SystemTime>,
    pub end_time: Option<SystemTime>,
    pub pending: Option<Update>,
    pub notify: Arc<Notify>,
}

#[derive(Default)]
pub(crate) struct State {
    pub calls: Vec<CallEntry>,
    pub index: HashMap<String, usize>,
    pub phones: HashMap<String, Behaviour>,
    pub messages: Vec<MessageRecord>,
}

impl State {
    pub fn call_mut(&mut self, sid: &str) -> Option<&mut CallEntry> {
        let i = *self.index.get(sid)?;
        self.calls.get_mut(i)
    }
}

pub(crate) struct Inner {
    pub config: SimConfig,
    pub base_url: String,
    pub state: Mutex<State>,
    pub http: reqwest::Client,
    pub tts_registry: Mutex<HashMap<[u8; 32], String>>,
    pub tts_characters: AtomicU64,
    pub tts_requests: AtomicU64,
    pub tts_failure: Mutex<Option<TtsFailure>>,
    pub callback_delivery: Mutex<CallbackDelivery>,
    pub rest_failures: Mutex<Vec<(RestOp, Refusal)>>,
    /// While set, every REST request is refused with this (an account-wide refusal).
    pub account_refusal: Mutex<Option<Refusal>>,
    /// Numbers Twilio refuses to text, and how (e.g. 21610 after the person texted STOP).
    pub sms_refusals: Mutex<HashMap<String, Refusal>>,
    /// Every refusal served (injected, account-wide, per number), in order.
    pub refused: Mutex<Vec<(RestOp, Refusal)>>,
}

impl Inner {
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Append an event to a call's record.
    pub fn push(&self, sid: &str, event: CallEvent) {
        if let Some(c) = self.state().call_mut(sid) {
            c.record.events.push(event);
            c.date_updated = SystemTime::now();
        }
    }
}

/// The running simulator. Cheap to clone; the server keeps running for the life of the process.
#[derive(Clone)]
pub struct Sim {
    pub(crate) inner: Arc<Inner>,
}

impl Sim {
    /// Serve on 127.0.0.1 with an ephemeral port.
    pub async fn start(config: SimConfig) -> anyhow::Result<Sim> {
        Self::start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Serve on `addr`.
    pub async fn start_on(config: SimConfig, addr: SocketAddr) -> anyhow::Result<Sim> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let host = if local.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            local.ip().to_string()
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .no_proxy()
            .build()?;
        let inner = Arc::new(Inner {
            config,
            base_url: format!("http://{host}:{}", local.port()),
            state: Mutex::new(State::default()),
            http,
            tts_registry: Mutex::new(HashMap::new()),
            tts_characters: AtomicU64::new(0),
            tts_requests: AtomicU64::new(0),
            tts_failure: Mutex::new(None),
            callback_delivery: Mutex::new(CallbackDelivery::Normal),
            rest_failures: Mutex::new(Vec::new()),
            account_refusal: Mutex::new(None),
            sms_refusals: Mutex::new(HashMap::new()),
            refused: Mutex::new(Vec::new()),
        });
        let sim = Sim { inner };
        let app = server::router(sim.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "sim server stopped");
            }
        });
        tracing::info!(base_url = %sim.base_url(), "sim listening");
        Ok(sim)
    }

    /// `http://127.0.0.1:PORT`, no trailing slash: the base for both Twilio and ElevenLabs.
    pub fn base_url(&self) -> String {
        self.inner.base_url.clone()
    }

    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// How `number` behaves when called; numbers not set behave as [`Behaviour::NoAnswer`].
    pub fn set_phone(&self, number: &str, behaviour: Behaviour) {
        self.inner
            .state()
            .phones
            .insert(number.to_string(), behaviour);
    }

    /// Every call, in creation order.
    pub fn calls(&self) -> Vec<CallRecord> {
        self.inner
            .state()
            .calls
            .iter()
            .map(|c| c.record.clone())
            .collect()
    }

    pub fn calls_to(&self, number: &str) -> Vec<CallRecord> {
        self.inner
            .state()
            .calls
            .iter()
            .filter(|c| c.record.to == number)
            .map(|c| c.record.clone())
            .collect()
    }

    /// One call by sid.
    pub fn call(&self, sid: &str) -> Option<CallRecord> {
        self.inner.state().call_mut(sid).map(|c| c.record.clone())
    }

    /// Calls not yet ended.
    pub fn live_calls(&self) -> usize {
        self.inner
            .state()
            .calls
            .iter()
            .filter(|c| !c.record.ended())
            .count()
    }

    /// Wait (polling) until no call is live; false if `timeout` passed first.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.live_calls() == 0 {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Wait (polling) until call `sid` has ended; its record, or None on timeout/unknown sid.
    pub async fn wait_for_call(&self, sid: &str, timeout: Duration) -> Option<CallRecord> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.call(sid) {
                Some(c) if c.ended() => return Some(c),
                _ if tokio::time::Instant::now() >= deadline => return None,
                _ => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    /// SMS sent through `Messages.json`.
    pub fn messages(&self) -> Vec<MessageRecord> {
        self.inner.state().messages.clone()
    }

    /// Characters of text received by ElevenLabs (successful or not).
    pub fn tts_characters(&self) -> u64 {
        self.inner.tts_characters.load(Ordering::SeqCst)
    }

    pub fn tts_requests(&self) -> u64 {
        self.inner.tts_requests.load(Ordering::SeqCst)
    }

    /// While Some, every TTS request fails that way.
    /// How status callbacks are delivered from now on.
    pub fn set_callback_delivery(&self, delivery: CallbackDelivery) {
        *self
            .inner
            .callback_delivery
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = delivery;
    }

    /// The next `count` requests of `op` fail with HTTP `status` (429 carries Twilio's 20429,
    /// 400 21211, 401 20003, anything else 20500).
    pub fn fail_next_rest(&self, op: RestOp, status: u16, count: usize) {
        let code = match status {
            429 => 20429,
            400 => 21211,
            401 => 20003,
            _ => 20500,
        };
        self.refuse_next_rest(op, Refusal { status, code }, count);
    }

    /// The next `count` requests of `op` are refused with `refusal`.
    pub fn refuse_next_rest(&self, op: RestOp, refusal: Refusal, count: usize) {
        let mut f = self
            .inner
            .rest_failures
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        f.extend(std::iter::repeat_n((op, refusal), count));
    }

    pub(crate) fn take_rest_failure(&self, op: RestOp) -> Option<Refusal> {
        let mut f = self
            .inner
            .rest_failures
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let i = f.iter().position(|(o, _)| *o == op)?;
        Some(f.remove(i).1)
    }

    /// From now on every REST request is refused with `refusal` (e.g. the auth token was
    /// rotated, the account suspended); `None` makes the account work again.
    pub fn refuse_account(&self, refusal: Option<Refusal>) {
        *self
            .inner
            .account_refusal
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = refusal;
    }

    pub(crate) fn account_refusal(&self) -> Option<Refusal> {
        *self
            .inner
            .account_refusal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Every refusal served so far (what was asked and how it was refused).
    pub fn refusals(&self) -> Vec<(RestOp, Refusal)> {
        self.inner
            .refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn note_refusal(&self, op: RestOp, r: Refusal) {
        self.inner
            .refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((op, r));
    }

    /// Twilio refuses every SMS to `number` with `refusal` (e.g. [`Refusal::OPTED_OUT`]).
    pub fn refuse_sms_to(&self, number: &str, refusal: Refusal) {
        self.inner
            .sms_refusals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(number.to_string(), refusal);
    }

    pub(crate) fn sms_refusal(&self, number: &str) -> Option<Refusal> {
        self.inner
            .sms_refusals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(number)
            .copied()
    }

    pub fn set_tts_failure(&self, failure: Option<TtsFailure>) {
        *self
            .inner
            .tts_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = failure;
    }

    /// The text a µ-law payload generated by this sim says (headerless bytes, or a WAV file
    /// wrapping them).
    pub fn text_for_audio(&self, ulaw: &[u8]) -> Option<String> {
        tts::lookup(&self.inner, ulaw)
    }
}
