//! The TwiML interpreter: runs a call's documents verb by verb as Twilio does, playing the
//! phone's behaviour against them (listening, pressing a key, staying silent, holding), applying
//! REST updates at verb boundaries and fetching the next document on a Redirect or a key. It owns
//! the call's conversation time; the network is behind [`Line`].

use std::time::Duration;

use super::{first_half, parse, resolve, snippet, Doc, Verb};
use crate::state::Update;
use crate::wire::Params;
use crate::{Behaviour, CallEvent, HangupBy, Via};

/// Spoken when our server's answer cannot be used.
pub(crate) const APPLICATION_ERROR: &str = "An application error has occurred";
/// Documents one call may run through before the sim gives up (redirect loops).
const MAX_DOCUMENTS: u32 = 20;
/// How long a [`Behaviour::HoldUntilEnded`] phone waits at a Gather.
const HOLD_LIMIT: Duration = Duration::from_secs(20);
/// Say speed, characters per second.
const SAY_CHARS_PER_SEC: f64 = 15.0;

/// What the interpreter needs from the call it runs in.
pub(crate) trait Line {
    /// Append to the call's record.
    fn push(&self, event: CallEvent);
    /// Fetch a TwiML document (the call's parameters and `extra`); None once the failure has been
    /// recorded.
    async fn document(&self, url: &str, method: &str, extra: Params) -> Option<Doc>;
    /// Fetch and recognise audio: the text it says and its length in seconds, or why it cannot be
    /// played.
    async fn audio(&self, url: &str) -> Result<(String, f64), String>;
    /// The REST update waiting to be applied, taken.
    fn take_update(&self) -> Option<Update>;
    /// Wait until a REST update is waiting, or `limit` has passed.
    async fn wait_for_update(&self, limit: Duration);
}

/// What happens after a verb.
enum Flow {
    Continue,
    Document(Doc),
    End,
}

pub(crate) struct Interpreter<'a, L: Line> {
    line: &'a L,
    behaviour: Behaviour,
    /// Conversation time so far: speech, pauses, key presses, waits.
    pub seconds: f64,
    gathers: u32,
    documents: u32,
}

impl<'a, L: Line> Interpreter<'a, L> {
    pub fn new(line: &'a L, behaviour: Behaviour) -> Self {
        Interpreter {
            line,
            behaviour,
            seconds: 0.0,
            gathers: 0,
            documents: 0,
        }
    }

    /// Run documents from `first` until the call hangs up.
    pub async fn run(&mut self, first: Doc) {
        let mut current = first;
        'docs: loop {
            self.documents += 1;
            let verbs = match parse(&current.text) {
                Ok(v) => v,
                Err(detail) => {
                    self.line.push(CallEvent::WebhookError {
                        url: current.url.clone(),
                        detail: format!("{detail} ({})", snippet(current.text.as_bytes())),
                    });
                    return self.application_error();
                }
            };
            for verb in verbs {
                let flow = match self.apply_update(&current).await {
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
            match self.apply_update(&current).await {
                Some(Flow::Document(d)) => {
                    current = d;
                    continue 'docs;
                }
                Some(_) => return,
                None => {}
            }
            self.line.push(CallEvent::HungUp(HangupBy::Twiml));
            return;
        }
    }

    /// What Twilio does when our server's answer cannot be used: says so and hangs up.
    pub fn application_error(&mut self) {
        self.say(APPLICATION_ERROR, None, false);
        self.line.push(CallEvent::HungUp(HangupBy::Error));
    }

    /// A REST update waiting to be applied at this verb boundary.
    async fn apply_update(&mut self, current: &Doc) -> Option<Flow> {
        Some(match self.line.take_update()? {
            Update::Complete | Update::Cancel => {
                self.line.push(CallEvent::HungUp(HangupBy::Api));
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

    /// Fetch the next document (Redirect, Gather action, REST Url update).
    async fn next_document(&mut self, url: &str, method: &str, extra: Params) -> Flow {
        if self.documents >= MAX_DOCUMENTS {
            self.line.push(CallEvent::WebhookError {
                url: url.to_string(),
                detail: format!(
                    "more than {MAX_DOCUMENTS} TwiML documents in one call (redirect loop?)"
                ),
            });
            self.application_error();
            return Flow::End;
        }
        match self.line.document(url, method, extra).await {
            Some(d) => Flow::Document(d),
            None => {
                self.application_error();
                Flow::End
            }
        }
    }

    async fn verb(&mut self, verb: Verb, current: &Doc) -> Flow {
        match verb {
            Verb::Say { text, language } => {
                self.say(&text, language, false);
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
                self.line.push(CallEvent::HungUp(HangupBy::Twiml));
                Flow::End
            }
            // The call is put through; when the other side hangs up, Twilio goes on with the
            // next verb (no `action` here).
            Verb::Dial(dial) => {
                self.seconds += 1.0;
                self.line.push(CallEvent::Dialed(dial));
                Flow::Continue
            }
            Verb::Redirect { url, method } => {
                let url = resolve(&current.url, &url);
                self.line.push(CallEvent::Redirected(url.clone()));
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

    fn say(&mut self, text: &str, language: Option<String>, interrupted: bool) {
        let text = if interrupted {
            first_half(text)
        } else {
            text.to_string()
        };
        self.seconds += text.chars().count() as f64 / SAY_CHARS_PER_SEC;
        self.line.push(CallEvent::Heard {
            text,
            via: match language {
                None => Via::Say,
                Some(language) => Via::SayIn { language },
            },
            interrupted,
        });
    }

    fn pause(&mut self, n: u32) {
        self.seconds += n as f64;
        self.line.push(CallEvent::Paused(n));
    }

    /// "Hear" audio; false (with an AudioError) when it cannot be played.
    async fn play(&mut self, url: &str, interrupted: bool) -> bool {
        let (full, mut seconds) = match self.line.audio(url).await {
            Ok(heard) => heard,
            Err(detail) => {
                self.line
                    .push(CallEvent::AudioError(format!("{url}: {detail}")));
                return false;
            }
        };
        let text = if interrupted {
            seconds /= 2.0;
            first_half(&full)
        } else {
            full
        };
        self.seconds += seconds;
        self.line.push(CallEvent::Heard {
            text,
            via: Via::Play {
                url: url.to_string(),
                seconds,
            },
            interrupted,
        });
        true
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
        let planned = self.behaviour.key_at_gather(index);
        let barge = planned.is_some_and(|(_, during)| during);
        for child in children {
            if let Some(flow) = self.apply_update(current).await {
                return flow;
            }
            match child {
                Verb::Say { text, language } => {
                    self.say(&text, language, barge);
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
        let Some(key) = planned.map(|(c, _)| c) else {
            if self.behaviour == Behaviour::HoldUntilEnded {
                let started = tokio::time::Instant::now();
                self.line.wait_for_update(HOLD_LIMIT).await;
                self.seconds += started.elapsed().as_secs_f64();
                if let Some(flow) = self.apply_update(current).await {
                    return flow;
                }
            }
            self.seconds += timeout as f64;
            self.line.push(CallEvent::GatherTimedOut);
            return Flow::Continue;
        };
        self.seconds += 1.0;
        self.line.push(CallEvent::Pressed(key));
        let action = resolve(&current.url, action.as_deref().unwrap_or(&current.url));
        let extra = vec![
            ("Digits".to_string(), key.to_string()),
            ("FinishedOnKey".to_string(), String::new()),
        ];
        self.next_document(&action, &method, extra).await
    }
}

#[cfg(test)]
mod tests;
