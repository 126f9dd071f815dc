//! The inbound channels' items: the offer index by phone (`PHONE#{phoneKey}` /
//! `OFFER#{occ}#{employeeId}`, one per person, written when a call is placed or an offer
//! texted, so the call-back line and text replies find who is calling, people sharing a
//! number included), the webhooks handled (`WEBHOOK#{id}`, so a replay changes nothing), opt-outs (`PHONE#{phoneKey}` / `OPTOUT`), passes
//! (`SHIFT#{occ}` / `PASS#{employeeId}`, read by the dialer) and the texts sent or refused about
//! a shift (`SHIFT#{occ}` / `TEXT#…`, for the call log and the "filled" notices). The phone
//! number itself is never a key: `callout_core::inbound::phone_key` hashes it.

use super::codec::{get_bool, get_s, get_time, s, time, ttl, Item};
use super::error::ConditionalResult;
use super::error::DbResult;
use super::keys::{
    attr, offer_key, optout_key, pass_key, phone_pk, shift_key, shift_pk, text_key, webhook_key,
    OFFER_PREFIX, TEXT_PREFIX,
};
use super::Store;
use crate::records::Delivery;
use anyhow::{Context, Result};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How long an offer stays in the index: the longest call-back window and an hour.
pub const OFFER_INDEX_HOURS: i64 = 49;

/// How long a webhook handled is remembered: far beyond Twilio's retries and the offer index,
/// so a signed request replayed later (signatures do not expire) finds it.
pub const WEBHOOK_MEMORY_DAYS: i64 = 30;

/// An offer made to a phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub occurrence_id: String,
    pub employee_id: String,
    pub provider_id: String,
    pub offered_at: DateTime<Utc>,
    /// The offer was texted (a text reply can take it).
    pub texted: bool,
    /// The code its text carried, when texted with one.
    pub code: Option<String>,
}

/// A text about a shift, sent or refused: the call log shows each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextLog {
    /// `followUp` (the offer after a missed call) or `filledNotice`.
    pub kind: String,
    pub employee_id: String,
    pub first_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// The shift's code the text carried, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub delivery: Delivery,
}

pub(super) fn offer_from(item: &Item) -> Option<Offer> {
    Some(Offer {
        occurrence_id: get_s(item, attr::OCCURRENCE_ID)?,
        employee_id: get_s(item, attr::EMPLOYEE_ID)?,
        provider_id: get_s(item, attr::PROVIDER_ID)?,
        offered_at: get_time(item, attr::OFFERED_AT)?,
        texted: get_bool(item, attr::TEXTED).unwrap_or(false),
        code: get_s(item, attr::CODE),
    })
}

