//! `inbound`: Twilio's incoming-call webhook (the call-back line, `POST /api/inbound/voice` and
//! its key route `POST /api/inbound/voice/key`, in `callback_line`) and its incoming-message
//! webhook (`POST /api/inbound/sms`, in `texts`). Every one is signed by Twilio
//! (`webhook::verified`; the call-back line through `voice::answer`); what a key or a reply
//! means is `callout_core::inbound`'s, what it does is `service`'s.

mod callback_line;
mod texts;

use super::router::{route, Params, Route};
use super::voice;
use crate::adapters::twilio::urls::path;
use crate::adapters::twilio::webhook;
use crate::app::App;
use crate::http::{self, HttpResult};
use lambda_http::Request;

pub use callback_line::CALLBACK_GATHER_SECS;

pub const ROUTES: &[Route] = &[
    route!(POST path::CALLBACK_LINE, Open => call),
    route!(POST path::CALLBACK_KEY, Open => key),
    route!(POST path::TEXT, Open => text),
];

/// The function's entry point.
pub async fn inbound(app: &App, req: Request) -> HttpResult {
    super::router::serve(ROUTES, app, req).await
}

/// `POST /api/inbound/voice`. Never a 5xx ([`voice::answer`]): a failure on our side is a
/// sorry and a goodbye.
async fn call(app: &App, req: Request, _: Params) -> HttpResult {
    let base = http::request_base(&app.config, &req);
    voice::answer(app, req, "inbound-voice", |tw, _| async move {
        callback_line::incoming_call(app, tw, &base).await
    })
    .await
}

/// `POST /api/inbound/voice/key`. Never a 5xx, as [`call`].
async fn key(app: &App, req: Request, _: Params) -> HttpResult {
    let base = http::request_base(&app.config, &req);
    voice::answer(app, req, "inbound-voice", |tw, _| async move {
        callback_line::key_pressed(app, tw, &base).await
    })
    .await
}

/// `POST /api/inbound/sms`.
async fn text(app: &App, req: Request, _: Params) -> HttpResult {
    webhook::verified(&app.config, req, |tw, _| texts::incoming_text(app, tw)).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_route_table_routes() {
        super::super::router::tests::check_table(super::ROUTES);
    }
}
