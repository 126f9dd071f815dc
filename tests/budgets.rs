//! Budgets from the code (`callout_app::limits`): every dial-queue task kind's and every
//! function's worst case, computed from the outside requests its paths make, against the
//! function's `Timeout` in the transformed template (and, for the dialer, the dial queue's
//! `VisibilityTimeout`). `make budgets` prints the table.
//!
//! The descriptions are kept true by real runs: every invocation of an end-to-end campaign that
//! takes every path worth watching (a follow-up text, filled notices, a machine's call
//! redirected, recordings deleted, an event not called) must fit one of its work's declared
//! paths, by the requests `budget` recorded (Twilio's by operation).

use callout_app::limits::{self, Work};
use callout_app::records::Task;
use callout_sim::Behaviour;
use e2e::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Each function's timeout and environment (by binary) and the dial queue's visibility
/// timeout, from what CloudFormation deploys (`scripts/lint-template.sh --transform-only`).
fn deployed() -> (BTreeMap<String, (Duration, Value)>, Duration) {
    let path = root().join(".local/template.transformed.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no {path:?}: run scripts/lint-template.sh --transform-only"));
    let t: Value = serde_json::from_str(&text).unwrap();
    let resources = t["Resources"].as_object().unwrap();
    let mut functions = BTreeMap::new();
    for r in resources.values() {
        if r["Type"] != "AWS::Lambda::Function" {
            continue;
        }
        let binary = r["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap()
            .to_string();
        // Lambda's default is 3 s: a function without one gets that.
        let timeout = r["Properties"]["Timeout"].as_u64().unwrap_or(3);
        let env = r["Properties"]["Environment"]["Variables"].clone();
        functions.insert(binary, (Duration::from_secs(timeout), env));
    }
    let queue = resources
        .values()
        .find(|r| r["Type"] == "AWS::Lambda::EventSourceMapping")
        .and_then(|m| m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0].as_str())
        .expect("the dialer's event source mapping");
    let visibility = resources[queue]["Properties"]["VisibilityTimeout"]
        .as_u64()
        .unwrap_or(30);
    (functions, Duration::from_secs(visibility))
}

struct Row {
    function: &'static str,
    work: &'static str,
    path: &'static str,
    worst: Duration,
    limit: Duration,
}

fn table() -> Vec<Row> {
    let (functions, visibility) = deployed();
    let (dialer_timeout, env) = &functions["dialer"];
    let speech = env["ELEVENLABS_BUDGET_MS"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(callout_app::Config::default().tts_budget);
    let mut rows = Vec::new();
    let mut row = |function: &'static str, w: &Work, limit| {
        let (worst, path) = w.worst_case(speech);
        rows.push(Row {
            function,
            work: w.name,
            path,
            worst,
            limit,
        });
    };
    for w in limits::dialer_tasks() {
        row(
            "dialer",
            &w,
            limits::limit("dialer", *dialer_timeout, Some(visibility)),
        );
    }
    for w in limits::functions() {
        let (timeout, _) = functions
            .get(w.name)
            .unwrap_or_else(|| panic!("{} is in no template function", w.name));
        row(w.name, &w, limits::limit(w.name, *timeout, None));
    }
    // Every function and every task kind is described.
    let described: Vec<&str> = rows.iter().map(|r| r.function).collect();
    for binary in functions.keys() {
        assert!(
            described.contains(&binary.as_str()),
            "{binary} has no description in limits"
        );
    }
    let kinds: Vec<&str> = limits::dialer_tasks().iter().map(|w| w.name).collect();
    assert_eq!(kinds, Task::KINDS, "limits::dialer_tasks and Task::KINDS");
    rows
}

/// `make budgets`: the table, and nothing over its limit.
#[test]
fn every_task_and_handler_fits_its_functions_limit() {
    let rows = table();
    println!(
        "{:<18} {:<18} {:>7} {:>7}  {:<5} worst path",
        "function", "work", "worst", "limit", ""
    );
    let mut over = Vec::new();
    for r in &rows {
        let ok = r.worst <= r.limit;
        println!(
            "{:<18} {:<18} {:>6.1}s {:>6.1}s  {:<5} {}",
            r.function,
            r.work,
            r.worst.as_secs_f64(),
            r.limit.as_secs_f64(),
            if ok { "ok" } else { "OVER" },
            r.path
        );
        if !ok {
            over.push(format!(
                "{} {}: {:?} > {:?} ({})",
                r.function, r.work, r.worst, r.limit, r.path
            ));
        }
    }
    assert!(over.is_empty(), "over the limit: {over:#?}");
    // The figures the docs quote (docs/RELIABILITY.md).
    let worst = |work: &str| rows.iter().find(|r| r.work == work).unwrap().worst;
    assert_eq!(
        worst("dial"),
        Duration::from_secs(23),
        "8 s speech + 2 x 5 s + 5 s AWS"
    );
    assert_eq!(worst("callEnded"), Duration::from_secs(23));
    assert_eq!(
        worst("finishAcceptance"),
        Duration::from_secs(23),
        "calls ended at once 5 s + a confirmation looked up 3 s + sent 5 s + notices 5 s + 5 s AWS"
    );
}

async fn settings(w: &World, body: Value) {
    let (status, body) = w.patch_settings(PROVIDER, body).await;
    assert_eq!(status, 200, "{body}");
}

