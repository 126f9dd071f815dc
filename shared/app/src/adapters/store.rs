//! DynamoDB: one table holding provider settings, shifts and call attempts. Every change that
//! must happen once (accepting, an outcome, advancing) is a conditional write.
//!
//! | item | pk | sk |
//! |---|---|---|
//! | settings | `PROVIDER#{providerId}` | `SETTINGS` |
//! | shift | `SHIFT#{occurrenceId}` | `SHIFT` |
//! | attempt | `SHIFT#{occurrenceId}` | `ATTEMPT#{attempt:05}` |
//! | call slot | `PACING` | `SLOT#{n:03}` |
//! | dial task waiting for a slot | `PACING_WAIT` | `WAIT#{since ms:013}#{occurrenceId}#{attempt:05}` |
//!
//! Every item but the provider's settings carries the table's `ttl` (epoch seconds): shifts and
//! attempts (the call log) `CALL_LOG_RETENTION_DAYS` after they were made (default 90), call
//! slots, the waiting line and the watchdog a day after their last write.
//!
//! Shifts and attempts are also indexed by provider and time (GSI `gsi1`): `gsi1pk` =
//! `PROVIDER#{providerId}`, `gsi1sk` = `SHIFT#{createdAt}#{occurrenceId}` or
//! `CALL#{createdAt}#{occurrenceId}#{attempt:05}`, so a provider's recent shifts and calls are a
//! range query, never a scan.

use crate::records::{Attempt, Delivery, DialTask, Shift, PURPOSE};
use anyhow::{anyhow, Context, Result};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use aws_sdk_dynamodb::Client;
use callout_core::campaign::Outcome;
use callout_core::model::ShiftStatus;
use callout_core::pacing::Held;
use callout_core::settings::Settings;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// The provider/time index (see the module documentation).
pub const GSI1: &str = "gsi1";

#[derive(Clone)]
pub struct Store {
    pub(crate) client: Client,
    pub(crate) table: String,
    /// Where the `Calls` figure goes: an outcome is given in exactly one place, here.
    pub metrics: crate::metrics::Metrics,
    /// How long the call log (shifts and their attempts) is kept.
    call_log_retention: chrono::Duration,
}

/// The call log's default retention (`CALL_LOG_RETENTION_DAYS`).
pub const CALL_LOG_RETENTION_DAYS: u32 = 90;
/// How long an internal record (a call slot, a waiting task, the watchdog) outlives its last
/// write: far beyond any lease (15 minutes), so only abandoned ones expire.
pub const INTERNAL_RETENTION: chrono::Duration = chrono::Duration::days(1);

/// A time as RFC 3339 with microseconds and `+00:00`, always the same width.
fn fixed_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

/// The `ttl` attribute: `at` in epoch seconds.
fn ttl(at: DateTime<Utc>) -> AttributeValue {
    n(at.timestamp())
}

/// Where a once-only effect of a shift stands (see [`Store::claim_once`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This caller claimed it (or took over a claim abandoned longer than the lease): do it.
    Claimed,
    /// Done already.
    Done,
    /// Claimed by someone else at this time and not done yet.
    InProgress(DateTime<Utc>),
}

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}
fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}
fn get_s(item: &Item, k: &str) -> Option<String> {
    item.get(k).and_then(|v| v.as_s().ok()).cloned()
}
fn get_n<T: std::str::FromStr>(item: &Item, k: &str) -> Option<T> {
    item.get(k)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}
fn get_time(item: &Item, k: &str) -> Option<DateTime<Utc>> {
    get_s(item, k).and_then(|t| t.parse().ok())
}
const PACING: &str = "PACING";
const PACING_WAIT: &str = "PACING_WAIT";
fn slot_sk(slot: u32) -> String {
    format!("SLOT#{slot:03}")
}
fn waiter_sk(task: &DialTask) -> String {
    let since = task.waiting_since.unwrap_or_default();
    format!(
        "WAIT#{since:013}#{}#{:05}",
        task.occurrence_id, task.attempt
    )
}
fn shift_key(occ: &str) -> (AttributeValue, AttributeValue) {
    (s(format!("SHIFT#{occ}")), s("SHIFT"))
}
fn attempt_key(occ: &str, k: u32) -> (AttributeValue, AttributeValue) {
    (s(format!("SHIFT#{occ}")), s(format!("ATTEMPT#{k:05}")))
}

