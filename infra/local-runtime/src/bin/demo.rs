//! `demo`: one 4-staff campaign on the local AWS with the simulated Twilio, at a high
//! TIME_SCALE, printed as a timeline of calls, keys, outcomes and the shift's final state.
//! Needs the local AWS running (`make demo` starts it).

use anyhow::{bail, Context, Result};
use callout_sim::{Behaviour, CallEvent, Sim, SimConfig, Via};
use local_runtime::{LocalRuntime, Options};
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime};

const STAFF: [(&str, &str, &str); 4] = [
    ("emp_alice", "Alice", "+61400000001"),
    ("emp_bob", "Bob", "+61400000002"),
    ("emp_carol", "Carol", "+61400000003"),
    ("emp_dan", "Dan", "+61400000004"),
];

#[tokio::main]
async fn main() -> Result<()> {
    if std::env::var("RUST_LOG").is_err() {
        // The timeline is the demo's output; the services' JSON logs only on request.
        std::env::set_var("RUST_LOG", "error");
    }
    callout_app::logging::init();
    let began = Instant::now();
    let sim = Sim::start(SimConfig::default()).await?;
    let mut options = Options::from_env(Some(&sim.base_url()))?;
    if std::env::var("LOCAL_PORT").is_err() {
        options.port = 0;
    }
    if std::env::var("TIME_SCALE").is_err() {
        options.time_scale = 60.0;
    }
    options.resource_prefix = "shift-callout-demo".into();
    let rt = LocalRuntime::start(options).await?;
    let http = reqwest::Client::new();
    let token = rt.token("prov_demo");
    let occ = format!("occ_demo_{}", chrono::Utc::now().format("%H%M%S"));

    println!(
        "Shift call-out demo · local runtime {} · TIME_SCALE {}",
        rt.base_url, rt.options.time_scale
    );
    println!("Provider prov_demo: calling on, wait 1 minute, 2 rounds. Shift {occ}: Margaret T., Jan 23 9:00 AM, Parramatta.");
    println!("Staff: Alice (never answers), Bob (declines, later changes his mind), Carol (voicemail), Dan (says nothing).\n");

    rt.save_settings(
        &http,
        "prov_demo",
        json!({"enabled": true, "waitMinutes": 1, "maxRounds": 2}),
    )
    .await?;
    sim.set_phone(STAFF[0].2, Behaviour::NoAnswer);
    sim.set_phone(STAFF[1].2, Behaviour::Decline);
    sim.set_phone(STAFF[2].2, Behaviour::Voicemail);
    sim.set_phone(STAFF[3].2, Behaviour::Silent);

    let event = json!({
        "version": "0", "id": "demo", "detail-type": "Wave3Completed", "source": "sms-waves",
        "account": "123456789012", "time": chrono::Utc::now().to_rfc3339(), "region": "us-east-1", "resources": [],
        "detail": {
            "occurrenceId": occ, "providerId": "prov_demo",
            "job": {"patientName": "Margaret Thompson", "startsAt": "2026-01-23T09:00:00+11:00",
                    "endsAt": "2026-01-23T13:00:00+11:00", "timeZone": "Australia/Sydney", "suburb": "Parramatta"},
            "staffPool": STAFF.iter().map(|(id, name, phone)| json!({"employeeId": id, "firstName": name, "phone": phone})).collect::<Vec<_>>(),
        }
    });
    let t0 = SystemTime::now();
    let started: Value = http
        .post(format!("{}/local/events", rt.base_url))
        .json(&event)
        .send()
        .await?
        .json()
        .await?;
    println!(
        "[{:>6.2}s] Wave3Completed → start-calling: {}",
        0.0,
        started["result"]["status"].as_str().unwrap_or("?")
    );

    // Bob changes his mind after his first call: in round 2 he presses a wrong key, then 1.
    let mut bob_changed = false;
    let deadline = Instant::now() + Duration::from_secs(120);
    let log = loop {
        if !bob_changed && sim.calls_to(STAFF[1].2).iter().any(|c| c.ended()) {
            sim.set_phone(STAFF[1].2, Behaviour::WrongKeyThen('1'));
            bob_changed = true;
        }
        let log: Value = http
            .get(format!("{}/api/provider/jobs/{occ}/calls", rt.base_url))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        let settled = log["status"] != "OPEN"
            && log["calls"]
                .as_array()
                .is_some_and(|c| c.iter().all(|c| !c["outcome"].is_null()))
            && sim.live_calls() == 0;
        if settled {
            break log;
        }
        if Instant::now() > deadline {
            bail!("the campaign did not finish in time: {log:#}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    let calls = log["calls"].as_array().context("call log")?;
    for (i, call) in sim.calls().iter().enumerate() {
        let at = call
            .created
            .duration_since(t0)
            .unwrap_or_default()
            .as_secs_f64();
        let name = STAFF
            .iter()
            .find(|s| s.2 == call.to)
            .map(|s| s.1)
            .unwrap_or("?");
        let entry = calls.get(i).cloned().unwrap_or(Value::Null);
        println!(
            "[{at:>6.2}s] call {} · round {} · {name} ({}) → Twilio {} · outcome {}{}",
            i + 1,
            entry["round"],
            callout_core::mask::phone(&call.to),
            call.status,
            entry["outcome"].as_str().unwrap_or("-"),
            entry["digit"]
                .as_str()
                .map(|d| format!(" · key {d}"))
                .unwrap_or_default(),
        );
        for e in &call.events {
            match e {
                CallEvent::Answered { by } => println!("           answered by {by}"),
                CallEvent::Heard {
                    text,
                    via,
                    interrupted,
                } => {
                    let how = match via {
                        Via::Say => "says".to_string(),
                        Via::SayIn { language } => format!("says ({language})"),
                        Via::Play { seconds, .. } => format!("plays {seconds:.1}s of µ-law audio"),
                    };
                    println!(
                        "           {how}: \"{text}\"{}",
                        if *interrupted { " (interrupted)" } else { "" }
                    );
                }
                CallEvent::Pressed(k) => println!("           {name} presses {k}"),
                CallEvent::GatherTimedOut => println!("           (15 s of silence)"),
                CallEvent::HungUp(by) => println!("           hang-up ({by:?})"),
                CallEvent::AudioError(err) | CallEvent::WebhookError { detail: err, .. } => {
                    println!("           ERROR {err}")
                }
                _ => {}
            }
        }
    }
    for m in sim.messages() {
        println!(
            "[  SMS  ] to {}: \"{}\"",
            callout_core::mask::phone(&m.to),
            m.body
        );
    }
    println!(
        "\nFinal shift state: {} · accepted by {} via {} · {} calls · ElevenLabs {} requests / {} characters",
        log["status"].as_str().unwrap_or("?"),
        log["acceptedBy"]["firstName"].as_str().unwrap_or("nobody"),
        log["acceptedBy"]["channel"].as_str().unwrap_or("-"),
        calls.len(),
        sim.tts_requests(),
        sim.tts_characters(),
    );
    let errors: Vec<String> = sim.calls().iter().flat_map(|c| c.errors()).collect();
    println!("Demo took {:.1} s.", began.elapsed().as_secs_f64());
    let budget = rt.budget.lock().unwrap_or_else(|e| e.into_inner()).clone();
    local_runtime::figures::print_steps(&budget, calls.len());
    local_runtime::figures::Figures::of(&budget, calls.len(), 1, sim.tts_characters()).print();
    rt.stop();
    if log["status"] != "ASSIGNED" || !errors.is_empty() {
        bail!("unexpected end: {} errors {errors:?}", log["status"]);
    }
    Ok(())
}
