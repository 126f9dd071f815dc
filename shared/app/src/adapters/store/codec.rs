//! Item codecs: the records of `crate::records` (and the provider's settings) to DynamoDB items
//! and back. Each attribute name comes from [`super::keys::attr`]; keys, `ttl` and the index's
//! attributes are added by the writes (they depend on the store's retention), not here.

use super::keys::attr;
use crate::records::{Attempt, Shift, PURPOSE};
use anyhow::{Context, Result};
use aws_sdk_dynamodb::types::AttributeValue;
use callout_core::campaign::{Outcome, SkipReason};
use callout_core::model::ShiftStatus;
use callout_core::settings::{CallMode, CostRates, Settings, Speaking};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
/// A map of strings (`M`).
fn map(v: &BTreeMap<String, String>) -> AttributeValue {
    AttributeValue::M(v.iter().map(|(k, v)| (k.clone(), s(v))).collect())
}
fn get_map(item: &Item, k: &str) -> Option<BTreeMap<String, String>> {
    let m = item.get(k)?.as_m().ok()?;
    Some(
        m.iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_s().ok()?.clone())))
            .collect(),
    )
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

// ---- settings (a core type: functions rather than `From`) ----

pub(crate) fn settings_item(provider_id: &str, settings: &Settings) -> Item {
    Builder(Item::new())
        .put(attr::PROVIDER_ID, s(provider_id))
        .put(attr::ENABLED, AttributeValue::Bool(settings.enabled))
        .put(attr::WAIT_MINUTES, n(settings.wait_minutes))
        .put(attr::MAX_ROUNDS, n(settings.max_rounds))
        .put(attr::MESSAGE_TEMPLATE, s(&settings.message_template))
        // Broadcast calling and per-person pacing.
        .put(attr::CALL_MODE, s(settings.call_mode.as_str()))
        .put(attr::BROADCAST_SIZE, n(settings.broadcast_size))
        .put(
            attr::PERSON_HOURLY_LIMIT,
            n(settings.max_calls_per_person_per_hour),
        )
        // Quiet hours and time-of-day waits.
        .opt(
            attr::QUIET_HOURS,
            settings
                .quiet_hours
                .and_then(|q| serde_json::to_string(&q).ok())
                .map(s),
        )
        .put(
            attr::URGENT_OVERRIDES_QUIET_HOURS,
            AttributeValue::Bool(settings.urgent_overrides_quiet_hours),
        )
        .opt(attr::NIGHT_WAIT_MINUTES, settings.night_wait_minutes.map(n))
        .opt(attr::TIME_ZONE, settings.time_zone.as_deref().map(s))
        // Results: the provider's prices.
        .put(attr::COST_RATES, cost_rates_item(&settings.cost_rates))
        // Call recording.
        .put(
            attr::RECORD_CALLS,
            AttributeValue::Bool(settings.record_calls),
        )
        .put(
            attr::RECORDING_RETENTION_DAYS,
            n(settings.recording_retention_days),
        )
        // Inbound channels: the call-back line and text replies.
        .put(
            attr::SMS_FOLLOW_UP,
            AttributeValue::Bool(settings.sms_follow_up),
        )
        .put(
            attr::NOTIFY_WHEN_FILLED,
            AttributeValue::Bool(settings.notify_when_filled),
        )
        .opt(
            attr::OFFICE_NUMBER,
            settings.office_number.as_deref().map(s),
        )
        .put(
            attr::CALLBACK_WINDOW_HOURS,
            n(settings.callback_window_hours),
        )
        .put(
            attr::SKIP_DECLINERS,
            AttributeValue::Bool(settings.skip_decliners),
        )
        .put(attr::DECLINE_MEMORY_DAYS, n(settings.decline_memory_days))
        .put(attr::DEFAULT_LANGUAGE, s(&settings.default_language))
        .put(attr::MESSAGE_TEMPLATES, map(&settings.message_templates))
        .opt(attr::VOICE_ID, settings.voice_id.as_deref().map(s))
        .put(attr::VOICE_IDS, map(&settings.voice_ids))
        // Toll fraud and speech spend.
        .opt(
            attr::ALLOWED_COUNTRIES,
            (!settings.allowed_countries.is_empty())
                .then(|| s(settings.allowed_countries.join(","))),
        )
        .put(
            attr::DAILY_SPEECH_CHARACTERS,
            n(settings.daily_speech_characters),
        )
        .0
}

