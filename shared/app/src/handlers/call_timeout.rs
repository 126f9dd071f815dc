//! `call-timeout`: the offer played and no key was pressed; and the call's `FallbackUrl`.

use super::router::{route, Params, Route};
use super::voice::{self, hang_up_with, Retry};
use crate::adapters::twilio::urls::path;
use crate::adapters::twilio::webhook::Webhook;
use crate::app::App;
use crate::http::HttpResult;
use callout_core::campaign::Outcome;
use lambda_http::Request;
use tracing::{error, info};

pub const ROUTES: &[Route] = &[route!(POST path::TIMEOUT, Open => timed_out)];

/// The function's entry point.
pub async fn call_timeout(app: &App, req: Request) -> HttpResult {
    super::router::serve(ROUTES, app, req).await
}

/// `POST /api/outbound/timeout`: no key was pressed; with `fallback=1`, the call's
/// `FallbackUrl` ([`fallback`]). Never a 5xx ([`voice::answer`]).
async fn timed_out(app: &App, req: Request, _: Params) -> HttpResult {
    voice::answer(app, req, "call-timeout", |tw, retry| async move {
        if tw.is_fallback() {
            fallback(tw, retry)
        } else {
            no_key_pressed(app, tw).await
        }
    })
    .await
}

/// The call's `FallbackUrl` (`fallback=1`): Twilio could not get the offer (call-twiml failed
/// or timed out). No table access: a short sorry, then the offer again.
fn fallback(tw: Webhook, retry: Retry) -> HttpResult {
    let (occ, k) = tw.attempt_ids().unwrap_or_default();
    error!(occurrence_id = %occ, attempt = k, error_code = tw.error_code(), retrying = retry.next.is_some(), alarm = true, "voice_fallback_used");
    retry.sorry()
}

async fn no_key_pressed(app: &App, tw: Webhook) -> HttpResult {
    let speech = tw.speech();
    let Some((occ, k)) = tw.attempt_ids() else {
        return hang_up_with(&speech, speech.words().not_found());
    };
    voice::injected_failure(app, &tw)?;
    info!(occurrence_id = %occ, attempt = k, "no_answer_start");
    // A retry finds its own NoAnswer and says the same; an offer closed meanwhile says so.
    let already = app
        .store
        .set_outcome_or_existing(&occ, k, Outcome::NoAnswer)
        .await?
        .flatten();
    hang_up_with(&speech, speech.words().timeout(already))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_route_table_routes() {
        super::super::router::tests::check_table(super::ROUTES);
    }
}
