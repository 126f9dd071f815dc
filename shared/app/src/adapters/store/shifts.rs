//! Shifts (`SHIFT#{occurrenceId}` / `SHIFT`): creation, reads, scheduling, the acceptance (the
//! one conditional write that gives a shift to one person), the end of calling, and what the
//! call log shows of the acceptance's aftermath.

use super::codec::{attempt_from, get_s, n, s, shift_from, time, ttl, Item};
use super::error::{ConditionalResult, DbResult, Written};
use super::keys::{attempt_key, attr, provider_pk, shift_gsi1sk, shift_key};
use super::Store;
use crate::records::{Attempt, Delivery, Shift};
use anyhow::{Context, Result};
use aws_sdk_dynamodb::types::{KeysAndAttributes, ReturnValuesOnConditionCheckFailure};
use callout_core::model::ShiftStatus;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// How an acceptance ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptWrite {
    /// This acceptance filled the shift.
    Won,
    /// The shift was already filled by `filled_by` (the same person when a request repeats).
    Taken { filled_by: String },
    /// A coordinator (or the platform) cancelled the shift first.
    Cancelled,
}

impl Store {
    /// Store a new shift; false when the occurrence is already known (a repeated start event).
    pub async fn put_shift_if_new(&self, shift: &Shift) -> Result<bool> {
        self.put(shift_key(shift.occurrence_id()), Item::try_from(shift)?)
            .item(attr::TTL, ttl(self.call_log_expiry(shift.created_at)))
            .item(attr::GSI1PK, s(provider_pk(&shift.event.provider_id)))
            .item(
                attr::GSI1SK,
                s(shift_gsi1sk(shift.created_at, shift.occurrence_id())),
            )
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .conditional()
    }

    pub async fn get_shift(&self, occ: &str) -> Result<Option<Shift>> {
        let out = self.get(shift_key(occ)).send().await.db()?;
        out.item.as_ref().map(shift_from).transpose()
    }

    /// The shift and one attempt in one request (the webhooks' critical path).
    pub async fn get_shift_and_attempt(
        &self,
        occ: &str,
        k: u32,
    ) -> Result<(Option<Shift>, Option<Attempt>)> {
        let key = |(pk, sk)| HashMap::from([(attr::PK.into(), pk), (attr::SK.into(), sk)]);
        let keys = KeysAndAttributes::builder()
            .keys(key(shift_key(occ)))
            .keys(key(attempt_key(occ, k)))
            .consistent_read(true)
            .build()?;
        let out = self
            .client
            .batch_get_item()
            .request_items(&self.table, keys)
            .send()
            .await
            .db()?;
        let mut shift = None;
        let mut attempt = None;
        for item in out
            .responses
            .and_then(|mut r| r.remove(&self.table))
            .unwrap_or_default()
        {
            match get_s(&item, attr::SK).as_deref() {
                Some(super::keys::SHIFT_SK) => shift = Some(shift_from(&item)?),
                _ => attempt = Some(attempt_from(&item)?),
            }
        }
        // Unprocessed keys are rare (throttling); fall back to single reads.
        if out
            .unprocessed_keys
            .is_some_and(|u| u.values().any(|k| !k.keys().is_empty()))
        {
            return Ok((self.get_shift(occ).await?, self.get_attempt(occ, k).await?));
        }
        Ok((shift, attempt))
    }

    pub async fn mark_scheduled(&self, occ: &str, at: DateTime<Utc>) -> Result<()> {
        self.update(shift_key(occ))
            .update_expression("SET #t = :t")
            .expression_attribute_names("#t", attr::SCHEDULED_AT)
            .expression_attribute_values(":t", time(at))
            .send()
            .await
            .db()?;
        Ok(())
    }

