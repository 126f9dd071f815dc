use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

fn campaign(pool: u32, rounds: u32, at_once: u32) -> Campaign {
    Campaign {
        plan: Plan {
            pool_size: pool,
            max_rounds: rounds,
        },
        calls_at_once: at_once,
    }
}

fn facts<'a>(
    status: ShiftStatus,
    skip: &'a (dyn Fn(u32) -> Option<SkipReason> + Sync),
) -> Facts<'a> {
    Facts {
        status,
        recorded: false,
        skip,
        paused_until: None,
        quiet_until: None,
        person_wait: None,
        batch_over: true,
    }
}

const NOBODY: &(dyn Fn(u32) -> Option<SkipReason> + Sync) = &|_| None;

#[test]
fn a_due_turn_is_placed_held_or_skipped_in_this_order() {
    let c = campaign(3, 2, 1);
    let open = facts(ShiftStatus::Open, NOBODY);
    assert_eq!(decide(&c, &open, Moment::Due(0)), Decision::Place);
    assert_eq!(
        decide(&c, &open, Moment::Due(6)),
        Decision::Idle(Idle::BeyondPlan)
    );
    let filled = facts(ShiftStatus::Assigned, NOBODY);
    assert_eq!(
        decide(&c, &filled, Moment::Due(0)),
        Decision::Idle(Idle::ShiftNotOpen)
    );
    let passed: &(dyn Fn(u32) -> Option<SkipReason> + Sync) = &|_| Some(SkipReason::Passed);
    let quiet_and_passed = Facts {
        quiet_until: Some(5),
        person_wait: Some(7),
        ..facts(ShiftStatus::Open, passed)
    };
    // A person who passed is skipped even in quiet hours: nobody waits for a turn never rung.
    assert_eq!(
        decide(&c, &quiet_and_passed, Moment::Due(1)),
        Decision::Skip(SkipReason::Passed)
    );
    let held = Facts {
        quiet_until: Some(5),
        person_wait: Some(7),
        ..facts(ShiftStatus::Open, NOBODY)
    };
    assert_eq!(
        decide(&c, &held, Moment::Due(1)),
        Decision::Hold {
            until: 5,
            reason: HoldReason::QuietHours
        }
    );
    let paced = Facts {
        person_wait: Some(7),
        ..facts(ShiftStatus::Open, NOBODY)
    };
    assert_eq!(
        decide(&c, &paced, Moment::Due(1)),
        Decision::Hold {
            until: 7,
            reason: HoldReason::PersonHourlyLimit
        }
    );
    let recorded = Facts {
        recorded: true,
        ..facts(ShiftStatus::Open, passed)
    };
    assert_eq!(
        decide(&c, &recorded, Moment::Due(1)),
        Decision::Idle(Idle::Recorded)
    );
}

#[test]
fn an_over_turn_moves_on_with_the_round_pause_unless_nobody_is_left() {
    let c = campaign(2, 2, 1);
    let open = facts(ShiftStatus::Open, NOBODY);
    assert_eq!(
        decide(&c, &open, Moment::Over(0)),
        Decision::Next {
            attempt: 1,
            delay_secs: 0
        }
    );
    assert_eq!(
        decide(&c, &open, Moment::Over(1)),
        Decision::Next {
            attempt: 2,
            delay_secs: crate::campaign::ROUND_PAUSE_SECS
        }
    );
    assert_eq!(
        decide(&c, &open, Moment::Over(3)),
        Decision::Finish(Finish::Unfilled)
    );
    // Everyone left declined before: round 2 is recorded as skipped at once, no pause.
    let declined: &(dyn Fn(u32) -> Option<SkipReason> + Sync) =
        &|t| (t >= 2).then_some(SkipReason::DeclinedBefore);
    assert_eq!(
        decide(&c, &facts(ShiftStatus::Open, declined), Moment::Over(1)),
        Decision::Next {
            attempt: 2,
            delay_secs: 0
        }
    );
    // Someone is still rung in round 2: the pause comes before its first turn, skipped or not.
    let first_declined: &(dyn Fn(u32) -> Option<SkipReason> + Sync) =
        &|t| (t == 2).then_some(SkipReason::DeclinedBefore);
    assert_eq!(
        decide(
            &c,
            &facts(ShiftStatus::Open, first_declined),
            Moment::Over(1)
        ),
        Decision::Next {
            attempt: 2,
            delay_secs: crate::campaign::ROUND_PAUSE_SECS
        }
    );
    let unfilled = facts(ShiftStatus::UnfilledAfterCalls, NOBODY);
    assert_eq!(
        decide(&c, &unfilled, Moment::Over(3)),
        Decision::Finish(Finish::Unfilled),
        "a shift marked unfilled by a step that stopped still finishes"
    );
    assert_eq!(
        decide(&c, &unfilled, Moment::Over(0)),
        Decision::Idle(Idle::ShiftNotOpen)
    );
    let batch = campaign(4, 1, 2);
    let waiting = Facts {
        batch_over: false,
        ..facts(ShiftStatus::Open, NOBODY)
    };
    assert_eq!(
        decide(&batch, &waiting, Moment::Over(0)),
        Decision::Idle(Idle::BatchNotOver)
    );
    assert_eq!(
        decide(&batch, &open, Moment::Over(0)),
        Decision::Next {
            attempt: 2,
            delay_secs: 0
        }
    );
}

