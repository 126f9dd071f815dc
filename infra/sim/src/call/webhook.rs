//! Signed requests from the simulated Twilio to our server (documents, audio, callbacks), and the
//! call seen as a [`Line`] by the TwiML interpreter.

use std::time::Duration;

use callout_core::signature::sign;
use callout_core::wav::parse_ulaw;

use super::Call;
use crate::state::Update;
use crate::twiml::{snippet, Doc, Line};
use crate::wire::Params;
use crate::CallEvent;

/// Our server's answer.
pub(super) struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: bytes::Bytes,
}

impl Call {
    /// A signed request to our server. GET puts `params` in the query string.
    pub(super) async fn request(
        &self,
        method: &str,
        url: &str,
        params: Params,
    ) -> Result<Reply, String> {
        let token = &self.sim.config.auth_token;
        let http = &self.sim.http;
        let req = if method == "GET" {
            let full = if params.is_empty() {
                url.to_string()
            } else {
                let query = serde_urlencoded::to_string(&params).map_err(|e| e.to_string())?;
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}{query}")
            };
            let signature = sign(token, &full, &[]);
            http.get(&full).header("X-Twilio-Signature", signature)
        } else {
            let body = serde_urlencoded::to_string(&params).map_err(|e| e.to_string())?;
            let signature = sign(token, url, &params);
            http.post(url)
                .header("X-Twilio-Signature", signature)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
        };
        let resp = req
            .header("User-Agent", "TwilioProxy/1.1")
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = resp
            .bytes()
            .await
            .map_err(|e| format!("reading the body failed: {e}"))?;
        Ok(Reply {
            status,
            content_type,
            body,
        })
    }

    /// Fetch a TwiML document; on failure records WebhookError and returns None.
    pub(super) async fn fetch_doc(&self, url: &str, method: &str, extra: Params) -> Option<Doc> {
        let first = self
            .fetched
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            == 0;
        let status = if self.inbound && first {
            "ringing"
        } else {
            "in-progress"
        };
        let mut params = self.common(status);
        if self.inbound {
            // An incoming call also names both ends as Caller and Called.
            params.push(("Caller".into(), self.from.clone()));
            params.push(("Called".into(), self.to.clone()));
        }
        params.extend(extra);
        let method = method.to_uppercase();
        let method = if method == "GET" { "GET" } else { "POST" };
        let detail = match self.request(method, url, params).await {
            Ok(r) if r.status == 200 => match String::from_utf8(r.body.to_vec()) {
                Ok(text) => {
                    return Some(Doc {
                        text,
                        url: url.to_string(),
                    })
                }
                Err(_) => "the response is not UTF-8".to_string(),
            },
            Ok(r) => format!("HTTP {} ({})", r.status, snippet(&r.body)),
            Err(e) => e,
        };
        tracing::warn!(call_sid = %self.sid, url, detail, "webhook failed");
        self.push(CallEvent::WebhookError {
            url: url.to_string(),
            detail,
        });
        None
    }

    /// Fetch audio: the µ-law samples and their length in seconds.
    async fn fetch_audio(&self, url: &str) -> Result<(Vec<u8>, f64), String> {
        let reply = self.request("GET", url, Vec::new()).await?;
        if reply.status != 200 {
            return Err(format!("HTTP {}", reply.status));
        }
        let mime = reply
            .content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if mime != "audio/wav" && mime != "audio/x-wav" {
            return Err(format!(
                "Content-Type {:?}, expected audio/wav or audio/x-wav",
                reply.content_type
            ));
        }
        let wav = parse_ulaw(&reply.body).map_err(|e| format!("not a playable µ-law WAV: {e}"))?;
        let seconds = wav.duration_secs();
        Ok((wav.data, seconds))
    }
}

impl Line for Call {
    fn push(&self, event: CallEvent) {
        Call::push(self, event);
    }

    async fn document(&self, url: &str, method: &str, extra: Params) -> Option<Doc> {
        self.fetch_doc(url, method, extra).await
    }

    async fn audio(&self, url: &str) -> Result<(String, f64), String> {
        match self.fetch_audio(url).await {
            Ok((ulaw, seconds)) => {
                let text = self
                    .sim
                    .elevenlabs
                    .lookup(&ulaw)
                    .unwrap_or_else(|| "[unrecognised audio]".to_string());
                Ok((text, seconds))
            }
            Err(detail) => {
                tracing::warn!(call_sid = %self.sid, url, detail, "audio could not be played");
                Err(detail)
            }
        }
    }

    fn take_update(&self) -> Option<Update> {
        self.sim
            .twilio
            .calls()
            .call_mut(&self.sid)
            .and_then(|c| c.pending.take())
    }

    async fn wait_for_update(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while !self.has_update() {
            let now = tokio::time::Instant::now();
            if now >= deadline {
                break;
            }
            let _ = tokio::time::timeout(deadline - now, self.notify.notified()).await;
        }
    }
}

impl Call {
    fn has_update(&self) -> bool {
        self.sim
            .twilio
            .calls()
            .call_mut(&self.sid)
            .is_some_and(|c| c.pending.is_some())
    }
}
