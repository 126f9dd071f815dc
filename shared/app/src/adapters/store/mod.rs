//! DynamoDB: one table holding provider settings, shifts and call attempts, plus the call
//! pacing's slots and waiting line. Every change that must happen once (accepting, an outcome,
//! advancing) is a conditional write. The key schema is in [`keys`].
//!
//! Every item but the provider's settings carries the table's `ttl` (epoch seconds): shifts and
//! attempts (the call log) `CALL_LOG_RETENTION_DAYS` after they were made (default 90), call
//! slots, the waiting line and the watchdog a day after their last write.
//!
//! One file per aggregate: [`settings`], [`shifts`] (with the acceptance), [`claims`] (once-only
//! effects of a shift), [`declines`] (who declined a shift, and a patient's shifts lately),
//! [`attempts`], [`pacing`] (call slots and the waiting line) and [`queries`] (the portal's
//! reads), [`counters`] (speech spend: Listen's rate and the daily speech budget); [`codec`] and
//! [`error`] serve them all.
//!
//! Callers see the store through [`capabilities`]: one small trait per aggregate, all of them
//! together [`Stores`] (what `App::store` holds), implemented here on DynamoDB and in
//! [`memory`] in memory (the pacing line's part in [`pacing_memory`]); [`contract`] is the check
//! both pass.

pub mod attempts;
pub mod capabilities;
pub mod claims;
pub(crate) mod codec;
pub mod contract;
pub mod controls;
pub mod counters;
pub mod declines;
pub(crate) mod error;
pub mod inbound;
pub mod keys;
pub mod memory;
#[cfg(test)]
mod memory_tests;
pub mod numbers;
pub mod pacing;
pub mod pacing_memory;
#[cfg(test)]
mod pacing_tests;
pub mod people;
pub mod queries;
pub mod reach;
pub mod recordings;
pub mod settings;
pub mod shifts;

pub use capabilities::{
    Attempts, Claims, Counters, Declines, Offers, People, ProviderSettings, Queries, Recordings,
    Shifts, Stores,
};
pub use claims::Claim;
pub use keys::GSI1;
pub use memory::MemoryStore;
pub use pacing::{PacingLine, Waiter};
pub use recordings::DueRecording;
pub use shifts::AcceptWrite;

use aws_sdk_dynamodb::operation::{
    delete_item::builders::DeleteItemFluentBuilder, get_item::builders::GetItemFluentBuilder,
    put_item::builders::PutItemFluentBuilder, query::builders::QueryFluentBuilder,
    update_item::builders::UpdateItemFluentBuilder,
};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use codec::{s, Item};
use error::DbResult;
use keys::{attr, Key};

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

impl Store {
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

    fn update(&self, (pk, sk): Key) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(attr::PK, pk)
            .key(attr::SK, sk)
    }

    /// A strongly consistent read: the campaign always decides on the latest state.
    fn get(&self, (pk, sk): Key) -> GetItemFluentBuilder {
        self.client
            .get_item()
            .table_name(&self.table)
            .key(attr::PK, pk)
            .key(attr::SK, sk)
            .consistent_read(true)
    }

    fn delete(&self, (pk, sk): Key) -> DeleteItemFluentBuilder {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(attr::PK, pk)
            .key(attr::SK, sk)
    }

    /// A put of `item` under `key`.
    fn put(&self, (pk, sk): Key, item: Item) -> PutItemFluentBuilder {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .item(attr::PK, pk)
            .item(attr::SK, sk)
    }

    /// A consistent read of the items of partition `pk` whose sort key starts with `prefix`, in
    /// sort-key order (send it through [`Store::query_all`]).
    fn query_prefix(&self, pk: &str, prefix: &str) -> QueryFluentBuilder {
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
        query: QueryFluentBuilder,
        limit: usize,
    ) -> anyhow::Result<Vec<Item>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .db()?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() || items.len() >= limit {
                break;
            }
        }
        items.truncate(limit);
        Ok(items)
    }
}
