//! Twilio's webhooks, the one place that reads them: the signature check every webhook passes
//! first, and the typed values Twilio posts (a call's status, a key pressed, answering-machine
//! detection, the fallback's error) or that our own URLs carry (`urls`). No handler reads a
//! Twilio parameter by name.

use crate::config::Config;
use crate::http::{self, HttpResult};
use callout_core::campaign::CallStatus;
use lambda_http::Request;
use std::collections::HashMap;

/// A status callback: the call's status as Twilio reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub call_sid: String,
    pub status: CallStatus,
    /// Twilio's `SequenceNumber` (0 when absent): callbacks may arrive out of order.
    pub sequence: i64,
    /// Seconds, on a final status.
    pub duration: Option<u32>,
}

/// Call recording: a recording status callback (`RecordingStatus`: `in-progress`,
/// `completed`, `absent`, `failed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingReport {
    pub recording_sid: String,
    pub call_sid: String,
    pub status: String,
}

/// A webhook request whose Twilio signature checked out.
pub struct Webhook {
    pub params: Vec<(String, String)>,
    pub query: HashMap<String, String>,
}

impl Webhook {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn query(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// The call's SID (every voice webhook carries it).
    pub fn call_sid(&self) -> &str {
        self.param("CallSid").unwrap_or_default()
    }

    /// The keys pressed in a `<Gather>` (empty: none).
    pub fn digits(&self) -> &str {
        self.param("Digits").unwrap_or_default()
    }

    /// Answering-machine detection's verdict (`human`, `machine_end_beep`, `fax`, `unknown`…).
    pub fn answered_by(&self) -> Option<&str> {
        self.param("AnsweredBy")
    }

    /// A status callback's report; `None` when the status is missing or unknown.
    pub fn status_report(&self) -> Option<StatusReport> {
        Some(StatusReport {
            call_sid: self.call_sid().to_string(),
            status: self.param("CallStatus").and_then(CallStatus::parse)?,
            sequence: self
                .param("SequenceNumber")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
            duration: self.param("CallDuration").and_then(|d| d.parse().ok()),
        })
    }

    /// On the call's `FallbackUrl`: the URL that failed (`ErrorUrl`) and Twilio's error code.
    pub fn failed_url(&self) -> Option<&str> {
        self.param("ErrorUrl")
    }

    pub fn error_code(&self) -> &str {
        self.param("ErrorCode").unwrap_or_default()
    }

    /// Our own URLs' flags (`urls`): the offer has audio, it is played again, this is the
    /// answering-machine callback, this is the fallback.
    pub fn has_audio(&self) -> bool {
        self.query("audio") == Some("1")
    }

    pub fn is_repeat(&self) -> bool {
        self.query("repeat") == Some("1")
    }

    pub fn is_machine_detection(&self) -> bool {
        self.query("amd") == Some("1")
    }

    /// Call recording: the call is recorded (say the notice first).
    pub fn is_recorded(&self) -> bool {
        self.query("rec") == Some("1")
    }

    /// Call recording: a recording status callback's report; `None` without a valid
    /// `RecordingSid` or a `RecordingStatus`.
    pub fn recording_report(&self) -> Option<RecordingReport> {
        let sid = self
            .param("RecordingSid")
            .filter(|s| callout_core::recording::is_recording_sid(s))?;
        Some(RecordingReport {
            recording_sid: sid.to_string(),
            call_sid: self.call_sid().to_string(),
            status: self.param("RecordingStatus")?.to_string(),
        })
    }

    pub fn is_fallback(&self) -> bool {
        self.query("fallback") == Some("1")
    }

    /// How the call speaks (our URLs' `lang`; plain English without it, or when it is not a
    /// tag of a language calls speak).
    pub fn speech(&self) -> callout_core::lang::Speech {
        callout_core::lang::Speech::of(self.query("lang").unwrap_or("en"))
    }

    /// The person the call was for (our response URL names them), when an identifier.
    pub fn employee_id(&self) -> Option<&str> {
        self.query("employeeId")
            .filter(|e| callout_core::validate::is_identifier(e))
    }

    // Inbound channels: an incoming call or text.

    /// The caller's or sender's number (`From`), when it is an E.164 number (a withheld
    /// number comes as `anonymous` or a short code: nobody to recognise).
    pub fn from_number(&self) -> Option<&str> {
        self.param("From")
            .filter(|f| callout_core::model::is_e164(f))
    }

    /// An incoming text's words (`Body`).
    pub fn message_body(&self) -> &str {
        self.param("Body").unwrap_or_default()
    }

    /// An incoming text's SID (`MessageSid`), when it has one: the text is acted on once.
    pub fn message_sid(&self) -> Option<&str> {
        self.param("MessageSid").filter(|s| !s.is_empty())
    }

    /// Our call-back URL's flag: the key pressed says who of the people sharing the number is
    /// calling.
    pub fn picking_person(&self) -> bool {
        self.query("pick") == Some("1")
    }

    /// The shift our call-back URLs name (`occurrenceId`), when an identifier.
    pub fn occurrence_id(&self) -> Option<&str> {
        self.query("occurrenceId")
            .filter(|o| callout_core::validate::is_identifier(o))
    }

    /// The position of the offer our call-back URLs name (`n`, 0 when absent).
    pub fn offer_position(&self) -> usize {
        self.query("n").and_then(|n| n.parse().ok()).unwrap_or(0)
    }

    /// Our call-back URL's flag: the caller just passed on a shift.
    pub fn after_pass(&self) -> bool {
        self.query("passed") == Some("1")
    }

    /// The attempt a webhook URL names (`occurrenceId`, an identifier, and `attempt`).
    pub fn attempt_ids(&self) -> Option<(String, u32)> {
        let occ = self
            .query("occurrenceId")
            .filter(|o| callout_core::validate::is_identifier(o))?;
        Some((occ.to_string(), self.query("attempt")?.parse().ok()?))
    }
}

/// Every webhook handler runs through this: Twilio's signature is checked first (a 403, or a
/// 400 for a body that is not a form, and nothing else happens), then `handle` gets the
/// request's typed values and the request.
pub async fn verified<F, Fut>(config: &Config, req: Request, handle: F) -> HttpResult
where
    F: FnOnce(Webhook, Request) -> Fut,
    Fut: std::future::Future<Output = HttpResult>,
{
    match verify_twilio(config, &req) {
        Ok(tw) => handle(tw, req).await,
        Err(refused) => *refused,
    }
}

/// The response a refused webhook request gets (boxed: a response is large next to its `Ok`).
pub type Refused = Box<HttpResult>;

/// Check `X-Twilio-Signature` before anything else; `Err` is the response to return: 403 for a
/// signature that does not check out, 400 for a POST whose body is not a form (Twilio posts
/// `application/x-www-form-urlencoded`; another body would be checked as no parameters at all).
pub fn verify_twilio(config: &Config, req: &Request) -> Result<Webhook, Refused> {
    let content_type = req
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("?").to_ascii_lowercase());
    let is_form = content_type
        .as_deref()
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if req.method() == "POST"
        && !is_form
        && (content_type.is_some() || !http::body_bytes(req).is_empty())
    {
        return Err(Box::new(http::error(
            400,
            "Twilio webhooks take an application/x-www-form-urlencoded body",
        )));
    }
    let params: Vec<(String, String)> = if is_form {
        form_urlencoded::parse(http::body_bytes(req))
            .into_owned()
            .collect()
    } else {
        Vec::new()
    };
    let signature = req
        .headers()
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    let url = http::public_url(config, req);
    if !callout_core::signature::is_valid_any_port(
        &config.twilio_auth_tokens,
        &url,
        &params,
        signature,
    ) {
        tracing::warn!(path = %req.uri().path(), has_signature = signature.is_some(), "twilio_signature_rejected");
        return Err(Box::new(http::error(403, "invalid Twilio signature")));
    }
    let query = req
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    Ok(Webhook { params, query })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signed form POST to `path?query`, through lambda_http's own conversion.
    fn signed(query: &str, form: &[(&str, &str)]) -> Webhook {
        let url = format!("https://api.example.com/api/outbound/status?{query}");
        let params: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let signature = callout_core::signature::sign("token", &url, &params);
        let event = serde_json::json!({
            "version": "2.0", "routeKey": "POST /api/outbound/status",
            "rawPath": "/api/outbound/status", "rawQueryString": query,
            "headers": {"host": "api.example.com", "x-forwarded-proto": "https",
                        "content-type": "application/x-www-form-urlencoded",
                        "x-twilio-signature": signature},
            "requestContext": {"accountId": "1", "apiId": "a", "domainName": "api.example.com",
                "requestId": "r", "routeKey": "POST /api/outbound/status", "stage": "$default",
                "time": "t", "timeEpoch": 0,
                "http": {"method": "POST", "path": "/api/outbound/status", "protocol": "HTTP/1.1",
                         "sourceIp": "1.2.3.4", "userAgent": "TwilioProxy/1.1"}},
            "body": body, "isBase64Encoded": false
        });
        let req = lambda_http::request::from_str(&event.to_string()).unwrap();
        let config = Config {
            public_base_url: "https://api.example.com".into(),
            twilio_auth_tokens: vec!["token".into()],
            ..Config::default()
        };
        verify_twilio(&config, &req).expect("a genuine signature")
    }

