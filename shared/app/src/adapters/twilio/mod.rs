//! Twilio's REST API (2010-04-01): place a call, end or redirect a call, fetch a call, send an
//! SMS. Every request goes through one loop (`request`) and every answer through one
//! classifier (`classify_response`), so a refusal means the same thing whatever was asked.

pub mod recordings;
pub mod urls;
pub mod webhook;

use serde::Deserialize;
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct Twilio {
    http: reqwest::Client,
    base: String,
    account_sid: String,
    auth_token: String,
    from: String,
    /// The longest one operation (all its tries and waits) may take.
    budget: Duration,
    /// The account's numbers (`IncomingPhoneNumbers`) and when they were read, shared by every
    /// copy of the client ([`Twilio::incoming_numbers`]).
    numbers: std::sync::Arc<std::sync::Mutex<Option<KeptNumbers>>>,
}

/// The account's numbers as read at an instant.
type KeptNumbers = (Instant, Vec<String>);

/// How long the account's list of numbers is kept before Twilio is asked again.
pub const NUMBERS_CACHE: Duration = Duration::from_secs(300);

/// Why Twilio did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TwilioError {
    /// Twilio refused this request for what it asked (e.g. 21211 invalid number, 21610 the
    /// person opted out): final, retrying will not help, and it is about this person only.
    #[error("Twilio refused the request: {code} {message}")]
    Refused { code: i64, message: String },
    /// Twilio refused the account, not the request (credentials, suspension, the sending
    /// number): nobody's fault but ours; nothing was done; retry later, and raise an alarm.
    #[error("Twilio refused the account: {code} {message}")]
    Account { code: i64, message: String },
    /// Throttling (429, 20429), a 5xx, or no connection: Twilio did nothing; retry later.
    #[error("Twilio is unavailable: {0}")]
    Unavailable(String),
    /// The request may or may not have reached Twilio (a timeout after sending).
    #[error("no answer from Twilio: {0}")]
    Unknown(String),
}

/// Tries per operation for throttling and 5xx, with exponential backoff and full jitter, all
/// within the client's budget.
pub const ATTEMPTS: u32 = 3;
pub const BACKOFF_BASE_MS: u64 = 200;
/// The longest a single request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// No try is started with less time than this left in the budget.
const MIN_TRY: Duration = Duration::from_millis(500);
/// A queue task's budget for one operation (the dialer), and a webhook's (which must answer
/// Twilio well within its 15 s, and within 10 s by our rule).
pub const TASK_BUDGET: Duration = Duration::from_secs(5);
pub const WEBHOOK_BUDGET: Duration = Duration::from_secs(4);

/// The longest a look-up of a text already sent takes (`Twilio::text_sent_since`): a step that
/// does it also sends the text, so it gets less than a whole operation's budget. A look-up of a
/// call already placed (`Twilio::call_placed_between`) has the same.
pub const FIND_TEXT_BUDGET: Duration = Duration::from_secs(3);

/// What a request to Twilio does: each is recorded under its label (`budget`) and has one
/// worst case (`limits`), from the numbers above and `recordings::RECORDING_TIMEOUT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    CreateCall,
    /// `canceled`, then `completed` if the call was already answered: two requests, one budget.
    EndCall,
    RedirectCall,
    CallStatus,
    SendSms,
    /// Whether a text went out after all (`GET Messages.json`): asked when a once-only text's
    /// step was taken over from a step that died, or failed after Twilio may have taken it.
    FindText,
    /// Whether a call went out after all (`GET Calls.json`): asked before giving up on an
    /// attempt whose placing run never stored its CallSid.
    FindCall,
    /// One try of `RECORDING_TIMEOUT` each (the media fetch's redirects within it).
    RecordingMedia,
    DeleteRecording,
    /// The account's numbers (`GET IncomingPhoneNumbers.json`): a provider's `fromNumber`
    /// checked, at most once per `NUMBERS_CACHE`.
    ListNumbers,
}