/// True when a write failed only because its condition did not hold.
fn is_condition_failed<E, R>(e: &SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|se| se.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
}

/// Ok(true) when the conditional write happened, Ok(false) when its condition was false.
fn conditional<T, E, R>(r: Result<T, SdkError<E, R>>) -> Result<bool>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match r {
        Ok(_) => Ok(true),
        Err(e) if is_condition_failed(&e) => Ok(false),
        Err(e) => Err(anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
    }
}

pub(crate) fn shift_from(item: &Item) -> Result<Shift> {
    let event = serde_json::from_str(&get_s(item, "event").context("shift without event")?)?;
    Ok(Shift {
        event,
        status: get_s(item, "status")
            .and_then(|v| ShiftStatus::parse(&v))
            .context("shift without status")?,
        calling_enabled: item
            .get("callingEnabled")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
        max_rounds: get_n(item, "maxRounds").unwrap_or(1),
        message_template: get_s(item, "messageTemplate").unwrap_or_default(),
        created_at: get_time(item, "createdAt").unwrap_or_default(),
        scheduled_at: get_time(item, "scheduledAt"),
        assigned_to: get_s(item, "assignedTo"),
        assigned_channel: get_s(item, "assignedChannel"),
        assigned_at: get_time(item, "assignedAt"),
        unfilled_at: get_time(item, "unfilledAt"),
        assigned_attempt: get_n(item, "assignedAttempt"),
        acceptance_finished: item.contains_key("acceptanceFinishedAt"),
        confirmation_sms: get_s(item, "confirmationSms")
            .and_then(|d| serde_json::from_str(&d).ok()),
    })
}

pub(crate) fn attempt_from(item: &Item) -> Result<Attempt> {
    Ok(Attempt {
        occurrence_id: get_s(item, "occurrenceId").context("attempt without occurrenceId")?,
        provider_id: get_s(item, "providerId").unwrap_or_default(),
        attempt: get_n(item, "attempt").context("attempt without number")?,
        round: get_n(item, "round").unwrap_or(1),
        position: get_n(item, "position").unwrap_or(0),
        employee_id: get_s(item, "employeeId").unwrap_or_default(),
        first_name: get_s(item, "firstName").unwrap_or_default(),
        phone: get_s(item, "phone").unwrap_or_default(),
        purpose: get_s(item, "purpose").unwrap_or_else(|| PURPOSE.into()),
        text: get_s(item, "text").unwrap_or_default(),
        call_sid: get_s(item, "callSid"),
        twilio_status: get_s(item, "twilioStatus"),
        status_sequence: get_n(item, "statusSeq"),
        duration_secs: get_n(item, "durationSecs"),
        answered_by: get_s(item, "answeredBy"),
        outcome: get_s(item, "outcome").and_then(|o| Outcome::parse(&o)),
        digit: get_s(item, "digit"),
        created_at: get_time(item, "createdAt").unwrap_or_default(),
        ended_at: get_time(item, "endedAt"),
        advanced: item.contains_key("advancedAt"),
        pace_slot: get_n(item, "paceSlot"),
        pace_holder: get_s(item, "paceHolder"),
    })
}

/// How an acceptance ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptWrite {
    /// This acceptance filled the shift.
    Won,
    /// The shift was already filled by `filled_by` (the same person when a request repeats).
    Taken { filled_by: String },
}

type Key = (AttributeValue, AttributeValue);

impl Store {
    fn update(
        &self,
        (pk, sk): Key,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", pk)
            .key("sk", sk)
    }

