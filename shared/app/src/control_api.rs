//! The coordinators' actions on one shift, over HTTP: `POST /api/provider/jobs/{id}/cancel`,
//! `/pause`, `/resume`, `/call-now` (provider-authenticated; the coordinator's identity from
//! the token, `http::coordinator`), and the platform's `ShiftCancelled` event. The rules are
//! `service::control`'s.

use crate::app::App;
use crate::handlers::router::Params;
use crate::http::{self, HttpResult};
use crate::records::ControlAction;
use crate::service::control::{self, Controlled};
use lambda_http::Request;
use serde_json::{json, Value};

/// `POST /api/provider/jobs/{occurrenceId}/cancel`.
pub async fn cancel(app: &App, req: Request, p: Params) -> HttpResult {
    act(app, req, p, ControlAction::Cancel).await
}

/// `POST /api/provider/jobs/{occurrenceId}/pause`.
pub async fn pause(app: &App, req: Request, p: Params) -> HttpResult {
    act(app, req, p, ControlAction::Pause).await
}

/// `POST /api/provider/jobs/{occurrenceId}/resume`.
pub async fn resume(app: &App, req: Request, p: Params) -> HttpResult {
    act(app, req, p, ControlAction::Resume).await
}

/// `POST /api/provider/jobs/{occurrenceId}/call-now`.
pub async fn call_now(app: &App, req: Request, p: Params) -> HttpResult {
    act(app, req, p, ControlAction::CallNow).await
}

/// 200 with the shift's state; 404 for a shift that is not the provider's; 409 with the
/// reason when the action does not apply now (nothing changed).
async fn act(app: &App, req: Request, p: Params, action: ControlAction) -> HttpResult {
    const NONE: &str = "no such shift";
    let Some(occ) = p.identifier("occurrenceId") else {
        return http::error(404, NONE);
    };
    let by = http::coordinator(&req);
    match control::control(app, Some(&p.provider), occ, action, &by).await? {
        Controlled::Done { status, paused } => http::json(
            200,
            json!({
                "occurrenceId": occ,
                "action": action.as_str(),
                "status": status.as_str(),
                "paused": paused,
                "by": by,
            }),
        ),
        Controlled::UnknownShift => http::error(404, NONE),
        Controlled::Refused(why) => http::error(409, &why),
    }
}

/// EventBridge `ShiftCancelled` from the platform (`detail.occurrenceId`): the shift is
/// cancelled as a coordinator would, by `platform`. A shift already final (also the bus
/// bringing back this product's own `ShiftCancelled`) changes nothing.
pub async fn shift_cancelled(app: &App, payload: &Value) -> anyhow::Result<Value> {
    let occ = payload
        .get("detail")
        .and_then(|d| d.get("occurrenceId"))
        .and_then(Value::as_str)
        .filter(|o| callout_core::validate::is_identifier(o));
    let Some(occ) = occ else {
        tracing::warn!("shift_cancelled_without_occurrence_id");
        return Ok(json!({ "status": "rejected", "error": "detail.occurrenceId is required" }));
    };
    Ok(
        match control::control(app, None, occ, ControlAction::Cancel, "platform").await? {
            Controlled::Done { .. } => json!({ "status": "cancelled" }),
            Controlled::UnknownShift => json!({ "status": "unknown" }),
            Controlled::Refused(why) => json!({ "status": "unchanged", "reason": why }),
        },
    )
}
