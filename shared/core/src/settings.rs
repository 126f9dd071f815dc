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

use crate::quiet::{parse_hhmm, QuietHours};
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
// Inbound channels: the call-back line and text replies (SPEC §4.8–4.9).
pub const CALLBACK_WINDOW_HOURS: std::ops::RangeInclusive<u32> = 1..=48;
/// Call recording: how many days a recording is kept at Twilio.
pub const RECORDING_RETENTION_DAYS: std::ops::RangeInclusive<u32> = 1..=365;
pub const BROADCAST_SIZE: std::ops::RangeInclusive<u32> = 2..=10;
pub const MAX_CALLS_PER_PERSON_PER_HOUR: std::ops::RangeInclusive<u32> = 1..=20;
pub const NIGHT_WAIT_MINUTES: std::ops::RangeInclusive<u32> = 1..=120;
/// Speech spend: the characters a provider may send to ElevenLabs in a (UTC) day.
pub const DAILY_SPEECH_CHARACTERS: std::ops::RangeInclusive<u32> = 0..=1_000_000;

/// How a round calls its pool: one person at a time, or up to `broadcastSize` at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CallMode {
    #[default]
    Sequential,
    Broadcast,
}

impl CallMode {
    pub fn as_str(&self) -> &'static str {
        match self {
            CallMode::Sequential => "sequential",
            CallMode::Broadcast => "broadcast",
        }
    }

    pub fn parse(s: &str) -> Option<CallMode> {
        match s {
            "sequential" => Some(CallMode::Sequential),
            "broadcast" => Some(CallMode::Broadcast),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub enabled: bool,
    pub wait_minutes: u32,
    pub max_rounds: u32,
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
    // Inbound channels: the call-back line and text replies (SPEC §4.8–4.9).
    pub sms_follow_up: bool,
    pub notify_when_filled: bool,
    pub office_number: Option<String>,
    pub callback_window_hours: u32,
    // Results: the provider's prices for the cost figures (SPEC §4.10 `costRates`).
    pub cost_rates: CostRates,
    // Call recording: a spoken notice first, Twilio records, deleted after the retention.
    pub record_calls: bool,
    pub recording_retention_days: u32,
    // Broadcast calling and per-person pacing.
    pub call_mode: CallMode,
    pub broadcast_size: u32,
    pub max_calls_per_person_per_hour: u32,
    // Quiet hours and time-of-day waits.
    pub quiet_hours: Option<QuietHours>,
    pub urgent_overrides_quiet_hours: bool,
    pub night_wait_minutes: Option<u32>,
    /// The zone quiet hours are read in (IANA); `None`: each shift's own.
    pub time_zone: Option<String>,
    /// Toll fraud: the countries (ISO 3166 alpha-2) calls may be put through to; empty: the
    /// platform's country (`dialable::countries`).
    pub allowed_countries: Vec<String>,
    /// Speech spend: ElevenLabs characters a day (dialer and Listen; cache hits cost nothing);
    /// past it calls speak with `<Say>` and Listen is refused.
    pub daily_speech_characters: u32,
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
            // Inbound channels: the call-back line and text replies.
            sms_follow_up: false,
            notify_when_filled: false,
            office_number: None,
            callback_window_hours: 12,
            // Results: public list prices (README, "Costs").
            cost_rates: CostRates::default(),
            // Call recording: off; 30 days when on.
            record_calls: false,
            recording_retention_days: 30,
            call_mode: CallMode::Sequential,
            broadcast_size: 3,
            max_calls_per_person_per_hour: 7,
            quiet_hours: None,
            urgent_overrides_quiet_hours: true,
            night_wait_minutes: None,
            time_zone: None,
            allowed_countries: Vec::new(),
            daily_speech_characters: 20_000,
        }
    }
}

