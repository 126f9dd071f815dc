//! Quiet hours: no call starts inside the provider's window (read in its `timeZone`) unless
//! the shift starts before the window ends and urgent shifts override it; held calls start
//! when it ends; a wave 3 ending inside it waits `nightWaitMinutes`. The window is wall-clock
//! time (not scaled): these tests set one that ends within the next minute.

use callout_sim::Behaviour;
use chrono::{Duration as Span, Timelike, Utc};
use e2e::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// A window (UTC) that began two minutes ago and ends at the next whole minute at least five
/// seconds away.
fn window_ending_soon() -> (String, String, chrono::DateTime<Utc>) {
    let now = Utc::now();
    let mut end = now.with_second(0).unwrap().with_nanosecond(0).unwrap() + Span::minutes(1);
    if end - now < Span::seconds(5) {
        end += Span::minutes(1);
    }
    let start = now - Span::minutes(2);
    (
        start.format("%H:%M").to_string(),
        end.format("%H:%M").to_string(),
        end,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_is_held_through_quiet_hours_and_placed_when_they_end() {
    let w = World::new().await;
    let (start, end, ends_at) = window_ending_soon();
    let (status, body) = w
        .patch_settings(
            PROVIDER,
            json!({"enabled": true, "waitMinutes": 1, "maxRounds": 1, "timeZone": "UTC",
                   "quietHours": {"start": start, "end": end},
                   "urgentOverridesQuietHours": false}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["quietHours"]["end"], end);
    w.phone(&ALICE, Behaviour::Accept);
    let occ = occ("quiet");
    w.wave3_completed(&occ, &[&ALICE]).await;

    let held = w
        .wait_for(&occ, "the call to be held", |log| {
            log["waiting"]["reason"] == "quietHours"
        })
        .await;
    assert_eq!(held["waiting"]["employeeId"], ALICE.employee_id);
    let until =
        chrono::DateTime::parse_from_rfc3339(held["waiting"]["until"].as_str().unwrap()).unwrap();
    assert_eq!(until, ends_at);
    assert!(w.sim.calls().is_empty(), "no call inside quiet hours");

    let deadline = Instant::now() + Duration::from_secs(120);
    while w.sim.calls_to(ALICE.phone).is_empty() {
        assert!(Instant::now() < deadline, "the held call was never placed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let placed: chrono::DateTime<Utc> = w.sim.calls_to(ALICE.phone)[0].created.into();
    assert!(
        placed >= ends_at,
        "placed at {placed}, quiet hours end at {ends_at}"
    );
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "ASSIGNED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_urgent_shift_is_called_in_quiet_hours_after_the_night_wait() {
    let w = World::new().await;
    let (start, end, _) = window_ending_soon();
    let (status, body) = w
        .patch_settings(
            PROVIDER,
            json!({"enabled": true, "waitMinutes": 120, "nightWaitMinutes": 1, "maxRounds": 1,
                   "timeZone": "UTC", "quietHours": {"start": start, "end": end}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["urgentOverridesQuietHours"], true, "the default");
    w.phone(&ALICE, Behaviour::Accept);
    let occ = occ("urgent");
    let before = Utc::now();
    // The shift (Jan 23) starts before the window ends: urgent.
    w.wave3_completed(&occ, &[&ALICE]).await;
    let log = w.finished(&occ).await;
    assert_eq!(
        log["status"], "ASSIGNED",
        "called inside quiet hours: urgent"
    );
    let scheduled = chrono::DateTime::parse_from_rfc3339(log["scheduledAt"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    // The night wait (1 minute, 0.1 s here), not the day's 120 minutes (12 s here).
    assert!(
        scheduled - before < Span::seconds(5),
        "scheduled {scheduled}, started {before}"
    );
}
