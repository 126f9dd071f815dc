//! Structured JSON logs. Event names are the log message; phone numbers are masked by callers
//! with `callout_core::mask::phone`, and patient surnames never reach a log line.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

/// Levels when `RUST_LOG` is unset or unreadable: the SDK's own chatter only when it matters.
const DEFAULT_FILTER: &str = "info,aws_smithy_runtime=warn,aws_config=warn,hyper=warn";

/// `RUST_LOG` as `level` or `level,target=level,...` (no regular expressions: a function's
/// binary carries no regex engine for its log filter).
pub fn filter(rust_log: Option<&str>) -> Targets {
    rust_log
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| DEFAULT_FILTER.parse().expect("the default filter parses"))
}

/// JSON lines on stdout (CloudWatch in Lambda); `RUST_LOG` filters.
pub fn init() {
    init_with(std::io::stdout);
}

/// The same logs written elsewhere (tests capture them to check what a log line may contain).
pub fn init_with<W>(writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let json = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_writer(writer);
    let _ = tracing_subscriber::registry()
        .with(json.with_filter(filter(std::env::var("RUST_LOG").ok().as_deref())))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn rust_log_sets_levels_by_target_and_falls_back_to_the_default() {
        let f = filter(Some("warn,callout_app=debug"));
        assert!(f.would_enable("callout_app::service", &Level::DEBUG));
        assert!(!f.would_enable("aws_smithy_runtime", &Level::INFO));
        let d = filter(Some("=not a filter="));
        assert!(d.would_enable("callout_app", &Level::INFO));
        assert!(!d.would_enable("aws_smithy_runtime::client", &Level::INFO));
        assert!(filter(None).would_enable("dialer", &Level::INFO));
    }
}
