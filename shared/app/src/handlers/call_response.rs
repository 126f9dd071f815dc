//! `call-response`: a key pressed during the offer.

use super::router::{route, Params, Route};
use super::voice::{self, hang_up_with};
use crate::adapters::twilio::urls::path;
use crate::adapters::twilio::webhook::Webhook;
use crate::app::App;
use crate::http::HttpResult;
use crate::service::{self, Acceptance};
use callout_core::campaign::{self, KeyPress};
use lambda_http::Request;
use tracing::info;

pub const ROUTES: &[Route] = &[route!(POST path::RESPONSE, Open => pressed)];

/// The function's entry point.
pub async fn call_response(app: &App, req: Request) -> HttpResult {
    super::router::serve(ROUTES, app, req).await
}

/// `POST /api/outbound/response`: a key was pressed. The URL names the attempt and the
/// person, so 1 and 2 need no read. Never a 5xx ([`voice::answer`]): on an error the carer
/// hears a short sorry and the offer again (which tells them the shift is theirs if the
/// acceptance was recorded).
async fn pressed(app: &App, req: Request, _: Params) -> HttpResult {
    voice::answer(app, req, "call-response", |tw, _| key_pressed(app, tw)).await
}

async fn key_pressed(app: &App, tw: Webhook) -> HttpResult {
    // The URL says the call's language: 1 and 2 are answered without reading the attempt.
    let speech = tw.speech();
    let words = speech.words();
    let Some((occ, k)) = tw.attempt_ids() else {
        return hang_up_with(&speech, words.not_found());
    };
    voice::injected_failure(app, &tw)?;
    let digits = tw.digits().to_string();
    let repeated = tw.is_repeat();
    let press = campaign::key_press(&digits, repeated);
    match press {
        KeyPress::Accept => {
            let Some(employee_id) = tw.employee_id() else {
                return hang_up_with(&speech, words.not_found());
            };
            match service::accept_call(app, &occ, employee_id, k).await? {
                Acceptance::Accepted => hang_up_with(&speech, words.accepted()),
                Acceptance::Taken { .. } => hang_up_with(&speech, words.taken()),
                Acceptance::OfferClosed => hang_up_with(&speech, words.offer_closed()),
                Acceptance::Cancelled => {
                    hang_up_with(&speech, words.shift_cancelled(&words.hi(None)))
                }
                Acceptance::UnknownShift | Acceptance::NotInPool => {
                    hang_up_with(&speech, words.not_found())
                }
            }
        }
        KeyPress::Decline => {
            service::decline(app, &occ, k).await?;
            hang_up_with(&speech, press.words(words).unwrap_or_default())
        }
        KeyPress::Repeat => {
            info!(occurrence_id = %occ, attempt = k, "unknown_key_repeat");
            match app.store.get_attempt(&occ, k).await? {
                Some(a) => voice::offer(app, &a, tw.has_audio(), true).await,
                None => hang_up_with(&speech, words.not_found()),
            }
        }
        KeyPress::GiveUp => {
            info!(occurrence_id = %occ, attempt = k, "no_answer_start");
            if let Some(outcome) = press.outcome() {
                app.store
                    .set_outcome(&occ, k, outcome, Some(&digits))
                    .await?;
            }
            hang_up_with(&speech, press.words(words).unwrap_or_default())
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
