//! The callbacks Twilio sends about a call without asking for TwiML: status callbacks (only the
//! events asked for, numbered, delivered as the test's `CallbackDelivery` says) and the
//! asynchronous AMD result.

use std::time::SystemTime;

use super::Call;
use crate::wire::{rfc2822, Params};
use crate::{CallEvent, CallbackDelivery};

/// A status callback ready to send.
pub(super) struct Held {
    url: String,
    method: String,
    params: Params,
    status: String,
    sequence: u32,
}

impl Call {
    /// The parameters every request about this call carries.
    pub(super) fn common(&self, status: &str) -> Params {
        [
            ("CallSid", self.sid.as_str()),
            ("AccountSid", self.sim.config.account_sid.as_str()),
            ("From", self.from.as_str()),
            ("To", self.to.as_str()),
            ("CallStatus", status),
            ("Direction", self.direction()),
            ("ApiVersion", "2010-04-01"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// Send one status callback if `event` was asked for, as the delivery mode says.
    pub(super) async fn status_callback(&mut self, event: &str, status: &str) {
        let Some(url) = self.param("StatusCallback") else {
            return;
        };
        if !self.status_events.iter().any(|e| e == event) {
            return;
        }
        let method = self
            .param("StatusCallbackMethod")
            .unwrap_or_else(|| "POST".into())
            .to_uppercase();
        let sequence = self.sequence;
        self.sequence += 1;
        let mut params = self.common(status);
        params.push(("SequenceNumber".into(), sequence.to_string()));
        params.push(("Timestamp".into(), rfc2822(SystemTime::now())));
        params.push(("CallbackSource".into(), "call-progress-events".into()));
        if let Some(by) = &self.answered_by {
            params.push(("AnsweredBy".into(), by.clone()));
        }
        if event == "completed" {
            let d = self
                .sim
                .twilio
                .calls()
                .call_mut(&self.sid)
                .map(|c| c.record.duration_secs)
                .unwrap_or(0);
            params.push(("CallDuration".into(), d.to_string()));
            params.push(("Duration".into(), d.to_string()));
        }
        let delivery = self.sim.twilio.faults().callback_delivery.clone();
        let callback = Held {
            url,
            method,
            params,
            status: status.to_string(),
            sequence,
        };
        match (delivery, event == "completed") {
            (CallbackDelivery::Normal, _) => self.send_status(&callback).await,
            (CallbackDelivery::DropFinal, true) => {
                self.push(CallEvent::CallbackDropped(callback.status));
            }
            (CallbackDelivery::DropFinal | CallbackDelivery::LateFinal(_), false) => {
                self.send_status(&callback).await
            }
            (CallbackDelivery::LateFinal(after), true) => {
                tokio::time::sleep(after).await;
                self.send_status(&callback).await
            }
            (CallbackDelivery::DuplicatedAndReordered, false) => self.held.push(callback),
            (CallbackDelivery::DuplicatedAndReordered, true) => {
                let held = std::mem::take(&mut self.held);
                self.send_status(&callback).await;
                for h in held.iter().rev() {
                    self.send_status(h).await;
                }
                self.send_status(&callback).await;
                for h in &held {
                    self.send_status(h).await;
                }
            }
        }
    }

    async fn send_status(&self, cb: &Held) {
        let http_status = match self.request(&cb.method, &cb.url, cb.params.clone()).await {
            Ok(r) => {
                if r.status >= 400 {
                    self.push(CallEvent::WebhookError {
                        url: cb.url.clone(),
                        detail: format!("status callback answered HTTP {}", r.status),
                    });
                }
                r.status
            }
            Err(e) => {
                self.push(CallEvent::WebhookError {
                    url: cb.url.clone(),
                    detail: format!("status callback failed: {e}"),
                });
                0
            }
        };
        self.push(CallEvent::StatusCallback {
            status: cb.status.clone(),
            sequence: cb.sequence,
            http_status,
        });
    }

    /// The asynchronous AMD result (`AsyncAmdStatusCallback`).
    pub(super) async fn amd_callback(&self, url: &str) {
        let by = self.answered_by.clone().unwrap_or_else(|| "human".into());
        let method = self
            .param("AsyncAmdStatusCallbackMethod")
            .unwrap_or_else(|| "POST".into())
            .to_uppercase();
        let params: Params = [
            ("CallSid", self.sid.as_str()),
            ("AccountSid", self.sim.config.account_sid.as_str()),
            ("AnsweredBy", by.as_str()),
            ("MachineDetectionDuration", "2100"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let http_status = match self.request(&method, url, params).await {
            Ok(r) => r.status,
            Err(e) => {
                self.push(CallEvent::WebhookError {
                    url: url.to_string(),
                    detail: format!("AMD callback failed: {e}"),
                });
                0
            }
        };
        self.push(CallEvent::AmdCallback {
            answered_by: by,
            http_status,
        });
    }
}
