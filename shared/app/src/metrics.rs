//! CloudWatch metrics as Embedded Metric Format lines: one JSON object per line on stdout,
//! which CloudWatch Logs turns into metrics without an API call on the hot path.

use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex};

pub const NAMESPACE: &str = "ShiftCallout";

/// Where metric lines go: stdout in Lambda, memory in local runs and tests.
#[derive(Clone)]
pub enum Metrics {
    Stdout,
    Memory(Arc<Mutex<Vec<Value>>>),
}

/// One EMF line: `values` are (metric name, count) under the `Function` dimension.
pub fn emf_line(function: &str, values: &[(&str, f64)], timestamp_ms: i64) -> Value {
    let mut line = Map::new();
    line.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Function"]],
                "Metrics": values.iter().map(|(name, _)| json!({"Name": name, "Unit": "Count"})).collect::<Vec<_>>(),
            }],
        }),
    );
    line.insert("Function".into(), json!(function));
    for (name, v) in values {
        line.insert((*name).into(), json!(v));
    }
    Value::Object(line)
}

impl Metrics {
    pub fn memory() -> Metrics {
        Metrics::Memory(Arc::default())
    }

    pub fn put(&self, function: &str, values: &[(&str, f64)]) {
        let line = emf_line(function, values, chrono::Utc::now().timestamp_millis());
        match self {
            Metrics::Stdout => println!("{line}"),
            Metrics::Memory(lines) => lines.lock().unwrap_or_else(|e| e.into_inner()).push(line),
        }
    }

    /// The sum of one metric over every line so far (memory only).
    pub fn total(&self, name: &str) -> f64 {
        match self {
            Metrics::Stdout => 0.0,
            Metrics::Memory(lines) => lines
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .filter_map(|l| l[name].as_f64())
                .sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_emf_line_declares_its_metrics() {
        let l = super::emf_line(
            "dialer",
            &[("TtsCharacters", 148.0), ("TtsCacheHits", 0.0)],
            1,
        );
        assert_eq!(
            l["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "ShiftCallout"
        );
        assert_eq!(
            l["_aws"]["CloudWatchMetrics"][0]["Metrics"][1]["Name"],
            "TtsCacheHits"
        );
        assert_eq!(l["TtsCharacters"], 148.0);
        assert_eq!(l["Function"], "dialer");
    }
}
