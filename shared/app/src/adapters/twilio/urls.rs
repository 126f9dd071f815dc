//! The webhook URLs given to Twilio. They carry the ids each handler needs in the query
//! string, so handlers are stateless: the attempt, and the language the call speaks (`lang`,
//! a BCP-47 tag; left out for plain English), so every answer, even one given without reading
//! the attempt, is in the person's language.

use crate::config::Config;
use crate::records::call_id;
use callout_core::lang::Speech;

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

/// `&lang=…` for a call that does not speak plain English.
fn lang(speech: &Speech) -> String {
    if speech.is_plain_english() {
        String::new()
    } else {
        format!("&lang={}", urlencoding::encode(&speech.tag))
    }
}

pub fn twiml(c: &Config, occ: &str, k: u32, has_audio: bool, speech: &Speech) -> String {
    let audio = if has_audio { "&audio=1" } else { "" };
    with_ids(
        c,
        "/api/outbound/twiml",
        occ,
        k,
        &format!("{audio}{}", lang(speech)),
    )
}
pub fn response(
    c: &Config,
    occ: &str,
    k: u32,
    employee_id: &str,
    has_audio: bool,
    repeated: bool,
    speech: &Speech,
) -> String {
    let mut extra = format!("&employeeId={}", urlencoding::encode(employee_id));
    if has_audio {
        extra.push_str("&audio=1");
    }
    if repeated {
        extra.push_str("&repeat=1");
    }
    extra.push_str(&lang(speech));
    with_ids(c, "/api/outbound/response", occ, k, &extra)
}
pub fn timeout(c: &Config, occ: &str, k: u32, speech: &Speech) -> String {
    with_ids(c, "/api/outbound/timeout", occ, k, &lang(speech))
}
/// The call's `FallbackUrl`: served by the call-timeout function (not the one that failed),
/// which touches no table on this path: a short sorry, then the offer again (`retry=1`).
pub fn fallback(c: &Config, occ: &str, k: u32, has_audio: bool, speech: &Speech) -> String {
    let audio = if has_audio { "&audio=1" } else { "" };
    with_ids(
        c,
        "/api/outbound/timeout",
        occ,
        k,
        &format!("&fallback=1{audio}{}", lang(speech)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_that_is_not_plain_english_carries_its_language() {
        let c = Config {
            public_base_url: "https://x".into(),
            ..Config::default()
        };
        let en = Speech::english();
        assert_eq!(
            twiml(&c, "o", 1, true, &en),
            "https://x/api/outbound/twiml?occurrenceId=o&attempt=1&audio=1"
        );
        let es = Speech::of("es-MX");
        assert_eq!(
            twiml(&c, "o", 1, false, &es),
            "https://x/api/outbound/twiml?occurrenceId=o&attempt=1&lang=es-MX"
        );
        assert!(
            response(&c, "o", 1, "e", true, true, &es).ends_with("&audio=1&repeat=1&lang=es-MX")
        );
        assert!(timeout(&c, "o", 1, &es).ends_with("&lang=es-MX"));
        assert!(fallback(&c, "o", 1, true, &es).ends_with("&fallback=1&audio=1&lang=es-MX"));
        assert!(!timeout(&c, "o", 1, &en).contains("lang"));
    }
}