impl Store {
    /// Note that `phone` (person `employee_id`) was offered shift `occ` now, by a call or by a
    /// text (`texted`, with the `code` it carries). Repeating it moves the time on; a texted
    /// offer stays texted and keeps its code.
    pub async fn record_offer(
        &self,
        phone: &str,
        occ: &str,
        employee_id: &str,
        provider_id: &str,
        texted: bool,
        code: Option<&str>,
    ) -> Result<()> {
        let now = Utc::now();
        let mut update = "SET #o = :o, #e = :e, #p = :p, #at = :at, #ttl = :ttl".to_string();
        if texted {
            update.push_str(", #tx = :tx");
        }
        if code.is_some() {
            update.push_str(", #c = if_not_exists(#c, :c)");
        }
        let mut req = self
            .update(offer_key(phone, occ, employee_id))
            .update_expression(update)
            .expression_attribute_names("#o", attr::OCCURRENCE_ID)
            .expression_attribute_names("#e", attr::EMPLOYEE_ID)
            .expression_attribute_names("#p", attr::PROVIDER_ID)
            .expression_attribute_names("#at", attr::OFFERED_AT)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":o", s(occ))
            .expression_attribute_values(":e", s(employee_id))
            .expression_attribute_values(":p", s(provider_id))
            .expression_attribute_values(":at", time(now))
            .expression_attribute_values(
                ":ttl",
                ttl(now + chrono::Duration::hours(OFFER_INDEX_HOURS)),
            );
        if texted {
            req = req
                .expression_attribute_names("#tx", attr::TEXTED)
                .expression_attribute_values(":tx", AttributeValue::Bool(true));
        }
        if let Some(c) = code {
            req = req
                .expression_attribute_names("#c", attr::CODE)
                .expression_attribute_values(":c", s(c));
        }
        req.send().await.db()?;
        Ok(())
    }

    /// `record_offer`'s write for a call being placed (not texted, no code), as one item of a
    /// transaction (`create_attempt`).
    pub(super) fn call_offer(
        &self,
        phone: &str,
        occ: &str,
        employee_id: &str,
        provider_id: &str,
    ) -> Result<aws_sdk_dynamodb::types::Update> {
        let now = Utc::now();
        let (pk, sk) = offer_key(phone, occ, employee_id);
        Ok(aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .key(attr::PK, pk)
            .key(attr::SK, sk)
            .update_expression("SET #o = :o, #e = :e, #p = :p, #at = :at, #ttl = :ttl")
            .expression_attribute_names("#o", attr::OCCURRENCE_ID)
            .expression_attribute_names("#e", attr::EMPLOYEE_ID)
            .expression_attribute_names("#p", attr::PROVIDER_ID)
            .expression_attribute_names("#at", attr::OFFERED_AT)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":o", s(occ))
            .expression_attribute_values(":e", s(employee_id))
            .expression_attribute_values(":p", s(provider_id))
            .expression_attribute_values(":at", time(now))
            .expression_attribute_values(
                ":ttl",
                ttl(now + chrono::Duration::hours(OFFER_INDEX_HOURS)),
            )
            .build()?)
    }

    /// Every offer made to `phone` still in the index, one per person and shift (the caller
    /// checks each one's window).
    pub async fn offers_for(&self, phone: &str) -> Result<Vec<Offer>> {
        let query = self.query_prefix(&phone_pk(phone), OFFER_PREFIX);
        let mut offers: Vec<Offer> = Vec::new();
        for offer in self
            .query_all(query, 200)
            .await?
            .iter()
            .filter_map(offer_from)
        {
            // An item written before offers were kept per person (`OFFER#{occ}`) and its
            // successor name the same offer: the later one counts.
            match offers.iter_mut().find(|o| {
                o.occurrence_id == offer.occurrence_id && o.employee_id == offer.employee_id
            }) {
                Some(o) if o.offered_at < offer.offered_at => *o = offer,
                Some(_) => {}
                None => offers.push(offer),
            }
        }
        Ok(offers)
    }

    /// True when webhook `id` was handled already (see [`Store::remember_webhook`]).
    pub async fn webhook_handled(&self, id: &str) -> Result<bool> {
        let out = self.get(webhook_key(id)).send().await.db()?;
        Ok(out.item.is_some())
    }

    /// Remember that webhook `id` (a `MessageSid`, a `CallSid` and step) was handled, for
    /// [`WEBHOOK_MEMORY_DAYS`]; false when it already was.
    pub async fn remember_webhook(&self, id: &str) -> Result<bool> {
        let now = Utc::now();
        self.put(
            webhook_key(id),
            Item::from([
                (attr::CREATED_AT.to_string(), time(now)),
                (
                    attr::TTL.to_string(),
                    ttl(now + chrono::Duration::days(WEBHOOK_MEMORY_DAYS)),
                ),
            ]),
        )
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await
        .conditional()
    }

    /// `employee_id` passed on shift `occ` (NO by text, 2 on the call-back line): the `PASS#`
    /// item and the shift's `passedBy` in one transaction, so the dialer decides a turn from
    /// the shift alone. With no such shift, the item only.
    pub async fn record_pass(&self, occ: &str, employee_id: &str, channel: &str) -> Result<()> {
        use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
        let now = Utc::now();
        let (pk, sk) = pass_key(occ, employee_id);
        let mut item = Item::from([
            (attr::EMPLOYEE_ID.to_string(), s(employee_id)),
            (attr::ASSIGNED_CHANNEL.to_string(), s(channel)),
            (attr::CREATED_AT.to_string(), time(now)),
            (attr::TTL.to_string(), ttl(self.call_log_expiry(now))),
        ]);
        item.insert(attr::PK.to_string(), pk);
        item.insert(attr::SK.to_string(), sk);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item.clone()))
            .build()?;
        let (spk, ssk) = shift_key(occ);
        let on_shift = Update::builder()
            .table_name(&self.table)
            .key(attr::PK, spk)
            .key(attr::SK, ssk)
            .update_expression("ADD #p :e")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#p", attr::PASSED_BY)
            .expression_attribute_values(":e", AttributeValue::Ss(vec![employee_id.into()]))
            .build()?;
        let written = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(on_shift).build())
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            // The one condition is the shift's existence: no shift, nothing to skip on it.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_transaction_canceled_exception()) =>
            {
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .send()
                    .await
                    .db()?;
                Ok(())
            }
            Err(e) => Err(e).db(),
        }
    }

    pub async fn has_passed(&self, occ: &str, employee_id: &str) -> Result<bool> {
        let out = self.get(pass_key(occ, employee_id)).send().await.db()?;
        Ok(out.item.is_some())
    }

    /// Who passed on shift `occ` (one query: the dialer decides every turn knowing it).
    pub async fn passes(&self, occ: &str) -> Result<std::collections::BTreeSet<String>> {
        let query = self.query_prefix(&shift_pk(occ), "PASS#");
        Ok(self
            .query_all(query, usize::MAX)
            .await?
            .iter()
            .filter_map(|item| get_s(item, attr::EMPLOYEE_ID))
            .collect())
    }

    /// The person at `phone` texted STOP (`true`) or START (`false`). Kept until START: an
    /// opt-out does not expire.
    pub async fn set_opted_out(&self, phone: &str, opted_out: bool) -> Result<()> {
        if opted_out {
            self.put(
                optout_key(phone),
                Item::from([(attr::CREATED_AT.to_string(), time(Utc::now()))]),
            )
            .send()
            .await
            .db()?;
        } else {
            self.delete(optout_key(phone)).send().await.db()?;
        }
        Ok(())
    }

    pub async fn is_opted_out(&self, phone: &str) -> Result<bool> {
        let out = self.get(optout_key(phone)).send().await.db()?;
        Ok(out.item.is_some())
    }

    /// Record a text about shift `occ`; `reference` tells texts of one kind to one person apart
    /// (the attempt it followed), so a repeat overwrites rather than adds.
    pub async fn record_text(&self, occ: &str, reference: &str, text: &TextLog) -> Result<()> {
        let now = Utc::now();
        self.put(
            text_key(occ, &text.kind, &text.employee_id, reference),
            Item::from([
                (attr::ENTRY.to_string(), s(serde_json::to_string(text)?)),
                (attr::TTL.to_string(), ttl(self.call_log_expiry(now))),
            ]),
        )
        .send()
        .await
        .db()?;
        Ok(())
    }

    /// The texts about shift `occ`, in key order.
    pub async fn list_texts(&self, occ: &str) -> Result<Vec<TextLog>> {
        let query = self.query_prefix(&shift_pk(occ), TEXT_PREFIX);
        self.query_all(query, 1000)
            .await?
            .iter()
            .map(|item| {
                let entry = get_s(item, attr::ENTRY).context("a text without its entry")?;
                Ok(serde_json::from_str(&entry)?)
            })
            .collect()
    }
}
