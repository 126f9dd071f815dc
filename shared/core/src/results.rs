//! The results beyond the call counts of [`crate::stats`] (issue 16, point 6): time to fill,
//! who answered, each person's answer rate, and what the calls cost at the provider's rates.
//! Pure: the portal's stats route hands in the calls of the window and their shifts.
//!
//! Definitions (also in docs/PORTAL.md):
//! - **time to fill**: for each shift called in the window that was accepted (by a call, an SMS
//!   reply or a coordinator), the time from `Wave3Completed` (the shift's `createdAt`) to the
//!   acceptance. The median is the middle value (the mean of the two middle values for an even
//!   count); p90 is the nearest-rank 90th percentile (the ⌈0.9·n⌉-th smallest). Minutes, to
//!   two decimals.
//! - **answered by**, for each finished call: `machine` when answering-machine detection said
//!   so (or the outcome is voicemail); `person` when a key was pressed or the call was answered
//!   (Twilio's `completed`) by anyone else; `nobody` otherwise (no answer, busy, failed,
//!   canceled before it was answered). Calls still going are not counted.
//! - a **skipped turn** (outcome `Skipped`: a pass by text, a decliner skipped) was nobody's
//!   call: it counts in no figure here (not answered, no cost, no shift called because of it).
//! - **answer rate** of a person: their calls answered by a person / their finished calls.
//! - **cost** of a call: its started minutes (Twilio bills an outbound call per minute, rounded
//!   up) × `callPerMinute` + the characters sent to the speech service for it / 1,000 ×
//!   `speechPer1kChars` (a cached message costs nothing). A shift's cost is the sum over its
//!   calls in the window; the cost per filled shift is the cost of the filled shifts (status
//!   `ASSIGNED`) / their number, per unfilled shift likewise for `UNFILLED_AFTER_CALLS`.
//!   Shifts still open count in the total only. Amounts to four decimals.

use crate::campaign::{is_machine, Outcome};
use crate::model::ShiftStatus;
use crate::settings::CostRates;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One call of the window, as much as the results need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCostFact {
    pub occurrence_id: String,
    pub employee_id: String,
    pub first_name: String,
    /// `None` while the call is still going.
    pub outcome: Option<Outcome>,
    /// Twilio's last status (`completed`, `no-answer`, …).
    pub twilio_status: Option<String>,
    /// Answering-machine detection's answer (`human`, `machine_start`, …).
    pub answered_by: Option<String>,
    pub duration_secs: Option<u32>,
    /// Characters sent to the speech service for this call (0 for a cache hit or `<Say>`).
    pub speech_chars: u32,
}

/// A shift called in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftFact {
    pub status: ShiftStatus,
    /// When `Wave3Completed` arrived (the shift's `createdAt`).
    pub wave3_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

/// Who answered a finished call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnsweredBy {
    Person,
    Machine,
    Nobody,
}

/// Who answered `call`, or `None` while it is still going (and for a skipped turn, which was
/// no call).
pub fn answered_by(call: &CallCostFact) -> Option<AnsweredBy> {
    let outcome = call.outcome.filter(|o| o.is_call())?;
    if outcome == Outcome::Voicemail || call.answered_by.as_deref().is_some_and(is_machine) {
        return Some(AnsweredBy::Machine);
    }
    let answered = matches!(outcome, Outcome::Accepted | Outcome::Declined)
        || call.twilio_status.as_deref() == Some("completed");
    Some(if answered {
        AnsweredBy::Person
    } else {
        AnsweredBy::Nobody
    })
}

/// Started minutes of a call of `secs` seconds.
pub fn billed_minutes(secs: u32) -> u32 {
    secs.div_ceil(60)
}

