//! `start`: a `Wave3Completed` becomes the shift and its schedule; an event that cannot be
//! called becomes a `NOT_CALLED` shift and one `ShiftNotCalled`.

use super::*;
use crate::adapters::schedule::schedule_name;
use crate::service::{start, Started};
use callout_core::model::ShiftStatus;

#[tokio::test]
async fn a_wave3_completed_keeps_the_shift_and_schedules_its_first_call_once() {
    let w = world().await;
    calling(&w, |_| {}).await;
    let started = start(&w.app, event("occ_start")).await.unwrap();
    let Started::Scheduled { at } = started else {
        panic!("scheduled, not {started:?}");
    };
    let shift = w.app.store.get_shift("occ_start").await.unwrap().unwrap();
    assert_eq!(shift.status, ShiftStatus::Open);
    assert_eq!(shift.scheduled_at, Some(at));
    let pending = w.twins.schedules.pending();
    let (when, task) = &pending[&schedule_name("occ_start")];
    assert_eq!(*when, at);
    assert_eq!(task.kind(), "dial");
    assert_eq!(
        (task.occurrence_id(), task.attempt()),
        ("occ_start", Some(0))
    );

    // The same event again: nothing new.
    let again = start(&w.app, event("occ_start")).await.unwrap();
    assert_eq!(again, Started::Duplicate);
    assert_eq!(w.twins.schedules.pending().len(), 1);
    assert!(w.twins.events.events().is_empty());
}

#[tokio::test]
async fn calling_switched_off_keeps_the_shift_and_schedules_nothing() {
    let w = world().await;
    calling(&w, |s| s.enabled = false).await;
    let started = start(&w.app, event("occ_off")).await.unwrap();
    assert_eq!(started, Started::Disabled);
    assert!(w.app.store.get_shift("occ_off").await.unwrap().is_some());
    assert!(w.twins.schedules.pending().is_empty());
}

#[tokio::test]
async fn an_event_nobody_can_be_called_for_is_kept_not_called_with_one_event() {
    let w = world().await;
    let mut e = event("occ_nobody");
    e.staff_pool.clear();
    let started = start(&w.app, e.clone()).await.unwrap();
    assert!(
        matches!(started, Started::NotCalled { .. }),
        "not called, not {started:?}"
    );
    let shift = w.app.store.get_shift("occ_nobody").await.unwrap().unwrap();
    assert_eq!(shift.status, ShiftStatus::NotCalled);
    assert!(shift.not_called.is_some());
    assert!(w.twins.schedules.pending().is_empty());
    assert_eq!(w.twins.events.of("ShiftNotCalled").len(), 1);

    // A repeat of the event puts no second event.
    start(&w.app, e).await.unwrap();
    assert_eq!(w.twins.events.of("ShiftNotCalled").len(), 1);
}
