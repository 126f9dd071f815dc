//! Structured JSON logs. Event names are the log message; phone numbers are masked by callers
//! with `callout_core::mask::phone`, and patient surnames never reach a log line.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| {
        EnvFilter::new("info,aws_smithy_runtime=warn,aws_config=warn,hyper=warn")
    });
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .try_init();
}
