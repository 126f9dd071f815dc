//! `call-audio`: the attempt's spoken offer as a µ-law WAV.

use super::router::{route, Params, Route};
use crate::adapters::twilio::urls::{path, CallRef};
use crate::adapters::twilio::webhook::{self, Webhook};
use crate::app::App;
use crate::http::{self, HttpResult};
use lambda_http::{Request, Response};

pub const ROUTES: &[Route] = &[route!(GET path::AUDIO, Open => audio)];

/// The function's entry point.
pub async fn call_audio(app: &App, req: Request) -> HttpResult {
    super::router::serve(ROUTES, app, req).await
}

/// `GET /api/outbound/audio/{callId}`, signed by Twilio.
async fn audio(app: &App, req: Request, _: Params) -> HttpResult {
    webhook::verified(&app.config, req, |tw, _| audio_for(app, tw)).await
}

async fn audio_for(app: &App, tw: Webhook) -> HttpResult {
    let Some(CallRef {
        occurrence_id: occ,
        attempt: k,
    }) = tw.route().and_then(|r| r.call()).cloned()
    else {
        return http::error(404, "unknown call");
    };
    let Some(a) = app.store.get_attempt(&occ, k).await? else {
        return http::error(404, "unknown call");
    };
    let key = app.attempt_audio_key(&a);
    match app.audio().get(&key).await? {
        Some(wav) => Ok(Response::builder()
            .status(200)
            .header("content-type", "audio/wav")
            .header("cache-control", "private, max-age=3600")
            .header(http::NOSNIFF.0, http::NOSNIFF.1)
            .body(lambda_http::Body::Binary(wav))?),
        None => http::error(404, "no audio for this call"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_route_table_routes() {
        super::super::router::tests::check_table(super::ROUTES);
    }
}
