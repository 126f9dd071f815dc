//! The chaos soak (`make soak`, and a short run in `make test`): many campaigns over several
//! providers that share staff, every mode and channel at once, faults chosen at random from a
//! seed, the whole local runtime killed and restarted at random moments; then a checker reads the
//! whole recorded history (the simulated Twilio's calls and texts, the call logs, the events on
//! the bus, the dead-letter queue) and reports every broken invariant with its shift.
//!
//! The seed fixes every choice the driver makes (who is in which pool, who presses what, which
//! fault when); the threads' timing is the machine's, so a replay makes the same choices, not
//! necessarily the same interleaving.

use crate::World;
use callout_sim::{
    Behaviour, CallRecord, CallbackDelivery, Refusal, RestOp, SimConfig, TtsFailure,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime};

/// What to run.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    pub seed: u64,
    pub campaigns: usize,
    /// Whole-runtime kills (`kill -9`) and restarts, at random moments.
    pub restarts: usize,
    /// How long the campaigns, faults and restarts are spread over.
    pub drive_for: Duration,
    /// The longest the run may take, campaigns and settling included; past it the checker runs
    /// on what there is (shifts still open are reported). Generous: a loaded machine settles
    /// later, and the run ends as soon as everything has settled.
    pub time_limit: Duration,
}

const PROVIDERS: [&str; 3] = ["prov_soak_a", "prov_soak_b", "prov_soak_c"];
const STAFF: usize = 12;
/// Staff 0..SHARED work for every provider (same phone, another employee id each).
const SHARED: usize = 4;
/// A person whose texts Twilio refuses (opted out): confirmations to them are refused, recorded.
const OPTED_OUT: usize = 11;
/// The time scale of the soak's world (as the other end-to-end tests).
const SCALE: f64 = crate::TIME_SCALE;

fn phone(i: usize) -> String {
    format!("+6141000{:04}", i)
}

fn employee(provider: usize, i: usize) -> String {
    format!("emp_{}_{i}", ["a", "b", "c"][provider])
}

/// A suburb that names the campaign in every text about it (letters only, as the limits allow).
fn suburb(n: usize) -> String {
    let mut s = String::from("Soak");
    let mut k = n;
    loop {
        s.push((b'a' + (k % 26) as u8) as char);
        k /= 26;
        if k == 0 {
            break;
        }
    }
    s
}

/// The local AWS's faults: 3 % of DynamoDB requests throttled, 2 % of every request answered
/// 503, whatever the try.
struct AwsFaults {
    on: std::sync::atomic::AtomicBool,
    rng: std::sync::Mutex<StdRng>,
    throttled: std::sync::atomic::AtomicUsize,
    unavailable: std::sync::atomic::AtomicUsize,
}

impl AwsFaults {
    fn decide(&self, request: crate::AwsRequest) -> Option<crate::AwsFault> {
        use std::sync::atomic::Ordering::SeqCst;
        if !self.on.load(SeqCst) {
            return None;
        }
        let roll: f64 = self.rng.lock().unwrap_or_else(|e| e.into_inner()).gen();
        if request.is_dynamodb() && roll < 0.03 {
            self.throttled.fetch_add(1, SeqCst);
            Some(crate::AwsFault::DynamoDbThrottling)
        } else if roll > 0.98 {
            self.unavailable.fetch_add(1, SeqCst);
            Some(crate::AwsFault::Unavailable)
        } else {
            None
        }
    }
}

/// One campaign as the driver made it.
#[derive(Debug, Clone)]
struct Campaign {
    occ: String,
    provider: usize,
    /// (employee id, phone)
    pool: Vec<(String, String)>,
    suburb: String,
}

/// Something the driver did that can take a shift.
#[derive(Debug, Clone)]
enum Claim {
    /// The acceptance API (SMS system or coordinator) and what it answered.
    Api { employee: String, accepted: bool },
    /// A YES texted from the phone.
    TextYes { phone: String },
    /// A call-back from the phone pressing 1.
    CallBack { phone: String },
    /// A NO texted from the phone: never a claim, a decline of the offers it holds.
    TextNo,
}

/// Every fault the driver injected, by kind.
type Faults = BTreeMap<&'static str, usize>;

