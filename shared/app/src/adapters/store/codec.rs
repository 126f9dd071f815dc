//! Item codecs: the records of `crate::records` (and the provider's settings) to DynamoDB items
//! and back. Each attribute name comes from [`super::keys::attr`]; keys, `ttl` and the index's
//! attributes are added by the writes (they depend on the store's retention), not here.

use super::keys::attr;
use crate::records::{Attempt, Shift, PURPOSE};
use anyhow::{Context, Result};
use aws_sdk_dynamodb::types::AttributeValue;
use callout_core::campaign::{Outcome, SkipReason};
use callout_core::model::ShiftStatus;
use callout_core::quiet::QuietHours;
use callout_core::settings::{Calling, Settings, ShiftSettings};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}
pub(crate) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}
pub(crate) fn time(t: DateTime<Utc>) -> AttributeValue {
    s(t.to_rfc3339())
}
/// A time as RFC 3339 with microseconds and `+00:00`, always the same width (so that string
/// comparison is time order).
pub(crate) fn fixed_time(t: DateTime<Utc>) -> AttributeValue {
    s(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, false))
}
/// The `ttl` attribute: `at` in epoch seconds.
pub(crate) fn ttl(at: DateTime<Utc>) -> AttributeValue {
    n(at.timestamp())
}
pub(crate) fn get_s(item: &Item, k: &str) -> Option<String> {
    item.get(k).and_then(|v| v.as_s().ok()).cloned()
}
pub(crate) fn get_n<T: std::str::FromStr>(item: &Item, k: &str) -> Option<T> {
    item.get(k)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}
pub(crate) fn get_bool(item: &Item, k: &str) -> Option<bool> {
    item.get(k).and_then(|v| v.as_bool().ok()).copied()
}
pub(crate) fn get_time(item: &Item, k: &str) -> Option<DateTime<Utc>> {
    get_s(item, k).and_then(|t| t.parse().ok())
}
/// A string set (`SS`); absent is empty.
pub(crate) fn get_set(item: &Item, k: &str) -> BTreeSet<String> {
    item.get(k)
        .and_then(|v| v.as_ss().ok())
        .map(|v| v.iter().cloned().collect())
        .unwrap_or_default()
}
/// A string set, or nothing for an empty one (DynamoDB has no empty sets).
fn set(v: &BTreeSet<String>) -> Option<AttributeValue> {
    (!v.is_empty()).then(|| AttributeValue::Ss(v.iter().cloned().collect()))
}

/// An item under construction: optional fields are left out when `None`.
struct Builder(Item);

impl Builder {
    fn put(mut self, k: &str, v: AttributeValue) -> Self {
        self.0.insert(k.to_string(), v);
        self
    }
    fn opt(self, k: &str, v: Option<AttributeValue>) -> Self {
        match v {
            Some(v) => self.put(k, v),
            None => self,
        }
    }
}

// ---- settings: the record's serde form, one attribute per setting ----

/// The provider's settings item: each setting an attribute of its JSON name (serde).
/// A record kept as JSON text in one attribute (a shift's notes for its call log).
fn json_text<T: serde::Serialize>(value: Option<&T>) -> Option<AttributeValue> {
    value.and_then(|v| serde_json::to_string(v).ok()).map(s)
}

/// [`json_text`] read back; `None` when absent or unreadable.
fn get_json<T: serde::de::DeserializeOwned>(item: &Item, name: &str) -> Option<T> {
    get_s(item, name).and_then(|t| serde_json::from_str(&t).ok())
}

