//! One call's life as Twilio lives it: queued → ringing → answered (or busy, failed, no answer,
//! canceled), answering machine detection, the first document (with Twilio's fallback), then the
//! conversation (run by `twiml`), the duration and the final status. Status callbacks are in
//! `callbacks`, signed requests to our server in `webhook`.

mod callbacks;
mod recording;
mod webhook;

use std::sync::Arc;
use std::time::SystemTime;

use callout_core::mask;
use tokio::sync::Notify;

use crate::state::Inner;
use crate::state::Update;
use crate::twiml::{Doc, Interpreter};
use crate::wire::{form_get, Params};
use crate::{Behaviour, CallEvent};

use callbacks::Held;

/// Place the call `sid` (already created through the REST API) and live it to its end.
pub async fn run(sim: Arc<Inner>, sid: String, behaviour: Behaviour, form: Params) {
    let mut call = Call::new(sim, sid, behaviour, form);
    call.run().await;
}

/// A phone rings the product's number (call `sid`, already listed; `form` names `From`, `To`
/// and the number's voice `Url`): Twilio asks the `Url` what to do (CallStatus `ringing`,
/// Direction `inbound`) and follows the TwiML to the end.
pub async fn run_inbound(sim: Arc<Inner>, sid: String, behaviour: Behaviour, form: Params) {
    let mut call = Call::new(sim, sid, behaviour, form);
    call.inbound = true;
    call.answered = true;
    call.transition("in-progress");
    call.push(CallEvent::Answered { by: "human".into() });
    call.seconds = call.converse().await;
    call.finish("completed").await;
}

struct Call {
    /// The simulator's shared state (never its HTTP server).
    sim: Arc<Inner>,
    sid: String,
    to: String,
    from: String,
    behaviour: Behaviour,
    form: Params,
    notify: Arc<Notify>,
    status_events: Vec<String>,
    sequence: u32,
    /// Status callbacks held back by `CallbackDelivery::DuplicatedAndReordered`.
    held: Vec<Held>,
    seconds: f64,
    answered: bool,
    answered_by: Option<String>,
    /// A call to the product's number (`run_inbound`), not one it placed.
    inbound: bool,
    /// Documents fetched so far (the first of an inbound call is asked while it rings).
    fetched: std::sync::atomic::AtomicU32,
}

impl Call {
    fn new(sim: Arc<Inner>, sid: String, behaviour: Behaviour, form: Params) -> Call {
        let notify = sim
            .twilio
            .calls()
            .call_mut(&sid)
            .map(|c| c.notify.clone())
            .unwrap_or_default();
        let mut status_events: Vec<String> = form
            .iter()
            .filter(|(k, _)| k == "StatusCallbackEvent")
            .flat_map(|(_, v)| v.split([' ', ',']).map(str::trim).map(str::to_lowercase))
            .filter(|v| !v.is_empty())
            .collect();
        if status_events.is_empty() {
            status_events.push("completed".into());
        }
        Call {
            to: form_get(&form, "To").unwrap_or_default().to_string(),
            from: form_get(&form, "From").unwrap_or_default().to_string(),
            sim,
            sid,
            behaviour,
            form,
            notify,
            status_events,
            sequence: 0,
            held: Vec::new(),
            seconds: 0.0,
            answered: false,
            answered_by: None,
            inbound: false,
            fetched: std::sync::atomic::AtomicU32::new(0),
        }
    }

