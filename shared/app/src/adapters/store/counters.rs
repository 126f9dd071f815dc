//! Speech spend's counters, one item per provider per window (`PROVIDER#{providerId}` /
//! `LISTEN#{window}` and `SPEECH#{day}`), each changed only by a conditional `ADD`, so
//! concurrent requests never pass a limit together. Each carries `ttl`: a day after its last
//! write (`INTERNAL_RETENTION`), so never before its window (at most a day) is over.

use super::codec::{get_n, n, s};
use super::error::{ConditionalResult, Written};
use super::keys::{attr, provider_pk, Key};
use super::Store;
use anyhow::Result;
use aws_sdk_dynamodb::types::ReturnValue;
use callout_core::speech_budget::{self, Window};
use chrono::{DateTime, Utc};

pub(super) fn listen_key(provider_id: &str, window: Window, now: DateTime<Utc>) -> Key {
    let kind = match window {
        Window::Minute => "MINUTE",
        Window::Day => "DAY",
    };
    (
        s(provider_pk(provider_id)),
        s(format!("LISTEN#{kind}#{}", window.id(now))),
    )
}

pub(super) fn speech_key(provider_id: &str, now: DateTime<Utc>) -> Key {
    (
        s(provider_pk(provider_id)),
        s(format!("SPEECH#{}", Window::Day.id(now))),
    )
}

fn expiry(now: DateTime<Utc>) -> i64 {
    (now + super::INTERNAL_RETENTION).timestamp()
}

impl Store {
    /// One more Listen by `provider_id` at `now`, unless the minute's or the day's count is at
    /// its limit: `Err(window)` names the window that refused (a request the day refuses still
    /// counts in its minute).
    pub async fn count_listen(
        &self,
        provider_id: &str,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<(), Window>> {
        for window in [Window::Minute, Window::Day] {
            let counted = self
                .update(listen_key(provider_id, window, now))
                .update_expression("ADD #c :one SET #ttl = :ttl")
                .condition_expression("attribute_not_exists(#c) OR #c < :limit")
                .expression_attribute_names("#c", attr::COUNT)
                .expression_attribute_names("#ttl", attr::TTL)
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":limit", n(window.listen_limit()))
                .expression_attribute_values(":ttl", n(expiry(now)))
                .send()
                .await
                .conditional()?;
            if !counted {
                return Ok(Err(window));
            }
        }
        Ok(Ok(()))
    }

    /// Spend `characters` of `provider_id`'s speech budget for the day of `now`, unless that
    /// would pass `budget`: the day's use before and after, or `None` when refused (nothing is
    /// spent then).
    pub async fn spend_speech(
        &self,
        provider_id: &str,
        now: DateTime<Utc>,
        characters: u32,
        budget: u32,
    ) -> Result<Option<(u64, u64)>> {
        let Some(room) = speech_budget::room_before(characters, budget) else {
            return Ok(None);
        };
        let written = self
            .update(speech_key(provider_id, now))
            .update_expression("ADD #c :n SET #ttl = :ttl")
            .condition_expression("attribute_not_exists(#c) OR #c <= :room")
            .expression_attribute_names("#c", attr::COUNT)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":n", n(characters))
            .expression_attribute_values(":room", n(room))
            .expression_attribute_values(":ttl", n(expiry(now)))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .written()?;
        Ok(match written {
            Written::Done(out) => {
                let after: u64 = out
                    .attributes
                    .as_ref()
                    .and_then(|a| get_n(a, attr::COUNT))
                    .unwrap_or(u64::from(characters));
                Some((after.saturating_sub(u64::from(characters)), after))
            }
            Written::ConditionFailed { .. } => None,
        })
    }

    /// Give back `characters` spent at `at` (the speech request failed: ElevenLabs charges
    /// nothing for it).
    pub async fn refund_speech(
        &self,
        provider_id: &str,
        at: DateTime<Utc>,
        characters: u32,
    ) -> Result<()> {
        self.update(speech_key(provider_id, at))
            .update_expression("ADD #c :n")
            .condition_expression("attribute_exists(#c)")
            .expression_attribute_names("#c", attr::COUNT)
            .expression_attribute_values(":n", n(-i64::from(characters)))
            .send()
            .await
            .conditional()?;
        Ok(())
    }

    /// The speech characters `provider_id` has spent on the day of `now`.
    pub async fn speech_used(&self, provider_id: &str, now: DateTime<Utc>) -> Result<u64> {
        use super::error::DbResult;
        let out = self.get(speech_key(provider_id, now)).send().await.db()?;
        Ok(out
            .item
            .as_ref()
            .and_then(|i| get_n(i, attr::COUNT))
            .unwrap_or(0))
    }
}
