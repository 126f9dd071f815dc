//! The interpreter against a scripted line: what Twilio does on each verb, with each behaviour.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

use super::{Interpreter, Line, APPLICATION_ERROR};
use crate::state::Update;
use crate::twiml::Doc;
use crate::wire::Params;
use crate::{Behaviour, CallEvent, HangupBy, Via};

/// The URL of the call's first document.
const BASE: &str = "http://app.test/calls/1";

/// A scripted call: the documents and audio our "server" serves, and REST updates arriving.
#[derive(Default)]
struct Script {
    docs: HashMap<String, String>,
    audio: HashMap<String, (String, f64)>,
    events: RefCell<Vec<CallEvent>>,
    /// Documents asked for: URL, method, extra parameters.
    fetched: RefCell<Vec<(String, String, Params)>>,
    /// A REST update arriving before the nth verb boundary (1-based).
    arrives: RefCell<Option<(u32, Update)>>,
    boundaries: Cell<u32>,
    /// A REST update arriving while the phone holds at a Gather.
    on_hold: RefCell<Option<Update>>,
    waiting: RefCell<Option<Update>>,
    holds: Cell<u32>,
}

impl Script {
    fn doc(mut self, url: &str, verbs: &str) -> Self {
        self.docs
            .insert(url.to_string(), format!("<Response>{verbs}</Response>"));
        self
    }

    fn audio(mut self, url: &str, text: &str, seconds: f64) -> Self {
        self.audio
            .insert(url.to_string(), (text.to_string(), seconds));
        self
    }

    fn update_at(self, boundary: u32, update: Update) -> Self {
        *self.arrives.borrow_mut() = Some((boundary, update));
        self
    }

    fn events(&self) -> Vec<CallEvent> {
        self.events.borrow().clone()
    }

    fn fetched(&self) -> Vec<(String, String, Params)> {
        self.fetched.borrow().clone()
    }

    /// Run `verbs` as the first document (at [`BASE`]); the seconds the conversation took.
    async fn run(&self, behaviour: Behaviour, verbs: &str) -> f64 {
        let mut twiml = Interpreter::new(self, behaviour);
        twiml
            .run(Doc {
                text: format!("<Response>{verbs}</Response>"),
                url: BASE.into(),
            })
            .await;
        twiml.seconds
    }
}

impl Line for Script {
    fn push(&self, event: CallEvent) {
        self.events.borrow_mut().push(event);
    }

    async fn document(&self, url: &str, method: &str, extra: Params) -> Option<Doc> {
        self.fetched
            .borrow_mut()
            .push((url.to_string(), method.to_string(), extra));
        match self.docs.get(url) {
            Some(text) => Some(Doc {
                text: text.clone(),
                url: url.to_string(),
            }),
            None => {
                self.push(CallEvent::WebhookError {
                    url: url.to_string(),
                    detail: "HTTP 404".into(),
                });
                None
            }
        }
    }

    async fn audio(&self, url: &str) -> Result<(String, f64), String> {
        self.audio
            .get(url)
            .cloned()
            .ok_or_else(|| "HTTP 404".to_string())
    }

    fn take_update(&self) -> Option<Update> {
        let n = self.boundaries.get() + 1;
        self.boundaries.set(n);
        let mut arrives = self.arrives.borrow_mut();
        if arrives.as_ref().is_some_and(|(at, _)| *at == n) {
            return arrives.take().map(|(_, u)| u);
        }
        self.waiting.borrow_mut().take()
    }

    async fn wait_for_update(&self, limit: Duration) {
        assert_eq!(limit, Duration::from_secs(20));
        self.holds.set(self.holds.get() + 1);
        *self.waiting.borrow_mut() = self.on_hold.borrow_mut().take();
    }
}

fn say(text: &str) -> CallEvent {
    CallEvent::Heard {
        text: text.into(),
        via: Via::Say,
        interrupted: false,
    }
}

fn play(text: &str, url: &str, seconds: f64, interrupted: bool) -> CallEvent {
    CallEvent::Heard {
        text: text.into(),
        via: Via::Play {
            url: url.into(),
            seconds,
        },
        interrupted,
    }
}

fn digits(key: char) -> Params {
    vec![
        ("Digits".into(), key.to_string()),
        ("FinishedOnKey".into(), String::new()),
    ]
}

fn application_error() -> [CallEvent; 2] {
    [say(APPLICATION_ERROR), CallEvent::HungUp(HangupBy::Error)]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test]