    /// Twilio's `Direction` for this call.
    fn direction(&self) -> &'static str {
        if self.inbound {
            "inbound"
        } else {
            "outbound-api"
        }
    }

    fn param(&self, key: &str) -> Option<String> {
        form_get(&self.form, key).map(str::to_string)
    }

    fn push(&self, event: CallEvent) {
        self.sim.twilio.push(&self.sid, event);
    }

    async fn step(&self) {
        tokio::time::sleep(self.sim.config.step_delay).await;
    }

    /// Move to `status` unless a cancel is pending (then false).
    fn transition(&self, status: &str) -> bool {
        let mut st = self.sim.twilio.calls();
        let Some(c) = st.call_mut(&self.sid) else {
            return false;
        };
        if matches!(c.pending, Some(Update::Cancel)) {
            c.pending = None;
            return false;
        }
        c.api_status = status.to_string();
        c.record.status = status.to_string();
        c.date_updated = SystemTime::now();
        if status == "in-progress" {
            c.start_time = Some(SystemTime::now());
            c.record.answered_by = self.answered_by.clone();
        }
        true
    }

    fn cancelled(&self) -> bool {
        let mut st = self.sim.twilio.calls();
        match st.call_mut(&self.sid) {
            Some(c) if matches!(c.pending, Some(Update::Cancel)) => {
                c.pending = None;
                true
            }
            _ => false,
        }
    }

    async fn run(&mut self) {
        let final_status = self.progress().await;
        self.finish(final_status).await;
    }

    /// Everything up to the final status.
    async fn progress(&mut self) -> &'static str {
        self.step().await;
        if self.cancelled() {
            return "canceled";
        }
        self.status_callback("initiated", "initiated").await;
        self.step().await;
        match self.behaviour {
            Behaviour::Busy | Behaviour::Fail if self.cancelled() => return "canceled",
            Behaviour::Busy => return "busy",
            Behaviour::Fail => return "failed",
            _ => {}
        }
        if !self.transition("ringing") {
            return "canceled";
        }
        self.push(CallEvent::Ringing);
        self.status_callback("ringing", "ringing").await;
        self.step().await;
        if self.behaviour == Behaviour::NoAnswer {
            return if self.cancelled() {
                "canceled"
            } else {
                "no-answer"
            };
        }
        let by = if self.behaviour == Behaviour::Voicemail {
            "machine_end_beep"
        } else {
            "human"
        };
        let amd = self.param("MachineDetection").is_some()
            || self.param("AsyncAmd").as_deref() == Some("true");
        if amd {
            self.answered_by = Some(by.to_string());
        }
        if !self.transition("in-progress") {
            return "canceled";
        }
        self.answered = true;
        self.push(CallEvent::Answered { by: by.into() });
        self.status_callback("answered", "in-progress").await;
        self.seconds = self.converse().await;
        "completed"
    }

    async fn finish(&mut self, status: &str) {
        let duration = if self.answered {
            (self.seconds.ceil() as u32).max(1)
        } else {
            0
        };
        {
            let mut st = self.sim.twilio.calls();
            if let Some(c) = st.call_mut(&self.sid) {
                c.api_status = status.to_string();
                c.record.duration_secs = duration;
                c.end_time = Some(SystemTime::now());
                c.record.ended_at = c.end_time;
                c.date_updated = SystemTime::now();
            }
        }
        self.status_callback("completed", status).await;
        // Call recording: once the call is over, the recording and its callback.
        self.recording_done(duration).await;
        {
            let mut st = self.sim.twilio.calls();
            if let Some(c) = st.call_mut(&self.sid) {
                c.record.status = status.to_string();
                c.pending = None;
            }
        }
        tracing::info!(call_sid = %self.sid, to = %mask::phone(&self.to), status, duration, "call ended");
    }

    /// From answer to hang-up; the seconds the conversation took.
    async fn converse(&self) -> f64 {
        let mut twiml = Interpreter::new(self, self.behaviour.clone());
        let Some(first) = self.first_document().await else {
            twiml.application_error();
            return twiml.seconds;
        };
        if self.param("AsyncAmd").as_deref() == Some("true") {
            if let Some(cb) = self.param("AsyncAmdStatusCallback") {
                self.amd_callback(&cb).await;
            }
        }
        twiml.run(first).await;
        twiml.seconds
    }

    /// The call's `Twiml`, or the document its `Url` (else its `FallbackUrl`) answers.
    async fn first_document(&self) -> Option<Doc> {
        let url = self.param("Url");
        if let Some(twiml) = self.param("Twiml") {
            return Some(Doc {
                text: twiml,
                url: url.unwrap_or_else(|| format!("{}/", self.sim.base_url)),
            });
        }
        let url = url.unwrap_or_default();
        let method = self.param("Method").unwrap_or_else(|| "POST".into());
        let async_amd = self.param("AsyncAmd").as_deref() == Some("true");
        let mut extra = Vec::new();
        if self.param("MachineDetection").is_some() && !async_amd {
            if let Some(by) = &self.answered_by {
                extra.push(("AnsweredBy".to_string(), by.clone()));
            }
        }
        if let Some(d) = self.fetch_doc(&url, &method, extra.clone()).await {
            return Some(d);
        }
        // As Twilio does: when the call's Url fails (a 5xx, a timeout, no TwiML), the call's
        // FallbackUrl is asked once, with ErrorCode and ErrorUrl added.
        let fallback = self.param("FallbackUrl")?;
        let method = self
            .param("FallbackMethod")
            .unwrap_or_else(|| "POST".into());
        extra.push(("ErrorCode".into(), "11200".into()));
        extra.push(("ErrorUrl".into(), url.clone()));
        self.fetch_doc(&fallback, &method, extra).await
    }
}
