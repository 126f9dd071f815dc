//! The one decision: what happens next for a shift, from its snapshot and the facts.
//!
//! Two moments ask it: a turn comes due (a dial task for attempt `k`) and a turn is over (its
//! call ended, was refused or was skipped). Sequential and broadcast calling, priority order,
//! skipping decliners, passes by text or on the call-back line, per-person pacing and quiet
//! hours, and a coordinator's pause, are all cases of [`decide`], not paths of their own. A skipped turn has one recorded
//! shape (an attempt with `Outcome::Skipped` and its [`SkipReason`]) that every mode advances
//! past like any other turn, and that no figure counts as a call.

use crate::campaign::{Advance, Plan, SkipReason};
use crate::model::ShiftStatus;

/// How a shift calls, fixed at its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Campaign {
    pub plan: Plan,
    /// How many people a round rings at once (1: one at a time).
    pub calls_at_once: u32,
}

/// The moment the decision is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// Turn `k` is due: its dial task runs.
    Due(u32),
    /// Turn `k` is over without an acceptance (a call ended, was refused, or the turn was
    /// skipped).
    Over(u32),
}

/// What is known when the decision is asked for. `skip` says whose turn is left out now and
/// why (passed on the shift, or declined it before with `skipDecliners`), by turn.
pub struct Facts<'a> {
    pub status: ShiftStatus,
    /// `Due`: an attempt is already recorded for the turn (another copy of its task has it).
    pub recorded: bool,
    pub skip: &'a (dyn Fn(u32) -> Option<SkipReason> + Sync),
    /// `Due`: a coordinator paused the shift's calling; the turn looks again at this moment
    /// (ms since the epoch) and is placed only once calling is resumed. Live calls go on.
    pub paused_until: Option<i64>,
    /// `Due`: when the shift's quiet hours end, if no call may start now (ms since the epoch).
    pub quiet_until: Option<i64>,
    /// `Due`: when the person may be called again, if not now (per-person pacing; ms).
    pub person_wait: Option<i64>,
    /// `Over`: every other turn of the batch rung with this one is over (always true one at a
    /// time).
    pub batch_over: bool,
}

/// Why a call is held back (as the call log shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum HoldReason {
    /// The person's calls in the last hour (or minute) reached `maxCallsPerPersonPerHour`.
    #[serde(rename = "maxCallsPerPersonPerHour")]
    PersonHourlyLimit,
    /// The provider's quiet hours.
    #[serde(rename = "quietHours")]
    QuietHours,
    /// A coordinator paused the shift's calling (until resumed).
    #[serde(rename = "paused")]
    Paused,
}

impl HoldReason {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::PersonHourlyLimit => "maxCallsPerPersonPerHour",
            HoldReason::QuietHours => "quietHours",
            HoldReason::Paused => "paused",
        }
    }
}

/// Why nothing is done for a due turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idle {
    /// The shift is filled, cancelled, unfilled or not called: no call any more.
    ShiftNotOpen,
    /// The turn is past the plan (rounds × pool).
    BeyondPlan,
    /// The turn is already recorded (a duplicate delivery, or a copy whose first run goes on).
    Recorded,
    /// `Over`: another call of the batch is still live; its end moves the campaign on.
    BatchNotOver,
}

impl Idle {
    /// The log line's event name.
    pub fn as_str(self) -> &'static str {
        match self {
            Idle::ShiftNotOpen => "dial_task_dropped_shift_not_open",
            Idle::BeyondPlan => "dial_task_beyond_plan",
            Idle::Recorded => "dial_task_duplicate",
            Idle::BatchNotOver => "batch_not_over",
        }
    }
}

/// How a campaign ends without a call being placed for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Every round is done and nobody accepted: `UNFILLED_AFTER_CALLS`.
    Unfilled,
}

/// What happens next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// `Due`: place the turn's call.
    Place,
    /// `Due`: not yet; the turn comes back at `until` (ms since the epoch).
    Hold {
        until: i64,
        reason: HoldReason,
    },
    /// `Due`: no call; the turn is recorded as skipped and is over at once.
    Skip(SkipReason),
    /// `Over`: turn `attempt` comes due after `delay_secs`.
    Next {
        attempt: u32,
        delay_secs: u64,
    },
    Finish(Finish),
    Idle(Idle),
}

/// What happens next for a shift at `moment`.
pub fn decide(campaign: &Campaign, facts: &Facts, moment: Moment) -> Decision {
    match moment {
        Moment::Due(k) => due(campaign, facts, k),
        Moment::Over(k) => over(campaign, facts, k),
    }
}

fn due(campaign: &Campaign, facts: &Facts, k: u32) -> Decision {
    if facts.status != ShiftStatus::Open {
        return Decision::Idle(Idle::ShiftNotOpen);
    }
    if campaign.plan.slot(k).is_none() {
        return Decision::Idle(Idle::BeyondPlan);
    }
    if facts.recorded {
        return Decision::Idle(Idle::Recorded);
    }
    // Paused: the campaign stands still where it is (nothing placed, nothing skipped past).
    if let Some(until) = facts.paused_until {
        return Decision::Hold {
            until,
            reason: HoldReason::Paused,
        };
    }
    if let Some(why) = (facts.skip)(k) {
        return Decision::Skip(why);
    }
    if let Some(until) = facts.quiet_until {
        return Decision::Hold {
            until,
            reason: HoldReason::QuietHours,
        };
    }
    if let Some(until) = facts.person_wait {
        return Decision::Hold {
            until,
            reason: HoldReason::PersonHourlyLimit,
        };
    }
    Decision::Place
}

fn over(campaign: &Campaign, facts: &Facts, k: u32) -> Decision {
    // A shift marked unfilled by a step that stopped before its event still finishes.
    if !matches!(
        facts.status,
        ShiftStatus::Open | ShiftStatus::UnfilledAfterCalls
    ) {
        return Decision::Idle(Idle::ShiftNotOpen);
    }
    if !facts.batch_over {
        return Decision::Idle(Idle::BatchNotOver);
    }
    let plan = &campaign.plan;
    let next = if campaign.calls_at_once > 1 {
        plan.after_batch(k, campaign.calls_at_once)
    } else {
        plan.after(k)
    };
    match (facts.status, next) {
        (
            ShiftStatus::Open,
            Advance::Call {
                attempt,
                delay_secs,
            },
        ) => {
            // With nobody left to ring (every turn to come skipped), the rest is recorded at
            // once, without the round pause: the shift goes to a coordinator without waiting.
            let nobody_left = (attempt..plan.total_attempts()).all(|t| (facts.skip)(t).is_some());
            Decision::Next {
                attempt,
                delay_secs: if nobody_left { 0 } else { delay_secs },
            }
        }
        (_, Advance::Unfilled) => Decision::Finish(Finish::Unfilled),
        _ => Decision::Idle(Idle::ShiftNotOpen),
    }
}

#[cfg(test)]
mod tests;
