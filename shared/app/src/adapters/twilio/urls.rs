//! The webhook URLs given to Twilio, the one place that spells them: [`WebhookRoute`] both
//! builds every URL Twilio is given and parses every one it calls back (their paths, their
//! query names, the retry counting). The URLs carry the ids each handler needs, so handlers are
//! stateless: the attempt, and the language the call speaks (`lang`, a BCP-47 tag; left out for
//! plain English), so every answer, even one given without reading the attempt, is in the
//! person's language.

use crate::config::Config;
use crate::records::{call_id, parse_call_id};
use callout_core::lang::Speech;
use callout_core::validate;

/// The webhook routes' paths (the route tables in `handlers` use these; template.yaml routes
/// them to their functions).
pub mod path {
    pub const TWIML: &str = "/api/outbound/twiml";
    pub const RESPONSE: &str = "/api/outbound/response";
    /// The offer's timeout, and the call's `FallbackUrl` (`fallback=1`).
    pub const TIMEOUT: &str = "/api/outbound/timeout";
    /// Call progress, and answering-machine detection (`amd=1`).
    pub const STATUS: &str = "/api/outbound/status";
    pub const RECORDING: &str = "/api/outbound/recording";
    pub const AUDIO: &str = "/api/outbound/audio/{callId}";
    pub const CALLBACK_LINE: &str = "/api/inbound/voice";
    pub const CALLBACK_KEY: &str = "/api/inbound/voice/key";
    pub const TEXT: &str = "/api/inbound/sms";
    /// A reachability check call: answered (its TwiML), its key, its progress.
    pub const REACH_TWIML: &str = "/api/reach/twiml";
    pub const REACH_KEY: &str = "/api/reach/key";
    pub const REACH_STATUS: &str = "/api/reach/status";

    /// Every webhook path, in the order [`super::WebhookRoute::parse`] tries them.
    pub const ALL: [&str; 12] = [
        TWIML,
        RESPONSE,
        TIMEOUT,
        STATUS,
        RECORDING,
        AUDIO,
        CALLBACK_LINE,
        CALLBACK_KEY,
        TEXT,
        REACH_TWIML,
        REACH_KEY,
        REACH_STATUS,
    ];
}

/// A reachability check call's webhook: which step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReachStep {
    /// Answered: the check's words and the key to press.
    Twiml,
    /// A key pressed.
    Key,
    /// Call progress, and answering-machine detection.
    Status,
}

/// The check a reachability webhook names: the provider and the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachRef {
    pub provider_id: String,
    pub employee_id: String,
}

/// The attempt a URL names (`occurrenceId`, an identifier, and `attempt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRef {
    pub occurrence_id: String,
    pub attempt: u32,
}

impl CallRef {
    pub fn new(occurrence_id: &str, attempt: u32) -> CallRef {
        CallRef {
            occurrence_id: occurrence_id.to_string(),
            attempt,
        }
    }

    pub fn ids(&self) -> (String, u32) {
        (self.occurrence_id.clone(), self.attempt)
    }
}

/// A call's offer as its URLs carry it: the attempt (`None` when the URL's ids are not
/// readable: the handler answers "not found"), whether the offer has audio, whether the call is
/// recorded, its language and the tries already made (`retry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub call: Option<CallRef>,
    pub audio: bool,
    pub recorded: bool,
    pub speech: Speech,
    pub retry: u32,
}

impl Offer {
    pub fn new(call: CallRef, audio: bool, speech: &Speech) -> Offer {
        Offer {
            call: Some(call),
            audio,
            recorded: false,
            speech: speech.clone(),
            retry: 0,
        }
    }
}

