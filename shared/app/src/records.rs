//! What is stored about a shift and each call attempt.

use callout_core::campaign::{self, CallStatus, Outcome, Plan, Rank, SkipReason, Slot};
use callout_core::decide::{Campaign, HoldReason};
use callout_core::lang::Speech;
use callout_core::model::{ShiftStatus, StaffMember, Wave3Completed};
use callout_core::settings::{Calling, ShiftSettings, Speaking};
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
    /// What the provider's settings said when the shift started (`service::start`).
    pub settings: ShiftSettings,
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
    /// The last call held back, why and until when (`service::hold`).
    pub held: Option<Held>,
    /// Who declined this shift so far (a 2 on one of its calls): `service::record_decline`.
    /// (Who passed on it, by text or on the call-back line, is kept beside it: `PASS#`.)
    pub declined: BTreeSet<String>,
    /// Who declined a shift for the same patient within `declineMemoryDays` of this shift's
    /// start: called last in every round (fixed at the start, so every round has one order).
    pub called_last: BTreeSet<String>,
    /// Why the shift was not called (`NOT_CALLED`: nobody callable, an unusable event).
    pub not_called: Option<String>,
}

/// A call held back (per-person pacing, quiet hours): whose turn, why and until when, as the
/// call log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Held {
    pub attempt: u32,
    pub employee_id: String,
    pub first_name: String,
    pub reason: HoldReason,
    pub until: DateTime<Utc>,
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
    /// A new, open shift: its event, and whether, how many rounds and with what message the
    /// provider's settings said to call it (the rest of [`ShiftSettings`] at the defaults).
    pub fn open(
        event: Wave3Completed,
        calling_enabled: bool,
        max_rounds: u32,
        message_template: String,
        created_at: DateTime<Utc>,
    ) -> Shift {
        let settings = ShiftSettings {
            calling_enabled,
            max_rounds,
            message_template,
            ..ShiftSettings::default()
        };
        Shift::started(event, settings, created_at)
    }

    /// A new, open shift: its event and what it keeps of the provider's settings.
    pub fn started(
        event: Wave3Completed,
        settings: ShiftSettings,
        created_at: DateTime<Utc>,
    ) -> Shift {
        Shift {
            event,
            status: ShiftStatus::Open,
            settings,
            created_at,
            scheduled_at: None,
            assigned_to: None,
            assigned_channel: None,
            assigned_at: None,
            unfilled_at: None,
            assigned_attempt: None,
            acceptance_finished: false,
            confirmation_sms: None,
            held: None,
            declined: BTreeSet::new(),
            called_last: BTreeSet::new(),
            not_called: None,
        }
    }

    pub fn occurrence_id(&self) -> &str {
        &self.event.occurrence_id
    }

    /// Whether the provider called shifts when this one started (`enabled`).
    pub fn calling_enabled(&self) -> bool {
        self.settings.calling_enabled
    }

    pub fn max_rounds(&self) -> u32 {
        self.settings.max_rounds
    }

    /// The default language's template (`speaking` has the others).
    pub fn message_template(&self) -> &str {
        &self.settings.message_template
    }

    /// One person at a time, or a broadcast of some size.
    pub fn calling(&self) -> Calling {
        self.settings.calling
    }

    /// How many people a round rings at once (1: one at a time; more: broadcast calling).
    pub fn calls_at_once(&self) -> u32 {
        self.settings.calling.calls_at_once()
    }

    /// The most calls a person gets in an hour, across every shift and provider.
    pub fn person_hourly_limit(&self) -> u32 {
        self.settings.person_hourly_limit
    }

    /// The provider's quiet hours when the calls started, if it has any.
    pub fn quiet(&self) -> Option<&callout_core::quiet::Quiet> {
        self.settings.quiet.as_ref()
    }

    /// `skipDecliners` when the shift started: whoever declined it is not called again.
    pub fn skip_decliners(&self) -> bool {
        self.settings.skip_decliners
    }

    /// Languages, templates and voices when the shift started.
    pub fn speaking(&self) -> &Speaking {
        &self.settings.speaking
    }

    /// The call held back (per-person pacing, quiet hours) that is still not placed, as the
    /// call log shows it (who, why, until when); `None` once it is placed or the shift closed.
    pub fn waiting(&self, attempts: &[Attempt]) -> Option<&Held> {
        self.held.as_ref().filter(|h| {
            self.status == ShiftStatus::Open && !attempts.iter().any(|a| a.attempt == h.attempt)
        })
    }

    /// The attempts rung together with attempt `k` (just `k` unless broadcasting).
    pub fn batch(&self, k: u32) -> std::ops::Range<u32> {
        self.plan().batch(k, self.calls_at_once())
    }

    pub fn plan(&self) -> Plan {
        Plan {
            pool_size: self.event.staff_pool.len() as u32,
            max_rounds: self.max_rounds(),
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

    /// How the shift calls: its plan and how many people a round rings at once.
    pub fn campaign(&self) -> Campaign {
        Campaign {
            plan: self.plan(),
            calls_at_once: self.calls_at_once(),
        }
    }

    /// Why turn `k`'s person is left out now, if they are: they passed on the shift (`passed`:
    /// who did), or declined it on an earlier call and the shift skips decliners.
    pub fn skip_reason(&self, k: u32, passed: &BTreeSet<String>) -> Option<SkipReason> {
        let slot = self.plan().slot(k)?;
        let person = &self.callee(slot).employee_id;
        if passed.contains(person) {
            Some(SkipReason::Passed)
        } else if self.skip_decliners() && self.declined.contains(person) {
            Some(SkipReason::DeclinedBefore)
        } else {
            None
        }
    }

    /// What a person is spoken to in.
    pub fn speech_for(&self, staff: &StaffMember) -> Speech {
        self.speaking().speech_for(staff.language.as_deref())
    }

    /// The offer `staff` hears: the template of their language, rendered in it.
    pub fn offer_text(&self, staff: &StaffMember) -> String {
        let speech = self.speech_for(staff);
        let template = self.speaking().template(&speech, self.message_template());
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
    /// Why the turn was skipped without a call (with `Outcome::Skipped`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<SkipReason>,
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
    /// Results: characters sent to the speech service for this call (0: cached or `<Say>`).
    pub speech_chars: u32,
    /// Call recording: Twilio's recording of this call, until it is deleted after the
    /// provider's retention (fetched only through the provider API).
    pub recording_sid: Option<String>,
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
            text,
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
            ended_at: None,
            advanced: false,
            pace_slot,
            pace_holder,
            speech_chars: 0,
            recording_sid: None,
        }
    }

    /// Turn `attempt` of `shift`, skipped for `why`: nobody is rung, and the turn is over.
    pub fn skipped(shift: &Shift, attempt: u32, slot: Slot, why: SkipReason) -> Attempt {
        Attempt {
            outcome: Some(Outcome::Skipped),
            skip_reason: Some(why),
            ..Attempt::new(shift, attempt, slot, String::new(), None)
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

/// A task on the dial queue, one meaning per kind (`kind` in the JSON; the start schedule's
/// first task has none and is a [`Task::Dial`]: read tasks with [`Task::from_json`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Task {
    /// Place attempt `attempt` of a shift.
    Dial(Dial),
    /// The attempt's final status is recorded: free its call slot and move the campaign on,
    /// placing the next call in the same run (a hang-up reaches the next call in one hop).
    CallEnded(AttemptRef),
    /// No final status may ever arrive for the attempt (lost callbacks): ask Twilio.
    CheckCall(Check),
    /// Finish what follows an acceptance (calls ended, the confirmation SMS, `ShiftFilled`).
    FinishAcceptance(ShiftRef),
    /// The waiting line's watchdog (see `service::slots`).
    WakeWaiters {},
    /// Delete one call recording past its retention at Twilio (queued by the daily run, one
    /// task per recording, so any backlog drains): its deletion-line item goes only once
    /// Twilio confirms (deleted, or already gone).
    DeleteRecording(crate::adapters::store::DueRecording),
}

/// Attempt `attempt` of a shift, to be placed. Only dial tasks wait for a call slot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dial {
    pub occurrence_id: String,
    pub attempt: u32,
    /// When this dial task first found every call slot taken (milliseconds since the epoch):
    /// its place in the waiting line, kept when it is woken and has to wait again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<i64>,
    /// The call slot a call that ended handed straight to this waiting task (held for it under
    /// [`Dial::granted_holder`]), so no task that arrived later takes it first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_slot: Option<u32>,
}

/// One attempt of a shift.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptRef {
    pub occurrence_id: String,
    pub attempt: u32,
}