pub struct Report {
    pub config: SoakConfig,
    pub faults: Faults,
    pub restarts: usize,
    pub calls: usize,
    pub texts: usize,
    pub outcomes: BTreeMap<String, usize>,
    /// Invariant → how many times it was checked.
    pub checked: BTreeMap<&'static str, usize>,
    /// (invariant, shift, what breaks it)
    pub violations: Vec<(&'static str, String, String)>,
    /// Dead-lettered tasks whose work the safety nets did (their attempt or shift settled).
    pub explained_dead_letters: usize,
    pub elapsed: Duration,
}

impl Report {
    pub fn table(&self) -> String {
        let mut out = String::new();
        let c = &self.config;
        let _ = writeln!(
            out,
            "soak: seed {} · {} campaigns · {} restarts · {} calls · {} texts · {:.1} s",
            c.seed,
            c.campaigns,
            self.restarts,
            self.calls,
            self.texts,
            self.elapsed.as_secs_f64()
        );
        let _ = writeln!(out, "replay: SOAK_SEED={} make soak", c.seed);
        let _ = writeln!(out, "\n| fault injected | times |\n|---|---|");
        for (k, v) in &self.faults {
            let _ = writeln!(out, "| {k} | {v} |");
        }
        let _ = writeln!(out, "\n| shift status | shifts |\n|---|---|");
        for (k, v) in &self.outcomes {
            let _ = writeln!(out, "| {k} | {v} |");
        }
        let _ = writeln!(out, "\n| invariant | checked | violations |\n|---|---|---|");
        for (k, v) in &self.checked {
            let broken = self.violations.iter().filter(|(i, _, _)| i == k).count();
            let _ = writeln!(out, "| {k} | {v} | {broken} |");
        }
        for (inv, occ, what) in &self.violations {
            let _ = writeln!(out, "VIOLATION {inv} · {occ}: {what}");
        }
        let _ = writeln!(
            out,
            "dead letters explained (their attempt or shift settled without them): {}",
            self.explained_dead_letters
        );
        let _ = writeln!(out, "violations: {}", self.violations.len());
        out
    }
}

fn behaviour(rng: &mut StdRng) -> Behaviour {
    match rng.gen_range(0..100) {
        0..=19 => Behaviour::Accept,
        20..=39 => Behaviour::Decline,
        40..=49 => Behaviour::Silent,
        50..=59 => Behaviour::NoAnswer,
        60..=64 => Behaviour::Busy,
        65..=67 => Behaviour::Fail,
        68..=77 => Behaviour::Voicemail,
        78..=84 => Behaviour::WrongKeyThen('1'),
        85..=91 => Behaviour::PressDuringMessage('2'),
        _ => Behaviour::HoldUntilEnded,
    }
}

/// Quiet hours of the third provider: wall-clock minutes (the window is not scaled), read in UTC,
/// for every shift (urgent ones do not override them).
#[derive(Debug, Clone, Copy)]
struct Quiet {
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
}

impl Quiet {
    /// A window of `minutes` whole minutes beginning at the first whole minute `after` from now.
    fn after(after: Duration, minutes: i64) -> Quiet {
        use chrono::Timelike;
        let from = chrono::Utc::now() + chrono::Duration::from_std(after).unwrap_or_default();
        let start = from
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(from)
            + chrono::Duration::minutes(1);
        Quiet {
            start,
            end: start + chrono::Duration::minutes(minutes),
        }
    }