/// A campaign through the paths worth watching; then every invocation's requests fit one of
/// its work's declared paths.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_invocation_makes_only_the_requests_its_description_declares() {
    // One day of recording retention lasts 6 seconds here.
    let w = World::with(|o| o.time_scale = 14_400.0).await;
    w.enable(1, 1).await;
    settings(
        &w,
        json!({"smsFollowUp": true, "notifyWhenFilled": true, "recordCalls": true, "recordingRetentionDays": 1}),
    )
    .await;
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&CAROL, Behaviour::Voicemail);
    w.phone(&DAN, Behaviour::NoAnswer);
    w.phone(&BOB, Behaviour::Accept);
    let occ = occ("budgets");
    w.wave3_completed(&occ, &[&ALICE, &CAROL, &DAN, &BOB]).await;
    assert_eq!(w.finished(&occ).await["status"], "ASSIGNED");
    w.acceptance_finished(&occ).await;
    // The recordings, deleted once due: the daily run queues one task each.
    w.wait_for(&occ, "the recordings to be kept", |l| {
        l["calls"]
            .as_array()
            .is_some_and(|c| c.iter().filter(|c| c["recordingSid"].is_string()).count() >= 1)
    })
    .await;
    let start = Instant::now();
    loop {
        assert!(start.elapsed() < Duration::from_secs(40), "never deleted");
        // As the schedule invokes it, counted like every invocation.
        let run = callout_app::handlers::start_calling(
            &w.rt.functions.start_calling,
            callout_app::lambda_runtime::LambdaEvent::new(
                json!({"recordingRetention": "deleteExpired"}),
                callout_app::lambda_runtime::Context::default(),
            ),
        );
        let world = w.rt.options.resource_prefix.clone();
        let out = local_runtime::gateway::invoke(&w.rt.budget, "start-calling", &world, run)
            .await
            .unwrap();
        let deleted = w.sim.recordings().iter().filter(|r| r.deleted).count();
        if out["queued"] == 0 && deleted == w.sim.recordings().len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // An event nobody can be called for.
    let mut event = World::wave3_event(&e2e::occ("budgets_nobody"), &[&ALICE]);
    event["detail"]["staffPool"][0]["phone"] = json!("0400 000 001");
    assert_eq!(w.post_event(event).await["result"]["status"], "rejected");

    let b = w.rt.budget.lock().unwrap().clone();
    let works: Vec<Work> = limits::dialer_tasks()
        .into_iter()
        .chain(limits::functions())
        .collect();
    for (route, stats) in &b.0 {
        if *route == "dialer" {
            continue; // its tasks, each under its kind
        }
        let work = works
            .iter()
            .find(|w| w.name == *route)
            .unwrap_or_else(|| panic!("{route} ran but has no description in limits"));
        for run in &stats.runs {
            assert!(
                work.paths.iter().any(|p| p.fits(run)),
                "{route} made {run:?}, which fits none of {:#?}",
                work.paths
            );
        }
    }
    // The paths this campaign was built to take were taken.
    let ran = |route: &str, label: &str| {
        b.0.get(route)
            .is_some_and(|s| s.runs.iter().any(|r| r.contains_key(label)))
    };
    assert!(ran("callEnded", "twilio.sendSms"), "a follow-up text");
    assert!(ran("callEnded", "twilio.createCall"), "a next call placed");
    assert!(ran("dial", "twilio.createCall"), "a call queued as dial");
    assert!(ran("finishAcceptance", "twilio.sendSms"), "filled notices");
    assert!(
        ran("call-status", "twilio.redirectCall"),
        "a machine's call"
    );
    assert!(
        ran("deleteRecording", "twilio.deleteRecording"),
        "deletions"
    );
    assert!(
        ran("start-calling", "sqs"),
        "the daily run queued deletions"
    );
}

/// With notifyWhenFilled, more people texted than one run tells are told in pieces: no
/// `finishAcceptance` run sends more than its confirmation and `FILLED_NOTICES_PER_RUN` texts,
/// and everyone is told exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filled_notices_beyond_one_runs_share_go_in_pieces_each_once() {
    let w = World::new().await;
    w.enable(1, 1).await;
    settings(&w, json!({"smsFollowUp": true, "notifyWhenFilled": true})).await;
    let per_run = callout_app::service::FILLED_NOTICES_PER_RUN;
    let missed: Vec<Person> = (0..per_run + 3)
        .map(|i| Person {
            employee_id: Box::leak(format!("emp_missed{i}").into_boxed_str()),
            first_name: "Sam",
            phone: Box::leak(format!("+6140011{i:04}").into_boxed_str()),
        })
        .collect();
    for p in &missed {
        w.phone(p, Behaviour::NoAnswer);
    }
    w.phone(&BOB, Behaviour::Accept);
    let mut pool: Vec<&Person> = missed.iter().collect();
    pool.push(&BOB);
    let occ = occ("notices");
    w.wave3_completed(&occ, &pool).await;
    assert_eq!(w.finished(&occ).await["status"], "ASSIGNED");
    w.acceptance_finished(&occ).await;
    for p in &missed {
        let filled: Vec<String> = w
            .sim
            .texts_to(p.phone)
            .into_iter()
            .filter(|t| t.contains("has been filled"))
            .collect();
        assert_eq!(filled.len(), 1, "{}: {filled:?}", p.employee_id);
    }
    let b = w.rt.budget.lock().unwrap().clone();
    let runs = &b.0["finishAcceptance"].runs;
    let texts = |r: &callout_app::budget::Counts| r.get("twilio.sendSms").copied().unwrap_or(0);
    assert!(
        runs.iter().all(|r| texts(r) as usize <= per_run + 1),
        "{runs:?}"
    );
    assert!(
        runs.iter().filter(|r| texts(r) > 0).count() >= 2,
        "{runs:?}"
    );
}
