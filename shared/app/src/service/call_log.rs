//! The call log of one shift, as its provider's coordinators read it
//! (`GET /api/provider/jobs/{occurrenceId}/calls`): the shift's state, each call and each
//! text sent or refused about it.

use crate::adapters::store::inbound::TextLog;
use crate::app::App;
use crate::records::{Attempt, Control, Delivery, Held, Stalled};
use serde::Serialize;

/// One shift's call log.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLog {
    pub occurrence_id: String,
    /// What the campaign waits for now, if anything.
    pub waiting: Option<Held>,
    /// While the shift is open: a task of its campaign failed every try and waits in the
    /// dead-letter queue (calling stopped until it is redriven).
    pub stalled: Option<Stalled>,
    pub status: &'static str,
    pub not_called_reason: Option<String>,
    pub calling_enabled: bool,
    pub max_rounds: u32,
    pub pool_size: usize,
    pub scheduled_at: Option<String>,
    pub confirmation_sms: Option<Delivery>,
    pub accepted_by: Option<AcceptedBy>,
    pub calls: Vec<Attempt>,
    /// Inbound channels: each text sent or refused about the shift.
    pub texts: Vec<TextLog>,
    /// Live: a coordinator paused calling (`service::control`).
    pub paused: bool,
    /// Live: who is being rung (or talked to) now.
    pub live: Vec<LiveCall>,
    /// Live: when the next call is due, when known (a held turn's next look, or the start
    /// schedule before the first call).
    pub next_call_at: Option<String>,
    /// Every coordinator's action on the shift (cancel, pause, resume, call now), with who and
    /// when, oldest first.
    pub controls: Vec<Control>,
}

/// A call going on now.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveCall {
    pub attempt: u32,
    pub employee_id: String,
    pub first_name: String,
    /// Twilio's status so far (`queued`, `ringing`, `in-progress`), `null` while being placed.
    pub status: Option<String>,
    pub since: String,
}

/// Who took the shift, by which channel, when.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedBy {
    pub employee_id: String,
    pub first_name: Option<String>,
    pub channel: Option<String>,
    pub at: Option<String>,
}

/// Shift `occ`'s call log for `provider`: `None` when there is no such shift or it is another
/// provider's (the same answer: another provider's shift is not there at all).
pub async fn call_log(app: &App, provider: &str, occ: &str) -> anyhow::Result<Option<CallLog>> {
    let shift = match app.store.get_shift(occ).await? {
        Some(s) if s.event.provider_id == provider => s,
        _ => return Ok(None),
    };
    let calls = app.store.list_attempts(occ).await?;
    let texts = app.store.list_texts(occ).await?;
    let open = shift.status == callout_core::model::ShiftStatus::Open;
    let live = calls
        .iter()
        .filter(|a| a.outcome.is_none() && !a.is_over())
        .map(|a| LiveCall {
            attempt: a.attempt,
            employee_id: a.employee_id.clone(),
            first_name: a.first_name.clone(),
            status: a.twilio_status.clone(),
            since: a.created_at.to_rfc3339(),
        })
        .collect();
    let waiting = shift.waiting(&calls).cloned();
    let next_call_at = match (&waiting, shift.scheduled_at) {
        (Some(h), _) => Some(h.until.to_rfc3339()),
        (None, Some(at)) if open && calls.is_empty() && !shift.called_now => Some(at.to_rfc3339()),
        _ => None,
    };
    Ok(Some(CallLog {
        paused: shift.paused && open,
        live,
        next_call_at,
        controls: shift.controls.clone(),
        occurrence_id: occ.to_string(),
        waiting,
        // Only while nothing has happened since: a redriven task goes on with the campaign.
        stalled: shift.stalled.clone().filter(|s| {
            shift.status == callout_core::model::ShiftStatus::Open
                && !calls.iter().any(|a| a.created_at > s.at)
        }),
        status: shift.status.as_str(),
        not_called_reason: shift.not_called.clone(),
        calling_enabled: shift.calling_enabled(),
        max_rounds: shift.max_rounds(),
        pool_size: shift.event.staff_pool.len(),
        scheduled_at: shift.scheduled_at.map(|t| t.to_rfc3339()),
        confirmation_sms: shift.confirmation_sms.clone(),
        accepted_by: shift.assigned_to.as_ref().map(|e| AcceptedBy {
            employee_id: e.clone(),
            first_name: shift.staff(e).map(|s| s.first_name.clone()),
            channel: shift.assigned_channel.clone(),
            at: shift.assigned_at.map(|t| t.to_rfc3339()),
        }),
        calls,
        texts,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page and the tests read these names; an absent value is `null`, never left out.
    #[test]
    fn the_view_has_the_names_the_portal_reads() {
        let log = CallLog {
            occurrence_id: "occ_1".into(),
            waiting: None,
            stalled: None,
            status: "calling",
            not_called_reason: None,
            calling_enabled: true,
            max_rounds: 2,
            pool_size: 3,
            scheduled_at: None,
            confirmation_sms: None,
            accepted_by: Some(AcceptedBy {
                employee_id: "emp_1".into(),
                first_name: Some("Alice".into()),
                channel: Some("phone".into()),
                at: None,
            }),
            calls: Vec::new(),
            texts: Vec::new(),
            paused: false,
            live: Vec::new(),
            next_call_at: None,
            controls: Vec::new(),
        };
        let json = serde_json::to_value(&log).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for key in [
            "occurrenceId",
            "waiting",
            "stalled",
            "status",
            "notCalledReason",
            "callingEnabled",
            "maxRounds",
            "poolSize",
            "scheduledAt",
            "confirmationSms",
            "acceptedBy",
            "calls",
            "texts",
            "paused",
            "live",
            "nextCallAt",
            "controls",
        ] {
            assert!(keys.contains(&key), "{key}: {json}");
        }
        assert_eq!(keys.len(), 17, "{json}");
        assert!(json["notCalledReason"].is_null());
        assert_eq!(json["acceptedBy"]["employeeId"], "emp_1");
        assert_eq!(json["acceptedBy"]["firstName"], "Alice");
        assert!(json["acceptedBy"]["at"].is_null());
    }
}
