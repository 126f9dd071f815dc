//! One call's life: progress and status callbacks, answering, AMD, and the TwiML interpreter that
//! plays the simulated phone's behaviour against our server's documents.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use callout_core::mask;
use callout_core::signature::sign;
use callout_core::wav::parse_ulaw;
use tokio::sync::Notify;

use crate::server::{form_get, rfc2822};
use crate::{tts, Behaviour, CallEvent, CallbackDelivery, HangupBy, Sim, Update, Via};

/// Spoken when our server's answer cannot be used.
pub const APPLICATION_ERROR: &str = "An application error has occurred";
/// Documents one call may run through before the sim gives up (redirect loops).
const MAX_DOCUMENTS: u32 = 20;
/// How long a [`Behaviour::HoldUntilEnded`] phone waits at a Gather.
const HOLD_LIMIT: Duration = Duration::from_secs(20);
/// Say speed, characters per second.
const SAY_CHARS_PER_SEC: f64 = 15.0;

/// A status callback ready to send.
struct Held {
    url: String,
    method: String,
    params: Vec<(String, String)>,
    status: String,
    sequence: u32,
}

pub async fn run(sim: Sim, sid: String, behaviour: Behaviour, form: Vec<(String, String)>) {
    let mut call = Call::new(sim, sid, behaviour, form);
    call.run().await;
}

/// A TwiML verb, owned (parsed from the document up front).
#[derive(Clone, Debug)]
enum Verb {
    Say(String),
    Play(String),
    Pause(u32),
    Gather {
        timeout: u32,
        action: Option<String>,
        method: String,
        children: Vec<Verb>,
    },
    Redirect {
        url: String,
        method: String,
    },
    Hangup,
}

/// A TwiML document and the URL it came from (for relative URLs and default actions).
#[derive(Clone, Debug)]
struct Doc {
    text: String,
    url: String,
}

/// What happens after a verb.
enum Flow {
    Continue,
    Document(Doc),
    End,
}

struct Reply {
    status: u16,
    content_type: String,
    body: bytes::Bytes,
}

struct Call {
    sim: Sim,
    sid: String,
    to: String,
    from: String,
    behaviour: Behaviour,
    form: Vec<(String, String)>,
    notify: Arc<Notify>,
    status_events: Vec<String>,
    sequence: u32,
    /// Status callbacks held back by `CallbackDelivery::DuplicatedAndReordered`.
    held: Vec<Held>,
    seconds: f64,
    gathers: u32,
    documents: u32,
    answered: bool,
    answered_by: Option<String>,
}