/// A person's recent calls (`PHONE#…` / `CALLS`): call → when it was let through (ms).
pub(crate) fn person_calls(item: Option<&Item>) -> HashMap<String, i64> {
    item.and_then(|i| i.get(attr::CALLS))
        .and_then(|v| v.as_m().ok())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_n().ok()?.parse().ok()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// [`person_calls`] as the attribute stores them.
pub(crate) fn person_calls_value(calls: HashMap<String, i64>) -> AttributeValue {
    AttributeValue::M(calls.into_iter().map(|(k, t)| (k, n(t))).collect())
}

pub(crate) fn settings_item(provider_id: &str, settings: &Settings) -> Result<Item> {
    let mut item: Item = serde_dynamo::to_item(settings).context("settings as an item")?;
    item.insert(attr::PROVIDER_ID.into(), s(provider_id));
    Ok(item)
}

/// The settings in `item`, each missing field at its default.
pub(crate) fn settings_from(item: &Item) -> Result<Settings> {
    let mut item = item.clone();
    // Written before the record was serde's: quietHours as JSON text, allowedCountries as
    // comma-separated text.
    if let Some(q) = get_s(&item, attr::QUIET_HOURS) {
        let hours: Option<QuietHours> = serde_json::from_str(&q).ok();
        item.insert(
            attr::QUIET_HOURS.into(),
            serde_dynamo::to_attribute_value(hours)?,
        );
    }
    if let Some(c) = get_s(&item, attr::ALLOWED_COUNTRIES) {
        let codes: Vec<&str> = c.split(',').filter(|c| !c.is_empty()).collect();
        item.insert(
            attr::ALLOWED_COUNTRIES.into(),
            serde_dynamo::to_attribute_value(codes)?,
        );
    }
    serde_dynamo::from_item(item).context("unreadable settings item")
}

/// What a shift kept of its settings, from an item written before `settings` was one
/// attribute: each as its own attribute, missing ones at their old defaults.
fn shift_settings_of_old(item: &Item) -> ShiftSettings {
    let calls_at_once: u32 = get_n(item, attr::CALLS_AT_ONCE).unwrap_or(1);
    ShiftSettings {
        calling_enabled: get_bool(item, attr::CALLING_ENABLED).unwrap_or(false),
        max_rounds: get_n(item, attr::MAX_ROUNDS).unwrap_or(1),
        message_template: get_s(item, attr::MESSAGE_TEMPLATE).unwrap_or_default(),
        calling: if calls_at_once > 1 {
            Calling::Broadcast {
                size: calls_at_once,
            }
        } else {
            Calling::OneAtATime
        },
        person_hourly_limit: get_n(item, attr::PERSON_HOURLY_LIMIT)
            .unwrap_or(Settings::default().max_calls_per_person_per_hour),
        quiet: get_s(item, attr::QUIET).and_then(|q| serde_json::from_str(&q).ok()),
        skip_decliners: get_bool(item, attr::SKIP_DECLINERS).unwrap_or(false),
        speaking: get_s(item, attr::SPEAKING)
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default(),
        from_number: None,
        sms_follow_up: None,
        record_calls: None,
    }
}

// ---- shifts ----

/// Marker attributes (`acceptanceFinishedAt`) are written with the time of encoding.
impl TryFrom<&Shift> for Item {
    type Error = anyhow::Error;

    fn try_from(sh: &Shift) -> Result<Item> {
        Ok(Builder(Item::new())
            .put(attr::OCCURRENCE_ID, s(sh.occurrence_id()))
            .put(attr::PROVIDER_ID, s(&sh.event.provider_id))
            .put(attr::EVENT, s(serde_json::to_string(&sh.event)?))
            .put(attr::STATUS, s(sh.status.as_str()))
            .put(
                attr::SETTINGS,
                serde_dynamo::to_attribute_value(&sh.settings)?,
            )
            .opt(attr::HELD, json_text(sh.held.as_ref()))
            .opt(attr::STALLED, json_text(sh.stalled.as_ref()))
            .put(attr::CREATED_AT, time(sh.created_at))
            .opt(attr::SCHEDULED_AT, sh.scheduled_at.map(time))
            .opt(attr::ASSIGNED_TO, sh.assigned_to.as_deref().map(s))
            .opt(
                attr::ASSIGNED_CHANNEL,
                sh.assigned_channel.as_deref().map(s),
            )
            .opt(attr::ASSIGNED_AT, sh.assigned_at.map(time))
            .opt(attr::UNFILLED_AT, sh.unfilled_at.map(time))
            .opt(attr::ASSIGNED_ATTEMPT, sh.assigned_attempt.map(n))
            .opt(
                attr::ACCEPTANCE_FINISHED_AT,
                sh.acceptance_finished.then(|| time(Utc::now())),
            )
            .opt(
                attr::CONFIRMATION_SMS,
                json_text(sh.confirmation_sms.as_ref()),
            )
            .opt(attr::NOT_CALLED_REASON, sh.not_called.as_deref().map(s))
            .opt(attr::DECLINED_BY, set(&sh.declined))
            .opt(attr::PASSED_BY, set(&sh.passed))
            .opt(attr::CALLED_LAST, set(&sh.called_last))
            .opt(attr::PAUSED_AT, sh.paused.then(|| time(Utc::now())))
            .opt(attr::CALLED_NOW_AT, sh.called_now.then(|| time(Utc::now())))
            .opt(attr::CONTROLS, controls_value(&sh.controls))
            .0)
    }
}

impl TryFrom<&Item> for Shift {
    type Error = anyhow::Error;

    fn try_from(item: &Item) -> Result<Shift> {
        let event = get_s(item, attr::EVENT).context("shift without event")?;
        Ok(Shift {
            event: serde_json::from_str(&event)?,
            status: get_s(item, attr::STATUS)
                .and_then(|v| ShiftStatus::parse(&v))
                .context("shift without status")?,
            settings: match item.get(attr::SETTINGS) {
                Some(v) => serde_dynamo::from_attribute_value(v.clone())
                    .context("unreadable shift settings")?,
                None => shift_settings_of_old(item),
            },
            created_at: get_time(item, attr::CREATED_AT).unwrap_or_default(),
            scheduled_at: get_time(item, attr::SCHEDULED_AT),
            assigned_to: get_s(item, attr::ASSIGNED_TO),
            assigned_channel: get_s(item, attr::ASSIGNED_CHANNEL),
            assigned_at: get_time(item, attr::ASSIGNED_AT),
            unfilled_at: get_time(item, attr::UNFILLED_AT),
            assigned_attempt: get_n(item, attr::ASSIGNED_ATTEMPT),
            acceptance_finished: item.contains_key(attr::ACCEPTANCE_FINISHED_AT),
            confirmation_sms: get_json(item, attr::CONFIRMATION_SMS),
            held: get_json(item, attr::HELD),
            stalled: get_json(item, attr::STALLED),
            declined: get_set(item, attr::DECLINED_BY),
            passed: get_set(item, attr::PASSED_BY),
            called_last: get_set(item, attr::CALLED_LAST),
            not_called: get_s(item, attr::NOT_CALLED_REASON),
            paused: item.contains_key(attr::PAUSED_AT),
            called_now: item.contains_key(attr::CALLED_NOW_AT),
            controls: get_controls(item),
        })
    }
}

/// A shift's coordinator actions as stored: a list of JSON texts (`None` when there are none).
pub(crate) fn controls_value(controls: &[crate::records::Control]) -> Option<AttributeValue> {
    (!controls.is_empty())
        .then(|| AttributeValue::L(controls.iter().filter_map(|c| json_text(Some(c))).collect()))
}

/// [`controls_value`] read back; an unreadable entry is left out.
fn get_controls(item: &Item) -> Vec<crate::records::Control> {
    item.get(attr::CONTROLS)
        .and_then(|v| v.as_l().ok())
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_s().ok())
                .filter_map(|t| serde_json::from_str(t).ok())
                .collect()
        })
        .unwrap_or_default()
}

