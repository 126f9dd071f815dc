//! What the simulator saw: calls (status, events, what was heard and pressed) and SMS, as tests
//! read them.

use std::time::SystemTime;

/// One call placed through `Calls.json`, as the simulator saw it.
#[derive(Clone, Debug)]
pub struct CallRecord {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub created: SystemTime,
    /// When the call ended (its final status reached at Twilio), if it has.
    pub ended_at: Option<SystemTime>,
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
    /// partially heard message is included. Clips played back to back (`<Play>` after a
    /// `<Play>` heard whole, nothing between them) are heard as one message, their texts
    /// joined by a space: a greeting and the body after it are one offer.
    pub fn heard(&self) -> Vec<String> {
        self.heard_how().into_iter().map(|(text, _)| text).collect()
    }

    /// [`CallRecord::heard`] with how each message was heard (clips played back to back: the
    /// first one's URL and their seconds together).
    pub fn heard_how(&self) -> Vec<(String, Via)> {
        let mut out: Vec<(String, Via)> = Vec::new();
        let mut joins = false;
        for e in &self.events {
            let CallEvent::Heard {
                text,
                via,
                interrupted,
            } = e
            else {
                joins = false;
                continue;
            };
            match (joins, via, out.last_mut()) {
                (
                    true,
                    Via::Play { seconds, .. },
                    Some((
                        joined,
                        Via::Play {
                            seconds: together, ..
                        },
                    )),
                ) => {
                    joined.push(' ');
                    joined.push_str(text);
                    *together += seconds;
                }
                _ => out.push((text.clone(), via.clone())),
            }
            joins = matches!(via, Via::Play { .. }) && !interrupted;
        }
        out
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

    /// The numbers `<Dial>` put the call through to, in order.
    pub fn dialed(&self) -> Vec<String> {
        self.dials().into_iter().map(|d| d.number).collect()
    }

    /// Each `<Dial>` with its attributes, in order.
    pub fn dials(&self) -> Vec<Dialed> {
        self.events
            .iter()
            .filter_map(|e| match e {
                CallEvent::Dialed(d) => Some(d.clone()),
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
    /// `<Dial>`: the call was put through.
    Dialed(Dialed),
}

/// A `<Dial>` as Twilio read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Dialed {
    pub number: String,
    /// `timeLimit`: the longest the call put through may last (Twilio's default: 4 hours).
    pub time_limit_secs: u32,
    /// `callerId`: the number the other side sees.
    pub caller_id: Option<String>,
    /// `answerOnBridge`: the caller hears ringing until the other side answers.
    pub answer_on_bridge: bool,
}

impl Dialed {
    /// A bare `<Dial>number</Dial>`.
    pub fn to(number: &str) -> Dialed {
        Dialed {
            number: number.into(),
            time_limit_secs: 14_400,
            caller_id: None,
            answer_on_bridge: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Via {
    /// `<Say>` without a `language` (Twilio's default, English).
    Say,
    /// `<Say language="…">`.
    SayIn {
        language: String,
    },
    Play {
        url: String,
        seconds: f64,
    },
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
    /// When Twilio accepted it.
    pub created: std::time::SystemTime,
    pub to: String,
    pub from: String,
    pub body: String,
}
