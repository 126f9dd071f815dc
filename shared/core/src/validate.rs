//! The written limits of every value that crosses an edge (events, webhooks, the provider API,
//! JWT claims), and the XML-safe form of any text. Pure functions: the handlers call them. A
//! patient's name is never refused, only cleaned here and spoken in its privacy-safe form
//! (`patient_name`).
//!
//! A refusal names the field and the rule, never the value: a refused value may be a patient's
//! name, a phone number or 100,000 characters of junk, and refusals reach logs and responses.

use std::borrow::Cow;

/// Identifiers (`occurrenceId`, `providerId`, `employeeId`, the JWT claim `provider_id`): 1 to
/// this many characters of [`ID_CHARSET`].
pub const MAX_ID_CHARS: usize = 128;
/// The characters an identifier may use, as the rule is written in errors and docs. No `/`
/// (it splits URL paths), no `#` (the table's key separator), no spaces or control characters.
pub const ID_CHARSET: &str = "A-Z a-z 0-9 _ - . : @";
/// A staff member's first name.
pub const MAX_FIRST_NAME_CHARS: usize = 64;
/// The patient's full name (only its privacy-safe form is ever spoken, texted or listed).
pub const MAX_PATIENT_NAME_CHARS: usize = 128;
/// The shift's suburb.
pub const MAX_SUBURB_CHARS: usize = 100;
/// A time-zone name (IANA names are at most ~30 characters).
pub const MAX_TIME_ZONE_CHARS: usize = 64;
/// The staff pool of one shift. The pool is stored inside the shift's item (DynamoDB's limit is
/// 400 KB); at the limits above one person takes at most ~450 bytes, so 500 people stay under
/// 230 KB with the rest of the shift.
pub const MAX_POOL: usize = 500;
/// A channel name on the acceptance API (`sms`, `coordinator`, ...).
pub const MAX_CHANNEL_CHARS: usize = 32;

/// Why a value was refused: the field and the rule, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct Refusal {
    pub field: String,
    pub rule: String,
}

impl Refusal {
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Refusal {
        Refusal {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

fn id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '@')
}

/// True when `s` is an identifier: 1 to [`MAX_ID_CHARS`] characters of [`ID_CHARSET`].
pub fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_ID_CHARS && s.chars().all(id_char)
}

/// The rule of [`is_identifier`], as an error message.
pub fn identifier_rule() -> String {
    format!("must be 1 to {MAX_ID_CHARS} characters of {ID_CHARSET}")
}

pub fn identifier(field: &str, s: &str) -> Result<(), Refusal> {
    if is_identifier(s) {
        Ok(())
    } else {
        Err(Refusal::new(field, identifier_rule()))
    }
}

