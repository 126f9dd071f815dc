//! Results: the provider's prices for the cost figures (SPEC §4.10 `costRates`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Twilio's list price for an outbound call to a US number, per minute (USD).
pub const TWILIO_US_CALL_PER_MINUTE: f64 = 0.014;
/// ElevenLabs' API list price for 1,000 characters of Multilingual v2 speech (USD).
pub const ELEVENLABS_PER_1K_CHARS: f64 = 0.10;
/// The largest rate accepted (a typo guard, far above any real price).
pub const MAX_RATE: f64 = 1000.0;
/// The smallest rate above zero accepted: a millionth of the currency (anything smaller is no
/// price, and a number as small as 1e-131 is beyond what the table can store).
pub const MIN_RATE: f64 = 0.000_001;

/// The provider's prices for the results' cost figures: per started minute of a call and per
/// 1,000 characters sent to the speech service, in `currency` (ISO 4217, three letters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CostRates {
    pub call_per_minute: f64,
    pub speech_per1k_chars: f64,
    pub currency: String,
}

// Rates are checked to be finite numbers, so equality is total.
impl Eq for CostRates {}

impl Default for CostRates {
    fn default() -> Self {
        CostRates {
            call_per_minute: TWILIO_US_CALL_PER_MINUTE,
            speech_per1k_chars: ELEVENLABS_PER_1K_CHARS,
            currency: "USD".into(),
        }
    }
}

fn rate(v: Option<&Value>, name: &str) -> Result<f64, String> {
    v.and_then(Value::as_f64)
        .filter(|r| r.is_finite() && (*r == 0.0 || (MIN_RATE..=MAX_RATE).contains(r)))
        // -0 is 0.
        .map(|r| if r == 0.0 { 0.0 } else { r })
        .ok_or_else(|| format!("{name} must be 0 or a number from {MIN_RATE} to {MAX_RATE}"))
}

impl CostRates {
    /// The message of a `costRates` that is not an object of the three fields.
    pub const SHAPE: &'static str =
        "must be {\"callPerMinute\": n, \"speechPer1kChars\": n, \"currency\": \"USD\"}";

    /// Check a `costRates` value: an object with exactly `callPerMinute`, `speechPer1kChars`
    /// (non-negative numbers) and `currency` (three capital letters, e.g. USD).
    pub fn from_json(v: &Value) -> Result<CostRates, String> {
        let Some(obj) = v.as_object() else {
            return Err(Self::SHAPE.into());
        };
        if obj.keys().any(|k| {
            !matches!(
                k.as_str(),
                "callPerMinute" | "speechPer1kChars" | "currency"
            )
        }) {
            return Err(Self::SHAPE.into());
        }
        let call_per_minute = rate(obj.get("callPerMinute"), "callPerMinute")?;
        let speech_per1k_chars = rate(obj.get("speechPer1kChars"), "speechPer1kChars")?;
        let currency = obj
            .get("currency")
            .and_then(Value::as_str)
            .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
            .ok_or("currency must be a three-letter code such as USD")?;
        Ok(CostRates {
            call_per_minute,
            speech_per1k_chars,
            currency: currency.to_string(),
        })
    }
}