async fn a_say_in_a_language_is_heard_in_it_inside_a_gather_too() {
    let s = Script::default();
    s.run(
        Behaviour::Silent,
        "<Gather numDigits=\"1\" timeout=\"5\"><Say language=\"es-MX\">Hola</Say></Gather><Say language=\"fr-CA\">Au revoir</Say>",
    )
    .await;
    let heard: Vec<CallEvent> = s
        .events()
        .into_iter()
        .filter(|e| matches!(e, CallEvent::Heard { .. }))
        .collect();
    let said = |text: &str, language: &str| CallEvent::Heard {
        text: text.into(),
        via: Via::SayIn {
            language: language.into(),
        },
        interrupted: false,
    };
    assert_eq!(
        heard,
        vec![said("Hola", "es-MX"), said("Au revoir", "fr-CA")]
    );
}

#[tokio::test]
async fn say_play_and_pause_are_heard_then_the_end_of_the_document_hangs_up() {
    let s = Script::default().audio("http://app.test/a.wav", "Offer", 3.0);
    let secs = s
        .run(
            Behaviour::Accept,
            "<Say>Hello</Say><Play>/a.wav</Play><Pause length=\"2\"/>",
        )
        .await;
    assert_eq!(
        s.events(),
        vec![
            say("Hello"),
            play("Offer", "http://app.test/a.wav", 3.0, false),
            CallEvent::Paused(2),
            CallEvent::HungUp(HangupBy::Twiml),
        ]
    );
    assert!(close(secs, 5.0 / 15.0 + 3.0 + 2.0), "{secs}");
    assert!(s.fetched().is_empty());
}

#[tokio::test]
async fn hangup_ends_the_call_there() {
    let s = Script::default();
    s.run(Behaviour::Accept, "<Say>a</Say><Hangup/><Say>b</Say>")
        .await;
    assert_eq!(
        s.events(),
        vec![say("a"), CallEvent::HungUp(HangupBy::Twiml)]
    );
}

#[tokio::test]
async fn a_gather_timeout_falls_through_to_the_next_verb() {
    let s = Script::default();
    let secs = s
        .run(
            Behaviour::Silent,
            "<Gather timeout=\"7\" action=\"/k\"><Say>Offer</Say></Gather><Say>Goodbye</Say>",
        )
        .await;
    assert_eq!(
        s.events(),
        vec![
            say("Offer"),
            CallEvent::GatherTimedOut,
            say("Goodbye"),
            CallEvent::HungUp(HangupBy::Twiml),
        ]
    );
    assert!(s.fetched().is_empty());
    assert!(close(secs, 5.0 / 15.0 + 7.0 + 7.0 / 15.0), "{secs}");
}

#[tokio::test]
async fn a_key_posts_its_digits_to_the_action_and_follows_the_answer() {
    let s = Script::default().doc("http://app.test/k", "<Say>Yours</Say>");
    s.run(
        Behaviour::Accept,
        "<Gather action=\"/k\" method=\"GET\"><Say>Offer</Say></Gather><Say>not reached</Say>",
    )
    .await;
    assert_eq!(
        s.events(),
        vec![
            say("Offer"),
            CallEvent::Pressed('1'),
            say("Yours"),
            CallEvent::HungUp(HangupBy::Twiml),
        ]
    );
    assert_eq!(
        s.fetched(),
        vec![("http://app.test/k".into(), "GET".into(), digits('1'))]
    );
}

#[tokio::test]
async fn without_an_action_the_key_goes_to_the_document_itself() {
    let s = Script::default().doc(BASE, "<Hangup/>");
    s.run(Behaviour::Decline, "<Gather><Say>Offer</Say></Gather>")
        .await;
    assert_eq!(s.fetched(), vec![(BASE.into(), "POST".into(), digits('2'))]);
    assert_eq!(s.events().last(), Some(&CallEvent::HungUp(HangupBy::Twiml)));
}

#[tokio::test]
async fn a_key_during_play_counts_and_cuts_the_message_short() {
    let s = Script::default()
        .audio("http://app.test/a.wav", "abcdef", 4.0)
        .doc("http://app.test/k", "<Say>Yours</Say>");
    let secs = s
        .run(
            Behaviour::PressDuringMessage('1'),
            "<Gather action=\"/k\"><Play>/a.wav</Play><Say>never heard</Say></Gather>",
        )
        .await;
    assert_eq!(
        s.events(),
        vec![
            play("abc", "http://app.test/a.wav", 2.0, true),
            CallEvent::Pressed('1'),
            say("Yours"),
            CallEvent::HungUp(HangupBy::Twiml),
        ]
    );
    assert_eq!(s.fetched()[0].2, digits('1'));
    assert!(close(secs, 2.0 + 1.0 + 5.0 / 15.0), "{secs}");
}

