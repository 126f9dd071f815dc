//! The rules a setting's value follows, each with its message: checking a PATCH value (and
//! putting it in its canonical form), and the README's "rule" column.

use super::{CostRates, MAX_LANGUAGES, MAX_VOICE_ID_CHARS};
use crate::lang::{self, Language};
use crate::quiet::{parse_hhmm, QuietHours};
use crate::template;
use serde_json::Value;
use std::collections::BTreeMap;

/// Per-field messages, keyed by the JSON field name, for a 400 response.
pub type FieldErrors = BTreeMap<String, String>;

/// What a setting's value may be.
#[derive(Debug, Clone, Copy)]
pub enum Rule {
    /// `true` or `false`.
    Bool,
    /// A whole number in `min..=max`; `note` follows the message (" (0: off)").
    Whole {
        min: u32,
        max: u32,
        note: &'static str,
    },
    /// `null`, or what the inner rule takes; `note` follows the inner rule's message.
    OrNull(&'static Rule, &'static str),
    /// A message template (`template::validate`).
    Template,
    /// A BCP-47 tag of a language calls speak, kept in its canonical case.
    Language,
    /// `{language tag → value}`, each value by the inner rule; at most [`MAX_LANGUAGES`].
    Languages(&'static Rule),
    /// An ElevenLabs voice ID ([`is_voice_id`]).
    Voice,
    /// An E.164 phone number, or `null` / `""` for none.
    Phone,
    /// `costRates` ([`CostRates::from_json`]).
    Prices,
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// `{"start":"HH:MM","end":"HH:MM"}` with different times, or `null`.
    Hours,
    /// An IANA time zone (kept as the database names it), or `null`.
    Zone,
    /// ISO 3166 alpha-2 codes (capitals, each once), or `null` / `[]` for the platform's.
    Countries,
    /// A name people hear ([`MAX_NAME_CHARS`] at most: letters, digits, spaces, `.,&'-`), kept
    /// trimmed; `null` / `""` for none.
    Name,
}

impl Rule {
    pub const fn whole(min: u32, max: u32) -> Rule {
        Rule::Whole { min, max, note: "" }
    }

    /// The message of a value this rule refuses (a language map's keys and values have their
    /// own, given by [`Rule::check`]).
    pub fn message(&self) -> String {
        match self {
            Rule::Bool => "must be true or false".into(),
            Rule::Whole { min, max, note } => format!("must be a whole number from {min} to {max}{note}"),
            Rule::OrNull(inner, note) => format!("{}{note}", inner.message()),
            Rule::Template => "must be text".into(),
            Rule::Language => lang::spoken_tag_rule(),
            Rule::Languages(_) => {
                "must be an object of language tag → text, such as {\"es\": \"…\"}".into()
            }
            Rule::Voice => voice_id_rule(),
            Rule::Phone => {
                "must be a phone number in international format (+61290000000) or null".into()
            }
            Rule::Prices => CostRates::SHAPE.into(),
            Rule::OneOf(words) => format!("must be {}", words.join(" or ")),
            Rule::Hours => {
                r#"must be {"start":"HH:MM","end":"HH:MM"} (24-hour, different times) or null"#
                    .into()
            }
            Rule::Zone => "must be an IANA time zone such as Australia/Sydney, or null".into(),
            Rule::Countries => format!(
                "must be a list of at most {} ISO 3166 country codes such as [\"AU\", \"NZ\"], or null for the platform's country",
                crate::dialable::MAX_ALLOWED_COUNTRIES
            ),
            Rule::Name => format!(
                "must be a name of at most {MAX_NAME_CHARS} letters, digits, spaces and . , & ' - or null"
            ),
        }
    }

