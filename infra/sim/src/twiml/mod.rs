//! TwiML: the documents our server answers calls with. This module owns parsing them into
//! [`Verb`]s (only the verbs the product uses; anything else is refused as Twilio refuses an
//! unknown verb) and resolving the URLs in them; `interpret` runs them.

mod interpret;

pub(crate) use interpret::{Interpreter, Line};

/// A TwiML verb, owned (parsed from the document up front).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Verb {
    /// The text, and `language` when the attribute is there.
    Say {
        text: String,
        language: Option<String>,
    },
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
    /// Put the call through to a number (the element's text, or its `<Number>`), with the
    /// attributes Twilio reads.
    Dial(crate::record::Dialed),
}

/// A TwiML document and the URL it came from (for relative URLs and default actions).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Doc {
    pub text: String,
    pub url: String,
}

/// The first half of a message (what is heard before a key cuts it short).
pub(crate) fn first_half(text: &str) -> String {
    let n = text.chars().count();
    text.chars().take(n / 2).collect()
}

/// The first 120 characters of a body, on one line (for error details).
pub(crate) fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let s: String = s.chars().take(120).collect();
    s.replace('\n', " ")
}

/// Resolve `target` against the document URL `base`, as a browser would.
pub(crate) fn resolve(base: &str, target: &str) -> String {
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

/// The verbs of a `<Response>` document, or why Twilio would refuse it.
pub(crate) fn parse(xml: &str) -> Result<Vec<Verb>, String> {
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
        "Say" => {
            let language = node.attribute("language").map(str::to_string);
            // Twilio fails a <Say> whose language none of its voices speak.
            if let Some(l) = &language {
                if !callout_core::lang::TWILIO_SAY_LANGUAGES.contains(&l.as_str()) {
                    return Err(format!(
                        "invalid TwiML: <Say language={l:?}> is not a language Twilio's <Say> speaks"
                    ));
                }
            }
            Verb::Say {
                text: element_text(node),
                language,
            }
        }
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
        "Dial" if !nested => {
            let number = element_text(node);
            if number.is_empty() {
                return Err("invalid TwiML: <Dial> without a number".into());
            }
            let answer_on_bridge = match node.attribute("answerOnBridge") {
                None | Some("false") => false,
                Some("true") => true,
                Some(v) => return Err(format!("invalid TwiML: <Dial answerOnBridge={v:?}>")),
            };
            Verb::Dial(crate::record::Dialed {
                number,
                // Twilio's default is four hours.
                time_limit_secs: attr_u32("timeLimit", 14_400)?,
                caller_id: node.attribute("callerId").map(str::to_string),
                answer_on_bridge,
            })
        }
        other => return Err(format!("invalid TwiML: unsupported verb <{other}>")),
    };
    Ok(verb)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::record::Dialed;

    fn one(inner: &str) -> Result<Verb, String> {
        let mut v = parse(&format!("<Response>{inner}</Response>"))?;
        assert_eq!(v.len(), 1, "{v:?}");
        Ok(v.remove(0))
    }

    #[test]
    fn parses_the_verbs_we_use() {
        let v = parse(
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
        assert!(parse("<response/>").is_err());
        assert!(parse("<Response><say>x</say></Response>").is_err());
        assert!(parse("not xml").is_err());
        assert!(parse("<Response><Gather><Hangup/></Gather></Response>").is_err());
    }

    #[test]
    fn dial_takes_its_number_from_its_text_or_number_noun() {
        assert_eq!(
            one("<Dial>+61290000000</Dial>"),
            Ok(Verb::Dial(Dialed::to("+61290000000")))
        );
        assert_eq!(
            one("<Dial><Number>+61290000000</Number></Dial>"),
            Ok(Verb::Dial(Dialed::to("+61290000000")))
        );
        assert_eq!(
            one(
                r#"<Dial timeLimit="1800" answerOnBridge="true" callerId="+61200000000">+61290000000</Dial>"#
            ),
            Ok(Verb::Dial(Dialed {
                number: "+61290000000".into(),
                time_limit_secs: 1800,
                caller_id: Some("+61200000000".into()),
                answer_on_bridge: true,
            }))
        );
        assert!(one("<Dial/>").is_err());
    }

    #[test]
    fn say_keeps_its_text_trimmed_and_its_language() {
        assert_eq!(
            one("<Say voice=\"Polly.Olivia\" language=\"en-AU\">\n  Hello there  </Say>"),
            Ok(Verb::Say {
                text: "Hello there".into(),
                language: Some("en-AU".into())
            })
        );
        assert_eq!(
            one("<Say/>"),
            Ok(Verb::Say {
                text: String::new(),
                language: None
            })
        );
        assert!(one("<Say language=\"es-419\">Hola</Say>")
            .unwrap_err()
            .contains("not a language"));
    }

    #[test]
    fn play_needs_a_url() {
        assert_eq!(
            one("<Play> https://a/b.wav </Play>"),
            Ok(Verb::Play("https://a/b.wav".into()))
        );
        assert_eq!(
            one("<Play/>"),
            Err("invalid TwiML: <Play> without a URL".into())
        );
    }

    #[test]
    fn pause_lasts_one_second_unless_told() {
        assert_eq!(one("<Pause/>"), Ok(Verb::Pause(1)));
        assert_eq!(one("<Pause length=\" 3 \"/>"), Ok(Verb::Pause(3)));
        assert_eq!(
            one("<Pause length=\"two\"/>"),
            Err("invalid TwiML: <Pause length=\"two\">".into())
        );
    }

    #[test]
    fn gather_defaults_and_nested_verbs() {
        assert_eq!(
            one("<Gather><Say>Offer</Say><Play>/a.wav</Play><Pause/></Gather>"),
            Ok(Verb::Gather {
                timeout: 5,
                action: None,
                method: "POST".into(),
                children: vec![
                    Verb::Say {
                        text: "Offer".into(),
                        language: None
                    },
                    Verb::Play("/a.wav".into()),
                    Verb::Pause(1),
                ],
            })
        );
        assert_eq!(
            one("<Gather method=\" get \" action=\"k?x=1\" timeout=\"2\"/>"),
            Ok(Verb::Gather {
                timeout: 2,
                action: Some("k?x=1".into()),
                method: "GET".into(),
                children: Vec::new(),
            })
        );
        for inside in ["<Gather/>", "<Redirect>/x</Redirect>", "<Dial>+61</Dial>"] {
            let err = one(&format!("<Gather>{inside}</Gather>")).unwrap_err();
            assert!(err.contains("is not allowed inside <Gather>"), "{err}");
        }
        assert!(one("<Gather timeout=\"-1\"/>").is_err());
    }

    #[test]
    fn redirect_needs_a_url_and_posts_by_default() {
        assert_eq!(
            one("<Redirect>/next</Redirect>"),
            Ok(Verb::Redirect {
                url: "/next".into(),
                method: "POST".into()
            })
        );
        assert_eq!(
            one("<Redirect method=\"get\">/next</Redirect>"),
            Ok(Verb::Redirect {
                url: "/next".into(),
                method: "GET".into()
            })
        );
        assert!(one("<Redirect/>").is_err());
    }

    #[test]
    fn hangup_and_an_empty_response() {
        assert_eq!(one("<Hangup/>"), Ok(Verb::Hangup));
        assert_eq!(parse("\u{feff} <Response/> \n"), Ok(Vec::new()));
    }

    #[test]
    fn verbs_the_product_does_not_use_are_refused() {
        // Message, Record ... are never sent by our server in a call: a document with one is
        // treated as a broken document (Twilio's "application error").
        for verb in ["<Message>hi</Message>", "<Record/>"] {
            let err = one(verb).unwrap_err();
            assert!(
                err.starts_with("invalid TwiML: unsupported verb <"),
                "{err}"
            );
        }
        assert_eq!(
            one("<Play>a</Play><Bogus/>").unwrap_err(),
            "invalid TwiML: unsupported verb <Bogus>"
        );
    }

    #[test]
    fn resolves_relative_urls() {
        assert_eq!(resolve("http://h:1/a/b?x=1", "/k?y=2"), "http://h:1/k?y=2");
        assert_eq!(resolve("http://h:1/a/b", "c"), "http://h:1/a/c");
        assert_eq!(resolve("http://h:1/a/b", "http://o/z"), "http://o/z");
        assert_eq!(resolve("not a url", " /z "), "/z");
    }

    #[test]
    fn half_of_a_message() {
        assert_eq!(first_half("abcdef"), "abc");
        assert_eq!(first_half(""), "");
    }

    #[test]
    fn snippets_are_short_and_on_one_line() {
        assert_eq!(snippet(b"a\nb"), "a b");
        assert_eq!(snippet(&[b'x'; 500]).len(), 120);
    }
}
