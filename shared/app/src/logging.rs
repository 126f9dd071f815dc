//! Structured JSON logs. Event names are the log message; phone numbers are masked by callers
//! with `callout_core::mask::phone`, and patient surnames never reach a log line.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// JSON lines on stdout (CloudWatch in Lambda); `RUST_LOG` filters.
pub fn init() {
    init_with(std::io::stdout);
}

/// The same logs written elsewhere (tests capture them to check what a log line may contain).
pub fn init_with<W>(writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| {
        EnvFilter::new("info,aws_smithy_runtime=warn,aws_config=warn,hyper=warn")
    });
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_writer(writer)
        .try_init();
}
