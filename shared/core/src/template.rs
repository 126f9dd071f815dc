//! The spoken offer: the template a provider writes, its variables, and how it is rendered.

use crate::lang::Language;

/// The default template in English (each language's is `words::Phrasebook::default_template`).
pub const DEFAULT_TEMPLATE: &str = "Hi {employeeName}, we have an urgent shift for {patientName} on {date} at {time} in {suburb}. Press 1 to accept this shift, or press 2 to decline.";
pub const MAX_TEMPLATE_CHARS: usize = 1000;

/// Every variable a template may use, in the order the portal shows them.
pub const VARIABLES: [&str; 7] = [
    "employeeName",
    "patientName",
    "date",
    "time",
    "startTime",
    "endTime",
    "suburb",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
}

/// Why a template was refused, in words a coordinator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {MAX_TEMPLATE_CHARS} characters (it has {0})")]
    TooLong(usize),
    #[error("unknown variable {{{0}}}; use one of {{employeeName}}, {{patientName}}, {{date}}, {{time}}, {{startTime}}, {{endTime}}, {{suburb}}")]
    UnknownVariable(String),
    #[error("has a '{{' without a closing '}}'")]
    Unclosed,
    #[error("has a '}}' without an opening '{{'")]
    UnexpectedClose,
    #[error("must not contain control characters other than line breaks and tabs (character {0} is one)")]
    ControlCharacter(usize),
}

fn parse(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        match (rest.find('{'), rest.find('}')) {
            (_, Some(c)) if rest.find('{').is_none_or(|o| c < o) => {
                return Err(TemplateError::UnexpectedClose)
            }
            (Some(o), _) => {
                if o > 0 {
                    pieces.push(Piece::Text(&rest[..o]));
                }
                let after = &rest[o + 1..];
                let close = after.find('}').ok_or(TemplateError::Unclosed)?;
                let name = &after[..close];
                if !VARIABLES.contains(&name) {
                    return Err(TemplateError::UnknownVariable(name.to_string()));
                }
                pieces.push(Piece::Var(name));
                rest = &after[close + 1..];
            }
            (None, _) => {
                pieces.push(Piece::Text(rest));
                rest = "";
            }
        }
    }
    Ok(pieces)
}

/// Check a template as the provider API does before saving it.
pub fn validate(template: &str) -> Result<(), TemplateError> {
    if template.trim().is_empty() {
        return Err(TemplateError::Empty);
    }
    let n = template.chars().count();
    if n > MAX_TEMPLATE_CHARS {
        return Err(TemplateError::TooLong(n));
    }
    if let Some(at) = crate::validate::first_control_in_text(template) {
        return Err(TemplateError::ControlCharacter(at));
    }
    parse(template).map(|_| ())
}

pub use crate::patient_name::privacy_safe_name;

/// The values of the variables for one call (made in the call's language with the texts:
/// `Values::for_job_in`).
pub use crate::words::Values;

/// The value of the variable `name` (one of [`VARIABLES`]).
fn value<'v>(values: &'v Values, name: &str) -> &'v str {
    match name {
        "employeeName" => &values.employee_name,
        "patientName" => &values.patient_name,
        "date" => &values.date,
        "time" => &values.time,
        "startTime" => &values.start_time,
        "endTime" => &values.end_time,
        "suburb" => &values.suburb,
        _ => "",
    }
}

/// Render a template. A template that fails validation renders the default one instead, so a
/// call never reads out braces (templates are validated before they are saved).
pub fn render(template: &str, values: &Values) -> String {
    render_in(Language::English, template, values)
}

/// The same for a call in `language`: an invalid template falls back to that language's
/// default template.
pub fn render_in(language: Language, template: &str, values: &Values) -> String {
    offer_in(language, template, values).text
}

/// The template's pieces, or `language`'s default template's when it is not valid.
fn pieces_in(language: Language, template: &str) -> Vec<Piece<'_>> {
    match validate(template).and_then(|_| parse(template)) {
        Ok(p) => p,
        Err(_) => {
            parse(language.words().default_template()).expect("every default template is valid")
        }
    }
}

/// The variables whose value differs from one person of a shift to the next. Every other
/// variable is the shift's, the same for everyone called about it.
const PERSON_VARIABLES: [&str; 1] = ["employeeName"];