/// Every URL Twilio is given, and the route of every webhook Twilio calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookRoute {
    /// `POST /api/outbound/twiml`: the call was answered; the offer.
    Twiml(Offer),
    /// `POST /api/outbound/response`: a key pressed during the offer, for `employee_id`.
    Response {
        offer: Offer,
        employee_id: Option<String>,
        repeat: bool,
    },
    /// `POST /api/outbound/timeout`: no key was pressed.
    Timeout {
        call: Option<CallRef>,
        speech: Speech,
        retry: u32,
    },
    /// `POST /api/outbound/timeout?fallback=1`: the call's `FallbackUrl`.
    Fallback(Offer),
    /// `POST /api/outbound/status`: call progress.
    Status(Option<CallRef>),
    /// `POST /api/outbound/status?amd=1`: answering-machine detection.
    MachineDetection(Option<CallRef>),
    /// `POST /api/outbound/recording`: a recording's status.
    Recording(Option<CallRef>),
    /// `GET /api/outbound/audio/{callId}`: the offer's audio.
    Audio(Option<CallRef>),
    /// `POST /api/inbound/voice`: the call-back line, its `n`th offer (after a pass; for the
    /// person chosen on a shared number; or choosing the person, `pick`).
    CallbackLine {
        n: usize,
        passed: bool,
        employee_id: Option<String>,
        pick: bool,
    },
    /// `POST /api/inbound/voice/key`: a key on the call-back line about shift `occurrence_id`.
    CallbackKey {
        occurrence_id: Option<String>,
        n: usize,
        employee_id: Option<String>,
    },
    /// `POST /api/inbound/sms`: a text to the number.
    Text,
    /// `POST /api/reach/{twiml,key,status}`: a reachability check's call (`None` when the
    /// URL's ids are not readable), spoken in `speech`.
    Reach {
        step: ReachStep,
        check: Option<ReachRef>,
        speech: Speech,
    },
}

/// Query names, only here.
mod q {
    pub const OCCURRENCE: &str = "occurrenceId";
    pub const ATTEMPT: &str = "attempt";
    pub const EMPLOYEE: &str = "employeeId";
    pub const FALLBACK: &str = "fallback";
    pub const AUDIO: &str = "audio";
    pub const REPEAT: &str = "repeat";
    pub const LANG: &str = "lang";
    pub const REC: &str = "rec";
    pub const AMD: &str = "amd";
    pub const RETRY: &str = "retry";
    pub const N: &str = "n";
    pub const PASSED: &str = "passed";
    pub const PICK: &str = "pick";
    pub const PROVIDER: &str = "providerId";
}

/// A URL's query, as read.
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(query: &str) -> Query {
        Query(
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        )
    }
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn flag(&self, name: &str) -> bool {
        self.get(name) == Some("1")
    }
    fn number<T: std::str::FromStr + Default>(&self, name: &str) -> T {
        self.get(name)
            .and_then(|n| n.parse().ok())
            .unwrap_or_default()
    }
    fn identifier(&self, name: &str) -> Option<String> {
        self.get(name)
            .filter(|v| validate::is_identifier(v))
            .map(str::to_string)
    }
    fn call(&self) -> Option<CallRef> {
        Some(CallRef {
            occurrence_id: self.identifier(q::OCCURRENCE)?,
            attempt: self.get(q::ATTEMPT)?.parse().ok()?,
        })
    }
    fn speech(&self) -> Speech {
        Speech::of(self.get(q::LANG).unwrap_or("en"))
    }
    fn offer(&self) -> Offer {
        Offer {
            call: self.call(),
            audio: self.flag(q::AUDIO),
            recorded: self.flag(q::REC),
            speech: self.speech(),
            retry: self.number(q::RETRY),
        }
    }
}