impl Call {
    fn new(sim: Sim, sid: String, behaviour: Behaviour, form: Vec<(String, String)>) -> Call {
        let notify = sim
            .inner
            .state()
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
            gathers: 0,
            documents: 0,
            answered: false,
            answered_by: None,
        }
    }

    fn param(&self, key: &str) -> Option<String> {
        form_get(&self.form, key).map(str::to_string)
    }

    fn push(&self, event: CallEvent) {
        self.sim.inner.push(&self.sid, event);
    }

    async fn step(&self) {
        tokio::time::sleep(self.sim.inner.config.step_delay).await;
    }

    /// Move to `status` unless a cancel is pending (then false).
    fn transition(&self, status: &str) -> bool {
        let mut st = self.sim.inner.state();
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
        let mut st = self.sim.inner.state();
        match st.call_mut(&self.sid) {
            Some(c) if matches!(c.pending, Some(Update::Cancel)) => {
                c.pending = None;
                true
            }
            _ => false,
        }
    }

    fn take_pending(&self) -> Option<Update> {
        self.sim
            .inner
            .state()
            .call_mut(&self.sid)
            .and_then(|c| c.pending.take())
    }

    fn has_pending(&self) -> bool {
        self.sim
            .inner
            .state()
            .call_mut(&self.sid)
            .is_some_and(|c| c.pending.is_some())
    }

    fn common(&self, status: &str) -> Vec<(String, String)> {
        [
            ("CallSid", self.sid.as_str()),
            ("AccountSid", self.sim.inner.config.account_sid.as_str()),
            ("From", self.from.as_str()),
            ("To", self.to.as_str()),
            ("CallStatus", status),
            ("Direction", "outbound-api"),
            ("ApiVersion", "2010-04-01"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
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
        self.converse().await;
        "completed"
    }

    async fn finish(&mut self, status: &str) {
        let duration = if self.answered {
            (self.seconds.ceil() as u32).max(1)
        } else {
            0
        };
        {
            let mut st = self.sim.inner.state();
            if let Some(c) = st.call_mut(&self.sid) {
                c.api_status = status.to_string();
                c.record.duration_secs = duration;
                c.end_time = Some(SystemTime::now());
                c.date_updated = SystemTime::now();
            }
        }
        self.status_callback("completed", status).await;
        {
            let mut st = self.sim.inner.state();
            if let Some(c) = st.call_mut(&self.sid) {
                c.record.status = status.to_string();
                c.pending = None;
            }
        }
        tracing::info!(call_sid = %self.sid, to = %mask::phone(&self.to), status, duration, "call ended");
    }

    /// Send one status callback if `event` was asked for, as the delivery mode says.
    async fn status_callback(&mut self, event: &str, status: &str) {
        let Some(url) = self.param("StatusCallback") else {
            return;
        };
        if !self.status_events.iter().any(|e| e == event) {
            return;
        }
        let method = self
            .param("StatusCallbackMethod")
            .unwrap_or_else(|| "POST".into())
            .to_uppercase();
        let sequence = self.sequence;
        self.sequence += 1;
        let mut params = self.common(status);
        params.push(("SequenceNumber".into(), sequence.to_string()));
        params.push(("Timestamp".into(), rfc2822(SystemTime::now())));
        params.push(("CallbackSource".into(), "call-progress-events".into()));
        if let Some(by) = &self.answered_by {
            params.push(("AnsweredBy".into(), by.clone()));
        }
        if event == "completed" {
            let d = self
                .sim
                .inner
                .state()
                .call_mut(&self.sid)
                .map(|c| c.record.duration_secs)
                .unwrap_or(0);
            params.push(("CallDuration".into(), d.to_string()));
            params.push(("Duration".into(), d.to_string()));
        }
        let delivery = self
            .sim
            .inner
            .callback_delivery
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let callback = Held {
            url,
            method,
            params,
            status: status.to_string(),
            sequence,
        };
        match (delivery, event == "completed") {
            (CallbackDelivery::Normal, _) => self.send_status(&callback).await,
            (CallbackDelivery::DropFinal, true) => {
                self.push(CallEvent::CallbackDropped(callback.status));
            }
            (CallbackDelivery::DropFinal, false) => self.send_status(&callback).await,
            (CallbackDelivery::DuplicatedAndReordered, false) => self.held.push(callback),
            (CallbackDelivery::DuplicatedAndReordered, true) => {
                let held = std::mem::take(&mut self.held);
                self.send_status(&callback).await;
                for h in held.iter().rev() {
                    self.send_status(h).await;
                }
                self.send_status(&callback).await;
                for h in &held {
                    self.send_status(h).await;
                }
            }
        }
    }

    async fn send_status(&mut self, cb: &Held) {
        let http_status = match self.request(&cb.method, &cb.url, cb.params.clone()).await {
            Ok(r) => {
                if r.status >= 400 {
                    self.push(CallEvent::WebhookError {
                        url: cb.url.clone(),
                        detail: format!("status callback answered HTTP {}", r.status),
                    });
                }
                r.status
            }
            Err(e) => {
                self.push(CallEvent::WebhookError {
                    url: cb.url.clone(),
                    detail: format!("status callback failed: {e}"),
                });
                0
            }
        };
        self.push(CallEvent::StatusCallback {
            status: cb.status.clone(),
            sequence: cb.sequence,
            http_status,
        });
    }

    /// A signed request to our server. GET puts `params` in the query string.
    async fn request(
        &self,
        method: &str,
        url: &str,
        params: Vec<(String, String)>,
    ) -> Result<Reply, String> {
        let token = &self.sim.inner.config.auth_token;
        let http = &self.sim.inner.http;
        let req = if method == "GET" {
            let full = if params.is_empty() {
                url.to_string()
            } else {
                let query = serde_urlencoded::to_string(&params).map_err(|e| e.to_string())?;
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}{query}")
            };
            let signature = sign(token, &full, &[]);
            http.get(&full).header("X-Twilio-Signature", signature)
        } else {
            let body = serde_urlencoded::to_string(&params).map_err(|e| e.to_string())?;
            let signature = sign(token, url, &params);
            http.post(url)
                .header("X-Twilio-Signature", signature)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
        };
        let resp = req
            .header("User-Agent", "TwilioProxy/1.1")
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = resp
            .bytes()
            .await
            .map_err(|e| format!("reading the body failed: {e}"))?;
        Ok(Reply {
            status,
            content_type,
            body,
        })
    }

    /// Fetch a TwiML document; on failure records WebhookError and returns None.
    async fn fetch_doc(
        &self,
        url: &str,
        method: &str,
        extra: Vec<(String, String)>,
    ) -> Option<Doc> {
        let mut params = self.common("in-progress");
        params.extend(extra);
        let method = method.to_uppercase();
        let method = if method == "GET" { "GET" } else { "POST" };
        let detail = match self.request(method, url, params).await {
            Ok(r) if r.status == 200 => match String::from_utf8(r.body.to_vec()) {
                Ok(text) => {
                    return Some(Doc {
                        text,
                        url: url.to_string(),
                    })
                }
                Err(_) => "the response is not UTF-8".to_string(),
            },
            Ok(r) => format!("HTTP {} ({})", r.status, snippet(&r.body)),
            Err(e) => e,
        };
        tracing::warn!(call_sid = %self.sid, url, detail, "webhook failed");
        self.push(CallEvent::WebhookError {
            url: url.to_string(),
            detail,
        });
        None
    }

    /// Fetch the next document (Redirect, Gather action, REST Url update).
    async fn next_document(
        &mut self,
        url: &str,
        method: &str,
        extra: Vec<(String, String)>,
    ) -> Flow {
        if self.documents >= MAX_DOCUMENTS {
            self.push(CallEvent::WebhookError {
                url: url.to_string(),
                detail: format!(
                    "more than {MAX_DOCUMENTS} TwiML documents in one call (redirect loop?)"
                ),
            });
            self.application_error();
            return Flow::End;
        }
        match self.fetch_doc(url, method, extra).await {
            Some(d) => Flow::Document(d),
            None => {
                self.application_error();
                Flow::End
            }
        }
    }

    fn application_error(&mut self) {
        self.say(APPLICATION_ERROR, false);
        self.push(CallEvent::HungUp(HangupBy::Error));
    }

    /// From answer to hang-up.
    async fn converse(&mut self) {
        let url = self.param("Url");
        let first = if let Some(twiml) = self.param("Twiml") {
            Doc {
                text: twiml,
                url: url.unwrap_or_else(|| self.sim.base_url() + "/"),
            }
        } else {
            let url = url.unwrap_or_default();
            let method = self.param("Method").unwrap_or_else(|| "POST".into());
            let async_amd = self.param("AsyncAmd").as_deref() == Some("true");
            let mut extra = Vec::new();
            if self.param("MachineDetection").is_some() && !async_amd {
                if let Some(by) = &self.answered_by {
                    extra.push(("AnsweredBy".to_string(), by.clone()));
                }
            }
            match self.fetch_doc(&url, &method, extra.clone()).await {
                Some(d) => d,
                // As Twilio does: when the call's Url fails (a 5xx, a timeout, no TwiML), the
                // call's FallbackUrl is asked once, with ErrorCode and ErrorUrl added.
                None => match self.param("FallbackUrl") {
                    Some(fallback) => {
                        let method = self
                            .param("FallbackMethod")
                            .unwrap_or_else(|| "POST".into());
                        let mut extra = extra;
                        extra.push(("ErrorCode".into(), "11200".into()));
                        extra.push(("ErrorUrl".into(), url.clone()));
                        match self.fetch_doc(&fallback, &method, extra).await {
                            Some(d) => d,
                            None => return self.application_error(),
                        }
                    }
                    None => return self.application_error(),
                },
            }
        };
        if self.param("AsyncAmd").as_deref() == Some("true") {
            if let Some(cb) = self.param("AsyncAmdStatusCallback") {
                self.amd_callback(&cb).await;
            }
        }
        self.execute(first).await;
    }

    async fn amd_callback(&mut self, url: &str) {
        let by = self.answered_by.clone().unwrap_or_else(|| "human".into());
        let method = self
            .param("AsyncAmdStatusCallbackMethod")
            .unwrap_or_else(|| "POST".into())
            .to_uppercase();
        let params: Vec<(String, String)> = [
            ("CallSid", self.sid.as_str()),
            ("AccountSid", self.sim.inner.config.account_sid.as_str()),
            ("AnsweredBy", by.as_str()),
            ("MachineDetectionDuration", "2100"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let http_status = match self.request(&method, url, params).await {
            Ok(r) => r.status,
            Err(e) => {
                self.push(CallEvent::WebhookError {
                    url: url.to_string(),
                    detail: format!("AMD callback failed: {e}"),
                });
                0
            }
        };
        self.push(CallEvent::AmdCallback {
            answered_by: by,
            http_status,
        });
    }

    /// Run documents until the call hangs up.
    async fn execute(&mut self, first: Doc) {
        let mut current = first;
        'docs: loop {
            self.documents += 1;
            let verbs = match parse_twiml(&current.text) {
                Ok(v) => v,
                Err(detail) => {
                    self.push(CallEvent::WebhookError {
                        url: current.url.clone(),
                        detail: format!("{detail} ({})", snippet(current.text.as_bytes())),
                    });
                    return self.application_error();
                }
            };
            for verb in verbs {
                let flow = match self.apply_pending(&current).await {
                    Some(flow) => flow,
                    None => self.verb(verb, &current).await,
                };
                match flow {
                    Flow::Continue => {}
                    Flow::Document(d) => {
                        current = d;
                        continue 'docs;
                    }
                    Flow::End => return,
                }
            }
            // A pending update still applies at the end of a document.
            match self.apply_pending(&current).await {
                Some(Flow::Document(d)) => {
                    current = d;
                    continue 'docs;
                }
                Some(_) => return,
                None => {}
            }
            self.push(CallEvent::HungUp(HangupBy::Twiml));
            return;
        }
    }

    /// A REST update waiting to be applied at this verb boundary.
    async fn apply_pending(&mut self, current: &Doc) -> Option<Flow> {
        Some(match self.take_pending()? {
            Update::Complete | Update::Cancel => {
                self.push(CallEvent::HungUp(HangupBy::Api));
                Flow::End
            }
            Update::Twiml(text) => Flow::Document(Doc {
                text,
                url: current.url.clone(),
            }),
            Update::Url { url, method } => {
                let url = resolve(&current.url, &url);
                self.next_document(&url, &method, Vec::new()).await
            }
        })
    }

    async fn verb(&mut self, verb: Verb, current: &Doc) -> Flow {
        match verb {
            Verb::Say(text) => {
                self.say(&text, false);
                Flow::Continue
            }
            Verb::Play(url) => {
                let url = resolve(&current.url, &url);
                self.play(&url, false).await;
                Flow::Continue
            }
            Verb::Pause(n) => {
                self.pause(n);
                Flow::Continue
            }
            Verb::Hangup => {
                self.push(CallEvent::HungUp(HangupBy::Twiml));
                Flow::End
            }
            Verb::Redirect { url, method } => {
                let url = resolve(&current.url, &url);
                self.push(CallEvent::Redirected(url.clone()));
                self.next_document(&url, &method, Vec::new()).await
            }
            Verb::Gather {
                timeout,
                action,
                method,
                children,
            } => {
                self.gather(timeout, action, method, children, current)
                    .await
            }
        }
    }

    fn say(&mut self, text: &str, interrupted: bool) {
        let text = if interrupted {
            first_half(text)
        } else {
            text.to_string()
        };
        self.seconds += text.chars().count() as f64 / SAY_CHARS_PER_SEC;
        self.push(CallEvent::Heard {
            text,
            via: Via::Say,
            interrupted,
        });
    }

    fn pause(&mut self, n: u32) {
        self.seconds += n as f64;
        self.push(CallEvent::Paused(n));
    }

    /// Fetch and "hear" audio; false (with an AudioError) when it cannot be played.
    async fn play(&mut self, url: &str, interrupted: bool) -> bool {
        let reply = match self.request("GET", url, Vec::new()).await {
            Ok(r) => r,
            Err(e) => return self.audio_error(url, e),
        };
        if reply.status != 200 {
            return self.audio_error(url, format!("HTTP {}", reply.status));
        }
        let mime = reply
            .content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if mime != "audio/wav" && mime != "audio/x-wav" {
            return self.audio_error(
                url,
                format!(
                    "Content-Type {:?}, expected audio/wav or audio/x-wav",
                    reply.content_type
                ),
            );
        }
        let wav = match parse_ulaw(&reply.body) {
            Ok(w) => w,
            Err(e) => return self.audio_error(url, format!("not a playable µ-law WAV: {e}")),
        };
        let full = tts::lookup(&self.sim.inner, &wav.data)
            .unwrap_or_else(|| "[unrecognised audio]".to_string());
        let mut seconds = wav.duration_secs();
        let text = if interrupted {
            seconds /= 2.0;
            first_half(&full)
        } else {
            full
        };
        self.seconds += seconds;
        self.push(CallEvent::Heard {
            text,
            via: Via::Play {
                url: url.to_string(),
                seconds,
            },
            interrupted,
        });
        true
    }

    fn audio_error(&self, url: &str, detail: String) -> bool {
        tracing::warn!(call_sid = %self.sid, url, detail, "audio could not be played");
        self.push(CallEvent::AudioError(format!("{url}: {detail}")));
        false
    }

    /// The key this phone presses at the `index`th Gather, and whether during the message.
    fn planned_key(&self, index: u32) -> Option<(char, bool)> {
        match self.behaviour {
            Behaviour::Accept => Some(('1', false)),
            Behaviour::Decline => Some(('2', false)),
            Behaviour::WrongKeyThen(c) => Some((if index == 0 { '9' } else { c }, false)),
            Behaviour::PressDuringMessage(c) => Some((c, index == 0)),
            Behaviour::Silent
            | Behaviour::Voicemail
            | Behaviour::HoldUntilEnded
            | Behaviour::NoAnswer
            | Behaviour::Busy
            | Behaviour::Fail => None,
        }
    }

    async fn gather(
        &mut self,
        timeout: u32,
        action: Option<String>,
        method: String,
        children: Vec<Verb>,
        current: &Doc,
    ) -> Flow {
        let index = self.gathers;
        self.gathers += 1;
        let planned = self.planned_key(index);
        let barge = planned.is_some_and(|(_, during)| during);
        for child in children {
            if let Some(flow) = self.apply_pending(current).await {
                return flow;
            }
            match child {
                Verb::Say(text) => {
                    self.say(&text, barge);
                    if barge {
                        break;
                    }
                }
                Verb::Play(url) => {
                    let url = resolve(&current.url, &url);
                    if self.play(&url, barge).await && barge {
                        break;
                    }
                }
                Verb::Pause(n) => self.pause(n),
                _ => {}
            }
        }
        // Whether or not it was pressed mid-message, the planned key is sent now.
        let mut key = planned.map(|(c, _)| c);
        if key.is_none() && self.behaviour == Behaviour::HoldUntilEnded {
            let started = tokio::time::Instant::now();
            let deadline = started + HOLD_LIMIT;
            while !self.has_pending() {
                let now = tokio::time::Instant::now();
                if now >= deadline {
                    break;
                }
                let _ = tokio::time::timeout(deadline - now, self.notify.notified()).await;
            }
            self.seconds += started.elapsed().as_secs_f64();
            if let Some(flow) = self.apply_pending(current).await {
                return flow;
            }
            key = None;
        }
        let Some(key) = key else {
            self.seconds += timeout as f64;
            self.push(CallEvent::GatherTimedOut);
            return Flow::Continue;
        };
        self.seconds += 1.0;
        self.push(CallEvent::Pressed(key));
        let action = resolve(&current.url, action.as_deref().unwrap_or(&current.url));
        let extra = vec![
            ("Digits".to_string(), key.to_string()),
            ("FinishedOnKey".to_string(), String::new()),
        ];
        self.next_document(&action, &method, extra).await
    }
}

fn first_half(text: &str) -> String {
    let n = text.chars().count();
    text.chars().take(n / 2).collect()
}

fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let s: String = s.chars().take(120).collect();
    s.replace('\n', " ")
}