/// Control characters (Unicode category Cc: C0, DEL, C1) and the noncharacters U+FFFE/U+FFFF.
pub fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// A name or place: 1 to `max` characters (not only spaces), no control characters.
pub fn name(field: &str, s: &str, max: usize) -> Result<(), Refusal> {
    let n = s.chars().count();
    if s.trim().is_empty() || n > max {
        return Err(Refusal::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    if s.chars().any(is_control) {
        return Err(Refusal::new(field, "must not contain control characters"));
    }
    Ok(())
}

/// A display field from an upstream system (a first name, the patient's name, a suburb) as the
/// product keeps and speaks it: control characters removed, each run of whitespace (line breaks
/// and tabs included) one space, none at either end, cut to `max` characters. A display field
/// is never a reason not to call someone: it is cleaned, not refused.
pub fn clean_display(s: &str, max: usize) -> String {
    let mut out = String::new();
    let (mut n, mut gap) = (0, false);
    for c in s.chars() {
        if c.is_whitespace() {
            gap = n > 0;
            continue;
        }
        if is_control(c) {
            continue;
        }
        let needed = if gap { 2 } else { 1 };
        if n + needed > max {
            break;
        }
        if gap {
            out.push(' ');
            gap = false;
        }
        out.push(c);
        n += needed;
    }
    out
}

/// Text a provider writes (the message template): line breaks and tabs are allowed, no other
/// control characters. `None` when it is clean, else the 1-based position of the first one.
pub fn first_control_in_text(s: &str) -> Option<usize> {
    s.chars()
        .position(|c| is_control(c) && !matches!(c, '\n' | '\r' | '\t'))
        .map(|i| i + 1)
}

/// A channel name on the acceptance API: 1 to [`MAX_CHANNEL_CHARS`] of [`ID_CHARSET`].
pub fn channel(s: &str) -> Result<(), Refusal> {
    if !s.is_empty() && s.len() <= MAX_CHANNEL_CHARS && s.chars().all(id_char) {
        Ok(())
    } else {
        Err(Refusal::new(
            "channel",
            format!("must be 1 to {MAX_CHANNEL_CHARS} characters of {ID_CHARSET}, such as \"sms\""),
        ))
    }
}

/// The provider a JWT's `provider_id` claim names, as API Gateway passes claims (strings):
/// `None` unless it is an identifier. A claim that was a number, array, object or null reaches
/// a function as text such as `123`, `[a b]` or `null`: the first passes the charset, so the
/// authorizer (or its emulation) must refuse non-string claims itself.
pub fn provider_claim(claim: Option<&str>) -> Option<&str> {
    claim.filter(|p| is_identifier(p) && *p != "null")
}

/// True for a character XML 1.0 allows in a document (its `Char` production).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
        || ('\u{20}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c)
        || c >= '\u{10000}'
}

/// `s` without the characters XML 1.0 forbids (C0 controls other than tab, line feed and
/// carriage return; U+FFFE, U+FFFF). Every XML the product writes passes its text through
/// this, whatever was checked before, so a document is never ill-formed.
pub fn xml_safe(s: &str) -> Cow<'_, str> {
    if s.chars().all(is_xml_char) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|c| is_xml_char(*c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn display_fields_are_cleaned_never_refused() {
        assert_eq!(clean_display("Al\u{8}ice", 64), "Alice");
        assert_eq!(clean_display("  Mary\n\tJane \u{7f} ", 64), "Mary Jane");
        assert_eq!(clean_display("Parra\u{0}matta\u{FFFF}", 100), "Parramatta");
        assert_eq!(clean_display(&"x".repeat(100_000), 64), "x".repeat(64));
        // Cut at the limit, never leaving a space at the end.
        assert_eq!(clean_display("abc def", 4), "abc");
        assert_eq!(clean_display("abc def", 5), "abc d");
        assert_eq!(clean_display("\u{1}\u{2} ", 10), "");
    }

    proptest! {
        #[test]
        fn a_cleaned_field_keeps_every_written_rule(s in ".{0,200}", max in 1usize..80) {
            let c = clean_display(&s, max);
            prop_assert!(c.chars().count() <= max);
            prop_assert!(!c.chars().any(is_control));
            prop_assert_eq!(c.trim(), c.as_str());
            prop_assert!(!c.contains("  "));
            prop_assert!(c.is_empty() || name("f", &c, max).is_ok());
        }
    }

    #[test]
    fn identifiers() {
        for ok in [
            "occ_123",
            "prov_1",
            "emp-7",
            "a",
            "x.y:z@w",
            &"a".repeat(128),
        ] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in [
            "",
            "a/b",
            "a#b",
            "a b",
            "a\u{0}",
            "é",
            &"a".repeat(129),
            "occ%2F1",
        ] {
            assert!(!is_identifier(bad), "{bad:?}");
        }
        let e = identifier("occurrenceId", "a/b").unwrap_err();
        assert_eq!(
            e.to_string(),
            "occurrenceId: must be 1 to 128 characters of A-Z a-z 0-9 _ - . : @"
        );
    }

    #[test]
    fn names_have_a_length_and_no_control_characters() {
        assert!(name("firstName", "Alice", 64).is_ok());
        assert!(name("firstName", "Zoë-Ånne O'Neil", 64).is_ok());
        assert!(name("firstName", "", 64).is_err());
        assert!(name("firstName", "   ", 64).is_err());
        assert!(name("firstName", &"a".repeat(65), 64).is_err());
        assert!(name("firstName", &"é".repeat(64), 64).is_ok());
        let e = name("firstName", "Al\u{8}ice", 64).unwrap_err();
        assert_eq!(
            e.to_string(),
            "firstName: must not contain control characters"
        );
        assert!(name("suburb", "Parra\u{85}matta", 100).is_err());
    }

    #[test]
    fn template_text_may_break_lines_but_hold_no_other_control() {
        assert_eq!(first_control_in_text("Hi\n{employeeName}\t."), None);
        assert_eq!(first_control_in_text("Hi\u{0}{employeeName}"), Some(3));
        assert_eq!(first_control_in_text("\u{7}"), Some(1));
    }

    #[test]
    fn provider_claims() {
        assert_eq!(provider_claim(Some("prov_1")), Some("prov_1"));
        for bad in [
            None,
            Some(""),
            Some("null"),
            Some("[a b]"),
            Some("{\"a\":1}"),
        ] {
            assert_eq!(provider_claim(bad), None, "{bad:?}");
        }
        assert_eq!(provider_claim(Some(&"p".repeat(3000))), None);
    }

    #[test]
    fn xml_safe_removes_only_what_xml_forbids() {
        assert_eq!(xml_safe("Hi\u{0}Al\u{8}ice\u{7}"), "HiAlice");
        assert_eq!(xml_safe("a\tb\nc\rd"), "a\tb\nc\rd");
        assert_eq!(xml_safe("\u{FFFE}x\u{FFFF}"), "x");
        assert!(matches!(xml_safe("plain é 日本"), Cow::Borrowed(_)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn xml_safe_text_is_always_xml(t in any::<String>()) {
            prop_assert!(xml_safe(&t).chars().all(is_xml_char));
        }

        #[test]
        fn identifiers_never_hold_a_slash_or_a_control(s in any::<String>()) {
            if is_identifier(&s) {
                prop_assert!(!s.contains('/') && !s.contains('#') && !s.chars().any(is_control));
                prop_assert!(s.len() <= MAX_ID_CHARS);
            }
        }
    }
}