/// A query being written, in the order its names are added.
#[derive(Default)]
struct Writer(Vec<(&'static str, String)>);

impl Writer {
    fn add(&mut self, name: &'static str, value: impl ToString) -> &mut Self {
        self.0.push((name, value.to_string()));
        self
    }
    fn flag(&mut self, name: &'static str, on: bool) -> &mut Self {
        if on {
            self.add(name, 1);
        }
        self
    }
    fn call(&mut self, call: &Option<CallRef>) -> &mut Self {
        if let Some(c) = call {
            self.add(q::OCCURRENCE, &c.occurrence_id)
                .add(q::ATTEMPT, c.attempt);
        }
        self
    }
    fn speech(&mut self, speech: &Speech) -> &mut Self {
        if !speech.is_plain_english() {
            self.add(q::LANG, &speech.tag);
        }
        self
    }
    fn retry(&mut self, retry: u32) -> &mut Self {
        if retry > 0 {
            self.add(q::RETRY, retry);
        }
        self
    }
    fn finish(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.0.iter().map(|(k, v)| (*k, v.as_str())))
            .finish()
    }
}

impl WebhookRoute {
    /// The route's path pattern (one of [`path::ALL`]).
    pub fn path(&self) -> &'static str {
        match self {
            WebhookRoute::Twiml(_) => path::TWIML,
            WebhookRoute::Response { .. } => path::RESPONSE,
            WebhookRoute::Timeout { .. } | WebhookRoute::Fallback(_) => path::TIMEOUT,
            WebhookRoute::Status(_) | WebhookRoute::MachineDetection(_) => path::STATUS,
            WebhookRoute::Recording(_) => path::RECORDING,
            WebhookRoute::Audio(_) => path::AUDIO,
            WebhookRoute::CallbackLine { .. } => path::CALLBACK_LINE,
            WebhookRoute::CallbackKey { .. } => path::CALLBACK_KEY,
            WebhookRoute::Text => path::TEXT,
            WebhookRoute::Reach { step, .. } => match step {
                ReachStep::Twiml => path::REACH_TWIML,
                ReachStep::Key => path::REACH_KEY,
                ReachStep::Status => path::REACH_STATUS,
            },
        }
    }

    /// The URL at `base` (`PUBLIC_BASE_URL`, or the base Twilio called; a trailing `/` is
    /// dropped).
    pub fn url(&self, base: &str) -> String {
        let base = base.trim_end_matches('/');
        let mut w = Writer::default();
        match self {
            WebhookRoute::Twiml(o) => {
                w.call(&o.call)
                    .flag(q::AUDIO, o.audio)
                    .speech(&o.speech)
                    .flag(q::REC, o.recorded)
                    .retry(o.retry);
            }
            WebhookRoute::Response {
                offer: o,
                employee_id,
                repeat,
            } => {
                w.call(&o.call);
                if let Some(e) = employee_id {
                    w.add(q::EMPLOYEE, e);
                }
                w.flag(q::AUDIO, o.audio)
                    .flag(q::REPEAT, *repeat)
                    .speech(&o.speech)
                    .flag(q::REC, o.recorded)
                    .retry(o.retry);
            }
            WebhookRoute::Timeout {
                call,
                speech,
                retry,
            } => {
                w.call(call).speech(speech).retry(*retry);
            }
            WebhookRoute::Fallback(o) => {
                w.call(&o.call)
                    .flag(q::FALLBACK, true)
                    .flag(q::AUDIO, o.audio)
                    .speech(&o.speech)
                    .flag(q::REC, o.recorded)
                    .retry(o.retry);
            }
            WebhookRoute::Status(call) | WebhookRoute::Recording(call) => {
                w.call(call);
            }
            WebhookRoute::MachineDetection(call) => {
                w.call(call).flag(q::AMD, true);
            }
            WebhookRoute::Audio(call) => {
                let id = call
                    .as_ref()
                    .map(|c| call_id(&c.occurrence_id, c.attempt))
                    .unwrap_or_default();
                let p = path::AUDIO.replace("{callId}", &urlencoding::encode(&id));
                return format!("{base}{p}");
            }
            WebhookRoute::CallbackLine {
                n,
                passed,
                employee_id,
                pick,
            } => {
                if *pick {
                    w.flag(q::PICK, true);
                } else {
                    w.add(q::N, n).flag(q::PASSED, *passed);
                }
                if let Some(e) = employee_id {
                    w.add(q::EMPLOYEE, e);
                }
            }
            WebhookRoute::CallbackKey {
                occurrence_id,
                n,
                employee_id,
            } => {
                if let Some(o) = occurrence_id {
                    w.add(q::OCCURRENCE, o);
                }
                w.add(q::N, n);
                if let Some(e) = employee_id {
                    w.add(q::EMPLOYEE, e);
                }
            }
            WebhookRoute::Text => {}
            WebhookRoute::Reach { check, speech, .. } => {
                if let Some(c) = check {
                    w.add(q::PROVIDER, &c.provider_id)
                        .add(q::EMPLOYEE, &c.employee_id);
                }
                w.speech(speech);
            }
        }
        let query = w.finish();
        if query.is_empty() {
            format!("{base}{}", self.path())
        } else {
            format!("{base}{}?{query}", self.path())
        }
    }

    /// The route of a request at `route_path` (the route's own path, see
    /// `http::route_path`) with `query`; `None` for a path that is no webhook.
    pub fn parse(route_path: &str, query: &str) -> Option<WebhookRoute> {
        let pattern = path::ALL
            .into_iter()
            .find(|p| crate::http::match_path(p, route_path).is_some())?;
        let q = Query::parse(query);
        Some(match pattern {
            path::TWIML => WebhookRoute::Twiml(q.offer()),
            path::RESPONSE => WebhookRoute::Response {
                offer: q.offer(),
                employee_id: q.identifier(q::EMPLOYEE),
                repeat: q.flag(q::REPEAT),
            },
            path::TIMEOUT if q.flag(q::FALLBACK) => WebhookRoute::Fallback(q.offer()),
            path::TIMEOUT => WebhookRoute::Timeout {
                call: q.call(),
                speech: q.speech(),
                retry: q.number(q::RETRY),
            },
            path::STATUS if q.flag(q::AMD) => WebhookRoute::MachineDetection(q.call()),
            path::STATUS => WebhookRoute::Status(q.call()),
            path::RECORDING => WebhookRoute::Recording(q.call()),
            path::AUDIO => {
                let params = crate::http::match_path(path::AUDIO, route_path)?;
                let call = params
                    .first()
                    .and_then(|(_, id)| parse_call_id(id))
                    .filter(|(o, _)| validate::is_identifier(o))
                    .map(|(o, k)| CallRef::new(&o, k));
                WebhookRoute::Audio(call)
            }
            path::CALLBACK_LINE => WebhookRoute::CallbackLine {
                n: q.number(q::N),
                passed: q.flag(q::PASSED),
                employee_id: q.identifier(q::EMPLOYEE),
                pick: q.flag(q::PICK),
            },
            path::CALLBACK_KEY => WebhookRoute::CallbackKey {
                occurrence_id: q.identifier(q::OCCURRENCE),
                n: q.number(q::N),
                employee_id: q.identifier(q::EMPLOYEE),
            },
            path::REACH_TWIML | path::REACH_KEY | path::REACH_STATUS => WebhookRoute::Reach {
                step: match pattern {
                    path::REACH_TWIML => ReachStep::Twiml,
                    path::REACH_KEY => ReachStep::Key,
                    _ => ReachStep::Status,
                },
                check: q.identifier(q::PROVIDER).and_then(|provider_id| {
                    Some(ReachRef {
                        provider_id,
                        employee_id: q.identifier(q::EMPLOYEE)?,
                    })
                }),
                speech: q.speech(),
            },
            _ => WebhookRoute::Text,
        })
    }

    /// A whole URL's route and its base (what comes before the route's path): `None` when its
    /// path ends in no webhook path.
    pub fn parse_url(url: &str) -> Option<(String, WebhookRoute)> {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let after_scheme = path.find("://").map_or(0, |i| i + 3);
        let first_slash = path[after_scheme..].find('/').map(|i| i + after_scheme)?;
        let segments: Vec<(usize, &str)> = path[first_slash..]
            .match_indices('/')
            .map(|(i, _)| (i + first_slash, ""))
            .collect();
        // The shortest tail of whole segments that is a webhook path.
        segments.iter().rev().find_map(|(i, _)| {
            let route = WebhookRoute::parse(&path[*i..], query)?;
            Some((path[..*i].to_string(), route))
        })
    }

    /// The tries a URL counts (`retry`), 0 for a URL that is no webhook's.
    pub fn tries_in(url: &str) -> u32 {
        match WebhookRoute::parse_url(url) {
            Some((_, WebhookRoute::Twiml(o) | WebhookRoute::Fallback(o))) => o.retry,
            Some((_, WebhookRoute::Response { offer, .. })) => offer.retry,
            Some((_, WebhookRoute::Timeout { retry, .. })) => retry,
            _ => 0,
        }
    }

    /// The attempt the route names.
    pub fn call(&self) -> Option<&CallRef> {
        match self {
            WebhookRoute::Twiml(o) | WebhookRoute::Fallback(o) => o.call.as_ref(),
            WebhookRoute::Response { offer, .. } => offer.call.as_ref(),
            WebhookRoute::Timeout { call, .. }
            | WebhookRoute::Status(call)
            | WebhookRoute::MachineDetection(call)
            | WebhookRoute::Recording(call)
            | WebhookRoute::Audio(call) => call.as_ref(),
            _ => None,
        }
    }

    /// The shift the route names (an outbound call's, or the call-back line's key).
    pub fn occurrence_id(&self) -> Option<&str> {
        match self {
            WebhookRoute::CallbackKey { occurrence_id, .. } => occurrence_id.as_deref(),
            other => other.call().map(|c| c.occurrence_id.as_str()),
        }
    }

    /// The offer the route carries (the offer, a key pressed during it, the fallback).
    pub fn offer(&self) -> Option<&Offer> {
        match self {
            WebhookRoute::Twiml(o) | WebhookRoute::Fallback(o) => Some(o),
            WebhookRoute::Response { offer, .. } => Some(offer),
            _ => None,
        }
    }

    /// How the call speaks (plain English for a route that does not say).
    pub fn speech(&self) -> Speech {
        match self {
            WebhookRoute::Timeout { speech, .. } | WebhookRoute::Reach { speech, .. } => {
                speech.clone()
            }
            other => other
                .offer()
                .map_or_else(Speech::english, |o| o.speech.clone()),
        }
    }

    /// Where a voice webhook that failed sends Twilio next, once `tried` tries were made
    /// elsewhere (the URL the fallback names): the same step again with the next try (a key
    /// pressed: the offer again; the fallback: the offer), or `None` when `max` tries are used
    /// up, the URL names no attempt, or the route is not retried (the call-back line).
    pub fn next_try(&self, tried: u32, max: u32) -> Option<WebhookRoute> {
        let next = |retry: u32| {
            let tries = retry.max(tried);
            (tries < max).then_some(tries + 1)
        };
        self.call()?;
        match self {
            WebhookRoute::Twiml(o) => Some(WebhookRoute::Twiml(Offer {
                retry: next(o.retry)?,
                ..o.clone()
            })),
            // A recorded call's offer still starts with the recording notice.
            WebhookRoute::Fallback(o) => Some(WebhookRoute::Twiml(Offer {
                retry: next(o.retry)?,
                ..o.clone()
            })),
            WebhookRoute::Response { offer: o, .. } => Some(WebhookRoute::Twiml(Offer {
                recorded: false,
                retry: next(o.retry)?,
                ..o.clone()
            })),
            WebhookRoute::Timeout {
                call,
                speech,
                retry,
            } => Some(WebhookRoute::Timeout {
                call: call.clone(),
                speech: speech.clone(),
                retry: next(*retry)?,
            }),
            _ => None,
        }
    }
}