    /// A strongly consistent read: the campaign always decides on the latest state.
    fn get(
        &self,
        (pk, sk): Key,
    ) -> aws_sdk_dynamodb::operation::get_item::builders::GetItemFluentBuilder {
        self.client
            .get_item()
            .table_name(&self.table)
            .key("pk", pk)
            .key("sk", sk)
            .consistent_read(true)
    }

    fn delete(
        &self,
        (pk, sk): Key,
    ) -> aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", pk)
            .key("sk", sk)
    }

    pub fn new(client: Client, table: impl Into<String>) -> Store {
        Store {
            client,
            table: table.into(),
            metrics: crate::metrics::Metrics::Stdout,
            call_log_retention: chrono::Duration::days(CALL_LOG_RETENTION_DAYS.into()),
        }
    }

    /// The same store keeping the call log `days` days.
    pub fn with_call_log_retention(mut self, days: u32) -> Store {
        self.call_log_retention = chrono::Duration::days(days.into());
        self
    }

    /// When a call log record made at `created` expires.
    pub fn call_log_expiry(&self, created: DateTime<Utc>) -> DateTime<Utc> {
        created + self.call_log_retention
    }

    // ---- settings ----

    pub async fn get_settings(&self, provider_id: &str) -> Result<Settings> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(format!("PROVIDER#{provider_id}")))
            .key("sk", s("SETTINGS"))
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        let Some(item) = out.item else {
            return Ok(Settings::default());
        };
        let d = Settings::default();
        Ok(Settings {
            enabled: item
                .get("enabled")
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(d.enabled),
            wait_minutes: get_n(&item, "waitMinutes").unwrap_or(d.wait_minutes),
            max_rounds: get_n(&item, "maxRounds").unwrap_or(d.max_rounds),
            message_template: get_s(&item, "messageTemplate").unwrap_or(d.message_template),
        })
    }

    pub async fn put_settings(&self, provider_id: &str, settings: &Settings) -> Result<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("PROVIDER#{provider_id}")))
            .item("sk", s("SETTINGS"))
            .item("providerId", s(provider_id))
            .item("enabled", AttributeValue::Bool(settings.enabled))
            .item("waitMinutes", n(settings.wait_minutes))
            .item("maxRounds", n(settings.max_rounds))
            .item("messageTemplate", s(&settings.message_template))
            .item("updatedAt", s(Utc::now().to_rfc3339()))
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    // ---- shifts ----

    /// Store a new shift; false when the occurrence is already known (a repeated start event).
    pub async fn put_shift_if_new(&self, shift: &Shift) -> Result<bool> {
        let (pk, sk) = shift_key(shift.occurrence_id());
        conditional(
            self.client
                .put_item()
                .table_name(&self.table)
                .item("pk", pk)
                .item("sk", sk)
                .item("occurrenceId", s(shift.occurrence_id()))
                .item("providerId", s(&shift.event.provider_id))
                .item("event", s(serde_json::to_string(&shift.event)?))
                .item("status", s(shift.status.as_str()))
                .item(
                    "callingEnabled",
                    AttributeValue::Bool(shift.calling_enabled),
                )
                .item("maxRounds", n(shift.max_rounds))
                .item("messageTemplate", s(&shift.message_template))
                .item("createdAt", s(shift.created_at.to_rfc3339()))
                .item("ttl", ttl(self.call_log_expiry(shift.created_at)))
                .item("gsi1pk", s(format!("PROVIDER#{}", shift.event.provider_id)))
                .item(
                    "gsi1sk",
                    s(format!(
                        "SHIFT#{}#{}",
                        shift.created_at.to_rfc3339(),
                        shift.occurrence_id()
                    )),
                )
                .condition_expression("attribute_not_exists(pk)")
                .send()
                .await,
        )
    }

    pub async fn get_shift(&self, occ: &str) -> Result<Option<Shift>> {
        let out = self
            .get(shift_key(occ))
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        out.item.as_ref().map(shift_from).transpose()
    }

    /// The shift and one attempt in one request (the webhooks' critical path).
    pub async fn get_shift_and_attempt(
        &self,
        occ: &str,
        k: u32,
    ) -> Result<(Option<Shift>, Option<Attempt>)> {
        let (pk, sk) = shift_key(occ);
        let (apk, ask) = attempt_key(occ, k);
        let keys = KeysAndAttributes::builder()
            .keys(HashMap::from([("pk".into(), pk), ("sk".into(), sk)]))
            .keys(HashMap::from([("pk".into(), apk), ("sk".into(), ask)]))
            .consistent_read(true)
            .build()?;
        let out = self
            .client
            .batch_get_item()
            .request_items(&self.table, keys)
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        let mut shift = None;
        let mut attempt = None;
        for item in out
            .responses
            .and_then(|mut r| r.remove(&self.table))
            .unwrap_or_default()
        {
            match get_s(&item, "sk").as_deref() {
                Some("SHIFT") => shift = Some(shift_from(&item)?),
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
            .update_expression("SET scheduledAt = :t")
            .expression_attribute_values(":t", s(at.to_rfc3339()))
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
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
        let mut expr =
            "SET #st = :assigned, assignedTo = :e, assignedChannel = :c, assignedAt = :t"
                .to_string();
        if let Some(k) = attempt {
            expr.push_str(", assignedAttempt = :k");
            req = req.expression_attribute_values(":k", n(k));
        }
        let result = req
            .update_expression(expr)
            .condition_expression("attribute_exists(pk) AND #st IN (:open, :unfilled)")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":assigned", s(ShiftStatus::Assigned.as_str()))
            .expression_attribute_values(":open", s(ShiftStatus::Open.as_str()))
            .expression_attribute_values(":unfilled", s(ShiftStatus::UnfilledAfterCalls.as_str()))
            .expression_attribute_values(":e", s(employee_id))
            .expression_attribute_values(":c", s(channel))
            .expression_attribute_values(":t", s(Utc::now().to_rfc3339()))
            // Who has it comes back with the refusal: no second read.
            .return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(AcceptWrite::Won),
            Err(e) if is_condition_failed(&e) => {
                let old = e.as_service_error().and_then(|se| match se {
                    aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c) => {
                        c.item().and_then(|i| get_s(i, "assignedTo"))
                    }
                    _ => None,
                });
                let filled_by = match old {
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
            Err(e) => Err(anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
        }
    }

    /// OPEN → UNFILLED_AFTER_CALLS; false when the shift was no longer open.
    pub async fn mark_unfilled(&self, occ: &str) -> Result<bool> {
        conditional(
            self.update(shift_key(occ))
                .update_expression("SET #st = :unfilled, unfilledAt = :t")
                .condition_expression("#st = :open")
                .expression_attribute_names("#st", "status")
                .expression_attribute_values(
                    ":unfilled",
                    s(ShiftStatus::UnfilledAfterCalls.as_str()),
                )
                .expression_attribute_values(":open", s(ShiftStatus::Open.as_str()))
                .expression_attribute_values(":t", s(Utc::now().to_rfc3339()))
                .send()
                .await,
        )
    }

    /// Claim a once-only side effect of a shift (a confirmation SMS, an event) at `now`: the
    /// one caller that gets [`Claim::Claimed`] performs it, then calls [`Store::complete_once`].
    /// A claim older than `stale_before` and not done was abandoned (its holder crashed
    /// between the claim and the effect): it is taken over, so nothing is lost.
    pub async fn claim_once(
        &self,
        occ: &str,
        flag: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<Claim> {
        let result = self
            .update(shift_key(occ))
            .update_expression("SET #f = :t")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(#d) AND (attribute_not_exists(#f) OR #f < :stale)",
            )
            .expression_attribute_names("#f", flag)
            .expression_attribute_names("#d", format!("{flag}Done"))
            // One fixed width, so that the string comparison is the time order.
            .expression_attribute_values(":t", s(fixed_time(now)))
            .expression_attribute_values(":stale", s(fixed_time(stale_before)))
            .return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Claimed),
            Err(e) if is_condition_failed(&e) => {
                let old = e.as_service_error().and_then(|se| match se {
                    aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c) => {
                        c.item().cloned()
                    }
                    _ => None,
                });
                let old = match old {
                    Some(item) => item,
                    None => self
                        .get(shift_key(occ))
                        .send()
                        .await
                        .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?
                        .item
                        .unwrap_or_default(),
                };
                if old.is_empty() || old.contains_key(&format!("{flag}Done")) {
                    return Ok(Claim::Done);
                }
                Ok(match get_time(&old, flag) {
                    Some(at) => Claim::InProgress(at),
                    None => Claim::Done,
                })
            }
            Err(e) => Err(anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
        }
    }

    /// The claimed effect is done: nobody performs it again.
    pub async fn complete_once(&self, occ: &str, flag: &str) -> Result<()> {
        self.update(shift_key(occ))
            .update_expression("SET #d = :t")
            .expression_attribute_names("#d", format!("{flag}Done"))
            .expression_attribute_values(":t", s(Utc::now().to_rfc3339()))
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    /// Give a claim back when its side effect failed, so a retry performs it.
    pub async fn release_once(&self, occ: &str, flag: &str) -> Result<()> {
        self.update(shift_key(occ))
            .update_expression("REMOVE #f")
            .expression_attribute_names("#f", flag)
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    /// What became of the confirmation SMS (shown in the call log): sent, or refused and why.
    pub async fn record_confirmation(&self, occ: &str, delivery: &Delivery) -> Result<()> {
        self.update(shift_key(occ))
            .update_expression("SET confirmationSms = :d")
            .expression_attribute_values(":d", s(serde_json::to_string(delivery)?))
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    /// Everything that follows the acceptance is done.
    pub async fn mark_acceptance_finished(&self, occ: &str) -> Result<()> {
        self.update(shift_key(occ))
            .update_expression("SET acceptanceFinishedAt = :t")
            .expression_attribute_values(":t", s(Utc::now().to_rfc3339()))
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    // ---- pacing: a lease-based semaphore of call slots across the account, and its line ----

    /// Every call slot item (`PACING` / `SLOT#{n:03}`) with its lease, in one consistent read.
    pub async fn call_slots(&self) -> Result<Vec<Held>> {
        let query = self.query_prefix(PACING, "SLOT#");
        let items = self.query_all(query, 10_000).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let slot = get_s(item, "sk")?.strip_prefix("SLOT#")?.parse().ok()?;
                Some(Held {
                    slot,
                    expires_at: get_n(item, "expiresAt")?,
                })
            })
            .collect())
    }

    /// Take call slot `slot` for `holder` until `ttl` after `now` (ms) unless another running
    /// lease holds it (its own lease, e.g. a slot handed to it, is renewed); false when one does.
    pub async fn take_call_slot(
        &self,
        slot: u32,
        holder: &str,
        now: i64,
        ttl: std::time::Duration,
    ) -> Result<bool> {
        conditional(
            self.put_slot(slot, holder, now, ttl)
                .condition_expression(
                    "attribute_not_exists(holder) OR expiresAt < :now OR holder = :holder",
                )
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":holder", s(holder))
                .send()
                .await,
        )
    }

    /// Hand call slot `slot` from `from` to `to` with a fresh lease: false unless `from` holds
    /// it (or `to` already does: handing it again is harmless).
    pub async fn pass_call_slot(
        &self,
        slot: u32,
        from: &str,
        to: &str,
        now: i64,
        ttl: std::time::Duration,
    ) -> Result<bool> {
        conditional(
            self.put_slot(slot, to, now, ttl)
                .condition_expression("holder = :from OR holder = :to")
                .expression_attribute_values(":from", s(from))
                .expression_attribute_values(":to", s(to))
                .send()
                .await,
        )
    }

    fn put_slot(
        &self,
        slot: u32,
        holder: &str,
        now: i64,
        ttl: std::time::Duration,
    ) -> aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(PACING))
            .item("sk", s(slot_sk(slot)))
            .item("holder", s(holder))
            .item("expiresAt", n(now + ttl.as_millis() as i64))
            .item("ttl", self::ttl(Utc::now() + INTERNAL_RETENTION))
    }

    /// Arm the waiting line's watchdog until `period` after `now` (ms): true when this call
    /// armed it, false when it is armed already (unless `rearm`).
    pub async fn arm_watchdog(
        &self,
        now: i64,
        period: std::time::Duration,
        rearm: bool,
    ) -> Result<bool> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(PACING))
            .item("sk", s("WATCHDOG"))
            .item("expiresAt", n(now + period.as_millis() as i64))
            .item("ttl", ttl(Utc::now() + INTERNAL_RETENTION));
        if !rearm {
            put = put
                .condition_expression("attribute_not_exists(pk) OR expiresAt < :now")
                .expression_attribute_values(":now", n(now));
        }
        conditional(put.send().await)
    }

    /// Put a dial task in the line of tasks waiting for a call slot (`PACING_WAIT` /
    /// `WAIT#{since:013}#{occurrenceId}#{attempt:05}`: oldest first). Doing it twice is harmless.
    pub async fn add_waiter(&self, task: &DialTask) -> Result<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(PACING_WAIT))
            .item("sk", s(waiter_sk(task)))
            .item("task", s(serde_json::to_string(task)?))
            .item("ttl", ttl(Utc::now() + INTERNAL_RETENTION))
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    /// The `n` tasks that have waited longest for a call slot.
    pub async fn oldest_waiters(&self, n: usize) -> Result<Vec<DialTask>> {
        let query = self
            .query_prefix(PACING_WAIT, "WAIT#")
            .limit(n.min(100) as i32);
        let items = self.query_all(query, n).await?;
        items
            .iter()
            .map(|item| {
                Ok(serde_json::from_str(
                    &get_s(item, "task").context("waiter without task")?,
                )?)
            })
            .collect()
    }

    /// Take a task out of the waiting line (nothing happens if it is not in it).
    pub async fn remove_waiter(&self, task: &DialTask) -> Result<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(PACING_WAIT))
            .key("sk", s(waiter_sk(task)))
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    /// Give a slot back; only its holder can (a late release never frees someone else's).
    pub async fn release_call_slot(&self, slot: u32, holder: &str) -> Result<bool> {
        conditional(
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(PACING))
                .key("sk", s(slot_sk(slot)))
                .condition_expression("holder = :h")
                .expression_attribute_values(":h", s(holder))
                .send()
                .await,
        )
    }

    // ---- attempts ----

    /// Record an attempt before its call is placed; false when it already exists (a
    /// redelivered dial task), in which case no call must be placed.
    pub async fn create_attempt(&self, a: &Attempt) -> Result<bool> {
        let (pk, sk) = attempt_key(&a.occurrence_id, a.attempt);
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", pk)
            .item("sk", sk)
            .item("occurrenceId", s(&a.occurrence_id))
            .item("providerId", s(&a.provider_id))
            .item("attempt", n(a.attempt))
            .item("round", n(a.round))
            .item("position", n(a.position))
            .item("employeeId", s(&a.employee_id))
            .item("firstName", s(&a.first_name))
            .item("phone", s(&a.phone))
            .item("purpose", s(&a.purpose))
            .item("text", s(&a.text))
            .item("createdAt", s(a.created_at.to_rfc3339()))
            .item("ttl", ttl(self.call_log_expiry(a.created_at)))
            .item("gsi1pk", s(format!("PROVIDER#{}", a.provider_id)))
            .item(
                "gsi1sk",
                s(format!(
                    "CALL#{}#{}#{:05}",
                    a.created_at.to_rfc3339(),
                    a.occurrence_id,
                    a.attempt
                )),
            )
            .condition_expression("attribute_not_exists(pk)");
        if let (Some(slot), Some(holder)) = (a.pace_slot, &a.pace_holder) {
            req = req.item("paceSlot", n(slot)).item("paceHolder", s(holder));
        }
        conditional(req.send().await)
    }

    /// Take back an attempt whose call Twilio refused with a temporary error, so the
    /// redelivered task tries again. Never removes an attempt that has a call or an outcome.
    pub async fn release_attempt(&self, occ: &str, k: u32) -> Result<bool> {
        conditional(
            self.delete(attempt_key(occ, k))
                .condition_expression(
                    "attribute_not_exists(callSid) AND attribute_not_exists(outcome)",
                )
                .send()
                .await,
        )
    }

    pub async fn get_attempt(&self, occ: &str, k: u32) -> Result<Option<Attempt>> {
        let out = self
            .get(attempt_key(occ, k))
            .send()
            .await
            .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        out.item.as_ref().map(attempt_from).transpose()
    }

    pub async fn list_attempts(&self, occ: &str) -> Result<Vec<Attempt>> {
        let query = self.query_prefix(&format!("SHIFT#{occ}"), "ATTEMPT#");
        self.query_all(query, usize::MAX)
            .await?
            .iter()
            .map(attempt_from)
            .collect()
    }

    /// A consistent read of the items of partition `pk` whose sort key starts with `prefix`, in
    /// sort-key order (send it through [`Store::query_all`]).
    fn query_prefix(
        &self,
        pk: &str,
        prefix: &str,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(prefix))
            .consistent_read(true)
    }

    /// Every page of `query`, up to `limit` items.
    pub(crate) async fn query_all(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        limit: usize,
    ) -> Result<Vec<Item>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() || items.len() >= limit {
                break;
            }
        }
        items.truncate(limit);
        Ok(items)
    }

    /// Store the CallSid; false when the attempt was given an outcome meanwhile (the shift was
    /// filled while the call was being placed), so the call must be ended.
    pub async fn set_call_sid(&self, occ: &str, k: u32, sid: &str) -> Result<bool> {
        conditional(
            self.update(attempt_key(occ, k))
                .update_expression("SET callSid = :sid")
                .condition_expression("attribute_exists(pk) AND attribute_not_exists(outcome)")
                .expression_attribute_values(":sid", s(sid))
                .send()
                .await,
        )
    }

    /// Record a status callback unless a later one (by SequenceNumber) is already recorded;
    /// returns the attempt as it now is, or `None` when this callback was stale.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_status(
        &self,
        occ: &str,
        k: u32,
        sid: &str,
        status: &str,
        sequence: i64,
        duration: Option<u32>,
        terminal: bool,
    ) -> Result<Option<Attempt>> {
        let mut expr =
            "SET twilioStatus = :st, statusSeq = :seq, callSid = if_not_exists(callSid, :sid)"
                .to_string();
        let mut req = self
            .update(attempt_key(occ, k))
            // A final status is sticky: no later non-final one replaces it, whatever its
            // SequenceNumber (`endedAt` is written with the first final status).
            .condition_expression(if terminal {
                "attribute_exists(pk) AND (attribute_not_exists(statusSeq) OR statusSeq < :seq)"
            } else {
                "attribute_exists(pk) AND (attribute_not_exists(statusSeq) OR statusSeq < :seq) AND attribute_not_exists(endedAt)"
            })
            .expression_attribute_values(":st", s(status))
            .expression_attribute_values(":seq", n(sequence))
            .expression_attribute_values(":sid", s(sid))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew);
        if let Some(d) = duration {
            expr.push_str(", durationSecs = :d");
            req = req.expression_attribute_values(":d", n(d));
        }
        if terminal {
            expr.push_str(", endedAt = if_not_exists(endedAt, :t)");
            req = req.expression_attribute_values(":t", s(Utc::now().to_rfc3339()));
        }
        match req.update_expression(expr).send().await {
            Ok(out) => out.attributes.as_ref().map(attempt_from).transpose(),
            Err(e) if is_condition_failed(&e) => Ok(None),
            Err(e) => Err(anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
        }
    }

    pub async fn set_answered_by(&self, occ: &str, k: u32, answered_by: &str) -> Result<()> {
        conditional(
            self.update(attempt_key(occ, k))
                .update_expression("SET answeredBy = :a")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_values(":a", s(answered_by))
                .send()
                .await,
        )?;
        Ok(())
    }

    /// Give an attempt its outcome once; false when it already has one (the first wins).
    pub async fn set_outcome(
        &self,
        occ: &str,
        k: u32,
        outcome: Outcome,
        digit: Option<&str>,
    ) -> Result<bool> {
        let mut req = self
            .update(attempt_key(occ, k))
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(outcome)")
            .expression_attribute_values(":o", s(outcome.as_str()));
        let expr = match digit {
            Some(d) => {
                req = req.expression_attribute_values(":d", s(d));
                "SET outcome = :o, digit = :d"
            }
            None => "SET outcome = :o",
        };
        let given = conditional(req.update_expression(expr).send().await)?;
        if given {
            // Calls by outcome: counted once per call, when it gets its outcome.
            self.metrics.put_with(
                &[("Outcome", outcome.as_str())],
                &[(crate::metrics::figures::CALLS, 1.0)],
            );
        }
        Ok(given)
    }

    /// Give an attempt its outcome once, as `set_outcome`; when it already has one, which (from
    /// the refusal itself, no second read): `Ok(None)` when written, `Ok(Some(None))` when
    /// there is no such attempt.
    pub async fn set_outcome_or_existing(
        &self,
        occ: &str,
        k: u32,
        outcome: Outcome,
    ) -> Result<Option<Option<Outcome>>> {
        let result = self
            .update(attempt_key(occ, k))
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(outcome)")
            .update_expression("SET outcome = :o")
            .expression_attribute_values(":o", s(outcome.as_str()))
            .return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(None),
            Err(e) if is_condition_failed(&e) => {
                let existing = e.as_service_error().and_then(|se| match se {
                    aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c) => {
                        c.item().and_then(|i| get_s(i, "outcome")).and_then(|o| Outcome::parse(&o))
                    }
                    _ => None,
                });
                Ok(Some(existing))
            }
            Err(e) => Err(anyhow!(aws_sdk_dynamodb::error::DisplayErrorContext(e))),
        }
    }

    /// The winner's call is `Accepted`, whatever outcome a status that raced the acceptance
    /// gave it (a crash between the acceptance and the outcome lets the call's end write one).
    pub async fn set_winner_outcome(&self, occ: &str, k: u32) -> Result<bool> {
        conditional(
            self.update(attempt_key(occ, k))
                .update_expression("SET outcome = :a, digit = :d")
                .condition_expression(
                    "attribute_exists(pk) AND (attribute_not_exists(outcome) OR outcome <> :a)",
                )
                .expression_attribute_values(":a", s(Outcome::Accepted.as_str()))
                .expression_attribute_values(":d", s("1"))
                .send()
                .await,
        )
    }

    /// Mark that the campaign has moved on from this attempt; false when it already had.
    pub async fn mark_advanced(&self, occ: &str, k: u32) -> Result<bool> {
        conditional(
            self.update(attempt_key(occ, k))
                .update_expression("SET advancedAt = :t")
                .condition_expression("attribute_exists(pk) AND attribute_not_exists(advancedAt)")
                .expression_attribute_values(":t", s(Utc::now().to_rfc3339()))
                .send()
                .await,
        )
    }
}
