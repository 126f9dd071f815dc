//! The campaign's rules: who is called in which order, what each ending of a call means, and
//! what happens after it.
//!
//! Attempts are numbered 0, 1, 2, … across the whole campaign: attempt `k` calls the person at
//! place `k % N` of the round's call order ([`call_order`]: priority, then pool order; people
//! who declined a shift for the same patient lately last) in round `k / N + 1`. One call at a
//! time per shift; the next attempt follows the end of the previous one at once, or after the
//! round pause when a new round begins.
//!
//! Which turns are placed, held or skipped, and what follows a turn, is `crate::decide`'s: a
//! skipped turn keeps its number and is recorded as `Outcome::Skipped` with its [`SkipReason`],
//! so `round` and `position` always mean what they mean without skipping.

use serde::{Deserialize, Serialize};

/// Pause between the last call of a round and the first of the next (seconds, before TIME_SCALE).
pub const ROUND_PAUSE_SECS: u64 = 60;
/// How long Twilio rings before giving up (seconds).
pub const RING_TIMEOUT_SECS: u32 = 30;
/// How long a carer has to press a key once the message has played (seconds).
pub const GATHER_TIMEOUT_SECS: u32 = 15;

/// The shape of one shift's campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub pool_size: u32,
    pub max_rounds: u32,
}

/// Who attempt `k` calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// 1-based round.
    pub round: u32,
    /// 0-based place in the round's call order (the same place for the same person in every
    /// round): `call_order(..)[position]` is the person's index in the staff pool. Without
    /// priorities or remembered declines the order is the pool's, and this is the pool index.
    pub position: u32,
}

/// What decides one person's place in every round's call order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rank {
    /// The pool entry's `priority` (1 first), if it has one.
    pub priority: Option<u32>,
    /// Declined a shift for the same patient within `declineMemoryDays` ([`remembered`]).
    pub called_last: bool,
}

/// The order every round calls the pool in, as indexes into the pool (a permutation of
/// `0..ranks.len()`): people with a priority first, lowest number first; then people without
/// one; equal priorities, and people without one, in pool order. Whoever is `called_last`
/// comes after everyone else, in the same order among themselves.
pub fn call_order(ranks: &[Rank]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..ranks.len() as u32).collect();
    // A stable sort: equal keys keep pool order.
    order.sort_by_key(|&i| {
        let r = ranks[i as usize];
        (r.called_last, r.priority.is_none(), r.priority.unwrap_or(0))
    });
    order
}

/// The longest `declineMemoryDays`.
pub const MAX_DECLINE_MEMORY_DAYS: u32 = 30;

/// Whether a decline at `declined_at` of a shift for the same patient still counts at `now`
/// under `declineMemoryDays` = `days` (0: declines are not remembered).
pub fn remembered(
    days: u32,
    declined_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    days > 0 && declined_at <= now && now - declined_at <= chrono::Duration::days(days.into())
}

