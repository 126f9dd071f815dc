//! A provider's results (SPEC §4.4, `GET /api/provider/outbound-calling/stats?days=N`): from
//! call-log records and shift records to the figures a coordinator sees, with the calls of
//! each day counted in one time zone. Pure: the adapter fetches the records (a range query on
//! the provider/time index), this module only counts.
//!
//! Definitions (also in docs/PORTAL.md):
//! - the window is the last `days` calendar days in the report's time zone, today included:
//!   from local midnight `days - 1` days ago until now. Days are calendar days, so a day on
//!   which daylight saving starts or ends is 23 or 25 hours long.
//! - call figures count the calls placed in the window, each on the local day it was placed,
//!   so a campaign that runs past midnight shows on both days. A skipped turn (outcome
//!   `Skipped`: nobody was rung) is not a call and counts nowhere.
//! - shift figures count the shifts that had at least one call in the window, once each,
//!   whatever day their calls fell on. A shift is *decided* once it is no longer `OPEN`:
//!   filled by a call (it has an `Accepted` call), filled another way (SMS reply or a
//!   coordinator, after calls began) or `UNFILLED_AFTER_CALLS`.
//! - `successRate` = shifts filled by a call / decided shifts; `unfilledRate` = unfilled /
//!   decided shifts; `averageAcceptRound` = mean round of the accepted calls. Each is `None`
//!   (JSON null) when there is nothing to divide by.

use crate::campaign::Outcome;
use crate::model::ShiftStatus;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

mod window;

pub use window::{parse_days, report_zone, start_of_day, Window, DEFAULT_DAYS, MAX_DAYS};

/// One call-log record, as much of it as the figures need (a skipped turn's record is handed in
/// like a call's and left out: [`Outcome::is_call`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFact {
    pub occurrence_id: String,
    pub round: u32,
    /// `None` while the call is still going.
    pub outcome: Option<Outcome>,
    /// When the call was placed (the attempt's `createdAt`).
    pub at: DateTime<Utc>,
}

/// The calls of one local day.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DayBucket {
    /// `YYYY-MM-DD` in the report's time zone.
    pub date: String,
    pub calls: u32,
    pub accepted: u32,
    pub declined: u32,
    pub no_answer: u32,
    /// Busy, failed, voicemail or canceled.
    pub other: u32,
    /// Still going (no outcome yet).
    pub in_progress: u32,
}

/// Every figure of the stats endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub days: u32,
    pub time_zone: String,
    pub from: String,
    pub to: String,
    // calls
    pub calls: u32,
    pub accepted: u32,
    pub declined: u32,
    pub no_answer: u32,
    pub busy: u32,
    pub failed: u32,
    pub voicemail: u32,
    pub canceled: u32,
    pub in_progress: u32,
    // shifts with calls in the window
    pub shifts_called: u32,
    pub shifts_decided: u32,
    pub shifts_filled_by_call: u32,
    pub shifts_filled_otherwise: u32,
    pub shifts_unfilled: u32,
    pub shifts_open: u32,
    /// Cancelled by a coordinator or the platform after calls: neither decided nor open.
    pub shifts_cancelled: u32,
    // rates (0 to 1) and the mean round
    pub success_rate: Option<f64>,
    pub unfilled_rate: Option<f64>,
    pub average_accept_round: Option<f64>,
    pub per_day: Vec<DayBucket>,
}

