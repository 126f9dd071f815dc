//! The offer's audio: a cache miss asks speech once and keeps the file; a hit asks nothing;
//! a failure falls back to `<Say>` and gives the characters back to the day's budget. A
//! greeting and a shift's body are two clips: the body is asked for once per shift, each
//! greeting once whatever the shift.

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
    let clips = w.app.offer_clips(&a);
    assert_eq!(clips.len(), 1, "words without a greeting are one clip");
    assert_eq!(w.twins.audio.keys(), [clips[0].key.clone()]);
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

/// Turn `k` of `shift` as the dialer makes it: the person's offer, split when it greets them.
async fn turn(w: &World, shift: &crate::records::Shift, k: u32) -> Attempt {
    let slot = shift.plan().slot(k).unwrap();
    let a = Attempt::new(shift, k, slot, shift.offer_text(shift.callee(slot)), None);
    w.app.store.create_attempt(&a).await.unwrap();
    a
}

fn used(chars: &[&str]) -> u64 {
    chars.iter().map(|t| t.chars().count() as u64).sum()
}

#[tokio::test]
async fn a_shift_s_body_is_spoken_once_and_each_greeting_once_across_shifts() {
    let w = world().await;
    let shift = open_shift("occ_split");
    stored(&w, &shift).await;
    let first = turn(&w, &shift, 0).await;
    let callout_core::template::Spoken::Split { greeting, body } = first.spoken() else {
        panic!("the default template greets: {}", first.text);
    };
    assert!(
        greeting.starts_with("Hi ") && greeting.ends_with(','),
        "{greeting}"
    );
    assert!(prepare_audio(&w.app, &first).await);
    // Both clips at once, each with the words around it; only the words are paid for.
    let mut asked = w.twins.tts.asked();
    asked.sort();
    let mut expected = vec![greeting.to_string(), body.to_string()];
    expected.sort();
    assert_eq!(asked, expected);
    let around: Vec<_> = w
        .twins
        .tts
        .asked()
        .into_iter()
        .zip(w.twins.tts.around())
        .collect();
    for (text, (previous, next)) in &around {
        if text == greeting {
            assert_eq!(
                (previous.as_deref(), next.as_deref()),
                (None, Some(callout_core::template::lead_in(body)))
            );
        } else {
            assert_eq!(
                (previous.as_deref(), next.as_deref()),
                (Some(greeting), None)
            );
        }
    }
    let provider_used = || async { w.app.store.speech_used("prov_1", Utc::now()).await.unwrap() };
    assert_eq!(provider_used().await, used(&[greeting, body]));
    let keys: Vec<String> = w
        .app
        .offer_clips(&first)
        .into_iter()
        .map(|c| c.key)
        .collect();
    let mut kept = w.twins.audio.keys();
    kept.sort();
    let mut want = keys.clone();
    want.sort();
    assert_eq!(kept, want);

    // The next person: only their greeting is new.
    let second = turn(&w, &shift, 1).await;
    let callout_core::template::Spoken::Split {
        greeting: g2,
        body: b2,
    } = second.spoken()
    else {
        panic!("{}", second.text);
    };
    assert_eq!(b2, body);
    assert_ne!(g2, greeting);
    assert!(prepare_audio(&w.app, &second).await);
    assert_eq!(w.twins.tts.asked().len(), 3);
    assert_eq!(w.twins.tts.asked()[2], g2);
    assert_eq!(provider_used().await, used(&[greeting, body, g2]));

    // Another shift for the same person in other words: only its body is new.
    let mut other = open_shift("occ_split_2");
    other.event.job.suburb = "Penrith".into();
    stored(&w, &other).await;
    let again = turn(&w, &other, 0).await;
    let callout_core::template::Spoken::Split {
        greeting: g3,
        body: b3,
    } = again.spoken()
    else {
        panic!("{}", again.text);
    };
    assert_eq!(g3, greeting);
    assert_ne!(b3, body);
    assert!(prepare_audio(&w.app, &again).await);
    assert_eq!(w.twins.tts.asked().len(), 4);
    assert_eq!(w.twins.tts.asked()[3], b3);
    assert_eq!(provider_used().await, used(&[greeting, body, g2, b3]));
    // The first person again: everything from the cache.
    assert!(prepare_audio(&w.app, &first).await);
    assert_eq!(w.twins.tts.asked().len(), 4);
}

#[tokio::test]
async fn a_split_offer_past_the_budget_speaks_whole_with_say() {
    let w = world().await;
    let shift = open_shift("occ_split_budget");
    stored(&w, &shift).await;
    let a = turn(&w, &shift, 0).await;
    // Enough for the greeting alone, not for the body too: nothing is asked for.
    calling(&w, |s| s.daily_speech_characters = 20).await;
    assert!(!prepare_audio(&w.app, &a).await);
    assert!(w.twins.tts.asked().is_empty());
    assert_eq!(
        w.app.store.speech_used("prov_1", Utc::now()).await.unwrap(),
        0
    );
}
