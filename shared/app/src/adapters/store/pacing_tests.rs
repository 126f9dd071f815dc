//! Tests of the service's pacing steps ([`crate::service::Pacer`]) on the in-memory line
//! ([`MemoryLine`]): its conditions, the line's order, waking, handing a slot on, and a property
//! test over random interleavings of concurrent steps.

use super::pacing::{PacingLine, Waiter};
use super::pacing_memory::MemoryLine;
use crate::adapters::memory::MemoryQueue;
use crate::records::{Dial, Task};
use crate::service::Pacer;
use anyhow::Result;
use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

fn pacer<'a>(
    line: &'a MemoryLine,
    queue: &'a MemoryQueue,
    limit: u32,
) -> Pacer<'a, MemoryLine, MemoryQueue> {
    Pacer {
        line,
        queue,
        limit,
        // No lease runs out during a test: every slot is freed by its call's end.
        lease: HOUR,
        watchdog_period: Duration::from_secs(1),
    }
}

/// Run a future whose every await is ready or yields once (the in-memory line).
fn run<T>(f: impl Future<Output = T>) -> T {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(std::task::Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn waiting_since(task: &Dial, since: i64) -> Dial {
    Dial {
        waiting_since: Some(since),
        ..task.clone()
    }
}

#[test]
fn a_slot_is_taken_renewed_by_its_holder_passed_and_released_only_by_its_holder() {
    let line = MemoryLine::new();
    run(async {
        assert!(line.take_call_slot(0, "a", 1_000, HOUR).await.unwrap());
        assert!(!line.take_call_slot(0, "b", 1_000, HOUR).await.unwrap());
        assert!(line.take_call_slot(0, "a", 2_000, HOUR).await.unwrap());
        assert!(!line.pass_call_slot(0, "b", "c", 2_000, HOUR).await.unwrap());
        assert!(line.pass_call_slot(0, "a", "c", 2_000, HOUR).await.unwrap());
        // Handing it again to the same holder is harmless.
        assert!(line.pass_call_slot(0, "a", "c", 2_000, HOUR).await.unwrap());
        assert!(!line.release_call_slot(0, "a").await.unwrap());
        assert!(line.release_call_slot(0, "c").await.unwrap());
        assert!(!line.pass_call_slot(0, "c", "d", 2_000, HOUR).await.unwrap());
        assert!(line.call_slots().await.unwrap().is_empty());
    });
}

#[test]
fn an_expired_lease_can_be_taken_and_the_watchdog_is_armed_once_per_period() {
    let line = MemoryLine::new();
    run(async {
        assert!(line
            .take_call_slot(1, "a", 0, Duration::from_millis(10))
            .await
            .unwrap());
        assert!(!line.take_call_slot(1, "b", 10, HOUR).await.unwrap());
        assert!(line.take_call_slot(1, "b", 11, HOUR).await.unwrap());
        let period = Duration::from_millis(100);
        assert!(line.arm_watchdog(0, period, false).await.unwrap());
        assert!(!line.arm_watchdog(50, period, false).await.unwrap());
        assert!(line.arm_watchdog(50, period, true).await.unwrap());
        assert!(!line.arm_watchdog(150, period, false).await.unwrap());
        assert!(line.arm_watchdog(151, period, false).await.unwrap());
    });
}

#[test]
fn the_line_is_oldest_first_and_joining_twice_is_harmless() {
    let line = MemoryLine::new();
    let (a, b, c) = (
        waiting_since(&Dial::new("occ_a", 1), 30),
        waiting_since(&Dial::new("occ_b", 0), 10),
        waiting_since(&Dial::new("occ_c", 2), 20),
    );
    let tasks = |w: Vec<Waiter>| w.into_iter().map(|w| w.task).collect::<Vec<_>>();
    run(async {
        for t in [&a, &b, &c, &a] {
            line.add_waiter(t).await.unwrap();
        }
        let oldest = line.oldest_waiters(2).await.unwrap();
        assert_eq!(tasks(oldest.clone()), [b.clone(), c.clone()]);
        line.remove_waiter(&oldest[1]).await.unwrap();
        line.remove_waiter(&oldest[1]).await.unwrap();
        assert_eq!(
            tasks(line.oldest_waiters(5).await.unwrap()),
            [b.clone(), a.clone()]
        );
        // Back in line before an old entry's removal: the new entry stays.
        let again = line.add_waiter(&b).await.unwrap();
        line.remove_waiter(&oldest[0]).await.unwrap();
        assert_eq!(
            line.oldest_waiters(1).await.unwrap(),
            std::slice::from_ref(&again)
        );
        line.remove_waiter(&again).await.unwrap();
        assert_eq!(
            tasks(line.oldest_waiters(5).await.unwrap()),
            std::slice::from_ref(&a)
        );
    });
}

#[test]
fn a_task_over_the_limit_waits_and_the_oldest_waiter_gets_the_freed_slot() {
    let (line, queue) = (MemoryLine::new(), MemoryQueue::default());
    let p = pacer(&line, &queue, 1);
    run(async {
        let (slot, holder) = p
            .take_call_slot_or_wait(&Dial::new("occ_1", 0))
            .await
            .unwrap()
            .unwrap();
        // Two more wait, in the order they came; the first to wait arms the watchdog.
        let second = Dial::new("occ_2", 0);
        let third = Dial::new("occ_3", 0);
        assert_eq!(p.take_call_slot_or_wait(&second).await.unwrap(), None);
        assert_eq!(p.take_call_slot_or_wait(&third).await.unwrap(), None);
        let sent = queue.drain_tasks();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0], Task::wake_waiters());
        let waiting = line.waiting();
        assert_eq!(waiting.len(), 2);
        assert_eq!(waiting[0].occurrence_id, "occ_2");

        // The call ends: its slot goes to the oldest waiter, held for it.
        p.free_call_slot(slot, &holder).await.unwrap();
        let sent = queue.drain_tasks();
        assert_eq!(sent.len(), 1);
        let Task::Dial(woken) = &sent[0] else {
            panic!("a dial task is woken: {sent:?}")
        };
        assert_eq!(
            (woken.occurrence_id.as_str(), woken.granted_slot),
            ("occ_2", Some(slot))
        );
        assert_eq!(line.holders()[&slot], woken.granted_holder());
        assert_eq!(line.waiting().len(), 1);

        // The woken task takes its slot even though a fourth asked meanwhile.
        let fourth = Dial::new("occ_4", 0);
        assert_eq!(p.take_call_slot_or_wait(&fourth).await.unwrap(), None);
        let (slot2, holder2) = p.take_call_slot_or_wait(woken).await.unwrap().unwrap();
        assert_eq!((slot2, holder2), (slot, woken.granted_holder()));

        // The watchdog with the slot still held wakes nobody and comes again.
        p.watchdog_fired().await.unwrap();
        let sent = queue.drain_tasks();
        assert!(sent.iter().all(|t| *t == Task::wake_waiters()));
        assert_eq!(line.waiting().len(), 2);
    });
}