#[tokio::test]
async fn a_key_during_say_counts_on_the_first_gather_only() {
    let s = Script::default().doc(
        "http://app.test/k",
        "<Gather action=\"/end\"><Say>abcd</Say></Gather>",
    );
    s.run(
        Behaviour::PressDuringMessage('2'),
        "<Gather action=\"/k\"><Say>abcdef</Say></Gather>",
    )
    .await;
    let events = s.events();
    assert_eq!(
        events[..4],
        [
            CallEvent::Heard {
                text: "abc".into(),
                via: Via::Say,
                interrupted: true,
            },
            CallEvent::Pressed('2'),
            say("abcd"),
            CallEvent::Pressed('2'),
        ]
    );
    assert_eq!(s.fetched()[1].0, "http://app.test/end");
}

#[tokio::test]
async fn a_key_planned_during_unplayable_audio_comes_during_the_next_message() {
    let s = Script::default().doc("http://app.test/k", "<Hangup/>");
    s.run(
        Behaviour::PressDuringMessage('1'),
        "<Gather action=\"/k\"><Play>/missing.wav</Play><Say>abcd</Say><Say>never</Say></Gather>",
    )
    .await;
    assert_eq!(
        s.events()[..3],
        [
            CallEvent::AudioError("http://app.test/missing.wav: HTTP 404".into()),
            CallEvent::Heard {
                text: "ab".into(),
                via: Via::Say,
                interrupted: true,
            },
            CallEvent::Pressed('1'),
        ]
    );
}

#[tokio::test]
async fn a_wrong_key_first_then_the_planned_one() {
    let s = Script::default()
        .doc(
            "http://app.test/k",
            "<Gather action=\"/k2\"><Say>Again</Say></Gather>",
        )
        .doc("http://app.test/k2", "<Hangup/>");
    s.run(
        Behaviour::WrongKeyThen('1'),
        "<Gather action=\"/k\"><Say>Offer</Say></Gather>",
    )
    .await;
    assert_eq!(s.fetched()[0].2, digits('9'));
    assert_eq!(s.fetched()[1].2, digits('1'));
}

#[tokio::test]
async fn audio_that_cannot_be_played_is_an_audio_error_and_the_call_goes_on() {
    let s = Script::default();
    s.run(Behaviour::Accept, "<Play>x.wav</Play><Say>after</Say>")
        .await;
    assert_eq!(
        s.events(),
        vec![
            CallEvent::AudioError("http://app.test/calls/x.wav: HTTP 404".into()),
            say("after"),
            CallEvent::HungUp(HangupBy::Twiml),
        ]
    );
}

#[tokio::test]
async fn redirect_follows_to_the_next_document() {
    let s = Script::default().doc("http://app.test/calls/next", "<Say>there</Say>");
    s.run(
        Behaviour::Accept,
        "<Redirect method=\"get\">next</Redirect><Say>skipped</Say>",
    )
    .await;
    assert_eq!(
        s.events(),
        vec![
            CallEvent::Redirected("http://app.test/calls/next".into()),
            say("there"),
            CallEvent::HungUp(HangupBy::Twiml),
        ]
    );
    assert_eq!(
        s.fetched(),
        vec![("http://app.test/calls/next".into(), "GET".into(), vec![])]
    );
}

#[tokio::test]
async fn a_redirect_loop_ends_after_twenty_documents() {
    let s = Script::default().doc(BASE, "<Redirect>/calls/1</Redirect>");
    s.run(Behaviour::Accept, "<Redirect>/calls/1</Redirect>")
        .await;
    assert_eq!(s.fetched().len(), 19);
    let events = s.events();
    let n = events.len();
    assert!(matches!(
        &events[n - 3],
        CallEvent::WebhookError { detail, .. } if detail.contains("more than 20 TwiML documents")
    ));
    assert_eq!(events[n - 2..], application_error());
}

#[tokio::test]
async fn an_unknown_verb_is_an_application_error_before_any_verb_runs() {
    let s = Script::default();
    s.run(Behaviour::Accept, "<Say>first</Say><Record/>").await;
    let events = s.events();
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(matches!(
        &events[0],
        CallEvent::WebhookError { url, detail }
            if url == BASE && detail.starts_with("invalid TwiML: unsupported verb <Record>")
    ));
    assert_eq!(events[1..], application_error());
}

