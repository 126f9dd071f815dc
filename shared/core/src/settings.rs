//! A provider's outbound-calling settings (SPEC §4.5, §4.10): defaults, ranges, and checking a
//! change.
//!
//! Languages and voices: `defaultLanguage` is the language of `messageTemplate` and of every
//! call to someone whose own language calls do not speak; `messageTemplates` holds the offer in
//! other languages (`{"es": "Hola {employeeName}…", "fr-CA": "…"}`); `voiceId` is the ElevenLabs
//! voice of every call (`null`: the deployment's `ELEVENLABS_VOICE_ID`) and `voiceIds` a voice
//! per language that replaces it for calls in that language (`{"es": "…"}`). Every language key
//! is a BCP-47 tag of a language calls speak (`lang::Language`), kept in its canonical case;
//! [`Speaking`] says which template and voice a call gets.

use crate::campaign::MAX_DECLINE_MEMORY_DAYS;
use crate::lang::{self, Language, Speech};
use crate::template;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

pub const WAIT_MINUTES: std::ops::RangeInclusive<u32> = 1..=120;
pub const MAX_ROUNDS: std::ops::RangeInclusive<u32> = 1..=5;
pub const DECLINE_MEMORY_DAYS: std::ops::RangeInclusive<u32> = 0..=MAX_DECLINE_MEMORY_DAYS;
/// Languages in `messageTemplates` or `voiceIds`, at most.
pub const MAX_LANGUAGES: usize = 10;
/// An ElevenLabs voice ID: at most this many letters and digits.
pub const MAX_VOICE_ID_CHARS: usize = 64;
pub const DEFAULT_LANGUAGE: &str = "en";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub enabled: bool,
    pub wait_minutes: u32,
    pub max_rounds: u32,
    /// The offer in the default language.
    pub message_template: String,
    /// Whoever declines a shift is not called about it again in later rounds.
    pub skip_decliners: bool,
    /// Whoever declined a shift for the same patient within this many days is called last in
    /// every round (0: off).
    pub decline_memory_days: u32,
    pub default_language: String,
    /// The offer in other languages: language tag → template (same rules as
    /// `messageTemplate`); never the default language itself.
    pub message_templates: BTreeMap<String, String>,
    /// The ElevenLabs voice; `None` (JSON `null`): the deployment's `ELEVENLABS_VOICE_ID`.
    pub voice_id: Option<String>,
    /// A voice per language (language tag → voice ID), over `voiceId`.
    pub voice_ids: BTreeMap<String, String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: false,
            wait_minutes: 15,
            max_rounds: 3,
            message_template: template::DEFAULT_TEMPLATE.to_string(),
            skip_decliners: false,
            decline_memory_days: 0,
            default_language: DEFAULT_LANGUAGE.to_string(),
            message_templates: BTreeMap::new(),
            voice_id: None,
            voice_ids: BTreeMap::new(),
        }
    }
}

impl Settings {
    /// How calls speak, as a shift keeps it from its start.
    pub fn speaking(&self) -> Speaking {
        Speaking {
            default_language: self.default_language.clone(),
            message_templates: self.message_templates.clone(),
            voice_id: self.voice_id.clone(),
            voice_ids: self.voice_ids.clone(),
        }
    }

    /// The languages the provider's calls use: the default one, then those with a template
    /// of their own (the portal's Listen buttons).
    pub fn languages(&self) -> Vec<String> {
        let mut out = vec![self.default_language.clone()];
        out.extend(self.message_templates.keys().cloned());
        out
    }

    /// Rules between fields, checked on the settings a change would give (so a change of one
    /// field cannot leave another wrong): per-field messages, empty when none.
    pub fn conflicts(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if self.message_templates.contains_key(&self.default_language) {
            errors.insert(
                "messageTemplates".into(),
                format!(
                    "has a template for {}, the default language: the default language's template is messageTemplate (move it there, or choose another default language)",
                    self.default_language
                ),
            );
        }
        errors
    }
}

/// How a shift's calls speak: what the provider's settings said when it started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Speaking {
    pub default_language: String,
    #[serde(default)]
    pub message_templates: BTreeMap<String, String>,
    #[serde(default)]
    pub voice_id: Option<String>,
    #[serde(default)]
    pub voice_ids: BTreeMap<String, String>,
}

