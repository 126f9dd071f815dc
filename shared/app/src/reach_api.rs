//! Reachability checks' edges (issue 25.4; the steps are `service::reachability`):
//!
//! | route | function | auth | what |
//! |---|---|---|---|
//! | `POST /api/provider/reachability` | provider-settings | JWT | a check of one person (`{"employeeId": "…"}`) or of the whole pool (`{}`): 202 with who was queued and who was checked today already; 429 when everyone asked for was checked today; 404 for a person in none of the provider's pools |
//! | `GET /api/provider/reachability` | provider-settings | JWT | every person's latest check: its day, state, result and when (numbers masked) |
//! | `POST /api/reach/twiml` | call-status | Twilio's signature | the answered check call: its words and the key to press |
//! | `POST /api/reach/key` | call-status | Twilio's signature | a key pressed: 1 is heard |
//! | `POST /api/reach/status` | call-status | Twilio's signature | the call's progress and machine detection: a final status ends the check |

use crate::adapters::twilio::webhook;
use crate::app::App;
use crate::handlers::router::Params;
use crate::handlers::voice;
use crate::http::{self, HttpResult};
use crate::service::reachability::{self, ReachAsk};
use callout_core::twiml::{self, Verb};
use lambda_http::Request;
use serde_json::{json, Value};

/// `POST /api/provider/reachability`.
pub async fn ask(app: &App, req: Request, p: Params) -> HttpResult {
    let body: Value = if http::body_bytes(&req).is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(http::body_bytes(&req)) {
            Ok(v) => v,
            Err(e) => return http::json(400, json!({ "errors": { "body": http::not_json(&e) } })),
        }
    };
    let employee = match body.get("employeeId") {
        None | Some(Value::Null) => None,
        Some(Value::String(e)) if callout_core::validate::is_identifier(e) => Some(e.as_str()),
        Some(_) => {
            return http::json(
                400,
                json!({ "errors": { "employeeId": "must be an employee id, or left out for the whole pool" } }),
            )
        }
    };
    match reachability::ask_for_checks(app, &p.provider, employee).await? {
        ReachAsk::Queued {
            queued,
            checked_today,
        } => http::json(
            202,
            json!({ "queued": queued, "checkedToday": checked_today }),
        ),
        ReachAsk::CheckedToday(who) => http::json(
            429,
            json!({
                "error": "already checked today: one check per person per day; try again tomorrow",
                "checkedToday": who,
            }),
        ),
        ReachAsk::Unknown => http::error(
            404,
            match employee {
                Some(_) => "no such person in your recent shifts' pools",
                None => "nobody to check: your recent shifts have no pool",
            },
        ),
    }
}

/// `GET /api/provider/reachability`.
pub async fn results(app: &App, _: Request, p: Params) -> HttpResult {
    let checks = reachability::checks(app, &p.provider).await?;
    http::json(200, json!({ "checks": checks }))
}

/// `POST /api/reach/twiml`: the answered check call. Never a 5xx ([`voice::answer`]).
pub async fn twiml_route(app: &App, req: Request, _: Params) -> HttpResult {
    voice::answer(app, req, "reach-twiml", |tw, _| async move {
        let speech = tw.speech();
        match tw.reach_check() {
            Some(r) => http::twiml(reachability::check_twiml(app, r, &speech).await?),
            None => http::twiml(twiml::render(&[Verb::Hangup])),
        }
    })
    .await
}

/// `POST /api/reach/key`: a key on the check call. Never a 5xx ([`voice::answer`]).
pub async fn key_route(app: &App, req: Request, _: Params) -> HttpResult {
    voice::answer(app, req, "reach-key", |tw, _| async move {
        let speech = tw.speech();
        match tw.reach_check() {
            Some(r) => http::twiml(reachability::check_key(app, r, tw.digits(), &speech).await?),
            None => http::twiml(twiml::render(&[Verb::Hangup])),
        }
    })
    .await
}

/// `POST /api/reach/status`: the check call's progress and machine detection.
pub async fn status_route(app: &App, req: Request, _: Params) -> HttpResult {
    webhook::verified(&app.config, req, |tw, _| async move {
        let Some(r) = tw.reach_check() else {
            return http::error(400, "the status URL must carry providerId and employeeId");
        };
        reachability::check_status(app, r, tw.call_status_text(), tw.answered_by()).await?;
        http::respond(204, "text/plain", "")
    })
    .await
}