// ---- attempts ----

/// Marker attributes (`advancedAt`) are written with the time of encoding.
impl From<&Attempt> for Item {
    fn from(a: &Attempt) -> Item {
        let pace = match (a.pace_slot, &a.pace_holder) {
            (Some(slot), Some(holder)) => Some((n(slot), s(holder))),
            _ => None,
        };
        let (pace_slot, pace_holder) = pace.unzip();
        Builder(Item::new())
            .put(attr::OCCURRENCE_ID, s(&a.occurrence_id))
            .put(attr::PROVIDER_ID, s(&a.provider_id))
            .put(attr::ATTEMPT, n(a.attempt))
            .put(attr::ROUND, n(a.round))
            .put(attr::POSITION, n(a.position))
            .put(attr::EMPLOYEE_ID, s(&a.employee_id))
            .put(attr::FIRST_NAME, s(&a.first_name))
            .put(attr::PHONE, s(&a.phone))
            .put(attr::PURPOSE, s(&a.purpose))
            .put(attr::TEXT, s(&a.text))
            .opt(attr::GREETING_END, a.greeting_end.map(n))
            .put(attr::LANGUAGE, s(&a.language))
            .opt(attr::VOICE_ID, a.voice_id.as_deref().map(s))
            .put(attr::CREATED_AT, time(a.created_at))
            .opt(attr::PACED_AT, a.paced_at.map(time))
            .opt(attr::CALL_SID, a.call_sid.as_deref().map(s))
            .opt(attr::TWILIO_STATUS, a.twilio_status.as_deref().map(s))
            .opt(attr::STATUS_SEQ, a.status_sequence.map(n))
            .opt(attr::DURATION_SECS, a.duration_secs.map(n))
            .opt(attr::ANSWERED_BY, a.answered_by.as_deref().map(s))
            .opt(attr::OUTCOME, a.outcome.map(|o| s(o.as_str())))
            .opt(attr::SKIP_REASON, a.skip_reason.map(|r| s(r.as_str())))
            .opt(attr::DIGIT, a.digit.as_deref().map(s))
            .opt(attr::ENDED_AT, a.ended_at.map(time))
            .opt(attr::ADVANCED_AT, a.advanced.then(|| time(Utc::now())))
            .opt(attr::PACE_SLOT, pace_slot)
            .opt(attr::PACE_HOLDER, pace_holder)
            .opt(
                attr::SPEECH_CHARS,
                (a.speech_chars > 0).then(|| n(a.speech_chars)),
            )
            .opt(attr::RECORDING_SID, a.recording_sid.as_deref().map(s))
            .opt(
                attr::SMS_FOLLOW_UP,
                a.sms_follow_up.map(AttributeValue::Bool),
            )
            .0
    }
}

