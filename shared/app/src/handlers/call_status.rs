//! `call-status`: call progress, answering-machine detection, and (call recording) a
//! recording's status.

use super::router::{route, Params, Route};
use crate::adapters::twilio::urls::path;
use crate::adapters::twilio::webhook::{self, Webhook};
use crate::app::App;
use crate::http::{self, HttpResult};
use crate::service;
use lambda_http::Request;
use tracing::info;

pub const ROUTES: &[Route] = &[
    route!(POST path::STATUS, Open => status),
    route!(POST path::RECORDING, Open => crate::recording_api::callback),
    // Reachability checks' calls.
    route!(POST path::REACH_TWIML, Open => crate::reach_api::twiml_route),
    route!(POST path::REACH_KEY, Open => crate::reach_api::key_route),
    route!(POST path::REACH_STATUS, Open => crate::reach_api::status_route),
];

/// The function's entry point.
pub async fn call_status(app: &App, req: Request) -> HttpResult {
    super::router::serve(ROUTES, app, req).await
}

/// `POST /api/outbound/status`: call progress, and (with `amd=1`) answering-machine detection.
async fn status(app: &App, req: Request, _: Params) -> HttpResult {
    webhook::verified(&app.config, req, |tw, _| status_reported(app, tw)).await
}

async fn status_reported(app: &App, tw: Webhook) -> HttpResult {
    let Some((occ, k)) = tw.attempt_ids() else {
        return http::error(400, "the status URL must carry occurrenceId and attempt");
    };
    let sid = tw.call_sid().to_string();
    if tw.is_machine_detection() {
        let answered_by = tw.answered_by().unwrap_or("unknown");
        service::on_machine_detection(app, &occ, k, &sid, answered_by).await?;
        return http::respond(204, "text/plain", "");
    }
    let Some(webhook::StatusReport {
        status,
        sequence,
        duration,
        ..
    }) = tw.status_report()
    else {
        return http::error(400, "CallStatus is missing or unknown");
    };
    if status.is_terminal() {
        service::on_final_status(app, &occ, k, &sid, status, sequence, duration).await?;
    } else {
        let recorded = app
            .store
            .record_status(&occ, k, &sid, status.as_str(), sequence, duration, false)
            .await?
            .is_some();
        info!(occurrence_id = %occ, attempt = k, call_status = status.as_str(), sequence, recorded, "call_status");
    }
    http::respond(204, "text/plain", "")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_route_table_routes() {
        super::super::router::tests::check_table(super::ROUTES);
    }
}