    #[test]
    fn twilios_parameters_become_typed_values() {
        let tw = signed(
            "occurrenceId=occ_1&attempt=2&audio=1&employeeId=emp_1",
            &[
                ("CallSid", "CA9"),
                ("CallStatus", "completed"),
                ("SequenceNumber", "3"),
                ("CallDuration", "41"),
                ("Digits", "1"),
                ("AnsweredBy", "machine_end_beep"),
            ],
        );
        assert_eq!(
            tw.status_report(),
            Some(StatusReport {
                call_sid: "CA9".into(),
                status: CallStatus::Completed,
                sequence: 3,
                duration: Some(41),
            })
        );
        assert_eq!(
            (tw.digits(), tw.answered_by()),
            ("1", Some("machine_end_beep"))
        );
        assert_eq!(tw.attempt_ids(), Some(("occ_1".into(), 2)));
        assert_eq!(tw.employee_id(), Some("emp_1"));
        assert!(
            tw.has_audio() && !tw.is_repeat() && !tw.is_machine_detection() && !tw.is_fallback()
        );
    }

    #[test]
    fn missing_or_unknown_values_are_none_or_empty() {
        let tw = signed(
            "occurrenceId=occ/1&attempt=x&employeeId=a%20b",
            &[("CallStatus", "nope")],
        );
        assert_eq!(tw.status_report(), None);
        assert_eq!((tw.digits(), tw.call_sid(), tw.error_code()), ("", "", ""));
        assert_eq!(tw.attempt_ids(), None);
        assert_eq!(tw.employee_id(), None);
        assert_eq!(tw.failed_url(), None);
    }
}
