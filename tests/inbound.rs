//! The inbound channels end to end (SPEC §4.8–4.9): people ring the number back, get a text
//! after a missed call and answer it, pass, opt out; told as what they hear, press, text and
//! receive, and what the shift and its call log show afterwards.

use callout_core::words::{English, Phrasebook, Spanish};
use callout_sim::Behaviour;
use e2e::*;
use serde_json::{json, Value};

const OFFICE: &str = "+61290000000";

/// Two people of one pool sharing one phone (a couple, a family phone).
const MUM: Person = Person {
    employee_id: "emp_mum",
    first_name: "Mum",
    phone: "+61400000077",
};
const DAD: Person = Person {
    employee_id: "emp_dad",
    first_name: "Dad",
    phone: "+61400000077",
};

/// The code a shared phone's text gives `name` ("Reply YES 4K7 for Mum or …").
fn code_for(text: &str, name: &str) -> String {
    text.split("YES ")
        .skip(1)
        .find(|p| {
            p.get(3..)
                .is_some_and(|rest| rest.starts_with(&format!(" for {name}")))
        })
        .map(|p| p[..3].to_string())
        .unwrap_or_else(|| panic!("no code for {name} in {text:?}"))
}

/// What the callback line says with the standard shift for `first_name`.
fn callback_offer(first_name: &str) -> String {
    format!("Hi {first_name}, thank you for calling back. We have an urgent shift for Margaret T. on Jan 23 at 9:00 AM in Parramatta. Press 1 to accept, 2 to pass, 3 for the next shift, or 0 for the office.")
}

async fn world() -> World {
    World::new().await
}

async fn settings(w: &World, body: Value) {
    let (status, body) = w.patch_settings(PROVIDER, body).await;
    assert_eq!(status, 200, "{body}");
}

/// The texts `person` received whose words contain `needle`.
fn texts_with(w: &World, person: &Person, needle: &str) -> Vec<String> {
    w.sim
        .texts_to(person.phone)
        .into_iter()
        .filter(|t| t.contains(needle))
        .collect()
}

/// Wait until `person`'s first call has ended.
async fn first_call_ended(w: &World, person: &Person) {
    eventually(
        &format!("{}'s first call to end", person.first_name),
        || {
            w.sim
                .calls_to(person.phone)
                .first()
                .is_some_and(|c| c.ended())
        },
    )
    .await;
}

/// Hang up `person`'s live call (a person holding the line, so a test can act meanwhile).
async fn hang_up(w: &World, person: &Person) {
    let held = w.wait_answered(person).await;
    w.rt.app.twilio().end_call(&held.sid).await.unwrap();
}

/// The call log's texts to `person`, in order.
fn texts_of<'a>(log: &'a Value, person: &Person) -> Vec<&'a Value> {
    log["texts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["employeeId"] == person.employee_id)
        .collect()
}