impl TryFrom<&Item> for Attempt {
    type Error = anyhow::Error;

    fn try_from(item: &Item) -> Result<Attempt> {
        Ok(Attempt {
            occurrence_id: get_s(item, attr::OCCURRENCE_ID)
                .context("attempt without occurrenceId")?,
            provider_id: get_s(item, attr::PROVIDER_ID).unwrap_or_default(),
            attempt: get_n(item, attr::ATTEMPT).context("attempt without number")?,
            round: get_n(item, attr::ROUND).unwrap_or(1),
            position: get_n(item, attr::POSITION).unwrap_or(0),
            employee_id: get_s(item, attr::EMPLOYEE_ID).unwrap_or_default(),
            first_name: get_s(item, attr::FIRST_NAME).unwrap_or_default(),
            phone: get_s(item, attr::PHONE).unwrap_or_default(),
            purpose: get_s(item, attr::PURPOSE).unwrap_or_else(|| PURPOSE.into()),
            text: get_s(item, attr::TEXT).unwrap_or_default(),
            greeting_end: get_n(item, attr::GREETING_END),
            language: get_s(item, attr::LANGUAGE).unwrap_or_else(|| "en".into()),
            voice_id: get_s(item, attr::VOICE_ID),
            call_sid: get_s(item, attr::CALL_SID),
            twilio_status: get_s(item, attr::TWILIO_STATUS),
            status_sequence: get_n(item, attr::STATUS_SEQ),
            duration_secs: get_n(item, attr::DURATION_SECS),
            answered_by: get_s(item, attr::ANSWERED_BY),
            outcome: get_s(item, attr::OUTCOME).and_then(|o| Outcome::parse(&o)),
            skip_reason: get_s(item, attr::SKIP_REASON).and_then(|r| SkipReason::parse(&r)),
            digit: get_s(item, attr::DIGIT),
            created_at: get_time(item, attr::CREATED_AT).unwrap_or_default(),
            paced_at: get_time(item, attr::PACED_AT),
            ended_at: get_time(item, attr::ENDED_AT),
            advanced: item.contains_key(attr::ADVANCED_AT),
            pace_slot: get_n(item, attr::PACE_SLOT),
            pace_holder: get_s(item, attr::PACE_HOLDER),
            speech_chars: get_n(item, attr::SPEECH_CHARS).unwrap_or(0),
            recording_sid: get_s(item, attr::RECORDING_SID),
            sms_follow_up: get_bool(item, attr::SMS_FOLLOW_UP),
        })
    }
}

/// The shift in `item` (the portal's and the webhooks' reads).
pub(crate) fn shift_from(item: &Item) -> Result<Shift> {
    Shift::try_from(item)
}