impl Op {
    pub const ALL: [Op; 10] = [
        Op::CreateCall,
        Op::EndCall,
        Op::RedirectCall,
        Op::CallStatus,
        Op::SendSms,
        Op::FindText,
        Op::FindCall,
        Op::RecordingMedia,
        Op::DeleteRecording,
        Op::ListNumbers,
    ];

    /// The label its requests are counted under.
    pub const fn label(self) -> &'static str {
        match self {
            Op::CreateCall => "twilio.createCall",
            Op::EndCall => "twilio.endCall",
            Op::RedirectCall => "twilio.redirectCall",
            Op::CallStatus => "twilio.callStatus",
            Op::SendSms => "twilio.sendSms",
            Op::FindText => "twilio.findText",
            Op::FindCall => "twilio.findCall",
            Op::RecordingMedia => "twilio.recordingMedia",
            Op::DeleteRecording => "twilio.deleteRecording",
            Op::ListNumbers => "twilio.listNumbers",
        }
    }

    /// The longest it takes, every try and wait included, in a client with `budget`.
    pub const fn worst_case(self, budget: Duration) -> Duration {
        match self {
            Op::RecordingMedia | Op::DeleteRecording => recordings::RECORDING_TIMEOUT,
            Op::FindText | Op::FindCall => FIND_TEXT_BUDGET,
            _ => budget,
        }
    }

    /// The most requests it makes.
    pub const fn most_requests(self) -> u32 {
        match self {
            Op::RecordingMedia => 1 + recordings::MEDIA_REDIRECTS,
            Op::DeleteRecording => 1,
            Op::EndCall => 2 * ATTEMPTS,
            _ => ATTEMPTS,
        }
    }
}

/// Twilio error codes that refuse the account rather than one request
/// (https://www.twilio.com/docs/api/errors): 20003 authentication failed, 20005 and 10001
/// account not active, 10002 trial account, 20008 test credentials, 21210 / 21212 / 21606 the
/// sending number is not usable, 21215 the account may not call that region.
pub const ACCOUNT_CODES: [i64; 9] = [
    20003, 20005, 10001, 10002, 20008, 21210, 21212, 21606, 21215,
];

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<i64>,
    message: Option<String>,
}

/// What a non-2xx answer means, from its HTTP status and Twilio's JSON error body
/// (`{"code":21610,"message":"…","more_info":"…","status":400}`).
pub fn classify_response(status: u16, body: &[u8]) -> TwilioError {
    let err: ErrorBody = serde_json::from_slice(body).unwrap_or(ErrorBody {
        code: None,
        message: None,
    });
    let code = err.code.unwrap_or(i64::from(status));
    let message = err.message.unwrap_or_else(|| {
        reqwest::StatusCode::from_u16(status)
            .map(|s| s.to_string())
            .unwrap_or_else(|_| status.to_string())
    });
    if status == 429 || code == 20429 || (500..600).contains(&status) {
        TwilioError::Unavailable(format!("{code} {message}"))
    } else if status == 401 || status == 403 || ACCOUNT_CODES.contains(&code) {
        TwilioError::Account { code, message }
    } else {
        TwilioError::Refused { code, message }
    }
}

#[derive(Deserialize)]
struct Resource {
    sid: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    duration: Option<serde_json::Value>,
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
    /// Call recording: Twilio records the call and posts the recording's status here.
    pub recording_url: Option<String>,
}

impl Twilio {
    pub fn new(
        http: reqwest::Client,
        base: &str,
        account_sid: &str,
        auth_token: &str,
        from: &str,
        budget: Duration,
    ) -> Twilio {
        Twilio {
            http,
            base: base.trim_end_matches('/').to_string(),
            account_sid: account_sid.into(),
            auth_token: auth_token.into(),
            from: from.into(),
            budget,
            numbers: Default::default(),
        }
    }