    /// The rule as the README's table states it.
    pub fn describe(&self) -> String {
        match self {
            Rule::Bool => "true or false".into(),
            Rule::Whole { min, max, note } => format!("{}–{}{note}", thousands(*min), thousands(*max)),
            Rule::OrNull(inner, _) => format!("{} or null", inner.describe()),
            Rule::Template => format!(
                "1–{} characters, known variables only",
                thousands(template::MAX_TEMPLATE_CHARS as u32)
            ),
            Rule::Language => format!(
                "a BCP-47 tag of a language calls speak ({}; a region allowed: `es-MX`)",
                Language::ALL.map(|l| format!("`{}`", l.code())).join(", ")
            ),
            Rule::Languages(inner) => format!(
                "language tag → {}; at most {MAX_LANGUAGES}",
                inner.describe()
            ),
            Rule::Voice => format!("an ElevenLabs voice ID (1–{MAX_VOICE_ID_CHARS} letters and digits)"),
            Rule::Phone => "E.164 (`+61290000000`) or null".into(),
            Rule::Prices => format!(
                "`callPerMinute`, `speechPer1kChars`: 0 or {}–{}; `currency`: three capital letters",
                super::MIN_RATE,
                super::MAX_RATE
            ),
            Rule::OneOf(words) => words
                .iter()
                .map(|w| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join(" or "),
            Rule::Hours => "`{\"start\":\"HH:MM\",\"end\":\"HH:MM\"}` or null".into(),
            Rule::Zone => "an IANA time zone or null".into(),
            Rule::Countries => format!(
                "up to {} ISO 3166 alpha-2 codes (`[\"AU\", \"NZ\"]`), or null",
                crate::dialable::MAX_ALLOWED_COUNTRIES
            ),
            Rule::Name => {
                format!("1–{MAX_NAME_CHARS} letters, digits, spaces and `.,&'-`, or null")
            }
        }
    }

    /// `v` checked, in its canonical form; `None` with the errors put under `field` (and, for
    /// a language map's values, `field.{tag}`).
    pub fn check(&self, field: &str, v: &Value, errors: &mut FieldErrors) -> Option<Value> {
        if let Rule::Languages(inner) = self {
            return language_map(field, v, inner, errors).map(|m| serde_json::json!(m));
        }
        match self.one(v) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.insert(field.into(), e);
                None
            }
        }
    }

    fn one(&self, v: &Value) -> Result<Value, String> {
        let refuse = || self.message();
        match self {
            Rule::Bool => v.as_bool().map(Value::from).ok_or_else(refuse),
            Rule::Whole { min, max, .. } => v
                .as_u64()
                .filter(|n| (u64::from(*min)..=u64::from(*max)).contains(n))
                .map(Value::from)
                .ok_or_else(refuse),
            Rule::OrNull(_, _) if v.is_null() => Ok(Value::Null),
            Rule::OrNull(inner, note) => inner.one(v).map_err(|e| format!("{e}{note}")),
            Rule::Template => {
                let t = v.as_str().ok_or_else(refuse)?;
                template::validate(t).map_err(|e| e.to_string())?;
                Ok(v.clone())
            }
            Rule::Language => match v.as_str().map(spoken_tag) {
                Some(Ok(tag)) => Ok(tag.into()),
                _ => Err(refuse()),
            },
            Rule::Languages(_) => Err(refuse()),
            Rule::Voice => v
                .as_str()
                .filter(|id| is_voice_id(id))
                .map(Value::from)
                .ok_or_else(refuse),
            Rule::Phone => match v {
                Value::Null => Ok(Value::Null),
                Value::String(n) if n.is_empty() => Ok(Value::Null),
                Value::String(n) if crate::model::is_e164(n) => Ok(v.clone()),
                _ => Err(refuse()),
            },
            Rule::Prices => {
                CostRates::from_json(v).map(|r| serde_json::to_value(r).unwrap_or_default())
            }
            Rule::OneOf(words) => v
                .as_str()
                .filter(|w| words.contains(w))
                .map(Value::from)
                .ok_or_else(refuse),
            Rule::Hours => quiet_hours(v)
                .map(|q| serde_json::to_value(q).unwrap_or_default())
                .ok_or_else(refuse),
            Rule::Zone if v.is_null() => Ok(Value::Null),
            Rule::Zone => v
                .as_str()
                .and_then(crate::zone::Zone::get)
                .map(|z| Value::from(z.name()))
                .ok_or_else(refuse),
            Rule::Countries => allowed_countries(v).map(Value::from).ok_or_else(refuse),
            Rule::Name => match v {
                Value::Null => Ok(Value::Null),
                Value::String(n) if n.trim().is_empty() => Ok(Value::Null),
                Value::String(n) if is_spoken_name(n.trim()) => Ok(Value::from(n.trim())),
                _ => Err(refuse()),
            },
        }
    }
}

