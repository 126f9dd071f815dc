//! What is stored about a shift and each call attempt.

use callout_core::campaign::{self, Advance, CallStatus, Outcome, Plan, Rank, Slot};
use callout_core::lang::Speech;
use callout_core::model::{ShiftStatus, StaffMember, Wave3Completed};
use callout_core::settings::Speaking;
use callout_core::template::{self, Values};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;

pub const PURPOSE: &str = "Outbound Job Offer";

/// A shift being called about: the start event as checked, the settings it was started with,
/// and where it is now.
#[derive(Debug, Clone)]
pub struct Shift {
    pub event: Wave3Completed,
    pub status: ShiftStatus,
    pub calling_enabled: bool,
    pub max_rounds: u32,
    pub message_template: String,
    pub created_at: DateTime<Utc>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub assigned_to: Option<String>,
    pub assigned_channel: Option<String>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub unfilled_at: Option<DateTime<Utc>>,
    /// The call the winner pressed 1 on (phone acceptances).
    pub assigned_attempt: Option<u32>,
    /// Everything after the acceptance (calls ended, SMS, `ShiftFilled`) is done.
    pub acceptance_finished: bool,
    /// What became of the winner's confirmation SMS.
    pub confirmation_sms: Option<Delivery>,
    /// `skipDecliners` when the shift started: whoever declined it is not called again.
    pub skip_decliners: bool,
    /// Who declined this shift so far (a 2 on a call, a NO by SMS): `service::record_decline`.
    pub declined: BTreeSet<String>,
    /// Who declined a shift for the same patient within `declineMemoryDays` of this shift's
    /// start: called last in every round (fixed at the start, so every round has one order).
    pub called_last: BTreeSet<String>,
    /// Languages, templates and voices when the shift started (`messageTemplate` above is the
    /// default language's template).
    pub speaking: Speaking,
}

/// What became of a message to a person: sent (with Twilio's SID) or refused (Twilio's code
/// and message, e.g. 21610 when the person has opted out), and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// `sent` or `refused`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

impl Shift {
    /// A new, open shift: its event, and how the provider's settings said to call it then.
    pub fn open(
        event: Wave3Completed,
        calling_enabled: bool,
        max_rounds: u32,
        message_template: String,
        created_at: DateTime<Utc>,
    ) -> Shift {
        Shift {
            event,
            status: ShiftStatus::Open,
            calling_enabled,
            max_rounds,
            message_template,
            created_at,
            scheduled_at: None,
            assigned_to: None,
            assigned_channel: None,
            assigned_at: None,
            unfilled_at: None,
            assigned_attempt: None,
            acceptance_finished: false,
            confirmation_sms: None,
            skip_decliners: false,
            declined: BTreeSet::new(),
            called_last: BTreeSet::new(),
            speaking: Speaking::default(),
        }
    }

    pub fn occurrence_id(&self) -> &str {
        &self.event.occurrence_id
    }

    pub fn plan(&self) -> Plan {
        Plan {
            pool_size: self.event.staff_pool.len() as u32,
            max_rounds: self.max_rounds,
        }
    }

    pub fn staff(&self, employee_id: &str) -> Option<&StaffMember> {
        self.event
            .staff_pool
            .iter()
            .find(|s| s.employee_id == employee_id)
    }

    /// The order every round calls the pool in (`campaign::call_order`: priority, pool order,
    /// recent decliners of this patient last), as pool indexes.
    pub fn call_order(&self) -> Vec<u32> {
        let ranks: Vec<Rank> = self
            .event
            .staff_pool
            .iter()
            .map(|s| Rank {
                priority: s.priority,
                called_last: self.called_last.contains(&s.employee_id),
            })
            .collect();
        campaign::call_order(&ranks)
    }

    /// Who a slot of the plan calls.
    pub fn callee(&self, slot: Slot) -> &StaffMember {
        self.callee_in(&self.call_order(), slot)
    }

    fn callee_in(&self, order: &[u32], slot: Slot) -> &StaffMember {
        &self.event.staff_pool[order[slot.position as usize] as usize]
    }

    /// Whether a slot's person is left out now (`campaign::skipped`).
    fn skips_in(&self, order: &[u32], slot: Slot) -> bool {
        let person = &self.callee_in(order, slot).employee_id;
        campaign::skipped(self.skip_decliners, self.declined.contains(person))
    }

    /// Whether attempt `k`'s person is left out now (declined since the attempt was queued).
    pub fn skips(&self, k: u32) -> bool {
        let order = self.call_order();
        self.plan()
            .slot(k)
            .is_some_and(|slot| self.skips_in(&order, slot))
    }

    /// The first attempt after `k` whose person is still called.
    pub fn next_callable_after(&self, k: u32) -> Option<u32> {
        let order = self.call_order();
        self.plan()
            .next_callable(k.saturating_add(1), |slot| self.skips_in(&order, slot))
    }

    /// What follows attempt `k` (ended without an acceptance), skipping who is left out.
    pub fn next_after(&self, k: u32) -> Advance {
        let order = self.call_order();
        self.plan()
            .after_skipping(k, |slot| self.skips_in(&order, slot))
    }

    /// What a person is spoken to in.
    pub fn speech_for(&self, staff: &StaffMember) -> Speech {
        self.speaking.speech_for(staff.language.as_deref())
    }

