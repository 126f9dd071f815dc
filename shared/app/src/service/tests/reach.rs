//! Reachability checks' pacing (`service::reachability`): once a day per person, and a check
//! call held by quiet hours, per-person pacing or a full set of call slots comes back later
//! without calling anyone.

use super::*;
use crate::service::reachability::{ask_for_checks, ReachAsk};
use crate::service::run_task;
use callout_core::quiet::QuietHours;
use callout_core::settings::Settings;

const PROVIDER: &str = "prov_1";
const BOB: &str = "emp_2";

/// A world whose provider has had the sample shift (Bob and Dan in its pool).
async fn with_pool(change: impl FnOnce(&mut Config)) -> World {
    let w = world_with(change).await;
    assert_eq!(event("o").provider_id, PROVIDER);
    stored(&w, &open_shift("occ_reach")).await;
    w
}

/// Ask for Bob's check and run its task once: the tasks it leaves.
async fn check_bob(w: &World) -> Vec<Task> {
    assert!(matches!(
        ask_for_checks(&w.app, PROVIDER, Some(BOB)).await.unwrap(),
        ReachAsk::Queued { .. }
    ));
    let tasks = drained(w);
    assert_eq!(tasks, vec![Task::reach_check(PROVIDER, BOB)]);
    run_task(&w.app, &tasks[0]).await.unwrap();
    drained(w)
}

async fn state_of_bob(w: &World) -> String {
    w.app
        .store
        .get_check(PROVIDER, BOB)
        .await
        .unwrap()
        .unwrap()
        .state
}

#[tokio::test]
async fn a_check_is_placed_once_a_day() {
    let w = with_pool(|_| {}).await;
    let left = check_bob(&w).await;
    assert_eq!(
        left,
        vec![Task::reach_check(PROVIDER, BOB)],
        "its safety net"
    );
    assert_eq!(w.sim.calls().len(), 1);
    assert_eq!(state_of_bob(&w).await, "calling");
    assert_eq!(
        ask_for_checks(&w.app, PROVIDER, Some(BOB)).await.unwrap(),
        ReachAsk::CheckedToday(vec![BOB.to_string()])
    );
    assert!(drained(&w).is_empty());
    assert_eq!(
        ask_for_checks(&w.app, PROVIDER, Some("emp_nobody"))
            .await
            .unwrap(),
        ReachAsk::Unknown
    );
}

#[tokio::test]
async fn quiet_hours_hold_a_check() {
    let w = with_pool(|_| {}).await;
    let now = Utc::now();
    let settings = Settings {
        quiet_hours: Some(QuietHours {
            start: (now - chrono::Duration::hours(1)).time(),
            end: (now + chrono::Duration::hours(1)).time(),
        }),
        ..Settings::default()
    };
    w.app.store.put_settings(PROVIDER, &settings).await.unwrap();
    let left = check_bob(&w).await;
    assert_eq!(
        left,
        vec![Task::reach_check(PROVIDER, BOB)],
        "comes back later"
    );
    assert!(w.sim.calls().is_empty());
    assert_eq!(state_of_bob(&w).await, "queued");
}

#[tokio::test]
async fn per_person_pacing_holds_a_check() {
    let w = with_pool(|_| {}).await;
    let bob = open_shift("x").event.staff_pool[0].phone.clone();
    // Bob was just called about a shift: the gap between two calls to him is not over.
    let windows = callout_core::person_pace::Windows {
        window_ms: 3_600_000,
        gap_ms: 60_000,
    };
    let now = Utc::now().timestamp_millis();
    assert!(w
        .app
        .store
        .let_person_call(&bob, "occ_other#0", now, 7, windows)
        .await
        .unwrap()
        .is_ok());
    let left = check_bob(&w).await;
    assert_eq!(left, vec![Task::reach_check(PROVIDER, BOB)]);
    assert!(w.sim.calls().is_empty());
}

#[tokio::test]
async fn a_check_waits_for_a_free_call_slot() {
    let w = with_pool(|c| c.max_concurrent_calls = 1).await;
    let lease = Duration::from_secs(900);
    let now = Utc::now().timestamp_millis();
    assert!(w
        .app
        .store
        .take_call_slot(0, "a_live_call", now, lease)
        .await
        .unwrap());
    let left = check_bob(&w).await;
    assert_eq!(left, vec![Task::reach_check(PROVIDER, BOB)]);
    assert!(w.sim.calls().is_empty());
    assert_eq!(state_of_bob(&w).await, "queued");
}

#[tokio::test]
async fn a_check_whose_final_status_never_came_is_ended_by_its_safety_net() {
    let w = with_pool(|c| c.max_concurrent_calls = 1).await;
    let net = check_bob(&w).await;
    assert_eq!(state_of_bob(&w).await, "calling");
    // The call ends at Twilio, but its status callback is lost (nothing listens here).
    let sim = w.sim.clone();
    until("the call to end at Twilio", || {
        sim.calls().iter().all(|c| c.ended())
    })
    .await;
    run_task(&w.app, &net[0]).await.unwrap();
    let check = w.app.store.get_check(PROVIDER, BOB).await.unwrap().unwrap();
    assert_eq!(check.state, "done");
    assert!(check.result.is_some() && check.slot.is_none(), "{check:?}");
    // Its call slot is free again.
    let now = Utc::now().timestamp_millis();
    assert!(w
        .app
        .store
        .take_call_slot(0, "next", now, Duration::from_secs(900))
        .await
        .unwrap());
}
