//! [`MemoryStore`]: every store capability in memory, for unit tests of the service's steps in
//! milliseconds. It keeps the table's items as DynamoDB would (the same keys from [`super::keys`],
//! the same items from [`super::codec`]) and writes each with the same condition as its
//! DynamoDB twin, under one lock, so each operation is atomic as one request is: create if
//! absent, accept once, an outcome once, advance once, claims with expiry and take-over,
//! versioned writes. `ttl` is kept but never acted on. The pacing line is [`MemoryLine`].
//! One file per group of capabilities, as the DynamoDB side: [`shifts`] (with claims),
//! [`attempts`] (with recordings), [`people`] (offers, per-person pacing, declines),
//! [`counters`] (with settings and the portal's reads).

mod attempts;
mod counters;
mod numbers;
mod people;
mod reach;
mod shifts;

use super::capabilities::*;
use super::codec::{
    attempt_from, fixed_time, get_n, get_s, get_time, n, person_calls, person_calls_value, s,
    settings_from, settings_item, shift_from, time, Item,
};
use super::counters::{listen_key, speech_key};
use super::inbound::{offer_from, Offer, TextLog, OFFER_INDEX_HOURS};
use super::keys::{self, attr, Key};
use super::pacing_memory::MemoryLine;
use super::recordings::{due_sk, fixed, DUE_PREFIX, RECORDING_DUE};
use super::{AcceptWrite, Claim, DueRecording, PacingLine, Waiter, CALL_LOG_RETENTION_DAYS};
use crate::records::{Attempt, Delivery, Dial, Shift};
use anyhow::{bail, Context, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use callout_core::campaign::Outcome;
use callout_core::model::ShiftStatus;
use callout_core::pacing::Held;
use callout_core::person_pace::{self, Windows};
use callout_core::settings::Settings;
use callout_core::speech_budget::{self, Window};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

type Table = BTreeMap<(String, String), Item>;

/// The whole store in memory (see the module's header).
pub struct MemoryStore {
    items: Mutex<Table>,
    /// The call slots and the waiting line.
    pub line: MemoryLine,
    /// Where the `Calls` figure goes, as the DynamoDB store's.
    pub metrics: crate::metrics::Metrics,
}

fn key_of((pk, sk): Key) -> (String, String) {
    let text = |v: AttributeValue| v.as_s().cloned().unwrap_or_default();
    (text(pk), text(sk))
}

/// An item with its keys, as DynamoDB returns it.
fn new_item((pk, sk): &(String, String)) -> Item {
    Item::from([(attr::PK.into(), s(pk)), (attr::SK.into(), s(sk))])
}

fn has(item: &Item, name: &str) -> bool {
    item.contains_key(name)
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore {
            items: Mutex::default(),
            line: MemoryLine::new(),
            metrics: crate::metrics::Metrics::memory(),
        }
    }
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read(&self, key: Key) -> Option<Item> {
        self.table().get(&key_of(key)).cloned()
    }

    fn exists(&self, key: Key) -> bool {
        self.table().contains_key(&key_of(key))
    }

    /// A put: the item replaces whatever was there, unless `if_absent` and something is.
    fn put(&self, key: Key, mut item: Item, if_absent: bool) -> bool {
        let key = key_of(key);
        let mut table = self.table();
        if if_absent && table.contains_key(&key) {
            return false;
        }
        item.extend(new_item(&key));
        table.insert(key, item);
        true
    }

    fn delete(&self, key: Key) {
        self.table().remove(&key_of(key));
    }

    /// An update: `change` runs on the item (a new one holding only its keys when absent, as
    /// an UpdateItem creates it) if `condition` holds for what is there (`None`: no item);
    /// refused, the old item comes back as DynamoDB's `AllOld` would.
    fn update(
        &self,
        key: Key,
        condition: impl FnOnce(Option<&Item>) -> bool,
        change: impl FnOnce(&mut Item),
    ) -> std::result::Result<Item, Option<Item>> {
        let key = key_of(key);
        let mut table = self.table();
        let old = table.get(&key);
        if !condition(old) {
            return Err(old.cloned());
        }
        let item = table.entry(key.clone()).or_insert_with(|| new_item(&key));
        change(item);
        Ok(item.clone())
    }

    /// The items of partition `pk` whose sort key starts with `prefix`, in sort-key order.
    fn query_prefix(&self, pk: &str, prefix: &str, limit: usize) -> Vec<Item> {
        self.table()
            .range((pk.to_string(), prefix.to_string())..)
            .take_while(|((p, sk), _)| p == pk && sk.starts_with(prefix))
            .take(limit)
            .map(|(_, item)| item.clone())
            .collect()
    }

    /// The provider's items on the provider/time index between two sort keys.
    fn query_gsi1(
        &self,
        provider_id: &str,
        (from, to): (String, String),
        newest_first: bool,
        limit: usize,
    ) -> Vec<Item> {
        let pk = keys::provider_pk(provider_id);
        let mut items: Vec<(String, Item)> = self
            .table()
            .values()
            .filter(|item| get_s(item, attr::GSI1PK).as_deref() == Some(pk.as_str()))
            .filter_map(|item| Some((get_s(item, attr::GSI1SK)?, item.clone())))
            .filter(|(sk, _)| from <= *sk && *sk <= to)
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        if newest_first {
            items.reverse();
        }
        items.into_iter().take(limit).map(|(_, i)| i).collect()
    }

    /// How many items the table holds (for tests).
    pub fn len(&self) -> usize {
        self.table().len()
    }

    /// True when the table holds nothing.
    pub fn is_empty(&self) -> bool {
        self.table().is_empty()
    }
}

fn outcome_is(item: &Item, outcome: Outcome) -> bool {
    get_s(item, attr::OUTCOME).as_deref() == Some(outcome.as_str())
}

#[async_trait]
impl PacingLine for MemoryStore {
    async fn call_slots(&self) -> Result<Vec<Held>> {
        self.line.call_slots().await
    }

    async fn take_call_slot(
        &self,
        slot: u32,
        holder: &str,
        now: i64,
        ttl: Duration,
    ) -> Result<bool> {
        self.line.take_call_slot(slot, holder, now, ttl).await
    }

    async fn pass_call_slot(
        &self,
        slot: u32,
        from: &str,
        to: &str,
        now: i64,
        ttl: Duration,
    ) -> Result<bool> {
        self.line.pass_call_slot(slot, from, to, now, ttl).await
    }

    async fn release_call_slot(&self, slot: u32, holder: &str) -> Result<bool> {
        self.line.release_call_slot(slot, holder).await
    }

    async fn arm_watchdog(&self, now: i64, period: Duration, rearm: bool) -> Result<bool> {
        self.line.arm_watchdog(now, period, rearm).await
    }

    async fn add_waiter(&self, task: &Dial) -> Result<Waiter> {
        self.line.add_waiter(task).await
    }

    async fn oldest_waiters(&self, n: usize) -> Result<Vec<Waiter>> {
        self.line.oldest_waiters(n).await
    }

    async fn remove_waiter(&self, waiter: &Waiter) -> Result<()> {
        self.line.remove_waiter(waiter).await
    }
}

impl Stores for MemoryStore {
    fn call_log_expiry(&self, created: DateTime<Utc>) -> DateTime<Utc> {
        created + chrono::Duration::days(CALL_LOG_RETENTION_DAYS.into())
    }
}
