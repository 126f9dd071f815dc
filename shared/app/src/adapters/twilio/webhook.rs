//! Twilio's webhooks, the one place that reads them: the signature check every webhook passes
//! first, and the typed values Twilio posts (a call's status, a key pressed, answering-machine
//! detection, the fallback's error) or that our own URLs carry (`urls`). No handler reads a
//! Twilio parameter by name.

use super::urls::{self, WebhookRoute};
use crate::config::Config;
use crate::http::{self, HttpResult};
use callout_core::campaign::CallStatus;
use lambda_http::Request;

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
    /// The route our URL names (`urls::WebhookRoute`).
    route: Option<WebhookRoute>,
}

impl Webhook {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
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

    /// The reachability check a `/api/reach/…` URL names, if it names one.
    pub fn reach_check(&self) -> Option<&urls::ReachRef> {
        match self.route.as_ref()? {
            WebhookRoute::Reach { check, .. } => check.as_ref(),
            _ => None,
        }
    }

    /// Twilio's `CallStatus` as sent (empty when absent).
    pub fn call_status_text(&self) -> &str {
        self.param("CallStatus").unwrap_or_default()
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

    /// The route Twilio called, read from our own URL (`urls::WebhookRoute`); `None` for a
    /// path that is no webhook's.
    pub fn route(&self) -> Option<&WebhookRoute> {
        self.route.as_ref()
    }

    fn offer(&self) -> Option<&urls::Offer> {
        self.route.as_ref().and_then(WebhookRoute::offer)
    }

    /// Our own URLs' flags (`urls`): the offer has audio, it is played again, this is the
    /// answering-machine callback, this is the fallback.
    pub fn has_audio(&self) -> bool {
        self.offer().is_some_and(|o| o.audio)
    }

    pub fn is_repeat(&self) -> bool {
        matches!(
            self.route,
            Some(WebhookRoute::Response { repeat: true, .. })
        )
    }

    pub fn is_machine_detection(&self) -> bool {
        matches!(self.route, Some(WebhookRoute::MachineDetection(_)))
    }

    /// Call recording: the call is recorded (say the notice first).
    pub fn is_recorded(&self) -> bool {
        self.offer().is_some_and(|o| o.recorded)
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
        matches!(self.route, Some(WebhookRoute::Fallback(_)))
    }

    /// How the call speaks (our URLs' `lang`; plain English without it, or when it is not a
    /// tag of a language calls speak).
    pub fn speech(&self) -> callout_core::lang::Speech {
        self.route
            .as_ref()
            .map_or_else(callout_core::lang::Speech::english, WebhookRoute::speech)
    }

    /// The person the call was for (our response URL names them; on the call-back line, the
    /// person chosen), when an identifier.
    pub fn employee_id(&self) -> Option<&str> {
        match &self.route {
            Some(
                WebhookRoute::Response { employee_id, .. }
                | WebhookRoute::CallbackLine { employee_id, .. }
                | WebhookRoute::CallbackKey { employee_id, .. },
            ) => employee_id.as_deref(),
            _ => None,
        }
    }

    // Inbound channels: an incoming call or text.

    /// The caller's or sender's number (`From`), when it is an E.164 number (a withheld
    /// number comes as `anonymous` or a short code: nobody to recognise).
    pub fn from_number(&self) -> Option<&str> {
        self.param("From")
            .filter(|f| callout_core::model::is_e164(f))
    }

    /// The number called or texted (`To`): which line an incoming call or text came in on.
    pub fn to_number(&self) -> Option<&str> {
        self.param("To").filter(|t| !t.is_empty())
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
        matches!(
            self.route,
            Some(WebhookRoute::CallbackLine { pick: true, .. })
        )
    }

    /// The shift our URLs name (`occurrenceId`), when an identifier.
    pub fn occurrence_id(&self) -> Option<&str> {
        self.route.as_ref().and_then(WebhookRoute::occurrence_id)
    }

    /// The position of the offer our call-back URLs name (0 when absent).
    pub fn offer_position(&self) -> usize {
        match self.route {
            Some(WebhookRoute::CallbackLine { n, .. } | WebhookRoute::CallbackKey { n, .. }) => n,
            _ => 0,
        }
    }

    /// Our call-back URL's flag: the caller just passed on a shift.
    pub fn after_pass(&self) -> bool {
        matches!(
            self.route,
            Some(WebhookRoute::CallbackLine { passed: true, .. })
        )
    }

    /// The attempt a webhook URL names.
    pub fn attempt_ids(&self) -> Option<(String, u32)> {
        self.route
            .as_ref()
            .and_then(WebhookRoute::call)
            .map(urls::CallRef::ids)
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
    Ok(Webhook {
        params,
        route: route_of(req),
    })
}

/// The webhook route a request names, read before (or without) its signature check: only for
/// routing and test faults until [`verify_twilio`] has passed.
pub fn route_of(req: &Request) -> Option<WebhookRoute> {
    WebhookRoute::parse(&http::route_path(req), req.uri().query().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signed form POST to `path?query`, through lambda_http's own conversion.
    fn signed(path: &str, query: &str, form: &[(&str, &str)]) -> Webhook {
        let req = crate::handlers::tests::webhook(path, query, form);
        let config = Config {
            public_base_url: crate::handlers::tests::BASE.into(),
            twilio_auth_tokens: vec!["token".into()],
            ..Config::default()
        };
        verify_twilio(&config, &req).expect("a genuine signature")
    }

    #[test]
    fn twilios_parameters_become_typed_values() {
        let tw = signed(
            urls::path::RESPONSE,
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
            urls::path::RESPONSE,
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