/// The attempt in `item`.
pub(crate) fn attempt_from(item: &Item) -> Result<Attempt> {
    Attempt::try_from(item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Delivery;
    use callout_core::model::Wave3Completed;
    use callout_core::settings::SettingsPatch;

    fn event() -> Wave3Completed {
        serde_json::from_str(include_str!(
            "../../../../../events/start-calling-detail.json"
        ))
        .unwrap()
    }

    fn at(t: &str) -> DateTime<Utc> {
        t.parse().unwrap()
    }

    fn bare_shift() -> Shift {
        Shift::open(
            event(),
            true,
            2,
            "Hi {firstName}".into(),
            at("2026-01-23T09:00:00.123456789Z"),
        )
    }

    fn full_shift() -> Shift {
        Shift {
            status: ShiftStatus::Assigned,
            scheduled_at: Some(at("2026-01-23T09:15:00Z")),
            assigned_to: Some("emp_2".into()),
            assigned_channel: Some("call".into()),
            assigned_at: Some(at("2026-01-23T09:20:01.5Z")),
            unfilled_at: Some(at("2026-01-23T09:30:00Z")),
            assigned_attempt: Some(4),
            acceptance_finished: true,
            confirmation_sms: Some(Delivery {
                status: "sent".into(),
                sid: Some("SM1".into()),
                code: None,
                reason: None,
                at: at("2026-01-23T09:20:02Z"),
            }),
            not_called: Some("staffPool: has nobody who can be called".into()),
            declined: ["emp_1".to_string(), "emp_3".to_string()].into(),
            called_last: ["emp_2".to_string()].into(),
            settings: full_settings().for_shift("Australia/Sydney"),
            ..bare_shift()
        }
    }

    fn bare_attempt() -> Attempt {
        Attempt {
            occurrence_id: "occ_1".into(),
            provider_id: "prov_1".into(),
            attempt: 3,
            round: 2,
            position: 1,
            employee_id: "emp_2".into(),
            first_name: "Ana".into(),
            phone: "+61400000002".into(),
            purpose: PURPOSE.into(),
            text: "Hi Ana".into(),
            greeting_end: None,
            language: "en".into(),
            voice_id: None,
            call_sid: None,
            twilio_status: None,
            status_sequence: None,
            duration_secs: None,
            answered_by: None,
            outcome: None,
            skip_reason: None,
            digit: None,
            created_at: at("2026-01-23T09:00:00.000001Z"),
            paced_at: None,
            ended_at: None,
            advanced: false,
            pace_slot: None,
            pace_holder: None,
            speech_chars: 0,
            recording_sid: None,
            sms_follow_up: None,
        }
    }

    fn full_attempt() -> Attempt {
        Attempt {
            call_sid: Some("CA1".into()),
            twilio_status: Some("completed".into()),
            status_sequence: Some(4),
            duration_secs: Some(37),
            answered_by: Some("human".into()),
            outcome: Some(Outcome::Accepted),
            skip_reason: None,
            digit: Some("1".into()),
            ended_at: Some(at("2026-01-23T09:01:00Z")),
            advanced: true,
            pace_slot: Some(2),
            pace_holder: Some("occ_1#3#0000abcd".into()),
            speech_chars: 141,
            recording_sid: Some("RE0123456789abcdef0123456789abcdef".into()),
            sms_follow_up: Some(true),
            language: "es-MX".into(),
            voice_id: Some("v9".into()),
            text: "Hi Ana, a shift.".into(),
            greeting_end: Some(7),
            ..bare_attempt()
        }
    }

    #[test]
    fn a_shift_round_trips_through_its_item() {
        for shift in [bare_shift(), full_shift()] {
            let item = Item::try_from(&shift).unwrap();
            let back = Shift::try_from(&item).unwrap();
            assert_eq!(format!("{back:?}"), format!("{shift:?}"));
        }
    }

    #[test]
    fn a_new_shift_writes_no_optional_attribute() {
        let item = Item::try_from(&bare_shift()).unwrap();
        let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "createdAt",
                "event",
                "occurrenceId",
                "providerId",
                "settings",
                "status"
            ]
        );
    }

    #[test]
    fn an_attempt_round_trips_through_its_item() {
        for a in [bare_attempt(), full_attempt()] {
            let item = Item::from(&a);
            let back = Attempt::try_from(&item).unwrap();
            assert_eq!(format!("{back:?}"), format!("{a:?}"));
        }
    }

    #[test]
    fn a_half_pace_lease_is_not_written() {
        let a = Attempt {
            pace_slot: Some(1),
            ..bare_attempt()
        };
        let item = Item::from(&a);
        assert!(!item.contains_key(attr::PACE_SLOT) && !item.contains_key(attr::PACE_HOLDER));
    }

    #[test]
    fn missing_fields_take_their_defaults_and_required_ones_fail() {
        let mut item = Item::from(&bare_attempt());
        for k in [attr::ROUND, attr::PURPOSE, attr::TEXT] {
            item.remove(k);
        }
        let a = Attempt::try_from(&item).unwrap();
        assert_eq!(
            (a.round, a.purpose.as_str(), a.text.as_str()),
            (1, PURPOSE, "")
        );
        item.remove(attr::ATTEMPT);
        assert!(Attempt::try_from(&item).is_err());
        let mut item = Item::try_from(&bare_shift()).unwrap();
        item.remove(attr::STATUS);
        assert!(Shift::try_from(&item).is_err());
    }

    /// Settings with every field away from its default.
    fn full_settings() -> Settings {
        let full = SettingsPatch::from_json(&serde_json::json!({
            "enabled": true, "waitMinutes": 7, "maxRounds": 2,
            "messageTemplate": "Hello {employeeName}", "callMode": "broadcast", "broadcastSize": 4,
            "maxCallsPerPersonPerHour": 2, "quietHours": {"start": "21:00", "end": "07:00"},
            "urgentOverridesQuietHours": false, "nightWaitMinutes": 30,
            "timeZone": "Australia/Perth",
            "costRates": {"callPerMinute": 0.0225, "speechPer1kChars": 0, "currency": "AUD"},
            "recordCalls": true, "recordingRetentionDays": 7, "smsFollowUp": true,
            "notifyWhenFilled": true, "officeNumber": "+61290000000", "callbackWindowHours": 24,
            "skipDecliners": true, "declineMemoryDays": 14, "defaultLanguage": "es-MX",
            "messageTemplates": {"en": "Hi {employeeName}"}, "voiceId": "abc",
            "voiceIds": {"en": "def"}, "allowedCountries": ["AU", "NZ"],
            "dailySpeechCharacters": 5000,
        }))
        .unwrap()
        .apply(&Settings::default());
        assert_eq!(full.cost_rates.call_per_minute, 0.0225);
        full
    }

    #[test]
    fn settings_round_trip_and_default_when_missing() {
        let settings = full_settings();
        let item = settings_item("prov_1", &settings).unwrap();
        assert_eq!(settings_from(&item).unwrap(), settings);
        // Each setting is an attribute of its JSON name.
        assert_eq!(item["waitMinutes"], n(7));
        assert_eq!(item["callMode"], s("broadcast"));
        let no_office = Settings {
            office_number: None,
            quiet_hours: None,
            ..settings.clone()
        };
        let item = settings_item("prov_1", &no_office).unwrap();
        assert_eq!(settings_from(&item).unwrap(), no_office);
        assert_eq!(get_s(&item, attr::PROVIDER_ID).as_deref(), Some("prov_1"));
        assert_eq!(settings_from(&Item::new()).unwrap(), Settings::default());
        assert_eq!(
            settings_from(&settings_item("p", &Settings::default()).unwrap()).unwrap(),
            Settings::default()
        );
    }

    /// A settings item as the code before serde wrote it (quiet hours as JSON text, countries
    /// comma-separated, absent options left out, the keys and `updatedAt` beside them).
    #[test]
    fn a_settings_item_of_the_old_shape_still_reads() {
        let m = |pairs: &[(&str, AttributeValue)]| {
            AttributeValue::M(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            )
        };
        let old: Item = [
            ("pk", s("PROVIDER#prov_1")),
            ("sk", s("SETTINGS")),
            ("providerId", s("prov_1")),
            ("updatedAt", s("2026-01-01T00:00:00+00:00")),
            ("enabled", AttributeValue::Bool(true)),
            ("waitMinutes", n(7)),
            ("maxRounds", n(2)),
            ("messageTemplate", s("Hello {employeeName}")),
            ("callMode", s("broadcast")),
            ("broadcastSize", n(4)),
            ("maxCallsPerPersonPerHour", n(2)),
            ("quietHours", s(r#"{"start":"21:00","end":"07:00"}"#)),
            ("urgentOverridesQuietHours", AttributeValue::Bool(false)),
            ("nightWaitMinutes", n(30)),
            ("timeZone", s("Australia/Perth")),
            (
                "costRates",
                m(&[
                    ("callPerMinute", n(0.0225)),
                    ("speechPer1kChars", n(0)),
                    ("currency", s("AUD")),
                ]),
            ),
            ("recordCalls", AttributeValue::Bool(true)),
            ("recordingRetentionDays", n(7)),
            ("smsFollowUp", AttributeValue::Bool(true)),
            ("notifyWhenFilled", AttributeValue::Bool(true)),
            ("officeNumber", s("+61290000000")),
            ("callbackWindowHours", n(24)),
            ("skipDecliners", AttributeValue::Bool(true)),
            ("declineMemoryDays", n(14)),
            ("defaultLanguage", s("es-MX")),
            ("messageTemplates", m(&[("en", s("Hi {employeeName}"))])),
            ("voiceId", s("abc")),
            ("voiceIds", m(&[("en", s("def"))])),
            ("allowedCountries", s("AU,NZ")),
            ("dailySpeechCharacters", n(5000)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(settings_from(&old).unwrap(), full_settings());
        // An old item of the first fields only: the rest at their defaults.
        let first: Item = [
            ("enabled", AttributeValue::Bool(true)),
            ("waitMinutes", n(5)),
            ("maxRounds", n(2)),
            ("messageTemplate", s("Hi")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let read = settings_from(&first).unwrap();
        assert_eq!((read.wait_minutes, read.callback_window_hours), (5, 12));
        assert_eq!(read.quiet_hours, None);
        assert!(read.allowed_countries.is_empty());
    }

    /// A shift item as the code before `settings` wrote it: what it kept, one attribute each.
    #[test]
    fn a_shift_item_of_the_old_shape_still_reads() {
        let kept = ShiftSettings {
            // Not kept then: the provider's settings say.
            sms_follow_up: None,
            record_calls: None,
            ..full_settings().for_shift("Australia/Sydney")
        };
        let mut item = Item::try_from(&full_shift()).unwrap();
        item.remove(attr::SETTINGS);
        for (k, v) in [
            (attr::CALLING_ENABLED, AttributeValue::Bool(true)),
            (attr::MAX_ROUNDS, n(2)),
            (attr::MESSAGE_TEMPLATE, s("Hello {employeeName}")),
            (attr::CALLS_AT_ONCE, n(4)),
            (attr::PERSON_HOURLY_LIMIT, n(2)),
            (attr::QUIET, s(serde_json::to_string(&kept.quiet).unwrap())),
            (attr::SKIP_DECLINERS, AttributeValue::Bool(true)),
            (
                attr::SPEAKING,
                s(serde_json::to_string(&kept.speaking).unwrap()),
            ),
        ] {
            item.insert(k.to_string(), v);
        }
        let back = Shift::try_from(&item).unwrap();
        assert_eq!(back.settings, kept);
        assert_eq!(back.calling(), Calling::Broadcast { size: 4 });
        // A sequential shift of the old shape, with no optional attribute.
        let mut bare = Item::try_from(&bare_shift()).unwrap();
        bare.remove(attr::SETTINGS);
        bare.insert(attr::CALLING_ENABLED.into(), AttributeValue::Bool(true));
        bare.insert(attr::MAX_ROUNDS.into(), n(2));
        bare.insert(attr::MESSAGE_TEMPLATE.into(), s("Hi {firstName}"));
        bare.insert(attr::CALLS_AT_ONCE.into(), n(1));
        bare.insert(attr::PERSON_HOURLY_LIMIT.into(), n(7));
        let back = Shift::try_from(&bare).unwrap();
        assert_eq!(back.settings, bare_shift().settings);
        assert_eq!(back.calls_at_once(), 1);
        assert_eq!(back.quiet(), None);
    }
}