impl Default for Speaking {
    fn default() -> Self {
        Settings::default().speaking()
    }
}

impl Speaking {
    /// What a person is spoken to in (`lang::Speech::choose`).
    pub fn speech_for(&self, person_language: Option<&str>) -> Speech {
        Speech::choose(person_language, &self.default_language)
    }

    /// The offer's template for a call in `speech`: the provider's template for the call's
    /// tag (`es-MX`), else for its language (`es`), else, in the default language,
    /// `message_template`, else the language's own default (`Phrasebook::default_template`),
    /// so a call never mixes two languages.
    pub fn template<'a>(&'a self, speech: &Speech, message_template: &'a str) -> &'a str {
        let code = speech.language.code();
        if let Some(t) = self
            .message_templates
            .get(&speech.tag)
            .or_else(|| self.message_templates.get(code))
        {
            return t;
        }
        if Language::of_tag(&self.default_language) == Some(speech.language) {
            return message_template;
        }
        speech.words().default_template()
    }

    /// The ElevenLabs voice for a call in `speech`: `voiceIds` for its tag, then for its
    /// language, then `voiceId`; `None`: the deployment's `ELEVENLABS_VOICE_ID`.
    pub fn voice(&self, speech: &Speech) -> Option<&str> {
        self.voice_ids
            .get(&speech.tag)
            .or_else(|| self.voice_ids.get(speech.language.code()))
            .or(self.voice_id.as_ref())
            .map(String::as_str)
    }
}

/// A checked partial update: only the fields the caller sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsPatch {
    pub enabled: Option<bool>,
    pub wait_minutes: Option<u32>,
    pub max_rounds: Option<u32>,
    pub message_template: Option<String>,
    pub skip_decliners: Option<bool>,
    pub decline_memory_days: Option<u32>,
    pub default_language: Option<String>,
    pub message_templates: Option<BTreeMap<String, String>>,
    /// `Some(None)`: back to the deployment's voice.
    pub voice_id: Option<Option<String>>,
    pub voice_ids: Option<BTreeMap<String, String>>,
}