/// Resolve `target` against the document URL `base`, as a browser would.
fn resolve(base: &str, target: &str) -> String {
    let target = target.trim();
    match reqwest::Url::parse(base).and_then(|b| b.join(target)) {
        Ok(u) => u.to_string(),
        Err(_) => target.to_string(),
    }
}

fn element_text(node: roxmltree::Node) -> String {
    node.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<String>()
        .trim()
        .to_string()
}

fn parse_twiml(xml: &str) -> Result<Vec<Verb>, String> {
    let doc = roxmltree::Document::parse(xml.trim_start_matches('\u{feff}').trim())
        .map_err(|e| format!("invalid TwiML: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "Response" {
        return Err(format!(
            "invalid TwiML: the root element is <{}>, expected <Response>",
            root.tag_name().name()
        ));
    }
    root.children()
        .filter(|n| n.is_element())
        .map(|n| parse_verb(n, false))
        .collect()
}

fn parse_verb(node: roxmltree::Node, nested: bool) -> Result<Verb, String> {
    let name = node.tag_name().name();
    let attr_u32 = |attr: &str, default: u32| -> Result<u32, String> {
        match node.attribute(attr) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| format!("invalid TwiML: <{name} {attr}={v:?}>")),
        }
    };
    let method = || {
        node.attribute("method")
            .unwrap_or("POST")
            .trim()
            .to_uppercase()
    };
    let verb = match name {
        "Say" => Verb::Say(element_text(node)),
        "Play" => {
            let url = element_text(node);
            if url.is_empty() {
                return Err("invalid TwiML: <Play> without a URL".into());
            }
            Verb::Play(url)
        }
        "Pause" => Verb::Pause(attr_u32("length", 1)?),
        "Gather" if !nested => {
            let children = node
                .children()
                .filter(|n| n.is_element())
                .map(|n| match n.tag_name().name() {
                    "Say" | "Play" | "Pause" => parse_verb(n, true),
                    other => Err(format!(
                        "invalid TwiML: <{other}> is not allowed inside <Gather>"
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Verb::Gather {
                timeout: attr_u32("timeout", 5)?,
                action: node.attribute("action").map(str::to_string),
                method: method(),
                children,
            }
        }
        "Redirect" if !nested => {
            let url = element_text(node);
            if url.is_empty() {
                return Err("invalid TwiML: <Redirect> without a URL".into());
            }
            Verb::Redirect {
                url,
                method: method(),
            }
        }
        "Hangup" if !nested => Verb::Hangup,
        other => return Err(format!("invalid TwiML: unsupported verb <{other}>")),
    };
    Ok(verb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_verbs_we_use() {
        let v = parse_twiml(
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Gather numDigits="1" timeout="7" action="/k"><Say>Hi</Say><Play>a.wav</Play><Pause length="2"/></Gather><Redirect method="GET">/t</Redirect><Hangup/></Response>"#,
        )
        .unwrap();
        assert_eq!(v.len(), 3);
        match &v[0] {
            Verb::Gather {
                timeout,
                action,
                method,
                children,
            } => {
                assert_eq!(*timeout, 7);
                assert_eq!(action.as_deref(), Some("/k"));
                assert_eq!(method, "POST");
                assert_eq!(children.len(), 3);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&v[1], Verb::Redirect { method, .. } if method == "GET"));
        assert!(parse_twiml("<response/>").is_err());
        assert!(parse_twiml("<Response><say>x</say></Response>").is_err());
        assert!(parse_twiml("not xml").is_err());
        assert!(parse_twiml("<Response><Gather><Hangup/></Gather></Response>").is_err());
    }

    #[test]
    fn resolves_relative_urls() {
        assert_eq!(resolve("http://h:1/a/b?x=1", "/k?y=2"), "http://h:1/k?y=2");
        assert_eq!(resolve("http://h:1/a/b", "c"), "http://h:1/a/c");
        assert_eq!(resolve("http://h:1/a/b", "http://o/z"), "http://o/z");
    }

    #[test]
    fn half_of_a_message() {
        assert_eq!(first_half("abcdef"), "abc");
        assert_eq!(first_half(""), "");
    }
}