    /// The same client calling and texting from `from` (a provider's own number), or from the
    /// platform's number when `None`.
    pub fn from_number(&self, from: Option<&str>) -> Twilio {
        let mut t = self.clone();
        if let Some(f) = from {
            t.from = f.to_string();
        }
        t
    }

    /// The number calls and texts come from.
    pub fn from(&self) -> &str {
        &self.from
    }

    /// The account's phone numbers (`GET IncomingPhoneNumbers.json`, E.164), kept for
    /// [`NUMBERS_CACHE`]: a provider's `fromNumber` must be one of them.
    pub async fn incoming_numbers(&self) -> Result<Vec<String>, TwilioError> {
        if let Some((at, list)) = self
            .numbers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            if at.elapsed() < NUMBERS_CACHE {
                return Ok(list.clone());
            }
        }
        #[derive(serde::Deserialize)]
        struct Page {
            incoming_phone_numbers: Vec<Number>,
        }
        #[derive(serde::Deserialize)]
        struct Number {
            phone_number: Option<String>,
        }
        let page: Page = self
            .request(
                Op::ListNumbers,
                "IncomingPhoneNumbers.json?PageSize=1000",
                None,
                Instant::now() + self.budget,
            )
            .await?;
        let list: Vec<String> = page
            .incoming_phone_numbers
            .into_iter()
            .filter_map(|n| n.phone_number)
            .collect();
        *self.numbers.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), list.clone()));
        Ok(list)
    }

    /// The longest one operation takes, whatever Twilio does (every try and wait included).
    pub fn worst_case(&self) -> Duration {
        self.budget
    }

    fn url(&self, tail: &str) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/{tail}",
            self.base, self.account_sid
        )
    }

    /// POST (`form` given) or GET with retries: throttling, 5xx and refused connections are
    /// retried after a jittered exponential backoff while the budget allows; a timeout is not
    /// (Twilio may have acted on it), nor is a refusal.
    async fn request<T: serde::de::DeserializeOwned>(
        &self,
        op: Op,
        tail: &str,
        form: Option<&[(&str, &str)]>,
        deadline: Instant,
    ) -> Result<T, TwilioError> {
        let mut attempt = 1;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left < MIN_TRY {
                return Err(TwilioError::Unavailable(
                    "no time left in this operation's budget".into(),
                ));
            }
            let result = self
                .request_once(op, tail, form, left.min(REQUEST_TIMEOUT))
                .await;
            match result {
                Err(TwilioError::Unavailable(why)) if attempt < ATTEMPTS => {
                    let cap = BACKOFF_BASE_MS << attempt;
                    let wait = Duration::from_millis(rand::random::<u64>() % cap + 1);
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left < wait + MIN_TRY {
                        return Err(TwilioError::Unavailable(why));
                    }
                    tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, reason = %why, "twilio_retry");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn request_once<T: serde::de::DeserializeOwned>(
        &self,
        op: Op,
        tail: &str,
        form: Option<&[(&str, &str)]>,
        timeout: Duration,
    ) -> Result<T, TwilioError> {
        let req = match form {
            Some(form) => self.http.post(self.url(tail)).form(form),
            None => self.http.get(self.url(tail)),
        };
        let answer = self.send(op, req, timeout).await?;
        if (200..300).contains(&answer.status) {
            return serde_json::from_slice(&answer.body)
                .map_err(|e| TwilioError::Unavailable(format!("unreadable response: {e}")));
        }
        Err(classify_response(answer.status, &answer.body))
    }

    /// Send one request with the account's credentials (counted for the budget); its answer,
    /// whatever the status. Every request to Twilio goes through here.
    async fn send(
        &self,
        op: Op,
        req: reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<Answer, TwilioError> {
        self.exchange(
            op,
            req.basic_auth(&self.account_sid, Some(&self.auth_token)),
            timeout,
        )
        .await
    }

    /// One request WITHOUT the account's credentials (a redirect to Twilio's media host).
    async fn send_unauthenticated(
        &self,
        op: Op,
        req: reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<Answer, TwilioError> {
        self.exchange(op, req, timeout).await
    }

    async fn exchange(
        &self,
        op: Op,
        req: reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<Answer, TwilioError> {
        crate::budget::record("twilio");
        crate::budget::record(op.label());
        let resp = req
            .timeout(timeout)
            .send()
            .await
            .map_err(classify_transport)?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp.bytes().await.map_err(classify_transport)?.to_vec();
        Ok(Answer {
            status,
            content_type,
            location,
            body,
        })
    }

    async fn post(
        &self,
        op: Op,
        tail: &str,
        form: &[(&str, &str)],
    ) -> Result<Resource, TwilioError> {
        self.request(op, tail, Some(form), Instant::now() + self.budget)
            .await
    }

    /// Place an outbound call; returns its CallSid.
    pub async fn create_call(&self, req: &CallRequest) -> Result<String, TwilioError> {
        let ring = callout_core::campaign::RING_TIMEOUT_SECS.to_string();
        let mut form = vec![
            ("To", req.to.as_str()),
            ("From", self.from.as_str()),
            ("Url", req.twiml_url.as_str()),
            ("Method", "POST"),
            ("FallbackUrl", req.fallback_url.as_str()),
            ("FallbackMethod", "POST"),
            ("StatusCallback", req.status_url.as_str()),
            ("StatusCallbackMethod", "POST"),
            // No `ringing`: each callback is a write, and nothing waits on it. `initiated` stays:
            // it brings the CallSid at once, so a call whose create answer was lost (a timeout,
            // a run that died) is known without asking Twilio (found by the soak: without it
            // such a call's only trace was a look-up by number and time).
            ("StatusCallbackEvent", "initiated"),
            ("StatusCallbackEvent", "answered"),
            ("StatusCallbackEvent", "completed"),
            ("Timeout", ring.as_str()),
            ("MachineDetection", "Enable"),
            ("AsyncAmd", "true"),
            ("AsyncAmdStatusCallback", req.amd_url.as_str()),
            ("AsyncAmdStatusCallbackMethod", "POST"),
        ];
        // Call recording (service::recording decides).
        if let Some(url) = &req.recording_url {
            form.extend(recordings::create_call_params(url));
        }
        Ok(self.post(Op::CreateCall, "Calls.json", &form).await?.sid)
    }

    /// End a call whatever state it is in: `canceled` stops a queued or ringing call,
    /// `completed` hangs up one in progress. A call that already ended is not an error.
    /// Both requests share one budget.
    pub async fn end_call(&self, sid: &str) -> Result<(), TwilioError> {
        let tail = format!("Calls/{sid}.json");
        let deadline = Instant::now() + self.budget;
        let first = self
            .request::<Resource>(
                Op::EndCall,
                &tail,
                Some(&[("Status", "canceled")]),
                deadline,
            )
            .await;
        match first {
            Ok(r) if r.status.as_deref() == Some("canceled") => Ok(()),
            Ok(_) | Err(TwilioError::Refused { .. }) => {
                match self
                    .request::<Resource>(
                        Op::EndCall,
                        &tail,
                        Some(&[("Status", "completed")]),
                        deadline,
                    )
                    .await
                {
                    Ok(_) | Err(TwilioError::Refused { .. }) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Replace what a live call is doing with `twiml`.
    pub async fn redirect_call(&self, sid: &str, twiml: &str) -> Result<(), TwilioError> {
        self.post(
            Op::RedirectCall,
            &format!("Calls/{sid}.json"),
            &[("Twiml", twiml)],
        )
        .await
        .map(|_| ())
    }

    /// A call's current status and duration (for an attempt whose final callback never came).
    pub async fn call_status(&self, sid: &str) -> Result<(String, Option<u32>), TwilioError> {
        let r: Resource = self
            .request(
                Op::CallStatus,
                &format!("Calls/{sid}.json"),
                None,
                Instant::now() + self.budget,
            )
            .await?;
        let duration = match &r.duration {
            Some(serde_json::Value::String(d)) => d.parse().ok(),
            Some(serde_json::Value::Number(n)) => n.as_u64().map(|d| d as u32),
            _ => None,
        };
        Ok((r.status.unwrap_or_default(), duration))
    }

    /// Send an SMS from the product's number; returns the message SID.
    pub async fn send_sms(&self, to: &str, body: &str) -> Result<String, TwilioError> {
        let form = [("To", to), ("From", self.from.as_str()), ("Body", body)];
        Ok(self.post(Op::SendSms, "Messages.json", &form).await?.sid)
    }

    /// The SID of a text of exactly `body` that Twilio accepted for `to` from the product's
    /// number at or after `since` (to the second, as Twilio dates), if any. Asked by a step that
    /// takes over a text whose earlier holder died before recording it: sent already, it is not
    /// sent again.
    pub async fn text_sent_since(
        &self,
        to: &str,
        body: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<String>, TwilioError> {
        #[derive(serde::Deserialize)]
        struct Page {
            messages: Vec<Message>,
        }
        #[derive(serde::Deserialize)]
        struct Message {
            sid: String,
            body: Option<String>,
            date_created: Option<String>,
        }
        let query = serde_urlencoded::to_string([
            ("To", to),
            ("From", self.from.as_str()),
            ("PageSize", "50"),
        ])
        .map_err(|e| TwilioError::Unavailable(e.to_string()))?;
        let page: Page = self
            .request(
                Op::FindText,
                &format!("Messages.json?{query}"),
                None,
                Instant::now() + FIND_TEXT_BUDGET.min(self.budget),
            )
            .await?;
        let since = since.timestamp();
        Ok(page
            .messages
            .into_iter()
            .find(|m| {
                m.body.as_deref() == Some(body)
                    && m.date_created
                        .as_deref()
                        .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
                        .is_some_and(|d| d.timestamp() >= since)
            })
            .map(|m| m.sid))
    }

    /// The call placed to `to` from the platform number between `from` and `until`, if Twilio
    /// has exactly one (`GET Calls.json`, newest first): the call a placing run asked for and
    /// died before storing. Calls to one person are at least a minute apart (per-person
    /// pacing), so a window as long as a placing run names one call at most; should it hold
    /// more, none is taken (it may be another shift's).
    pub async fn call_placed_between(
        &self,
        to: &str,
        from: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<String>, TwilioError> {
        #[derive(serde::Deserialize)]
        struct Page {
            calls: Vec<Call>,
        }
        #[derive(serde::Deserialize)]
        struct Call {
            sid: String,
            date_created: Option<String>,
        }
        let query = serde_urlencoded::to_string([
            ("To", to),
            ("From", self.from.as_str()),
            ("PageSize", "20"),
        ])
        .map_err(|e| TwilioError::Unavailable(e.to_string()))?;
        let page: Page = self
            .request(
                Op::FindCall,
                &format!("Calls.json?{query}"),
                None,
                Instant::now() + FIND_TEXT_BUDGET.min(self.budget),
            )
            .await?;
        let created = |c: &Call| {
            c.date_created
                .as_deref()
                .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
                .map(|d| d.timestamp())
        };
        let mut in_window = page
            .calls
            .into_iter()
            .filter_map(|c| created(&c).map(|t| (t, c.sid)))
            .filter(|(t, _)| (from.timestamp()..=until.timestamp()).contains(t));
        Ok(match (in_window.next(), in_window.next()) {
            (Some((_, sid)), None) => Some(sid),
            _ => None,
        })
    }
}

/// A transport error: before the request left (connect) nothing happened; after, maybe.
/// Twilio's answer to one request.
struct Answer {
    status: u16,
    content_type: Option<String>,
    /// Where a redirect points.
    location: Option<String>,
    body: Vec<u8>,
}

fn classify_transport(e: reqwest::Error) -> TwilioError {
    let connect = e.is_connect();
    let text = e.without_url().to_string();
    if connect {
        TwilioError::Unavailable(text)
    } else {
        TwilioError::Unknown(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that accepts connections and never answers, or answers 503 at once.
    async fn server(answer: bool) -> (String, std::sync::Arc<std::sync::atomic::AtomicU32>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let tries = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counted = tries.clone();
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = socket.read(&mut buf).await;
                    if answer {
                        let body = r#"{"code":20503,"message":"Service Unavailable","status":503}"#;
                        let resp = format!("HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
                        let _ = socket.write_all(resp.as_bytes()).await;
                    } else {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                    }
                });
            }
        });
        (base, tries)
    }

    #[tokio::test]
    async fn an_operation_never_outlasts_its_budget() {
        // Room for three fast tries and both backoffs (at most 0.4 s and 0.8 s) when Twilio
        // answers 503; a shorter budget when it is silent.
        for (answer, budget) in [
            (false, Duration::from_millis(1500)),
            (true, Duration::from_millis(3000)),
        ] {
            let (base, tries) = server(answer).await;
            let twilio = Twilio::new(
                reqwest::Client::new(),
                &base,
                "AC1",
                "t",
                "+61255501234",
                budget,
            );
            let start = Instant::now();
            let result = twilio.end_call("CA1").await;
            let took = start.elapsed();
            assert!(result.is_err(), "{result:?}");
            assert!(
                took <= budget + Duration::from_millis(200),
                "{answer}: {took:?}"
            );
            let tries = tries.load(std::sync::atomic::Ordering::SeqCst);
            if answer {
                // Fast 503s: every try the policy allows, with backoff in between.
                assert_eq!(tries, ATTEMPTS, "{tries}");
            } else {
                // Silence: one try, cut at the budget (a timeout is never retried).
                assert_eq!(tries, 1);
                assert!(took >= budget - Duration::from_millis(600), "{took:?}");
            }
        }
    }

    fn body(code: i64) -> Vec<u8> {
        serde_json::json!({"code": code, "message": "m", "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": 400})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn one_classification_for_every_answer() {
        use TwilioError::*;
        let kind = |e: TwilioError| match e {
            Refused { code, .. } => ("refused", code),
            Account { code, .. } => ("account", code),
            Unavailable(_) => ("unavailable", 0),
            Unknown(_) => ("unknown", 0),
        };
        for (status, code, expected) in [
            (400, 21211, ("refused", 21211)),
            (400, 21610, ("refused", 21610)),
            (400, 21614, ("refused", 21614)),
            (400, 21408, ("refused", 21408)),
            (404, 20404, ("refused", 20404)),
            (401, 20003, ("account", 20003)),
            (401, 20005, ("account", 20005)),
            (403, 20005, ("account", 20005)),
            (400, 20005, ("account", 20005)),
            (400, 21212, ("account", 21212)),
            (400, 21606, ("account", 21606)),
            (429, 20429, ("unavailable", 0)),
            (400, 20429, ("unavailable", 0)),
            (500, 20500, ("unavailable", 0)),
            (503, 20503, ("unavailable", 0)),
        ] {
            assert_eq!(
                kind(classify_response(status, &body(code))),
                expected,
                "{status} {code}"
            );
        }
        // No JSON body: the HTTP status decides.
        assert_eq!(kind(classify_response(401, b"")), ("account", 401));
        assert_eq!(kind(classify_response(502, b"<html>")), ("unavailable", 0));
        assert_eq!(kind(classify_response(400, b"")), ("refused", 400));
    }
}
