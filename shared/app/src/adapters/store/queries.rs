//! Reads for the portal: a provider's recent shifts and calls, by the provider/time index
//! (`gsi1`, see [`super::keys`]). Every read is a Query on `gsi1pk = PROVIDER#{providerId} AND
//! gsi1sk BETWEEN :from AND :to`, paginated; none scans the table.
//!
//! `gsi1sk` is `SHIFT#{createdAt}#{occurrenceId}` or `CALL#{createdAt}#{occurrenceId}#{k}` with
//! `createdAt` in RFC 3339 UTC (`+00:00`), so string order is time order. A bound is the prefix
//! `SHIFT#2026-01-23T09:00:00` (below every key of that second) or the same followed by `~`
//! (above every key of that second).

use super::codec::{attempt_from, s, shift_from, Item};
use super::keys::{provider_pk, GSI1};
use super::Store;
use crate::records::{Attempt, Shift};
use anyhow::Result;
use chrono::{DateTime, Utc};

/// The most items one portal read returns (a guard for the Lambda's memory and time; a
/// provider places far fewer calls in 90 days).
pub const MAX_ITEMS: usize = 20_000;

/// The `gsi1sk` range of one kind (`SHIFT` or `CALL`) between two instants, both included.
pub fn sk_range(kind: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> (String, String) {
    const SECOND: &str = "%Y-%m-%dT%H:%M:%S";
    (
        format!("{kind}#{}", from.format(SECOND)),
        format!("{kind}#{}~", to.format(SECOND)),
    )
}

impl Store {
    /// Items of `provider_id` on gsi1 between two sort keys, oldest first or newest first,
    /// at most `limit`.
    async fn query_gsi1(
        &self,
        provider_id: &str,
        (from, to): (String, String),
        newest_first: bool,
        limit: usize,
    ) -> Result<Vec<Item>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("gsi1pk = :p AND gsi1sk BETWEEN :from AND :to")
            .expression_attribute_values(":p", s(provider_pk(provider_id)))
            .expression_attribute_values(":from", s(from))
            .expression_attribute_values(":to", s(to))
            .scan_index_forward(!newest_first)
            .limit(i32::try_from(limit.min(1000)).unwrap_or(1000));
        self.query_all(query, limit).await
    }

    /// The provider's shifts created between `from` and `to`, newest first, at most `limit`.
    pub async fn shifts_between(
        &self,
        provider_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Shift>> {
        let items = self
            .query_gsi1(provider_id, sk_range("SHIFT", from, to), true, limit)
            .await?;
        items
            .iter()
            .map(shift_from)
            // The index is keyed by the provider; check it all the same.
            .filter(|r| {
                r.as_ref()
                    .map_or(true, |sh| sh.event.provider_id == provider_id)
            })
            .collect()
    }

    /// The provider's calls placed between `from` and `to`, oldest first, at most `limit`.
    pub async fn calls_between(
        &self,
        provider_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Attempt>> {
        let items = self
            .query_gsi1(provider_id, sk_range("CALL", from, to), false, limit)
            .await?;
        items
            .iter()
            .map(attempt_from)
            .filter(|r| r.as_ref().map_or(true, |a| a.provider_id == provider_id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kind: &str, t: DateTime<Utc>) -> String {
        format!("{kind}#{}#occ_1", t.to_rfc3339())
    }

    #[test]
    fn the_range_holds_exactly_the_keys_between_its_instants() {
        let from: DateTime<Utc> = "2026-01-23T00:00:00Z".parse().unwrap();
        let to: DateTime<Utc> = "2026-01-23T10:15:30.250Z".parse().unwrap();
        let (lo, hi) = sk_range("CALL", from, to);
        let inside = |k: &str| lo.as_str() <= k && k <= hi.as_str();
        for t in [
            "2026-01-23T00:00:00Z",
            "2026-01-23T00:00:00.000001Z",
            "2026-01-23T09:59:59.999Z",
            "2026-01-23T10:15:30Z",
            "2026-01-23T10:15:30.999999999Z",
        ] {
            let k = key("CALL", t.parse().unwrap());
            assert!(inside(&k), "{k} should be in [{lo}, {hi}]");
        }
        for t in ["2026-01-22T23:59:59.999Z", "2026-01-23T10:15:31Z"] {
            let k = key("CALL", t.parse().unwrap());
            assert!(!inside(&k), "{k} should not be in [{lo}, {hi}]");
        }
        // A shift key is never in a call range and the other way round.
        assert!(!inside(&key(
            "SHIFT",
            "2026-01-23T05:00:00Z".parse().unwrap()
        )));
    }
}
