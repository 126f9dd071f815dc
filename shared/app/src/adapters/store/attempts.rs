//! Attempts (`SHIFT#{occurrenceId}` / `ATTEMPT#{attempt:05}`): one call to one person, created
//! before the call is placed, then its CallSid, statuses, machine detection, outcome (once) and
//! the campaign moving on from it (once).

use super::codec::{attempt_from, get_s, n, s, time, ttl, Item};
use super::error::{ConditionalResult, DbResult, Written};
use super::keys::{attempt_key, attr, call_gsi1sk, provider_pk, shift_pk, ATTEMPT_PREFIX};
use super::Store;
use crate::records::Attempt;
use anyhow::Result;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use callout_core::campaign::Outcome;
use chrono::Utc;

impl Store {
    /// Record an attempt before its call is placed; false when it already exists (a
    /// redelivered dial task), in which case no call must be placed. A call's attempt (no
    /// outcome yet) is written with its offer in the call-back line's index (`PHONE#…`
    /// `OFFER#…`, as `record_offer` writes it), in one transaction: whoever is called can ring
    /// back.
    pub async fn create_attempt(&self, a: &Attempt) -> Result<bool> {
        use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
        let (pk, sk) = attempt_key(&a.occurrence_id, a.attempt);
        let mut item = Item::from(a);
        item.insert(attr::TTL.into(), ttl(self.call_log_expiry(a.created_at)));
        item.insert(attr::GSI1PK.into(), s(provider_pk(&a.provider_id)));
        item.insert(
            attr::GSI1SK.into(),
            s(call_gsi1sk(a.created_at, &a.occurrence_id, a.attempt)),
        );
        if a.outcome.is_some() {
            // A skipped turn: nobody is called, nothing is offered.
            return self
                .put((pk, sk), item)
                .condition_expression("attribute_not_exists(pk)")
                .send()
                .await
                .conditional();
        }
        item.insert(attr::PK.into(), pk);
        item.insert(attr::SK.into(), sk);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()?;
        let offer = self.call_offer(&a.phone, &a.occurrence_id, &a.employee_id, &a.provider_id)?;
        let written = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(offer).build())
            .send()
            .await;
        match written {
            Ok(_) => Ok(true),
            // The attempt's condition is the only one: it exists already.
            Err(e)
                if e.as_service_error()
                    .and_then(|e| match e {
                        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => Some(c),
                        _ => None,
                    })
                    .is_some_and(|c| {
                        c.cancellation_reasons()
                            .first()
                            .and_then(|r| r.code())
                            == Some("ConditionalCheckFailed")
                    }) =>
            {
                Ok(false)
            }
            Err(e) => Err(e).db(),
        }
    }

    /// Take back an attempt whose call Twilio refused with a temporary error, so the
    /// redelivered task tries again. Never removes an attempt that has a call or an outcome.
    pub async fn release_attempt(&self, occ: &str, k: u32) -> Result<bool> {
        self.delete(attempt_key(occ, k))
            .condition_expression("attribute_not_exists(#sid) AND attribute_not_exists(#o)")
            .expression_attribute_names("#sid", attr::CALL_SID)
            .expression_attribute_names("#o", attr::OUTCOME)
            .send()
            .await
            .conditional()
    }

    pub async fn get_attempt(&self, occ: &str, k: u32) -> Result<Option<Attempt>> {
        let out = self.get(attempt_key(occ, k)).send().await.db()?;
        out.item.as_ref().map(attempt_from).transpose()
    }

    pub async fn list_attempts(&self, occ: &str) -> Result<Vec<Attempt>> {
        let query = self.query_prefix(&shift_pk(occ), ATTEMPT_PREFIX);
        self.query_all(query, usize::MAX)
            .await?
            .iter()
            .map(attempt_from)
            .collect()
    }

    /// Store the CallSid; false when the attempt was given an outcome meanwhile (the shift was
    /// filled while the call was being placed), so the call must be ended.
    pub async fn set_call_sid(&self, occ: &str, k: u32, sid: &str) -> Result<bool> {
        self.update(attempt_key(occ, k))
            .update_expression("SET #sid = :sid")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(#o)")
            .expression_attribute_names("#sid", attr::CALL_SID)
            .expression_attribute_names("#o", attr::OUTCOME)
            .expression_attribute_values(":sid", s(sid))
            .send()
            .await
            .conditional()
    }

    /// Keep the CallSid of a call placed for an attempt that already has its outcome (the shift
    /// was filled while the call was placed; the call is ended), so the call log still names
    /// the call the person's phone saw. Never replaces a CallSid.
    pub async fn keep_call_sid(&self, occ: &str, k: u32, sid: &str) -> Result<bool> {
        self.update(attempt_key(occ, k))
            .update_expression("SET #sid = :sid")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(#sid)")
            .expression_attribute_names("#sid", attr::CALL_SID)
            .expression_attribute_values(":sid", s(sid))
            .send()
            .await
            .conditional()
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
        let mut expr = "SET #st = :st, #seq = :seq, #sid = if_not_exists(#sid, :sid)".to_string();
        let mut req = self
            .update(attempt_key(occ, k))
            // A final status is sticky: no later non-final one replaces it, whatever its
            // SequenceNumber (`endedAt` is written with the first final status).
            .condition_expression(if terminal {
                "attribute_exists(pk) AND (attribute_not_exists(#seq) OR #seq < :seq)"
            } else {
                "attribute_exists(pk) AND (attribute_not_exists(#seq) OR #seq < :seq) AND attribute_not_exists(#end)"
            })
            .expression_attribute_names("#st", attr::TWILIO_STATUS)
            .expression_attribute_names("#seq", attr::STATUS_SEQ)
            .expression_attribute_names("#sid", attr::CALL_SID)
            .expression_attribute_names("#end", attr::ENDED_AT)
            .expression_attribute_values(":st", s(status))
            .expression_attribute_values(":seq", n(sequence))
            .expression_attribute_values(":sid", s(sid))
            .return_values(ReturnValue::AllNew);
        if let Some(d) = duration {
            expr.push_str(", #d = :d");
            req = req
                .expression_attribute_names("#d", attr::DURATION_SECS)
                .expression_attribute_values(":d", n(d));
        }
        if terminal {
            expr.push_str(", #end = if_not_exists(#end, :t)");
            req = req.expression_attribute_values(":t", time(Utc::now()));
        }
        match req.update_expression(expr).send().await.written()? {
            Written::Done(out) => out.attributes.as_ref().map(attempt_from).transpose(),
            Written::ConditionFailed { .. } => Ok(None),
        }
    }

    pub async fn set_answered_by(&self, occ: &str, k: u32, answered_by: &str) -> Result<()> {
        self.update(attempt_key(occ, k))
            .update_expression("SET #a = :a")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#a", attr::ANSWERED_BY)
            .expression_attribute_values(":a", s(answered_by))
            .send()
            .await
            .conditional()?;
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
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(#o)")
            .expression_attribute_names("#o", attr::OUTCOME)
            .expression_attribute_values(":o", s(outcome.as_str()));
        let expr = match digit {
            Some(d) => {
                req = req
                    .expression_attribute_names("#d", attr::DIGIT)
                    .expression_attribute_values(":d", s(d));
                "SET #o = :o, #d = :d"
            }
            None => "SET #o = :o",
        };
        let given = req.update_expression(expr).send().await.conditional()?;
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
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(#o)")
            .update_expression("SET #o = :o")
            .expression_attribute_names("#o", attr::OUTCOME)
            .expression_attribute_values(":o", s(outcome.as_str()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await
            .written()?;
        Ok(match result {
            Written::Done(_) => None,
            Written::ConditionFailed { old } => Some(
                old.and_then(|i| get_s(&i, attr::OUTCOME))
                    .and_then(|o| Outcome::parse(&o)),
            ),
        })
    }

    /// The winner's call is `Accepted`, whatever outcome a status that raced the acceptance
    /// gave it (a crash between the acceptance and the outcome lets the call's end write one).
    pub async fn set_winner_outcome(&self, occ: &str, k: u32) -> Result<bool> {
        self.update(attempt_key(occ, k))
            .update_expression("SET #o = :a, #d = :d")
            .condition_expression("attribute_exists(pk) AND (attribute_not_exists(#o) OR #o <> :a)")
            .expression_attribute_names("#o", attr::OUTCOME)
            .expression_attribute_names("#d", attr::DIGIT)
            .expression_attribute_values(":a", s(Outcome::Accepted.as_str()))
            .expression_attribute_values(":d", s("1"))
            .send()
            .await
            .conditional()
    }

    /// Mark that the campaign has moved on from this attempt; false when it already had.
    pub async fn mark_advanced(&self, occ: &str, k: u32) -> Result<bool> {
        self.update(attempt_key(occ, k))
            .update_expression("SET #adv = :t")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(#adv)")
            .expression_attribute_names("#adv", attr::ADVANCED_AT)
            .expression_attribute_values(":t", time(Utc::now()))
            .send()
            .await
            .conditional()
    }

    /// Results: count `chars` characters sent to the speech service for this call (added, so
    /// a message generated twice, after a failed store, is paid for twice).
    pub async fn add_speech_chars(&self, occ: &str, k: u32, chars: u32) -> Result<()> {
        self.update(attempt_key(occ, k))
            .update_expression("ADD #c :c")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#c", attr::SPEECH_CHARS)
            .expression_attribute_values(":c", n(chars))
            .send()
            .await
            .conditional()?;
        Ok(())
    }
}