/// A check of an attempt's call, and how many checks of it came before (each check that finds
/// the call not over, or Twilio refusing to say, queues the next with one more).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub occurrence_id: String,
    pub attempt: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub checks: u32,
}

/// A shift.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShiftRef {
    pub occurrence_id: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Task {
    pub fn dial(occurrence_id: &str, attempt: u32) -> Task {
        Task::Dial(Dial::new(occurrence_id, attempt))
    }

    pub fn call_ended(occurrence_id: &str, attempt: u32) -> Task {
        Task::CallEnded(AttemptRef {
            occurrence_id: occurrence_id.into(),
            attempt,
        })
    }

    /// The `checks`-th check of an attempt's call (the first is 0).
    pub fn check(occurrence_id: &str, attempt: u32, checks: u32) -> Task {
        Task::CheckCall(Check {
            occurrence_id: occurrence_id.into(),
            attempt,
            checks,
        })
    }

    pub fn finish_acceptance(occurrence_id: &str) -> Task {
        Task::FinishAcceptance(ShiftRef {
            occurrence_id: occurrence_id.into(),
        })
    }

    pub fn wake_waiters() -> Task {
        Task::WakeWaiters {}
    }

    /// A task from the queue: a body without `kind` (the start schedule's) is a dial task.
    pub fn from_json(body: &str) -> serde_json::Result<Task> {
        let mut value: serde_json::Value = serde_json::from_str(body)?;
        if let Some(fields) = value.as_object_mut() {
            fields.entry("kind").or_insert_with(|| "dial".into());
        }
        serde_json::from_value(value)
    }

    /// Every kind, as in the JSON (`limits::dialer_tasks` describes each).
    pub const KINDS: [&'static str; 6] = [
        "dial",
        "callEnded",
        "checkCall",
        "finishAcceptance",
        "wakeWaiters",
        "deleteRecording",
    ];

    /// The kind, as in the JSON (for logs).
    pub fn kind(&self) -> &'static str {
        match self {
            Task::Dial(_) => "dial",
            Task::CallEnded(_) => "callEnded",
            Task::CheckCall(_) => "checkCall",
            Task::FinishAcceptance(_) => "finishAcceptance",
            Task::WakeWaiters {} => "wakeWaiters",
            Task::DeleteRecording(_) => "deleteRecording",
        }
    }

    /// Whether the task's step may make a Twilio request (the watchdog only hands on slots).
    pub fn may_use_twilio(&self) -> bool {
        !matches!(self, Task::WakeWaiters {})
    }

    /// The shift the task is about (none for the watchdog).
    pub fn occurrence_id(&self) -> &str {
        match self {
            Task::Dial(t) => &t.occurrence_id,
            Task::CallEnded(t) => &t.occurrence_id,
            Task::CheckCall(t) => &t.occurrence_id,
            Task::FinishAcceptance(t) => &t.occurrence_id,
            Task::DeleteRecording(d) => &d.occurrence_id,
            Task::WakeWaiters {} => "",
        }
    }

    /// The attempt the task is about, if it is about one.
    pub fn attempt(&self) -> Option<u32> {
        match self {
            Task::Dial(t) => Some(t.attempt),
            Task::CallEnded(t) => Some(t.attempt),
            Task::CheckCall(t) => Some(t.attempt),
            Task::DeleteRecording(d) => Some(d.attempt),
            Task::FinishAcceptance(_) | Task::WakeWaiters {} => None,
        }
    }
}