/// The longest name a setting of [`Rule::Name`] holds.
pub const MAX_NAME_CHARS: usize = 60;

/// A name a call can say: at most [`MAX_NAME_CHARS`] letters, digits, spaces and `.,&'-`.
fn is_spoken_name(n: &str) -> bool {
    n.chars().count() <= MAX_NAME_CHARS
        && n.chars()
            .all(|c| c.is_alphanumeric() || " .,&'-".contains(c))
}

/// `1000000` as `1,000,000`.
fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Whether `s` can be an ElevenLabs voice ID: 1 to [`MAX_VOICE_ID_CHARS`] letters and digits.
pub fn is_voice_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_VOICE_ID_CHARS && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The rule of [`is_voice_id`], as an error message.
pub fn voice_id_rule() -> String {
    format!("must be an ElevenLabs voice ID: 1 to {MAX_VOICE_ID_CHARS} letters and digits, such as 21m00Tcm4TlvDq8ikWAM")
}

/// A language tag calls speak, in its canonical case, or the rule it breaks.
pub fn spoken_tag(v: &str) -> Result<String, String> {
    match lang::canonical(v) {
        Some(c) if Language::of_tag(&c).is_some() => Ok(c),
        _ => Err(lang::spoken_tag_rule()),
    }
}

/// A key as an error may name it: only when it looks like a tag (never echoes anything else).
fn nameable(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= lang::MAX_TAG_CHARS
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A `{language → value}` object: each key a tag calls speak (canonical, no two the same),
/// each value checked by `value`. Errors go under `field` (the map and its keys) and
/// `field.{tag}` (a value).
fn language_map(
    field: &str,
    v: &Value,
    value: &'static Rule,
    errors: &mut FieldErrors,
) -> Option<BTreeMap<String, Value>> {
    let Some(obj) = v.as_object() else {
        errors.insert(field.into(), Rule::Languages(value).message());
        return None;
    };
    if obj.len() > MAX_LANGUAGES {
        errors.insert(
            field.into(),
            format!("must have at most {MAX_LANGUAGES} languages"),
        );
        return None;
    }
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (key, v) in obj {
        let tag = match spoken_tag(key) {
            Ok(tag) => tag,
            Err(rule) => {
                let msg = if nameable(key) {
                    format!("has the key {key}, which {rule}")
                } else {
                    format!("has a key which {rule}")
                };
                errors.insert(field.into(), msg);
                ok = false;
                continue;
            }
        };
        if out.contains_key(&tag) {
            errors.insert(field.into(), format!("has {tag} twice"));
            ok = false;
            continue;
        }
        match value.one(v) {
            Ok(v) => {
                out.insert(tag, v);
            }
            Err(e) => {
                errors.insert(format!("{field}.{tag}"), e);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// `{"start":"HH:MM","end":"HH:MM"}` with different times, or null (`Some(None)`).
fn quiet_hours(v: &Value) -> Option<Option<QuietHours>> {
    if v.is_null() {
        return Some(None);
    }
    let obj = v.as_object().filter(|o| o.len() == 2)?;
    let time = |k: &str| obj.get(k).and_then(Value::as_str).and_then(parse_hhmm);
    match (time("start"), time("end")) {
        (Some(start), Some(end)) if start != end => Some(Some(QuietHours { start, end })),
        _ => None,
    }
}

/// `["AU", "NZ"]` (ISO 3166 alpha-2, kept in capitals, each once), or null / `[]` for the
/// platform's country.
fn allowed_countries(v: &Value) -> Option<Vec<String>> {
    use crate::dialable::{country_code, MAX_ALLOWED_COUNTRIES};
    if v.is_null() {
        return Some(Vec::new());
    }
    let list = v.as_array().filter(|a| a.len() <= MAX_ALLOWED_COUNTRIES)?;
    let mut out: Vec<String> = Vec::new();
    for c in list {
        let code = c.as_str().and_then(country_code)?;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Some(out)
}