    /// The offer `staff` hears: the template of their language, rendered in it.
    pub fn offer_text(&self, staff: &StaffMember) -> String {
        let speech = self.speech_for(staff);
        let template = self.speaking.template(&speech, &self.message_template);
        template::render_in(
            speech.language,
            template,
            &Values::for_job_in(speech.language, &staff.first_name, &self.event.job),
        )
    }
}

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
    pub digit: Option<String>,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub advanced: bool,
    /// The call slot held while this call is live (see `callout_core::pacing`).
    #[serde(skip)]
    pub pace_slot: Option<u32>,
    #[serde(skip)]
    pub pace_holder: Option<String>,
}

impl Attempt {
    /// A new attempt of `shift`: who `slot` names, the words they will hear (in their
    /// language, with their language's voice), and the call slot it holds (if any). Nothing
    /// about the call itself is known yet.
    pub fn new(
        shift: &Shift,
        attempt: u32,
        slot: Slot,
        text: String,
        pace: Option<(u32, String)>,
    ) -> Attempt {
        let staff = shift.callee(slot);
        let speech = shift.speech_for(staff);
        let voice_id = shift.speaking.voice(&speech).map(str::to_string);
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
            text,
            language: speech.tag,
            voice_id,
            call_sid: None,
            twilio_status: None,
            status_sequence: None,
            duration_secs: None,
            answered_by: None,
            outcome: None,
            digit: None,
            created_at: Utc::now(),
            ended_at: None,
            advanced: false,
            pace_slot,
            pace_holder,
        }
    }

    pub fn status(&self) -> Option<CallStatus> {
        self.twilio_status.as_deref().and_then(CallStatus::parse)
    }

    /// How the call speaks.
    pub fn speech(&self) -> Speech {
        Speech::of(&self.language)
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

/// A task on the dial queue. Without `kind` (as the start schedule sends it) it places
/// attempt `attempt` of a shift.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialTask {
    pub occurrence_id: String,
    pub attempt: u32,
    #[serde(default, skip_serializing_if = "TaskKind::is_dial")]
    pub kind: TaskKind,
    /// When this dial task first found every call slot taken (milliseconds since the epoch):
    /// its place in the waiting line, kept when it is woken and has to wait again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<i64>,
    /// The call slot a call that ended handed straight to this waiting task (held for it under
    /// [`DialTask::granted_holder`]), so no task that arrived later takes it first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_slot: Option<u32>,
    /// For a `CheckCall`: how many checks of this attempt came before (each check that finds
    /// the call not over, or Twilio refusing to say, queues the next with one more).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub checks: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TaskKind {
    /// Place the call.
    #[default]
    Dial,
    /// No final status has arrived for the attempt yet: ask Twilio (lost callbacks).
    CheckCall,
    /// Finish what follows an acceptance (SMS, events, ending calls).
    FinishAcceptance,
    /// The waiting line's watchdog (see `service::arm_watchdog`).
    WakeWaiters,
}

impl TaskKind {
    fn is_dial(&self) -> bool {
        *self == TaskKind::Dial
    }
}

impl DialTask {
    pub fn dial(occurrence_id: &str, attempt: u32) -> DialTask {
        DialTask {
            occurrence_id: occurrence_id.into(),
            attempt,
            kind: TaskKind::Dial,
            waiting_since: None,
            granted_slot: None,
            checks: 0,
        }
    }

    pub fn check(occurrence_id: &str, attempt: u32) -> DialTask {
        DialTask {
            kind: TaskKind::CheckCall,
            ..DialTask::dial(occurrence_id, attempt)
        }
    }

    /// Who holds the slot handed to this waiting task: the same for every copy of the task (a
    /// slot handed twice is handed to the same holder).
    pub fn granted_holder(&self) -> String {
        let since = self.waiting_since.unwrap_or_default();
        format!("{}#{}#w{since}", self.occurrence_id, self.attempt)
    }

    pub fn wake_waiters() -> DialTask {
        DialTask {
            kind: TaskKind::WakeWaiters,
            ..DialTask::dial("", 0)
        }
    }

    pub fn finish_acceptance(occurrence_id: &str) -> DialTask {
        DialTask {
            kind: TaskKind::FinishAcceptance,
            ..DialTask::dial(occurrence_id, 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedules_task_is_a_dial_task() {
        let t: DialTask = serde_json::from_str(r#"{"occurrenceId":"occ_1","attempt":0}"#).unwrap();
        assert_eq!(t, DialTask::dial("occ_1", 0));
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"occurrenceId":"occ_1","attempt":0}"#
        );
        let c = serde_json::to_string(&DialTask::check("o", 3)).unwrap();
        assert_eq!(c, r#"{"occurrenceId":"o","attempt":3,"kind":"checkCall"}"#);
        assert_eq!(
            serde_json::from_str::<DialTask>(&c).unwrap().kind,
            TaskKind::CheckCall
        );
    }

    #[test]
    fn call_ids_round_trip() {
        assert_eq!(
            parse_call_id(&call_id("occ.with.dots", 7)),
            Some(("occ.with.dots".into(), 7))
        );
        assert_eq!(parse_call_id("nodot"), None);
        assert_eq!(parse_call_id(".3"), None);
    }
}