    /// The one rule every channel accepts through: the shift goes to `employee_id` only if
    /// nobody has it yet.
    /// `attempt` is the call the person pressed 1 on, if any.
    pub async fn accept(
        &self,
        occ: &str,
        employee_id: &str,
        channel: &str,
        attempt: Option<u32>,
    ) -> Result<AcceptWrite> {
        let mut req = self.update(shift_key(occ));
        let mut expr = "SET #st = :assigned, #to = :e, #ch = :c, #at = :t".to_string();
        if let Some(k) = attempt {
            expr.push_str(", #k = :k");
            req = req
                .expression_attribute_names("#k", attr::ASSIGNED_ATTEMPT)
                .expression_attribute_values(":k", n(k));
        }
        // Only while the shift can be accepted (`ShiftStatus::ACCEPTABLE`, the one rule).
        let acceptable: Vec<String> = (0..ShiftStatus::ACCEPTABLE.len())
            .map(|i| format!(":ok{i}"))
            .collect();
        for (name, status) in acceptable.iter().zip(ShiftStatus::ACCEPTABLE) {
            req = req.expression_attribute_values(name, s(status.as_str()));
        }
        let result = req
            .update_expression(expr)
            .condition_expression(format!(
                "attribute_exists(pk) AND #st IN ({})",
                acceptable.join(", ")
            ))
            .expression_attribute_names("#st", attr::STATUS)
            .expression_attribute_names("#to", attr::ASSIGNED_TO)
            .expression_attribute_names("#ch", attr::ASSIGNED_CHANNEL)
            .expression_attribute_names("#at", attr::ASSIGNED_AT)
            .expression_attribute_values(":assigned", s(ShiftStatus::Assigned.as_str()))
            .expression_attribute_values(":e", s(employee_id))
            .expression_attribute_values(":c", s(channel))
            .expression_attribute_values(":t", time(Utc::now()))
            // Who has it comes back with the refusal: no second read.
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await
            .written()?;
        match result {
            Written::Done(_) => Ok(AcceptWrite::Won),
            Written::ConditionFailed { old } => {
                let cancelled = Some(ShiftStatus::Cancelled.as_str());
                if old.as_ref().and_then(|i| get_s(i, attr::STATUS)).as_deref() == cancelled {
                    return Ok(AcceptWrite::Cancelled);
                }
                let filled_by = match old.and_then(|i| get_s(&i, attr::ASSIGNED_TO)) {
                    Some(f) => f,
                    None => self
                        .get_shift(occ)
                        .await?
                        .context("shift vanished")?
                        .assigned_to
                        .unwrap_or_default(),
                };
                Ok(AcceptWrite::Taken { filled_by })
            }
        }
    }

    /// OPEN → UNFILLED_AFTER_CALLS; false when the shift was no longer open.
    pub async fn mark_unfilled(&self, occ: &str) -> Result<bool> {
        self.update(shift_key(occ))
            .update_expression("SET #st = :unfilled, #u = :t")
            .condition_expression("#st = :open")
            .expression_attribute_names("#st", attr::STATUS)
            .expression_attribute_names("#u", attr::UNFILLED_AT)
            .expression_attribute_values(":unfilled", s(ShiftStatus::UnfilledAfterCalls.as_str()))
            .expression_attribute_values(":open", s(ShiftStatus::Open.as_str()))
            .expression_attribute_values(":t", time(Utc::now()))
            .send()
            .await
            .conditional()
    }

    /// What became of the confirmation SMS (shown in the call log): sent, or refused and why.
    pub async fn record_confirmation(&self, occ: &str, delivery: &Delivery) -> Result<()> {
        self.update(shift_key(occ))
            .update_expression("SET #d = :d")
            .expression_attribute_names("#d", attr::CONFIRMATION_SMS)
            .expression_attribute_values(":d", s(serde_json::to_string(delivery)?))
            .send()
            .await
            .db()?;
        Ok(())
    }

    /// Everything that follows the acceptance is done.
    pub async fn mark_acceptance_finished(&self, occ: &str) -> Result<()> {
        self.update(shift_key(occ))
            .update_expression("SET #f = :t")
            .expression_attribute_names("#f", attr::ACCEPTANCE_FINISHED_AT)
            .expression_attribute_values(":t", time(Utc::now()))
            .send()
            .await
            .db()?;
        Ok(())
    }
}
