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

    /// The recording's audio as WAV; `None` when Twilio has no such recording (deleted). Twilio
    /// answers with a redirect to its media host: followed (up to [`MEDIA_REDIRECTS`] hops,
    /// never from HTTPS to HTTP) WITHOUT the account's credentials, which go to the API host
    /// only; the whole fetch stays within one `RECORDING_TIMEOUT`.
    pub async fn recording_media(&self, sid: &str) -> Result<Option<Media>, TwilioError> {
        let deadline = std::time::Instant::now() + RECORDING_TIMEOUT;
        let mut url = reqwest::Url::parse(&self.recording_url(sid, "wav"))
            .map_err(|e| TwilioError::Unavailable(format!("bad media URL: {e}")))?;
        let req = self.http.get(url.clone());
        let mut answer = self
            .send(Op::RecordingMedia, req, RECORDING_TIMEOUT)
            .await?;
        let mut hops = 0;
        while let Some(next) = redirect(&url, &answer) {
            hops += 1;
            if hops > MEDIA_REDIRECTS {
                return Err(TwilioError::Unavailable("too many media redirects".into()));
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let req = self.http.get(next.clone());
            answer = self
                .send_unauthenticated(Op::RecordingMedia, req, left)
                .await?;
            url = next;
        }
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

/// The most redirects a media fetch follows (Twilio's API to its media host is one).
pub const MEDIA_REDIRECTS: u32 = 2;

/// Where a redirect answer points, resolved against `from`; `None` for any other answer, and
/// for a redirect from HTTPS to plain HTTP (refused: the media would travel in the clear).
fn redirect(from: &reqwest::Url, answer: &super::Answer) -> Option<reqwest::Url> {
    if !matches!(answer.status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let next = from.join(answer.location.as_deref()?).ok()?;
    let downgrade = from.scheme() == "https" && next.scheme() != "https";
    (!downgrade && matches!(next.scheme(), "http" | "https")).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_media_redirect_is_followed_but_never_down_to_plain_http() {
        let answer = |status, location: &str| super::super::Answer {
            status,
            content_type: None,
            location: Some(location.into()),
            body: Vec::new(),
        };
        let api = reqwest::Url::parse(
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav",
        )
        .unwrap();
        let to = |a| redirect(&api, &a).map(|u| u.to_string());
        assert_eq!(
            to(answer(302, "https://media.example.com/RE1.wav?Sig=x")).as_deref(),
            Some("https://media.example.com/RE1.wav?Sig=x")
        );
        assert_eq!(
            to(answer(307, "/other.wav")).as_deref(),
            Some("https://api.twilio.com/other.wav")
        );
        assert_eq!(to(answer(302, "http://media.example.com/RE1.wav")), None);
        assert_eq!(to(answer(302, "ftp://media.example.com/RE1.wav")), None);
        assert_eq!(to(answer(200, "https://media.example.com/RE1.wav")), None);
    }

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