#[test]
fn with_nobody_waiting_a_freed_slot_is_released_and_wake_wakes_as_many_as_are_free() {
    let (line, queue) = (MemoryLine::new(), MemoryQueue::default());
    let p = pacer(&line, &queue, 3);
    run(async {
        let (slot, holder) = p
            .take_call_slot_or_wait(&Dial::new("occ_1", 0))
            .await
            .unwrap()
            .unwrap();
        p.free_call_slot(slot, &holder).await.unwrap();
        assert!(line.holders().is_empty() && queue.drain_tasks().is_empty());
        // Three wait (as after slots held by others ran free), two slots are free.
        for (i, since) in [(1, 300), (2, 100), (3, 200)] {
            line.add_waiter(&waiting_since(&Dial::new(&format!("occ_{i}"), 0), since))
                .await
                .unwrap();
        }
        let now = chrono::Utc::now().timestamp_millis();
        line.take_call_slot(2, "other", now, HOUR).await.unwrap();
        p.wake_waiters().await.unwrap();
        let woken: Vec<String> = queue
            .drain_tasks()
            .into_iter()
            .map(|t| t.occurrence_id().to_string())
            .collect();
        assert_eq!(woken, ["occ_2", "occ_3"]);
        assert_eq!(line.waiting()[0].occurrence_id, "occ_1");
    });
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + 'a>>;

/// One step in flight: a dial task's take (the task's number) or another pacing step.
enum Step<'a> {
    Take(usize, Dial, Boxed<'a, Option<(u32, String)>>),
    Other(Boxed<'a, ()>),
}

/// The dial step's pacing as `service::dial` does it, for task `i` of `tasks`, over random
/// interleavings of its requests with other steps; the calls end in random order.
fn simulate(limit: u32, tasks: usize, choices: &[u16]) -> std::result::Result<(), TestCaseError> {
    let (line, queue) = (MemoryLine::interleaved(), MemoryQueue::default());
    let pacer = pacer(&line, &queue, limit);
    let p = &pacer;
    let task_no = |t: &Dial| {
        t.occurrence_id
            .trim_start_matches("occ_")
            .parse::<usize>()
            .unwrap()
    };
    let mut pending: Vec<Task> = (0..tasks)
        .map(|i| Task::dial(&format!("occ_{i}"), 0))
        .collect();
    // Task → its call's (slot, holder): the attempt, created once, by the first copy.
    let mut attempts: HashMap<usize, (u32, String)> = HashMap::new();
    let mut live: Vec<usize> = Vec::new();
    let mut ended: BTreeSet<usize> = BTreeSet::new();
    let mut steps: Vec<Step<'_>> = Vec::new();
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut choices = choices.iter().copied();
    let mut rounds = 0;
    let mut log: Vec<String> = Vec::new();
    loop {
        pending.extend(queue.drain_tasks());
        if pending.is_empty() && live.is_empty() && steps.is_empty() {
            break;
        }
        rounds += 1;
        prop_assert!(
            rounds < 100_000,
            "the line never emptied: {:?} held {:?}\n{}",
            line.waiting(),
            line.holders(),
            log[log.len().saturating_sub(200)..].join("\n")
        );
        // Random choices first; once they run out, steps finish first, then calls end, then
        // tasks are delivered, oldest first.
        let pick = choices.next().map(usize::from);
        let what = match pick {
            Some(c) => c % 3,
            None if !steps.is_empty() => 0,
            None if !live.is_empty() => 1,
            None => 2,
        };
        let pick = pick.unwrap_or(0);
        match what {
            0 if !steps.is_empty() => {
                let i = pick % steps.len();
                let done = match &mut steps[i] {
                    Step::Take(no, task, f) => match f.as_mut().poll(&mut cx) {
                        Poll::Pending => false,
                        Poll::Ready(r) => {
                            let (no, task) = (*no, task.clone());
                            log.push(format!("take done {task:?} -> {r:?}"));
                            if let Some((slot, holder)) =
                                r.map_err(|e| TestCaseError::fail(e.to_string()))?
                            {
                                match attempts.get(&no) {
                                    // The first copy's attempt: the call is placed.
                                    None => {
                                        attempts.insert(no, (slot, holder));
                                        live.push(no);
                                    }
                                    // A copy came second: its slot goes back unless the
                                    // attempt holds it (`give_back`).
                                    Some(theirs)
                                        if *theirs == (slot, holder.clone())
                                            && !ended.contains(&no) => {}
                                    Some(_) => {
                                        let holder = holder.clone();
                                        steps.push(Step::Other(Box::pin(async move {
                                            p.free_call_slot(slot, &holder).await
                                        })));
                                    }
                                }
                            }
                            true
                        }
                    },
                    Step::Other(f) => match f.as_mut().poll(&mut cx) {
                        Poll::Pending => false,
                        Poll::Ready(r) => {
                            r.map_err(|e| TestCaseError::fail(e.to_string()))?;
                            true
                        }
                    },
                };
                // What a step sends can be delivered at once, even before its next request
                // (SQS does not wait for the sender to finish).
                pending.extend(queue.drain_tasks());
                if done {
                    steps.swap_remove(i);
                }
            }
            1 if !live.is_empty() => {
                // A call ends (`call_ended`): its slot is freed.
                let no = live.swap_remove(pick % live.len());
                log.push(format!("end {no} {:?}", attempts[&no]));
                prop_assert!(ended.insert(no));
                let (slot, holder) = attempts[&no].clone();
                steps.push(Step::Other(Box::pin(async move {
                    p.free_call_slot(slot, &holder).await
                })));
            }
            _ if !pending.is_empty() => {
                let task = pending.remove(if pick == 0 { 0 } else { pick % pending.len() });
                log.push(format!("deliver {task:?}"));
                let Task::Dial(task) = task else {
                    // It comes when the watchdog's period is over.
                    line.expire_watchdog();
                    steps.push(Step::Other(Box::pin(p.watchdog_fired())));
                    continue;
                };
                let no = task_no(&task);
                if let Some(theirs) = attempts.get(&no) {
                    // A duplicate (`dial_task_duplicate`): a slot handed to it goes on.
                    match task.granted_slot {
                        Some(slot)
                            if *theirs != (slot, task.granted_holder()) || ended.contains(&no) =>
                        {
                            let holder = task.granted_holder();
                            steps.push(Step::Other(Box::pin(async move {
                                p.free_call_slot(slot, &holder).await
                            })));
                        }
                        Some(_) => {}
                        None if task.waiting_since.is_some() => {
                            steps.push(Step::Other(Box::pin(p.wake_waiters())));
                        }
                        None => {}
                    }
                    continue;
                }
                let t = task.clone();
                steps.push(Step::Take(
                    no,
                    task,
                    Box::pin(async move { p.take_call_slot_or_wait(&t).await }),
                ));
            }
            _ => {}
        }
        // Never more calls than the limit, each on its own slot, held by its holder.
        prop_assert!(
            live.len() <= limit as usize,
            "{} calls over a limit of {limit}",
            live.len()
        );
        let holders = line.holders();
        let mut slots = BTreeSet::new();
        for no in &live {
            let (slot, holder) = &attempts[no];
            prop_assert!(slots.insert(*slot), "two calls on slot {slot}");
            prop_assert_eq!(holders.get(slot), Some(holder));
        }
    }
    // Nothing lost: every task got its call, once; nobody waits; every slot is free.
    prop_assert_eq!(ended, (0..tasks).collect::<BTreeSet<_>>());
    prop_assert!(line.waiting().is_empty());
    prop_assert!(
        line.holders().is_empty(),
        "slots still held: {:?}\n{}",
        line.holders(),
        log.join("\n")
    );
    Ok(())
}

// A woken task can come back before the step that woke it has taken it out of the line:
// delivered, turned away and back in line under the same key, it must not be taken out for
// good by that late removal (each entry in the line is removed only as the entry it was).
proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn random_interleavings_respect_the_limit_and_lose_nobody(
        limit in 1u32..4,
        tasks in 1usize..9,
        choices in proptest::collection::vec(any::<u16>(), 0..400),
    ) {
        simulate(limit, tasks, &choices)?;
    }
}
