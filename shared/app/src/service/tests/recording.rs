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

#[tokio::test]
async fn a_call_is_recorded_as_its_shift_kept_at_its_start_without_reading_the_settings() {
    let w = world().await;
    // The provider records calls now; the shift started when it did not (kept off), and
    // another when it did (kept on) while the provider has turned it off since.
    calling(&w, |s| s.record_calls = true).await;
    let mut off = open_shift("occ_rec_kept_off");
    off.settings.record_calls = Some(false);
    stored(&w, &off).await;
    run_task(&w.app, &Task::dial("occ_rec_kept_off", 0))
        .await
        .unwrap();
    calling(&w, |s| s.record_calls = false).await;
    let mut on = open_shift("occ_rec_kept_on");
    on.settings.record_calls = Some(true);
    // Other people (the first shift's callee may not be rung again within a minute).
    for p in &mut on.event.staff_pool {
        p.phone = p.phone.replacen("+6140", "+6149", 1);
    }
    stored(&w, &on).await;
    run_task(&w.app, &Task::dial("occ_rec_kept_on", 0))
        .await
        .unwrap();
    let recorded: Vec<bool> = w
        .sim
        .calls()
        .iter()
        .map(|c| c.request.iter().any(|(k, v)| k == "Record" && v == "true"))
        .collect();
    assert_eq!(recorded, [false, true], "each as its shift kept it");
}