/// Who "the same patient" is: the event carries no patient id, so the job's `patientName`,
/// whole, case and spacing ignored (within one provider: the store keys it by provider too).
pub fn patient_key(patient_name: &str) -> String {
    patient_name
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the campaign does once an attempt has ended without anyone accepting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advance {
    /// Place attempt `attempt` after `delay_secs` (0: at once).
    Call { attempt: u32, delay_secs: u64 },
    /// Every round is exhausted (or nobody is left to call in it): the shift becomes
    /// UNFILLED_AFTER_CALLS.
    Unfilled,
}

impl Plan {
    pub fn total_attempts(&self) -> u32 {
        self.pool_size.saturating_mul(self.max_rounds)
    }

    pub fn slot(&self, attempt: u32) -> Option<Slot> {
        (self.pool_size > 0 && attempt < self.total_attempts()).then(|| Slot {
            round: attempt / self.pool_size + 1,
            position: attempt % self.pool_size,
        })
    }

    /// What follows attempt `attempt` when it ended without an acceptance: the next attempt
    /// (after the round pause when it is in a later round), or unfilled when there is none.
    pub fn after(&self, attempt: u32) -> Advance {
        let next = attempt.saturating_add(1);
        if next < self.total_attempts() {
            Advance::Call {
                attempt: next,
                delay_secs: self.pause_between(attempt, next),
            }
        } else {
            Advance::Unfilled
        }
    }

    /// The wait before attempt `next` once attempt `previous` ended: the round pause when
    /// `next` is in a later round.
    pub fn pause_between(&self, previous: u32, next: u32) -> u64 {
        let round = |k: u32| k / self.pool_size.max(1);
        if round(next) > round(previous) {
            ROUND_PAUSE_SECS
        } else {
            0
        }
    }

    /// The attempts rung together with `attempt` when a round rings `at_once` people at a time
    /// (broadcast calling): consecutive pool positions of one round, never crossing into the
    /// next round. With `at_once` 1 it is `attempt` alone.
    pub fn batch(&self, attempt: u32, at_once: u32) -> std::ops::Range<u32> {
        let Some(slot) = self.slot(attempt) else {
            return attempt..attempt.saturating_add(1);
        };
        let at_once = at_once.max(1);
        let round_start = attempt - slot.position;
        let start = round_start + slot.position / at_once * at_once;
        let end = (start + at_once).min(round_start + self.pool_size);
        start..end
    }

    /// What follows `attempt`'s batch once every call of it has ended without an acceptance:
    /// the next batch's first attempt (at once, or after the round pause), or unfilled.
    pub fn after_batch(&self, attempt: u32, at_once: u32) -> Advance {
        self.after(self.batch(attempt, at_once).end.saturating_sub(1))
    }
}

/// How a turn ended, as the call log records it (SPEC §4.6): a call's outcome, or `Skipped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    Accepted,
    Declined,
    #[serde(rename = "No Answer")]
    NoAnswer,
    Busy,
    Failed,
    Voicemail,
    Canceled,
    /// A turn nobody was rung for (the one recorded shape of a skipped turn, whatever the
    /// calling mode): why is the attempt's [`SkipReason`]. Never a call: no figure counts it.
    Skipped,
}

