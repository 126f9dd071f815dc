//! A coordinator's action on a shift (`SHIFT#{occurrenceId}` / `SHIFT`): one conditional
//! write each, the action kept in the shift's `controls` list in the same write. A cancel
//! has the acceptance's condition (the shift can still be accepted), so a cancel and a "1" at
//! the same moment have one winner; pause and resume flip `pausedAt` on an open shift; call
//! now marks `calledNowAt` on an open shift, once.

use super::codec::{controls_value, s, time};
use super::error::ConditionalResult;
use super::keys::{attr, shift_key};
use super::Store;
use crate::records::{Control, ControlAction};
use anyhow::{Context, Result};
use aws_sdk_dynamodb::types::AttributeValue;
use callout_core::model::ShiftStatus;

impl Store {
    /// Apply `control` to shift `occ` if its condition holds; false (nothing written) when it
    /// does not (no such shift, already final, already paused…).
    pub async fn control_shift(&self, occ: &str, control: &Control) -> Result<bool> {
        let entry = controls_value(std::slice::from_ref(control)).context("one action")?;
        let open = s(ShiftStatus::Open.as_str());
        let req = self
            .update(shift_key(occ))
            .expression_attribute_names("#st", attr::STATUS)
            .expression_attribute_names("#log", attr::CONTROLS)
            .expression_attribute_values(":entry", entry)
            .expression_attribute_values(":none", AttributeValue::L(Vec::new()));
        let log = "#log = list_append(if_not_exists(#log, :none), :entry)";
        let req = match control.action {
            ControlAction::Cancel => {
                // The acceptance's own condition (`ShiftStatus::ACCEPTABLE`).
                let mut req = req;
                let names: Vec<String> = (0..ShiftStatus::ACCEPTABLE.len())
                    .map(|i| format!(":ok{i}"))
                    .collect();
                for (name, status) in names.iter().zip(ShiftStatus::ACCEPTABLE) {
                    req = req.expression_attribute_values(name, s(status.as_str()));
                }
                req.update_expression(format!("SET #st = :cancelled, {log} REMOVE #p"))
                    .condition_expression(format!(
                        "attribute_exists(pk) AND #st IN ({})",
                        names.join(", ")
                    ))
                    .expression_attribute_names("#p", attr::PAUSED_AT)
                    .expression_attribute_values(":cancelled", s(ShiftStatus::Cancelled.as_str()))
            }
            ControlAction::Pause => req
                .update_expression(format!("SET #p = :t, {log}"))
                .condition_expression("#st = :open AND attribute_not_exists(#p)")
                .expression_attribute_names("#p", attr::PAUSED_AT)
                .expression_attribute_values(":t", time(control.at))
                .expression_attribute_values(":open", open),
            ControlAction::Resume => req
                .update_expression(format!("SET {log} REMOVE #p"))
                .condition_expression("#st = :open AND attribute_exists(#p)")
                .expression_attribute_names("#p", attr::PAUSED_AT)
                .expression_attribute_values(":open", open),
            ControlAction::CallNow => req
                .update_expression(format!("SET #n = :t, {log}"))
                .condition_expression("#st = :open AND attribute_not_exists(#n)")
                .expression_attribute_names("#n", attr::CALLED_NOW_AT)
                .expression_attribute_values(":t", time(control.at))
                .expression_attribute_values(":open", open),
        };
        req.send().await.conditional()
    }
}
