//! `call-audio`: the attempt's spoken offer as a µ-law WAV (a split offer's greeting and body
//! joined).

use super::router::{route, Params, Route};
use crate::adapters::twilio::urls::{path, CallRef};
use crate::adapters::twilio::webhook::{self, Webhook};
use crate::app::App;
use crate::http::{self, HttpResult};
use callout_core::wav;
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
    // A split offer's clips joined: µ-law at 8 kHz has no frames, so the bytes join exactly.
    let mut files = Vec::new();
    for clip in app.offer_clips(&a) {
        match app.audio().get(&clip.key).await? {
            Some(wav) => files.push(wav),
            None => return http::error(404, "no audio for this call"),
        }
    }
    let wav = match files.len() {
        1 => files.remove(0),
        _ => {
            let mut ulaw = Vec::new();
            for f in &files {
                ulaw.extend(wav::parse_ulaw(f).map_err(anyhow::Error::msg)?.data);
            }
            wav::wrap_ulaw(&ulaw)
        }
    };
    Ok(Response::builder()
        .status(200)
        .header("content-type", "audio/wav")
        .header("cache-control", "private, max-age=3600")
        .header(http::NOSNIFF.0, http::NOSNIFF.1)
        .body(lambda_http::Body::Binary(wav))?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_route_table_routes() {
        super::super::router::tests::check_table(super::ROUTES);
    }
}
