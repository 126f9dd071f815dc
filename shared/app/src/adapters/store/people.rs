//! A person's recent calls (`PHONE#{phoneKey}` / `CALLS`), across every shift and
//! provider: a map from the call (`{occurrenceId}#{attempt}`) to when it was let through, and
//! a version for optimistic writes. The rule is pure, in `callout_core::person_pace`.

use super::codec::{get_n, n, person_calls, person_calls_value, s, ttl};
use super::error::{ConditionalResult, DbResult};
use super::keys::{attr, person_calls_key};
use super::{Store, INTERNAL_RETENTION};
use anyhow::Result;
use callout_core::person_pace::{self, Windows};
use chrono::Utc;

impl Store {
    /// Let call `call` to `phone` through at `now` if the person's recent calls allow it
    /// (recorded, so it counts for every later call), or say until when it must wait
    /// (`person_pace::ask`, also when the same call asks again).
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
            let calls = person_calls(item.as_ref());
            let (verdict, kept) = person_pace::ask(&calls, call, now, limit, windows);
            let Some(kept) = kept else {
                return Ok(verdict);
            };
            let update = self
                .update(key.clone())
                .update_expression("SET #c = :c, #v = :next, #ttl = :ttl")
                .expression_attribute_names("#c", attr::CALLS)
                .expression_attribute_names("#v", attr::VERSION)
                .expression_attribute_names("#ttl", attr::TTL)
                .expression_attribute_values(":c", person_calls_value(kept))
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

    /// Note on the shift that a task of its campaign was dead-lettered (the call log shows it).
    pub async fn set_stalled(&self, occ: &str, stalled: &crate::records::Stalled) -> Result<()> {
        self.set_shift_note(occ, attr::STALLED, stalled).await
    }

    /// Note on the shift why attempt `k` is held and until when (the call log shows it).
    pub async fn set_held(&self, occ: &str, held: &crate::records::Held) -> Result<()> {
        self.set_shift_note(occ, attr::HELD, held).await
    }

    /// One of the notes a shift keeps for its call log, as JSON text in attribute `name`.
    async fn set_shift_note(
        &self,
        occ: &str,
        name: &str,
        note: &impl serde::Serialize,
    ) -> Result<()> {
        self.update(super::keys::shift_key(occ))
            .update_expression("SET #n = :n")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#n", name)
            .expression_attribute_values(":n", s(serde_json::to_string(note)?))
            .send()
            .await
            .conditional()?;
        Ok(())
    }
}