fn is_person(p: &Piece<'_>) -> bool {
    matches!(p, Piece::Var(v) if PERSON_VARIABLES.contains(v))
}

/// A rendered offer, and where its greeting ends when it has one (see [`offer_in`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offer {
    pub text: String,
    /// The byte in `text` where the greeting ("Hi Alice,") ends and the body (the same words
    /// for every person of the shift) begins; `None`: the text is spoken whole.
    pub greeting_end: Option<usize>,
}

impl From<&str> for Offer {
    /// Words spoken whole (no greeting of their own).
    fn from(text: &str) -> Offer {
        Offer::from(text.to_string())
    }
}

impl From<String> for Offer {
    /// Words spoken whole (no greeting of their own).
    fn from(text: String) -> Offer {
        Offer {
            text,
            greeting_end: None,
        }
    }
}

/// Render a template for a call in `language` (as [`render_in`]) and find its greeting: the
/// opening words up to the first clause break (`,` `.` `!` `?` `;` `:` followed by a space or by
/// a variable, or a full-width one) after the first person variable (`{employeeName}`). The
/// offer splits there only when no person variable comes after the greeting and the body has
/// words: then the body is the same for every person of the shift and is spoken once, and
/// each greeting is a short clip of its own. Otherwise (`{employeeName}` in the body, no
/// break after it, no person variable at all) the text is spoken whole.
pub fn offer_in(language: Language, template: &str, values: &Values) -> Offer {
    let pieces = pieces_in(language, template);
    let text: String = pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => *t,
            Piece::Var(v) => value(values, v),
        })
        .collect();
    let greeting_end = greeting_end(&pieces, values)
        .filter(|&end| !text[end..].trim().is_empty() && !text[..end].trim().is_empty());
    Offer { text, greeting_end }
}

fn greeting_end(pieces: &[Piece<'_>], values: &Values) -> Option<usize> {
    let first = pieces.iter().position(is_person)?;
    let mut offset = 0;
    for (i, p) in pieces.iter().enumerate() {
        match p {
            Piece::Text(t) if i > first => {
                if let Some(at) = clause_break(t) {
                    return (!pieces[i + 1..].iter().any(is_person)).then_some(offset + at);
                }
                offset += t.len();
            }
            Piece::Text(t) => offset += t.len(),
            Piece::Var(v) => offset += value(values, v).len(),
        }
    }
    None
}

/// The byte just after the first clause break of a template's text: a `,` `.` `!` `?` `;`
/// `:` followed by white space or ending the text (a variable follows), or a full-width
/// break (which needs no space).
fn clause_break(t: &str) -> Option<usize> {
    let mut chars = t.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = i + c.len_utf8();
        match c {
            ',' | '.' | '!' | '?' | ';' | ':'
                if chars.peek().is_none_or(|&(_, n)| n.is_whitespace()) =>
            {
                return Some(end)
            }
            '，' | '。' | '！' | '？' | '；' | '：' | '、' => return Some(end),
            _ => {}
        }
    }
    None
}

/// How an offer is spoken: whole, or its greeting then its body (each trimmed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spoken<'a> {
    Whole(&'a str),
    Split { greeting: &'a str, body: &'a str },
}

