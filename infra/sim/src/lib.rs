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
//!
//! The parts, each depending only on those above it:
//! - `config`, `record`, `wire`: the public set-up and records, Twilio's wire formats;
//! - `elevenlabs` (ElevenLabs' speech, counters, failure) and `state` (Twilio's calls, phones,
//!   messages, faults, and the `Inner` both sit in), kept apart;
//! - `twiml`: the TwiML parser and interpreter;
//! - `call`: one call's life, running `twiml` against our server (it sees `state`, never the
//!   HTTP server);
//! - `inbound`: phones ringing the product's number and texting it (signed incoming-call and
//!   incoming-message webhooks; STOP kept as Twilio keeps it);
//! - `server`: the HTTP side (Twilio REST, ElevenLabs, `/sim` control), which starts calls;
//! - this file: [`Sim`], the handle tests and the local runtime use, which starts `server`.

mod call;
mod config;
mod elevenlabs;
mod inbound;
mod record;
mod server;
mod state;
mod twiml;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use config::{Behaviour, CallbackDelivery, Refusal, RestOp, SimConfig, TtsFailure};
pub use elevenlabs::{TtsRequest, SAMPLES_PER_CHAR};
pub use inbound::{PROVIDER_NUMBERS, STOP_REPLY};
pub use record::{CallEvent, CallRecord, Dialed, HangupBy, MessageRecord, Via};

use elevenlabs::ElevenLabs;
use state::{Inner, Twilio};

/// Call recording: one recording of a call placed with `Record=true`, as the simulated Twilio
/// keeps it (its media is a µ-law WAV as long as the call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingInfo {
    pub sid: String,
    pub call_sid: String,
    pub duration_secs: u32,
    pub media: Vec<u8>,
    /// Deleted through `DELETE Recordings/{Sid}.json`.
    pub deleted: bool,
    /// How many media requests were refused for lacking the account's credentials.
    pub refused_fetches: u32,
    /// The unguessable part of its media host URL (the API answers a media fetch with a 302
    /// there, as Twilio does).
    pub media_token: String,
    /// Media fetches served by the media host, and how many of them carried an
    /// `Authorization` header (the account's credentials must not leave Twilio's API host).
    pub media_host_fetches: u32,
    pub media_host_fetches_with_authorization: u32,
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
        // The media host: another listener, as Twilio serves recordings' media from another
        // host than its API.
        let media = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let media_url = format!("http://127.0.0.1:{}", media.local_addr()?.port());
        let inner = Arc::new(Inner {
            config,
            media_url,
            base_url: format!("http://{host}:{}", local.port()),
            http,
            twilio: Twilio::default(),
            elevenlabs: ElevenLabs::default(),
        });
        let sim = Sim { inner };
        let app = server::router(sim.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "sim server stopped");
            }
        });
        let media_app = server::media_router(sim.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(media, media_app).await {
                tracing::error!(error = %e, "sim media host stopped");
            }
        });
        tracing::info!(base_url = %sim.base_url(), "sim listening");
        Ok(sim)
    }

    /// `http://127.0.0.1:PORT`, no trailing slash: the base for both Twilio and ElevenLabs.
    pub fn base_url(&self) -> String {
        self.inner.base_url.clone()
    }

    /// The media host's base URL (recordings' media are redirected there).
    pub fn media_url(&self) -> String {
        self.inner.media_url.clone()
    }

    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    // Twilio: phones, calls, messages.

    /// How `number` behaves when called; numbers not set behave as [`Behaviour::NoAnswer`].
    pub fn set_phone(&self, number: &str, behaviour: Behaviour) {
        self.inner
            .twilio
            .calls()
            .phones
            .insert(number.to_string(), behaviour);
    }

    /// Call recording: every recording made, in order (deleted ones marked).
    pub fn recordings(&self) -> Vec<RecordingInfo> {
        self.inner.twilio.calls().recordings.clone()
    }

    /// Every call, in creation order.
    pub fn calls(&self) -> Vec<CallRecord> {
        self.inner
            .twilio
            .calls()
            .calls
            .iter()
            .map(|c| c.record.clone())
            .collect()
    }

    pub fn calls_to(&self, number: &str) -> Vec<CallRecord> {
        self.inner
            .twilio
            .calls()
            .calls
            .iter()
            .filter(|c| c.record.to == number)
            .map(|c| c.record.clone())
            .collect()
    }

    /// One call by sid.
    pub fn call(&self, sid: &str) -> Option<CallRecord> {
        self.inner
            .twilio
            .calls()
            .call_mut(sid)
            .map(|c| c.record.clone())
    }

    /// Calls not yet ended.
    /// Calls in progress as Twilio counts them (not yet completed, busy, failed…), whether or
    /// not their final status callback has been answered yet.
    pub fn calls_in_progress(&self) -> usize {
        self.inner
            .twilio
            .calls()
            .calls
            .iter()
            .filter(|c| !record::is_final_status(&c.api_status))
            .count()
    }

    pub fn live_calls(&self) -> usize {
        self.inner
            .twilio
            .calls()
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
        self.inner.twilio.calls().messages.clone()
    }

    // Twilio: faults.

    /// How status callbacks are delivered from now on.
    pub fn set_callback_delivery(&self, delivery: CallbackDelivery) {
        self.inner.twilio.faults().callback_delivery = delivery;
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
        self.inner
            .twilio
            .faults()
            .rest_failures
            .extend(std::iter::repeat_n((op, refusal), count));
    }

    /// The next `count` create-call requests place their call but answer `after` later (past
    /// the client's timeout: it cannot tell whether the call exists; Twilio's list finds it).
    pub fn answer_next_create_call_late(&self, after: std::time::Duration, count: usize) {
        self.inner
            .twilio
            .faults()
            .late_create_answers
            .extend(std::iter::repeat_n(after, count));
    }

    /// From now on every REST request is refused with `refusal` (e.g. the auth token was
    /// rotated, the account suspended); `None` makes the account work again.
    pub fn refuse_account(&self, refusal: Option<Refusal>) {
        self.inner.twilio.faults().account_refusal = refusal;
    }

    /// Every refusal served so far (what was asked and how it was refused).
    pub fn refusals(&self) -> Vec<(RestOp, Refusal)> {
        self.inner.twilio.faults().refused.clone()
    }

    /// Twilio refuses every SMS to `number` with `refusal` (e.g. [`Refusal::OPTED_OUT`]).
    pub fn refuse_sms_to(&self, number: &str, refusal: Refusal) {
        self.inner
            .twilio
            .faults()
            .sms_refusals
            .insert(number.to_string(), refusal);
    }

    // ElevenLabs.

    /// Characters of text received by ElevenLabs (successful or not).
    pub fn tts_characters(&self) -> u64 {
        self.inner.elevenlabs.characters()
    }

    pub fn tts_requests(&self) -> u64 {
        self.inner.elevenlabs.requests()
    }

    /// Every text-to-speech request so far (voice, model, language code, text, the words
    /// around it), in order.
    pub fn tts_log(&self) -> Vec<TtsRequest> {
        self.inner.elevenlabs.log()
    }

    /// While Some, every TTS request fails that way.
    pub fn set_tts_failure(&self, failure: Option<TtsFailure>) {
        self.inner.elevenlabs.set_failure(failure);
    }

    /// The text a µ-law payload generated by this sim says (headerless bytes, or a WAV file
    /// wrapping them).
    pub fn text_for_audio(&self, ulaw: &[u8]) -> Option<String> {
        self.inner.elevenlabs.lookup(ulaw)
    }
}