/// One shift's world, driven only by [`decide`]: dial tasks delivered late, twice and out of
/// order, calls ending in any order, passes and declines arriving at any time, holds.
#[derive(Default, Debug)]
struct World {
    status: Option<ShiftStatus>,
    /// Turn → (live call, how it ended).
    turns: BTreeMap<u32, (bool, Option<&'static str>)>,
    advanced: BTreeSet<u32>,
    declined: BTreeSet<u32>,
    passed: BTreeSet<u32>,
    holds: BTreeMap<u32, u32>,
    pending: Vec<Moment>,
    placed: u32,
    /// A coordinator paused calling (resumed after a few held turns).
    paused: bool,
    paused_holds: u32,
    /// Calls placed while paused, and after a cancel (both must stay 0).
    placed_while_paused: u32,
    cancelled: bool,
}

impl World {
    fn person(pool: u32, k: u32) -> u32 {
        k % pool
    }

    fn skip(&self, pool: u32, skip_decliners: bool, t: u32) -> Option<SkipReason> {
        let p = Self::person(pool, t);
        if self.passed.contains(&p) {
            Some(SkipReason::Passed)
        } else if skip_decliners && self.declined.contains(&p) {
            Some(SkipReason::DeclinedBefore)
        } else {
            None
        }
    }
}

fn run(pool: u32, rounds: u32, at_once: u32, skip_decliners: bool, choices: &[u8]) -> World {
    let c = campaign(pool, rounds, at_once);
    let mut w = World {
        status: Some(ShiftStatus::Open),
        pending: vec![Moment::Due(0)],
        ..World::default()
    };
    // Once the random choices run out, every pick is 0 and every step makes progress: the
    // oldest task is delivered, or the first live call ends.
    let mut choices = choices.iter().copied();
    let mut pick = move |n: usize| choices.next().map_or(0, |b| usize::from(b) % n.max(1));
    for _ in 0..10_000 {
        let live: Vec<u32> = w
            .turns
            .iter()
            .filter(|(_, t)| t.0)
            .map(|(k, _)| *k)
            .collect();
        if w.pending.is_empty() && live.is_empty() {
            break;
        }
        let status = w.status.unwrap();
        match pick(10) {
            // A coordinator pauses calling, or resumes it.
            8 => {
                w.paused = !w.paused;
                w.paused_holds = 0;
            }
            // A coordinator cancels (rarely: most runs end filled or unfilled).
            9 => {
                if pick(4) == 0 && status.can_be_accepted() {
                    w.status = Some(ShiftStatus::Cancelled);
                    w.cancelled = true;
                    // Every live call is ended (with the apology) and its turn is over.
                    for (k, turn) in w.turns.iter_mut() {
                        if turn.0 {
                            *turn = (false, Some("Canceled"));
                            w.pending.push(Moment::Over(*k));
                        }
                    }
                }
            }
            // A person passes, by text or on the call-back line.
            7 => {
                w.passed.insert(pick(pool as usize) as u32);
            }
            // A live call ends.
            5 | 6 if !live.is_empty() => {
                let k = live[pick(live.len())];
                let outcome = ["Declined", "No Answer", "Busy", "Accepted"][pick(4)];
                w.turns.insert(k, (false, Some(outcome)));
                match outcome {
                    "Accepted" if status.can_be_accepted() => {
                        w.status = Some(ShiftStatus::Assigned)
                    }
                    "Declined" => {
                        w.declined.insert(World::person(pool, k));
                    }
                    _ => {}
                }
                w.pending.push(Moment::Over(k));
                if pick(4) == 1 {
                    w.pending.push(Moment::Over(k)); // a repeated callback
                }
            }
            _ if w.pending.is_empty() => {
                // Only live calls are left: one ends with no answer.
                let k = live[0];
                w.turns.insert(k, (false, Some("No Answer")));
                w.pending.push(Moment::Over(k));
            }
            // A task is delivered: any of them, in any order, sometimes twice.
            _ => {
                let i = pick(w.pending.len());
                let moment = if pick(5) == 1 {
                    w.pending[i]
                } else {
                    w.pending.swap_remove(i)
                };
                deliver(&c, &mut w, moment, skip_decliners, &mut pick);
            }
        }
    }
    w
}

fn deliver(
    c: &Campaign,
    w: &mut World,
    moment: Moment,
    skip_decliners: bool,
    pick: &mut impl FnMut(usize) -> usize,
) {
    let pool = c.plan.pool_size;
    let status = w.status.unwrap();
    let k = match moment {
        Moment::Due(k) | Moment::Over(k) => k,
    };
    if let Moment::Due(k) = moment {
        // A batch's first turn rings the rest of its batch.
        let batch = c.plan.batch(k, c.calls_at_once);
        if batch.start == k && status == ShiftStatus::Open && !w.turns.contains_key(&k) {
            w.pending.extend(batch.skip(1).map(Moment::Due));
        }
    }
    if matches!(moment, Moment::Over(_)) && w.advanced.contains(&k) {
        return; // moved on from before
    }
    let holds = w.holds.get(&k).copied().unwrap_or(0);
    let held = holds < 2 && pick(4) == 0;
    let batch_over = c
        .plan
        .batch(k, c.calls_at_once)
        .all(|t| w.turns.get(&t).is_some_and(|r| !r.0));
    let snapshot = |w: &World| {
        let skipped: BTreeMap<u32, SkipReason> = (0..c.plan.total_attempts())
            .filter_map(|t| w.skip(pool, skip_decliners, t).map(|r| (t, r)))
            .collect();
        skipped
    };
    let skipped = snapshot(w);
    let skip = |t: u32| skipped.get(&t).copied();
    let facts = Facts {
        status,
        recorded: w.turns.contains_key(&k),
        skip: &skip,
        paused_until: w.paused.then_some(2),
        quiet_until: held.then_some(1),
        person_wait: None,
        batch_over,
    };
    let decision = decide(c, &facts, moment);
    assert_eq!(
        decision,
        decide(c, &facts, moment),
        "a replayed fact decides alike"
    );
    match decision {
        Decision::Place => {
            let person = World::person(pool, k);
            let live_for_person = w
                .turns
                .iter()
                .any(|(t, r)| r.0 && World::person(pool, *t) == person);
            assert!(
                !live_for_person,
                "two live calls for person {person}: {w:?}"
            );
            assert!(!w.passed.contains(&person), "a person who passed is rung");
            if w.paused || w.cancelled {
                w.placed_while_paused += 1;
            }
            w.turns.insert(k, (true, None));
            w.placed += 1;
        }
        Decision::Hold {
            reason: HoldReason::Paused,
            ..
        } => {
            assert!(w.paused, "held as paused while calling runs");
            // The coordinator resumes after a few held looks.
            w.paused_holds += 1;
            if w.paused_holds >= 3 {
                w.paused = false;
            }
            w.pending.push(Moment::Due(k));
        }
        Decision::Hold { .. } => {
            *w.holds.entry(k).or_default() += 1;
            w.pending.push(Moment::Due(k));
        }
        Decision::Skip(_) => {
            assert!(!w.paused, "a turn skipped past while paused");
            w.turns.insert(k, (false, Some("Skipped")));
            w.pending.push(Moment::Over(k));
        }
        Decision::Next { attempt, .. } => {
            assert!(attempt > k, "the campaign only moves forward");
            w.pending.push(Moment::Due(attempt));
            w.advanced.insert(k);
        }
        Decision::Finish(Finish::Unfilled) => {
            if status == ShiftStatus::Open {
                w.status = Some(ShiftStatus::UnfilledAfterCalls);
            }
            w.advanced.insert(k);
        }
        Decision::Idle(Idle::BatchNotOver) => {
            w.advanced.insert(k);
        }
        Decision::Idle(_) => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Over random interleavings: nobody has two live calls for one shift, no turn is rung
    /// twice or past the plan, a person who passed is never rung, no call is placed while
    /// paused or after a cancel, a resumed shift goes on where it was, and every shift ends
    /// filled, cancelled, or unfilled with every turn of its rounds recorded (rung or skipped).
    #[test]
    fn every_interleaving_ends_and_rings_nobody_twice(
        pool in 1u32..5,
        rounds in 1u32..4,
        at_once in 1u32..4,
        skip_decliners in any::<bool>(),
        choices in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let w = run(pool, rounds, at_once, skip_decliners, &choices);
        let total = pool * rounds;
        prop_assert!(w.placed <= total);
        prop_assert!(w.turns.keys().all(|k| *k < total));
        prop_assert!(w.turns.values().all(|t| !t.0), "a call left live");
        prop_assert_eq!(w.placed_while_paused, 0, "a call placed while paused or cancelled");
        match w.status.unwrap() {
            ShiftStatus::Assigned => {}
            ShiftStatus::Cancelled => prop_assert!(w.cancelled),
            ShiftStatus::UnfilledAfterCalls => {
                prop_assert_eq!(w.turns.len() as u32, total, "a turn never recorded: {:?}", w);
                prop_assert!(w.turns.values().all(|t| t.1 != Some("Accepted")));
            }
            other => prop_assert!(false, "ended {:?}: {:?}", other, w),
        }
    }
}

/// Play a campaign one at a time where nobody accepts and the person at pool place `p`
/// declines when called if `declines[p]`. Returns (turn, place, round, waited since the last
/// call) per call placed, the turns skipped, and whether it ended unfilled.
#[allow(clippy::type_complexity)]
fn exhaust(
    n: u32,
    r: u32,
    declines: &[bool],
    skip_decliners: bool,
) -> (Vec<(u32, u32, u32, u64)>, Vec<u32>, bool) {
    let c = campaign(n, r, 1);
    let mut declined = vec![false; n as usize];
    let (mut calls, mut skipped) = (vec![], vec![]);
    let mut waited = 0;
    let mut moment = Moment::Due(0);
    loop {
        let skip = |t: u32| {
            (skip_decliners && declined[(t % n) as usize]).then_some(SkipReason::DeclinedBefore)
        };
        match decide(&c, &facts(ShiftStatus::Open, &skip), moment) {
            Decision::Place => {
                let k = match moment {
                    Moment::Due(k) | Moment::Over(k) => k,
                };
                let slot = c.plan.slot(k).unwrap();
                calls.push((k, slot.position, slot.round, waited));
                waited = 0;
                if declines[slot.position as usize] {
                    declined[slot.position as usize] = true;
                }
                moment = Moment::Over(k);
            }
            Decision::Skip(_) => {
                let Moment::Due(k) = moment else {
                    unreachable!()
                };
                skipped.push(k);
                moment = Moment::Over(k);
            }
            Decision::Next {
                attempt,
                delay_secs,
            } => {
                waited += delay_secs;
                moment = Moment::Due(attempt);
            }
            Decision::Finish(Finish::Unfilled) => return (calls, skipped, true),
            other => panic!("{other:?} at {moment:?}"),
        }
    }
}

#[test]
fn a_decliner_is_not_rung_again_and_their_turns_are_recorded_as_skipped() {
    // 2 staff × 2 rounds, all decline, skipping off: A B A B.
    let (calls, skipped, _) = exhaust(2, 2, &[true, true], false);
    assert_eq!(calls.iter().map(|c| c.1).collect::<Vec<_>>(), [0, 1, 0, 1]);
    assert!(skipped.is_empty());
    // A declines, B does not answer: A B, A's round-2 turn (2) skipped, B after the pause.
    let (calls, skipped, _) = exhaust(2, 2, &[true, false], true);
    assert_eq!(
        calls,
        vec![
            (0, 0, 1, 0),
            (1, 1, 1, 0),
            (3, 1, 2, crate::campaign::ROUND_PAUSE_SECS)
        ]
    );
    assert_eq!(skipped, [2]);
    // Everyone declines: one round, the rest skipped at once, then unfilled.
    let (calls, skipped, unfilled) = exhaust(3, 3, &[true, true, true], true);
    assert_eq!(calls.len(), 3);
    assert_eq!(skipped, [3, 4, 5, 6, 7, 8]);
    assert!(unfilled);
}

proptest! {
    /// With any declines and either setting: the campaign ends unfilled, rings nobody who
    /// declined earlier when skipping is on, records every other turn as skipped, and between
    /// two calls waits exactly one round pause when the round changes and none otherwise.
    #[test]
    fn skipping_never_rings_a_decliner_and_keeps_the_round_pause(
        n in 1u32..8, r in 1u32..=5, declines in proptest::collection::vec(any::<bool>(), 8), skip in any::<bool>(),
    ) {
        let (calls, skipped, unfilled) = exhaust(n, r, &declines, skip);
        prop_assert!(unfilled);
        prop_assert_eq!(calls.len() + skipped.len(), (n * r) as usize, "every turn recorded");
        let mut declined_before = vec![false; n as usize];
        let mut last: Option<u32> = None;
        for &(_, pos, round, waited) in &calls {
            if skip {
                prop_assert!(!declined_before[pos as usize], "a decliner was rung again");
            }
            if let Some(previous_round) = last {
                let pause = if round > previous_round { crate::campaign::ROUND_PAUSE_SECS } else { 0 };
                prop_assert_eq!(waited, pause);
            }
            if declines[pos as usize] {
                declined_before[pos as usize] = true;
            }
            last = Some(round);
        }
        if !skip {
            prop_assert_eq!(calls.len() as u32, n * r);
        } else {
            let decliners = (0..n as usize).filter(|&i| declines[i]).count() as u32;
            prop_assert_eq!(calls.len() as u32, n + (n - decliners) * (r - 1));
        }
    }
}

#[test]
fn a_paused_shift_holds_its_due_turn_before_any_skip_or_other_hold() {
    let c = campaign(3, 2, 1);
    let passed: &(dyn Fn(u32) -> Option<SkipReason> + Sync) = &|_| Some(SkipReason::Passed);
    let paused = Facts {
        paused_until: Some(9),
        quiet_until: Some(5),
        person_wait: Some(7),
        ..facts(ShiftStatus::Open, passed)
    };
    assert_eq!(
        decide(&c, &paused, Moment::Due(1)),
        Decision::Hold {
            until: 9,
            reason: HoldReason::Paused
        }
    );
    assert_eq!(HoldReason::Paused.as_str(), "paused");
    // A duplicate task, a turn past the plan and a closed shift stay what they were.
    let recorded = Facts {
        recorded: true,
        ..paused
    };
    assert_eq!(
        decide(&c, &recorded, Moment::Due(1)),
        Decision::Idle(Idle::Recorded)
    );
    let paused = Facts {
        paused_until: Some(9),
        ..facts(ShiftStatus::Open, NOBODY)
    };
    assert_eq!(
        decide(&c, &paused, Moment::Due(6)),
        Decision::Idle(Idle::BeyondPlan)
    );
    let cancelled = Facts {
        paused_until: Some(9),
        ..facts(ShiftStatus::Cancelled, NOBODY)
    };
    assert_eq!(
        decide(&c, &cancelled, Moment::Due(1)),
        Decision::Idle(Idle::ShiftNotOpen)
    );
    // A live call's end still moves on (the next turn is then held while paused).
    assert_eq!(
        decide(&c, &paused, Moment::Over(0)),
        Decision::Next {
            attempt: 1,
            delay_secs: 0
        }
    );
    // A cancelled shift moves on no more.
    assert_eq!(
        decide(&c, &cancelled, Moment::Over(0)),
        Decision::Idle(Idle::ShiftNotOpen)
    );
}

proptest! {
    /// Whatever else is true (any status, skips, quiet hours, pacing, a duplicate), a paused
    /// shift places no call and skips past no turn; and without a pause, the decision is the
    /// same as before pausing existed (a pause changes nothing but itself).
    #[test]
    fn a_paused_shift_never_places_or_skips(
        status in prop::sample::select(vec![
            ShiftStatus::Open, ShiftStatus::Assigned, ShiftStatus::UnfilledAfterCalls,
            ShiftStatus::NotCalled, ShiftStatus::Cancelled,
        ]),
        recorded in any::<bool>(),
        skip_all in any::<bool>(),
        quiet in proptest::option::of(0i64..100),
        wait in proptest::option::of(0i64..100),
        until in 0i64..100,
        k in 0u32..8,
        pool in 1u32..4,
        rounds in 1u32..3,
    ) {
        let c = campaign(pool, rounds, 1);
        let skip: &(dyn Fn(u32) -> Option<SkipReason> + Sync) =
            if skip_all { &|_| Some(SkipReason::Passed) } else { NOBODY };
        let running = Facts {
            recorded,
            quiet_until: quiet,
            person_wait: wait,
            ..facts(status, skip)
        };
        let paused = Facts { paused_until: Some(until), ..running };
        let d = decide(&c, &paused, Moment::Due(k));
        prop_assert!(!matches!(d, Decision::Place | Decision::Skip(_)), "{:?}", d);
        let unpaused = decide(&c, &running, Moment::Due(k));
        match d {
            Decision::Hold { reason: HoldReason::Paused, until: u } => {
                prop_assert_eq!(u, until);
                let went_on = matches!(unpaused, Decision::Place | Decision::Skip(_) | Decision::Hold { .. });
                prop_assert!(went_on, "{:?}", unpaused);
            }
            other => prop_assert_eq!(other, unpaused),
        }
    }
}
