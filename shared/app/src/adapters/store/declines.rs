//! Declines: who declined a shift (`declinedBy` on the shift, for `skipDecliners`) and, per
//! patient, who declined one of their shifts lately (`DECLINES#{providerId}#{patient hash}` /
//! `EMP#{employeeId}`, for `declineMemoryDays`). A patient's item per person holds their latest
//! decline and expires a day after the longest memory.

use super::codec::{get_s, get_time, s, time, ttl, Item};
use super::error::DbResult;
use super::keys::{attr, decline_key, declines_pk, shift_key, DECLINE_PREFIX};
use super::Store;
use anyhow::Result;
use aws_sdk_dynamodb::types::AttributeValue;
use callout_core::campaign::MAX_DECLINE_MEMORY_DAYS;
use chrono::{DateTime, Utc};

impl Store {
    /// `employee_id` declined shift `occ` (idempotent: a set).
    pub async fn add_decliner(&self, occ: &str, employee_id: &str) -> Result<()> {
        self.update(shift_key(occ))
            .update_expression("ADD #d :e")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#d", attr::DECLINED_BY)
            .expression_attribute_values(":e", AttributeValue::Ss(vec![employee_id.into()]))
            .send()
            .await
            .db()?;
        Ok(())
    }

    /// Remember that `employee_id` declined a shift of the patient `patient_key`
    /// (`campaign::patient_key`) at `at`.
    pub async fn remember_decline(
        &self,
        provider_id: &str,
        patient_key: &str,
        employee_id: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let expires = at + chrono::Duration::days(i64::from(MAX_DECLINE_MEMORY_DAYS) + 1);
        self.put(
            decline_key(provider_id, patient_key, employee_id),
            Item::from([
                (attr::EMPLOYEE_ID.to_string(), s(employee_id)),
                (attr::DECLINED_AT.to_string(), time(at)),
                (attr::TTL.to_string(), ttl(expires)),
            ]),
        )
        .send()
        .await
        .db()?;
        Ok(())
    }

    /// Who declined a shift of the patient `patient_key` at or after `since`.
    pub async fn decliners_since(
        &self,
        provider_id: &str,
        patient_key: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, DateTime<Utc>)>> {
        let query = self.query_prefix(&declines_pk(provider_id, patient_key), DECLINE_PREFIX);
        Ok(self
            .query_all(query, 1000)
            .await?
            .iter()
            .filter_map(|item| {
                let at = get_time(item, attr::DECLINED_AT)?;
                Some((get_s(item, attr::EMPLOYEE_ID)?, at))
            })
            .filter(|(_, at)| *at >= since)
            .collect())
    }
}
