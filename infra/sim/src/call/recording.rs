//! Call recording as Twilio does it: a call placed with `Record=true` that was answered has a
//! recording once it ends; its status goes, signed, to `RecordingStatusCallback` (for the
//! events asked for: `completed` by default).

use std::time::SystemTime;

use super::Call;
use crate::wire::{new_sid, rfc2822, Params};
use crate::{CallEvent, RecordingInfo};

impl Call {
    pub(super) async fn recording_done(&mut self, duration: u32) {
        let wanted = self
            .param("Record")
            .is_some_and(|r| r.eq_ignore_ascii_case("true"));
        if !wanted || !self.answered {
            return;
        }
        let sid = new_sid("RE");
        let samples = vec![0xFFu8; (duration.max(1) as usize) * 8000];
        let media = callout_core::wav::wrap_ulaw(&samples);
        self.sim.twilio.calls().recordings.push(RecordingInfo {
            sid: sid.clone(),
            call_sid: self.sid.clone(),
            duration_secs: duration,
            media,
            deleted: false,
            refused_fetches: 0,
            media_token: new_sid("ME").to_lowercase(),
            media_host_fetches: 0,
            media_host_fetches_with_authorization: 0,
        });
        let Some(url) = self.param("RecordingStatusCallback") else {
            return;
        };
        let events: Vec<String> = self
            .form
            .iter()
            .filter(|(k, _)| k == "RecordingStatusCallbackEvent")
            .flat_map(|(_, v)| v.split([' ', ',']).map(str::trim).map(str::to_lowercase))
            .collect();
        if !events.is_empty() && !events.iter().any(|e| e == "completed") {
            return;
        }
        let method = self
            .param("RecordingStatusCallbackMethod")
            .unwrap_or_else(|| "POST".into())
            .to_uppercase();
        let account = self.sim.config.account_sid.clone();
        let recording_url = format!(
            "{}/2010-04-01/Accounts/{account}/Recordings/{sid}",
            self.sim.base_url
        );
        let params: Params = [
            ("AccountSid", account.as_str()),
            ("CallSid", self.sid.as_str()),
            ("RecordingSid", sid.as_str()),
            ("RecordingUrl", recording_url.as_str()),
            ("RecordingStatus", "completed"),
            ("RecordingDuration", &duration.to_string()),
            ("RecordingChannels", "1"),
            ("RecordingSource", "OutboundAPI"),
            ("RecordingStartTime", &rfc2822(SystemTime::now())),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        match self.request(&method, &url, params).await {
            Ok(r) if r.status < 400 => {}
            Ok(r) => self.push(CallEvent::WebhookError {
                url: url.clone(),
                detail: format!("recording status callback answered HTTP {}", r.status),
            }),
            Err(e) => self.push(CallEvent::WebhookError {
                url: url.clone(),
                detail: format!("recording status callback failed: {e}"),
            }),
        }
    }
}
