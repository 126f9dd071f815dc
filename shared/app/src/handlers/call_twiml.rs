//! `call-twiml`: the call was answered; the offer.

use super::router::{route, Params, Route};
use super::voice::{self, hang_up_with};
use crate::adapters::twilio::urls::path;
use crate::adapters::twilio::webhook::{self, Webhook};
use crate::app::App;
use crate::http::{self, HttpResult};
use callout_core::campaign::{self, Outcome};
use lambda_http::Request;
use tracing::{info, warn};

pub const ROUTES: &[Route] = &[route!(POST path::TWIML, Open => answered)];

/// The function's entry point.
pub async fn call_twiml(app: &App, req: Request) -> HttpResult {
    super::router::serve(ROUTES, app, req).await
}

/// `POST /api/outbound/twiml`: the call was answered. Never a 5xx ([`voice::answer`]).
async fn answered(app: &App, req: Request, _: Params) -> HttpResult {
    let route = webhook::route_of(&req);
    if let Some(occ) = route.as_ref().and_then(|r| r.occurrence_id()) {
        if app.faults.trip(crate::faults::TWIML_FUNCTION_DOWN, occ) {
            return http::error(502, "Internal Server Error");
        }
    }
    voice::answer(app, req, "call-twiml", |tw, _| answer_call(app, tw)).await
}

async fn answer_call(app: &App, tw: Webhook) -> HttpResult {
    let Some((occ, k)) = tw.attempt_ids() else {
        return hang_up_with(&tw.speech(), tw.speech().words().not_found());
    };
    voice::injected_failure(app, &tw)?;
    let (shift, attempt) = app.store.get_shift_and_attempt(&occ, k).await?;
    let (Some(shift), Some(a)) = (shift, attempt) else {
        warn!(occurrence_id = %occ, attempt = k, "webhook_for_unknown_attempt");
        return hang_up_with(&tw.speech(), tw.speech().words().not_found());
    };
    // The call answered before its CallSid was stored (Twilio's answer to the create request
    // lost, its `initiated` callback not yet in): its first webhook names it, so the call log
    // and the check know the call without asking Twilio. One write, only then.
    if a.call_sid.is_none() && !tw.call_sid().is_empty() {
        app.store.keep_call_sid(&occ, k, tw.call_sid()).await?;
    }
    let answered = campaign::answered(
        shift.status,
        a.outcome,
        shift.assigned_to.as_deref() == Some(a.employee_id.as_str()),
        tw.answered_by(),
    );
    if let Some(outcome) = answered.outcome() {
        app.store.set_outcome(&occ, k, outcome, None).await?;
        if outcome == Outcome::Voicemail {
            info!(occurrence_id = %occ, attempt = k, "voicemail_detected");
        }
    }
    let speech = a.speech();
    let answer = match answered.words(speech.words(), &a.first_name) {
        Some(words) => hang_up_with(&speech, words),
        None => voice::offer(app, &a, tw.has_audio(), false).await,
    };
    // Call recording: a recorded call says so first.
    crate::recording_api::with_notice(tw.is_recorded(), &speech, answer)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_route_table_routes() {
        super::super::router::tests::check_table(super::ROUTES);
    }
}
