//! `provider-settings`: the coordinators' API and portal page (JWT, the provider from the
//! token's `provider_id`; the page is public and holds no data).

use super::router::{route, Params, Route};
use crate::app::App;
use crate::http::{self, HttpResult};
use crate::{control_api, portal, recording_api, results_api, service};
use lambda_http::Request;
use serde_json::{json, Value};

pub const ROUTES: &[Route] = &[
    route!(GET "/portal/outbound-calling", Open => portal::page),
    route!(GET "/api/provider/outbound-calling", Provider => settings),
    route!(PATCH "/api/provider/outbound-calling", Provider => save_settings),
    route!(POST "/api/provider/outbound-calling/preview", Provider => portal::preview_route),
    route!(POST "/api/provider/outbound-calling/listen", Provider => portal::listen_route),
    route!(GET "/api/provider/outbound-calling/stats", Provider => portal::stats_route),
    route!(GET "/api/provider/jobs", Provider => portal::jobs_route),
    route!(GET "/api/provider/jobs/{occurrenceId}/calls", Provider => call_log),
    route!(GET "/api/provider/jobs/{occurrenceId}/calls/{attempt}/recording", Provider => recording_api::media),
    route!(GET "/api/provider/calls.csv", Provider => results_api::csv_route),
    // A coordinator acts on one shift (`service::control`).
    route!(POST "/api/provider/jobs/{occurrenceId}/cancel", Provider => control_api::cancel),
    route!(POST "/api/provider/jobs/{occurrenceId}/pause", Provider => control_api::pause),
    route!(POST "/api/provider/jobs/{occurrenceId}/resume", Provider => control_api::resume),
    route!(POST "/api/provider/jobs/{occurrenceId}/call-now", Provider => control_api::call_now),
    // Reachability checks.
    route!(POST "/api/provider/reachability", Provider => crate::reach_api::ask),
    route!(GET "/api/provider/reachability", Provider => crate::reach_api::results),
];

/// The function's entry point.
pub async fn provider_settings(app: &App, req: Request) -> HttpResult {
    super::router::serve(ROUTES, app, req).await
}

/// `GET /api/provider/outbound-calling`: the provider's settings.
async fn settings(app: &App, _: Request, p: Params) -> HttpResult {
    http::json(
        200,
        serde_json::to_value(app.store.get_settings(&p.provider).await?)?,
    )
}

/// `PATCH /api/provider/outbound-calling`: the fields given, checked, then saved.
async fn save_settings(app: &App, req: Request, p: Params) -> HttpResult {
    let provider = p.provider;
    let body: Value = match serde_json::from_slice(http::body_bytes(&req)) {
        Ok(v) => v,
        Err(e) => return http::json(400, json!({ "errors": { "body": http::not_json(&e) } })),
    };
    match service::change_settings(app, &provider, &body).await? {
        service::SettingsChange::Saved(next) => http::json(200, serde_json::to_value(next)?),
        service::SettingsChange::Refused(errors) => http::json(400, json!({ "errors": errors })),
        service::SettingsChange::Unavailable(why) => http::error(503, &why),
    }
}

/// `GET /api/provider/jobs/{occurrenceId}/calls`: the shift's call log (`service::call_log`),
/// with an `ETag`; the page polls it with `If-None-Match` and gets a bodiless 304 while
/// nothing changed.
async fn call_log(app: &App, req: Request, p: Params) -> HttpResult {
    const NONE: &str = "no such shift";
    let Some(occ) = p.identifier("occurrenceId") else {
        return http::error(404, NONE);
    };
    match service::call_log::call_log(app, &p.provider, occ).await? {
        Some(log) => http::json_with_etag(&req, serde_json::to_value(log)?),
        None => http::error(404, NONE),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_route_table_routes() {
        super::super::router::tests::check_table(super::ROUTES);
    }
}
