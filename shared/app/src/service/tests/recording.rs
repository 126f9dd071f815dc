//! Call recording: a completed recording of the attempt's own call is kept and put in the
//! deletion line; the daily run queues what is due; the deletion removes it from the attempt
//! and the line.

use super::*;
use crate::adapters::twilio::webhook::RecordingReport;
use crate::service::recording::{on_recording, queue_deletions};
use crate::service::run_task;

/// Attempt 0 of a stored shift, placed two days ago, with its call `sid`.
async fn called(w: &World, occ: &str, sid: &str) {
    let shift = open_shift(occ);
    stored(w, &shift).await;
    let slot = shift.plan().slot(0).unwrap();
    let mut a = crate::records::Attempt::new(&shift, 0, slot, "Hi Bob".into(), None);
    a.created_at = Utc::now() - chrono::Duration::days(2);
    w.app.store.create_attempt(&a).await.unwrap();
    w.app.store.set_call_sid(occ, 0, sid).await.unwrap();
}

fn report(rec: &str, call: &str, status: &str) -> RecordingReport {
    RecordingReport {
        recording_sid: rec.into(),
        call_sid: call.into(),
        status: status.into(),
    }
}

#[tokio::test]
async fn a_completed_recording_is_kept_and_deleted_when_its_retention_is_over() {
    let w = world().await;
    calling(&w, |s| s.recording_retention_days = 1).await;
    called(&w, "occ_rec", "CA1").await;
    // Not completed yet, or another call's: nothing is kept.
    on_recording(&w.app, "occ_rec", 0, &report("RE0", "CA1", "in-progress"))
        .await
        .unwrap();
    on_recording(&w.app, "occ_rec", 0, &report("RE9", "CA9", "completed"))
        .await
        .unwrap();
    let a = w
        .app
        .store
        .get_attempt("occ_rec", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.recording_sid, None);

    on_recording(&w.app, "occ_rec", 0, &report("RE1", "CA1", "completed"))
        .await
        .unwrap();
    let a = w
        .app
        .store
        .get_attempt("occ_rec", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.recording_sid.as_deref(), Some("RE1"));

    let (queued, complete) = queue_deletions(&w.app).await.unwrap();
    assert_eq!((queued, complete), (1, true));
    let tasks = drained(&w);
    assert_eq!(kinds(&tasks), ["deleteRecording"]);
    run_task(&w.app, &tasks[0]).await.unwrap();
    let a = w
        .app
        .store
        .get_attempt("occ_rec", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        a.recording_sid, None,
        "the recording is gone from the call log"
    );
    assert_eq!(queue_deletions(&w.app).await.unwrap(), (0, true));
    // A late repeat of the callback does not bring it back.
    on_recording(&w.app, "occ_rec", 0, &report("RE1", "CA1", "completed"))
        .await
        .unwrap();
    let a = w
        .app
        .store
        .get_attempt("occ_rec", 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.recording_sid, None);
}

#[tokio::test]
async fn a_recording_within_its_retention_is_kept() {
    let w = world().await;
    calling(&w, |s| s.recording_retention_days = 30).await;
    called(&w, "occ_keep", "CA2").await;
    on_recording(&w.app, "occ_keep", 0, &report("RE2", "CA2", "completed"))
        .await
        .unwrap();
    assert_eq!(queue_deletions(&w.app).await.unwrap(), (0, true));
    assert!(drained(&w).is_empty());
}
