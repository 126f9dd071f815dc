//! Reading and checking a `Wave3Completed` detail: its JSON shape first (the first wrong field
//! and what it must be, never the value), then the written limits (`validate`); display fields
//! are cleaned, never refused, and a pool entry that cannot be called is dropped, not the event.

use chrono::DateTime;

use super::{is_e164, Wave3Completed};

/// A problem with an incoming event that its sender must fix: the shift is not called (stored
/// as `NOT_CALLED` with this reason when its ids can be, `service::start`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidEvent {
    pub field: String,
    pub message: String,
}

/// The shift as the campaign sees it once the event has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedStart {
    pub event: Wave3Completed,
    /// Pool entries that cannot be called (bad phone, duplicate), with the reason; they are
    /// skipped and logged rather than failing the whole shift.
    pub skipped: Vec<(String, &'static str)>,
}

impl Wave3Completed {
    /// Read an event's detail. A detail that does not have the event's shape is refused with
    /// the first field that is wrong and what it must be, never with the value (serde's own
    /// message quotes it: a patient's name or a phone number would reach logs and responses).
    pub fn from_json(detail: serde_json::Value) -> Result<Wave3Completed, InvalidEvent> {
        if let Some(e) = shape_error(&detail) {
            return Err(e);
        }
        serde_json::from_value(detail).map_err(|_| InvalidEvent {
            field: "detail".into(),
            message: "is not a Wave3Completed detail".into(),
        })
    }

    /// The event with its display fields (the patient's name, the suburb, first names) cleaned
    /// to their written limits (`validate::clean_display`): what is stored and spoken.
    pub fn cleaned(mut self) -> Wave3Completed {
        use crate::validate::{self as v, clean_display};
        self.job.patient_name = clean_display(&self.job.patient_name, v::MAX_PATIENT_NAME_CHARS);
        self.job.suburb = clean_display(&self.job.suburb, v::MAX_SUBURB_CHARS);
        for s in &mut self.staff_pool {
            s.first_name = clean_display(&s.first_name, v::MAX_FIRST_NAME_CHARS);
        }
        self
    }

    /// Check the event a sender gave us against the written limits (`validate`). Errors name
    /// the field and the rule. Display fields are cleaned, never refused (`cleaned`); a pool
    /// entry that cannot be called (no usable employeeId or phone, a repeat) is dropped
    /// (reported in `skipped`, by its employeeId when that is valid, else by its position) so
    /// the rest of the pool is still called.
    pub fn check(self) -> Result<CheckedStart, InvalidEvent> {
        use crate::validate::{self as v, Refusal};
        let mut this = self.cleaned();
        let first = |checks: Vec<Result<(), Refusal>>| checks.into_iter().find_map(Result::err);
        if let Some(r) = first(vec![
            v::identifier("occurrenceId", &this.occurrence_id),
            v::identifier("providerId", &this.provider_id),
            v::name("job.timeZone", &this.job.time_zone, v::MAX_TIME_ZONE_CHARS),
        ]) {
            return Err(r.into());
        }
        if crate::zone::Zone::get(&this.job.time_zone).is_none() {
            return Err(InvalidEvent::new(
                "job.timeZone",
                "must be an IANA time zone such as Australia/Sydney",
            ));
        }
        if this.job.ends_at <= this.job.starts_at {
            return Err(InvalidEvent::new(
                "job.endsAt",
                "must be after job.startsAt",
            ));
        }
        if this.staff_pool.len() > v::MAX_POOL {
            return Err(InvalidEvent::new(
                "staffPool",
                format!("must have at most {} people", v::MAX_POOL),
            ));
        }
        // A pool entry's language is checked like the event's own fields: a malformed tag
        // refuses the event (it is not called: `NOT_CALLED`), by position, never quoting the tag.
        for (i, s) in this.staff_pool.iter_mut().enumerate() {
            if let Some(tag) = &s.language {
                match crate::lang::canonical(tag) {
                    Some(c) => s.language = Some(c),
                    None => {
                        return Err(InvalidEvent::new(
                            &format!("staffPool[{i}].language"),
                            crate::lang::TAG_RULE,
                        ))
                    }
                }
            }
        }
        let mut skipped = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut i = 0;
        this.staff_pool.retain(|s| {
            let label = if v::is_identifier(&s.employee_id) {
                s.employee_id.clone()
            } else {
                format!("staffPool[{i}]")
            };
            i += 1;
            let reason = if !v::is_identifier(&s.employee_id) {
                Some("employeeId is not 1 to 128 characters of A-Z a-z 0-9 _ - . : @")
            } else if !is_e164(&s.phone) {
                Some("phone is not an E.164 number")
            } else if !seen.insert(s.employee_id.clone()) {
                Some("employee appears twice in the pool")
            } else {
                None
            };
            if let Some(r) = reason {
                skipped.push((label, r));
            }
            reason.is_none()
        });
        if this.staff_pool.is_empty() {
            return Err(InvalidEvent::new(
                "staffPool",
                "has nobody who can be called",
            ));
        }
        Ok(CheckedStart {
            event: this,
            skipped,
        })
    }
}

