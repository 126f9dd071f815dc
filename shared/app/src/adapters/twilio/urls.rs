//! The webhook URLs given to Twilio. They carry the ids each handler needs in the query
//! string, so handlers are stateless.

use crate::config::Config;
use crate::records::call_id;

/// `PUBLIC_BASE_URL` without a trailing slash (the route paths bring their own).
fn base(config: &Config) -> &str {
    config.public_base_url.trim_end_matches('/')
}

fn with_ids(config: &Config, path: &str, occ: &str, k: u32, extra: &str) -> String {
    format!(
        "{}{path}?occurrenceId={}&attempt={k}{extra}",
        base(config),
        urlencoding::encode(occ)
    )
}

pub fn twiml(c: &Config, occ: &str, k: u32, has_audio: bool) -> String {
    with_ids(
        c,
        "/api/outbound/twiml",
        occ,
        k,
        if has_audio { "&audio=1" } else { "" },
    )
}
pub fn response(
    c: &Config,
    occ: &str,
    k: u32,
    employee_id: &str,
    has_audio: bool,
    repeated: bool,
) -> String {
    let mut extra = format!("&employeeId={}", urlencoding::encode(employee_id));
    if has_audio {
        extra.push_str("&audio=1");
    }
    if repeated {
        extra.push_str("&repeat=1");
    }
    with_ids(c, "/api/outbound/response", occ, k, &extra)
}
pub fn timeout(c: &Config, occ: &str, k: u32) -> String {
    with_ids(c, "/api/outbound/timeout", occ, k, "")
}
/// The call's `FallbackUrl`: served by the call-timeout function (not the one that failed),
/// which touches no table on this path: a short sorry, then the offer again (`retry=1`).
pub fn fallback(c: &Config, occ: &str, k: u32, has_audio: bool) -> String {
    with_ids(
        c,
        "/api/outbound/timeout",
        occ,
        k,
        if has_audio {
            "&fallback=1&audio=1"
        } else {
            "&fallback=1"
        },
    )
}
/// Call recording: where Twilio posts a recording's status.
pub fn recording(c: &Config, occ: &str, k: u32) -> String {
    with_ids(c, "/api/outbound/recording", occ, k, "")
}
/// Call recording: the answered call's URL says the call is recorded (the notice first).
pub fn recorded(url: &str) -> String {
    format!("{url}&rec=1")
}
pub fn status(c: &Config, occ: &str, k: u32) -> String {
    with_ids(c, "/api/outbound/status", occ, k, "")
}
pub fn amd(c: &Config, occ: &str, k: u32) -> String {
    with_ids(c, "/api/outbound/status", occ, k, "&amd=1")
}
pub fn audio(c: &Config, occ: &str, k: u32) -> String {
    format!(
        "{}/api/outbound/audio/{}",
        base(c),
        urlencoding::encode(&call_id(occ, k))
    )
}
