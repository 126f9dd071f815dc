//! The offer's audio: a cache miss asks speech once and keeps the file; a hit asks nothing;
//! a failure falls back to `<Say>` and gives the characters back to the day's budget.

use super::*;
use crate::records::Attempt;
use crate::service::audio::prepare_audio;

async fn attempt(w: &World, occ: &str, text: &str) -> Attempt {
    let shift = open_shift(occ);
    stored(w, &shift).await;
    let slot = shift.plan().slot(0).unwrap();
    let a = Attempt::new(&shift, 0, slot, text.into(), None);
    w.app.store.create_attempt(&a).await.unwrap();
    a
}

#[tokio::test]
async fn a_miss_is_spoken_once_and_kept_and_a_hit_costs_nothing() {
    let w = world().await;
    let a = attempt(&w, "occ_audio", "Hi Bob, a shift in Blacktown").await;
    assert!(prepare_audio(&w.app, &a).await);
    assert_eq!(w.twins.tts.asked().len(), 1);
    assert_eq!(w.twins.audio.keys(), [w.app.attempt_audio_key(&a)]);
    let used = w.app.store.speech_used("prov_1", Utc::now()).await.unwrap();
    assert_eq!(used, a.text.chars().count() as u64);
    let b = attempt(&w, "occ_audio2", "Hi Bob, a shift in Blacktown").await;
    assert!(prepare_audio(&w.app, &b).await, "the same words: a hit");
    assert_eq!(w.twins.tts.asked().len(), 1, "no second request");
    assert_eq!(w.twins.audio.puts(), 1);
    assert_eq!(
        w.app.store.speech_used("prov_1", Utc::now()).await.unwrap(),
        used
    );
}

#[tokio::test]
async fn failed_speech_falls_back_to_say_and_refunds_the_budget() {
    let w = world().await;
    w.twins.tts.fail(true);
    let a = attempt(&w, "occ_mute", "Hi Bob").await;
    assert!(!prepare_audio(&w.app, &a).await);
    assert!(w.twins.audio.keys().is_empty());
    assert_eq!(
        w.app.store.speech_used("prov_1", Utc::now()).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn past_the_day_s_budget_a_call_speaks_with_say() {
    let w = world().await;
    calling(&w, |s| s.daily_speech_characters = 3).await;
    let a = attempt(&w, "occ_budget", "Hi Bob, a shift").await;
    assert!(!prepare_audio(&w.app, &a).await);
    assert!(w.twins.tts.asked().is_empty());
}