/// The settings' names, as unknown-field errors list them.
pub const FIELDS: &str = "enabled, waitMinutes, maxRounds, messageTemplate, skipDecliners, declineMemoryDays, defaultLanguage, messageTemplates, voiceId, voiceIds";

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
    value: impl Fn(&Value) -> Result<String, String>,
    errors: &mut FieldErrors,
) -> Option<BTreeMap<String, String>> {
    let Some(obj) = v.as_object() else {
        errors.insert(
            field.into(),
            "must be an object of language tag → text, such as {\"es\": \"…\"}".into(),
        );
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
        match value(v) {
            Ok(text) => {
                out.insert(tag, text);
            }
            Err(e) => {
                errors.insert(format!("{field}.{tag}"), e);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

fn template_value(v: &Value) -> Result<String, String> {
    let t = v.as_str().ok_or("must be text")?;
    template::validate(t).map_err(|e| e.to_string())?;
    Ok(t.to_string())
}

fn voice_value(v: &Value) -> Result<String, String> {
    match v.as_str() {
        Some(id) if is_voice_id(id) => Ok(id.to_string()),
        _ => Err(voice_id_rule()),
    }
}

/// Per-field messages, keyed by the JSON field name, for a 400 response.
pub type FieldErrors = BTreeMap<String, String>;

fn int_in(v: &Value, range: &std::ops::RangeInclusive<u32>) -> Result<u32, String> {
    let msg = || {
        format!(
            "must be a whole number from {} to {}",
            range.start(),
            range.end()
        )
    };
    let n = v.as_u64().ok_or_else(msg)?;
    u32::try_from(n)
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(msg)
}

impl SettingsPatch {
    /// Check a PATCH body. Every problem is reported at once; an empty map means none.
    pub fn from_json(body: &Value) -> Result<SettingsPatch, FieldErrors> {
        let mut errors = FieldErrors::new();
        let Some(obj) = body.as_object() else {
            errors.insert("body".into(), "must be a JSON object".into());
            return Err(errors);
        };
        let mut patch = SettingsPatch::default();
        for (key, v) in obj {
            match key.as_str() {
                "enabled" => match v.as_bool() {
                    Some(b) => patch.enabled = Some(b),
                    None => {
                        errors.insert(key.clone(), "must be true or false".into());
                    }
                },
                "waitMinutes" => match int_in(v, &WAIT_MINUTES) {
                    Ok(n) => patch.wait_minutes = Some(n),
                    Err(e) => {
                        errors.insert(key.clone(), e);
                    }
                },
                "maxRounds" => match int_in(v, &MAX_ROUNDS) {
                    Ok(n) => patch.max_rounds = Some(n),
                    Err(e) => {
                        errors.insert(key.clone(), e);
                    }
                },
                "messageTemplate" => match v.as_str() {
                    Some(t) => match template::validate(t) {
                        Ok(()) => patch.message_template = Some(t.to_string()),
                        Err(e) => {
                            errors.insert(key.clone(), e.to_string());
                        }
                    },
                    None => {
                        errors.insert(key.clone(), "must be text".into());
                    }
                },
                "skipDecliners" => match v.as_bool() {
                    Some(b) => patch.skip_decliners = Some(b),
                    None => {
                        errors.insert(key.clone(), "must be true or false".into());
                    }
                },
                "declineMemoryDays" => match int_in(v, &DECLINE_MEMORY_DAYS) {
                    Ok(n) => patch.decline_memory_days = Some(n),
                    Err(e) => {
                        errors.insert(key.clone(), format!("{e} (0: off)"));
                    }
                },
                "defaultLanguage" => match v.as_str().map(spoken_tag) {
                    Some(Ok(tag)) => patch.default_language = Some(tag),
                    _ => {
                        errors.insert(key.clone(), lang::spoken_tag_rule());
                    }
                },
                "messageTemplates" => {
                    patch.message_templates = language_map(key, v, template_value, &mut errors);
                }
                "voiceId" => match v {
                    Value::Null => patch.voice_id = Some(None),
                    v => match voice_value(v) {
                        Ok(id) => patch.voice_id = Some(Some(id)),
                        Err(e) => {
                            errors
                                .insert(key.clone(), format!("{e}, or null for the default voice"));
                        }
                    },
                },
                "voiceIds" => {
                    patch.voice_ids = language_map(key, v, voice_value, &mut errors);
                }
                // An unknown name is named back only when it looks like a name: whatever else
                // a caller sends as a key (long, odd characters) is not echoed.
                _ if key.len() <= 64
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    errors.insert(key.clone(), format!("is not a setting (use {FIELDS})"));
                }
                _ => {
                    errors.insert(
                        "body".into(),
                        format!("has a field that is not a setting (use {FIELDS})"),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(patch)
        } else {
            Err(errors)
        }
    }

    /// The settings with this change (`messageTemplates` and `voiceIds` are replaced whole).
    /// Check [`Settings::conflicts`] on the result before saving it.
    pub fn apply(&self, s: &Settings) -> Settings {
        Settings {
            enabled: self.enabled.unwrap_or(s.enabled),
            wait_minutes: self.wait_minutes.unwrap_or(s.wait_minutes),
            max_rounds: self.max_rounds.unwrap_or(s.max_rounds),
            message_template: self
                .message_template
                .clone()
                .unwrap_or_else(|| s.message_template.clone()),
            skip_decliners: self.skip_decliners.unwrap_or(s.skip_decliners),
            decline_memory_days: self.decline_memory_days.unwrap_or(s.decline_memory_days),
            default_language: self
                .default_language
                .clone()
                .unwrap_or_else(|| s.default_language.clone()),
            message_templates: self
                .message_templates
                .clone()
                .unwrap_or_else(|| s.message_templates.clone()),
            voice_id: self.voice_id.clone().unwrap_or_else(|| s.voice_id.clone()),
            voice_ids: self
                .voice_ids
                .clone()
                .unwrap_or_else(|| s.voice_ids.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_field_is_named_back_only_when_it_looks_like_a_name() {
        let errs = SettingsPatch::from_json(&serde_json::json!({ "waitMinute": 5 })).unwrap_err();
        assert!(errs["waitMinute"].contains("is not a setting"));
        let odd = format!("x{}\u{7}<script>", "y".repeat(5000));
        let errs = SettingsPatch::from_json(&serde_json::json!({ odd.clone(): 1 })).unwrap_err();
        assert!(!errs.contains_key(&odd));
        assert!(errs["body"].contains("not a setting"));
    }
    use serde_json::json;

    #[test]
    fn defaults() {
        let s = Settings::default();
        assert!(!s.enabled);
        assert_eq!((s.wait_minutes, s.max_rounds), (15, 3));
        assert_eq!(s.message_template, template::DEFAULT_TEMPLATE);
    }

    #[test]
    fn a_valid_patch_changes_only_what_it_names() {
        let p = SettingsPatch::from_json(&json!({"enabled": true, "waitMinutes": 1})).unwrap();
        let s = p.apply(&Settings::default());
        assert!(s.enabled);
        assert_eq!((s.wait_minutes, s.max_rounds), (1, 3));
    }

    #[test]
    fn every_bad_field_is_reported() {
        let e = SettingsPatch::from_json(&json!({
            "enabled": "yes", "waitMinutes": 0, "maxRounds": 6,
            "messageTemplate": "Hi {nickname}", "colour": "red"
        }))
        .unwrap_err();
        assert_eq!(e.len(), 5, "{e:?}");
        assert_eq!(e["waitMinutes"], "must be a whole number from 1 to 120");
        assert_eq!(e["maxRounds"], "must be a whole number from 1 to 5");
        assert!(e["messageTemplate"].contains("{nickname}"));
        assert!(SettingsPatch::from_json(&json!({"waitMinutes": 1.5})).is_err());
        assert!(SettingsPatch::from_json(&json!({"waitMinutes": 121})).is_err());
        assert!(SettingsPatch::from_json(&json!({"maxRounds": -1})).is_err());
        assert!(SettingsPatch::from_json(&json!([1])).is_err());
    }

    #[test]
    fn the_new_settings_default_off_and_english() {
        let s = Settings::default();
        assert!(!s.skip_decliners);
        assert_eq!(s.decline_memory_days, 0);
        assert_eq!(s.default_language, "en");
        assert!(s.message_templates.is_empty() && s.voice_ids.is_empty());
        assert_eq!(s.voice_id, None);
        let j = serde_json::to_value(&s).unwrap();
        assert_eq!(j["skipDecliners"], false);
        assert_eq!(j["declineMemoryDays"], 0);
        assert_eq!(j["defaultLanguage"], "en");
        assert_eq!(j["messageTemplates"], json!({}));
        assert_eq!(j["voiceId"], Value::Null);
        assert_eq!(j["voiceIds"], json!({}));
    }

    #[test]
    fn languages_and_voices_are_checked_and_kept_in_canonical_case() {
        let p = SettingsPatch::from_json(&json!({
            "skipDecliners": true, "declineMemoryDays": 30, "defaultLanguage": "ES-mx",
            "messageTemplates": {"en": "Hi {employeeName}", "fr-ca": "Bonjour {employeeName}"},
            "voiceId": "21m00Tcm4TlvDq8ikWAM", "voiceIds": {"fr": "abc123"},
        }))
        .unwrap();
        let s = p.apply(&Settings::default());
        assert!(s.skip_decliners);
        assert_eq!(s.decline_memory_days, 30);
        assert_eq!(s.default_language, "es-MX");
        assert_eq!(
            s.message_templates.keys().collect::<Vec<_>>(),
            ["en", "fr-CA"]
        );
        assert_eq!(s.voice_id.as_deref(), Some("21m00Tcm4TlvDq8ikWAM"));
        assert_eq!(s.languages(), ["es-MX", "en", "fr-CA"]);
        assert!(s.conflicts().is_empty());
        // null puts the deployment's voice back.
        let back = SettingsPatch::from_json(&json!({"voiceId": null}))
            .unwrap()
            .apply(&s);
        assert_eq!(back.voice_id, None);
    }

    #[test]
    fn bad_languages_and_voices_are_reported_per_field() {
        let e = SettingsPatch::from_json(&json!({
            "skipDecliners": "yes", "declineMemoryDays": 31, "defaultLanguage": "de",
            "messageTemplates": {"es": "Hola {apodo}", "fr": 3},
            "voiceId": "not a voice!", "voiceIds": {"klingon": "abc"},
        }))
        .unwrap_err();
        assert_eq!(e["skipDecliners"], "must be true or false");
        assert_eq!(
            e["declineMemoryDays"],
            "must be a whole number from 0 to 30 (0: off)"
        );
        assert!(e["defaultLanguage"].contains("en, es, fr"), "{e:?}");
        assert!(e["messageTemplates.es"].contains("{apodo}"), "{e:?}");
        assert_eq!(e["messageTemplates.fr"], "must be text");
        assert!(e["voiceId"].contains("ElevenLabs voice ID"), "{e:?}");
        assert!(e["voiceIds"].contains("klingon"), "{e:?}");
        // Keys that do not look like tags are not echoed.
        let odd = format!("<script>{}", "x".repeat(100));
        let e = SettingsPatch::from_json(&json!({"messageTemplates": {odd.clone(): "Hi"}}))
            .unwrap_err();
        assert!(!e["messageTemplates"].contains("script"), "{e:?}");
        // Two spellings of one language.
        let e = SettingsPatch::from_json(
            &json!({"messageTemplates": {"es-mx": "Hola", "ES-MX": "Hola"}}),
        )
        .unwrap_err();
        assert!(e["messageTemplates"].contains("es-MX twice"), "{e:?}");
        assert!(SettingsPatch::from_json(&json!({"messageTemplates": []})).is_err());
        let many: serde_json::Map<String, Value> = [
            "en", "es", "fr", "en-AU", "en-GB", "en-US", "es-MX", "es-ES", "fr-CA", "fr-FR",
            "fr-BE",
        ]
        .iter()
        .map(|t| (t.to_string(), json!("Hi")))
        .collect();
        assert!(
            SettingsPatch::from_json(&json!({"messageTemplates": many})).unwrap_err()
                ["messageTemplates"]
                .contains("at most 10")
        );
    }

    #[test]
    fn the_default_language_has_no_second_template() {
        let s =
            SettingsPatch::from_json(&json!({"messageTemplates": {"es": "Hola {employeeName}"}}))
                .unwrap()
                .apply(&Settings::default());
        assert!(s.conflicts().is_empty());
        let switched = SettingsPatch::from_json(&json!({"defaultLanguage": "es"}))
            .unwrap()
            .apply(&s);
        assert!(switched.conflicts()["messageTemplates"].contains("default language"));
    }

    #[test]
    fn a_call_gets_its_languages_template_and_voice() {
        let s = SettingsPatch::from_json(&json!({
            "messageTemplate": "Hi {employeeName}!",
            "messageTemplates": {"es": "Hola {employeeName}", "es-ES": "Buenas {employeeName}"},
            "voiceId": "base", "voiceIds": {"es": "spanish"},
        }))
        .unwrap()
        .apply(&Settings::default());
        let sp = s.speaking();
        let t = |person: Option<&str>| {
            let speech = sp.speech_for(person);
            (
                sp.template(&speech, &s.message_template).to_string(),
                sp.voice(&speech).map(str::to_string),
            )
        };
        assert_eq!(t(None), ("Hi {employeeName}!".into(), Some("base".into())));
        assert_eq!(
            t(Some("en-AU")),
            ("Hi {employeeName}!".into(), Some("base".into()))
        );
        assert_eq!(
            t(Some("es-MX")),
            ("Hola {employeeName}".into(), Some("spanish".into()))
        );
        assert_eq!(
            t(Some("es-es")),
            ("Buenas {employeeName}".into(), Some("spanish".into()))
        );
        // French: no template of the provider's, so French's own default, never English.
        let (fr, voice) = t(Some("fr"));
        assert!(fr.starts_with("Bonjour {employeeName}"), "{fr}");
        assert_eq!(voice.as_deref(), Some("base"));
        // A language calls do not speak: the default language.
        assert_eq!(t(Some("de")).0, "Hi {employeeName}!");
        assert_eq!(Speaking::default().voice(&Speech::english()), None);
    }

    #[test]
    fn range_edges_are_accepted() {
        for (w, r) in [(1, 1), (120, 5)] {
            let p = SettingsPatch::from_json(&json!({"waitMinutes": w, "maxRounds": r})).unwrap();
            assert_eq!((p.wait_minutes, p.max_rounds), (Some(w), Some(r)));
        }
    }
}
