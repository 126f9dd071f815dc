//! The longest each function can run, from the configured numbers: the speech budget, the
//! Twilio budget per operation (every try and backoff included, `adapters::twilio`), the
//! Twilio operations each step makes at most, and an allowance for the AWS requests (the
//! table, the queue, S3, EventBridge), which the SDK bounds only by its connect timeout and
//! retries: the allowance is well above what they take under load (docs/PERFORMANCE.md).
//! `tests/reliability.rs` checks these against the Lambda timeouts in `template.yaml`.

use crate::adapters::twilio::{TASK_BUDGET, WEBHOOK_BUDGET};
use std::time::Duration;

/// The AWS requests of one dial-queue task (about 20 at most) and of one webhook (at most 6).
pub const DIALER_AWS_ALLOWANCE: Duration = Duration::from_secs(5);
pub const WEBHOOK_AWS_ALLOWANCE: Duration = Duration::from_secs(3);

/// The worst case of each kind of dial-queue task, with `speech` the ElevenLabs budget.
pub fn dialer_tasks(speech: Duration) -> Vec<(&'static str, Duration)> {
    let twilio = TASK_BUDGET;
    let aws = DIALER_AWS_ALLOWANCE;
    vec![
        // Speech, the call, and ending it when the shift was filled while it was placed.
        ("dial", speech + twilio + twilio + aws),
        // Moving on and placing the next call (as `dial`), its AWS requests in the allowance.
        ("callEnded", speech + twilio + twilio + aws),
        // Ask Twilio about the call; end it when giving up on it.
        ("checkCall", twilio + twilio + aws),
        // End the other live calls (at once), then the confirmation SMS.
        ("finishAcceptance", twilio + twilio + aws),
        ("wakeWaiters", aws),
    ]
}

/// The dialer's worst case per task.
pub fn dialer_worst_case(speech: Duration) -> Duration {
    dialer_tasks(speech)
        .into_iter()
        .map(|(_, d)| d)
        .max()
        .unwrap_or_default()
}

/// The worst case of each webhook function (by binary name): only call-status calls Twilio
/// (to redirect a call answered by a machine).
pub fn webhooks() -> Vec<(&'static str, Duration)> {
    let aws = WEBHOOK_AWS_ALLOWANCE;
    vec![
        ("call-twiml", aws),
        ("call-response", aws),
        ("call-status", WEBHOOK_BUDGET + aws),
        ("call-timeout", aws),
        ("call-audio", aws),
        ("job-acceptance", aws),
        ("provider-settings", aws),
    ]
}
