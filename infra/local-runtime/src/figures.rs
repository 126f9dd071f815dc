//! The cost figures `make load` and `make demo` print, from one run's counts: AWS requests per
//! placed call (with the table by step and operation), the dialer's milliseconds per task,
//! speech characters per job and the process's peak memory.

use crate::gateway::BudgetStats;
use std::collections::BTreeMap;

/// Routes that are not calling: a coordinator's reads (the demo polls the call log), left out
/// of requests per placed call (still listed by step).
const NOT_CALLING: [&str; 1] = ["provider-settings"];

/// Services that are not AWS (counted by their adapters alongside).
const NOT_AWS: [&str; 2] = ["twilio", "elevenlabs"];

/// The headline figures of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub aws_requests: u64,
    pub requests_per_call: f64,
    pub dialer_tasks: u32,
    pub dialer_ms_per_task: f64,
    pub speech_characters_per_job: f64,
    pub peak_memory_mb: f64,
}

impl Figures {
    /// From the run's counts, the calls placed, the jobs (shifts) and ElevenLabs' characters.
    pub fn of(budget: &BudgetStats, calls: usize, jobs: usize, tts_characters: u64) -> Figures {
        let aws_requests: u64 = budget
            .0
            .iter()
            .filter(|(route, _)| !is_task_kind(route) && !NOT_CALLING.contains(route))
            .flat_map(|(_, r)| r.requests.iter())
            .filter(|(service, _)| is_aws(service))
            .map(|(_, n)| n)
            .sum();
        let dialer = budget.0.get("dialer");
        let dialer_tasks = dialer.map_or(0, |d| d.invocations);
        Figures {
            aws_requests,
            requests_per_call: aws_requests as f64 / calls.max(1) as f64,
            dialer_tasks,
            dialer_ms_per_task: dialer.map_or(0.0, |d| d.millis / f64::from(d.invocations.max(1))),
            speech_characters_per_job: tts_characters as f64 / jobs.max(1) as f64,
            peak_memory_mb: peak_memory_mb(),
        }
    }

    /// The four figures, one line each.
    pub fn print(&self) {
        println!(
            "AWS requests per placed call: {:.1} ({} requests; the portal's and the API's left out)",
            self.requests_per_call, self.aws_requests
        );
        println!(
            "dialer milliseconds per task: {:.1} ({} tasks)",
            self.dialer_ms_per_task, self.dialer_tasks
        );
        println!(
            "speech characters per job: {:.1}",
            self.speech_characters_per_job
        );
        println!("peak memory of the process: {:.0} MB", self.peak_memory_mb);
    }
}

/// A dialer task kind's row (counted under the dialer too: not added twice).
fn is_task_kind(route: &str) -> bool {
    callout_app::records::Task::KINDS.contains(&route)
}

fn is_aws(service: &str) -> bool {
    !NOT_AWS.contains(&service) && !service.contains('.')
}

/// A step's requests, all together and by operation.
type StepRow<'a> = (u64, Vec<(&'a str, u64)>);

/// Print AWS requests per placed call by step (a dialer task kind, a webhook's route; `dialer`
/// alone is its loop between steps), each with its operations.
pub fn print_steps(budget: &BudgetStats, calls: usize) {
    let per_call = |n: u64| n as f64 / calls.max(1) as f64;
    let mut steps: BTreeMap<&str, StepRow> = BTreeMap::new();
    for ((step, op), n) in &budget.1 {
        let row = steps.entry(step).or_default();
        row.0 += n;
        row.1.push((op.as_str(), *n));
    }
    let mut rows: Vec<_> = steps.into_iter().collect();
    rows.sort_by_key(|(_, (total, _))| std::cmp::Reverse(*total));
    println!("AWS requests per placed call, by step:");
    for (step, (total, mut ops)) in rows {
        ops.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        let ops: Vec<String> = ops
            .iter()
            .map(|(op, n)| format!("{op} {:.2}", per_call(*n)))
            .collect();
        println!("  {step:<24} {:>6.2}  {}", per_call(total), ops.join(" · "));
    }
}

/// The process's peak resident memory (VmHWM), in MB.
pub fn peak_memory_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