/// `PUBLIC_BASE_URL` without a trailing slash (the route paths bring their own).
fn base(config: &Config) -> &str {
    config.public_base_url.trim_end_matches('/')
}

/// The answered call's URL (the offer).
pub fn twiml(c: &Config, occ: &str, k: u32, has_audio: bool, speech: &Speech) -> String {
    WebhookRoute::Twiml(Offer::new(CallRef::new(occ, k), has_audio, speech)).url(base(c))
}

/// The call's `FallbackUrl`: served by the call-timeout function (not the one that failed),
/// which touches no table on this path: a short sorry, then the offer again (`retry=1`).
pub fn fallback(c: &Config, occ: &str, k: u32, has_audio: bool, speech: &Speech) -> String {
    WebhookRoute::Fallback(Offer::new(CallRef::new(occ, k), has_audio, speech)).url(base(c))
}

/// Call recording: where Twilio posts a recording's status.
pub fn recording(c: &Config, occ: &str, k: u32) -> String {
    WebhookRoute::Recording(Some(CallRef::new(occ, k))).url(base(c))
}

/// Call recording: the offer's (or the fallback's) URL saying the call is recorded (the notice
/// first); another URL unchanged.
pub fn recorded(url: &str) -> String {
    match WebhookRoute::parse_url(url) {
        Some((base, WebhookRoute::Twiml(o))) => WebhookRoute::Twiml(Offer {
            recorded: true,
            ..o
        })
        .url(&base),
        Some((base, WebhookRoute::Fallback(o))) => WebhookRoute::Fallback(Offer {
            recorded: true,
            ..o
        })
        .url(&base),
        _ => url.to_string(),
    }
}