// Results: the provider's prices as a map; anything unreadable reads as the defaults.
fn cost_rates_item(r: &CostRates) -> AttributeValue {
    AttributeValue::M(HashMap::from([
        ("callPerMinute".to_string(), n(r.call_per_minute)),
        ("speechPer1kChars".to_string(), n(r.speech_per1k_chars)),
        ("currency".to_string(), s(&r.currency)),
    ]))
}

fn cost_rates_from(item: &Item) -> Option<CostRates> {
    let m = item.get(attr::COST_RATES)?.as_m().ok()?;
    Some(CostRates {
        call_per_minute: get_n(m, "callPerMinute")?,
        speech_per1k_chars: get_n(m, "speechPer1kChars")?,
        currency: get_s(m, "currency")?,
    })
}

/// The settings in `item`, each missing field at its default.
pub(crate) fn settings_from(item: &Item) -> Settings {
    let d = Settings::default();
    Settings {
        enabled: get_bool(item, attr::ENABLED).unwrap_or(d.enabled),
        wait_minutes: get_n(item, attr::WAIT_MINUTES).unwrap_or(d.wait_minutes),
        max_rounds: get_n(item, attr::MAX_ROUNDS).unwrap_or(d.max_rounds),
        message_template: get_s(item, attr::MESSAGE_TEMPLATE).unwrap_or(d.message_template),
        // Broadcast calling and per-person pacing.
        call_mode: get_s(item, attr::CALL_MODE)
            .and_then(|m| CallMode::parse(&m))
            .unwrap_or(d.call_mode),
        broadcast_size: get_n(item, attr::BROADCAST_SIZE).unwrap_or(d.broadcast_size),
        max_calls_per_person_per_hour: get_n(item, attr::PERSON_HOURLY_LIMIT)
            .unwrap_or(d.max_calls_per_person_per_hour),
        // Quiet hours and time-of-day waits.
        quiet_hours: get_s(item, attr::QUIET_HOURS).and_then(|q| serde_json::from_str(&q).ok()),
        urgent_overrides_quiet_hours: get_bool(item, attr::URGENT_OVERRIDES_QUIET_HOURS)
            .unwrap_or(d.urgent_overrides_quiet_hours),
        night_wait_minutes: get_n(item, attr::NIGHT_WAIT_MINUTES),
        time_zone: get_s(item, attr::TIME_ZONE),
        // Results: the provider's prices.
        cost_rates: cost_rates_from(item).unwrap_or(d.cost_rates),
        // Call recording.
        record_calls: get_bool(item, attr::RECORD_CALLS).unwrap_or(d.record_calls),
        recording_retention_days: get_n(item, attr::RECORDING_RETENTION_DAYS)
            .unwrap_or(d.recording_retention_days),
        // Inbound channels: the call-back line and text replies.
        sms_follow_up: get_bool(item, attr::SMS_FOLLOW_UP).unwrap_or(d.sms_follow_up),
        notify_when_filled: get_bool(item, attr::NOTIFY_WHEN_FILLED)
            .unwrap_or(d.notify_when_filled),
        office_number: get_s(item, attr::OFFICE_NUMBER).or(d.office_number),
        callback_window_hours: get_n(item, attr::CALLBACK_WINDOW_HOURS)
            .unwrap_or(d.callback_window_hours),
        skip_decliners: get_bool(item, attr::SKIP_DECLINERS).unwrap_or(d.skip_decliners),
        decline_memory_days: get_n(item, attr::DECLINE_MEMORY_DAYS)
            .unwrap_or(d.decline_memory_days),
        default_language: get_s(item, attr::DEFAULT_LANGUAGE).unwrap_or(d.default_language),
        message_templates: get_map(item, attr::MESSAGE_TEMPLATES).unwrap_or(d.message_templates),
        voice_id: get_s(item, attr::VOICE_ID),
        voice_ids: get_map(item, attr::VOICE_IDS).unwrap_or(d.voice_ids),
        // Toll fraud and speech spend.
        allowed_countries: get_s(item, attr::ALLOWED_COUNTRIES)
            .map(|c| c.split(',').map(str::to_string).collect())
            .unwrap_or(d.allowed_countries),
        daily_speech_characters: get_n(item, attr::DAILY_SPEECH_CHARACTERS)
            .unwrap_or(d.daily_speech_characters),
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
                attr::CALLING_ENABLED,
                AttributeValue::Bool(sh.calling_enabled),
            )
            .put(attr::MAX_ROUNDS, n(sh.max_rounds))
            .put(attr::MESSAGE_TEMPLATE, s(&sh.message_template))
            .put(attr::CALLS_AT_ONCE, n(sh.calls_at_once))
            .put(attr::PERSON_HOURLY_LIMIT, n(sh.person_hourly_limit))
            .opt(
                attr::HELD,
                sh.held
                    .as_ref()
                    .and_then(|h| serde_json::to_string(h).ok())
                    .map(s),
            )
            .opt(
                attr::QUIET,
                sh.quiet
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?
                    .map(s),
            )
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
                sh.confirmation_sms
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?
                    .map(s),
            )
            .opt(attr::NOT_CALLED_REASON, sh.not_called.as_deref().map(s))
            .opt(
                attr::SKIP_DECLINERS,
                sh.skip_decliners.then_some(AttributeValue::Bool(true)),
            )
            .opt(attr::DECLINED_BY, set(&sh.declined))
            .opt(attr::CALLED_LAST, set(&sh.called_last))
            .opt(
                attr::SPEAKING,
                (sh.speaking != Speaking::default())
                    .then(|| serde_json::to_string(&sh.speaking))
                    .transpose()?
                    .map(s),
            )
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
            calling_enabled: get_bool(item, attr::CALLING_ENABLED).unwrap_or(false),
            max_rounds: get_n(item, attr::MAX_ROUNDS).unwrap_or(1),
            message_template: get_s(item, attr::MESSAGE_TEMPLATE).unwrap_or_default(),
            created_at: get_time(item, attr::CREATED_AT).unwrap_or_default(),
            scheduled_at: get_time(item, attr::SCHEDULED_AT),
            assigned_to: get_s(item, attr::ASSIGNED_TO),
            assigned_channel: get_s(item, attr::ASSIGNED_CHANNEL),
            assigned_at: get_time(item, attr::ASSIGNED_AT),
            unfilled_at: get_time(item, attr::UNFILLED_AT),
            assigned_attempt: get_n(item, attr::ASSIGNED_ATTEMPT),
            acceptance_finished: item.contains_key(attr::ACCEPTANCE_FINISHED_AT),
            confirmation_sms: get_s(item, attr::CONFIRMATION_SMS)
                .and_then(|d| serde_json::from_str(&d).ok()),
            calls_at_once: get_n(item, attr::CALLS_AT_ONCE).unwrap_or(1),
            person_hourly_limit: get_n(item, attr::PERSON_HOURLY_LIMIT)
                .unwrap_or(Settings::default().max_calls_per_person_per_hour),
            held: get_s(item, attr::HELD).and_then(|h| serde_json::from_str(&h).ok()),
            quiet: get_s(item, attr::QUIET).and_then(|q| serde_json::from_str(&q).ok()),
            skip_decliners: get_bool(item, attr::SKIP_DECLINERS).unwrap_or(false),
            declined: get_set(item, attr::DECLINED_BY),
            called_last: get_set(item, attr::CALLED_LAST),
            speaking: get_s(item, attr::SPEAKING)
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_default(),
            not_called: get_s(item, attr::NOT_CALLED_REASON),
        })
    }
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
            .put(attr::LANGUAGE, s(&a.language))
            .opt(attr::VOICE_ID, a.voice_id.as_deref().map(s))
            .put(attr::CREATED_AT, time(a.created_at))
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
            ended_at: get_time(item, attr::ENDED_AT),
            advanced: item.contains_key(attr::ADVANCED_AT),
            pace_slot: get_n(item, attr::PACE_SLOT),
            pace_holder: get_s(item, attr::PACE_HOLDER),
            speech_chars: get_n(item, attr::SPEECH_CHARS).unwrap_or(0),
            recording_sid: get_s(item, attr::RECORDING_SID),
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
            skip_decliners: true,
            not_called: Some("staffPool: has nobody who can be called".into()),
            declined: ["emp_1".to_string(), "emp_3".to_string()].into(),
            called_last: ["emp_2".to_string()].into(),
            speaking: Speaking {
                default_language: "es".into(),
                message_templates: [("fr".to_string(), "Bonjour {employeeName}".to_string())]
                    .into(),
                voice_id: Some("v1".into()),
                voice_ids: [("fr".to_string(), "v2".to_string())].into(),
            },
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
            ended_at: None,
            advanced: false,
            pace_slot: None,
            pace_holder: None,
            speech_chars: 0,
            recording_sid: None,
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
            language: "es-MX".into(),
            voice_id: Some("v9".into()),
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
                "callingEnabled",
                "callsAtOnce",
                "createdAt",
                "event",
                "maxCallsPerPersonPerHour",
                "maxRounds",
                "messageTemplate",
                "occurrenceId",
                "providerId",
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

    #[test]
    fn settings_round_trip_and_default_when_missing() {
        let settings = Settings {
            enabled: true,
            wait_minutes: 7,
            max_rounds: 2,
            message_template: "Hello {firstName}".into(),
            call_mode: CallMode::Broadcast,
            broadcast_size: 4,
            max_calls_per_person_per_hour: 2,
            quiet_hours: serde_json::from_str(r#"{"start":"21:00","end":"07:00"}"#).unwrap(),
            urgent_overrides_quiet_hours: false,
            night_wait_minutes: Some(30),
            time_zone: Some("Australia/Perth".into()),
            cost_rates: CostRates {
                call_per_minute: 0.0225,
                speech_per1k_chars: 0.0,
                currency: "AUD".into(),
            },
            record_calls: true,
            recording_retention_days: 7,
            // Inbound channels: the call-back line and text replies.
            sms_follow_up: true,
            notify_when_filled: true,
            office_number: Some("+61290000000".into()),
            callback_window_hours: 24,
            skip_decliners: true,
            decline_memory_days: 14,
            default_language: "es-MX".into(),
            message_templates: [("en".to_string(), "Hi {employeeName}".to_string())].into(),
            voice_id: Some("abc".into()),
            voice_ids: [("en".to_string(), "def".to_string())].into(),
            allowed_countries: vec!["AU".into(), "NZ".into()],
            daily_speech_characters: 5000,
        };
        let item = settings_item("prov_1", &settings);
        assert_eq!(settings_from(&item), settings);
        let no_office = Settings {
            office_number: None,
            ..settings.clone()
        };
        assert_eq!(
            settings_from(&settings_item("prov_1", &no_office)),
            no_office
        );
        assert_eq!(get_s(&item, attr::PROVIDER_ID).as_deref(), Some("prov_1"));
        assert_eq!(settings_from(&Item::new()), Settings::default());
    }
}
