//! TwiML, the XML Twilio follows during a call. Every interpolated value is escaped, and
//! characters XML 1.0 forbids are removed first (`validate::xml_safe`): whatever text reaches
//! it, the document is well-formed.

use crate::validate::xml_safe;
use std::borrow::Cow;

fn escape(s: &str) -> Cow<'_, str> {
    match xml_safe(s) {
        Cow::Borrowed(b) => quick_xml::escape::escape(b),
        Cow::Owned(o) => Cow::Owned(quick_xml::escape::escape(o.as_str()).into_owned()),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    Say(String),
    Play(String),
    Pause(u32),
    /// Collect one key while `nested` plays; on a key, POST `Digits` to `action`.
    Gather {
        action: String,
        timeout_secs: u32,
        nested: Vec<Verb>,
    },
    Redirect(String),
    Hangup,
    /// Put the call through to `number` (E.164, checked by `dialable::check`), for at most
    /// `time_limit_secs`, showing `caller_id`; the caller hears ringing until the other side
    /// answers (`answerOnBridge`).
    Dial {
        number: String,
        caller_id: String,
        time_limit_secs: u32,
    },
}

fn write(out: &mut String, verb: &Verb, say_language: Option<&str>) {
    match verb {
        Verb::Say(text) => {
            match say_language {
                Some(l) => out.push_str(&format!("<Say language=\"{}\">", escape(l))),
                None => out.push_str("<Say>"),
            }
            out.push_str(&escape(text.as_str()));
            out.push_str("</Say>");
        }
        Verb::Play(url) => {
            out.push_str("<Play>");
            out.push_str(&escape(url.as_str()));
            out.push_str("</Play>");
        }
        Verb::Pause(secs) => out.push_str(&format!("<Pause length=\"{secs}\"/>")),
        Verb::Gather {
            action,
            timeout_secs,
            nested,
        } => {
            out.push_str(&format!(
                "<Gather numDigits=\"1\" timeout=\"{timeout_secs}\" action=\"{}\" method=\"POST\">",
                escape(action.as_str())
            ));
            for v in nested {
                write(out, v, say_language);
            }
            out.push_str("</Gather>");
        }
        Verb::Redirect(url) => {
            out.push_str("<Redirect method=\"POST\">");
            out.push_str(&escape(url.as_str()));
            out.push_str("</Redirect>");
        }
        Verb::Hangup => out.push_str("<Hangup/>"),
        Verb::Dial {
            number,
            caller_id,
            time_limit_secs,
        } => {
            out.push_str(&format!(
                "<Dial timeLimit=\"{time_limit_secs}\" answerOnBridge=\"true\" callerId=\"{}\">",
                escape(caller_id.as_str())
            ));
            out.push_str(&escape(number.as_str()));
            out.push_str("</Dial>");
        }
    }
}

/// A whole TwiML document (its `<Say>`s in Twilio's default language, English).
pub fn render(verbs: &[Verb]) -> String {
    render_in(None, verbs)
}

/// A whole TwiML document whose every `<Say>` speaks `say_language` (one of
/// `lang::TWILIO_SAY_LANGUAGES`, from `lang::say_language`; `None`: Twilio's default).
pub fn render_in(say_language: Option<&str>, verbs: &[Verb]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>");
    for v in verbs {
        write(&mut out, v, say_language);
    }
    out.push_str("</Response>");
    out
}

