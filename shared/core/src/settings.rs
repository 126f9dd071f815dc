//! A provider's outbound-calling settings (SPEC §4.5): defaults, ranges, and checking a change.

use crate::quiet::{parse_hhmm, QuietHours};
use crate::template;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

pub const WAIT_MINUTES: std::ops::RangeInclusive<u32> = 1..=120;
pub const MAX_ROUNDS: std::ops::RangeInclusive<u32> = 1..=5;
// Inbound channels: the call-back line and text replies (SPEC §4.8–4.9).
pub const CALLBACK_WINDOW_HOURS: std::ops::RangeInclusive<u32> = 1..=48;
/// Call recording: how many days a recording is kept at Twilio.
pub const RECORDING_RETENTION_DAYS: std::ops::RangeInclusive<u32> = 1..=365;
pub const BROADCAST_SIZE: std::ops::RangeInclusive<u32> = 2..=10;
pub const MAX_CALLS_PER_PERSON_PER_HOUR: std::ops::RangeInclusive<u32> = 1..=20;
pub const NIGHT_WAIT_MINUTES: std::ops::RangeInclusive<u32> = 1..=120;

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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: false,
            wait_minutes: 15,
            max_rounds: 3,
            message_template: template::DEFAULT_TEMPLATE.to_string(),
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

/// A checked partial update: only the fields the caller sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsPatch {
    pub enabled: Option<bool>,
    pub wait_minutes: Option<u32>,
    pub max_rounds: Option<u32>,
    pub message_template: Option<String>,
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
}

// ---------------------------------------------------------------- results: cost rates

/// Twilio's list price for an outbound call to a US number, per minute (USD).
pub const TWILIO_US_CALL_PER_MINUTE: f64 = 0.014;
/// ElevenLabs' API list price for 1,000 characters of Multilingual v2 speech (USD).
pub const ELEVENLABS_PER_1K_CHARS: f64 = 0.10;
/// The largest rate accepted (a typo guard, far above any real price).
pub const MAX_RATE: f64 = 1000.0;

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
        .filter(|r| r.is_finite() && (0.0..=MAX_RATE).contains(r))
        .ok_or_else(|| format!("{name} must be a number from 0 to {MAX_RATE}"))
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
                // An unknown name is named back only when it looks like a name: whatever else
                // a caller sends as a key (long, odd characters) is not echoed.
                _ if key.len() <= 64
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    errors.insert(key.clone(), "is not a setting (README lists them)".into());
                }
                _ => {
                    errors.insert(
                        "body".into(),
                        "has a field that is not a setting (README lists them)".into(),
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
    fn range_edges_are_accepted() {
        for (w, r) in [(1, 1), (120, 5)] {
            let p = SettingsPatch::from_json(&json!({"waitMinutes": w, "maxRounds": r})).unwrap();
            assert_eq!((p.wait_minutes, p.max_rounds), (Some(w), Some(r)));
        }
    }
}