impl InvalidEvent {
    pub fn new(field: &str, message: impl Into<String>) -> InvalidEvent {
        InvalidEvent {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<crate::validate::Refusal> for InvalidEvent {
    fn from(r: crate::validate::Refusal) -> Self {
        InvalidEvent {
            field: r.field,
            message: r.rule,
        }
    }
}

/// The first field of a `Wave3Completed` detail whose JSON type or format is wrong.
fn shape_error(detail: &serde_json::Value) -> Option<InvalidEvent> {
    use serde_json::Value;
    let Some(d) = detail.as_object() else {
        return Some(InvalidEvent::new("detail", "must be a JSON object"));
    };
    let text = |obj: &serde_json::Map<String, Value>, key: &str, path: &str| match obj.get(key) {
        Some(Value::String(_)) => None,
        None => Some(InvalidEvent::new(path, "is required")),
        Some(_) => Some(InvalidEvent::new(path, "must be text")),
    };
    let time = |obj: &serde_json::Map<String, Value>, key: &str, path: &str| {
        text(obj, key, path).or_else(|| {
            let s = obj.get(key).and_then(Value::as_str).unwrap_or_default();
            DateTime::parse_from_rfc3339(s).err().map(|_| {
                InvalidEvent::new(
                    path,
                    "must be an RFC 3339 time with an offset, such as 2026-01-23T09:00:00+11:00",
                )
            })
        })
    };
    if let Some(e) =
        text(d, "occurrenceId", "occurrenceId").or_else(|| text(d, "providerId", "providerId"))
    {
        return Some(e);
    }
    let Some(job) = d.get("job") else {
        return Some(InvalidEvent::new("job", "is required"));
    };
    let Some(job) = job.as_object() else {
        return Some(InvalidEvent::new("job", "must be a JSON object"));
    };
    if let Some(e) = text(job, "patientName", "job.patientName")
        .or_else(|| time(job, "startsAt", "job.startsAt"))
        .or_else(|| time(job, "endsAt", "job.endsAt"))
        .or_else(|| text(job, "timeZone", "job.timeZone"))
        .or_else(|| text(job, "suburb", "job.suburb"))
    {
        return Some(e);
    }
    let Some(pool) = d.get("staffPool") else {
        return Some(InvalidEvent::new("staffPool", "is required"));
    };
    let Some(pool) = pool.as_array() else {
        return Some(InvalidEvent::new("staffPool", "must be a JSON array"));
    };
    for (i, s) in pool.iter().enumerate() {
        let Some(s) = s.as_object() else {
            return Some(InvalidEvent::new(
                &format!("staffPool[{i}]"),
                "must be a JSON object",
            ));
        };
        for key in ["employeeId", "firstName", "phone"] {
            if let Some(e) = text(s, key, &format!("staffPool[{i}].{key}")) {
                return Some(e);
            }
        }
        // Optional fields: absent or null is none.
        match s.get("priority") {
            None | Some(Value::Null) => {}
            Some(p)
                if p.as_u64()
                    .is_some_and(|n| (1..=u64::from(u32::MAX)).contains(&n)) => {}
            Some(_) => {
                return Some(InvalidEvent::new(
                    &format!("staffPool[{i}].priority"),
                    PRIORITY_RULE,
                ))
            }
        }
        match s.get("language") {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(_) => {
                return Some(InvalidEvent::new(
                    &format!("staffPool[{i}].language"),
                    "must be text",
                ))
            }
        }
    }
    None
}

/// The rule of a pool entry's `priority`, as an error message.
pub const PRIORITY_RULE: &str =
    "must be a whole number of at least 1 (1 is called first; leave it out for pool order)";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn detail() -> Value {
        json!({
            "occurrenceId": "occ_1", "providerId": "prov_1",
            "job": { "patientName": "Margaret Thompson", "startsAt": "2026-01-23T09:00:00+11:00",
                     "endsAt": "2026-01-23T13:00:00+11:00", "timeZone": "Australia/Sydney",
                     "suburb": "Parramatta" },
            "staffPool": [{"employeeId": "emp_1", "firstName": "Alice", "phone": "+61400000001"}],
        })
    }

    fn refused(d: Value) -> InvalidEvent {
        Wave3Completed::from_json(d)
            .and_then(|e| e.check().map(|_| ()))
            .expect_err("refused")
    }

    #[test]
    fn a_malformed_detail_names_the_field_never_the_value() {
        let mut d = detail();
        d["job"]["patientName"] = json!(["Margaret", "Thompson"]);
        let e = refused(d);
        assert_eq!(e.to_string(), "job.patientName: must be text");
        let mut d = detail();
        d["staffPool"][0]["phone"] = json!(61400000001u64);
        assert_eq!(refused(d).to_string(), "staffPool[0].phone: must be text");
        let mut d = detail();
        d["job"]["startsAt"] = json!("Margaret Thompson");
        let e = refused(d).to_string();
        assert!(
            e.starts_with("job.startsAt: must be an RFC 3339 time"),
            "{e}"
        );
        assert!(!e.contains("Margaret"));
        assert_eq!(
            refused(json!("x")).to_string(),
            "detail: must be a JSON object"
        );
    }

    #[test]
    fn the_written_limits_hold() {
        let cases: Vec<(&str, Value, &str)> = vec![
            (
                "/occurrenceId",
                json!("occ/1"),
                "occurrenceId: must be 1 to 128 characters of A-Z a-z 0-9 _ - . : @",
            ),
            (
                "/occurrenceId",
                json!("o".repeat(100_000)),
                "occurrenceId: must be 1 to 128 characters of A-Z a-z 0-9 _ - . : @",
            ),
            (
                "/providerId",
                json!("prov 1"),
                "providerId: must be 1 to 128 characters of A-Z a-z 0-9 _ - . : @",
            ),
            (
                "/job/timeZone",
                json!("Australia/Syd\u{0}ney"),
                "job.timeZone: must not contain control characters",
            ),
        ];
        for (pointer, value, message) in cases {
            let mut d = detail();
            *d.pointer_mut(pointer).unwrap() = value;
            assert_eq!(refused(d).to_string(), message, "{pointer}");
        }
        let mut d = detail();
        d["staffPool"] = (0..=crate::validate::MAX_POOL)
            .map(|i| json!({"employeeId": format!("e{i}"), "firstName": "A", "phone": "+61400000001"}))
            .collect();
        assert_eq!(
            refused(d).to_string(),
            "staffPool: must have at most 500 people"
        );
    }

    #[test]
    fn pool_entries_that_break_a_rule_are_skipped_by_position() {
        let mut d = detail();
        d["staffPool"] = json!([
            {"employeeId": "emp/1", "firstName": "A", "phone": "+61400000001"},
            {"employeeId": "emp_2", "firstName": "Al\u{8}ice", "phone": "+61400000002"},
            {"employeeId": "emp_3", "firstName": "x".repeat(65), "phone": "+61400000003"},
            {"employeeId": "emp_4", "firstName": "Dan", "phone": "+61400000004"},
        ]);
        let c = Wave3Completed::from_json(d).unwrap().check().unwrap();
        // Only who cannot be called is left out: a bad first name is cleaned, not refused.
        let labels: Vec<&str> = c.skipped.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["staffPool[0]"]);
        let names: Vec<&str> = c
            .event
            .staff_pool
            .iter()
            .map(|s| s.first_name.as_str())
            .collect();
        assert_eq!(names, ["Alice", &"x".repeat(64), "Dan"]);
    }

    #[test]
    fn display_fields_are_cleaned_to_their_limits_and_the_event_is_called() {
        let mut d = detail();
        d["job"]["patientName"] = json!(format!("Margaret\u{7}\n Thompson{}", "p".repeat(200)));
        d["job"]["suburb"] = json!("Parra\u{0}matta\t ");
        d["staffPool"][0]["firstName"] = json!("\u{1b}[31mAl\u{8}ice");
        let c = Wave3Completed::from_json(d).unwrap().check().unwrap();
        assert!(c.skipped.is_empty());
        let job = &c.event.job;
        assert!(job.patient_name.starts_with("Margaret Thompsonppp"));
        assert_eq!(job.patient_name.chars().count(), 128);
        assert_eq!(job.suburb, "Parramatta");
        assert_eq!(c.event.staff_pool[0].first_name, "[31mAlice");
        // A pool whose only person has no callable number is not called.
        let mut d = detail();
        d["staffPool"][0]["phone"] = json!("0400 000 001");
        assert_eq!(
            refused(d).to_string(),
            "staffPool: has nobody who can be called"
        );
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            ".{0,40}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                proptest::collection::btree_map(".{0,8}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// The events edge: any value at any field of a good detail, or any JSON at all, is
        /// read without a panic, and a refusal never quotes the value.
        #[test]
        fn any_event_is_refused_without_its_value(
            field in prop::sample::select(vec![
                "/occurrenceId", "/providerId", "/job", "/job/patientName", "/job/startsAt",
                "/job/endsAt", "/job/timeZone", "/job/suburb", "/staffPool", "/staffPool/0",
                "/staffPool/0/employeeId", "/staffPool/0/firstName", "/staffPool/0/phone",
                "/staffPool/0/priority", "/staffPool/0/language",
            ]),
            marker in "[A-Za-z]{6,12}",
            value in arb_json(),
            whole in arb_json(),
        ) {
            // The marker stands for a patient's name or a phone number in the wrong place.
            let value = match value {
                Value::String(_) => Value::from(format!("{marker}\u{0}{marker}")),
                Value::Array(mut a) => { a.push(Value::from(marker.clone())); Value::Array(a) }
                other => other,
            };
            let mut d = detail();
            if field.ends_with("priority") || field.ends_with("language") {
                d["staffPool"][0][field.rsplit('/').next().unwrap()] = Value::Null;
            }
            *d.pointer_mut(field).unwrap() = value;
            for d in [d, whole] {
                if let Err(e) = Wave3Completed::from_json(d).and_then(|e| e.check().map(|_| ())) {
                    prop_assert!(!e.to_string().contains(&marker), "{}", e);
                }
            }
        }
    }

    #[test]
    fn a_pool_entry_may_carry_a_priority_and_a_language() {
        let mut d = detail();
        d["staffPool"] = json!([
            {"employeeId": "emp_1", "firstName": "A", "phone": "+61400000001", "priority": 2, "language": "ES-mx"},
            {"employeeId": "emp_2", "firstName": "B", "phone": "+61400000002", "priority": null, "language": null},
        ]);
        let c = Wave3Completed::from_json(d).unwrap().check().unwrap();
        assert_eq!(c.event.staff_pool[0].priority, Some(2));
        assert_eq!(c.event.staff_pool[0].language.as_deref(), Some("es-MX"));
        assert_eq!(c.event.staff_pool[1].priority, None);
        assert_eq!(c.event.staff_pool[1].language, None);
        // Written back without the empty fields (the stored event).
        let back = serde_json::to_value(&c.event.staff_pool[1]).unwrap();
        assert_eq!(back.as_object().unwrap().len(), 3, "{back}");
    }

    #[test]
    fn a_bad_priority_or_language_refuses_the_event_by_position() {
        for (value, message) in [
            (
                json!(0),
                "staffPool[1].priority: must be a whole number of at least 1",
            ),
            (
                json!(-3),
                "staffPool[1].priority: must be a whole number of at least 1",
            ),
            (
                json!(1.5),
                "staffPool[1].priority: must be a whole number of at least 1",
            ),
            (
                json!("1"),
                "staffPool[1].priority: must be a whole number of at least 1",
            ),
            (
                json!(5_000_000_000u64),
                "staffPool[1].priority: must be a whole number of at least 1",
            ),
        ] {
            let mut d = detail();
            d["staffPool"] = json!([
                {"employeeId": "emp_1", "firstName": "A", "phone": "+61400000001"},
                {"employeeId": "emp_2", "firstName": "B", "phone": "+61400000002", "priority": value},
            ]);
            let e = refused(d).to_string();
            assert!(e.starts_with(message), "{e}");
        }
        for (value, message) in [
            (
                json!("Spanish"),
                "staffPool[0].language: must be a BCP-47 language tag",
            ),
            (
                json!("es_MX"),
                "staffPool[0].language: must be a BCP-47 language tag",
            ),
            (json!(7), "staffPool[0].language: must be text"),
        ] {
            let mut d = detail();
            d["staffPool"][0]["language"] = value;
            let e = refused(d).to_string();
            assert!(e.starts_with(message), "{e}");
            assert!(!e.contains("Spanish") && !e.contains("es_MX"), "{e}");
        }
        // A well-formed tag of a language calls do not speak is kept: the call falls back.
        let mut d = detail();
        d["staffPool"][0]["language"] = json!("de-CH");
        let c = Wave3Completed::from_json(d).unwrap().check().unwrap();
        assert_eq!(c.event.staff_pool[0].language.as_deref(), Some("de-CH"));
    }

    #[test]
    fn e164() {
        assert!(is_e164("+61400000001"));
        assert!(is_e164("+14158675310"));
        assert!(!is_e164("0400000001"));
        assert!(!is_e164("+0400000001"));
        assert!(!is_e164("+61 400 000 001"));
        assert!(!is_e164("+1234567"));
        assert!(!is_e164("+1234567890123456"));
    }
}
