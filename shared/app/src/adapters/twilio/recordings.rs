//! Call recording at Twilio: the create-call parameters that record a call, the recording's
//! media (fetched with the account's credentials, for the provider API only) and its deletion
//! (`DELETE /2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}.json`).

use super::{classify_response, Op, Twilio, TwilioError};
use std::time::Duration;

/// How long one media fetch or deletion may take (one try; `Op::worst_case`).
pub const RECORDING_TIMEOUT: Duration = Duration::from_secs(8);

/// The create-call parameters that record the whole call (both legs, one channel) and post
/// the recording's status, once it is available, to `callback` (`RecordingStatusCallbackEvent`
/// is left at Twilio's default, `completed`: one value of that array parameter would not read
/// as an array).
pub fn create_call_params(callback: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("Record", "true"),
        ("RecordingChannels", "mono"),
        ("RecordingTrack", "both"),
        ("RecordingStatusCallback", callback),
        ("RecordingStatusCallbackMethod", "POST"),
    ]
}

/// A recording's audio.
pub struct Media {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Twilio {
    fn recording_url(&self, sid: &str, ext: &str) -> String {
        self.url(&format!("Recordings/{sid}.{ext}"))
    }

    /// The recording's audio as WAV; `None` when Twilio has no such recording (deleted).
    pub async fn recording_media(&self, sid: &str) -> Result<Option<Media>, TwilioError> {
        let req = self.http.get(self.recording_url(sid, "wav"));
        let answer = self
            .send(Op::RecordingMedia, req, RECORDING_TIMEOUT)
            .await?;
        match answer.status {
            200 => Ok(Some(Media {
                content_type: answer.content_type.unwrap_or_else(|| "audio/x-wav".into()),
                bytes: answer.body,
            })),
            404 => Ok(None),
            status => Err(classify_response(status, &answer.body)),
        }
    }

    /// Delete the recording at Twilio; a recording already gone is not an error.
    pub async fn delete_recording(&self, sid: &str) -> Result<(), TwilioError> {
        let req = self.http.delete(self.recording_url(sid, "json"));
        let answer = self
            .send(Op::DeleteRecording, req, RECORDING_TIMEOUT)
            .await?;
        match answer.status {
            200..=299 | 404 => Ok(()),
            status => Err(classify_response(status, &answer.body)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_call_asks_for_the_whole_call_and_its_completed_status() {
        let p = create_call_params("https://x/api/outbound/recording?occurrenceId=o&attempt=0");
        assert!(p.contains(&("Record", "true")));
        assert!(!p.iter().any(|(k, _)| *k == "RecordingStatusCallbackEvent"));
        assert!(p.contains(&(
            "RecordingStatusCallback",
            "https://x/api/outbound/recording?occurrenceId=o&attempt=0"
        )));
    }
}
