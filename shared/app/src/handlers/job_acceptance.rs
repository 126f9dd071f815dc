//! `job-acceptance`: another channel (SMS, a coordinator) accepts a shift.

use super::router::{route, Params, Route};
use crate::app::App;
use crate::http::{self, HttpResult};
use crate::service::{self, Acceptance};
use callout_core::validate;
use lambda_http::Request;
use serde_json::{json, Value};

pub const ROUTES: &[Route] = &[route!(POST "/api/jobs/{occurrenceId}/acceptance", Open => accept)];

/// The function's entry point.
pub async fn job_acceptance(app: &App, req: Request) -> HttpResult {
    super::router::serve(ROUTES, app, req).await
}

/// `POST /api/jobs/{occurrenceId}/acceptance` (IAM-authorised in API Gateway).
async fn accept(app: &App, req: Request, p: Params) -> HttpResult {
    let Some(occ) = p.get("occurrenceId").filter(|o| !o.contains('/')) else {
        return http::error(404, "no such route");
    };
    if let Err(r) = validate::identifier("occurrenceId", occ) {
        return http::error(400, &r.to_string());
    }
    let body: Value = match serde_json::from_slice(http::body_bytes(&req)) {
        Ok(v) => v,
        Err(e) => return http::error(400, &format!("body: {}", http::not_json(&e))),
    };
    let employee_id = match body.get("employeeId") {
        None => return http::error(400, "employeeId: is required"),
        Some(Value::String(e)) if validate::is_identifier(e) => e.as_str(),
        Some(_) => {
            return http::error(400, &format!("employeeId: {}", validate::identifier_rule()))
        }
    };
    let channel = match body.get("channel") {
        None => "sms",
        Some(Value::String(c)) if validate::channel(c).is_ok() => c.as_str(),
        Some(_) => return http::error(400, &validate::channel("").unwrap_err().to_string()),
    };
    match service::accept(app, occ, employee_id, channel).await? {
        Acceptance::Accepted => http::json(200, json!({ "accepted": true })),
        Acceptance::Taken { filled_by } => {
            http::json(409, json!({ "accepted": false, "filledBy": filled_by }))
        }
        Acceptance::Cancelled => http::json(
            409,
            json!({ "accepted": false, "cancelled": true, "error": "the shift was cancelled" }),
        ),
        Acceptance::UnknownShift => http::error(404, "unknown occurrenceId"),
        Acceptance::NotInPool | Acceptance::OfferClosed => {
            http::error(422, "employeeId is not in this shift's staff pool")
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_route_table_routes() {
        super::super::router::tests::check_table(super::ROUTES);
    }
}
