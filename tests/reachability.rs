//! Reachability checks (issue 25.4): a coordinator asks for a short check call to one person or
//! to the whole pool; each person's result (heard and pressed 1, answered with no key,
//! voicemail, no answer, busy, invalid or refused number) is kept with its date and shown by the
//! API; one check per person per day.

use callout_core::words::{English, Phrasebook};
use callout_sim::{Behaviour, Refusal, RestOp};
use e2e::*;
use serde_json::{json, Value};

const EVE: Person = Person {
    employee_id: "emp_eve",
    first_name: "Eve",
    phone: "+61400000005",
};
const FAY: Person = Person {
    employee_id: "emp_fay",
    first_name: "Fay",
    phone: "+61400000006",
};
const GUS: Person = Person {
    employee_id: "emp_gus",
    first_name: "Gus",
    phone: "+61400000007",
};

async fn ask(w: &World, body: Value) -> (u16, Value) {
    let r = w
        .http
        .post(format!("{}/api/provider/reachability", w.rt.base_url))
        .bearer_auth(w.rt.token(PROVIDER))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn results(w: &World) -> Vec<Value> {
    let r = w
        .http
        .get(format!("{}/api/provider/reachability", w.rt.base_url))
        .bearer_auth(w.rt.token(PROVIDER))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["checks"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Wait until every check in `who` is done; their results by employee id.
async fn done(w: &World, who: &[&Person]) -> Vec<(String, Value)> {
    let start = std::time::Instant::now();
    loop {
        let checks = results(w).await;
        let all = who.iter().all(|p| {
            checks
                .iter()
                .any(|c| c["employeeId"] == p.employee_id && c["state"] == "done")
        });
        if all {
            return checks
                .into_iter()
                .map(|c| (c["employeeId"].as_str().unwrap_or_default().to_string(), c))
                .collect();
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "checks not done: {checks:#?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn result_of(checks: &[(String, Value)], p: &Person) -> Value {
    checks
        .iter()
        .find(|(e, _)| e == p.employee_id)
        .map(|(_, c)| c.clone())
        .unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_per_outcome_and_once_a_day() {
    let w = World::new().await;
    // The pool is whoever is in the provider's shifts (this one is not called: calling is off).
    w.wave3_completed(&occ("reach_pool"), &[&ALICE, &BOB, &CAROL, &DAN])
        .await;
    w.phone(&ALICE, Behaviour::Accept);
    w.phone(&BOB, Behaviour::Voicemail);
    w.phone(&CAROL, Behaviour::NoAnswer);
    w.phone(&DAN, Behaviour::Busy);
    // The name the check call says.
    let (status, body) = w
        .patch_settings(PROVIDER, json!({"agencyName": "Harbour Care"}))
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = ask(&w, json!({})).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["queued"].as_array().map(Vec::len), Some(4), "{body}");

    let checks = done(&w, &[&ALICE, &BOB, &CAROL, &DAN]).await;
    for (p, result) in [
        (&ALICE, "heard"),
        (&BOB, "voicemail"),
        (&CAROL, "noAnswer"),
        (&DAN, "busyOrFailed"),
    ] {
        let c = result_of(&checks, p);
        assert_eq!(c["result"], result, "{}: {c}", p.first_name);
        assert_eq!(c["day"], chrono::Utc::now().format("%Y-%m-%d").to_string());
        assert!(c["resultAt"].is_string(), "{c}");
        // The API never shows a whole number.
        assert_ne!(c["phone"], p.phone, "{c}");
    }
    // Alice heard the check and was thanked.
    let call = w.sim.calls_to(ALICE.phone).pop().unwrap();
    assert_eq!(
        call.heard(),
        vec![
            English.reach_check(Some("Harbour Care")),
            English.reach_thanks().to_string()
        ]
    );
    // Every check call freed its call slot: nothing is live.
    assert!(w.sim.wait_idle(std::time::Duration::from_secs(10)).await);

    // Once a day: the pool again, or one person again, is refused and calls nobody.
    let calls_before = w.sim.calls().len();
    let (status, body) = ask(&w, json!({})).await;
    assert_eq!(status, 429, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("once")
            || body["error"].as_str().unwrap().contains("today"),
        "{body}"
    );
    let (status, _) = ask(&w, json!({"employeeId": ALICE.employee_id})).await;
    assert_eq!(status, 429);
    // A person in none of the pools.
    let (status, _) = ask(&w, json!({"employeeId": "emp_nobody"})).await;
    assert_eq!(status, 404);

    // An invalid number: Twilio refuses the call (21211); one person checked alone.
    w.wave3_completed(&occ("reach_eve"), &[&EVE]).await;
    w.sim.refuse_next_rest(
        RestOp::CreateCall,
        Refusal {
            status: 400,
            code: 21211,
        },
        1,
    );
    let (status, body) = ask(&w, json!({"employeeId": EVE.employee_id})).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["queued"], json!([EVE.employee_id]));
    let checks = done(&w, &[&EVE]).await;
    let eve = result_of(&checks, &EVE);
    assert_eq!(
        (eve["result"].clone(), eve["code"].clone()),
        (json!("invalidNumber"), json!(21211)),
        "{eve}"
    );
    assert_eq!(
        w.sim.calls().len(),
        calls_before,
        "no call was placed after the refusals"
    );

    // A number that refuses the account's calls (21610, unsubscribed): refused, with its code.
    w.wave3_completed(&occ("reach_more"), &[&FAY, &GUS]).await;
    w.sim.refuse_next_rest(
        RestOp::CreateCall,
        Refusal {
            status: 400,
            code: 21610,
        },
        1,
    );
    let (status, body) = ask(&w, json!({"employeeId": FAY.employee_id})).await;
    assert_eq!(status, 202, "{body}");
    let fay = result_of(&done(&w, &[&FAY]).await, &FAY);
    assert_eq!(
        (fay["result"].clone(), fay["code"].clone()),
        (json!("refused"), json!(21610)),
        "{fay}"
    );
    // Someone who answers and presses nothing.
    w.phone(&GUS, Behaviour::Silent);
    let (status, body) = ask(&w, json!({"employeeId": GUS.employee_id})).await;
    assert_eq!(status, 202, "{body}");
    let gus = result_of(&done(&w, &[&GUS]).await, &GUS);
    assert_eq!(gus["result"], "answeredNoKey", "{gus}");
}