pub fn status(c: &Config, occ: &str, k: u32) -> String {
    WebhookRoute::Status(Some(CallRef::new(occ, k))).url(base(c))
}

pub fn amd(c: &Config, occ: &str, k: u32) -> String {
    WebhookRoute::MachineDetection(Some(CallRef::new(occ, k))).url(base(c))
}

pub fn audio(c: &Config, occ: &str, k: u32) -> String {
    WebhookRoute::Audio(Some(CallRef::new(occ, k))).url(base(c))
}

/// A reachability check call's webhook `step` for `provider_id`'s check of `employee_id`.
pub fn reach(
    c: &Config,
    step: ReachStep,
    provider_id: &str,
    employee_id: &str,
    speech: &Speech,
) -> String {
    WebhookRoute::Reach {
        step,
        check: Some(ReachRef {
            provider_id: provider_id.to_string(),
            employee_id: employee_id.to_string(),
        }),
        speech: speech.clone(),
    }
    .url(base(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_call_that_is_not_plain_english_carries_its_language() {
        let c = Config {
            public_base_url: "https://x".into(),
            ..Config::default()
        };
        let en = Speech::english();
        assert_eq!(
            twiml(&c, "o", 1, true, &en),
            "https://x/api/outbound/twiml?occurrenceId=o&attempt=1&audio=1"
        );
        let es = Speech::of("es-MX");
        assert_eq!(
            twiml(&c, "o", 1, false, &es),
            "https://x/api/outbound/twiml?occurrenceId=o&attempt=1&lang=es-MX"
        );
        let response = WebhookRoute::Response {
            offer: Offer::new(CallRef::new("o", 1), true, &es),
            employee_id: Some("e".into()),
            repeat: true,
        };
        assert!(response
            .url("https://x")
            .ends_with("&employeeId=e&audio=1&repeat=1&lang=es-MX"));
        let timeout = |speech: &Speech| WebhookRoute::Timeout {
            call: Some(CallRef::new("o", 1)),
            speech: speech.clone(),
            retry: 0,
        };
        assert!(timeout(&es).url("https://x").ends_with("&lang=es-MX"));
        assert!(fallback(&c, "o", 1, true, &es).ends_with("&fallback=1&audio=1&lang=es-MX"));
        assert!(!timeout(&en).url("https://x").contains("lang"));
        assert_eq!(
            audio(&c, "o", 3),
            "https://x/api/outbound/audio/o.3",
            "the attempt in the path"
        );
    }

    #[test]
    fn a_recorded_calls_offer_and_fallback_say_so_and_nothing_else_changes() {
        let c = Config {
            public_base_url: "https://x/prod".into(),
            ..Config::default()
        };
        let es = Speech::of("es");
        assert_eq!(
            recorded(&twiml(&c, "o", 2, true, &es)),
            "https://x/prod/api/outbound/twiml?occurrenceId=o&attempt=2&audio=1&lang=es&rec=1"
        );
        assert_eq!(
            recorded(&fallback(&c, "o", 2, false, &Speech::english())),
            "https://x/prod/api/outbound/timeout?occurrenceId=o&attempt=2&fallback=1&rec=1"
        );
        assert_eq!(recorded(&status(&c, "o", 2)), status(&c, "o", 2));
    }

    #[test]
    fn retries_are_counted_and_bounded() {
        let offer = |retry| Offer {
            retry,
            ..Offer::new(CallRef::new("o", 0), true, &Speech::english())
        };
        // The fallback tries the offer again, counting the tries the failed URL made.
        let fb = WebhookRoute::Fallback(offer(0));
        assert_eq!(fb.next_try(0, 2), Some(WebhookRoute::Twiml(offer(1))));
        assert_eq!(fb.next_try(1, 2), Some(WebhookRoute::Twiml(offer(2))));
        assert_eq!(fb.next_try(2, 2), None);
        assert_eq!(WebhookRoute::Fallback(offer(2)).next_try(0, 2), None);
        // A key pressed: the offer again, without the recording notice a second time.
        let key = WebhookRoute::Response {
            offer: Offer {
                recorded: true,
                ..offer(0)
            },
            employee_id: Some("e".into()),
            repeat: true,
        };
        assert_eq!(key.next_try(0, 2), Some(WebhookRoute::Twiml(offer(1))));
        // No attempt named, or the call-back line: no retry.
        let lost = WebhookRoute::Twiml(Offer {
            call: None,
            ..offer(0)
        });
        assert_eq!(lost.next_try(0, 2), None);
        let line = WebhookRoute::CallbackLine {
            n: 0,
            passed: false,
            employee_id: None,
            pick: false,
        };
        assert_eq!(line.next_try(0, 2), None);
        assert_eq!(
            WebhookRoute::tries_in(
                "https://e.com/api/outbound/twiml?occurrenceId=o&attempt=0&retry=2"
            ),
            2
        );
        assert_eq!(WebhookRoute::tries_in("https://e.com/elsewhere?retry=2"), 0);
    }

    #[test]
    fn unreadable_ids_are_none_and_unknown_paths_no_route() {
        let r = WebhookRoute::parse(path::TWIML, "occurrenceId=occ/1&attempt=x").unwrap();
        assert_eq!(r.call(), None);
        let r = WebhookRoute::parse(path::RESPONSE, "occurrenceId=o&attempt=1&employeeId=a%20b")
            .unwrap();
        assert!(matches!(
            r,
            WebhookRoute::Response {
                employee_id: None,
                ..
            }
        ));
        assert_eq!(
            WebhookRoute::parse("/api/outbound/audio/o.x", "").unwrap(),
            WebhookRoute::Audio(None)
        );
        assert_eq!(WebhookRoute::parse("/api/outbound/nothing", ""), None);
        assert_eq!(WebhookRoute::parse_url("https://e.com/api/outbound"), None);
    }

    fn speech() -> impl Strategy<Value = Speech> {
        prop::sample::select(vec!["en", "en-AU", "es", "es-MX", "fr-CA", "fr"]).prop_map(Speech::of)
    }

    fn id() -> impl Strategy<Value = String> {
        "[A-Za-z0-9_-]{1,12}"
    }

    fn call() -> impl Strategy<Value = CallRef> {
        (id(), 0u32..500).prop_map(|(o, k)| CallRef::new(&o, k))
    }

    fn offer() -> impl Strategy<Value = Offer> {
        (call(), any::<bool>(), any::<bool>(), speech(), 0u32..4).prop_map(
            |(c, audio, recorded, speech, retry)| Offer {
                call: Some(c),
                audio,
                recorded,
                speech,
                retry,
            },
        )
    }

    fn route() -> impl Strategy<Value = WebhookRoute> {
        prop_oneof![
            offer().prop_map(WebhookRoute::Twiml),
            (offer(), prop::option::of(id()), any::<bool>()).prop_map(|(offer, e, repeat)| {
                WebhookRoute::Response {
                    offer,
                    employee_id: e,
                    repeat,
                }
            }),
            (call(), speech(), 0u32..4).prop_map(|(c, speech, retry)| WebhookRoute::Timeout {
                call: Some(c),
                speech,
                retry
            }),
            offer().prop_map(WebhookRoute::Fallback),
            call().prop_map(|c| WebhookRoute::Status(Some(c))),
            call().prop_map(|c| WebhookRoute::MachineDetection(Some(c))),
            call().prop_map(|c| WebhookRoute::Recording(Some(c))),
            call().prop_map(|c| WebhookRoute::Audio(Some(c))),
            (0usize..9, any::<bool>(), prop::option::of(id())).prop_map(|(n, passed, e)| {
                WebhookRoute::CallbackLine {
                    n,
                    passed,
                    employee_id: e,
                    pick: false,
                }
            }),
            prop::option::of(id()).prop_map(|e| WebhookRoute::CallbackLine {
                n: 0,
                passed: false,
                employee_id: e,
                pick: true,
            }),
            (prop::option::of(id()), 0usize..9, prop::option::of(id())).prop_map(|(o, n, e)| {
                WebhookRoute::CallbackKey {
                    occurrence_id: o,
                    n,
                    employee_id: e,
                }
            }),
            Just(WebhookRoute::Text),
            (
                prop::sample::select(vec![ReachStep::Twiml, ReachStep::Key, ReachStep::Status]),
                id(),
                id(),
                speech(),
            )
                .prop_map(|(step, p, e, speech)| WebhookRoute::Reach {
                    step,
                    check: Some(ReachRef {
                        provider_id: p,
                        employee_id: e,
                    }),
                    speech,
                }),
        ]
    }

    proptest! {
        /// Every URL given to Twilio parses back to the route it was built from, at any base.
        #[test]
        fn build_then_parse_gives_the_same_route(
            r in route(),
            base in prop::sample::select(vec!["https://x.example.com", "https://x.example.com/prod", "https://api.example.com/api", "http://127.0.0.1:5120"]),
        ) {
            let url = r.url(base);
            let (b, parsed) = WebhookRoute::parse_url(&url).expect("a webhook URL");
            prop_assert_eq!(&b, base);
            prop_assert_eq!(&parsed, &r);
            let (path, query) = url[base.len()..].split_once('?').unwrap_or((&url[base.len()..], ""));
            prop_assert_eq!(WebhookRoute::parse(path, query), Some(r));
        }
    }
}
