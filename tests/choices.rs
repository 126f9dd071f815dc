//! The provider's choices of who is called, in which order, and in which language and voice
//! (issue 16): priority calling, skipping decliners, remembering declines per patient,
//! languages and voices, and the portal's Listen button. Each test reads as what the staff
//! hear and press, on the local AWS with the simulated Twilio and ElevenLabs.

use callout_sim::{Behaviour, TtsFailure, Via};
use e2e::*;
use serde_json::{json, Value};
use std::time::Duration;

/// A `Wave3Completed` event whose pool entries carry the extra fields given (`priority`,
/// `language`), one object per person (`{}` for none).
fn event_with(occ: &str, pool: &[(&Person, Value)]) -> Value {
    let people: Vec<&Person> = pool.iter().map(|(p, _)| *p).collect();
    let mut e = World::wave3_event(occ, &people);
    for (i, (_, extra)) in pool.iter().enumerate() {
        for (k, v) in extra.as_object().unwrap() {
            e["detail"]["staffPool"][i][k] = v.clone();
        }
    }
    e
}

async fn patch(w: &World, body: Value) -> Value {
    let (status, saved) = w.patch_settings(PROVIDER, body).await;
    assert_eq!(status, 200, "{saved}");
    saved
}

/// The employees of the call log, in order.
fn callees(log: &Value) -> Vec<String> {
    log["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["employeeId"].as_str().unwrap().to_string())
        .collect()
}

fn field(log: &Value, name: &str) -> Vec<u64> {
    log["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[name].as_u64().unwrap())
        .collect()
}

// ------------------------------------------------------------------ 1. priority calling

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priorities_order_every_round_a_c_b() {
    let w = World::new().await;
    w.enable(1, 2).await;
    for p in [&ALICE, &BOB, &CAROL] {
        w.phone(p, Behaviour::NoAnswer);
    }
    let occ = occ("priority");
    // Pool order A B C; priorities A 1, B 3, C 2.
    let started = w
        .post_event(event_with(
            &occ,
            &[
                (&ALICE, json!({"priority": 1})),
                (&BOB, json!({"priority": 3})),
                (&CAROL, json!({"priority": 2})),
            ],
        ))
        .await;
    assert_eq!(started["result"]["status"], "scheduled", "{started}");
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");
    assert_eq!(
        w.called(&[&ALICE, &BOB, &CAROL]),
        ["Alice", "Carol", "Bob", "Alice", "Carol", "Bob"]
    );
    // `position` is the place in the round's call order: Carol is called second each round.
    assert_eq!(field(&log, "position"), [0, 1, 2, 0, 1, 2]);
    assert_eq!(field(&log, "round"), [1, 1, 1, 2, 2, 2]);
    assert_eq!(
        callees(&log)[..3],
        [ALICE.employee_id, CAROL.employee_id, BOB.employee_id]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_without_a_priority_come_after_in_pool_order_and_a_bad_priority_is_refused() {
    let w = World::new().await;
    w.enable(1, 1).await;
    for p in [&ALICE, &BOB, &CAROL, &DAN] {
        w.phone(p, Behaviour::NoAnswer);
    }
    let occ = occ("ties");
    // A none, B 2, C none, D 2: B D (a tie, pool order), then A C.
    w.post_event(event_with(
        &occ,
        &[
            (&ALICE, json!({})),
            (&BOB, json!({"priority": 2})),
            (&CAROL, json!({})),
            (&DAN, json!({"priority": 2})),
        ],
    ))
    .await;
    w.finished(&occ).await;
    assert_eq!(
        w.called(&[&ALICE, &BOB, &CAROL, &DAN]),
        ["Bob", "Dan", "Alice", "Carol"]
    );

    // A priority of 0 refuses the whole event, naming the field: kept as NOT_CALLED, nobody rung.
    let bad = self::occ("badpriority");
    let out = w
        .post_event(event_with(
            &bad,
            &[
                (&ALICE, json!({"priority": 1})),
                (&BOB, json!({"priority": 0})),
            ],
        ))
        .await;
    assert_eq!(out["result"]["status"], "rejected", "{out}");
    let error = out["result"]["error"].as_str().unwrap();
    assert!(error.contains("staffPool[1].priority"), "{error}");
    let kept = w.rt.app.store.get_shift(&bad).await.unwrap().unwrap();
    assert_eq!(kept.status, callout_core::model::ShiftStatus::NotCalled);
}

// ------------------------------------------------------------------ 2. skipping decliners

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_skip_decliners_a_decliner_is_not_rung_in_round_2() {
    let w = World::new().await;
    w.enable(1, 2).await;
    patch(&w, json!({"skipDecliners": true})).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::NoAnswer);
    let occ = occ("skip");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");
    // Round 1: Alice declines, Bob does not answer. Round 2: Bob only.
    assert_eq!(w.called(&[&ALICE, &BOB]), ["Alice", "Bob", "Bob"]);
    // Alice's round-2 turn (2) is in the log as skipped, with why: nobody was rung for it.
    assert_eq!(
        outcomes(&log),
        ["Declined", "No Answer", "Skipped", "No Answer"]
    );
    assert_eq!(log["calls"][2]["skipReason"], "declinedBefore", "{log}");
    assert_eq!(field(&log, "attempt"), [0, 1, 2, 3]);
    assert_eq!(field(&log, "round"), [1, 1, 2, 2]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(w.sim.calls_to(ALICE.phone).len(), 1, "Alice is rung once");
    let unfilled = w.events_of(&occ, "ShiftUnfilledAfterCalls", 1).await;
    assert_eq!(unfilled.len(), 1);
    assert_eq!(unfilled[0]["detail"]["attempts"], 3, "the calls made");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_everyone_declined_the_shift_is_unfilled_after_one_round() {
    let w = World::new().await;
    w.enable(1, 3).await;
    patch(&w, json!({"skipDecliners": true})).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Decline);
    let occ = occ("alldecline");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");
    assert_eq!(w.called(&[&ALICE, &BOB]), ["Alice", "Bob"]);
    assert_eq!(
        w.events_of(&occ, "ShiftUnfilledAfterCalls", 1).await.len(),
        1
    );
}

/// A decline recorded after the person's call was queued (`service::record_decline`, as a 2 on
/// an earlier call does): the queued call is not placed, its turn is recorded as skipped, and
/// the campaign goes on with the next person, or ends unfilled when nobody is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decline_after_the_call_was_queued_skips_that_call() {
    let w = World::new().await;
    // Calling off: the test places the dial tasks itself.
    patch(&w, json!({"skipDecliners": true, "maxRounds": 1})).await;
    w.phone(&CAROL, Behaviour::NoAnswer);
    let first = occ("latedecline");
    let out = w.wave3_completed(&first, &[&ALICE, &BOB, &CAROL]).await;
    assert_eq!(out["result"]["status"], "disabled");
    let app = &w.rt.app;
    let mut shift = app.store.get_shift(&first).await.unwrap().unwrap();
    assert!(shift.skip_decliners());
    callout_app::service::record_decline(app, &mut shift, BOB.employee_id)
        .await
        .unwrap();
    // Bob's task (attempt 1) runs: no call to Bob; Carol (attempt 2) is called instead.
    callout_app::service::run_task(app, &callout_app::records::Task::dial(&first, 1))
        .await
        .unwrap();
    let log = w.finished(&first).await;
    assert_eq!(w.called(&[&ALICE, &BOB, &CAROL]), ["Carol"]);
    assert_eq!(field(&log, "attempt"), [1, 2]);
    assert_eq!(outcomes(&log), ["Skipped", "No Answer"]);
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");

    // Nobody left after the skipped one: unfilled at once, with no call at all.
    let occ2 = occ("latedecline2");
    w.wave3_completed(&occ2, &[&ALICE, &BOB]).await;
    let mut shift = app.store.get_shift(&occ2).await.unwrap().unwrap();
    callout_app::service::record_decline(app, &mut shift, BOB.employee_id)
        .await
        .unwrap();
    callout_app::service::run_task(app, &callout_app::records::Task::dial(&occ2, 1))
        .await
        .unwrap();
    let log = w.call_log(&occ2).await;
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS");
    assert_eq!(outcomes(&log), ["Skipped"], "{log}");
    assert_eq!(
        w.events_of(&occ2, "ShiftUnfilledAfterCalls", 1).await[0]["detail"]["attempts"],
        0
    );
    assert_eq!(
        w.sim.calls().len(),
        1,
        "only Carol's call, in the first shift"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_declined_the_same_patient_lately_is_called_last() {
    let w = World::new().await;
    w.enable(1, 1).await;
    patch(&w, json!({"declineMemoryDays": 7})).await;
    // Margaret's first shift: Alice declines, Bob takes it.
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Accept);
    let first = occ("memory1");
    w.wave3_completed(&first, &[&ALICE, &BOB]).await;
    assert_eq!(w.finished(&first).await["status"], "ASSIGNED");

    // Her next shift (her name spelt with other spacing and case): Alice comes last.
    w.phone(&ALICE, Behaviour::Accept);
    w.phone(&BOB, Behaviour::NoAnswer);
    w.phone(&CAROL, Behaviour::NoAnswer);
    let second = occ("memory2");
    let mut e = World::wave3_event(&second, &[&ALICE, &BOB, &CAROL]);
    e["detail"]["job"]["patientName"] = json!("  margaret   THOMPSON ");
    w.post_event(e).await;
    let log = w.finished(&second).await;
    assert_eq!(
        callees(&log),
        [BOB.employee_id, CAROL.employee_id, ALICE.employee_id]
    );
    assert_eq!(log["acceptedBy"]["employeeId"], ALICE.employee_id);

    // Another patient's shift: Alice is first again.
    let other = occ("memory3");
    let mut e = World::wave3_event(&other, &[&ALICE, &BOB]);
    e["detail"]["job"]["patientName"] = json!("Harold Jones");
    w.post_event(e).await;
    assert_eq!(callees(&w.finished(&other).await), [ALICE.employee_id]);

    // With the memory off, Margaret's shifts call in pool order again.
    patch(&w, json!({"declineMemoryDays": 0})).await;
    let fourth = occ("memory4");
    w.wave3_completed(&fourth, &[&ALICE, &BOB]).await;
    assert_eq!(callees(&w.finished(&fourth).await), [ALICE.employee_id]);
}

// ------------------------------------------------------------------ 3. languages and voices

/// Every text heard on calls to `person`, with how it was heard.
fn heard(w: &World, person: &Person) -> Vec<(String, Via)> {
    w.sim
        .calls_to(person.phone)
        .iter()
        .flat_map(|c| c.heard_how())
        .collect()
}

fn spanish() -> Via {
    Via::SayIn {
        language: "es-MX".into(),
    }
}

const SPANISH_OFFER: &str = "Hola Bob, tenemos un turno urgente con Margaret T. el 23 de enero a las 9:00 en Parramatta. Pulse 1 para aceptar este turno o pulse 2 para rechazarlo.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_speaker_hears_spanish_and_an_english_speaker_english() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::WrongKeyThen('1'));
    let occ = occ("spanish");
    w.post_event(event_with(
        &occ,
        &[(&ALICE, json!({})), (&BOB, json!({"language": "es-MX"}))],
    ))
    .await;
    let log = w.finished(&occ).await;
    assert_eq!(log["acceptedBy"]["employeeId"], BOB.employee_id);
    assert_eq!(log["calls"][1]["language"], "es-MX");
    assert_eq!(log["calls"][0]["language"], "en");

    // Alice: the English offer as audio, then the English goodbye with no language attribute.
    let alice = heard(&w, &ALICE);
    assert_eq!(alice[0].0, default_offer("Alice"));
    assert!(matches!(alice[0].1, Via::Play { .. }));
    assert_eq!(
        alice[1],
        (
            "No problem, thank you for letting us know. Goodbye.".into(),
            Via::Say
        )
    );

    // Bob: the Spanish offer as ElevenLabs audio, a wrong key, the Spanish "not an option",
    // the offer again, then 1 and the Spanish thanks.
    let bob = heard(&w, &BOB);
    assert_eq!(bob[0].0, SPANISH_OFFER);
    assert!(matches!(bob[0].1, Via::Play { .. }));
    assert_eq!(
        bob[1],
        (
            "Lo sentimos, esa tecla no es válida. Le repetimos el mensaje.".into(),
            spanish()
        )
    );
    assert_eq!(bob[2].0, SPANISH_OFFER);
    assert_eq!(
        bob[3],
        (
            "Gracias. El turno es suyo. Le enviaremos un mensaje de texto para confirmarlo. Adiós."
                .into(),
            spanish()
        )
    );
    // His confirmation, in Spanish.
    eventually("Bob's confirmation", || !w.sim.messages().is_empty()).await;
    let sms = &w.sim.messages()[0];
    assert_eq!(sms.to, BOB.phone);
    assert_eq!(
        sms.body,
        "Confirmado: el turno con Margaret T. el 23 de enero a las 9:00 (09:00-13:00) en Parramatta es suyo. ¡Gracias, Bob!"
    );
    // ElevenLabs was asked once per clip (each offer's greeting and body), the Spanish ones
    // with the multilingual model (which takes no language code: it reads the language from
    // the text).
    let log = w.sim.tts_log();
    assert_eq!(log.len(), 4, "{log:?}");
    let spanish: Vec<&str> = log[2..].iter().map(|r| r.text.as_str()).collect();
    let body = SPANISH_OFFER.strip_prefix("Hola Bob, ").unwrap();
    assert!(
        spanish.contains(&"Hola Bob,") && spanish.contains(&body),
        "{log:?}"
    );
    assert!(log.iter().all(|r| r.language_code.is_none()), "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_call_to_a_spanish_speaker_starts_with_the_spanish_notice() {
    let w = World::new().await;
    w.enable(1, 1).await;
    patch(
        &w,
        json!({"recordCalls": true, "recordingRetentionDays": 1}),
    )
    .await;
    w.phone(&BOB, Behaviour::Decline);
    let occ = occ("recordedes");
    w.post_event(event_with(&occ, &[(&BOB, json!({"language": "es"}))]))
        .await;
    let log = w.finished(&occ).await;
    assert_eq!(outcomes(&log), ["Declined"]);
    let bob = heard(&w, &BOB);
    assert_eq!(
        bob[0],
        ("Esta llamada se graba.".into(), spanish()),
        "{}",
        w.transcript()
    );
    assert_eq!(bob[1].0, SPANISH_OFFER);
    assert!(
        bob.iter()
            .all(|(t, _)| !t.contains("This call is recorded")),
        "{bob:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_elevenlabs_fails_a_spanish_speaker_hears_a_spanish_say() {
    let w = World::new().await;
    w.enable(1, 1).await;
    w.sim.set_tts_failure(Some(TtsFailure::ServerError));
    w.phone(&BOB, Behaviour::Decline);
    let occ = occ("spanishsay");
    w.post_event(event_with(&occ, &[(&BOB, json!({"language": "es"}))]))
        .await;
    let log = w.finished(&occ).await;
    assert_eq!(outcomes(&log), ["Declined"]);
    let bob = heard(&w, &BOB);
    assert_eq!(
        bob,
        [
            (SPANISH_OFFER.into(), spanish()),
            (
                "No hay problema, gracias por avisarnos. Adiós.".into(),
                spanish()
            ),
        ],
        "{}",
        w.transcript()
    );
    assert!(w.sim.tts_requests() >= 1, "ElevenLabs was tried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_providers_language_template_and_voice_are_used_per_language() {
    let w = World::new().await;
    w.enable(1, 1).await;
    patch(
        &w,
        json!({
            "defaultLanguage": "fr-CA",
            "messageTemplate": "Bonjour {employeeName}, une intervention le {date} à {time}. Appuyez sur 1 ou 2.",
            "messageTemplates": {"es": "Hola {employeeName}, ¿puede el {date}? Pulse 1 o 2."},
            "voiceId": "voixQuebec",
            "voiceIds": {"es": "vozLatina"},
        }),
    )
    .await;
    w.sim.set_tts_failure(Some(TtsFailure::ServerError));
    w.phone(&ALICE, Behaviour::Silent);
    w.phone(&BOB, Behaviour::Decline);
    w.phone(&CAROL, Behaviour::Decline);
    let occ = occ("provider");
    // Alice has no language, Bob speaks German (calls do not): both hear the provider's
    // French. Carol speaks Spanish.
    w.post_event(event_with(
        &occ,
        &[
            (&ALICE, json!({})),
            (&BOB, json!({"language": "de"})),
            (&CAROL, json!({"language": "es-AR"})),
        ],
    ))
    .await;
    w.finished(&occ).await;
    let french = Via::SayIn {
        language: "fr-CA".into(),
    };
    let alice = heard(&w, &ALICE);
    assert_eq!(
        alice,
        [
            (
                "Bonjour Alice, une intervention le 23 janvier à 9 h 00. Appuyez sur 1 ou 2."
                    .into(),
                french.clone()
            ),
            (
                "Nous n'avons pas entendu de réponse, nous proposerons donc l'intervention à quelqu'un d'autre. Au revoir."
                    .into(),
                french.clone()
            ),
        ]
    );
    assert_eq!(heard(&w, &BOB)[0].1, french);
    assert_eq!(
        heard(&w, &CAROL)[0],
        (
            "Hola Carol, ¿puede el 23 de enero? Pulse 1 o 2.".into(),
            spanish()
        )
    );
    // Each language's own voice was asked for.
    let voices: Vec<(String, String)> = w
        .sim
        .tts_log()
        .into_iter()
        .map(|r| (r.voice_id, r.text.chars().take(9).collect()))
        .collect();
    assert!(
        voices.contains(&("voixQuebec".into(), "Bonjour A".into())),
        "{voices:?}"
    );
    assert!(
        voices.contains(&("vozLatina".into(), "Hola Caro".into())),
        "{voices:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_language_refuses_the_event_and_bad_settings_save_nothing() {
    let w = World::new().await;
    w.enable(1, 1).await;
    let bad = occ("badlang");
    let out = w
        .post_event(event_with(
            &bad,
            &[(&ALICE, json!({"language": "Spanish"}))],
        ))
        .await;
    assert_eq!(out["result"]["status"], "rejected", "{out}");
    assert!(out["result"]["error"]
        .as_str()
        .unwrap()
        .contains("staffPool[0].language"));
    let kept = w.rt.app.store.get_shift(&bad).await.unwrap().unwrap();
    assert_eq!(kept.status, callout_core::model::ShiftStatus::NotCalled);

    let (_, before) = w.get_settings(PROVIDER).await;
    let (status, body) = w
        .patch_settings(
            PROVIDER,
            json!({
                "skipDecliners": "yes", "declineMemoryDays": 31, "defaultLanguage": "de",
                "messageTemplates": {"es": "Hola {apodo}"}, "voiceId": "no spaces",
                "voiceIds": {"xx-!": "v"},
            }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let keys: Vec<&String> = body["errors"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "declineMemoryDays",
            "defaultLanguage",
            "messageTemplates.es",
            "skipDecliners",
            "voiceId",
            "voiceIds"
        ]
    );
    // A template for the default language belongs in messageTemplate.
    let (status, body) = w
        .patch_settings(
            PROVIDER,
            json!({"messageTemplates": {"en": "Hi {employeeName}"}}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(body["errors"]["messageTemplates"]
        .as_str()
        .unwrap()
        .contains("default language"));
    let (_, after) = w.get_settings(PROVIDER).await;
    assert_eq!(after, before, "nothing saved");
}

// ------------------------------------------------------------------ 4. the Listen button

async fn listen(w: &World, body: Value) -> (u16, Value) {
    let r = w
        .http
        .post(format!(
            "{}/api/provider/outbound-calling/listen",
            w.rt.base_url
        ))
        .bearer_auth(w.rt.token(PROVIDER))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// The PCM samples of a `data:audio/wav;base64,…` URL.
fn pcm(audio: &Value) -> Vec<u8> {
    use base64::Engine;
    let b64 = audio
        .as_str()
        .unwrap()
        .strip_prefix("data:audio/wav;base64,")
        .unwrap();
    let wav = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(&wav[0..4], b"RIFF");
    assert_eq!(u16::from_le_bytes([wav[20], wav[21]]), 1, "PCM");
    wav[44..].to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listening_speaks_each_language_once_through_the_cache_and_falls_back_to_the_text() {
    let w = World::new().await;
    patch(
        &w,
        json!({
            "messageTemplates": {"es": "Hola {employeeName}, ¿puede cubrir a {patientName} el {date}? Pulse 1 o 2."},
            "voiceIds": {"es": "vozLatina"},
        }),
    )
    .await;
    // The default language (English): the saved template in the deployment's voice.
    let (status, en) = listen(&w, json!({})).await;
    assert_eq!(status, 200, "{en}");
    assert_eq!(en["language"], "en");
    assert_eq!(en["text"], default_offer("Alice"));
    assert_eq!(en["voiceId"], "local-voice");
    assert_eq!(en["cached"], false);
    let samples = pcm(&en["audio"]);
    // The greeting and the body joined, as a call plays them (the space between them is the
    // clips' own pause, not spoken).
    assert_eq!(
        samples.len() / 2,
        (en["text"].as_str().unwrap().chars().count() - 1) * callout_sim::SAMPLES_PER_CHAR,
        "the whole offer, as 16-bit PCM"
    );
    assert_eq!(w.sim.tts_requests(), 2, "the greeting and the body");
    // Again: from the cache, no more ElevenLabs requests.
    let (_, again) = listen(&w, json!({"language": "en"})).await;
    assert_eq!(again["cached"], true);
    assert_eq!(again["audio"], en["audio"]);
    assert_eq!(
        w.sim.tts_requests(),
        2,
        "listening twice costs nothing more"
    );

    // Spanish: its own template and voice, once.
    let (_, es) = listen(&w, json!({"language": "es"})).await;
    assert_eq!(
        es["text"],
        "Hola Alice, ¿puede cubrir a Margaret T. el 23 de enero? Pulse 1 o 2."
    );
    assert_eq!(es["voiceId"], "vozLatina");
    let (_, es_again) = listen(&w, json!({"language": "es"})).await;
    assert_eq!(es_again["cached"], true);
    assert_eq!(w.sim.tts_requests(), 4);
    assert_eq!(w.sim.tts_log()[2].voice_id, "vozLatina");
    assert_eq!(w.sim.tts_log()[3].voice_id, "vozLatina");

    // The same cache as calls: a call to a Spanish speaker plays the audio Listen made.
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::Decline);
    let occ = occ("listened");
    w.post_event(event_with(&occ, &[(&ALICE, json!({"language": "es"}))]))
        .await;
    w.finished(&occ).await;
    assert_eq!(
        w.sim.tts_requests(),
        4,
        "the call's offer (Alice, Spanish) was already in the cache"
    );

    // An unsaved template and voice can be heard before saving.
    let (_, draft) = listen(
        &w,
        json!({"language": "fr", "messageTemplate": "Bonjour {employeeName}, le {date}.", "voiceId": "voixEssai"}),
    )
    .await;
    assert_eq!(draft["text"], "Bonjour Alice, le 23 janvier.");
    assert_eq!(w.sim.tts_log().last().unwrap().voice_id, "voixEssai");

    // ElevenLabs down: the text alone, with the reason; nothing cached.
    w.sim.set_tts_failure(Some(TtsFailure::ServerError));
    let (status, down) = listen(&w, json!({"language": "fr"})).await;
    assert_eq!(status, 200);
    assert!(down["audio"].is_null(), "{down}");
    assert!(down["text"].as_str().unwrap().starts_with("Bonjour Alice"));
    assert!(down["reason"].as_str().unwrap().contains("voice"), "{down}");

    // What the body gives is checked as settings are.
    let (status, bad) = listen(
        &w,
        json!({"language": "de", "messageTemplate": "Hi {nick}", "voiceId": "a b"}),
    )
    .await;
    assert_eq!(status, 400);
    let keys: Vec<&String> = bad["errors"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["language", "messageTemplate", "voiceId"]);
    // Another provider's Listen uses its own (default) settings.
    let r = w
        .http
        .post(format!(
            "{}/api/provider/outbound-calling/listen",
            w.rt.base_url
        ))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a token is required");
}
