//! A person's recent calls (`PHONE#{phoneKey}` / `CALLS`), across every shift and
//! provider: a map from the call (`{occurrenceId}#{attempt}`) to when it was let through, and
//! a version for optimistic writes. The rule is pure, in `callout_core::person_pace`.

use super::codec::{get_n, n, s, ttl};
use super::error::{ConditionalResult, DbResult};
use super::keys::{attr, person_calls_key};
use super::{Store, INTERNAL_RETENTION};
use anyhow::Result;
use aws_sdk_dynamodb::types::AttributeValue;
use callout_core::person_pace::{self, Windows};
use chrono::Utc;
use std::collections::HashMap;

impl Store {
    /// Let call `call` to `phone` through at `now` if the person's recent calls allow it
    /// (recorded, so it counts for every later call), or say until when it must wait. Asking
    /// again for the same call (a placement retried after Twilio did nothing) decides again
    /// against the person's OTHER calls, and moves the call to `now` when let through: it
    /// never counts twice, and a retried call never rings on the heels of another shift's call
    /// let through while it waited. Held back, it stops counting until it asks again.
    pub async fn let_person_call(
        &self,
        phone: &str,
        call: &str,
        now: i64,
        limit: u32,
        windows: Windows,
    ) -> Result<Result<(), i64>> {
        let key = person_calls_key(phone);
        loop {
            let item = self.get(key.clone()).send().await.db()?.item;
            let version: Option<u64> = item.as_ref().and_then(|i| get_n(i, attr::VERSION));
            let mut calls: HashMap<String, i64> = item
                .as_ref()
                .and_then(|i| i.get(attr::CALLS))
                .and_then(|v| v.as_m().ok())
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_n().ok()?.parse().ok()?)))
                        .collect()
                })
                .unwrap_or_default();
            let asked_before = calls.remove(call).is_some();
            let times: Vec<i64> = calls.values().copied().collect();
            let verdict = match person_pace::wait_until(&times, now, limit, windows) {
                Some(until) if !asked_before => return Ok(Err(until)),
                Some(until) => Err(until),
                None => Ok(()),
            };
            // The whole map is rewritten: calls that left the window are dropped.
            let mut kept: HashMap<String, AttributeValue> = calls
                .into_iter()
                .filter(|(_, t)| person_pace::keep(*t, now, windows))
                .map(|(k, t)| (k, n(t)))
                .collect();
            if verdict.is_ok() {
                kept.insert(call.to_string(), n(now));
            }
            let update = self
                .update(key.clone())
                .update_expression("SET #c = :c, #v = :next, #ttl = :ttl")
                .expression_attribute_names("#c", attr::CALLS)
                .expression_attribute_names("#v", attr::VERSION)
                .expression_attribute_names("#ttl", attr::TTL)
                .expression_attribute_values(":c", AttributeValue::M(kept))
                .expression_attribute_values(":next", n(version.unwrap_or(0) + 1))
                .expression_attribute_values(":ttl", ttl(Utc::now() + INTERNAL_RETENTION));
            let update = match version {
                Some(v) => update
                    .condition_expression("#v = :v")
                    .expression_attribute_values(":v", n(v)),
                None => update.condition_expression("attribute_not_exists(#v)"),
            };
            if update.send().await.conditional()? {
                return Ok(verdict);
            }
            // Another call to this person was let through meanwhile: decide again.
        }
    }

    /// Note on the shift why attempt `k` is held and until when (the call log shows it).
    pub async fn set_held(&self, occ: &str, held: &crate::records::Held) -> Result<()> {
        self.update(super::keys::shift_key(occ))
            .update_expression("SET #h = :h")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#h", attr::HELD)
            .expression_attribute_values(":h", s(serde_json::to_string(held)?))
            .send()
            .await
            .conditional()?;
        Ok(())
    }
}
