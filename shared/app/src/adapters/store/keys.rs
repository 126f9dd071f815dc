//! The table's key schema and every attribute name, each written once.
//!
//! | item | pk | sk |
//! |---|---|---|
//! | settings | `PROVIDER#{providerId}` | `SETTINGS` |
//! | shift | `SHIFT#{occurrenceId}` | `SHIFT` |
//! | attempt | `SHIFT#{occurrenceId}` | `ATTEMPT#{attempt:05}` |
//! | call slot | `PACING` | `SLOT#{n:03}` |
//! | the waiting line's watchdog | `PACING` | `WATCHDOG` |
//! | dial task waiting for a slot | `PACING_WAIT` | `WAIT#{since ms:013}#{occurrenceId}#{attempt:05}` |
//! | an offer made to a person at a phone (call or text) | `PHONE#{phoneKey}` | `OFFER#{occurrenceId}#{employeeId}` |
//! | a phone that texted STOP | `PHONE#{phoneKey}` | `OPTOUT` |
//! | a provider's own number (`fromNumber`): its provider | `PHONE#{phoneKey}` | `NUMBER` |
//! | a provider's latest reachability check of a person | `PROVIDER#{providerId}` | `REACH#{employeeId}` |
//! | a phone's recent calls (per-person pacing) | `PHONE#{phoneKey}` | `CALLS` |
//! | a person passed on a shift | `SHIFT#{occurrenceId}` | `PASS#{employeeId}` |
//! | a text sent (or refused) about a shift | `SHIFT#{occurrenceId}` | `TEXT#{kind}#{employeeId}#{ref}` |
//! | a decline, remembered per patient | `DECLINES#{providerId}#{patient hash}` | `EMP#{employeeId}` |
//! | a webhook handled (replays and retries change nothing) | `WEBHOOK#{sid and step}` | `WEBHOOK` |
//!
//! `phoneKey` is `callout_core::inbound::phone_key`: a hash, never the number.
//!
//! Shifts and attempts are also indexed by provider and time (GSI [`GSI1`]): `gsi1pk` =
//! `PROVIDER#{providerId}`, `gsi1sk` = `SHIFT#{createdAt}#{occurrenceId}` or
//! `CALL#{createdAt}#{occurrenceId}#{attempt:05}`.

use super::codec::s;
use crate::records::Dial;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

/// The provider/time index.
pub const GSI1: &str = "gsi1";

/// An item's primary key: (`pk`, `sk`).
pub(crate) type Key = (AttributeValue, AttributeValue);

/// Attribute names.
pub(crate) mod attr {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const TTL: &str = "ttl";
    pub const GSI1PK: &str = "gsi1pk";
    pub const GSI1SK: &str = "gsi1sk";

    // Settings: each setting is an attribute of its JSON name (`codec::settings_item`).
    pub const UPDATED_AT: &str = "updatedAt";
    /// Settings written before they were serde's: JSON text and comma-separated text.
    pub const QUIET_HOURS: &str = "quietHours";
    pub const ALLOWED_COUNTRIES: &str = "allowedCountries";

    // Shifts (and some shared with attempts).
    pub const OCCURRENCE_ID: &str = "occurrenceId";
    pub const PROVIDER_ID: &str = "providerId";
    pub const EVENT: &str = "event";
    pub const STATUS: &str = "status";
    /// What a shift keeps of its settings (a map, `settings::ShiftSettings`).
    pub const SETTINGS: &str = "settings";
    // What a shift kept of its settings before `settings`, one attribute each (read only).
    pub const CALLING_ENABLED: &str = "callingEnabled";
    pub const MAX_ROUNDS: &str = "maxRounds";
    pub const MESSAGE_TEMPLATE: &str = "messageTemplate";
    pub const CALLS_AT_ONCE: &str = "callsAtOnce";
    pub const PERSON_HOURLY_LIMIT: &str = "maxCallsPerPersonPerHour";
    pub const QUIET: &str = "quiet";
    pub const SKIP_DECLINERS: &str = "skipDecliners";
    /// The shift's languages, templates and voices (JSON, `settings::Speaking`).
    pub const SPEAKING: &str = "speaking";
    pub const CREATED_AT: &str = "createdAt";
    pub const SCHEDULED_AT: &str = "scheduledAt";
    pub const ASSIGNED_TO: &str = "assignedTo";
    pub const ASSIGNED_CHANNEL: &str = "assignedChannel";
    pub const ASSIGNED_AT: &str = "assignedAt";
    pub const UNFILLED_AT: &str = "unfilledAt";
    pub const ASSIGNED_ATTEMPT: &str = "assignedAttempt";
    pub const ACCEPTANCE_FINISHED_AT: &str = "acceptanceFinishedAt";
    pub const CONFIRMATION_SMS: &str = "confirmationSms";
    pub const NOT_CALLED_REASON: &str = "notCalledReason";
    /// Who declined the shift (a string set).
    pub const DECLINED_BY: &str = "declinedBy";
    /// Who passed on a shift (beside their `PASS#` items, written with them).
    pub const PASSED_BY: &str = "passedBy";
    /// On an attempt: whether its shift follows a missed call with a text (`smsFollowUp`).
    pub const SMS_FOLLOW_UP: &str = "smsFollowUp";
    /// Who declined the same patient lately (a string set), called last.
    pub const CALLED_LAST: &str = "calledLast";