impl<'a> Spoken<'a> {
    /// `text` split at `greeting_end` (as [`Offer`] found it; kept with the call), or whole
    /// when there is no split or it does not fall inside the text.
    pub fn of(text: &'a str, greeting_end: Option<usize>) -> Spoken<'a> {
        let split = greeting_end
            .filter(|&e| e < text.len() && text.is_char_boundary(e))
            .map(|e| (text[..e].trim(), text[e..].trim()))
            .filter(|(g, b)| !g.is_empty() && !b.is_empty());
        match split {
            Some((greeting, body)) => Spoken::Split { greeting, body },
            None => Spoken::Whole(text),
        }
    }
}

/// The start of `body` that a greeting is spoken before, for the speech service's context
/// (`next_text`): its first sentence, at most [`LEAD_IN_CHARS`] characters, cut at a space.
pub fn lead_in(body: &str) -> &str {
    let sentence = clause_end(body).map_or(body, |e| &body[..e]);
    match sentence.char_indices().nth(LEAD_IN_CHARS) {
        None => sentence,
        Some((cut, _)) => {
            let head = &sentence[..cut];
            head.rfind(char::is_whitespace)
                .map_or(head, |s| &head[..s])
                .trim_end()
        }
    }
}

/// How much of the body a greeting hears after it.
pub const LEAD_IN_CHARS: usize = 100;

/// The byte just after the first full stop of `text` (`.` `!` `?` before a space or at the end,
/// but not the dot of an initial such as "Margaret T.", or a full-width one).
fn clause_end(text: &str) -> Option<usize> {
    let mut chars = text.char_indices().peekable();
    let mut word = 0;
    while let Some((i, c)) = chars.next() {
        let end = i + c.len_utf8();
        let initial = word == 1
            && text[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_uppercase);
        word = if c.is_whitespace() { 0 } else { word + 1 };
        match c {
            '.' if initial => {}
            '.' | '!' | '?' if chars.peek().is_none_or(|&(_, n)| n.is_whitespace()) => {
                return Some(end)
            }
            '。' | '！' | '？' => return Some(end),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::example_job as job;
    use proptest::prelude::*;

    #[test]
    fn renders_the_default_template_as_the_guide_describes() {
        let text = render(DEFAULT_TEMPLATE, &Values::for_job("Alice", &job()));
        assert_eq!(
            text,
            "Hi Alice, we have an urgent shift for Margaret T. on Jan 23 at 9:00 AM in Parramatta. Press 1 to accept this shift, or press 2 to decline."
        );
    }

    #[test]
    fn times_are_in_the_shifts_zone_not_the_offset_given() {
        let mut j = job();
        // 22:00 UTC the day before is 09:00 the next morning in Sydney (summer, +11).
        j.starts_at = "2026-01-22T22:00:00+00:00".parse().unwrap();
        j.ends_at = "2026-01-23T02:30:00+00:00".parse().unwrap();
        let v = Values::for_job("Bo", &j);
        assert_eq!((v.date.as_str(), v.time.as_str()), ("Jan 23", "9:00 AM"));
        assert_eq!(
            (v.start_time.as_str(), v.end_time.as_str()),
            ("09:00", "13:30")
        );
        j.time_zone = "America/New_York".into();
        let v = Values::for_job("Bo", &j);
        assert_eq!((v.date.as_str(), v.time.as_str()), ("Jan 22", "5:00 PM"));
    }

    #[test]
    fn every_variable_renders() {
        let t = "{employeeName}|{patientName}|{date}|{time}|{startTime}|{endTime}|{suburb}";
        assert_eq!(
            render(t, &Values::for_job("Alice", &job())),
            "Alice|Margaret T.|Jan 23|9:00 AM|09:00|13:00|Parramatta"
        );
    }

    #[test]
    fn privacy_safe_names() {
        assert_eq!(privacy_safe_name("Margaret Thompson"), "Margaret T.");
        assert_eq!(privacy_safe_name("  mary anne o'brien "), "mary O.");
        assert_eq!(privacy_safe_name("Cher"), "C.");
        assert_eq!(privacy_safe_name(""), "a client");
    }

    #[test]
    fn validation_names_the_problem() {
        assert_eq!(validate(""), Err(TemplateError::Empty));
        assert_eq!(validate("   "), Err(TemplateError::Empty));
        assert_eq!(
            validate("Hi {name}"),
            Err(TemplateError::UnknownVariable("name".into()))
        );
        assert_eq!(validate("Hi {employeeName"), Err(TemplateError::Unclosed));
        assert_eq!(
            validate("Hi employeeName}"),
            Err(TemplateError::UnexpectedClose)
        );
        assert_eq!(
            validate(&"a".repeat(1001)),
            Err(TemplateError::TooLong(1001))
        );
        assert_eq!(validate(&"é".repeat(1000)), Ok(()));
        assert_eq!(validate(DEFAULT_TEMPLATE), Ok(()));
        assert_eq!(
            validate("Hi\u{0}{employeeName}\u{7}"),
            Err(TemplateError::ControlCharacter(3))
        );
        assert_eq!(validate("Hi {employeeName},\nPress 1."), Ok(()));
    }

    /// Each language's own default template is a valid template that renders in that
    /// language; English's is [`DEFAULT_TEMPLATE`].
    #[test]
    fn every_languages_default_template_is_valid_and_renders_in_its_language() {
        assert_eq!(
            Language::English.words().default_template(),
            DEFAULT_TEMPLATE
        );
        for language in Language::ALL {
            let template = language.words().default_template();
            assert_eq!(validate(template), Ok(()), "{language:?}");
            let v = Values::for_job_in(language, "Bob", &job());
            let offer = render_in(language, template, &v);
            assert!(
                offer.contains(&v.date) && offer.contains(&v.time),
                "{offer}"
            );
            assert!(
                offer.contains("Bob") && offer.contains("Margaret T."),
                "{offer}"
            );
            assert!(!offer.contains(['{', '}']), "{offer}");
            assert!(offer.ends_with('.'), "{language:?}: {offer}");
            // An invalid template falls back to the language's own default.
            assert_eq!(render_in(language, "Hi {name}", &v), offer);
        }
    }

    fn split(template: &str, name: &str) -> (String, Option<(String, String)>) {
        let o = offer_in(Language::English, template, &Values::for_job(name, &job()));
        let parts = match Spoken::of(&o.text, o.greeting_end) {
            Spoken::Whole(_) => None,
            Spoken::Split { greeting, body } => Some((greeting.into(), body.into())),
        };
        (o.text, parts)
    }

    #[test]
    fn the_default_offer_splits_after_the_greeting() {
        let (text, parts) = split(DEFAULT_TEMPLATE, "Alice");
        assert_eq!(
            text,
            render(DEFAULT_TEMPLATE, &Values::for_job("Alice", &job()))
        );
        let (greeting, body) = parts.expect("the default template has a greeting");
        assert_eq!(greeting, "Hi Alice,");
        assert_eq!(body, "we have an urgent shift for Margaret T. on Jan 23 at 9:00 AM in Parramatta. Press 1 to accept this shift, or press 2 to decline.");
        assert_eq!(split(DEFAULT_TEMPLATE, "Bob").1.unwrap().1, body);
        // A comma in the name itself is the person's, not the template's break.
        assert_eq!(
            split(DEFAULT_TEMPLATE, "Mary, Jo").1.unwrap(),
            ("Hi Mary, Jo,".into(), body.clone())
        );
        // Every language's default template splits the same way.
        for language in Language::ALL {
            let v = Values::for_job_in(language, "Bob", &job());
            let o = offer_in(language, language.words().default_template(), &v);
            let Spoken::Split { greeting, body } = Spoken::of(&o.text, o.greeting_end) else {
                panic!("{language:?}: {}", o.text);
            };
            assert!(
                greeting.contains("Bob") && !body.contains("Bob"),
                "{language:?}"
            );
            assert_eq!(format!("{greeting} {body}"), o.text, "{language:?}");
        }
    }

    #[test]
    fn a_template_with_the_name_after_the_greeting_is_spoken_whole() {
        for template in [
            // The name in the body.
            "Hi {employeeName}, we need you, {employeeName}. Press 1.",
            // No break after the name, or nothing after it.
            "Hi {employeeName} we have a shift",
            "Hi {employeeName}.",
            "Hi {employeeName}.   ",
            // No name at all: the same words for everyone, spoken (and kept) whole.
            "We have a shift at {time}. Press 1.",
            // "9:00" is not a clause break.
            "Hi {employeeName} at 9:00 today",
        ] {
            let (text, parts) = split(template, "Alice");
            assert_eq!(parts, None, "{template}: {text}");
            assert_eq!(
                offer_in(
                    Language::English,
                    template,
                    &Values::for_job("Alice", &job())
                ),
                Offer::from(text)
            );
        }
        // Words before the name belong to the greeting.
        let (_, parts) = split("We have a shift for you, {employeeName}. Press 1.", "Al");
        assert_eq!(
            parts,
            Some(("We have a shift for you, Al.".into(), "Press 1.".into()))
        );
        // Shift variables may sit anywhere; a break right before a variable counts.
        let (_, parts) = split("{date}: Hi {employeeName},{patientName} needs care.", "Al");
        assert_eq!(
            parts,
            Some(("Jan 23: Hi Al,".into(), "Margaret T. needs care.".into()))
        );
        let (_, parts) = split("你好{employeeName}，有一个班次。", "Al");
        assert_eq!(parts, Some(("你好Al，".into(), "有一个班次。".into())));
    }

    #[test]
    fn a_split_kept_with_a_call_is_checked_against_its_text() {
        assert_eq!(
            Spoken::of("Hi A, b.", Some(5)),
            Spoken::Split {
                greeting: "Hi A,",
                body: "b."
            }
        );
        assert_eq!(Spoken::of("Hi A, b.", None), Spoken::Whole("Hi A, b."));
        assert_eq!(Spoken::of("Hi A, b.", Some(8)), Spoken::Whole("Hi A, b."));
        assert_eq!(Spoken::of("Hi A, b.", Some(80)), Spoken::Whole("Hi A, b."));
        assert_eq!(Spoken::of("é b", Some(1)), Spoken::Whole("é b"));
        assert_eq!(Spoken::of("  b", Some(1)), Spoken::Whole("  b"));
    }

    #[test]
    fn a_greeting_hears_the_bodys_first_sentence() {
        assert_eq!(lead_in("we have a shift. Press 1."), "we have a shift.");
        assert_eq!(lead_in("no stop"), "no stop");
        assert_eq!(
            lead_in("a shift for Margaret T. on Jan 23. Press 1."),
            "a shift for Margaret T. on Jan 23."
        );
        let long = "word ".repeat(40);
        let l = lead_in(&long);
        assert!(
            l.chars().count() <= LEAD_IN_CHARS && l.ends_with("word"),
            "{l}"
        );
        assert_eq!(lead_in(&"é".repeat(150)).chars().count(), LEAD_IN_CHARS);
    }

    /// Templates made of greetings, breaks, words and variables.
    fn template_strategy() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("Hi "),
            Just(", "),
            Just(". "),
            Just(","),
            Just("!"),
            Just(" we have a shift "),
            Just("Press 1"),
            Just("9:00"),
            Just("{employeeName}"),
            Just("{patientName}"),
            Just("{date}"),
            Just("{suburb}"),
        ];
        proptest::collection::vec(piece, 1..12).prop_map(|v| v.concat())
    }

    proptest! {
        /// Splitting never changes the words; a split's body is the same for every person and
        /// holds no name, and its greeting holds the name.
        #[test]
        fn a_split_offer_is_the_same_words_and_its_body_everyones(
            t in template_strategy(),
            a in "[A-Z][a-z]{2,6}",
            b in "[A-Z][a-z]{2,6}",
        ) {
            let (qa, qb) = (format!("Qx{a}"), format!("Zy{b}"));
            let va = Values::for_job(&qa, &job());
            let oa = offer_in(Language::English, &t, &va);
            prop_assert_eq!(&oa.text, &render(&t, &va));
            let (ta, pa) = split(&t, &qa);
            let (_, pb) = split(&t, &qb);
            prop_assert_eq!(pa.is_some(), pb.is_some(), "{}", ta);
            if let (Some((ga, ba)), Some((gb, bb))) = (pa, pb) {
                prop_assert_eq!(&ba, &bb);
                prop_assert!(ga.contains(&qa) && gb.contains(&qb));
                prop_assert!(!ba.contains("Qx") && !ba.contains("Zy"));
                let end = oa.greeting_end.unwrap();
                prop_assert_eq!(oa.text[..end].trim(), ga.as_str());
                prop_assert_eq!(oa.text[end..].trim(), ba.as_str());
            }
            if !t.contains("{employeeName}") {
                prop_assert_eq!(oa.greeting_end, None);
            }
        }

        #[test]
        fn rendered_text_never_has_braces(t in ".{0,300}") {
            // Valid templates have no stray braces and invalid ones fall back to the default,
            // so a carer never hears "curly bracket".
            let out = render(&t, &Values::for_job("Alice", &job()));
            let has_brace = out.contains(['{', '}']);
            prop_assert!(!has_brace, "rendered {:?}", out);
        }

        #[test]
        fn text_without_braces_renders_as_itself(t in "[^{}\\p{Cc}\\x{FFFE}\\x{FFFF}]{1,200}") {
            prop_assume!(!t.trim().is_empty());
            prop_assert_eq!(render(&t, &Values::for_job("A", &job())), t);
        }
    }
}
