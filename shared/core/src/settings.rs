//! A provider's outbound-calling settings (SPEC §4.5): defaults, ranges, and checking a change.

use crate::template;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

pub const WAIT_MINUTES: std::ops::RangeInclusive<u32> = 1..=120;
pub const MAX_ROUNDS: std::ops::RangeInclusive<u32> = 1..=5;
// Inbound channels: the call-back line and text replies (SPEC §4.8–4.9).
pub const CALLBACK_WINDOW_HOURS: std::ops::RangeInclusive<u32> = 1..=48;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub enabled: bool,
    pub wait_minutes: u32,
    pub max_rounds: u32,
    pub message_template: String,
    // Inbound channels: the call-back line and text replies (SPEC §4.8–4.9).
    #[serde(default)]
    pub sms_follow_up: bool,
    #[serde(default)]
    pub notify_when_filled: bool,
    #[serde(default)]
    pub office_number: Option<String>,
    #[serde(default = "default_callback_window_hours")]
    pub callback_window_hours: u32,
}

fn default_callback_window_hours() -> u32 {
    12
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
            callback_window_hours: default_callback_window_hours(),
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
                // An unknown name is named back only when it looks like a name: whatever else
                // a caller sends as a key (long, odd characters) is not echoed.
                _ if key.len() <= 64
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    errors.insert(
                        key.clone(),
                        "is not a setting (use enabled, waitMinutes, maxRounds, messageTemplate)"
                            .into(),
                    );
                }
                _ => {
                    errors.insert(
                        "body".into(),
                        "has a field that is not a setting (use enabled, waitMinutes, maxRounds, messageTemplate)"
                            .into(),
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