    // Attempts.
    pub const ATTEMPT: &str = "attempt";
    pub const ROUND: &str = "round";
    pub const POSITION: &str = "position";
    pub const EMPLOYEE_ID: &str = "employeeId";
    pub const FIRST_NAME: &str = "firstName";
    pub const PHONE: &str = "phone";
    pub const PURPOSE: &str = "purpose";
    pub const TEXT: &str = "text";
    /// Where the greeting ends in the text (bytes; absent: spoken whole).
    pub const GREETING_END: &str = "greetingEnd";
    pub const CALL_SID: &str = "callSid";
    pub const TWILIO_STATUS: &str = "twilioStatus";
    pub const STATUS_SEQ: &str = "statusSeq";
    pub const DURATION_SECS: &str = "durationSecs";
    pub const ANSWERED_BY: &str = "answeredBy";
    pub const OUTCOME: &str = "outcome";
    pub const SKIP_REASON: &str = "skipReason";
    pub const PACED_AT: &str = "pacedAt";
    pub const DIGIT: &str = "digit";
    pub const ENDED_AT: &str = "endedAt";
    pub const ADVANCED_AT: &str = "advancedAt";
    pub const PACE_SLOT: &str = "paceSlot";
    pub const PACE_HOLDER: &str = "paceHolder";
    /// Results: characters sent to the speech service for this call (absent: none).
    pub const SPEECH_CHARS: &str = "speechChars";
    /// Call recording: Twilio's recording of this call (removed once deleted at Twilio).
    pub const RECORDING_SID: &str = "recordingSid";
    pub const RECORDING_DUE_AT: &str = "recordingDueAt";
    pub const RECORDING_DELETED_AT: &str = "recordingDeletedAt";
    pub const LANGUAGE: &str = "language";
    pub const VOICE_ID: &str = "voiceId";

    // Remembered declines.
    pub const DECLINED_AT: &str = "declinedAt";

    // Pacing.
    pub const HOLDER: &str = "holder";
    pub const EXPIRES_AT: &str = "expiresAt";
    pub const TASK: &str = "task";
    pub const ENTRY: &str = "entry";
    /// A reachability check's day (`YYYY-MM-DD`, UTC): one check per person per day.
    pub const DAY: &str = "day";

    // A person's recent calls.
    pub const CALLS: &str = "calls";
    pub const VERSION: &str = "version";
    pub const HELD: &str = "held";
    pub const STALLED: &str = "stalled";

    // A coordinator's actions on a shift (`service::control`).
    /// Present while calling is paused: when it was paused.
    pub const PAUSED_AT: &str = "pausedAt";
    /// When a coordinator skipped the rest of the wait (once).
    pub const CALLED_NOW_AT: &str = "calledNowAt";
    /// The actions, oldest first: a list of JSON texts (`records::Control`).
    pub const CONTROLS: &str = "controls";

    // Inbound channels: the offer index, passes, opt-outs, texts.
    pub const OFFERED_AT: &str = "offeredAt";
    pub const TEXTED: &str = "texted";
    /// The code an offer's text carried ("Reply YES 4K7").
    pub const CODE: &str = "code";

    // Speech spend: the per-provider counters.
    pub const COUNT: &str = "count";

    /// The attribute marking a once-only effect `flag` done.
    pub fn done(flag: &str) -> String {
        format!("{flag}Done")
    }
}

pub(crate) const SHIFT_SK: &str = "SHIFT";
pub(crate) const SETTINGS_SK: &str = "SETTINGS";
pub(crate) const ATTEMPT_PREFIX: &str = "ATTEMPT#";
pub(crate) const PACING: &str = "PACING";
pub(crate) const PACING_WAIT: &str = "PACING_WAIT";
pub(crate) const SLOT_PREFIX: &str = "SLOT#";
pub(crate) const WAIT_PREFIX: &str = "WAIT#";
pub(crate) const WATCHDOG_SK: &str = "WATCHDOG";
pub(crate) const CALLS_SK: &str = "CALLS";

/// A person's recent calls, by their number's key (a hash: the number itself is not a key).
pub(crate) fn person_calls_key(phone: &str) -> Key {
    let phone_key = callout_core::inbound::phone_key(phone);
    (s(format!("PHONE#{phone_key}")), s(CALLS_SK))
}
pub(crate) const DECLINE_PREFIX: &str = "EMP#";