fn ratio(num: u32, den: u32) -> Option<f64> {
    (den > 0).then(|| round4(f64::from(num) / f64::from(den)))
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The figures for `window` from the provider's calls and the status of their shifts.
/// Calls outside the window and skipped turns are ignored; a shift whose status is unknown
/// counts as open.
pub fn compute(
    window: &Window,
    calls: &[CallFact],
    shift_status: &HashMap<String, ShiftStatus>,
) -> Stats {
    let dates = window.dates();
    let mut per_day: Vec<DayBucket> = dates
        .iter()
        .map(|d| DayBucket {
            date: d.format("%Y-%m-%d").to_string(),
            ..DayBucket::default()
        })
        .collect();
    let mut s = Stats {
        days: window.days,
        time_zone: window.tz.name().to_string(),
        from: window.from.to_rfc3339(),
        to: window.to.to_rfc3339(),
        ..Stats::default()
    };
    let mut shifts: BTreeSet<&str> = BTreeSet::new();
    let mut filled_by_call: BTreeSet<&str> = BTreeSet::new();
    let mut accept_rounds: Vec<u32> = Vec::new();
    for c in calls {
        if c.outcome.is_some_and(|o| !o.is_call()) {
            continue;
        }
        let Some(i) = window.bucket(c.at) else {
            continue;
        };
        let day = &mut per_day[i];
        s.calls += 1;
        day.calls += 1;
        shifts.insert(&c.occurrence_id);
        match c.outcome {
            Some(Outcome::Accepted) => {
                s.accepted += 1;
                day.accepted += 1;
                filled_by_call.insert(&c.occurrence_id);
                accept_rounds.push(c.round);
            }
            Some(Outcome::Declined) => {
                s.declined += 1;
                day.declined += 1;
            }
            Some(Outcome::NoAnswer) => {
                s.no_answer += 1;
                day.no_answer += 1;
            }
            Some(Outcome::Busy) => {
                s.busy += 1;
                day.other += 1;
            }
            Some(Outcome::Failed) => {
                s.failed += 1;
                day.other += 1;
            }
            Some(Outcome::Voicemail) => {
                s.voicemail += 1;
                day.other += 1;
            }
            Some(Outcome::Canceled) => {
                s.canceled += 1;
                day.other += 1;
            }
            // Left out before anything was counted.
            Some(Outcome::Skipped) => {}
            None => {
                s.in_progress += 1;
                day.in_progress += 1;
            }
        }
    }
    s.shifts_called = shifts.len() as u32;
    for occ in &shifts {
        if filled_by_call.contains(occ) {
            s.shifts_filled_by_call += 1;
            continue;
        }
        match shift_status.get(*occ) {
            Some(ShiftStatus::Assigned) => s.shifts_filled_otherwise += 1,
            Some(ShiftStatus::UnfilledAfterCalls) => s.shifts_unfilled += 1,
            Some(ShiftStatus::Cancelled) => s.shifts_cancelled += 1,
            // A shift not called has no calls, so it is never among these.
            Some(ShiftStatus::Open | ShiftStatus::NotCalled) | None => s.shifts_open += 1,
        }
    }
    s.shifts_decided = s.shifts_filled_by_call + s.shifts_filled_otherwise + s.shifts_unfilled;
    s.success_rate = ratio(s.shifts_filled_by_call, s.shifts_decided);
    s.unfilled_rate = ratio(s.shifts_unfilled, s.shifts_decided);
    s.average_accept_round = (!accept_rounds.is_empty()).then(|| {
        round4(
            accept_rounds.iter().map(|r| f64::from(*r)).sum::<f64>() / accept_rounds.len() as f64,
        )
    });
    s.per_day = per_day;
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::Zone;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn call(occ: &str, round: u32, outcome: Option<Outcome>, at: &str) -> CallFact {
        CallFact {
            occurrence_id: occ.into(),
            round,
            outcome,
            at: t(at),
        }
    }

    fn syd() -> Zone {
        Zone::get("Australia/Sydney").unwrap()
    }

    #[test]
    fn a_campaign_past_midnight_counts_on_both_days_and_its_shift_once() {
        let w = Window::last_days(2, t("2026-01-24T01:00:00+11:00"), syd());
        // 23:58 and 00:03 Sydney time, one shift.
        let calls = [
            call(
                "occ_1",
                1,
                Some(Outcome::Declined),
                "2026-01-23T12:58:00+11:00",
            ),
            call(
                "occ_1",
                1,
                Some(Outcome::NoAnswer),
                "2026-01-23T23:58:00+11:00",
            ),
            call(
                "occ_1",
                2,
                Some(Outcome::Accepted),
                "2026-01-24T00:03:00+11:00",
            ),
        ];
        let status = HashMap::from([("occ_1".to_string(), ShiftStatus::Assigned)]);
        let s = compute(&w, &calls, &status);
        assert_eq!(s.calls, 3);
        let per: Vec<_> = s
            .per_day
            .iter()
            .map(|d| (d.date.as_str(), d.calls, d.accepted))
            .collect();
        assert_eq!(per, [("2026-01-23", 2, 0), ("2026-01-24", 1, 1)]);
        assert_eq!((s.shifts_called, s.shifts_filled_by_call), (1, 1));
        assert_eq!(s.success_rate, Some(1.0));
        assert_eq!(s.unfilled_rate, Some(0.0));
        assert_eq!(s.average_accept_round, Some(2.0));
    }

    #[test]
    fn the_same_instant_is_a_different_day_in_another_zone() {
        let now = t("2026-01-24T12:00:00Z");
        // 2026-01-23 22:00 UTC: Jan 24 09:00 in Sydney, Jan 23 17:00 in New York.
        let calls = [call(
            "o",
            1,
            Some(Outcome::Declined),
            "2026-01-23T22:00:00Z",
        )];
        let none = HashMap::new();
        let syd = compute(&Window::last_days(3, now, syd()), &calls, &none);
        let ny = compute(
            &Window::last_days(3, now, Zone::get("America/New_York").unwrap()),
            &calls,
            &none,
        );
        let day = |s: &Stats| {
            s.per_day
                .iter()
                .find(|d| d.calls == 1)
                .unwrap()
                .date
                .clone()
        };
        assert_eq!(day(&syd), "2026-01-24");
        assert_eq!(day(&ny), "2026-01-23");
    }

    #[test]
    fn daylight_saving_days_are_whole_calendar_days() {
        // Sydney leaves daylight saving on Sunday 2026-04-05 (03:00 +11 → 02:00 +10): a
        // 25-hour day. A call at 23:30 local that evening is still on the 5th.
        let now = t("2026-04-06T01:00:00+10:00");
        let w = Window::last_days(2, now, syd());
        assert_eq!(w.from, t("2026-04-05T00:00:00+11:00"));
        let calls = [
            call("o", 1, Some(Outcome::Declined), "2026-04-05T00:10:00+11:00"),
            call("o", 1, Some(Outcome::Declined), "2026-04-05T23:30:00+10:00"),
            call("o", 1, Some(Outcome::Declined), "2026-04-06T00:30:00+10:00"),
        ];
        let s = compute(&w, &calls, &HashMap::new());
        let per: Vec<_> = s.per_day.iter().map(|d| d.calls).collect();
        assert_eq!(per, [2, 1]);
        // A call one minute before the window is not counted.
        let early = [call("o", 1, None, "2026-04-04T23:59:00+11:00")];
        assert_eq!(compute(&w, &early, &HashMap::new()).calls, 0);
    }

    #[test]
    fn shift_outcomes_give_the_rates() {
        let w = Window::last_days(7, t("2026-01-23T12:00:00Z"), Zone::utc());
        let at = "2026-01-23T10:00:00Z";
        let calls = [
            // filled by a call in round 1
            call("a", 1, Some(Outcome::Accepted), at),
            // unfilled after two declines
            call("b", 1, Some(Outcome::Declined), at),
            call("b", 2, Some(Outcome::Voicemail), at),
            // filled by SMS after a busy call
            call("c", 1, Some(Outcome::Busy), at),
            // still calling
            call("d", 1, None, at),
            // filled by a call in round 3
            call("e", 1, Some(Outcome::NoAnswer), at),
            call("e", 3, Some(Outcome::Accepted), at),
        ];
        let status: HashMap<String, ShiftStatus> = [
            ("a", ShiftStatus::Assigned),
            ("b", ShiftStatus::UnfilledAfterCalls),
            ("c", ShiftStatus::Assigned),
            ("d", ShiftStatus::Open),
            ("e", ShiftStatus::Assigned),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let s = compute(&w, &calls, &status);
        assert_eq!(
            (s.calls, s.accepted, s.declined, s.no_answer, s.in_progress),
            (7, 2, 1, 1, 1)
        );
        assert_eq!((s.busy, s.voicemail), (1, 1));
        assert_eq!(s.shifts_called, 5);
        assert_eq!(
            (
                s.shifts_decided,
                s.shifts_filled_by_call,
                s.shifts_filled_otherwise,
                s.shifts_unfilled,
                s.shifts_open
            ),
            (4, 2, 1, 1, 1)
        );
        assert_eq!(s.success_rate, Some(0.5));
        assert_eq!(s.unfilled_rate, Some(0.25));
        assert_eq!(s.average_accept_round, Some(2.0));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["noAnswer"], 1);
        assert_eq!(json["successRate"], 0.5);
        assert_eq!(json["averageAcceptRound"], 2.0);
        assert_eq!(json["perDay"].as_array().unwrap().len(), 7);
    }

    /// A skipped turn (a pass by text, a decliner skipped) was nobody's call: a campaign with
    /// skipped turns, on its own days and shifts or between its calls, has the figures of the
    /// same campaign without them.
    #[test]
    fn skipped_turns_change_no_figure() {
        let w = Window::last_days(7, t("2026-01-23T12:00:00Z"), Zone::utc());
        let at = "2026-01-23T10:00:00Z";
        let calls = vec![
            call("a", 1, Some(Outcome::Declined), at),
            call("a", 2, Some(Outcome::Accepted), at),
            call("b", 1, Some(Outcome::NoAnswer), "2026-01-21T10:00:00Z"),
            call("b", 2, None, at),
        ];
        let status: HashMap<String, ShiftStatus> = [
            ("a", ShiftStatus::Assigned),
            ("b", ShiftStatus::Open),
            ("c", ShiftStatus::UnfilledAfterCalls),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let without = compute(&w, &calls, &status);
        let skipped =
            |occ: &str, round: u32, at: &str| call(occ, round, Some(Outcome::Skipped), at);
        let mut with = calls.clone();
        with.insert(1, skipped("a", 1, at));
        with.insert(0, skipped("a", 3, at));
        // On a day with no call, and a shift whose only turns were skipped.
        with.push(skipped("b", 2, "2026-01-19T10:00:00Z"));
        with.push(skipped("c", 1, at));
        with.push(skipped("c", 2, at));
        assert_eq!(compute(&w, &with, &status), without);
        assert_eq!((without.calls, without.shifts_called), (4, 2));
        assert_eq!(without.average_accept_round, Some(2.0));
    }

    #[test]
    fn nothing_to_divide_by_gives_null_rates() {
        let w = Window::last_days(7, t("2026-01-23T12:00:00Z"), Zone::utc());
        let s = compute(&w, &[], &HashMap::new());
        assert_eq!(s.calls, 0);
        assert_eq!(
            (s.success_rate, s.unfilled_rate, s.average_accept_round),
            (None, None, None)
        );
        let json = serde_json::to_value(&s).unwrap();
        assert!(json["successRate"].is_null());
    }

    const ZONES: [&str; 6] = [
        "UTC",
        "Australia/Sydney",
        "Australia/Lord_Howe",
        "America/New_York",
        "Pacific/Kiritimati",
        "America/Santiago",
    ];

    /// Any outcome or none (`0..=8`).
    fn outcome_of(i: u8) -> Option<Outcome> {
        Outcome::ALL.get(usize::from(i)).copied()
    }

    proptest! {
        #[test]
        fn every_call_in_the_window_lands_on_its_own_local_day_once(
            now_secs in 1_700_000_000i64..1_900_000_000,
            days in 1u32..=40,
            zone in 0usize..ZONES.len(),
            offsets in proptest::collection::vec((0i64..45 * 86_400, 0u8..=8, 1u32..=5, 0u8..4), 0..60),
        ) {
            let tz = Zone::get(ZONES[zone]).unwrap();
            let now = Utc.timestamp_opt(now_secs, 0).unwrap();
            let w = Window::last_days(days, now, tz.clone());
            prop_assert_eq!(w.dates().len(), days as usize);
            // The window opens at a local midnight (or the first minute of a day that skips it).
            prop_assert!(tz.local(&w.from).date_naive() == w.first_day);
            prop_assert!(w.from <= now);
            let calls: Vec<CallFact> = offsets
                .iter()
                .map(|(back, o, round, shift)| CallFact {
                    occurrence_id: format!("occ_{shift}"),
                    round: *round,
                    outcome: outcome_of(*o),
                    at: now - chrono::Duration::seconds(*back),
                })
                .collect();
            let s = compute(&w, &calls, &HashMap::new());
            let inside: Vec<&CallFact> = calls
                .iter()
                .filter(|c| c.at >= w.from && c.outcome.is_none_or(Outcome::is_call))
                .collect();
            prop_assert_eq!(s.calls as usize, inside.len());
            let sum = |f: fn(&DayBucket) -> u32| s.per_day.iter().map(f).sum::<u32>();
            prop_assert_eq!(sum(|d| d.calls), s.calls);
            prop_assert_eq!(sum(|d| d.accepted), s.accepted);
            prop_assert_eq!(sum(|d| d.declined), s.declined);
            prop_assert_eq!(sum(|d| d.no_answer), s.no_answer);
            prop_assert_eq!(sum(|d| d.other), s.busy + s.failed + s.voicemail + s.canceled);
            prop_assert_eq!(sum(|d| d.in_progress), s.in_progress);
            for d in &s.per_day {
                prop_assert_eq!(d.calls, d.accepted + d.declined + d.no_answer + d.other + d.in_progress);
            }
            // Each counted call is in the bucket of its local date.
            for c in inside {
                let date = tz.local(&c.at).date_naive().format("%Y-%m-%d").to_string();
                prop_assert!(s.per_day.iter().any(|d| d.date == date && d.calls > 0));
            }
        }

        #[test]
        fn rates_are_proportions_that_add_up(
            statuses in proptest::collection::vec(0u8..4, 1..20),
            accepted in proptest::collection::vec(any::<bool>(), 20),
        ) {
            let w = Window::last_days(7, t("2026-01-23T12:00:00Z"), Zone::utc());
            let mut calls = Vec::new();
            let mut status = HashMap::new();
            for (i, st) in statuses.iter().enumerate() {
                let occ = format!("o{i}");
                let st = [ShiftStatus::Open, ShiftStatus::Assigned, ShiftStatus::UnfilledAfterCalls, ShiftStatus::Cancelled][usize::from(*st)];
                let won = accepted[i] && st == ShiftStatus::Assigned;
                calls.push(call(&occ, 1, Some(if won { Outcome::Accepted } else { Outcome::Declined }), "2026-01-23T10:00:00Z"));
                status.insert(occ, st);
            }
            let s = compute(&w, &calls, &status);
            prop_assert_eq!(s.shifts_called as usize, statuses.len());
            prop_assert_eq!(s.shifts_decided + s.shifts_open + s.shifts_cancelled, s.shifts_called);
            let cancelled = statuses.iter().filter(|st| **st == 3).count();
            prop_assert_eq!(s.shifts_cancelled as usize, cancelled);
            if let (Some(a), Some(b)) = (s.success_rate, s.unfilled_rate) {
                prop_assert!((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&b));
                prop_assert!(a + b <= 1.0 + 1e-9);
            } else {
                prop_assert_eq!(s.shifts_decided, 0);
            }
        }

        /// Skipped turns anywhere among any calls, on any shift and day, change no figure.
        #[test]
        fn skipped_turns_anywhere_change_no_figure(
            calls in proptest::collection::vec((0i64..10 * 86_400, 0u8..8, 1u32..=5, 0u8..4), 0..30),
            skips in proptest::collection::vec((0i64..10 * 86_400, 1u32..=5, 0u8..6, any::<proptest::sample::Index>()), 1..10),
        ) {
            let now = t("2026-01-23T12:00:00Z");
            let w = Window::last_days(7, now, syd());
            let fact = |back: i64, outcome, round, shift: u8| CallFact {
                occurrence_id: format!("occ_{shift}"),
                round,
                outcome,
                at: now - chrono::Duration::seconds(back),
            };
            // Outcomes 0..8: every call outcome or none (index 7 is `Skipped`, so none).
            let calls: Vec<CallFact> = calls
                .iter()
                .map(|(back, o, round, shift)| fact(*back, outcome_of(*o).filter(|o| o.is_call()), *round, *shift))
                .collect();
            let status: HashMap<String, ShiftStatus> = (0..6u8)
                .map(|i| (format!("occ_{i}"), [ShiftStatus::Open, ShiftStatus::Assigned, ShiftStatus::UnfilledAfterCalls][usize::from(i % 3)]))
                .collect();
            let mut with = calls.clone();
            for (back, round, shift, at) in &skips {
                let i = at.index(with.len() + 1);
                with.insert(i, fact(*back, Some(Outcome::Skipped), *round, *shift));
            }
            prop_assert_eq!(compute(&w, &with, &status), compute(&w, &calls, &status));
        }
    }
}
