//! One module per function. Each translates its trigger (an HTTP request, an event, a queue
//! batch) into the campaign's steps and back; the rules themselves are in `callout_core` and
//! `service`. An HTTP function has one route table (method, path → handler) walked by
//! [`router`]; the paths of Twilio's webhooks come from `adapters::twilio::urls`, and every
//! voice webhook answers through [`voice::answer`] (never a 5xx on a call).
//!
//! | module | function | trigger |
//! |---|---|---|
//! | `start_calling` | start-calling | EventBridge `Wave3Completed`; the daily recording-retention run |
//! | `dialer` | dialer | the dial queue (SQS) |
//! | `call_twiml` | call-twiml | Twilio: the call was answered |
//! | `call_response` | call-response | Twilio: a key pressed |
//! | `call_timeout` | call-timeout | Twilio: no key pressed; the call's `FallbackUrl` |
//! | `call_status` | call-status | Twilio: call progress, machine detection, a recording's status |
//! | `call_audio` | call-audio | Twilio: the offer's audio |
//! | `job_acceptance` | job-acceptance | another channel accepts (IAM) |
//! | `provider_settings` | provider-settings | the coordinators' API and page (JWT) |
//! | `inbound` | inbound | Twilio: the call-back line and text replies |

pub mod call_audio;
pub mod call_response;
pub mod call_status;
pub mod call_timeout;
pub mod call_twiml;
pub mod dialer;
pub mod inbound;
pub mod job_acceptance;
pub mod provider_settings;
pub mod router;
pub mod start_calling;
pub mod voice;

pub use call_audio::call_audio;
pub use call_response::call_response;
pub use call_status::call_status;
pub use call_timeout::call_timeout;
pub use call_twiml::call_twiml;
pub use dialer::dialer;
pub use inbound::inbound;
pub use job_acceptance::job_acceptance;
pub use provider_settings::provider_settings;
pub use start_calling::start_calling;
pub use voice::VOICE_RETRIES;

use router::Route;

/// How a function is triggered.
#[derive(Clone, Copy)]
pub enum Trigger {
    /// An event or a queue batch: no HTTP route.
    Events,
    /// The HTTP API, by this route table.
    Http(&'static [Route]),
}

/// Every function by its binary's name, and how it is triggered: the HTTP API's routes are
/// exactly the tables here (template.yaml's routes are checked against them).
pub const FUNCTIONS: [(&str, Trigger); 10] = [
    ("start-calling", Trigger::Events),
    ("dialer", Trigger::Events),
    ("call-twiml", Trigger::Http(call_twiml::ROUTES)),
    ("call-response", Trigger::Http(call_response::ROUTES)),
    ("call-status", Trigger::Http(call_status::ROUTES)),
    ("call-timeout", Trigger::Http(call_timeout::ROUTES)),
    ("call-audio", Trigger::Http(call_audio::ROUTES)),
    ("job-acceptance", Trigger::Http(job_acceptance::ROUTES)),
    (
        "provider-settings",
        Trigger::Http(provider_settings::ROUTES),
    ),
    ("inbound", Trigger::Http(inbound::ROUTES)),
];

/// The route table of HTTP function `binary`; `None` for an event-driven function or an
/// unknown name.
pub fn routes_of(binary: &str) -> Option<&'static [Route]> {
    FUNCTIONS.iter().find_map(|(b, t)| match t {
        Trigger::Http(routes) if *b == binary => Some(*routes),
        _ => None,
    })
}

/// Every route of every table: `(binary, "METHOD /path")`.
pub fn all_routes() -> Vec<(&'static str, String)> {
    FUNCTIONS
        .iter()
        .filter_map(|(b, t)| match t {
            Trigger::Http(routes) => Some(routes.iter().map(move |r| (*b, r.key()))),
            Trigger::Events => None,
        })
        .flatten()
        .collect()
}

#[cfg(test)]
pub(crate) mod tests;
