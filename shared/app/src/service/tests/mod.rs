//! Unit tests of every service step on the in-memory store and twins (`App::in_memory`), with
//! the project's simulated Twilio (`callout-sim`) in process: no local AWS, milliseconds each.
//! The dial and call-end path is driven only through its public entries (`run_task`,
//! `on_final_status`), asserting on stored state and queued tasks.

mod accept;
mod audio;
mod control;
mod dial;
mod effects;
mod inbound;
mod pacing;
mod reach;
mod recording;
mod run;
mod start;

use crate::app::{App, Twins};
use crate::config::Config;
use crate::records::{Shift, Task};
use callout_core::model::Wave3Completed;
use callout_sim::{Sim, SimConfig};
use chrono::Utc;
use std::time::Duration;

/// An app on twins and the simulated Twilio it calls.
pub(super) struct World {
    pub app: App,
    pub twins: Twins,
    pub sim: Sim,
}

/// The product's own number; staff numbers are Australian mobiles.
pub(super) const OWN_NUMBER: &str = "+61200000000";
/// Where webhooks would go: nothing listens there (the steps under test never need them).
const NOWHERE: &str = "http://127.0.0.1:9";

pub(super) async fn world() -> World {
    world_with(|_| {}).await
}

/// [`world`] with `change` made to its configuration.
pub(super) async fn world_with(change: impl FnOnce(&mut Config)) -> World {
    world_with_sim(SimConfig::default(), change).await
}

/// [`world_with`], with the simulated Twilio set up as given (e.g. slower call phases).
pub(super) async fn world_with_sim(sim: SimConfig, change: impl FnOnce(&mut Config)) -> World {
    let sim = Sim::start(sim).await.expect("the simulator");
    let sc = sim.config().clone();
    let config = Config {
        public_base_url: NOWHERE.into(),
        twilio_account_sid: sc.account_sid,
        twilio_auth_tokens: vec![sc.auth_token],
        twilio_from_number: OWN_NUMBER.into(),
        twilio_api_base: sim.base_url(),
        elevenlabs_api_key: sc.elevenlabs_api_key,
        ..Config::default()
    };
    let mut config = config;
    change(&mut config);
    let (app, twins) = App::in_memory(config);
    World { app, twins, sim }
}

/// The sample start event (two people: emp_2 Bob, emp_4 Dan), as occurrence `occ`.
pub(super) fn event(occ: &str) -> Wave3Completed {
    let mut e: Wave3Completed = serde_json::from_str(include_str!(
        "../../../../../events/start-calling-detail.json"
    ))
    .expect("the sample event");
    e.occurrence_id = occ.into();
    e
}

/// A shift of the sample event as `start` would store it, open and calling.
pub(super) fn open_shift(occ: &str) -> Shift {
    Shift::open(event(occ), true, 1, "Hi {firstName}".into(), Utc::now())
}

/// [`open_shift`] ringing `at_once` people at a time (broadcast calling).
pub(super) fn broadcast_shift(occ: &str, at_once: u32) -> Shift {
    let mut shift = open_shift(occ);
    shift.settings.calling = callout_core::settings::Calling::Broadcast { size: at_once };
    shift
}

/// [`open_shift`] inside its provider's quiet hours (an hour either side of now, in UTC).
pub(super) fn quiet_shift(occ: &str) -> Shift {
    use callout_core::quiet::{Quiet, QuietHours};
    let now = Utc::now();
    let mut shift = open_shift(occ);
    shift.settings.quiet = Some(Quiet {
        hours: QuietHours {
            start: (now - chrono::Duration::hours(1)).time(),
            end: (now + chrono::Duration::hours(1)).time(),
        },
        time_zone: "UTC".into(),
        urgent_overrides: false,
    });
    shift
}

/// Why the shift notes a call is held: (attempt, reason), as the call log shows it.
pub(super) async fn held(w: &World, occ: &str) -> Option<(u64, String)> {
    let shift = w.app.store.get_shift(occ).await.unwrap().unwrap();
    let h = serde_json::to_value(shift.held?).ok()?;
    Some((h["attempt"].as_u64()?, h["reason"].as_str()?.to_string()))
}

/// The tasks queued so far (without their delays), leaving the queue empty.
pub(super) fn drained(w: &World) -> Vec<Task> {
    w.twins.queue.drain_tasks()
}

/// The kinds of `tasks`, in order.
pub(super) fn kinds(tasks: &[Task]) -> Vec<&'static str> {
    tasks.iter().map(Task::kind).collect()
}

/// Wait (generously) until `cond` holds.
pub(super) async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Run every task queued for now (no delay) that moves a campaign (`dial`, `callEnded`,
/// `finishAcceptance`, `wakeWaiters`), and what they queue for now, until none is left; the
/// others (delayed ones: safety nets, held calls) are returned, not run.
pub(super) async fn pump(w: &World) -> Vec<Task> {
    let mut left = Vec::new();
    for _ in 0..50 {
        let tasks = w.twins.queue.drain();
        if tasks.is_empty() {
            return left;
        }
        for (task, delay) in tasks {
            let moves = matches!(
                task.kind(),
                "dial" | "callEnded" | "finishAcceptance" | "wakeWaiters"
            );
            if moves && delay.is_zero() {
                crate::service::run_task(&w.app, &task).await.unwrap();
            } else {
                left.push(task);
            }
        }
    }
    panic!("the tasks never stop coming");
}

/// Store `shift` as `start` does (then its calls are due).
pub(super) async fn stored(w: &World, shift: &Shift) {
    assert!(w.app.store.put_shift_if_new(shift).await.unwrap());
}

/// The sample's provider calls (settings are off until a coordinator turns them on), with
/// `change` made to its settings.
pub(super) async fn calling(w: &World, change: impl FnOnce(&mut callout_core::settings::Settings)) {
    let mut settings = w.app.store.get_settings("prov_1").await.unwrap();
    settings.enabled = true;
    change(&mut settings);
    w.app.store.put_settings("prov_1", &settings).await.unwrap();
}