#[tokio::test]
async fn an_action_that_fails_is_an_application_error() {
    let s = Script::default();
    s.run(
        Behaviour::Accept,
        "<Gather action=\"/gone\"><Say>Offer</Say></Gather><Say>not reached</Say>",
    )
    .await;
    let events = s.events();
    assert_eq!(
        events[..3],
        [
            say("Offer"),
            CallEvent::Pressed('1'),
            CallEvent::WebhookError {
                url: "http://app.test/gone".into(),
                detail: "HTTP 404".into(),
            },
        ]
    );
    assert_eq!(events[3..], application_error());
}

#[tokio::test]
async fn a_rest_hang_up_applies_at_the_next_verb_boundary() {
    let s = Script::default().update_at(2, Update::Complete);
    s.run(Behaviour::Accept, "<Say>a</Say><Say>b</Say><Say>c</Say>")
        .await;
    assert_eq!(s.events(), vec![say("a"), CallEvent::HungUp(HangupBy::Api)]);
}

#[tokio::test]
async fn a_rest_hang_up_stops_a_gathers_message() {
    // Boundaries: before the Gather, before its first Say, before its second.
    let s = Script::default().update_at(3, Update::Complete);
    s.run(
        Behaviour::Accept,
        "<Gather action=\"/k\"><Say>a</Say><Say>b</Say></Gather>",
    )
    .await;
    assert_eq!(s.events(), vec![say("a"), CallEvent::HungUp(HangupBy::Api)]);
    assert!(s.fetched().is_empty());
}

#[tokio::test]
async fn rest_twiml_and_url_updates_replace_the_document() {
    let s = Script::default().update_at(
        2,
        Update::Twiml("<Response><Say>new</Say></Response>".into()),
    );
    s.run(Behaviour::Accept, "<Say>a</Say><Say>b</Say>").await;
    assert_eq!(
        s.events(),
        vec![say("a"), say("new"), CallEvent::HungUp(HangupBy::Twiml)]
    );

    let s = Script::default()
        .doc("http://app.test/calls/other", "<Say>other</Say>")
        .update_at(
            1,
            Update::Url {
                url: "other".into(),
                method: "GET".into(),
            },
        );
    s.run(Behaviour::Accept, "<Say>a</Say>").await;
    assert_eq!(
        s.events(),
        vec![say("other"), CallEvent::HungUp(HangupBy::Twiml)]
    );
    assert_eq!(
        s.fetched(),
        vec![("http://app.test/calls/other".into(), "GET".into(), vec![])]
    );
}

#[tokio::test]
async fn an_update_arriving_at_the_end_of_a_document_still_applies() {
    let s =
        Script::default().update_at(2, Update::Twiml("<Response><Say>b</Say></Response>".into()));
    s.run(Behaviour::Accept, "<Say>a</Say>").await;
    assert_eq!(
        s.events(),
        vec![say("a"), say("b"), CallEvent::HungUp(HangupBy::Twiml)]
    );
}

#[tokio::test]
async fn a_holding_phone_waits_at_the_gather_for_the_api() {
    let s = Script::default();
    *s.on_hold.borrow_mut() = Some(Update::Complete);
    s.run(
        Behaviour::HoldUntilEnded,
        "<Gather><Say>Offer</Say></Gather><Say>not reached</Say>",
    )
    .await;
    assert_eq!(s.holds.get(), 1);
    assert_eq!(
        s.events(),
        vec![say("Offer"), CallEvent::HungUp(HangupBy::Api)]
    );
}

#[tokio::test]
async fn a_holding_phone_never_ended_times_out_like_a_silent_one() {
    let s = Script::default();
    s.run(
        Behaviour::HoldUntilEnded,
        "<Gather><Say>Offer</Say></Gather><Say>Goodbye</Say>",
    )
    .await;
    assert_eq!(s.holds.get(), 1);
    assert_eq!(
        s.events(),
        vec![
            say("Offer"),
            CallEvent::GatherTimedOut,
            say("Goodbye"),
            CallEvent::HungUp(HangupBy::Twiml),
        ]
    );
}

#[tokio::test]
async fn dial_puts_the_call_through_then_the_document_goes_on() {
    let s = Script::default();
    s.run(
        Behaviour::Silent,
        "<Say>To the office.</Say><Dial>+61290000000</Dial><Say>Bye.</Say>",
    )
    .await;
    let events = s.events();
    assert!(
        events.contains(&CallEvent::Dialed(crate::record::Dialed::to(
            "+61290000000"
        ))),
        "{events:?}"
    );
    let said: Vec<&CallEvent> = events
        .iter()
        .filter(|e| matches!(e, CallEvent::Heard { .. }))
        .collect();
    assert_eq!(said.len(), 2, "{events:?}");
}
