//! Call recordings: the recording's SID on its attempt, and the deletion line the daily
//! cleanup reads (`RECORDING_DUE` / `DUE#{dueAt}#{occurrenceId}#{attempt:05}#{recordingSid}`,
//! oldest first: one item per recording, so a call recorded twice has both deleted).
//! A deletion-line item carries no `ttl`: it goes only once the recording is deleted at Twilio
//! (the attempt itself may expire before a long retention ends).

use super::codec::{get_n, get_s, n, s, time, Item};
use super::error::{ConditionalResult, DbResult, Written};
use super::keys::{attempt_key, attr};
use super::Store;
use anyhow::{Context, Result};
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use chrono::{DateTime, SecondsFormat, Utc};

/// The deletion line's partition.
pub const RECORDING_DUE: &str = "RECORDING_DUE";
pub(super) const DUE_PREFIX: &str = "DUE#";

/// A recording waiting for its deletion (also the `deleteRecording` task's body).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DueRecording {
    pub occurrence_id: String,
    pub attempt: u32,
    pub recording_sid: String,
    /// Its place in the deletion line (the item's sort key).
    #[serde(rename = "dueKey")]
    pub sk: String,
}

pub(super) fn fixed(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
}

pub(super) fn due_sk(due: DateTime<Utc>, occ: &str, k: u32, sid: &str) -> String {
    format!("{DUE_PREFIX}{}#{occ}#{k:05}#{sid}", fixed(due))
}

impl Store {
    /// Keep `sid` on attempt `k` and put it in the deletion line at `due`. Repeating it (a
    /// repeated callback) writes the same. False when the attempt is gone (nothing is written
    /// then), already shows another recording or had its recording deleted: a further
    /// recording of the call is not shown, but it is put in the deletion line all the same.
    pub async fn keep_recording(
        &self,
        occ: &str,
        k: u32,
        sid: &str,
        due: DateTime<Utc>,
    ) -> Result<bool> {
        let written = self
            .update(attempt_key(occ, k))
            .update_expression("SET #r = :r, #due = :due")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(#del) AND \
                 (attribute_not_exists(#r) OR #r = :r)",
            )
            .expression_attribute_names("#r", attr::RECORDING_SID)
            .expression_attribute_names("#due", attr::RECORDING_DUE_AT)
            .expression_attribute_names("#del", attr::RECORDING_DELETED_AT)
            .expression_attribute_values(":r", s(sid))
            .expression_attribute_values(":due", time(due))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await
            .written()?;
        let kept = match written {
            Written::Done(_) => true,
            Written::ConditionFailed { old: Some(_) } => false,
            Written::ConditionFailed { old: None } => return Ok(false),
        };
        self.put(
            (s(RECORDING_DUE), s(due_sk(due, occ, k, sid))),
            Item::from([
                (attr::OCCURRENCE_ID.to_string(), s(occ)),
                (attr::ATTEMPT.to_string(), n(k)),
                (attr::RECORDING_SID.to_string(), s(sid)),
            ]),
        )
        .send()
        .await
        .db()?;
        Ok(kept)
    }

    /// The recordings due for deletion at `now`, oldest first, at most `limit`.
    pub async fn due_recordings(
        &self,
        now: DateTime<Utc>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DueRecording>> {
        let from = after.map_or_else(|| DUE_PREFIX.to_string(), str::to_string);
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(RECORDING_DUE))
            .expression_attribute_values(":from", s(from))
            .expression_attribute_values(":to", s(format!("{DUE_PREFIX}{}~", fixed(now))))
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX))
            .consistent_read(true);
        // BETWEEN includes `after` itself: it is left out below.
        let mut items = self.query_all(query, limit + 1).await?;
        items.retain(|item| after.is_none() || get_s(item, attr::SK).as_deref() != after);
        items.truncate(limit);
        items
            .iter()
            .map(|item| {
                Ok(DueRecording {
                    occurrence_id: get_s(item, attr::OCCURRENCE_ID)
                        .context("due recording without occurrenceId")?,
                    attempt: get_n(item, attr::ATTEMPT).context("due recording without attempt")?,
                    recording_sid: get_s(item, attr::RECORDING_SID)
                        .context("due recording without recordingSid")?,
                    sk: get_s(item, attr::SK).context("due recording without sk")?,
                })
            })
            .collect()
    }

    /// The recording is deleted at Twilio: its attempt no longer offers it (if the attempt is
    /// still there) and it leaves the deletion line.
    pub async fn recording_deleted(&self, d: &DueRecording) -> Result<()> {
        self.update(attempt_key(&d.occurrence_id, d.attempt))
            .update_expression("REMOVE #r SET #del = :now")
            .condition_expression("#r = :r")
            .expression_attribute_names("#r", attr::RECORDING_SID)
            .expression_attribute_names("#del", attr::RECORDING_DELETED_AT)
            .expression_attribute_values(":r", s(&d.recording_sid))
            .expression_attribute_values(":now", time(Utc::now()))
            .send()
            .await
            .conditional()?;
        self.delete((s(RECORDING_DUE), s(&d.sk)))
            .send()
            .await
            .db()?;
        Ok(())
    }
}
