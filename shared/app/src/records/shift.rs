//! A shift being called about: its event, its settings snapshot, where it is now, and the
//! call held back; what became of a message to a person.

use callout_core::campaign::{self, Plan, Rank, SkipReason, Slot};
use callout_core::decide::{Campaign, HoldReason};
use callout_core::lang::Speech;
use callout_core::model::{ShiftStatus, StaffMember, Wave3Completed};
use callout_core::settings::{Calling, ShiftSettings, Speaking};
use callout_core::template::{self, Values};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;

use super::Attempt;

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
    /// A task of the campaign that failed every try and went to the dead-letter queue: the
    /// campaign is stopped until it is redriven (`service::task_dead_lettered`).
    pub stalled: Option<Stalled>,
    /// Who declined this shift so far (a 2 on one of its calls): `service::record_decline`.
    pub declined: BTreeSet<String>,
    /// Who passed on it, by text or on the call-back line (written with their `PASS#` item,
    /// so a turn is decided from the shift alone).
    pub passed: BTreeSet<String>,
    /// Who declined a shift for the same patient within `declineMemoryDays` of this shift's
    /// start: called last in every round (fixed at the start, so every round has one order).
    pub called_last: BTreeSet<String>,
    /// Why the shift was not called (`NOT_CALLED`: nobody callable, an unusable event).
    pub not_called: Option<String>,
    /// A coordinator paused its calling (`service::control`): no call is placed until resumed.
    pub paused: bool,
    /// A coordinator skipped what was left of the wait (`callNow`, once).
    pub called_now: bool,
    /// Every coordinator's action on the shift, oldest first (the call log shows them).
    pub controls: Vec<super::Control>,
}

/// A task of a shift's campaign that failed every try (its last error, kept short) and waits in
/// the dead-letter queue: the call log says so, so a coordinator knows calling stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stalled {
    /// The task's kind (`dial`, `callEnded`, …) and its attempt, if it has one.
    pub task: String,
    pub attempt: Option<u32>,
    pub reason: String,
    pub at: DateTime<Utc>,
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
            stalled: None,
            declined: BTreeSet::new(),
            passed: BTreeSet::new(),
            called_last: BTreeSet::new(),
            not_called: None,
            paused: false,
            called_now: false,
            controls: Vec::new(),
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

    /// The provider's own number (`fromNumber`) when the shift started: its calls and texts
    /// come from it; `None`: from the platform's number.
    pub fn from_number(&self) -> Option<&str> {
        self.settings.from_number.as_deref()
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

    /// Why turn `k`'s person is left out now, if they are: they passed on the shift, or
    /// declined it on an earlier call and the shift skips decliners.
    pub fn skip_reason(&self, k: u32) -> Option<SkipReason> {
        let slot = self.plan().slot(k)?;
        let person = &self.callee(slot).employee_id;
        if self.passed.contains(person) {
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

    /// The offer `staff` hears: the template of their language, rendered in it (with where
    /// its greeting ends, when the rest is the same for everyone: `template::offer_in`).
    pub fn offer_text(&self, staff: &StaffMember) -> template::Offer {
        let speech = self.speech_for(staff);
        let template = self.speaking().template(&speech, self.message_template());
        template::offer_in(
            speech.language,
            template,
            &Values::for_job_in(speech.language, &staff.first_name, &self.event.job),
        )
    }
}