impl Dial {
    pub fn new(occurrence_id: &str, attempt: u32) -> Dial {
        Dial {
            occurrence_id: occurrence_id.into(),
            attempt,
            waiting_since: None,
            granted_slot: None,
        }
    }

    /// Who holds the slot handed to this waiting task: the same for every copy of the task (a
    /// slot handed twice is handed to the same holder).
    pub fn granted_holder(&self) -> String {
        let since = self.waiting_since.unwrap_or_default();
        format!("{}#{}#w{since}", self.occurrence_id, self.attempt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedules_task_is_a_dial_task() {
        let t = Task::from_json(r#"{"occurrenceId":"occ_1","attempt":0}"#).unwrap();
        assert_eq!(t, Task::dial("occ_1", 0));
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"dial","occurrenceId":"occ_1","attempt":0}"#
        );
        assert_eq!(Task::from_json(&json).unwrap(), t);
        assert!(Task::from_json("[1]").is_err());
        assert!(Task::from_json(r#"{"kind":"dial","occurrenceId":"o"}"#).is_err());
        assert!(Task::from_json(r#"{"kind":"sing","occurrenceId":"o","attempt":1}"#).is_err());
    }

    #[test]
    fn every_kind_round_trips_and_says_what_it_is_about() {
        let tasks = [
            (Task::dial("o", 1), "dial", Some(1)),
            (Task::call_ended("o", 2), "callEnded", Some(2)),
            (Task::check("o", 3, 4), "checkCall", Some(3)),
            (Task::finish_acceptance("o"), "finishAcceptance", None),
            (Task::wake_waiters(), "wakeWaiters", None),
            (
                Task::DeleteRecording(crate::adapters::store::DueRecording {
                    occurrence_id: "o".into(),
                    attempt: 5,
                    recording_sid: "RE1".into(),
                    sk: "DUE#2026-01-01T00:00:00.000000+00:00#o#00005".into(),
                }),
                "deleteRecording",
                Some(5),
            ),
        ];
        assert_eq!(tasks.len(), Task::KINDS.len());
        for (task, kind, attempt) in tasks {
            assert!(Task::KINDS.contains(&task.kind()));
            let json = serde_json::to_string(&task).unwrap();
            assert!(json.contains(&format!(r#""kind":"{kind}""#)), "{json}");
            assert_eq!(Task::from_json(&json).unwrap(), task);
            assert_eq!(task.kind(), kind);
            assert_eq!(task.attempt(), attempt);
            let about = if kind == "wakeWaiters" { "" } else { "o" };
            assert_eq!(task.occurrence_id(), about);
        }
        assert_eq!(
            serde_json::to_string(&Task::check("o", 3, 0)).unwrap(),
            r#"{"kind":"checkCall","occurrenceId":"o","attempt":3}"#
        );
    }

    /// Tasks queued before the tasks were typed still read as what they meant.
    #[test]
    fn tasks_in_the_older_shape_still_read() {
        let old = [
            (
                r#"{"occurrenceId":"o","attempt":2,"waitingSince":5,"grantedSlot":1}"#,
                Task::Dial(Dial {
                    waiting_since: Some(5),
                    granted_slot: Some(1),
                    ..Dial::new("o", 2)
                }),
            ),
            (
                r#"{"occurrenceId":"o","attempt":3,"kind":"checkCall","checks":2}"#,
                Task::check("o", 3, 2),
            ),
            (
                r#"{"occurrenceId":"o","attempt":0,"kind":"finishAcceptance"}"#,
                Task::finish_acceptance("o"),
            ),
            (
                r#"{"occurrenceId":"","attempt":0,"kind":"wakeWaiters"}"#,
                Task::wake_waiters(),
            ),
        ];
        for (json, task) in old {
            assert_eq!(Task::from_json(json).unwrap(), task, "{json}");
        }
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