fn follow_up_texts(w: &World, person: &Person) -> Vec<String> {
    texts_with(w, person, "to take it")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_call_rung_back_and_accepted() {
    let w = world().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::NoAnswer);
    w.phone(&BOB, Behaviour::HoldUntilEnded);
    let occ = occ("ringback");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;

    // Alice misses the call; while Bob listens, she rings the number back and presses 1.
    first_call_ended(&w, &ALICE).await;
    w.wait_answered(&BOB).await;
    let call = w.sim.call_in(ALICE.phone, "1").await;
    assert_eq!(
        call.heard(),
        vec![
            callback_offer("Alice"),
            English.callback_accepted().to_string()
        ]
    );
    assert_eq!(call.keys(), "1");

    // The same hand-off as a key press: Bob's call ended, Alice confirmed, ShiftFilled once.
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "ASSIGNED", "{log:#}");
    assert_eq!(log["acceptedBy"]["employeeId"], ALICE.employee_id);
    assert_eq!(log["acceptedBy"]["channel"], "callback");
    assert_eq!(outcomes(&log), vec!["No Answer", "Canceled"]);
    eventually("Alice's confirmation", || {
        !texts_with(&w, &ALICE, "Confirmed").is_empty()
    })
    .await;
    assert_eq!(w.events_of(&occ, "ShiftFilled", 1).await.len(), 1);
    assert_eq!(
        w.sim.calls_to(ALICE.phone).len(),
        1,
        "Alice is not called again"
    );
    // Each step of the call-back line with one offer open: the caller's offers (a query), the
    // provider's window, the shift, whether they passed; 1 adds the acceptance (the shift
    // again, the conditional write) and hands the rest to the queue.
    let b = w.rt.budget.lock().unwrap().clone();
    assert_eq!(b.invocations("inbound"), 2, "{b:?}");
    // 1 is also remembered for its call (a check and a put), so a replay changes nothing.
    assert!(b.most("inbound", "dynamodb") <= 8, "{b:?}");
    assert!(b.most("inbound", "sqs") <= 2, "{b:?}");
    assert_eq!(b.most("inbound", "twilio"), 0, "{b:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voicemail_is_followed_by_one_text_answered_yes() {
    let w = world().await;
    w.enable(1, 1).await;
    settings(&w, json!({"smsFollowUp": true})).await;
    w.phone(&CAROL, Behaviour::Voicemail);
    w.phone(&BOB, Behaviour::HoldUntilEnded);
    let occ = occ("textyes");
    w.wave3_completed(&occ, &[&CAROL, &BOB]).await;

    eventually("Carol's text", || !follow_up_texts(&w, &CAROL).is_empty()).await;
    let text = follow_up_texts(&w, &CAROL).remove(0);
    assert_eq!(
        text,
        "Hi Carol, we just called about an urgent shift for Margaret T. on Jan 23 at 9:00 AM (09:00-13:00) in Parramatta. Reply YES to take it."
    );
    w.wait_answered(&BOB).await;
    let replies = w.sim.text_in(CAROL.phone, "Yes").await;
    assert_eq!(
        replies,
        vec!["Thank you, Carol! The shift is yours; a confirmation text follows.".to_string()]
    );

    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "ASSIGNED", "{log:#}");
    assert_eq!(log["acceptedBy"]["employeeId"], CAROL.employee_id);
    assert_eq!(log["acceptedBy"]["channel"], "sms");
    assert_eq!(outcomes(&log), vec!["Voicemail", "Canceled"]);
    eventually("Carol's confirmation", || {
        !texts_with(&w, &CAROL, "Confirmed").is_empty()
    })
    .await;
    assert_eq!(
        follow_up_texts(&w, &CAROL).len(),
        1,
        "one text per missed call"
    );
    // The call log lists the text.
    let texts = log["texts"].as_array().unwrap();
    assert_eq!(texts.len(), 1, "{log:#}");
    assert_eq!(texts[0]["kind"], "followUp");
    assert_eq!(texts[0]["employeeId"], CAROL.employee_id);
    assert_eq!(texts[0]["delivery"]["status"], "sent");
    assert_eq!(w.events_of(&occ, "ShiftFilled", 1).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_speaker_who_missed_the_call_is_texted_and_answered_in_spanish() {
    let w = world().await;
    w.enable(1, 1).await;
    settings(&w, json!({"smsFollowUp": true})).await;
    w.phone(&CAROL, Behaviour::Voicemail);
    w.phone(&BOB, Behaviour::HoldUntilEnded);
    let occ = occ("textyeses");
    let mut event = World::wave3_event(&occ, &[&CAROL, &BOB]);
    event["detail"]["staffPool"][0]["language"] = json!("es");
    w.post_event(event).await;

    eventually("Carol's text", || {
        !texts_with(&w, &CAROL, "para aceptarlo").is_empty()
    })
    .await;
    let text = texts_with(&w, &CAROL, "para aceptarlo").remove(0);
    assert_eq!(
        text,
        "Hola Carol, le acabamos de llamar por un turno urgente con Margaret T. el 23 de enero a las 9:00 (09:00-13:00) en Parramatta. Responda SÍ para aceptarlo."
    );
    assert!(follow_up_texts(&w, &CAROL).is_empty(), "no English text");
    w.wait_answered(&BOB).await;
    // She answers YES, as the English texts ask: the reply is in her language.
    let replies = w.sim.text_in(CAROL.phone, "YES").await;
    assert_eq!(
        replies,
        vec![
            "¡Gracias, Carol! El turno es suyo; le llegará un mensaje de confirmación.".to_string()
        ]
    );
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "ASSIGNED", "{log:#}");
    assert_eq!(log["acceptedBy"]["employeeId"], CAROL.employee_id);
    assert_eq!(log["acceptedBy"]["channel"], "sms");
    eventually("Carol's confirmation", || {
        !texts_with(&w, &CAROL, "Confirmado").is_empty()
    })
    .await;
    // Anything else she texts gets the help in Spanish too.
    let replies = w.sim.text_in(CAROL.phone, "HELP").await;
    assert_eq!(replies, vec![Spanish.sms_help().to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yes_for_a_shift_just_filled_hears_it_was_filled() {
    let w = world().await;
    w.enable(1, 1).await;
    settings(&w, json!({"smsFollowUp": true})).await;
    w.phone(&CAROL, Behaviour::Voicemail);
    w.phone(&BOB, Behaviour::Accept);
    let occ = occ("justfilled");
    w.wave3_completed(&occ, &[&CAROL, &BOB]).await;

    let log = w.finished(&occ).await;
    assert_eq!(log["acceptedBy"]["employeeId"], BOB.employee_id, "{log:#}");
    assert_eq!(follow_up_texts(&w, &CAROL).len(), 1);
    let replies = w.sim.text_in(CAROL.phone, "YES").await;
    assert_eq!(replies, vec![English.sms_filled().to_string()]);
    // And on the call-back line.
    let call = w.sim.call_in(CAROL.phone, "1").await;
    assert_eq!(call.heard(), vec![English.callback_filled().to_string()]);
    // 1 pressed on the call-back line after hearing the offer, just as Bob took it: the key
    // route (as Twilio posts it after the offer) answers that it has just been filled.
    let r = w
        .signed(
            &format!("/api/inbound/voice/key?occurrenceId={occ}&n=0"),
            &[
                ("CallSid", "CA00000000000000000000000000000001"),
                ("From", CAROL.phone),
                ("Digits", "1"),
            ],
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let xml = r.text().await.unwrap();
    assert!(xml.contains(English.callback_filled()), "{xml}");
    let log = w.call_log(&occ).await;
    assert_eq!(log["acceptedBy"]["employeeId"], BOB.employee_id);
    assert_eq!(log["acceptedBy"]["channel"], "phone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_then_no_more_texts() {
    let w = world().await;
    w.enable(1, 2).await;
    settings(&w, json!({"smsFollowUp": true})).await;
    w.phone(&CAROL, Behaviour::Voicemail);
    w.phone(&BOB, Behaviour::HoldUntilEnded);
    let occ = occ("stop");
    w.wave3_completed(&occ, &[&CAROL, &BOB]).await;

    eventually("Carol's text", || !follow_up_texts(&w, &CAROL).is_empty()).await;
    w.wait_answered(&BOB).await;
    // Carol texts STOP: Twilio answers it itself; the product says nothing more.
    let replies = w.sim.text_in(CAROL.phone, "stop").await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert!(replies[0].contains("unsubscribed"), "{replies:?}");
    assert!(w.sim.is_stopped(CAROL.phone));
    w.phone(&BOB, Behaviour::Silent);
    hang_up(&w, &BOB).await;

    // Round 2: Carol's voicemail answers again; no text is even attempted.
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS", "{log:#}");
    assert_eq!(w.sim.calls_to(CAROL.phone).len(), 2);
    assert_eq!(
        follow_up_texts(&w, &CAROL).len(),
        1,
        "{:?}",
        w.sim.texts_to(CAROL.phone)
    );
    assert!(
        w.sim.refusals().is_empty(),
        "no text was sent to Twilio for Carol: {:?}",
        w.sim.refusals()
    );
    let texts = texts_of(&log, &CAROL);
    assert_eq!(texts.len(), 2, "{log:#}");
    assert_eq!(texts[0]["delivery"]["status"], "sent");
    assert_eq!(texts[1]["delivery"]["status"], "refused");
    assert_eq!(texts[1]["delivery"]["code"], 21610);
    // Even the reply to HELP does not reach her: Twilio refuses it (21610).
    assert!(w.sim.text_in(CAROL.phone, "HELP").await.is_empty());
    // START opts back in: a text reaches Carol again.
    w.sim.text_in(CAROL.phone, "START").await;
    assert!(!w.sim.is_stopped(CAROL.phone));
    let replies = w.sim.text_in(CAROL.phone, "what is this").await;
    assert_eq!(replies, vec![English.sms_help().to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_refusing_with_21610_is_final_for_that_number() {
    let w = world().await;
    w.enable(1, 2).await;
    settings(&w, json!({"smsFollowUp": true})).await;
    w.phone(&CAROL, Behaviour::Voicemail);
    w.phone(&BOB, Behaviour::Silent);
    // Carol opted out of the number before (at Twilio, not through this product).
    w.sim
        .refuse_sms_to(CAROL.phone, callout_sim::Refusal::OPTED_OUT);
    let occ = occ("refused");
    w.wave3_completed(&occ, &[&CAROL, &BOB]).await;

    let log = w.finished(&occ).await;
    assert_eq!(w.sim.calls_to(CAROL.phone).len(), 2, "{log:#}");
    // Twilio was asked once: after its 21610 no other text to Carol is tried.
    assert_eq!(w.sim.refusals().len(), 1, "{:?}", w.sim.refusals());
    let texts = texts_of(&log, &CAROL);
    assert_eq!(texts.len(), 2, "{log:#}");
    for t in texts {
        assert_eq!(t["delivery"]["status"], "refused");
        assert_eq!(t["delivery"]["code"], 21610);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_then_that_person_is_not_called_again_for_that_shift() {
    let w = world().await;
    w.enable(1, 2).await;
    settings(&w, json!({"smsFollowUp": true})).await;
    w.phone(&CAROL, Behaviour::Voicemail);
    w.phone(&BOB, Behaviour::HoldUntilEnded);
    let occ = occ("no");
    w.wave3_completed(&occ, &[&CAROL, &BOB]).await;

    eventually("Carol's text", || !follow_up_texts(&w, &CAROL).is_empty()).await;
    w.wait_answered(&BOB).await;
    let replies = w.sim.text_in(CAROL.phone, "no").await;
    assert_eq!(replies, vec![English.sms_passed().to_string()]);
    w.phone(&BOB, Behaviour::Silent);
    hang_up(&w, &BOB).await;

    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS", "{log:#}");
    assert_eq!(
        w.sim.calls_to(CAROL.phone).len(),
        1,
        "Carol is not called in round 2"
    );
    assert_eq!(w.sim.calls_to(BOB.phone).len(), 2);
    // Her round-2 turn shows as passed, without a call, and no figure counts it as one.
    let calls = log["calls"].as_array().unwrap();
    assert_eq!(calls[2]["employeeId"], CAROL.employee_id);
    assert_eq!(calls[2]["outcome"], "Skipped");
    assert_eq!(calls[2]["skipReason"], "passed");
    assert!(calls[2]["callSid"].is_null());
    a_passed_turn_is_in_no_call_count(&w, &occ, 3).await;
    // Ringing back, she no longer hears that shift.
    let call = w.sim.call_in(CAROL.phone, "").await;
    assert_eq!(call.heard()[0], English.callback_nothing_open());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_caller_hears_a_message_and_is_never_put_through() {
    let w = world().await;
    // The provider's office number is set: still no dial, as no shift is being heard (a
    // stranger cannot make the line call out).
    settings(&w, json!({"officeNumber": OFFICE})).await;
    for keys in ["", "0"] {
        let call = w.sim.call_in("+61499999999", keys).await;
        assert_eq!(
            call.heard(),
            vec![
                English.callback_nothing_open().to_string(),
                English.callback_no_office().to_string()
            ]
        );
        assert!(call.dialed().is_empty(), "{:?}", call.dials());
    }
}

/// The platform's own number in the local world.
fn platform_number(w: &World) -> String {
    w.rt.options.twilio_from_number.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_key_dials_the_office_of_the_shift_being_heard() {
    const OTHER: &str = "prov_other_office";
    const OTHER_OFFICE: &str = "+61390000000";
    let w = world().await;
    w.enable(1, 1).await;
    settings(&w, json!({"officeNumber": OFFICE})).await;
    let (status, body) = w
        .patch_settings(
            OTHER,
            json!({"enabled": true, "waitMinutes": 1, "maxRounds": 1, "officeNumber": OTHER_OFFICE}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    w.phone(&CAROL, Behaviour::NoAnswer);
    // The other provider's shift is offered first and is heard first on the line (the same
    // start; its id sorts first); the provider's own shift is her most recent offer.
    let theirs = occ("office_1");
    let ours = occ("office_2");
    let mut event = World::wave3_event(&theirs, &[&CAROL]);
    event["detail"]["providerId"] = json!(OTHER);
    w.post_event(event).await;
    eventually("the other provider's call to end", || {
        w.sim
            .calls_to(CAROL.phone)
            .iter()
            .filter(|c| c.ended())
            .count()
            == 1
    })
    .await;
    w.wave3_completed(&ours, &[&CAROL]).await;
    eventually("both calls to end", || {
        w.sim
            .calls_to(CAROL.phone)
            .iter()
            .filter(|c| c.ended())
            .count()
            == 2
    })
    .await;

    // 0 while hearing the other provider's shift: that provider's office, with a time limit,
    // the platform's caller ID and ringing until the office answers.
    let call = w.sim.call_in(CAROL.phone, "0").await;
    assert_eq!(call.heard()[0], callback_offer("Carol"));
    assert_eq!(
        call.dials(),
        vec![callout_sim::Dialed {
            number: OTHER_OFFICE.into(),
            time_limit_secs: callout_core::dialable::DIAL_TIME_LIMIT_SECS,
            caller_id: Some(platform_number(&w)),
            answer_on_bridge: true,
        }]
    );
    // 3 for the next shift (the provider's own), then 0: its office.
    let call = w.sim.call_in(CAROL.phone, "30").await;
    assert_eq!(call.keys(), "30");
    assert_eq!(call.dialed(), vec![OFFICE.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_numbers_that_cost_or_loop_are_refused_and_never_dialled() {
    let w = world().await;
    let own = platform_number(&w);
    settings(&w, json!({"officeNumber": OFFICE})).await;
    let refused = [
        ("+19002345678", "premium-rate"),
        ("+449098765432", "premium-rate"),
        ("+881612345678", "satellite"),
        ("+8823421234", "international-network"),
        ("+611300123456", "shared-cost"),
        (own.as_str(), "own number"),
        ("+6421123456", "not among the allowed countries (AU)"),
    ];
    for (number, reason) in refused {
        let (status, body) = w
            .patch_settings(PROVIDER, json!({"officeNumber": number, "enabled": true}))
            .await;
        assert_eq!(status, 400, "{number}: {body}");
        let message = body["errors"]["officeNumber"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{number}: {body}");
        let (_, saved) = w.get_settings(PROVIDER).await;
        assert_eq!(saved["officeNumber"], OFFICE, "nothing changed: {number}");
        assert_eq!(saved["enabled"], false, "nothing changed: {number}");
    }
    // New Zealand once allowed; and the countries cannot be narrowed under the office's.
    let (status, body) = w
        .patch_settings(
            PROVIDER,
            json!({"allowedCountries": ["AU", "NZ"], "officeNumber": "+6421123456"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = w
        .patch_settings(PROVIDER, json!({"allowedCountries": ["AU"]}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["officeNumber"]
        .as_str()
        .unwrap()
        .contains("NZ"));

    // Defence in depth: a number saved before the check existed is refused at dial time.
    w.enable(1, 1).await;
    w.phone(&CAROL, Behaviour::NoAnswer);
    let shift = occ("office_premium");
    w.wave3_completed(&shift, &[&CAROL]).await;
    first_call_ended(&w, &CAROL).await;
    for number in ["+19002345678", "+8823421234", own.as_str()] {
        let store = &w.rt.app.store;
        let mut saved = store.get_settings(PROVIDER).await.unwrap();
        saved.office_number = Some(number.to_string());
        store.put_settings(PROVIDER, &saved).await.unwrap();
        let call = w.sim.call_in(CAROL.phone, "0").await;
        assert!(call.dialed().is_empty(), "{number}: {:?}", call.dials());
        assert_eq!(
            call.heard().last().unwrap(),
            English.callback_no_office(),
            "{number}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_when_filled_texts_the_others_once() {
    let w = world().await;
    w.enable(1, 1).await;
    settings(&w, json!({"smsFollowUp": true, "notifyWhenFilled": true})).await;
    w.phone(&CAROL, Behaviour::Voicemail);
    w.phone(&DAN, Behaviour::NoAnswer);
    w.phone(&BOB, Behaviour::Accept);
    let occ = occ("notify");
    w.wave3_completed(&occ, &[&CAROL, &DAN, &BOB]).await;

    let log = w.finished(&occ).await;
    assert_eq!(log["acceptedBy"]["employeeId"], BOB.employee_id, "{log:#}");
    w.acceptance_finished(&occ).await;
    for p in [&CAROL, &DAN] {
        assert_eq!(
            texts_with(&w, p, "has been filled").len(),
            1,
            "{}: {:?}",
            p.first_name,
            w.sim.texts_to(p.phone)
        );
        assert_eq!(
            texts_with(&w, p, "has been filled")[0],
            format!("Hi {}, the shift for Margaret T. on Jan 23 at 9:00 AM has been filled, thank you. No need to reply.", p.first_name)
        );
    }
    assert!(texts_with(&w, &BOB, "has been filled").is_empty());
    let log = w.call_log(&occ).await;
    let notices = log["texts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "filledNotice")
        .count();
    assert_eq!(notices, 2, "{log:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_offers_carry_codes_and_the_line_offers_the_next_shift() {
    let w = world().await;
    w.enable(1, 1).await;
    settings(&w, json!({"smsFollowUp": true})).await;
    w.phone(&CAROL, Behaviour::Voicemail);
    w.phone(&BOB, Behaviour::HoldUntilEnded);
    let first = occ("codes_a");
    let second = occ("codes_b");
    w.wave3_completed(&first, &[&CAROL, &BOB]).await;
    eventually("Carol's first text", || {
        follow_up_texts(&w, &CAROL).len() == 1
    })
    .await;
    w.wave3_completed(&second, &[&CAROL, &BOB]).await;
    eventually("Carol's second text", || {
        follow_up_texts(&w, &CAROL).len() == 2
    })
    .await;
    let code = callout_core::inbound::shift_code(&second);
    assert!(
        follow_up_texts(&w, &CAROL)[1].ends_with(&format!("Reply YES {code} to take it.")),
        "{:?}",
        follow_up_texts(&w, &CAROL)
    );
    // YES alone is ambiguous now: the codes are listed.
    let replies = w.sim.text_in(CAROL.phone, "yes").await;
    assert!(
        replies[0].starts_with("You have several shift offers"),
        "{replies:?}"
    );
    assert!(replies[0].contains(&code), "{replies:?}");
    // On the call-back line: 3 for the next shift, then 1 takes it.
    let call = w.sim.call_in(CAROL.phone, "31").await;
    assert_eq!(call.keys(), "31");
    assert_eq!(call.heard().last().unwrap(), English.callback_accepted());
    let logs = [w.call_log(&first).await, w.call_log(&second).await];
    let taken: Vec<&Value> = logs
        .iter()
        .filter(|l| l["acceptedBy"]["employeeId"] == CAROL.employee_id)
        .collect();
    assert_eq!(taken.len(), 1, "one of the two shifts: {logs:#?}");
    assert_eq!(taken[0]["acceptedBy"]["channel"], "callback");
    // Her YES with the other shift's code takes the other one.
    let other = if logs[0]["status"] == "ASSIGNED" {
        &second
    } else {
        &first
    };
    let replies = w
        .sim
        .text_in(
            CAROL.phone,
            &format!("YES {}", callout_core::inbound::shift_code(other)),
        )
        .await;
    assert!(replies[0].contains("The shift is yours"), "{replies:?}");
    for o in [&first, &second] {
        let log = w.finished(o).await;
        assert_eq!(log["acceptedBy"]["employeeId"], CAROL.employee_id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_incoming_calls_and_texts_are_refused_and_change_nothing() {
    let w = world().await;
    for path in [
        "/api/inbound/sms",
        "/api/inbound/voice",
        "/api/inbound/voice/key",
    ] {
        let r = w
            .http
            .post(format!("{}{path}", w.rt.base_url))
            .header("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJl")
            .form(&[("From", CAROL.phone), ("Body", "STOP"), ("Digits", "2")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    assert!(!w.rt.app.store.is_opted_out(CAROL.phone).await.unwrap());
    // Signed, the same STOP is recorded.
    let r = w
        .signed(
            "/api/inbound/sms",
            &[
                ("From", CAROL.phone),
                ("Body", "STOP"),
                ("MessageSid", "SM1"),
            ],
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(w.rt.app.store.is_opted_out(CAROL.phone).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_on_the_call_back_line_passes_and_that_person_is_not_called_again() {
    let w = world().await;
    w.enable(1, 2).await;
    w.phone(&ALICE, Behaviour::NoAnswer);
    w.phone(&BOB, Behaviour::HoldUntilEnded);
    let occ = occ("pass");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;

    first_call_ended(&w, &ALICE).await;
    w.wait_answered(&BOB).await;
    let call = w.sim.call_in(ALICE.phone, "2").await;
    assert_eq!(
        call.heard(),
        vec![
            callback_offer("Alice"),
            English.callback_passed().to_string(),
            English.callback_no_more().to_string()
        ]
    );
    w.phone(&BOB, Behaviour::Silent);
    hang_up(&w, &BOB).await;

    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "UNFILLED_AFTER_CALLS", "{log:#}");
    assert_eq!(
        w.sim.calls_to(ALICE.phone).len(),
        1,
        "Alice is not called in round 2"
    );
    assert_eq!(
        outcomes(&log),
        vec!["No Answer", "No Answer", "Skipped", "No Answer"]
    );
    assert_eq!(log["calls"][2]["skipReason"], "passed", "{log:#}");
    a_passed_turn_is_in_no_call_count(&w, &occ, 3).await;
}

/// The figures a coordinator reads count only the `calls` real calls of the shift `occ` (the
/// world's only shift): the stats, the results' answer rates, the CSV and the unfilled event.
async fn a_passed_turn_is_in_no_call_count(w: &World, occ: &str, calls: u64) {
    let get = |path: &'static str| async move {
        let r = w
            .http
            .get(format!("{}{path}", w.rt.base_url))
            .bearer_auth(w.rt.token(PROVIDER))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        r.text().await.unwrap()
    };
    let stats: Value =
        serde_json::from_str(&get("/api/provider/outbound-calling/stats?days=7").await).unwrap();
    assert_eq!(stats["calls"], calls, "{stats:#}");
    assert_eq!(
        stats["declined"], 0,
        "a pass is no declined call: {stats:#}"
    );
    let rates = stats["results"]["perPerson"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let rated: u64 = rates.iter().map(|p| p["calls"].as_u64().unwrap_or(0)).sum();
    assert_eq!(rated, calls, "answer rates count calls only: {stats:#}");
    let csv = get("/api/provider/calls.csv?days=7").await;
    assert_eq!(
        csv.lines().count() as u64,
        calls + 1,
        "a header and one row per call: {csv}"
    );
    assert!(!csv.contains("Skipped"), "{csv}");
    let unfilled = w.events_of(occ, "ShiftUnfilledAfterCalls", 1).await;
    assert_eq!(unfilled[0]["detail"]["attempts"], calls, "the calls made");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_phone_gets_one_text_naming_both_and_each_code_takes_its_person() {
    let w = world().await;
    w.enable(1, 1).await;
    settings(&w, json!({"smsFollowUp": true})).await;
    w.phone(&MUM, Behaviour::Voicemail);
    w.phone(&BOB, Behaviour::HoldUntilEnded);
    let occ = occ("sharedphone");
    w.wave3_completed(&occ, &[&MUM, &DAD, &BOB]).await;

    // Mum's and Dad's calls reach the voicemail of their one phone: one text names both.
    w.wait_answered(&BOB).await;
    eventually("the shared phone's text", || {
        !follow_up_texts(&w, &MUM).is_empty()
    })
    .await;
    let texts = follow_up_texts(&w, &MUM);
    assert_eq!(texts.len(), 1, "one text to the shared phone: {texts:?}");
    let (mum, dad) = (code_for(&texts[0], "Mum"), code_for(&texts[0], "Dad"));
    assert_ne!(mum, dad);
    assert_eq!(
        texts[0],
        format!("Hi Mum and Dad, we just called about an urgent shift for Margaret T. on Jan 23 at 9:00 AM (09:00-13:00) in Parramatta. Reply YES {mum} for Mum or YES {dad} for Dad to take it.")
    );

    // A plain YES could be either of them: they are asked which, nobody is assigned.
    let replies = w.sim.text_in(MUM.phone, "YES").await;
    assert_eq!(
        replies,
        vec![format!("This number has shift offers for more than one person. Reply YES or NO with your code: {mum} (Mum, Jan 23 9:00 AM), {dad} (Dad, Jan 23 9:00 AM).")]
    );
    assert_ne!(w.call_log(&occ).await["status"], "ASSIGNED");

    // Mum's code takes the shift as Mum, and the confirmation is hers.
    let replies = w.sim.text_in(MUM.phone, &format!("yes {mum}")).await;
    assert_eq!(
        replies,
        vec!["Thank you, Mum! The shift is yours; a confirmation text follows.".to_string()]
    );
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "ASSIGNED", "{log:#}");
    assert_eq!(log["acceptedBy"]["employeeId"], MUM.employee_id);
    assert_eq!(log["acceptedBy"]["channel"], "sms");
    eventually("Mum's confirmation", || {
        texts_with(&w, &MUM, "Confirmed")
            .iter()
            .any(|t| t.ends_with("Thank you, Mum!"))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_call_back_line_asks_who_is_calling_on_a_shared_phone() {
    let w = world().await;
    w.enable(1, 1).await;
    w.phone(&MUM, Behaviour::NoAnswer);
    w.phone(&BOB, Behaviour::HoldUntilEnded);
    let occ = occ("sharedcall");
    w.wave3_completed(&occ, &[&MUM, &DAD, &BOB]).await;
    w.wait_answered(&BOB).await;

    // 2 for Dad, then 1 takes the shift as Dad.
    let call = w.sim.call_in(DAD.phone, "21").await;
    assert_eq!(
        call.heard(),
        vec![
            English.callback_which_person(&["Mum".into(), "Dad".into()]),
            callback_offer("Dad"),
            English.callback_accepted().to_string()
        ]
    );
    let log = w.finished(&occ).await;
    assert_eq!(log["status"], "ASSIGNED", "{log:#}");
    assert_eq!(log["acceptedBy"]["employeeId"], DAD.employee_id);
    assert_eq!(log["acceptedBy"]["channel"], "callback");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_text_changes_nothing() {
    let w = world().await;
    w.enable(1, 1).await;
    settings(&w, json!({"smsFollowUp": true})).await;
    // Carol texts YES while nothing is open for her.
    let yes = [
        ("From", CAROL.phone),
        ("Body", "YES"),
        ("MessageSid", "SM0000000000000000000000000000replay"),
    ];
    let first = w.signed("/api/inbound/sms", &yes).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(
        first
            .text()
            .await
            .unwrap()
            .contains(English.sms_nothing_open()),
        "nothing was open"
    );

    // Later she is offered a shift.
    w.phone(&CAROL, Behaviour::Voicemail);
    w.phone(&BOB, Behaviour::HoldUntilEnded);
    let occ = occ("replay");
    w.wave3_completed(&occ, &[&CAROL, &BOB]).await;
    eventually("Carol's text", || !follow_up_texts(&w, &CAROL).is_empty()).await;
    w.wait_answered(&BOB).await;

    // The same signed request, replayed verbatim (as a Twilio retry or an attacker would),
    // changes nothing and gets no reply.
    let replayed = w.signed("/api/inbound/sms", &yes).send().await.unwrap();
    assert_eq!(replayed.status(), 200);
    assert!(
        !replayed.text().await.unwrap().contains("<Message>"),
        "no reply to a replay"
    );
    let log = w.call_log(&occ).await;
    assert_ne!(log["status"], "ASSIGNED", "{log:#}");
    assert!(log["acceptedBy"].is_null(), "{log:#}");

    // Her own new YES takes it.
    let replies = w.sim.text_in(CAROL.phone, "YES").await;
    assert!(replies[0].contains("The shift is yours"), "{replies:?}");
    assert_eq!(
        w.finished(&occ).await["acceptedBy"]["employeeId"],
        CAROL.employee_id
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yes_with_the_code_of_a_shift_just_filled_says_so() {
    let w = world().await;
    w.enable(1, 1).await;
    settings(&w, json!({"smsFollowUp": true})).await;
    w.phone(&CAROL, Behaviour::Voicemail);
    w.phone(&BOB, Behaviour::HoldUntilEnded);
    let first = occ("filled_a");
    let second = occ("filled_b");
    w.wave3_completed(&first, &[&CAROL, &BOB]).await;
    eventually("Carol's first text", || {
        follow_up_texts(&w, &CAROL).len() == 1
    })
    .await;
    w.wave3_completed(&second, &[&CAROL, &BOB]).await;
    eventually("Carol's second text", || {
        follow_up_texts(&w, &CAROL).len() == 2
    })
    .await;
    let text = follow_up_texts(&w, &CAROL).remove(1);
    let code = text
        .split("Reply YES ")
        .nth(1)
        .map(|t| t[..3].to_string())
        .unwrap_or_else(|| panic!("no code in {text:?}"));
    // Bob takes the second shift; Carol's YES with its code hears it was just filled.
    let (status, body) = w.accept_by_sms(&second, &BOB).await;
    assert_eq!(status, 200, "{body}");
    let replies = w.sim.text_in(CAROL.phone, &format!("YES {code}")).await;
    assert_eq!(replies, vec![English.sms_filled().to_string()]);
    assert_eq!(
        w.finished(&second).await["acceptedBy"]["employeeId"],
        BOB.employee_id
    );
    assert_ne!(w.call_log(&first).await["status"], "ASSIGNED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_call_back_key_does_nothing_new() {
    let w = world().await;
    w.enable(1, 1).await;
    w.phone(&ALICE, Behaviour::NoAnswer);
    w.phone(&BOB, Behaviour::HoldUntilEnded);
    let occ = occ("replaykey");
    w.wave3_completed(&occ, &[&ALICE, &BOB]).await;
    first_call_ended(&w, &ALICE).await;
    w.wait_answered(&BOB).await;

    // Alice rings back and presses 1.
    let path = format!(
        "/api/inbound/voice/key?occurrenceId={occ}&n=0&employeeId={}",
        ALICE.employee_id
    );
    let call_sid = format!("CA{}", &occ[occ.len() - 8..].repeat(4));
    let form = [
        ("CallSid", call_sid.as_str()),
        ("From", ALICE.phone),
        ("Digits", "1"),
    ];
    let first = w.signed(&path, &form).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(first
        .text()
        .await
        .unwrap()
        .contains(English.callback_accepted()));
    let log = w.finished(&occ).await;
    assert_eq!(log["acceptedBy"]["employeeId"], ALICE.employee_id);

    // The same request again (a Twilio retry, a replay): the shift's state is said, nothing is
    // done a second time.
    let again = w.signed(&path, &form).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert!(again
        .text()
        .await
        .unwrap()
        .contains(English.callback_accepted()));
    let replays = log_lines("webhook_replay_ignored")
        .into_iter()
        .filter(|l| {
            l["fields"]["webhook_id"]
                .as_str()
                .is_some_and(|id| id.contains(&call_sid))
        })
        .count();
    assert_eq!(replays, 1);
    // Nothing done again: the same acceptance, the same texts.
    let after = w.call_log(&occ).await;
    assert_eq!(after["acceptedBy"], log["acceptedBy"]);
    assert_eq!(after["texts"], log["texts"]);
}
