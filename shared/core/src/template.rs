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
    let pieces = match validate(template).and_then(|_| parse(template)) {
        Ok(p) => p,
        Err(_) => {
            parse(language.words().default_template()).expect("every default template is valid")
        }
    };
    pieces
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => t,
            Piece::Var(v) => value(values, v),
        })
        .collect()
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

    proptest! {
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