/// `PROVIDER#{providerId}`: the settings' partition and the index's.
pub(crate) fn provider_pk(provider_id: &str) -> String {
    format!("PROVIDER#{provider_id}")
}
/// `SHIFT#{occurrenceId}`: a shift's partition, with its attempts.
pub(crate) fn shift_pk(occ: &str) -> String {
    format!("SHIFT#{occ}")
}
pub(crate) fn settings_key(provider_id: &str) -> Key {
    (s(provider_pk(provider_id)), s(SETTINGS_SK))
}
pub(crate) fn shift_key(occ: &str) -> Key {
    (s(shift_pk(occ)), s(SHIFT_SK))
}
pub(crate) fn attempt_key(occ: &str, k: u32) -> Key {
    (s(shift_pk(occ)), s(format!("{ATTEMPT_PREFIX}{k:05}")))
}
pub(crate) fn slot_sk(slot: u32) -> String {
    format!("{SLOT_PREFIX}{slot:03}")
}
/// The slot number in a call slot's sort key.
pub(crate) fn slot_of(sk: &str) -> Option<u32> {
    sk.strip_prefix(SLOT_PREFIX)?.parse().ok()
}
pub(crate) fn waiter_sk(task: &Dial) -> String {
    let since = task.waiting_since.unwrap_or_default();
    format!(
        "{WAIT_PREFIX}{since:013}#{}#{:05}",
        task.occurrence_id, task.attempt
    )
}
/// `DECLINES#{providerId}#{hash}`: the declines of one patient's shifts at one provider. The
/// patient (`campaign::patient_key`, the normalised name) is hashed: no name in a key.
pub(crate) fn declines_pk(provider_id: &str, patient_key: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash = hex::encode(Sha256::digest(patient_key.as_bytes()));
    format!("DECLINES#{provider_id}#{}", &hash[..32])
}
pub(crate) fn decline_key(provider_id: &str, patient_key: &str, employee_id: &str) -> Key {
    (
        s(declines_pk(provider_id, patient_key)),
        s(format!("{DECLINE_PREFIX}{employee_id}")),
    )
}
/// A shift's `gsi1sk`.
pub(crate) fn shift_gsi1sk(created: DateTime<Utc>, occ: &str) -> String {
    format!("SHIFT#{}#{occ}", created.to_rfc3339())
}
/// An attempt's `gsi1sk`.
pub(crate) fn call_gsi1sk(created: DateTime<Utc>, occ: &str, k: u32) -> String {
    format!("CALL#{}#{occ}#{k:05}", created.to_rfc3339())
}

// Inbound channels: the offer index by phone, opt-outs, passes, texts.
pub(crate) const OFFER_PREFIX: &str = "OFFER#";
pub(crate) const OPTOUT_SK: &str = "OPTOUT";
pub(crate) const TEXT_PREFIX: &str = "TEXT#";
/// `PHONE#{phoneKey}`: a phone's offers and opt-out, by the number's hash.
pub(crate) fn phone_pk(phone: &str) -> String {
    format!("PHONE#{}", callout_core::inbound::phone_key(phone))
}
/// One person's offer of one shift at a phone: people sharing a number each have theirs.
pub(crate) fn offer_key(phone: &str, occ: &str, employee_id: &str) -> Key {
    (
        s(phone_pk(phone)),
        s(format!("{OFFER_PREFIX}{occ}#{employee_id}")),
    )
}
/// A webhook handled (`id`: a `MessageSid`, a `CallSid` and step), remembered so a replay or a
/// retry of it changes nothing.
pub(crate) fn webhook_key(id: &str) -> Key {
    (s(format!("WEBHOOK#{id}")), s("WEBHOOK"))
}
/// A provider's reachability check of one person: the latest.
pub(crate) const REACH_PREFIX: &str = "REACH#";
pub(crate) fn reach_key(provider_id: &str, employee_id: &str) -> Key {
    (
        s(provider_pk(provider_id)),
        s(format!("{REACH_PREFIX}{employee_id}")),
    )
}
/// A provider's own number (`fromNumber`): who it belongs to.
pub(crate) fn number_key(number: &str) -> Key {
    (s(phone_pk(number)), s("NUMBER"))
}
pub(crate) fn optout_key(phone: &str) -> Key {
    (s(phone_pk(phone)), s(OPTOUT_SK))
}
pub(crate) fn pass_key(occ: &str, employee_id: &str) -> Key {
    (s(shift_pk(occ)), s(format!("PASS#{employee_id}")))
}
pub(crate) fn text_key(occ: &str, kind: &str, employee_id: &str, reference: &str) -> Key {
    (
        s(shift_pk(occ)),
        s(format!("{TEXT_PREFIX}{kind}#{employee_id}#{reference}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_are_fixed_width_and_parse_back() {
        assert_eq!(slot_sk(7), "SLOT#007");
        assert_eq!(slot_of(&slot_sk(42)), Some(42));
        assert_eq!(slot_of("WATCHDOG"), None);
        let task = Dial {
            waiting_since: Some(1_700_000_000_000),
            ..Dial::new("occ_1", 3)
        };
        assert_eq!(waiter_sk(&task), "WAIT#1700000000000#occ_1#00003");
        assert_eq!(
            attempt_key("occ_1", 12),
            (s("SHIFT#occ_1"), s("ATTEMPT#00012"))
        );
        let pk = declines_pk("prov_1", "margaret thompson");
        assert!(pk.starts_with("DECLINES#prov_1#") && pk.len() == "DECLINES#prov_1#".len() + 32);
        assert!(!pk.contains("margaret"));
        assert_ne!(pk, declines_pk("prov_2", "margaret thompson"));
    }
}