/// What `call` cost at `rates`, unrounded.
pub fn call_cost(call: &CallCostFact, rates: &CostRates) -> f64 {
    f64::from(billed_minutes(call.duration_secs.unwrap_or(0))) * rates.call_per_minute
        + f64::from(call.speech_chars) / 1000.0 * rates.speech_per1k_chars
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeToFill {
    /// Accepted shifts measured.
    pub shifts: u32,
    pub median_minutes: Option<f64>,
    pub p90_minutes: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnsweredByCounts {
    pub person: u32,
    pub machine: u32,
    pub nobody: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonRate {
    pub employee_id: String,
    pub first_name: String,
    /// Finished calls to this person.
    pub calls: u32,
    /// Of those, answered by a person.
    pub answered: u32,
    pub answer_rate: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Costs {
    pub currency: String,
    pub call_per_minute: f64,
    pub speech_per1k_chars: f64,
    /// Started minutes over every call of the window.
    pub call_minutes: u32,
    /// Characters sent to the speech service.
    pub speech_chars: u32,
    pub total: f64,
    pub filled_shifts: u32,
    pub per_filled_shift: Option<f64>,
    pub unfilled_shifts: u32,
    pub per_unfilled_shift: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Results {
    pub time_to_fill: TimeToFill,
    pub answered_by: AnsweredByCounts,
    /// Most calls first; ties by first name.
    pub per_person: Vec<PersonRate>,
    pub costs: Costs,
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// The middle value of sorted `v` (the mean of the two middle ones for an even count).
pub fn median(v: &[f64]) -> Option<f64> {
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// The nearest-rank percentile `p` (0 < p ≤ 100) of sorted `v`: the ⌈p/100·n⌉-th smallest.
pub fn percentile(v: &[f64], p: u32) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let rank = (u64::from(p) * v.len() as u64).div_ceil(100).max(1) as usize;
    Some(v[rank.min(v.len()) - 1])
}

/// The results of `calls` (the window's calls; skipped turns among them are left out) and
/// `shifts` (theirs) at `rates`.
pub fn compute(
    calls: &[CallCostFact],
    shifts: &HashMap<String, ShiftFact>,
    rates: &CostRates,
) -> Results {
    let mut r = Results::default();
    // Who answered, per person.
    let mut people: BTreeMap<&str, (String, u32, u32)> = BTreeMap::new();
    let mut shift_cost: BTreeMap<&str, f64> = BTreeMap::new();
    let mut total = 0.0;
    for c in calls
        .iter()
        .filter(|c| c.outcome.is_none_or(Outcome::is_call))
    {
        let cost = call_cost(c, rates);
        total += cost;
        *shift_cost.entry(&c.occurrence_id).or_default() += cost;
        r.costs.call_minutes += billed_minutes(c.duration_secs.unwrap_or(0));
        r.costs.speech_chars += c.speech_chars;
        let Some(by) = answered_by(c) else {
            continue;
        };
        let p = people
            .entry(&c.employee_id)
            .or_insert_with(|| (c.first_name.clone(), 0, 0));
        p.1 += 1;
        match by {
            AnsweredBy::Person => {
                r.answered_by.person += 1;
                p.2 += 1;
            }
            AnsweredBy::Machine => r.answered_by.machine += 1,
            AnsweredBy::Nobody => r.answered_by.nobody += 1,
        }
    }
    r.per_person = people
        .into_iter()
        .map(|(id, (first_name, calls, answered))| PersonRate {
            employee_id: id.to_string(),
            first_name,
            calls,
            answered,
            answer_rate: round(f64::from(answered) / f64::from(calls), 4),
        })
        .collect();
    r.per_person.sort_by(|a, b| {
        b.calls
            .cmp(&a.calls)
            .then_with(|| a.first_name.cmp(&b.first_name))
            .then_with(|| a.employee_id.cmp(&b.employee_id))
    });

    // Time to fill and the cost of each kind of shift.
    let mut fill_minutes: Vec<f64> = Vec::new();
    let (mut filled_cost, mut unfilled_cost) = (0.0, 0.0);
    for (occ, cost) in &shift_cost {
        let Some(s) = shifts.get(*occ) else {
            continue;
        };
        match s.status {
            ShiftStatus::Assigned => {
                r.costs.filled_shifts += 1;
                filled_cost += cost;
                if let Some(at) = s.accepted_at {
                    let secs = (at - s.wave3_at).num_milliseconds().max(0) as f64 / 1000.0;
                    fill_minutes.push(secs / 60.0);
                }
            }
            ShiftStatus::UnfilledAfterCalls => {
                r.costs.unfilled_shifts += 1;
                unfilled_cost += cost;
            }
            ShiftStatus::Open | ShiftStatus::NotCalled | ShiftStatus::Cancelled => {}
        }
    }
    fill_minutes.sort_by(f64::total_cmp);
    r.time_to_fill = TimeToFill {
        shifts: fill_minutes.len() as u32,
        median_minutes: median(&fill_minutes).map(|m| round(m, 2)),
        p90_minutes: percentile(&fill_minutes, 90).map(|m| round(m, 2)),
    };
    r.costs.currency = rates.currency.clone();
    r.costs.call_per_minute = rates.call_per_minute;
    r.costs.speech_per1k_chars = rates.speech_per1k_chars;
    r.costs.total = round(total, 4);
    r.costs.per_filled_shift = (r.costs.filled_shifts > 0)
        .then(|| round(filled_cost / f64::from(r.costs.filled_shifts), 4));
    r.costs.per_unfilled_shift = (r.costs.unfilled_shifts > 0)
        .then(|| round(unfilled_cost / f64::from(r.costs.unfilled_shifts), 4));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        occ: &str,
        who: &str,
        outcome: Outcome,
        status: &str,
        amd: Option<&str>,
        secs: u32,
        chars: u32,
    ) -> CallCostFact {
        CallCostFact {
            occurrence_id: occ.into(),
            employee_id: format!("emp_{}", who.to_lowercase()),
            first_name: who.into(),
            outcome: Some(outcome),
            twilio_status: Some(status.into()),
            answered_by: amd.map(Into::into),
            duration_secs: Some(secs),
            speech_chars: chars,
        }
    }

    /// A campaign worked out by hand, at $0.02 a minute and $0.30 per 1,000 characters:
    ///
    /// | shift | call | who | what | secs → min | chars | cost |
    /// |---|---|---|---|---|---|---|
    /// | A (filled 12 min after wave 3) | 1 | Alice | no answer | 0 → 0 | 100 | 0.03 |
    /// |   | 2 | Bob | pressed 1 | 61 → 2 | 0 (cached) | 0.04 |
    /// | B (filled 30 min after) | 3 | Alice | declined | 45 → 1 | 200 | 0.08 |
    /// |   | 4 | Carol | voicemail | 20 → 1 | 0 | 0.02 |
    /// |   | 5 | Dan | pressed 1 | 59 → 1 | 0 | 0.02 |
    /// | C (filled 3 min after, by SMS) | 6 | Bob | answered, silent | 30 → 1 | 50 | 0.035 |
    /// | D (unfilled) | 7 | Alice | busy | 0 → 0 | 0 | 0 |
    /// |   | 8 | Bob | declined | 125 → 3 | 1000 | 0.36 |
    /// |   | 9 | Carol | still ringing | – | 0 | 0 |
    ///
    /// Time to fill: 3, 12, 30 minutes → median 12, p90 the ⌈2.7⌉ = 3rd → 30.
    /// Answered by (8 finished calls): person 5 (2, 3, 5, 6, 8), machine 1 (4), nobody 2 (1, 7).
    /// Alice 1 of 3, Bob 3 of 3, Carol 0 of 1, Dan 1 of 1.
    /// Filled: A 0.07 + B 0.12 + C 0.035 = 0.225 over 3 = 0.075; unfilled: D 0.36.
    /// Total 0.585; 9 started minutes; 1,350 characters.
    #[test]
    fn a_campaign_worked_out_by_hand() {
        use Outcome::*;
        let mut ringing = call("D", "Carol", NoAnswer, "ringing", None, 0, 0);
        ringing.outcome = None;
        ringing.duration_secs = None;
        let calls = vec![
            call("A", "Alice", NoAnswer, "no-answer", None, 0, 100),
            call("A", "Bob", Accepted, "completed", Some("human"), 61, 0),
            call("B", "Alice", Declined, "completed", None, 45, 200),
            call(
                "B",
                "Carol",
                Voicemail,
                "completed",
                Some("machine_end_beep"),
                20,
                0,
            ),
            call("B", "Dan", Accepted, "completed", Some("unknown"), 59, 0),
            call("C", "Bob", NoAnswer, "completed", Some("human"), 30, 50),
            call("D", "Alice", Busy, "busy", None, 0, 0),
            call("D", "Bob", Declined, "completed", None, 125, 1000),
            ringing,
        ];
        let w = t("2026-01-23T08:00:00Z");
        let shift = |status, mins: Option<i64>| ShiftFact {
            status,
            wave3_at: w,
            accepted_at: mins.map(|m| w + chrono::Duration::minutes(m)),
        };
        let shifts = HashMap::from([
            ("A".to_string(), shift(ShiftStatus::Assigned, Some(12))),
            ("B".to_string(), shift(ShiftStatus::Assigned, Some(30))),
            ("C".to_string(), shift(ShiftStatus::Assigned, Some(3))),
            (
                "D".to_string(),
                shift(ShiftStatus::UnfilledAfterCalls, None),
            ),
        ]);
        let rates = CostRates {
            call_per_minute: 0.02,
            speech_per1k_chars: 0.30,
            currency: "AUD".into(),
        };
        let r = compute(&calls, &shifts, &rates);
        assert_eq!(
            r.time_to_fill,
            TimeToFill {
                shifts: 3,
                median_minutes: Some(12.0),
                p90_minutes: Some(30.0)
            }
        );
        assert_eq!(
            r.answered_by,
            AnsweredByCounts {
                person: 5,
                machine: 1,
                nobody: 2
            }
        );
        let people: Vec<_> = r
            .per_person
            .iter()
            .map(|p| (p.first_name.as_str(), p.calls, p.answered, p.answer_rate))
            .collect();
        assert_eq!(
            people,
            [
                ("Alice", 3, 1, 0.3333),
                ("Bob", 3, 3, 1.0),
                ("Carol", 1, 0, 0.0),
                ("Dan", 1, 1, 1.0)
            ]
        );
        assert_eq!(r.costs.currency, "AUD");
        assert_eq!((r.costs.call_minutes, r.costs.speech_chars), (9, 1350));
        assert_eq!(r.costs.total, 0.585);
        assert_eq!((r.costs.filled_shifts, r.costs.unfilled_shifts), (3, 1));
        assert_eq!(r.costs.per_filled_shift, Some(0.075));
        assert_eq!(r.costs.per_unfilled_shift, Some(0.36));
    }

    /// A skipped turn was nobody's call: not answered by anyone, no minutes, no characters, no
    /// cost, and a shift whose only turns were skipped is neither filled nor unfilled here.
    #[test]
    fn skipped_turns_change_no_result() {
        use Outcome::*;
        let calls = vec![
            call("A", "Alice", NoAnswer, "no-answer", None, 0, 100),
            call("A", "Bob", Accepted, "completed", Some("human"), 61, 0),
            call("B", "Alice", Declined, "completed", None, 45, 200),
        ];
        let w = t("2026-01-23T08:00:00Z");
        let shift = |status, mins: Option<i64>| ShiftFact {
            status,
            wave3_at: w,
            accepted_at: mins.map(|m| w + chrono::Duration::minutes(m)),
        };
        let shifts = HashMap::from([
            ("A".to_string(), shift(ShiftStatus::Assigned, Some(12))),
            (
                "B".to_string(),
                shift(ShiftStatus::UnfilledAfterCalls, None),
            ),
            ("C".to_string(), shift(ShiftStatus::Assigned, Some(5))),
        ]);
        let rates = CostRates {
            call_per_minute: 0.02,
            speech_per1k_chars: 0.30,
            currency: "AUD".into(),
        };
        let without = compute(&calls, &shifts, &rates);
        // A skipped turn as a record may carry what a call would (a status, characters): none
        // of it counts.
        let skipped = |occ: &str, who: &str| {
            let mut c = call(occ, who, Skipped, "completed", Some("human"), 30, 80);
            c.duration_secs = None;
            c
        };
        let mut with = calls.clone();
        with.insert(1, skipped("A", "Carol"));
        with.push(skipped("B", "Bob"));
        with.push(skipped("C", "Dan"));
        assert_eq!(compute(&with, &shifts, &rates), without);
        assert_eq!(answered_by(&skipped("A", "Carol")), None);
        assert_eq!(without.time_to_fill.shifts, 1);
        assert_eq!(without.answered_by.person, 2);
    }

    #[test]
    fn nothing_to_measure_gives_nulls() {
        let r = compute(&[], &HashMap::new(), &CostRates::default());
        assert_eq!(r.time_to_fill.median_minutes, None);
        assert_eq!(r.time_to_fill.p90_minutes, None);
        assert_eq!(r.costs.per_filled_shift, None);
        assert_eq!(r.costs.per_unfilled_shift, None);
        assert_eq!(r.costs.total, 0.0);
        assert!(r.per_person.is_empty());
    }

    #[test]
    fn medians_and_percentiles() {
        assert_eq!(median(&[1.0, 2.0, 3.0, 10.0]), Some(2.5));
        assert_eq!(median(&[4.0]), Some(4.0));
        assert_eq!(percentile(&[4.0], 90), Some(4.0));
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&ten, 90), Some(9.0));
        let eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(percentile(&eleven, 90), Some(10.0));
        assert_eq!(billed_minutes(0), 0);
        assert_eq!(billed_minutes(1), 1);
        assert_eq!(billed_minutes(60), 1);
        assert_eq!(billed_minutes(61), 2);
    }

    proptest! {
        /// Every finished call is answered by exactly one of person, machine, nobody; the
        /// people's calls add up; the total is the sum of the shifts' costs and never negative.
        #[test]
        fn every_finished_call_counts_once(
            raw in proptest::collection::vec((0usize..3, 0usize..4, 0usize..=8, 0u32..400, 0u32..500, any::<bool>()), 0..40)
        ) {
            let statuses = ["completed", "no-answer", "busy", "failed"];
            let calls: Vec<CallCostFact> = raw.iter().map(|(occ, who, o, secs, chars, machine)| {
                let outcome = Outcome::ALL.get(*o).copied();
                CallCostFact {
                    occurrence_id: format!("o{occ}"),
                    employee_id: format!("e{who}"),
                    first_name: format!("P{who}"),
                    outcome,
                    twilio_status: Some(statuses[*who % 4].into()),
                    answered_by: machine.then(|| "machine_start".into()),
                    duration_secs: Some(*secs),
                    speech_chars: *chars,
                }
            }).collect();
            let shifts: HashMap<String, ShiftFact> = (0..3).map(|i| (format!("o{i}"), ShiftFact {
                status: [ShiftStatus::Assigned, ShiftStatus::UnfilledAfterCalls, ShiftStatus::Open][i],
                wave3_at: t("2026-01-01T00:00:00Z"),
                accepted_at: Some(t("2026-01-01T00:10:00Z")),
            })).collect();
            let r = compute(&calls, &shifts, &CostRates::default());
            let finished = calls.iter().filter(|c| c.outcome.is_some_and(Outcome::is_call)).count() as u32;
            let a = &r.answered_by;
            prop_assert_eq!(a.person + a.machine + a.nobody, finished);
            prop_assert_eq!(r.per_person.iter().map(|p| p.calls).sum::<u32>(), finished);
            prop_assert!(r.per_person.iter().all(|p| (0.0..=1.0).contains(&p.answer_rate)));
            prop_assert!(r.costs.total >= 0.0);
            let parts = r.costs.per_filled_shift.unwrap_or(0.0) * f64::from(r.costs.filled_shifts)
                + r.costs.per_unfilled_shift.unwrap_or(0.0) * f64::from(r.costs.unfilled_shifts);
            prop_assert!(parts <= r.costs.total + 1e-3);
        }

        /// Skipped turns anywhere among any calls, whatever their record carries, change no
        /// result.
        #[test]
        fn skipped_turns_anywhere_change_no_result(
            raw in proptest::collection::vec((0usize..4, 0usize..4, 0usize..8, 0u32..400, 0u32..500, any::<bool>()), 0..30),
            skips in proptest::collection::vec((0usize..4, 0usize..5, 0u32..400, 0u32..500, any::<proptest::sample::Index>()), 1..10),
        ) {
            let statuses = ["completed", "no-answer", "busy", "failed"];
            let fact = |occ: usize, who: usize, outcome, secs, chars, machine: bool| CallCostFact {
                occurrence_id: format!("o{occ}"),
                employee_id: format!("e{who}"),
                first_name: format!("P{who}"),
                outcome,
                twilio_status: Some(statuses[who % 4].into()),
                answered_by: machine.then(|| "machine_start".into()),
                duration_secs: Some(secs),
                speech_chars: chars,
            };
            // Outcomes 0..8: every call outcome or none (index 7 is `Skipped`, so none).
            let calls: Vec<CallCostFact> = raw
                .iter()
                .map(|(occ, who, o, secs, chars, machine)| {
                    let outcome = Outcome::ALL.get(*o).copied().filter(|o| o.is_call());
                    fact(*occ, *who, outcome, *secs, *chars, *machine)
                })
                .collect();
            let shifts: HashMap<String, ShiftFact> = (0..4).map(|i| (format!("o{i}"), ShiftFact {
                status: [ShiftStatus::Assigned, ShiftStatus::UnfilledAfterCalls, ShiftStatus::Open, ShiftStatus::Assigned][i],
                wave3_at: t("2026-01-01T00:00:00Z"),
                accepted_at: Some(t("2026-01-01T00:10:00Z")),
            })).collect();
            let mut with = calls.clone();
            for (occ, who, secs, chars, at) in &skips {
                let i = at.index(with.len() + 1);
                with.insert(i, fact(*occ, *who, Some(Outcome::Skipped), *secs, *chars, false));
            }
            let rates = CostRates { call_per_minute: 0.02, speech_per1k_chars: 0.3, currency: "AUD".into() };
            prop_assert_eq!(compute(&with, &shifts, &rates), compute(&calls, &shifts, &rates));
        }
    }
}