impl Settings {
    /// How many people a round rings at once: 1 unless broadcasting.
    pub fn calls_at_once(&self) -> u32 {
        match self.call_mode {
            CallMode::Sequential => 1,
            CallMode::Broadcast => self.broadcast_size,
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
    // Inbound channels: the call-back line and text replies.
    pub sms_follow_up: Option<bool>,
    pub notify_when_filled: Option<bool>,
    /// `Some(None)`: the office number is cleared.
    pub office_number: Option<Option<String>>,
    pub callback_window_hours: Option<u32>,
    // Results: the provider's prices.
    pub cost_rates: Option<CostRates>,
    // Call recording.
    pub record_calls: Option<bool>,
    pub recording_retention_days: Option<u32>,
    // Broadcast calling and per-person pacing.
    pub call_mode: Option<CallMode>,
    pub broadcast_size: Option<u32>,
    pub max_calls_per_person_per_hour: Option<u32>,
    // Quiet hours and time-of-day waits (`Some(None)`: set to null).
    pub quiet_hours: Option<Option<QuietHours>>,
    pub urgent_overrides_quiet_hours: Option<bool>,
    pub night_wait_minutes: Option<Option<u32>>,
    pub time_zone: Option<Option<String>>,
    // Toll fraud and speech spend.
    pub allowed_countries: Option<Vec<String>>,
    pub daily_speech_characters: Option<u32>,
}

// ---------------------------------------------------------------- results: cost rates

/// Twilio's list price for an outbound call to a US number, per minute (USD).
pub const TWILIO_US_CALL_PER_MINUTE: f64 = 0.014;
/// ElevenLabs' API list price for 1,000 characters of Multilingual v2 speech (USD).
pub const ELEVENLABS_PER_1K_CHARS: f64 = 0.10;
/// The largest rate accepted (a typo guard, far above any real price).
pub const MAX_RATE: f64 = 1000.0;
/// The smallest rate above zero accepted: a millionth of the currency (anything smaller is no
/// price, and a number as small as 1e-131 is beyond what the table can store).
pub const MIN_RATE: f64 = 0.000_001;

/// The provider's prices for the results' cost figures: per started minute of a call and per
/// 1,000 characters sent to the speech service, in `currency` (ISO 4217, three letters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CostRates {
    pub call_per_minute: f64,
    pub speech_per1k_chars: f64,
    pub currency: String,
}

// Rates are checked to be finite numbers, so equality is total.
impl Eq for CostRates {}

impl Default for CostRates {
    fn default() -> Self {
        CostRates {
            call_per_minute: TWILIO_US_CALL_PER_MINUTE,
            speech_per1k_chars: ELEVENLABS_PER_1K_CHARS,
            currency: "USD".into(),
        }
    }
}

fn rate(v: Option<&Value>, name: &str) -> Result<f64, String> {
    v.and_then(Value::as_f64)
        .filter(|r| r.is_finite() && (*r == 0.0 || (MIN_RATE..=MAX_RATE).contains(r)))
        // -0 is 0.
        .map(|r| if r == 0.0 { 0.0 } else { r })
        .ok_or_else(|| format!("{name} must be 0 or a number from {MIN_RATE} to {MAX_RATE}"))
}

impl CostRates {
    /// Check a `costRates` value: an object with exactly `callPerMinute`, `speechPer1kChars`
    /// (non-negative numbers) and `currency` (three capital letters, e.g. USD).
    pub fn from_json(v: &Value) -> Result<CostRates, String> {
        const SHAPE: &str =
            "must be {\"callPerMinute\": n, \"speechPer1kChars\": n, \"currency\": \"USD\"}";
        let Some(obj) = v.as_object() else {
            return Err(SHAPE.into());
        };
        if obj.keys().any(|k| {
            !matches!(
                k.as_str(),
                "callPerMinute" | "speechPer1kChars" | "currency"
            )
        }) {
            return Err(SHAPE.into());
        }
        let call_per_minute = rate(obj.get("callPerMinute"), "callPerMinute")?;
        let speech_per1k_chars = rate(obj.get("speechPer1kChars"), "speechPer1kChars")?;
        let currency = obj
            .get("currency")
            .and_then(Value::as_str)
            .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
            .ok_or("currency must be a three-letter code such as USD")?;
        Ok(CostRates {
            call_per_minute,
            speech_per1k_chars,
            currency: currency.to_string(),
        })
    }
}

/// The settings' names, as unknown-field errors list them.
pub const FIELDS: &str = "enabled, waitMinutes, maxRounds, messageTemplate, skipDecliners, declineMemoryDays, defaultLanguage, messageTemplates, voiceId, voiceIds, smsFollowUp, notifyWhenFilled, officeNumber, callbackWindowHours, costRates, recordCalls, recordingRetentionDays, callMode, broadcastSize, maxCallsPerPersonPerHour, quietHours, urgentOverridesQuietHours, nightWaitMinutes, timeZone, allowedCountries, dailySpeechCharacters";

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

/// `{"start":"HH:MM","end":"HH:MM"}` with different times, or null.
fn quiet_hours(v: &Value) -> Result<Option<QuietHours>, String> {
    if v.is_null() {
        return Ok(None);
    }
    let msg = || r#"must be {"start":"HH:MM","end":"HH:MM"} (24-hour, different times) or null"#;
    let obj = v.as_object().filter(|o| o.len() == 2).ok_or_else(msg)?;
    let time = |k: &str| obj.get(k).and_then(Value::as_str).and_then(parse_hhmm);
    match (time("start"), time("end")) {
        (Some(start), Some(end)) if start != end => Ok(Some(QuietHours { start, end })),
        _ => Err(msg().into()),
    }
}

/// `["AU", "NZ"]` (ISO 3166 alpha-2, kept in capitals, each once), or null / `[]` for the
/// platform's country.
fn allowed_countries(v: &Value) -> Result<Vec<String>, String> {
    use crate::dialable::{country_code, MAX_ALLOWED_COUNTRIES};
    let msg = || {
        format!("must be a list of at most {MAX_ALLOWED_COUNTRIES} ISO 3166 country codes such as [\"AU\", \"NZ\"], or null for the platform's country")
    };
    if v.is_null() {
        return Ok(Vec::new());
    }
    let list = v
        .as_array()
        .filter(|a| a.len() <= MAX_ALLOWED_COUNTRIES)
        .ok_or_else(msg)?;
    let mut out: Vec<String> = Vec::new();
    for c in list {
        let code = c.as_str().and_then(country_code).ok_or_else(msg)?;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
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
                // Inbound channels: the call-back line and text replies.
                "smsFollowUp" | "notifyWhenFilled" => match v.as_bool() {
                    Some(b) if key == "smsFollowUp" => patch.sms_follow_up = Some(b),
                    Some(b) => patch.notify_when_filled = Some(b),
                    None => {
                        errors.insert(key.clone(), "must be true or false".into());
                    }
                },
                "officeNumber" => match v {
                    Value::Null => patch.office_number = Some(None),
                    Value::String(n) if n.is_empty() => patch.office_number = Some(None),
                    Value::String(n) if crate::model::is_e164(n) => {
                        patch.office_number = Some(Some(n.clone()))
                    }
                    _ => {
                        errors.insert(
                            key.clone(),
                            "must be a phone number in international format (+61290000000) or null"
                                .into(),
                        );
                    }
                },
                "callbackWindowHours" => match int_in(v, &CALLBACK_WINDOW_HOURS) {
                    Ok(n) => patch.callback_window_hours = Some(n),
                    Err(e) => {
                        errors.insert(key.clone(), e);
                    }
                },
                // Results: the provider's prices.
                "costRates" => match CostRates::from_json(v) {
                    Ok(r) => patch.cost_rates = Some(r),
                    Err(e) => {
                        errors.insert(key.clone(), e);
                    }
                },
                // Call recording.
                "recordCalls" => match v.as_bool() {
                    Some(b) => patch.record_calls = Some(b),
                    None => {
                        errors.insert(key.clone(), "must be true or false".into());
                    }
                },
                "recordingRetentionDays" => match int_in(v, &RECORDING_RETENTION_DAYS) {
                    Ok(n) => patch.recording_retention_days = Some(n),
                    Err(e) => {
                        errors.insert(key.clone(), e);
                    }
                },
                // Broadcast calling and per-person pacing.
                "callMode" => match v.as_str().and_then(CallMode::parse) {
                    Some(m) => patch.call_mode = Some(m),
                    None => {
                        errors.insert(key.clone(), "must be sequential or broadcast".into());
                    }
                },
                "broadcastSize" => match int_in(v, &BROADCAST_SIZE) {
                    Ok(n) => patch.broadcast_size = Some(n),
                    Err(e) => {
                        errors.insert(key.clone(), e);
                    }
                },
                "maxCallsPerPersonPerHour" => match int_in(v, &MAX_CALLS_PER_PERSON_PER_HOUR) {
                    Ok(n) => patch.max_calls_per_person_per_hour = Some(n),
                    Err(e) => {
                        errors.insert(key.clone(), e);
                    }
                },
                // Quiet hours and time-of-day waits.
                "quietHours" => match quiet_hours(v) {
                    Ok(q) => patch.quiet_hours = Some(q),
                    Err(e) => {
                        errors.insert(key.clone(), e);
                    }
                },
                "urgentOverridesQuietHours" => match v.as_bool() {
                    Some(b) => patch.urgent_overrides_quiet_hours = Some(b),
                    None => {
                        errors.insert(key.clone(), "must be true or false".into());
                    }
                },
                "nightWaitMinutes" if v.is_null() => patch.night_wait_minutes = Some(None),
                "nightWaitMinutes" => match int_in(v, &NIGHT_WAIT_MINUTES) {
                    Ok(n) => patch.night_wait_minutes = Some(Some(n)),
                    Err(e) => {
                        errors.insert(key.clone(), format!("{e}, or null"));
                    }
                },
                "timeZone" if v.is_null() => patch.time_zone = Some(None),
                "timeZone" => match v.as_str().and_then(crate::zone::Zone::get) {
                    Some(z) => patch.time_zone = Some(Some(z.name().to_string())),
                    None => {
                        errors.insert(
                            key.clone(),
                            "must be an IANA time zone such as Australia/Sydney, or null".into(),
                        );
                    }
                },
                // Toll fraud and speech spend.
                "allowedCountries" => match allowed_countries(v) {
                    Ok(c) => patch.allowed_countries = Some(c),
                    Err(e) => {
                        errors.insert(key.clone(), e);
                    }
                },
                "dailySpeechCharacters" => match int_in(v, &DAILY_SPEECH_CHARACTERS) {
                    Ok(n) => patch.daily_speech_characters = Some(n),
                    Err(e) => {
                        errors.insert(
                            key.clone(),
                            format!("{e} (0: calls always speak with the built-in voice)"),
                        );
                    }
                },
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
            // Inbound channels: the call-back line and text replies.
            sms_follow_up: self.sms_follow_up.unwrap_or(s.sms_follow_up),
            notify_when_filled: self.notify_when_filled.unwrap_or(s.notify_when_filled),
            office_number: self
                .office_number
                .clone()
                .unwrap_or_else(|| s.office_number.clone()),
            callback_window_hours: self
                .callback_window_hours
                .unwrap_or(s.callback_window_hours),
            // Results: the provider's prices.
            cost_rates: self
                .cost_rates
                .clone()
                .unwrap_or_else(|| s.cost_rates.clone()),
            // Call recording.
            record_calls: self.record_calls.unwrap_or(s.record_calls),
            recording_retention_days: self
                .recording_retention_days
                .unwrap_or(s.recording_retention_days),
            // Broadcast calling and per-person pacing.
            call_mode: self.call_mode.unwrap_or(s.call_mode),
            broadcast_size: self.broadcast_size.unwrap_or(s.broadcast_size),
            max_calls_per_person_per_hour: self
                .max_calls_per_person_per_hour
                .unwrap_or(s.max_calls_per_person_per_hour),
            // Quiet hours and time-of-day waits.
            quiet_hours: self.quiet_hours.unwrap_or(s.quiet_hours),
            urgent_overrides_quiet_hours: self
                .urgent_overrides_quiet_hours
                .unwrap_or(s.urgent_overrides_quiet_hours),
            night_wait_minutes: self.night_wait_minutes.unwrap_or(s.night_wait_minutes),
            time_zone: self
                .time_zone
                .clone()
                .unwrap_or_else(|| s.time_zone.clone()),
            // Toll fraud and speech spend.
            allowed_countries: self
                .allowed_countries
                .clone()
                .unwrap_or_else(|| s.allowed_countries.clone()),
            daily_speech_characters: self
                .daily_speech_characters
                .unwrap_or(s.daily_speech_characters),
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
    fn broadcast_and_per_person_pacing_are_checked() {
        let p = SettingsPatch::from_json(&json!({
            "callMode": "broadcast", "broadcastSize": 10, "maxCallsPerPersonPerHour": 20
        }))
        .unwrap();
        let s = p.apply(&Settings::default());
        assert_eq!(s.calls_at_once(), 10);
        assert_eq!(s.max_calls_per_person_per_hour, 20);
        assert_eq!(Settings::default().calls_at_once(), 1);
        let sequential = Settings {
            broadcast_size: 5,
            ..Settings::default()
        };
        assert_eq!(sequential.calls_at_once(), 1);
        let e = SettingsPatch::from_json(&json!({
            "callMode": "all", "broadcastSize": 1, "maxCallsPerPersonPerHour": 21
        }))
        .unwrap_err();
        assert_eq!(e["callMode"], "must be sequential or broadcast");
        assert_eq!(e["broadcastSize"], "must be a whole number from 2 to 10");
        assert_eq!(
            e["maxCallsPerPersonPerHour"],
            "must be a whole number from 1 to 20"
        );
        assert!(SettingsPatch::from_json(&json!({"maxCallsPerPersonPerHour": 0})).is_err());
    }

    #[test]
    fn quiet_hours_and_their_companions_are_checked() {
        let p = SettingsPatch::from_json(&json!({
            "quietHours": {"start": "21:00", "end": "07:00"},
            "urgentOverridesQuietHours": false, "nightWaitMinutes": 120,
            "timeZone": "Australia/Sydney"
        }))
        .unwrap();
        let s = p.apply(&Settings::default());
        assert_eq!(
            serde_json::to_value(s.quiet_hours).unwrap(),
            json!({"start": "21:00", "end": "07:00"})
        );
        assert!(!s.urgent_overrides_quiet_hours);
        assert_eq!(s.night_wait_minutes, Some(120));
        assert_eq!(s.time_zone.as_deref(), Some("Australia/Sydney"));
        // Null clears; absent keeps.
        let cleared = SettingsPatch::from_json(
            &json!({"quietHours": null, "nightWaitMinutes": null, "timeZone": null}),
        )
        .unwrap()
        .apply(&s);
        assert_eq!(
            (
                cleared.quiet_hours,
                cleared.night_wait_minutes,
                cleared.time_zone
            ),
            (None, None, None)
        );
        assert!(!cleared.urgent_overrides_quiet_hours);
        let e = SettingsPatch::from_json(&json!({
            "quietHours": {"start": "21:00", "end": "21:00"}, "urgentOverridesQuietHours": 1,
            "nightWaitMinutes": 0, "timeZone": "Mars/Olympus"
        }))
        .unwrap_err();
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e["quietHours"].contains("HH:MM"));
        assert_eq!(
            e["nightWaitMinutes"],
            "must be a whole number from 1 to 120, or null"
        );
        assert!(e["timeZone"].contains("IANA"));
        for bad in [
            json!({"start": "9pm", "end": "07:00"}),
            json!({"start": "21:00"}),
            json!({"start": "21:00", "end": "07:00", "days": 5}),
            json!("21:00-07:00"),
        ] {
            assert!(SettingsPatch::from_json(&json!({ "quietHours": bad })).is_err());
        }
    }

    /// Numbers the table cannot hold (1e-131 underflows DynamoDB's numbers, 1e300 overflows
    /// them) are refused by every number setting with its range, never stored.
    #[test]
    fn tiny_and_huge_numbers_are_refused_by_every_number_setting() {
        for field in [
            "waitMinutes",
            "maxRounds",
            "declineMemoryDays",
            "callbackWindowHours",
            "recordingRetentionDays",
            "broadcastSize",
            "maxCallsPerPersonPerHour",
            "nightWaitMinutes",
        ] {
            for n in [json!(1e-131), json!(1e300), json!(-1e300), json!(2.5)] {
                let e = SettingsPatch::from_json(&json!({ field: n })).unwrap_err();
                assert!(
                    e[field].starts_with("must be a whole number from"),
                    "{field} {n}: {e:?}"
                );
            }
        }
    }

    #[test]
    fn cost_rates_default_to_list_prices_and_are_checked() {
        let d = Settings::default().cost_rates;
        assert_eq!((d.call_per_minute, d.speech_per1k_chars), (0.014, 0.10));
        assert_eq!(d.currency, "USD");
        let p = SettingsPatch::from_json(&json!({"costRates":
            {"callPerMinute": 0.02, "speechPer1kChars": 0, "currency": "AUD"}}))
        .unwrap();
        let s = p.apply(&Settings::default());
        assert_eq!(s.cost_rates.call_per_minute, 0.02);
        assert_eq!(s.cost_rates.speech_per1k_chars, 0.0);
        assert_eq!(s.cost_rates.currency, "AUD");
        assert_eq!(s.wait_minutes, 15);
        for (bad, msg) in [
            (
                json!({"callPerMinute": -0.01, "speechPer1kChars": 0.1, "currency": "USD"}),
                "callPerMinute must be",
            ),
            (
                json!({"callPerMinute": "1", "speechPer1kChars": 0.1, "currency": "USD"}),
                "callPerMinute must be",
            ),
            (
                json!({"callPerMinute": 0.01, "speechPer1kChars": 1e9, "currency": "USD"}),
                "speechPer1kChars must be",
            ),
            (
                json!({"callPerMinute": 0.01, "currency": "USD"}),
                "speechPer1kChars must be",
            ),
            (
                json!({"callPerMinute": 0.01, "speechPer1kChars": 0.1, "currency": "usd"}),
                "three-letter",
            ),
            (
                json!({"callPerMinute": 0.01, "speechPer1kChars": 0.1, "currency": "DOLLAR"}),
                "three-letter",
            ),
            (
                json!({"callPerMinute": 0.01, "speechPer1kChars": 0.1}),
                "three-letter",
            ),
            (
                json!({"callPerMinute": 0.01, "speechPer1kChars": 0.1, "currency": "USD", "tax": 1}),
                "must be {",
            ),
            (json!(0.014), "must be {"),
            // Too small or too large to be a price (1e-131 underflows the table's numbers).
            (
                json!({"callPerMinute": 1e-131, "speechPer1kChars": 0.1, "currency": "USD"}),
                "callPerMinute must be 0 or a number from 0.000001 to 1000",
            ),
            (
                json!({"callPerMinute": 0.01, "speechPer1kChars": 1e-7, "currency": "USD"}),
                "speechPer1kChars must be 0 or a number from 0.000001 to 1000",
            ),
            (
                json!({"callPerMinute": 1e300, "speechPer1kChars": 0.1, "currency": "USD"}),
                "callPerMinute must be",
            ),
        ] {
            let e = SettingsPatch::from_json(&json!({ "costRates": bad })).unwrap_err();
            assert!(e["costRates"].contains(msg), "{bad}: {e:?}");
        }
    }

    #[test]
    fn recording_is_off_by_default_and_its_retention_checked() {
        let d = Settings::default();
        assert!(!d.record_calls);
        assert_eq!(d.recording_retention_days, 30);
        let p =
            SettingsPatch::from_json(&json!({"recordCalls": true, "recordingRetentionDays": 365}))
                .unwrap();
        let s = p.apply(&d);
        assert!(s.record_calls);
        assert_eq!(s.recording_retention_days, 365);
        let e =
            SettingsPatch::from_json(&json!({"recordCalls": "yes", "recordingRetentionDays": 0}))
                .unwrap_err();
        assert_eq!(e["recordCalls"], "must be true or false");
        assert_eq!(
            e["recordingRetentionDays"],
            "must be a whole number from 1 to 365"
        );
        assert!(SettingsPatch::from_json(&json!({"recordingRetentionDays": 366})).is_err());
        assert!(SettingsPatch::from_json(&json!({"recordingRetentionDays": 1})).is_ok());
    }

    #[test]
    fn the_inbound_settings_are_checked() {
        let d = Settings::default();
        assert!(!d.sms_follow_up && !d.notify_when_filled);
        assert_eq!(
            (d.office_number.as_deref(), d.callback_window_hours),
            (None, 12)
        );
        let p = SettingsPatch::from_json(&json!({
            "smsFollowUp": true, "notifyWhenFilled": true,
            "officeNumber": "+61290000000", "callbackWindowHours": 48
        }))
        .unwrap();
        let s = p.apply(&d);
        assert!(s.sms_follow_up && s.notify_when_filled);
        assert_eq!(s.office_number.as_deref(), Some("+61290000000"));
        assert_eq!(s.callback_window_hours, 48);
        let cleared = SettingsPatch::from_json(&json!({"officeNumber": null}))
            .unwrap()
            .apply(&s);
        assert_eq!(cleared.office_number, None);
        assert!(cleared.sms_follow_up, "only what the patch names changes");
        let e = SettingsPatch::from_json(&json!({
            "smsFollowUp": "yes", "notifyWhenFilled": 1,
            "officeNumber": "02 9000 0000", "callbackWindowHours": 49
        }))
        .unwrap_err();
        assert_eq!(e.len(), 4, "{e:?}");
        assert_eq!(
            e["callbackWindowHours"],
            "must be a whole number from 1 to 48"
        );
        assert!(e["officeNumber"].contains("international format"));
        assert!(SettingsPatch::from_json(&json!({"callbackWindowHours": 0})).is_err());
        assert!(SettingsPatch::from_json(&json!({"callbackWindowHours": 1})).is_ok());
        // Settings saved before these fields existed still load, at their defaults.
        let old: Settings = serde_json::from_value(json!({
            "enabled": true, "waitMinutes": 5, "maxRounds": 2, "messageTemplate": "Hi"
        }))
        .unwrap();
        assert_eq!(old.callback_window_hours, 12);
        assert!(!old.sms_follow_up);
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

    #[test]
    fn allowed_countries_and_the_daily_speech_budget_are_checked() {
        let d = Settings::default();
        assert!(d.allowed_countries.is_empty(), "the platform's country");
        assert_eq!(d.daily_speech_characters, 20_000);
        let p = SettingsPatch::from_json(&json!({
            "allowedCountries": ["au", "NZ", "AU"], "dailySpeechCharacters": 0
        }))
        .unwrap();
        let s = p.apply(&d);
        assert_eq!(
            s.allowed_countries,
            vec!["AU".to_string(), "NZ".to_string()]
        );
        assert_eq!(s.daily_speech_characters, 0);
        let reset = SettingsPatch::from_json(&json!({"allowedCountries": null})).unwrap();
        assert!(reset.apply(&s).allowed_countries.is_empty());
        let e = SettingsPatch::from_json(&json!({
            "allowedCountries": ["XX"], "dailySpeechCharacters": 1_000_001
        }))
        .unwrap_err();
        assert!(e["allowedCountries"].contains("ISO 3166"), "{e:?}");
        assert!(e["dailySpeechCharacters"].contains("0 to 1000000"), "{e:?}");
        assert!(SettingsPatch::from_json(&json!({"allowedCountries": "AU"})).is_err());
        let many: Vec<&str> = vec!["AU"; 21];
        assert!(SettingsPatch::from_json(&json!({ "allowedCountries": many })).is_err());
    }
}