/// The reply to an incoming text: one `<Message>`, or none (an empty `<Response/>`).
pub fn message(body: Option<&str>) -> String {
    match body {
        Some(b) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
            escape(b)
        ),
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dial_and_message() {
        let xml = render(&[
            Verb::Say("To the office.".into()),
            Verb::Dial {
                number: "+61290000000".into(),
                caller_id: "+61200000000".into(),
                time_limit_secs: 1800,
            },
        ]);
        assert!(xml.ends_with("<Say>To the office.</Say><Dial timeLimit=\"1800\" answerOnBridge=\"true\" callerId=\"+61200000000\">+61290000000</Dial></Response>"), "{xml}");
        assert_eq!(
            message(Some("Yes & no")),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>Yes &amp; no</Message></Response>"
        );
        roxmltree::Document::parse(&message(None)).expect("well-formed");
    }
    use proptest::prelude::*;

    #[test]
    fn gather_wraps_the_message_then_falls_through() {
        let xml = render(&[
            Verb::Gather {
                action: "https://x/api/outbound/response?occurrenceId=o&attempt=0".into(),
                timeout_secs: 15,
                nested: vec![Verb::Play("https://x/api/outbound/audio/o.0".into())],
            },
            Verb::Redirect("https://x/api/outbound/timeout?occurrenceId=o&attempt=0".into()),
        ]);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Gather numDigits=\"1\" timeout=\"15\" action=\"https://x/api/outbound/response?occurrenceId=o&amp;attempt=0\" method=\"POST\"><Play>https://x/api/outbound/audio/o.0</Play></Gather><Redirect method=\"POST\">https://x/api/outbound/timeout?occurrenceId=o&amp;attempt=0</Redirect></Response>"
        );
    }

    #[test]
    fn a_split_offer_plays_its_greeting_then_its_body_inside_the_gather() {
        let xml = render(&[Verb::Gather {
            action: "a".into(),
            timeout_secs: 15,
            nested: vec![
                Verb::Say("Once more.".into()),
                Verb::Play("https://s3/greeting.wav?X-Amz-Signature=1&b=2".into()),
                Verb::Play("https://s3/body.wav".into()),
            ],
        }]);
        assert!(xml.contains("<Gather numDigits=\"1\" timeout=\"15\" action=\"a\" method=\"POST\"><Say>Once more.</Say><Play>https://s3/greeting.wav?X-Amz-Signature=1&amp;b=2</Play><Play>https://s3/body.wav</Play></Gather>"), "{xml}");
    }

    #[test]
    fn values_with_xml_characters_are_escaped() {
        let xml = render(&[
            Verb::Say("Tom & Jerry <3 \"quotes\" 'single'".into()),
            Verb::Hangup,
        ]);
        assert!(xml.contains(
            "<Say>Tom &amp; Jerry &lt;3 &quot;quotes&quot; &apos;single&apos;</Say><Hangup/>"
        ));
    }

    #[test]
    fn every_say_of_a_document_speaks_its_language() {
        let xml = render_in(
            Some("es-MX"),
            &[
                Verb::Gather {
                    action: "a".into(),
                    timeout_secs: 15,
                    nested: vec![Verb::Say("Hola".into())],
                },
                Verb::Say("Adiós".into()),
            ],
        );
        assert!(xml.contains("<Say language=\"es-MX\">Hola</Say>"), "{xml}");
        assert!(xml.contains("<Say language=\"es-MX\">Adiós</Say>"), "{xml}");
        assert!(!render(&[Verb::Say("Hi".into())]).contains("language"));
    }

    #[test]
    fn characters_xml_forbids_never_reach_the_document() {
        let xml = render(&[Verb::Say("Hi\u{0}Al\u{8}ice\u{7}".into()), Verb::Hangup]);
        assert!(xml.contains("<Say>HiAlice</Say>"), "{xml}");
        roxmltree::Document::parse(&xml).expect("well-formed");
    }

    proptest! {
        /// Any text in any verb: the document parses, and the text comes back without only the
        /// characters XML forbids.
        #[test]
        fn any_text_in_any_verb_is_well_formed_xml(t in any::<String>(), u in any::<String>()) {
            let xml = render(&[
                Verb::Gather { action: u.clone(), timeout_secs: 5, nested: vec![Verb::Say(t.clone()), Verb::Play(u.clone())] },
                Verb::Redirect(u.clone()),
            ]);
            let doc = roxmltree::Document::parse(&xml);
            prop_assert!(doc.is_ok(), "{:?}", doc.err());
            let doc = doc.unwrap();
            let say = doc.descendants().find(|n| n.has_tag_name("Say")).unwrap();
            // XML normalises a carriage return to a line feed when it parses.
            let expect: String = xml_safe(&t).replace("\r\n", "\n").replace('\r', "\n");
            prop_assert_eq!(say.text().unwrap_or(""), expect.as_str());
        }

        #[test]
        fn any_text_stays_inside_its_element(t in ".{0,200}") {
            let xml = render(&[Verb::Say(t.clone())]);
            let inner = xml.strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>").unwrap();
            let inner = inner.strip_suffix("</Say></Response>").unwrap();
            prop_assert!(!inner.contains('<') && !inner.contains('>'));
            prop_assert_eq!(quick_xml::escape::unescape(inner).unwrap(), xml_safe(&t));
        }
    }
}
