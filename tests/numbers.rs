//! A number per provider (issue 25.1): each provider calls and texts from its own number
//! (`fromNumber`, one of the account's numbers), and whoever rings or texts a number back
//! reaches that provider's offers; a number nobody holds gets a polite message; a number the
//! account does not hold, or another provider's, is refused, and nothing changes.

use callout_core::words::{English, Phrasebook};
use callout_sim::{Behaviour, RestOp, PROVIDER_NUMBERS};
use e2e::*;
use serde_json::{json, Value};

const OTHER: &str = "prov_2";
const OFFICE_1: &str = "+61290000001";
const OFFICE_2: &str = "+61290000002";
/// A number the account does not hold.
const NOT_OURS: &str = "+61200000999";

fn n1() -> &'static str {
    PROVIDER_NUMBERS[0]
}
fn n2() -> &'static str {
    PROVIDER_NUMBERS[1]
}

async fn settings(w: &World, provider: &str, body: Value) {
    let (status, body) = w.patch_settings(provider, body).await;
    assert_eq!(status, 200, "{body}");
}

/// Provider `provider`'s shift `occ` for `person` in `suburb`.
async fn shift(w: &World, provider: &str, occ: &str, suburb: &str, person: &Person) {
    let mut event = World::wave3_event(occ, &[person]);
    event["detail"]["providerId"] = json!(provider);
    event["detail"]["job"]["suburb"] = json!(suburb);
    w.post_event(event).await;
}

/// The shift's state as its provider's call log shows it.
async fn status_of(w: &World, provider: &str, occ: &str) -> Value {
    let r = w
        .http
        .get(format!("{}/api/provider/jobs/{occ}/calls", w.rt.base_url))
        .bearer_auth(w.rt.token(provider))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_providers_two_numbers_one_carer_reaches_each_provider_on_its_number() {
    let w = World::new().await;
    for (provider, number, office) in [(PROVIDER, n1(), OFFICE_1), (OTHER, n2(), OFFICE_2)] {
        settings(
            &w,
            provider,
            json!({"enabled": true, "waitMinutes": 1, "maxRounds": 1, "smsFollowUp": true, "fromNumber": number, "officeNumber": office}),
        )
        .await;
    }
    // Alice is in both agencies' pools and misses both calls.
    w.phone(&ALICE, Behaviour::NoAnswer);
    let (occ1, occ2) = (occ("numbers_one"), occ("numbers_two"));
    shift(&w, PROVIDER, &occ1, "Parramatta", &ALICE).await;
    shift(&w, OTHER, &occ2, "Blacktown", &ALICE).await;

    // Each call and each follow-up text shows its provider's number.
    eventually("both calls to end and both texts to go", || {
        w.sim
            .calls_to(ALICE.phone)
            .iter()
            .filter(|c| c.ended())
            .count()
            == 2
            && w.sim.texts_to(ALICE.phone).len() == 2
    })
    .await;
    let mut froms: Vec<String> = w
        .sim
        .calls_to(ALICE.phone)
        .into_iter()
        .map(|c| c.from)
        .collect();
    froms.sort();
    assert_eq!(froms, vec![n1().to_string(), n2().to_string()]);
    for m in w.sim.messages().into_iter().filter(|m| m.to == ALICE.phone) {
        let from = if m.body.contains("Parramatta") {
            n1()
        } else {
            n2()
        };
        assert_eq!(m.from, from, "{m:?}");
    }

    // She rings each number back: each reaches only its provider's offer.
    let first = w
        .sim
        .call_in_to(ALICE.phone, Some(n1()), "")
        .await
        .heard()
        .join(" ");
    assert!(
        first.contains("Parramatta") && !first.contains("Blacktown"),
        "{first}"
    );
    let second = w
        .sim
        .call_in_to(ALICE.phone, Some(n2()), "")
        .await
        .heard()
        .join(" ");
    assert!(
        second.contains("Blacktown") && !second.contains("Parramatta"),
        "{second}"
    );

    // Pressing 0 on a provider's number reaches that provider's office, showing its number.
    let call = w.sim.call_in_to(ALICE.phone, Some(n2()), "0").await;
    let dials = call.dials();
    assert_eq!(dials.len(), 1, "{dials:?}");
    assert_eq!(
        (dials[0].number.as_str(), dials[0].caller_id.as_deref()),
        (OFFICE_2, Some(n2()))
    );

    // She texts YES to each: each takes that provider's shift, no code asked for.
    let replies = w.sim.text_in_to(ALICE.phone, Some(n2()), "YES").await;
    assert_eq!(replies, vec![English.sms_accepted("Alice")]);
    let log2 = status_of(&w, OTHER, &occ2).await;
    assert_eq!(
        log2["acceptedBy"]["employeeId"], ALICE.employee_id,
        "{log2}"
    );
    assert_eq!(
        status_of(&w, PROVIDER, &occ1).await["acceptedBy"],
        Value::Null
    );
    let replies = w.sim.text_in_to(ALICE.phone, Some(n1()), "YES").await;
    assert_eq!(replies, vec![English.sms_accepted("Alice")]);
    let log1 = status_of(&w, PROVIDER, &occ1).await;
    assert_eq!(
        log1["acceptedBy"]["employeeId"], ALICE.employee_id,
        "{log1}"
    );

    // A number nobody holds: a polite message, on the phone and by text.
    let call = w.sim.call_in_to(ALICE.phone, Some(NOT_OURS), "1").await;
    assert_eq!(call.heard(), vec![English.number_not_in_use().to_string()]);
    assert!(call.dialed().is_empty());
    let replies = w.sim.text_in_to(ALICE.phone, Some(NOT_OURS), "YES").await;
    assert_eq!(replies, vec![English.number_not_in_use().to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_not_the_accounts_or_another_providers_is_refused_and_nothing_changes() {
    let w = World::new().await;
    settings(&w, OTHER, json!({"fromNumber": n2()})).await;
    for (number, why) in [
        (NOT_OURS, "not one of the account's"),
        (n2(), "another provider's"),
        (w.rt.options.twilio_from_number.as_str(), "platform's own"),
    ] {
        let (status, body) = w
            .patch_settings(PROVIDER, json!({"enabled": true, "fromNumber": number}))
            .await;
        assert_eq!(status, 400, "{body}");
        let said = body["errors"]["fromNumber"].as_str().unwrap_or_default();
        assert!(said.contains(why), "{body}");
        let (_, now) = w.get_settings(PROVIDER).await;
        assert_eq!(now["fromNumber"], Value::Null, "{now}");
        assert_eq!(now["enabled"], false, "nothing changed: {now}");
    }
    // Let go, a number is free for another provider.
    settings(&w, OTHER, json!({"fromNumber": n1()})).await;
    settings(&w, PROVIDER, json!({"fromNumber": n2()})).await;
    assert_eq!(w.get_settings(PROVIDER).await.1["fromNumber"], n2());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_cannot_be_checked_while_twilio_is_unreachable() {
    let w = World::new().await;
    w.sim.fail_next_rest(RestOp::ListNumbers, 503, 10);
    let (status, body) = w
        .patch_settings(PROVIDER, json!({"enabled": true, "fromNumber": n1()}))
        .await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("Twilio"),
        "{body}"
    );
    let (_, now) = w.get_settings(PROVIDER).await;
    assert_eq!(
        (now["fromNumber"].clone(), now["enabled"].clone()),
        (Value::Null, json!(false))
    );
}