/// Why a turn was skipped without a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SkipReason {
    /// The person passed on the shift without a call: NO by text, 2 on the call-back line.
    Passed,
    /// The person declined this shift on an earlier call (`skipDecliners`).
    DeclinedBefore,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Passed => "passed",
            SkipReason::DeclinedBefore => "declinedBefore",
        }
    }

    pub fn parse(s: &str) -> Option<SkipReason> {
        [SkipReason::Passed, SkipReason::DeclinedBefore]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

impl Outcome {
    pub const ALL: [Outcome; 8] = [
        Outcome::Accepted,
        Outcome::Declined,
        Outcome::NoAnswer,
        Outcome::Busy,
        Outcome::Failed,
        Outcome::Voicemail,
        Outcome::Canceled,
        Outcome::Skipped,
    ];

    /// Whether the attempt was a call (someone was rung): every figure counts only these.
    pub fn is_call(self) -> bool {
        self != Outcome::Skipped
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "Accepted",
            Outcome::Declined => "Declined",
            Outcome::NoAnswer => "No Answer",
            Outcome::Busy => "Busy",
            Outcome::Failed => "Failed",
            Outcome::Voicemail => "Voicemail",
            Outcome::Canceled => "Canceled",
            Outcome::Skipped => "Skipped",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Twilio's `CallStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStatus {
    Queued,
    Initiated,
    Ringing,
    InProgress,
    Completed,
    Busy,
    NoAnswer,
    Failed,
    Canceled,
}

impl CallStatus {
    pub fn parse(s: &str) -> Option<CallStatus> {
        Some(match s {
            "queued" => CallStatus::Queued,
            "initiated" => CallStatus::Initiated,
            "ringing" => CallStatus::Ringing,
            "in-progress" | "answered" => CallStatus::InProgress,
            "completed" => CallStatus::Completed,
            "busy" => CallStatus::Busy,
            "no-answer" => CallStatus::NoAnswer,
            "failed" => CallStatus::Failed,
            "canceled" => CallStatus::Canceled,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CallStatus::Queued => "queued",
            CallStatus::Initiated => "initiated",
            CallStatus::Ringing => "ringing",
            CallStatus::InProgress => "in-progress",
            CallStatus::Completed => "completed",
            CallStatus::Busy => "busy",
            CallStatus::NoAnswer => "no-answer",
            CallStatus::Failed => "failed",
            CallStatus::Canceled => "canceled",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            CallStatus::Completed
                | CallStatus::Busy
                | CallStatus::NoAnswer
                | CallStatus::Failed
                | CallStatus::Canceled
        )
    }

    /// Whether the far end picked up (a person or a machine).
    pub fn is_answered(self) -> bool {
        matches!(self, CallStatus::InProgress | CallStatus::Completed)
    }
}

/// `AnsweredBy` from answering-machine detection: a machine or a fax, not a person.
pub fn is_machine(answered_by: &str) -> bool {
    answered_by.starts_with("machine") || answered_by == "fax"
}

/// What an answered call gets, decided from the shift's state and the call's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// The offer, in a one-key `<Gather>`.
    Offer,
    /// The shift is already this person's (a repeated or late call): say so, record nothing.
    AlreadyYours,
    /// The offer closed (the shift was filled or its calls ended, or this call was cancelled):
    /// record `Canceled`, say what happened to the shift (`Phrasebook::closed_offer`).
    Closed(crate::model::ShiftStatus),
    /// A machine answered: record `Voicemail`, leave the short message (`Phrasebook::voicemail`).
    Voicemail,
}

impl Answered {
    /// The outcome to record for the call, if any.
    pub fn outcome(self) -> Option<Outcome> {
        match self {
            Answered::Offer | Answered::AlreadyYours => None,
            Answered::Closed(_) => Some(Outcome::Canceled),
            Answered::Voicemail => Some(Outcome::Voicemail),
        }
    }
}

/// The call to `employee` was answered (`answered_by`: answering-machine detection, if it said
/// already). A closed offer wins over everything; a machine never hears the offer.
pub fn answered(
    status: crate::model::ShiftStatus,
    call_outcome: Option<Outcome>,
    assigned_to_this_person: bool,
    answered_by: Option<&str>,
) -> Answered {
    use crate::model::ShiftStatus;
    if status != ShiftStatus::Open || call_outcome == Some(Outcome::Canceled) {
        if assigned_to_this_person {
            return Answered::AlreadyYours;
        }
        return Answered::Closed(status);
    }
    if answered_by.is_some_and(is_machine) {
        return Answered::Voicemail;
    }
    Answered::Offer
}

/// The outcome a terminal status gives an attempt that has none yet (a key press or a timeout
/// recorded earlier always wins). Non-terminal statuses give none.
pub fn outcome_for_status(status: CallStatus, answered_by: Option<&str>) -> Option<Outcome> {
    Some(match status {
        CallStatus::Completed if answered_by.is_some_and(is_machine) => Outcome::Voicemail,
        // Answered but no key: hung up during the message or said nothing.
        CallStatus::Completed => Outcome::NoAnswer,
        CallStatus::Busy => Outcome::Busy,
        CallStatus::NoAnswer => Outcome::NoAnswer,
        CallStatus::Failed => Outcome::Failed,
        CallStatus::Canceled => Outcome::Canceled,
        _ => return None,
    })
}

/// What a key press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPress {
    Accept,
    Decline,
    /// An unknown key the first time: play the offer once more.
    Repeat,
    /// An unknown key again: treat as no response.
    GiveUp,
}

impl KeyPress {
    /// The outcome a key press records by itself (an acceptance's is the conditional write's).
    pub fn outcome(self) -> Option<Outcome> {
        match self {
            KeyPress::Decline => Some(Outcome::Declined),
            KeyPress::GiveUp => Some(Outcome::NoAnswer),
            KeyPress::Accept | KeyPress::Repeat => None,
        }
    }
}

/// Interpret `Digits` from a `<Gather>`; `repeated` is true once the offer has been replayed.
pub fn key_press(digits: &str, repeated: bool) -> KeyPress {
    match digits.trim() {
        "1" => KeyPress::Accept,
        "2" => KeyPress::Decline,
        _ if repeated => KeyPress::GiveUp,
        _ => KeyPress::Repeat,
    }
}

/// Whether a "1" on an attempt may take the shift, given the attempt's outcome so far and
/// whether Twilio has already reported the call over: only a live call can accept. Accepted
/// (the same press retried) and Canceled (the shift went to someone else meanwhile: the
/// acceptance write then says who) go on; any other outcome, or a final status, ended the call.
pub fn key_press_can_accept(outcome: Option<Outcome>, call_over: bool) -> bool {
    !call_over && matches!(outcome, None | Some(Outcome::Accepted | Outcome::Canceled))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_key_press_records_what_it_means() {
        for (digits, repeated, outcome) in [
            ("1", false, None),
            ("2", false, Some(Outcome::Declined)),
            ("2", true, Some(Outcome::Declined)),
            ("9", false, None),
            ("9", true, Some(Outcome::NoAnswer)),
            ("", true, Some(Outcome::NoAnswer)),
        ] {
            let k = key_press(digits, repeated);
            assert_eq!(k.outcome(), outcome, "{digits:?} {repeated}");
        }
    }

    #[test]
    fn only_a_live_call_can_accept() {
        assert!(key_press_can_accept(None, false));
        assert!(key_press_can_accept(Some(Outcome::Accepted), false));
        assert!(key_press_can_accept(Some(Outcome::Canceled), false));
        for o in Outcome::ALL {
            assert!(!key_press_can_accept(Some(o), true));
        }
        assert!(!key_press_can_accept(None, true));
        for o in [
            Outcome::Declined,
            Outcome::NoAnswer,
            Outcome::Busy,
            Outcome::Failed,
            Outcome::Voicemail,
        ] {
            assert!(!key_press_can_accept(Some(o), false), "{o:?}");
        }
    }

    #[test]
    fn an_answered_call_is_decided_by_the_shift_first_then_the_machine() {
        use crate::model::ShiftStatus::*;
        for status in [Open, Assigned, UnfilledAfterCalls] {
            for outcome in [None, Some(Outcome::Canceled), Some(Outcome::Accepted)] {
                for mine in [false, true] {
                    for by in [None, Some("human"), Some("machine_end_beep"), Some("fax")] {
                        let a = answered(status, outcome, mine, by);
                        let closed = status != Open || outcome == Some(Outcome::Canceled);
                        let expected = match (closed, mine, by.is_some_and(is_machine)) {
                            (true, true, _) => Answered::AlreadyYours,
                            (true, false, _) => Answered::Closed(status),
                            (false, _, true) => Answered::Voicemail,
                            (false, _, false) => Answered::Offer,
                        };
                        assert_eq!(a, expected, "{status:?} {outcome:?} {mine} {by:?}");
                    }
                }
            }
        }
        assert_eq!(
            Answered::Closed(Assigned).outcome(),
            Some(Outcome::Canceled)
        );
        assert_eq!(Answered::Voicemail.outcome(), Some(Outcome::Voicemail));
        assert_eq!(Answered::AlreadyYours.outcome(), None);
    }

    /// Play a whole campaign where nobody accepts; return (position, round, delay before).
    fn exhaust(plan: Plan) -> (Vec<(u32, u32, u64)>, usize) {
        let mut calls = vec![];
        let mut next = Some((0, 0));
        let mut unfilled = 0;
        while let Some((k, delay)) = next {
            let slot = plan.slot(k).expect("every placed attempt has a slot");
            calls.push((slot.position, slot.round, delay));
            next = match plan.after(k) {
                Advance::Call {
                    attempt,
                    delay_secs,
                } => Some((attempt, delay_secs)),
                Advance::Unfilled => {
                    unfilled += 1;
                    None
                }
            };
        }
        (calls, unfilled)
    }

    #[test]
    fn two_staff_two_rounds_call_a_b_a_b_then_unfilled() {
        let (calls, unfilled) = exhaust(Plan {
            pool_size: 2,
            max_rounds: 2,
        });
        assert_eq!(calls, vec![(0, 1, 0), (1, 1, 0), (0, 2, 60), (1, 2, 0)]);
        assert_eq!(unfilled, 1);
    }

    #[test]
    fn four_staff_three_rounds_is_at_most_twelve_calls() {
        let plan = Plan {
            pool_size: 4,
            max_rounds: 3,
        };
        assert_eq!(exhaust(plan).0.len(), 12);
        assert_eq!(plan.slot(12), None);
    }

    #[test]
    fn empty_pool_has_no_calls() {
        let plan = Plan {
            pool_size: 0,
            max_rounds: 3,
        };
        assert_eq!(plan.slot(0), None);
        assert_eq!(plan.after(0), Advance::Unfilled);
    }

    #[test]
    fn broadcast_rings_consecutive_people_of_one_round() {
        let plan = Plan {
            pool_size: 5,
            max_rounds: 2,
        };
        let batches: Vec<_> = (0..10).map(|k| plan.batch(k, 2)).collect();
        assert_eq!(
            batches,
            [0..2, 0..2, 2..4, 2..4, 4..5, 5..7, 5..7, 7..9, 7..9, 9..10]
        );
        assert_eq!(
            plan.after_batch(0, 2),
            Advance::Call {
                attempt: 2,
                delay_secs: 0
            }
        );
        assert_eq!(
            plan.after_batch(4, 2),
            Advance::Call {
                attempt: 5,
                delay_secs: ROUND_PAUSE_SECS
            }
        );
        assert_eq!(
            plan.after_batch(8, 2),
            Advance::Call {
                attempt: 9,
                delay_secs: 0
            }
        );
        assert_eq!(plan.after_batch(9, 2), Advance::Unfilled);
        assert_eq!(plan.batch(3, 1), 3..4);
        assert_eq!(plan.after_batch(3, 1), plan.after(3));
    }

    proptest! {
        /// Batches split each round into runs of at most `at_once` consecutive attempts that
        /// every member agrees on, and moving on from any member goes to the next batch.
        #[test]
        fn batches_partition_each_round(pool in 1u32..12, rounds in 1u32..5, at_once in 1u32..11) {
            let plan = Plan { pool_size: pool, max_rounds: rounds };
            let mut k = 0;
            while k < plan.total_attempts() {
                let b = plan.batch(k, at_once);
                prop_assert_eq!(b.start, k);
                prop_assert!(!b.is_empty() && b.len() as u32 <= at_once);
                let round = plan.slot(k).unwrap().round;
                for m in b.clone() {
                    prop_assert_eq!(plan.batch(m, at_once), b.clone());
                    prop_assert_eq!(plan.slot(m).unwrap().round, round);
                    prop_assert_eq!(plan.after_batch(m, at_once), plan.after_batch(k, at_once));
                }
                match plan.after_batch(k, at_once) {
                    Advance::Call { attempt, .. } => prop_assert_eq!(attempt, b.end),
                    Advance::Unfilled => prop_assert_eq!(b.end, plan.total_attempts()),
                }
                k = b.end;
            }
        }
    }

    proptest! {
        #[test]
        fn every_campaign_calls_the_pool_in_order_each_round(n in 1u32..40, r in 1u32..=5) {
            let (calls, unfilled) = exhaust(Plan { pool_size: n, max_rounds: r });
            prop_assert_eq!(unfilled, 1);
            prop_assert_eq!(calls.len() as u32, n * r);
            for (i, (pos, round, delay)) in calls.iter().enumerate() {
                let i = i as u32;
                prop_assert_eq!(*pos, i % n);
                prop_assert_eq!(*round, i / n + 1);
                let pause = if i > 0 && i.is_multiple_of(n) { ROUND_PAUSE_SECS } else { 0 };
                prop_assert_eq!(*delay, pause);
            }
        }
    }

    // ---------------------------------------------------------------- call order

    fn ranks(priorities: &[Option<u32>]) -> Vec<Rank> {
        priorities
            .iter()
            .map(|&priority| Rank {
                priority,
                called_last: false,
            })
            .collect()
    }

    #[test]
    fn priority_first_then_pool_order() {
        // A(1) B(3) C(2): A C B.
        assert_eq!(call_order(&ranks(&[Some(1), Some(3), Some(2)])), [0, 2, 1]);
        // Without priorities: pool order.
        assert_eq!(call_order(&ranks(&[None, None, None])), [0, 1, 2]);
        // Ties in pool order; people without a priority after those with one.
        assert_eq!(
            call_order(&ranks(&[None, Some(2), Some(1), Some(2), None])),
            [2, 1, 3, 0, 4]
        );
        // Recent decliners last, in their own order.
        let mut r = ranks(&[Some(1), None, Some(5), None]);
        r[0].called_last = true;
        r[3].called_last = true;
        assert_eq!(call_order(&r), [2, 1, 0, 3]);
        assert!(call_order(&[]).is_empty());
    }

    fn arb_ranks() -> impl Strategy<Value = Vec<Rank>> {
        proptest::collection::vec(
            (proptest::option::of(1u32..5), any::<bool>()).prop_map(|(priority, called_last)| {
                Rank {
                    priority,
                    called_last,
                }
            }),
            0..40,
        )
    }

    proptest! {
        /// The order is a permutation of the pool, sorted by (called last, has no priority,
        /// priority), stable for ties, and the same every time.
        #[test]
        fn the_call_order_is_a_stable_deterministic_permutation(r in arb_ranks()) {
            let order = call_order(&r);
            let mut seen = order.clone();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..r.len() as u32).collect::<Vec<_>>());
            prop_assert_eq!(&order, &call_order(&r));
            let key = |i: u32| {
                let x = r[i as usize];
                (x.called_last, x.priority.is_none(), x.priority.unwrap_or(0))
            };
            for w in order.windows(2) {
                prop_assert!(key(w[0]) <= key(w[1]), "sorted");
                if key(w[0]) == key(w[1]) {
                    prop_assert!(w[0] < w[1], "ties keep pool order");
                }
            }
        }
    }

    #[test]
    fn the_same_patient_ignores_case_and_spacing() {
        assert_eq!(patient_key("  Margaret   THOMPSON "), "margaret thompson");
        assert_ne!(
            patient_key("Margaret Thompson"),
            patient_key("Margaret Thomson")
        );
    }

    #[test]
    fn outcomes_from_status() {
        use CallStatus::*;
        assert_eq!(outcome_for_status(Busy, None), Some(Outcome::Busy));
        assert_eq!(outcome_for_status(NoAnswer, None), Some(Outcome::NoAnswer));
        assert_eq!(outcome_for_status(Failed, None), Some(Outcome::Failed));
        assert_eq!(outcome_for_status(Canceled, None), Some(Outcome::Canceled));
        assert_eq!(outcome_for_status(Completed, None), Some(Outcome::NoAnswer));
        assert_eq!(
            outcome_for_status(Completed, Some("human")),
            Some(Outcome::NoAnswer)
        );
        for m in [
            "machine_start",
            "machine_end_beep",
            "machine_end_silence",
            "machine_end_other",
            "fax",
        ] {
            assert_eq!(
                outcome_for_status(Completed, Some(m)),
                Some(Outcome::Voicemail)
            );
        }
        for s in [Queued, Initiated, Ringing, InProgress] {
            assert_eq!(outcome_for_status(s, Some("machine_start")), None);
            assert!(!s.is_terminal());
        }
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            "queued",
            "initiated",
            "ringing",
            "in-progress",
            "completed",
            "busy",
            "no-answer",
            "failed",
            "canceled",
        ] {
            assert_eq!(CallStatus::parse(s).unwrap().as_str(), s);
        }
        assert_eq!(CallStatus::parse("bogus"), None);
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
    }

    #[test]
    fn keys() {
        assert_eq!(key_press("1", false), KeyPress::Accept);
        assert_eq!(key_press("2", true), KeyPress::Decline);
        assert_eq!(key_press("9", false), KeyPress::Repeat);
        assert_eq!(key_press("*", true), KeyPress::GiveUp);
        assert_eq!(key_press("", false), KeyPress::Repeat);
    }
}
