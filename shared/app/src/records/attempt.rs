//! One turn of a shift's campaign: a call attempt (or a turn skipped without a call), the call
//! log record of SPEC §4.6.

use callout_core::campaign::{CallStatus, Outcome, SkipReason, Slot};
use callout_core::lang::Speech;
use callout_core::template;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Shift, PURPOSE};

/// One call attempt: the call log record of SPEC §4.6.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub occurrence_id: String,
    pub provider_id: String,
    pub attempt: u32,
    pub round: u32,
    /// The person's place in the round's call order (`campaign::Slot::position`: 0 is called
    /// first in every round), not their index in the pool as sent.
    pub position: u32,
    pub employee_id: String,
    pub first_name: String,
    #[serde(skip)]
    pub phone: String,
    pub purpose: String,
    /// The words spoken to this person.
    #[serde(skip)]
    pub text: String,
    /// Where the greeting ends in `text` (bytes), when the offer is spoken as a greeting and
    /// the shift's body (`template::Offer`); `None`: spoken whole.
    #[serde(skip)]
    pub greeting_end: Option<u32>,
    /// The language tag the call speaks (`lang::Speech`): its words, its offer, `<Say>`.
    pub language: String,
    /// The ElevenLabs voice of its audio (`None`: the deployment's `ELEVENLABS_VOICE_ID`).
    #[serde(skip)]
    pub voice_id: Option<String>,
    pub call_sid: Option<String>,
    pub twilio_status: Option<String>,
    #[serde(skip)]
    pub status_sequence: Option<i64>,
    pub duration_secs: Option<u32>,
    pub answered_by: Option<String>,
    pub outcome: Option<Outcome>,
    /// Why the turn was skipped without a call (with `Outcome::Skipped`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<SkipReason>,
    pub digit: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When per-person pacing let the call start (`maxCallsPerPersonPerHour`, a minute apart).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paced_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub advanced: bool,
    /// The call slot held while this call is live (see `callout_core::pacing`).
    #[serde(skip)]
    pub pace_slot: Option<u32>,
    #[serde(skip)]
    pub pace_holder: Option<String>,
    /// Results: characters sent to the speech service for this call (0: cached or `<Say>`).
    pub speech_chars: u32,
    /// Call recording: Twilio's recording of this call, until it is deleted after the
    /// provider's retention (fetched only through the provider API).
    pub recording_sid: Option<String>,
    /// Whether a voicemail or an unanswered call is followed by a text (the shift's
    /// `smsFollowUp`, so the call's end reads no settings); `None` for an attempt stored
    /// before it was kept here: the provider's settings say.
    pub sms_follow_up: Option<bool>,
}

impl Attempt {
    /// A new attempt of `shift`: who `slot` names, the words they will hear (in their
    /// language, with their language's voice; with where its greeting ends, if it splits), and
    /// the call slot it holds (if any). Nothing about the call itself is known yet.
    pub fn new(
        shift: &Shift,
        attempt: u32,
        slot: Slot,
        offer: template::Offer,
        pace: Option<(u32, String)>,
    ) -> Attempt {
        let staff = shift.callee(slot);
        let speech = shift.speech_for(staff);
        let voice_id = shift.speaking().voice(&speech).map(str::to_string);
        let (pace_slot, pace_holder) = pace.unzip();
        Attempt {
            occurrence_id: shift.event.occurrence_id.clone(),
            provider_id: shift.event.provider_id.clone(),
            attempt,
            round: slot.round,
            position: slot.position,
            employee_id: staff.employee_id.clone(),
            first_name: staff.first_name.clone(),
            phone: staff.phone.clone(),
            purpose: PURPOSE.into(),
            text: offer.text,
            greeting_end: offer.greeting_end.and_then(|end| u32::try_from(end).ok()),
            language: speech.tag,
            voice_id,
            call_sid: None,
            twilio_status: None,
            status_sequence: None,
            duration_secs: None,
            answered_by: None,
            outcome: None,
            skip_reason: None,
            digit: None,
            created_at: Utc::now(),
            paced_at: None,
            ended_at: None,
            advanced: false,
            pace_slot,
            pace_holder,
            speech_chars: 0,
            recording_sid: None,
            sms_follow_up: shift.settings.sms_follow_up,
        }
    }

    /// Turn `attempt` of `shift`, skipped for `why`: nobody is rung, and the turn is over.
    pub fn skipped(shift: &Shift, attempt: u32, slot: Slot, why: SkipReason) -> Attempt {
        Attempt {
            outcome: Some(Outcome::Skipped),
            skip_reason: Some(why),
            ..Attempt::new(shift, attempt, slot, String::new().into(), None)
        }
    }

    /// Whether someone was rung (a skipped turn is not a call).
    pub fn is_call(&self) -> bool {
        self.outcome.is_none_or(Outcome::is_call)
    }

    pub fn status(&self) -> Option<CallStatus> {
        self.twilio_status.as_deref().and_then(CallStatus::parse)
    }

    /// The call has ended (a final status), was never placed (refused), or the campaign has
    /// moved on from it.
    pub fn is_over(&self) -> bool {
        self.advanced
            || self.status().is_some_and(CallStatus::is_terminal)
            || (self.outcome.is_some() && self.call_sid.is_none())
    }

    /// Over with a call Twilio never confirmed (its answer lost, the run placing it dead, its
    /// callbacks lost): no CallSid, no status, and an outcome only a call has (a key press, a
    /// time-out webhook) or that came while it was being placed (cancelled with its shift). A
    /// refused or skipped turn had no call.
    pub fn over_unconfirmed(&self) -> bool {
        self.call_sid.is_none()
            && self.twilio_status.is_none()
            && self
                .outcome
                .is_some_and(|o| !matches!(o, Outcome::Skipped | Outcome::Failed))
    }

    /// Cancelled (its shift filled or cancelled) while its call was being placed or rang: the
    /// call ends only when this product ends it. A key press too late keeps its "1".
    pub fn cancelled_by_its_shift(&self) -> bool {
        self.outcome == Some(Outcome::Canceled) && self.digit.is_none()
    }

    /// How the call speaks.
    pub fn speech(&self) -> Speech {
        Speech::of(&self.language)
    }

    /// The offer as it is spoken: whole, or the greeting then the shift's body.
    pub fn spoken(&self) -> template::Spoken<'_> {
        template::Spoken::of(&self.text, self.greeting_end.map(|e| e as usize))
    }

    /// The id used in the audio URL: `{occurrenceId}.{attempt}`.
    pub fn call_id(&self) -> String {
        call_id(&self.occurrence_id, self.attempt)
    }
}

pub fn call_id(occurrence_id: &str, attempt: u32) -> String {
    format!("{occurrence_id}.{attempt}")
}

pub fn parse_call_id(call_id: &str) -> Option<(String, u32)> {
    let (occ, k) = call_id.rsplit_once('.')?;
    Some((occ.to_string(), k.parse().ok()?)).filter(|(o, _)| !o.is_empty())
}
