//! Reachability checks (`PROVIDER#{providerId}` / `REACH#{employeeId}`): a provider's latest
//! check of each person, one JSON `entry` with its `day` beside it, so a second check the same
//! day is refused by the write's condition. Kept like settings (no `ttl`): the portal shows
//! each person's last result with its date.

use super::codec::{get_s, s, time, Item};
use super::error::{ConditionalResult, DbResult};
use super::keys::{attr, provider_pk, reach_key, REACH_PREFIX};
use super::Store;
use anyhow::{Context, Result};
use callout_core::reach::ReachResult;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One person's check: who, when it was asked for, where its call stands and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReachCheck {
    pub employee_id: String,
    pub first_name: String,
    /// The number called (never shown whole: the API masks it).
    pub phone: String,
    /// The day it counts for (`reach::day_of`).
    pub day: String,
    pub requested_at: DateTime<Utc>,
    /// `queued` (waiting for its call), `calling`, `done`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ReachResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_at: Option<DateTime<Utc>>,
    /// Twilio's error code when it refused the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_sid: Option<String>,
    /// The call slot the call holds while it is live, and its holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<(u32, String)>,
    /// Machine detection's answer, when it came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<String>,
}

pub(crate) fn check_item(check: &ReachCheck) -> Result<Item> {
    Ok(Item::from([
        (attr::ENTRY.to_string(), s(serde_json::to_string(check)?)),
        (attr::DAY.to_string(), s(&check.day)),
        (attr::UPDATED_AT.to_string(), time(Utc::now())),
    ]))
}

pub(crate) fn check_from(item: &Item) -> Result<ReachCheck> {
    let entry = get_s(item, attr::ENTRY).context("a check without its entry")?;
    Ok(serde_json::from_str(&entry)?)
}

impl Store {
    pub async fn start_check(&self, provider_id: &str, check: &ReachCheck) -> Result<bool> {
        self.put(
            reach_key(provider_id, &check.employee_id),
            check_item(check)?,
        )
        .condition_expression("attribute_not_exists(pk) OR #d <> :d")
        .expression_attribute_names("#d", attr::DAY)
        .expression_attribute_values(":d", s(&check.day))
        .send()
        .await
        .conditional()
    }

    pub async fn put_check(&self, provider_id: &str, check: &ReachCheck) -> Result<()> {
        self.put(
            reach_key(provider_id, &check.employee_id),
            check_item(check)?,
        )
        .send()
        .await
        .db()?;
        Ok(())
    }

    pub async fn get_check(
        &self,
        provider_id: &str,
        employee_id: &str,
    ) -> Result<Option<ReachCheck>> {
        let out = self
            .get(reach_key(provider_id, employee_id))
            .send()
            .await
            .db()?;
        out.item.as_ref().map(check_from).transpose()
    }

    pub async fn list_checks(&self, provider_id: &str) -> Result<Vec<ReachCheck>> {
        let query = self.query_prefix(&provider_pk(provider_id), REACH_PREFIX);
        self.query_all(query, 5000)
            .await?
            .iter()
            .map(check_from)
            .collect()
    }
}