    fn contains(&self, t: SystemTime) -> bool {
        let t = chrono::DateTime::<chrono::Utc>::from(t);
        t >= self.start && t < self.end
    }
}

/// The providers' settings: every mode at once (sequential and broadcast, skip decliners,
/// follow-up texts and filled notices, recording, per-person pacing, quiet hours).
fn settings(provider: usize, rng: &mut StdRng, quiet: Quiet) -> Value {
    let mut s = json!({
        "enabled": true,
        "waitMinutes": rng.gen_range(1..=3),
        "maxRounds": rng.gen_range(1..=2),
        "skipDecliners": rng.gen_bool(0.5),
        "smsFollowUp": rng.gen_bool(0.5),
        "notifyWhenFilled": rng.gen_bool(0.5),
        "recordCalls": rng.gen_bool(0.3),
        "maxCallsPerPersonPerHour": rng.gen_range(3..=8),
    });
    if provider == 1 {
        s["callMode"] = json!("broadcast");
        s["broadcastSize"] = json!(rng.gen_range(2..=3));
    }
    if provider == 2 {
        s["timeZone"] = json!("UTC");
        s["quietHours"] = json!({
            "start": quiet.start.format("%H:%M").to_string(),
            "end": quiet.end.format("%H:%M").to_string(),
        });
        s["urgentOverridesQuietHours"] = json!(false);
    }
    s
}

/// Run the soak: set the world up, drive campaigns and faults, settle, check.
pub async fn run(config: SoakConfig) -> Report {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(config.seed);
    // The local AWS fails or throttles a share of requests while the campaigns run (from the
    // seed too): the SDK's retries absorb most; the rest fail a step, retried as in AWS.
    let aws_faults = std::sync::Arc::new(AwsFaults {
        on: std::sync::atomic::AtomicBool::new(true),
        rng: std::sync::Mutex::new(StdRng::seed_from_u64(config.seed ^ 0xa5)),
        throttled: Default::default(),
        unavailable: Default::default(),
    });
    let rule = aws_faults.clone();
    let proxy = crate::aws_proxy(crate::aws_endpoint(), move |request| rule.decide(request)).await;
    let mut w = World::build(SimConfig::default(), |o| {
        o.aws_endpoint = proxy;
        // A task cut off by a kill comes back soon.
        o.visibility_timeout_secs = Some(2);
        o.max_concurrent_calls = 8;
    })
    .await;
    let mut faults = Faults::new();
    let mut limits = BTreeMap::new();
    // Early in the run: a minute for a short run, a tenth of a long one.
    let quiet = Quiet::after(
        config.drive_for / 10,
        (config.drive_for.as_secs() as i64 / 600).max(1),
    );
    for (p, provider) in PROVIDERS.iter().enumerate() {
        let s = settings(p, &mut rng, quiet);
        limits.insert(
            p,
            s["maxCallsPerPersonPerHour"].as_u64().unwrap_or(7) as usize,
        );
        let (status, body) = w.patch_settings(provider, s).await;
        assert_eq!(status, 200, "soak settings for {provider}: {body}");
    }
    for i in 0..STAFF {
        w.sim.set_phone(&phone(i), behaviour(&mut rng));
    }
    w.sim.refuse_sms_to(&phone(OPTED_OUT), Refusal::OPTED_OUT);

    // The plan: campaign starts, claims, faults and restarts, each at a moment of the run.
    let drive_for = config.drive_for;
    let mut campaigns = Vec::new();
    for n in 0..config.campaigns {
        let provider = rng.gen_range(0..PROVIDERS.len());
        let mut members: Vec<usize> = (0..STAFF).collect();
        // Each provider employs the shared staff and two thirds of the rest.
        members.retain(|&i| i < SHARED || (i + provider) % 3 != 0);
        let size = rng.gen_range(2..=4).min(members.len());
        let mut pool = Vec::new();
        while pool.len() < size {
            let i = members.remove(rng.gen_range(0..members.len()));
            pool.push((employee(provider, i), phone(i)));
        }
        campaigns.push(Campaign {
            occ: format!("occ_soak_{}_{n}", config.seed),
            provider,
            pool,
            suburb: suburb(n),
        });
    }
    #[derive(Debug)]
    enum Step {
        Start(usize),
        Api(usize, usize),
        TextYes(usize, usize),
        TextNo(usize, usize),
        CallBack(usize, usize),
        Fault,
        Rebehave(usize),
        Restart,
    }
    let mut plan: Vec<(Duration, Step)> = Vec::new();
    let at = |rng: &mut StdRng, upto: Duration| upto.mul_f64(rng.gen_range(0.0..1.0));
    for (n, c) in campaigns.iter().enumerate() {
        let start = at(&mut rng, drive_for);
        plan.push((start, Step::Start(n)));
        let later = |rng: &mut StdRng| start + Duration::from_millis(rng.gen_range(50..3_000));
        if rng.gen_bool(0.15) {
            plan.push((
                later(&mut rng),
                Step::Api(n, rng.gen_range(0..c.pool.len())),
            ));
        }
        if rng.gen_bool(0.15) {
            plan.push((
                later(&mut rng),
                Step::TextYes(n, rng.gen_range(0..c.pool.len())),
            ));
        }
        if rng.gen_bool(0.1) {
            plan.push((
                later(&mut rng),
                Step::CallBack(n, rng.gen_range(0..c.pool.len())),
            ));
        }
        if rng.gen_bool(0.1) {
            plan.push((
                later(&mut rng),
                Step::TextNo(n, rng.gen_range(0..c.pool.len())),
            ));
        }
    }
    let fault_count = (drive_for.as_millis() / 250) as usize;
    for _ in 0..fault_count {
        plan.push((at(&mut rng, drive_for), Step::Fault));
    }
    for _ in 0..(drive_for.as_millis() / 400) {
        plan.push((
            at(&mut rng, drive_for),
            Step::Rebehave(rng.gen_range(0..STAFF)),
        ));
    }
    for _ in 0..config.restarts {
        // Not in the first second: the world must have begun.
        let t = Duration::from_secs(1) + at(&mut rng, drive_for);
        plan.push((t, Step::Restart));
    }
    plan.sort_by_key(|(t, _)| *t);

    let mut claims: HashMap<String, Vec<Claim>> = HashMap::new();
    let mut background = Vec::new();
    let mut restarts = 0;
    let mut outage_until: Option<Instant> = None;
    let begun = Instant::now();
    for (t, step) in plan {
        if let Some(wait) = t.checked_sub(begun.elapsed()) {
            tokio::time::sleep(wait).await;
        }
        if outage_until.is_some_and(|u| Instant::now() >= u) {
            w.sim.refuse_account(None);
            outage_until = None;
        }
        match step {
            Step::Start(n) => {
                let c = &campaigns[n];
                let mut event = World::wave3_event(&c.occ, &[]);
                event["detail"]["providerId"] = json!(PROVIDERS[c.provider]);
                event["detail"]["job"]["suburb"] = json!(c.suburb);
                event["detail"]["staffPool"] = c
                    .pool
                    .iter()
                    .enumerate()
                    .map(|(i, (e, p))| {
                        let mut entry = json!({"employeeId": e, "firstName": format!("Carer{}", (b'A' + i as u8) as char), "phone": p});
                        // The first provider ranks its pool: priorities decide the order.
                        if c.provider == 0 {
                            entry["priority"] = json!(1 + (n + i) % 3);
                        }
                        entry
                    })
                    .collect();
                // EventBridge retries a target that fails (the local AWS fails a share of
                // requests here): so does the soak, a few times, as an async invoke would.
                let mut answer = Value::Null;
                for _ in 0..4 {
                    let (status, a) = w.try_post_event(&event).await;
                    answer = a;
                    if status == 200 {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                if answer["result"]["status"] != "scheduled" {
                    claims.entry(c.occ.clone()).or_default();
                    tracing::warn!(occ = %c.occ, %answer, "soak_start_not_scheduled");
                }
            }
            Step::Api(n, i) => {
                let c = &campaigns[n];
                let (employee, _) = &c.pool[i];
                let r = w
                    .http
                    .post(format!("{}/api/jobs/{}/acceptance", w.rt.base_url, c.occ))
                    .json(&json!({"employeeId": employee, "channel": "sms"}))
                    .send()
                    .await;
                let accepted = match r {
                    Ok(r) => r
                        .json::<Value>()
                        .await
                        .map(|v| v["accepted"] == true)
                        .unwrap_or(false),
                    Err(_) => false,
                };
                claims.entry(c.occ.clone()).or_default().push(Claim::Api {
                    employee: employee.clone(),
                    accepted,
                });
            }
            Step::TextYes(n, i) => {
                let c = campaigns[n].clone();
                let sim = w.sim.clone();
                background.push(tokio::spawn(async move {
                    let phone = c.pool[i].1.clone();
                    sim.text_in(&phone, "YES").await;
                    (c.occ, Claim::TextYes { phone })
                }));
            }
            Step::TextNo(n, i) => {
                let c = campaigns[n].clone();
                let sim = w.sim.clone();
                background.push(tokio::spawn(async move {
                    sim.text_in(&c.pool[i].1, "NO").await;
                    (c.occ, Claim::TextNo)
                }));
            }
            Step::CallBack(n, i) => {
                let c = campaigns[n].clone();
                let sim = w.sim.clone();
                background.push(tokio::spawn(async move {
                    let phone = c.pool[i].1.clone();
                    sim.call_in(&phone, "1").await;
                    (c.occ, Claim::CallBack { phone })
                }));
            }
            Step::Rebehave(i) => w.sim.set_phone(&phone(i), behaviour(&mut rng)),
            Step::Restart => {
                w.restart().await;
                restarts += 1;
            }
            Step::Fault => {
                // A credential outage is the rarest.
                let kind = match rng.gen_range(0..30) {
                    0..=2 => {
                        w.sim.fail_next_rest(RestOp::CreateCall, 503, 1);
                        "twilio create-call 503"
                    }
                    3..=5 => {
                        w.sim.refuse_next_rest(
                            RestOp::CreateCall,
                            Refusal {
                                status: 429,
                                code: 20429,
                            },
                            1,
                        );
                        "twilio create-call 429/20429"
                    }
                    6..=8 => {
                        w.sim.fail_next_rest(RestOp::Message, 500, 1);
                        "twilio text 500"
                    }
                    9 if outage_until.is_none() => {
                        w.sim.refuse_account(Some(Refusal::BAD_CREDENTIALS));
                        outage_until = Some(Instant::now() + Duration::from_millis(800));
                        "twilio credential outage (800 ms)"
                    }
                    10..=12 => {
                        w.sim
                            .set_callback_delivery(CallbackDelivery::DuplicatedAndReordered);
                        "status callbacks duplicated and reordered (from now)"
                    }
                    13..=15 => {
                        w.sim.set_callback_delivery(CallbackDelivery::DropFinal);
                        "final status callbacks dropped (from now)"
                    }
                    16..=19 => {
                        w.sim.set_callback_delivery(CallbackDelivery::Normal);
                        "status callbacks normal again"
                    }
                    20..=22 => {
                        let f = match rng.gen_range(0..3) {
                            0 => TtsFailure::ServerError,
                            1 => TtsFailure::RateLimited,
                            _ => TtsFailure::Slow(Duration::from_millis(400)),
                        };
                        w.sim.set_tts_failure(Some(f));
                        "elevenlabs failing or slow (from now)"
                    }
                    23..=25 => {
                        w.sim.set_tts_failure(None);
                        "elevenlabs well again"
                    }
                    26 | 27 => {
                        // Past the client's budget (5 s): the dialer cannot tell whether the
                        // call exists; its callbacks or the check (which asks Twilio) decide.
                        w.sim
                            .answer_next_create_call_late(Duration::from_secs(6), 1);
                        "twilio create-call answered too late (call placed)"
                    }
                    _ => {
                        w.sim.set_callback_delivery(CallbackDelivery::LateFinal(
                            Duration::from_millis(1_500),
                        ));
                        "final status callbacks 1.5 s late (from now)"
                    }
                };
                *faults.entry(kind).or_default() += 1;
            }
        }
    }
    if outage_until.is_some() {
        w.sim.refuse_account(None);
    }
    aws_faults
        .on
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let load = |n: &std::sync::atomic::AtomicUsize| n.load(std::sync::atomic::Ordering::SeqCst);
    *faults.entry("local AWS: DynamoDB throttled").or_default() += load(&aws_faults.throttled);
    *faults.entry("local AWS: request answered 503").or_default() += load(&aws_faults.unavailable);
    w.sim.set_callback_delivery(CallbackDelivery::Normal);
    w.sim.set_tts_failure(None);
    *faults.entry("runtime killed and restarted").or_default() += restarts;
    for task in background {
        if let Ok((occ, claim)) = task.await {
            claims.entry(occ).or_default().push(claim);
        }
    }

    // Settle: every shift terminal and no call live, or the time limit.
    let mut logs: BTreeMap<String, Value> = BTreeMap::new();
    loop {
        let mut open = 0;
        for c in &campaigns {
            if logs.get(&c.occ).is_some_and(terminal) {
                continue;
            }
            let log = call_log(&w, c).await;
            if !terminal(&log) && !stalled(&log) {
                open += 1;
            }
            logs.insert(c.occ.clone(), log);
        }
        if (open == 0 && w.sim.live_calls() == 0) || started.elapsed() > config.time_limit {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Late effects (a hand-off's texts, events) have a moment to land; then read everything.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for c in &campaigns {
        logs.insert(c.occ.clone(), call_log(&w, c).await);
    }
    let history = History {
        calls: w.sim.calls(),
        texts: w.sim.messages(),
        events: drain(&w, &w.rt.provisioned.events_tap_url).await,
        dead_letters: drain(&w, &w.rt.provisioned.dial_dlq_url).await,
        logs,
        claims,
        limits,
        quiet,
    };
    let mut report = Report {
        config: config.clone(),
        faults,
        restarts,
        calls: history.calls.len(),
        texts: history.texts.len(),
        outcomes: BTreeMap::new(),
        checked: BTreeMap::new(),
        violations: Vec::new(),
        explained_dead_letters: 0,
        elapsed: Duration::ZERO,
    };
    check(&history, &campaigns, &mut report);
    report.elapsed = started.elapsed();
    report
}

/// An open shift whose campaign stopped on a dead-lettered task, with the reason in its call log.
fn stalled(log: &Value) -> bool {
    log["status"] == "OPEN" && !log["stalled"].is_null()
}

fn terminal(log: &Value) -> bool {
    let over = log["calls"]
        .as_array()
        .is_some_and(|c| c.iter().all(|c| !c["outcome"].is_null()));
    let confirmed = log["status"] != "ASSIGNED" || !log["confirmationSms"].is_null();
    log["status"] != "OPEN" && log["status"] != Value::Null && over && confirmed
}

async fn call_log(w: &World, c: &Campaign) -> Value {
    let r = w
        .http
        .get(format!(
            "{}/api/provider/jobs/{}/calls",
            w.rt.base_url, c.occ
        ))
        .bearer_auth(w.rt.token(PROVIDERS[c.provider]))
        .send()
        .await;
    match r {
        Ok(r) if r.status().is_success() => r.json().await.unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// Every message on a queue (left on it: read within its visibility timeout, once).
async fn drain(w: &World, queue_url: &str) -> Vec<Value> {
    let sqs = aws_sdk_sqs::Client::new(&w.rt.sdk);
    let mut out = Vec::new();
    let mut empty = 0;
    while empty < 2 {
        let got = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(60)
            .wait_time_seconds(1)
            .send()
            .await
            .map(|o| o.messages.unwrap_or_default())
            .unwrap_or_default();
        if got.is_empty() {
            empty += 1;
        }
        for m in got {
            out.push(
                serde_json::from_str(m.body.as_deref().unwrap_or("null"))
                    .unwrap_or_else(|_| json!(m.body)),
            );
        }
    }
    out
}

struct History {
    calls: Vec<CallRecord>,
    texts: Vec<callout_sim::MessageRecord>,
    events: Vec<Value>,
    dead_letters: Vec<Value>,
    logs: BTreeMap<String, Value>,
    claims: HashMap<String, Vec<Claim>>,
    /// Each provider's `maxCallsPerPersonPerHour`.
    limits: BTreeMap<usize, usize>,
    /// The third provider's quiet hours.
    quiet: Quiet,
}

/// The query parameter `name` of a URL.
fn query(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The shift an outbound call was placed for (its `Url`'s `occurrenceId`).
fn call_shift(c: &CallRecord) -> Option<String> {
    let url = c.request.iter().find(|(k, _)| k == "Url")?.1.as_str();
    query(url, "occurrenceId")
}

fn at(s: &Value) -> Option<SystemTime> {
    let t = chrono::DateTime::parse_from_rfc3339(s.as_str()?).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_millis(t.timestamp_millis().max(0) as u64))
}

fn secs(a: SystemTime, b: SystemTime) -> f64 {
    match a.duration_since(b) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

fn check(h: &History, campaigns: &[Campaign], r: &mut Report) {
    let mut checked: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut bad = |inv: &'static str, occ: &str, what: String| {
        r.violations.push((inv, occ.to_string(), what));
    };
    let mut tick = |inv: &'static str| *checked.entry(inv).or_default() += 1;
    let calls_by_shift: BTreeMap<String, Vec<&CallRecord>> =
        h.calls.iter().fold(BTreeMap::new(), |mut m, c| {
            if let Some(occ) = call_shift(c) {
                m.entry(occ).or_default().push(c);
            }
            m
        });
    // A YES or a call-back reaches whichever offers the phone holds, not one chosen shift.
    let texted: BTreeSet<&str> = h
        .claims
        .values()
        .flatten()
        .filter_map(|k| match k {
            Claim::TextYes { phone } => Some(phone.as_str()),
            _ => None,
        })
        .collect();
    let called_back: BTreeSet<&str> = h
        .claims
        .values()
        .flatten()
        .filter_map(|k| match k {
            Claim::CallBack { phone } => Some(phone.as_str()),
            _ => None,
        })
        .collect();
    let events_of = |occ: &str, kind: &str| {
        h.events
            .iter()
            .filter(|e| e["detail-type"] == kind && e["detail"]["occurrenceId"] == occ)
            .count()
    };
    for c in campaigns {
        let log = h.logs.get(&c.occ).cloned().unwrap_or(Value::Null);
        let status = log["status"].as_str().unwrap_or("(no shift)").to_string();
        *r.outcomes.entry(status.clone()).or_default() += 1;
        let calls = calls_by_shift.get(&c.occ).cloned().unwrap_or_default();
        let attempts = log["calls"].as_array().cloned().unwrap_or_default();
        let phone_of = |e: &str| c.pool.iter().find(|(id, _)| id == e).map(|(_, p)| p);
        let suburb_texts = |p: &str| {
            h.texts
                .iter()
                .filter(|t| {
                    t.to == p
                        && t.body.starts_with("Confirmed:")
                        && t.body.contains(&format!(" in {} is yours", c.suburb))
                })
                .count()
        };

        tick("every shift terminal or held with a reason");
        if !matches!(status.as_str(), "ASSIGNED" | "UNFILLED_AFTER_CALLS") && !stalled(&log) {
            bad(
                "every shift terminal or held with a reason",
                &c.occ,
                format!("status {status}, waiting {}", log["waiting"]),
            );
        }

        let winner = log["acceptedBy"]["employeeId"].as_str().map(str::to_string);
        let claims = h.claims.get(&c.occ).cloned().unwrap_or_default();
        tick("the winner is the one whose yes was accepted");
        let api_yes: BTreeSet<&str> = claims
            .iter()
            .filter_map(|k| match k {
                Claim::Api {
                    employee,
                    accepted: true,
                } => Some(employee.as_str()),
                _ => None,
            })
            .collect();
        if api_yes.len() > 1 || (status == "ASSIGNED") != winner.is_some() {
            bad(
                "the winner is the one whose yes was accepted",
                &c.occ,
                format!("status {status}, acceptedBy {winner:?}, API yeses {api_yes:?}"),
            );
        }
        if let Some(w) = &winner {
            let wp = phone_of(w).cloned().unwrap_or_default();
            let by_api = api_yes.contains(w.as_str());
            let by_text = texted.contains(wp.as_str());
            let by_callback = called_back.contains(wp.as_str());
            let by_key = calls.iter().any(|k| k.to == wp && k.keys().contains('1'));
            let evidence = match log["acceptedBy"]["channel"].as_str() {
                Some("phone") => by_key,
                Some("callback") => by_callback,
                _ => by_api || by_text,
            };
            if !evidence || (!api_yes.is_empty() && !by_api) {
                bad(
                    "the winner is the one whose yes was accepted",
                    &c.occ,
                    format!(
                        "winner {w} by {}: api {by_api}, text {by_text}, call-back {by_callback}, key {by_key}; API yeses {api_yes:?}",
                        log["acceptedBy"]["channel"]
                    ),
                );
            }

            tick("one confirmation to the winner, none to anyone else");
            let to_winner = suburb_texts(&wp);
            let expected = usize::from(wp != phone(OPTED_OUT));
            if to_winner != expected {
                bad(
                    "one confirmation to the winner, none to anyone else",
                    &c.occ,
                    format!("{to_winner} confirmations to the winner (expected {expected})"),
                );
            }
            for (e, p) in &c.pool {
                if p != &wp && suburb_texts(p) > 0 {
                    bad(
                        "one confirmation to the winner, none to anyone else",
                        &c.occ,
                        format!("a confirmation to {e}"),
                    );
                }
            }

            tick("no call placed after the acceptance; live calls ended soon after");
            if let Some(won) = at(&log["acceptedBy"]["at"]) {
                for k in &calls {
                    if secs(k.created, won) > 3.0 {
                        bad(
                            "no call placed after the acceptance; live calls ended soon after",
                            &c.occ,
                            format!(
                                "call {} placed {:.1} s after the acceptance",
                                k.sid,
                                secs(k.created, won)
                            ),
                        );
                    }
                    // A call live at the acceptance ends within seconds (HoldUntilEnded waits up
                    // to 20 s for the REST API to end it).
                    if let Some(end) = k.ended_at {
                        if secs(k.created, won) < 0.0 && secs(end, won) > 15.0 {
                            bad(
                                "no call placed after the acceptance; live calls ended soon after",
                                &c.occ,
                                format!(
                                    "call {} ended {:.1} s after the acceptance",
                                    k.sid,
                                    secs(end, won)
                                ),
                            );
                        }
                    }
                }
            }
        } else {
            tick("one confirmation to the winner, none to anyone else");
            for (e, p) in &c.pool {
                if suburb_texts(p) > 0 {
                    bad(
                        "one confirmation to the winner, none to anyone else",
                        &c.occ,
                        format!("a confirmation to {e} on a shift nobody won"),
                    );
                }
            }
        }

        if c.provider == 2 {
            tick("nobody called in quiet hours (no shift overrides them)");
            // A call let start just before the window may ring a few seconds into it (speech,
            // Twilio's retries): the window is checked from 10 s after its start.
            let window = Quiet {
                start: h.quiet.start + chrono::Duration::seconds(10),
                end: h.quiet.end,
            };
            for k in calls.iter().filter(|k| window.contains(k.created)) {
                bad(
                    "nobody called in quiet hours (no shift overrides them)",
                    &c.occ,
                    format!(
                        "call {} placed at {} inside {}–{}",
                        k.sid,
                        chrono::DateTime::<chrono::Utc>::from(k.created).format("%H:%M:%S"),
                        h.quiet.start.format("%H:%M"),
                        h.quiet.end.format("%H:%M")
                    ),
                );
            }
        }

        tick("nobody has two live calls for one shift");
        for (i, a) in calls.iter().enumerate() {
            for b in &calls[i + 1..] {
                if a.to != b.to {
                    continue;
                }
                let (first, second) = if a.created <= b.created {
                    (a, b)
                } else {
                    (b, a)
                };
                let overlap = first.ended_at.is_none_or(|e| e > second.created);
                if overlap {
                    bad(
                        "nobody has two live calls for one shift",
                        &c.occ,
                        format!(
                            "calls {} and {} to one person overlap",
                            first.sid, second.sid
                        ),
                    );
                }
            }
        }

        tick("every call has its attempt and every attempt its call");
        let sids: BTreeSet<&str> = attempts
            .iter()
            .filter_map(|a| a["callSid"].as_str())
            .collect();
        for k in &calls {
            if !sids.contains(k.sid.as_str()) {
                bad(
                    "every call has its attempt and every attempt its call",
                    &c.occ,
                    format!("Twilio call {} has no attempt", k.sid),
                );
            }
        }
        for sid in &sids {
            if !calls.iter().any(|k| k.sid == *sid) {
                bad(
                    "every call has its attempt and every attempt its call",
                    &c.occ,
                    format!("attempt with {sid} has no call at Twilio"),
                );
            }
        }

        tick("ShiftFilled / ShiftUnfilledAfterCalls exactly once");
        let (filled, unfilled) = (
            events_of(&c.occ, "ShiftFilled"),
            events_of(&c.occ, "ShiftUnfilledAfterCalls"),
        );
        // An unfilled shift can still be taken (a late call-back, a coordinator): then both
        // events, the unfilled one first, each once.
        let right = match status.as_str() {
            "ASSIGNED" => filled == 1 && unfilled <= 1,
            "UNFILLED_AFTER_CALLS" => (filled, unfilled) == (0, 1),
            _ => filled == 0 && unfilled == 0,
        };
        if !right {
            bad(
                "ShiftFilled / ShiftUnfilledAfterCalls exactly once",
                &c.occ,
                format!(
                    "status {status}: {filled} ShiftFilled, {unfilled} ShiftUnfilledAfterCalls"
                ),
            );
        }
    }

    // Per person across every shift and provider: never two calls within the (scaled) minute,
    // never more calls in the (scaled) hour than the limit of the shift's provider. The rule is
    // kept at the moment the dialer lets a call start, which the attempt keeps (`pacedAt`, the
    // time of the person's conditional pacing write), so the check is exact (1 % for float
    // rounding); the call itself rings a run's few requests later (a call slot, speech, Twilio),
    // noise beside a real minute but not beside a scaled one.
    let gap = 60.0 / SCALE;
    let hour = 3600.0 / SCALE;
    let mut by_phone: BTreeMap<String, Vec<(SystemTime, usize, String)>> = BTreeMap::new();
    for c in campaigns {
        let Some(calls) = h.logs.get(&c.occ).and_then(|l| l["calls"].as_array()) else {
            continue;
        };
        for a in calls.iter().filter(|a| a["callSid"].is_string()) {
            let phone = c
                .pool
                .iter()
                .find(|(e, _)| a["employeeId"] == e.as_str())
                .map(|(_, p)| p.clone());
            if let (Some(p), Some(t)) = (phone, at(&a["pacedAt"])) {
                let what = format!("{}#{}", c.occ, a["attempt"]);
                by_phone.entry(p).or_default().push((t, c.provider, what));
            }
        }
    }
    for (p, mut calls) in by_phone {
        tick("nobody called twice within a minute");
        tick("nobody over the per-person limit");
        calls.sort();
        for (i, (t, provider, what)) in calls.iter().enumerate() {
            if i > 0 && secs(*t, calls[i - 1].0) < gap * 0.99 {
                bad(
                    "nobody called twice within a minute",
                    &p,
                    format!(
                        "{} and {what} let start {:.3} s apart (a minute is {gap:.3} s here)",
                        calls[i - 1].2,
                        secs(*t, calls[i - 1].0)
                    ),
                );
            }
            let limit = h.limits.get(provider).copied().unwrap_or(7);
            let within = calls[..=i]
                .iter()
                .filter(|(u, _, _)| secs(*t, *u) < hour)
                .count();
            if within > limit {
                bad(
                    "nobody over the per-person limit",
                    &p,
                    format!("{within} calls within an hour ({hour:.1} s here) up to {what}, limit {limit}"),
                );
            }
        }
    }

    // A dead-lettered task is explained when what it was for was settled without it (its
    // attempt has an outcome, or the shift is over: the safety nets did its work), or when its
    // shift says calling stopped on it (the call log's `stalled`, for a coordinator).
    tick("dead-letter queue empty or each entry explained");
    for d in &h.dead_letters {
        let occ = d["occurrenceId"].as_str().unwrap_or("-");
        let log = h.logs.get(occ).cloned().unwrap_or(Value::Null);
        let settled = terminal(&log)
            || stalled(&log)
            || log["calls"].as_array().is_some_and(|calls| {
                calls
                    .iter()
                    .any(|c| c["attempt"] == d["attempt"] && !c["outcome"].is_null())
            });
        if settled {
            r.explained_dead_letters += 1;
        } else {
            bad(
                "dead-letter queue empty or each entry explained",
                occ,
                format!("{d} (shift {})", log["status"]),
            );
        }
    }
    r.checked = checked;
}
