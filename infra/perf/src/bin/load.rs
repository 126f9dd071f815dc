//! A bounded load run: N concurrent campaigns (default 1,000), 4 staff each with mixed
//! behaviours, through the local runtime and the simulated Twilio at a high TIME_SCALE.
//! Checks every shift reaches a final state with no lost task, no duplicate call and no double
//! assignment, and prints wall time, calls per second, peak memory and where the time went.
//!
//!     make load    (or: scripts/local-aws.sh start; MOTO_PORT=5056 scripts/local-aws.sh start;
//!       AWS_ENDPOINT_URL=http://127.0.0.1:5055 AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:5056 \
//!       cargo run --release -p perf --bin load -- [campaigns] [max concurrent calls])

use anyhow::{bail, Result};
use callout_sim::{Behaviour, Sim, SimConfig};
use local_runtime::{LocalRuntime, Options};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    if std::env::var("RUST_LOG").is_err() {
        std::env::set_var("RUST_LOG", "error");
    }
    callout_app::logging::init();
    let args: Vec<String> = std::env::args().collect();
    let campaigns: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let slots: u32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(50);
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:5055".into());

    let sim = Sim::start(SimConfig {
        step_delay: Duration::from_millis(20),
        ..SimConfig::default()
    })
    .await?;
    let mut options = Options::new(&endpoint, &sim.base_url());
    options.resource_prefix = format!("load{}", rand::random::<u32>() % 100_000);
    options.time_scale = 600.0;
    options.max_concurrent_calls = slots;
    // The template's event source mapping delivers one task per invocation; 16 at once here.
    options
        .parameters
        .insert("DialerMaxConcurrency".into(), "16".into());
    let rt = LocalRuntime::start(options).await?;
    let http = reqwest::Client::new();
    rt.save_settings(
        &http,
        "prov_load",
        json!({"enabled": true, "waitMinutes": 1, "maxRounds": 1}),
    )
    .await?;

    // Mixed behaviours, the same every run.
    let mut rng = StdRng::seed_from_u64(7);
    let behaviours = [
        (Behaviour::Accept, 20),
        (Behaviour::Decline, 30),
        (Behaviour::Silent, 15),
        (Behaviour::NoAnswer, 15),
        (Behaviour::Busy, 10),
        (Behaviour::Voicemail, 10),
    ];
    let mut shifts = Vec::new();
    for c in 0..campaigns {
        let occ = format!("occ_load_{c:05}");
        let mut pool = Vec::new();
        for i in 0..4 {
            let phone = format!("+614{c:05}{i:02}");
            let mut roll = rng.gen_range(0..100);
            let b = behaviours
                .iter()
                .find(|(_, w)| {
                    if roll < *w {
                        true
                    } else {
                        roll -= w;
                        false
                    }
                })
                .map(|(b, _)| b.clone())
                .unwrap();
            sim.set_phone(&phone, b);
            pool.push(
                json!({"employeeId": format!("emp_{i}"), "firstName": "Sam", "phone": phone}),
            );
        }
        shifts.push((occ, pool));
    }

    println!("load run: {campaigns} campaigns × 4 staff, 1 round, MAX_CONCURRENT_CALLS={slots}, TIME_SCALE 600");
    let started = Instant::now();
    // Delivered as EventBridge would: at most 50 in flight, a failed delivery retried (the
    // rule's retry policy; starting is idempotent).
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(50));
    let retried = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut posts = Vec::new();
    for (occ, pool) in &shifts {
        let event = json!({"detail-type": "Wave3Completed", "detail": {
            "occurrenceId": occ, "providerId": "prov_load",
            "job": {"patientName": "Margaret Thompson", "startsAt": "2026-01-23T09:00:00+11:00",
                    "endsAt": "2026-01-23T13:00:00+11:00", "timeZone": "Australia/Sydney", "suburb": "Parramatta"},
            "staffPool": pool }});
        let (http, url) = (http.clone(), format!("{}/local/events", rt.base_url));
        let (gate, retried) = (gate.clone(), retried.clone());
        posts.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            for attempt in 0..8u32 {
                let ok = http
                    .post(&url)
                    .json(&event)
                    .send()
                    .await
                    .map(|r| r.status().as_u16() == 200)
                    .unwrap_or(false);
                if ok {
                    return true;
                }
                retried.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(200 << attempt.min(4))).await;
            }
            false
        }));
    }
    for p in posts {
        if !p.await? {
            bail!("a start event was refused eight times");
        }
    }
    let started_all = started.elapsed();

    // Wait until every shift is final and every call has ended (bounded). One index query a
    // poll (the provider's shifts by time), not a read per shift; every 10 s, as the local
    // AWS answers an index query by reading the whole table (at every 2 s it was a third of
    // the local DynamoDB's work at 1,000 campaigns).
    let deadline = Instant::now() + Duration::from_secs(900);
    let since = chrono::Utc::now() - chrono::Duration::hours(1);
    let mut finished = false;
    loop {
        if Instant::now() > deadline {
            break; // report what happened, then fail
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
        // A poll the busy local AWS does not answer in time is only a poll: the next one asks.
        let all = match rt
            .app
            .store
            .shifts_between("prov_load", since, chrono::Utc::now(), campaigns + 10)
            .await
        {
            Ok(all) => all,
            Err(e) => {
                eprintln!("poll failed (asked again in 10 s): {e}");
                continue;
            }
        };
        let open = all
            .iter()
            .filter(|s| s.status == callout_core::ShiftStatus::Open)
            .count();
        if all.len() >= campaigns && open == 0 {
            finished = true;
            break;
        }
    }
    while sim.live_calls() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let wall = started.elapsed();

    // Verify.
    let calls = sim.calls();
    let mut per_phone: HashMap<&str, usize> = HashMap::new();
    for c in &calls {
        *per_phone.entry(c.to.as_str()).or_default() += 1;
    }
    let duplicate_calls: usize = per_phone.values().map(|n| n.saturating_sub(1)).sum();
    let (mut assigned, mut unfilled, mut open, mut double, mut missing_outcomes) = (0, 0, 0, 0, 0);
    for (occ, _) in &shifts {
        let shift = rt.app.store.get_shift(occ).await?.unwrap();
        let attempts = rt.app.store.list_attempts(occ).await?;
        let accepted = attempts
            .iter()
            .filter(|a| a.outcome == Some(callout_core::Outcome::Accepted))
            .count();
        missing_outcomes += attempts.iter().filter(|a| a.outcome.is_none()).count();
        match shift.status {
            callout_core::ShiftStatus::Assigned => assigned += 1,
            callout_core::ShiftStatus::Open => open += 1,
            _ => unfilled += 1,
        }
        if accepted > 1 {
            double += 1;
        }
    }
    let sms = sim.messages();
    let mut sms_per_phone: HashMap<&str, usize> = HashMap::new();
    for m in &sms {
        *sms_per_phone.entry(m.to.as_str()).or_default() += 1;
    }
    double += sms_per_phone.values().filter(|n| **n > 1).count();
    let sqs = aws_sdk_sqs::Client::new(&rt.sdk);
    let dlq = sqs
        .get_queue_attributes()
        .queue_url(&rt.provisioned.dial_dlq_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await?
        .attributes
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
                .cloned()
        })
        .unwrap_or_default();

    println!(
        "all {campaigns} start events accepted in {:.1} s",
        started_all.as_secs_f64()
    );
    println!(
        "wall time {:.1} s · {} calls · {:.1} calls/s",
        wall.as_secs_f64(),
        calls.len(),
        calls.len() as f64 / wall.as_secs_f64()
    );
    println!(
        "final states: {assigned} ASSIGNED, {unfilled} UNFILLED_AFTER_CALLS, {open} still OPEN · confirmation SMS {}",
        sms.len()
    );
    println!("lost tasks {} (attempts without an outcome) · dead-lettered {dlq} · duplicate calls {duplicate_calls} · double assignments {double}", missing_outcomes);
    println!("where the time went (handler time per invocation; requests to the outside services, all invocations):");
    let b = rt.budget.lock().unwrap().clone();
    for (route, r) in &b.0 {
        println!(
            "  {route:<18} {:>6} invocations · {:>8.1} ms avg · requests {:?} · most in one {:?}",
            r.invocations,
            r.millis / f64::from(r.invocations.max(1)),
            r.requests,
            r.most
        );
    }
    local_runtime::figures::print_steps(&b, calls.len());
    println!("peak memory covers the whole process: local runtime with every function, the simulated Twilio and ElevenLabs");
    local_runtime::figures::Figures::of(&b, calls.len(), campaigns, sim.tts_characters()).print();
    rt.stop();
    if !finished {
        bail!("{open} shifts still open after 15 minutes");
    }
    if !(duplicate_calls == 0
        && double == 0
        && missing_outcomes == 0
        && dlq == "0"
        && assigned == sms.len())
    {
        bail!("the load run found a problem");
    }
    Ok(())
}
