//! Twilio's REST API (2010-04-01): place a call, end or redirect a call, send an SMS.

use serde::Deserialize;
use std::time::Duration;

#[derive(Clone)]
pub struct Twilio {
    http: reqwest::Client,
    base: String,
    account_sid: String,
    auth_token: String,
    from: String,
}

/// Why Twilio did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum TwilioError {
    /// Twilio refused the request itself (e.g. 21211 invalid number): retrying will not help.
    #[error("Twilio refused the request: {code} {message}")]
    Refused { code: i64, message: String },
    /// Throttling (429, 20429), a 5xx, or no connection: Twilio did nothing; retry later.
    #[error("Twilio is unavailable: {0}")]
    Unavailable(String),
    /// The request may or may not have reached Twilio (a timeout after sending).
    #[error("no answer from Twilio: {0}")]
    Unknown(String),
}

/// Attempts per request for throttling and 5xx, with exponential backoff and full jitter.
const ATTEMPTS: u32 = 3;
const BACKOFF_BASE_MS: u64 = 200;

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<i64>,
    message: Option<String>,
}

#[derive(Deserialize)]
struct Resource {
    sid: String,
    #[serde(default)]
    status: Option<String>,
}

/// What the dialer asks Twilio for.
#[derive(Debug, Clone)]
pub struct CallRequest {
    pub to: String,
    pub twiml_url: String,
    pub status_url: String,
    pub amd_url: String,
    /// What Twilio asks when `twiml_url` fails (a 5xx, a timeout): a short sorry, then again.
    pub fallback_url: String,
}

impl Twilio {
    pub fn new(
        http: reqwest::Client,
        base: &str,
        account_sid: &str,
        auth_token: &str,
        from: &str,
    ) -> Twilio {
        Twilio {
            http,
            base: base.trim_end_matches('/').to_string(),
            account_sid: account_sid.into(),
            auth_token: auth_token.into(),
            from: from.into(),
        }
    }

    fn url(&self, tail: &str) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/{tail}",
            self.base, self.account_sid
        )
    }

    /// POST with retries: throttling, 5xx and refused connections are retried after a
    /// jittered exponential backoff; a timeout is not (Twilio may have acted on it).
    async fn post(&self, tail: &str, form: &[(&str, &str)]) -> Result<Resource, TwilioError> {
        let mut attempt = 1;
        loop {
            match self.post_once(tail, form).await {
                Err(TwilioError::Unavailable(why)) if attempt < ATTEMPTS => {
                    let cap = BACKOFF_BASE_MS << attempt;
                    let wait = rand::random::<u64>() % cap + 1;
                    tracing::warn!(attempt, wait_ms = wait, reason = %why, "twilio_retry");
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn post_once(&self, tail: &str, form: &[(&str, &str)]) -> Result<Resource, TwilioError> {
        crate::budget::record("twilio");
        let resp = self
            .http
            .post(self.url(tail))
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(form)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(classify)?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(classify)?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|e| TwilioError::Unavailable(format!("unreadable response: {e}")));
        }
        let err: ErrorBody = serde_json::from_slice(&body).unwrap_or(ErrorBody {
            code: None,
            message: None,
        });
        let code = err.code.unwrap_or(status.as_u16() as i64);
        let message = err.message.unwrap_or_else(|| status.to_string());
        if status.as_u16() == 429 || status.is_server_error() || code == 20429 {
            Err(TwilioError::Unavailable(format!("{code} {message}")))
        } else {
            Err(TwilioError::Refused { code, message })
        }
    }

    /// Place an outbound call; returns its CallSid.
    pub async fn create_call(&self, req: &CallRequest) -> Result<String, TwilioError> {
        let ring = callout_core::campaign::RING_TIMEOUT_SECS.to_string();
        let form = [
            ("To", req.to.as_str()),
            ("From", self.from.as_str()),
            ("Url", req.twiml_url.as_str()),
            ("Method", "POST"),
            ("FallbackUrl", req.fallback_url.as_str()),
            ("FallbackMethod", "POST"),
            ("StatusCallback", req.status_url.as_str()),
            ("StatusCallbackMethod", "POST"),
            ("StatusCallbackEvent", "initiated"),
            ("StatusCallbackEvent", "ringing"),
            ("StatusCallbackEvent", "answered"),
            ("StatusCallbackEvent", "completed"),
            ("Timeout", ring.as_str()),
            ("MachineDetection", "Enable"),
            ("AsyncAmd", "true"),
            ("AsyncAmdStatusCallback", req.amd_url.as_str()),
            ("AsyncAmdStatusCallbackMethod", "POST"),
        ];
        Ok(self.post("Calls.json", &form).await?.sid)
    }

    /// End a call whatever state it is in: `canceled` stops a queued or ringing call,
    /// `completed` hangs up one in progress. A call that already ended is not an error.
    pub async fn end_call(&self, sid: &str) -> Result<(), TwilioError> {
        let tail = format!("Calls/{sid}.json");
        let first = self.post(&tail, &[("Status", "canceled")]).await;
        match first {
            Ok(r) if r.status.as_deref() == Some("canceled") => Ok(()),
            Ok(_) | Err(TwilioError::Refused { .. }) => {
                match self.post(&tail, &[("Status", "completed")]).await {
                    Ok(_) | Err(TwilioError::Refused { .. }) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Replace what a live call is doing with `twiml`.
    pub async fn redirect_call(&self, sid: &str, twiml: &str) -> Result<(), TwilioError> {
        self.post(&format!("Calls/{sid}.json"), &[("Twiml", twiml)])
            .await
            .map(|_| ())
    }

    /// A call's current status (for an attempt whose final callback never came).
    pub async fn call_status(&self, sid: &str) -> Result<(String, Option<u32>), TwilioError> {
        crate::budget::record("twilio");
        let resp = self
            .http
            .get(self.url(&format!("Calls/{sid}.json")))
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(classify)?;
        let status = resp.status();
        let body: serde_json::Value = resp.json().await.map_err(classify)?;
        if !status.is_success() {
            return Err(if status.is_server_error() || status.as_u16() == 429 {
                TwilioError::Unavailable(status.to_string())
            } else {
                TwilioError::Refused {
                    code: body["code"].as_i64().unwrap_or(status.as_u16() as i64),
                    message: body["message"].as_str().unwrap_or_default().to_string(),
                }
            });
        }
        let duration = match &body["duration"] {
            serde_json::Value::String(d) => d.parse().ok(),
            serde_json::Value::Number(n) => n.as_u64().map(|d| d as u32),
            _ => None,
        };
        Ok((
            body["status"].as_str().unwrap_or_default().to_string(),
            duration,
        ))
    }

    /// Send an SMS from the product's number; returns the message SID.
    pub async fn send_sms(&self, to: &str, body: &str) -> Result<String, TwilioError> {
        let form = [("To", to), ("From", self.from.as_str()), ("Body", body)];
        Ok(self.post("Messages.json", &form).await?.sid)
    }
}

/// A transport error: before the request left (connect) nothing happened; after, maybe.
fn classify(e: reqwest::Error) -> TwilioError {
    let connect = e.is_connect();
    let text = e.without_url().to_string();
    if connect {
        TwilioError::Unavailable(text)
    } else {
        TwilioError::Unknown(text)
    }
}
