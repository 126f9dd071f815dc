//! Twilio's wire formats shared by the REST side and the calls: form parameters, dates, sids.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use rand::RngCore;

/// A form or query: name/value pairs in order, names repeatable.
pub(crate) type Params = Vec<(String, String)>;

/// The first non-empty value of `key`.
pub(crate) fn form_get<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// A date as Twilio writes it (`Mon, 30 Nov 2026 02:04:11 +0000`).
pub(crate) fn rfc2822(t: SystemTime) -> String {
    DateTime::<Utc>::from(t).to_rfc2822()
}

/// A new sid: `prefix` and 32 hex digits.
pub(crate) fn new_sid(prefix: &str) -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    format!("{prefix}{}", hex::encode(b))
}
