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
    emf_line_with(&[("Function", function)], values, timestamp_ms)
}

/// One EMF line with the dimensions `dimensions` (name, value), all in one dimension set (none
/// at all: the metric is the product's, whichever function records it).
pub fn emf_line_with(
    dimensions: &[(&str, &str)],
    values: &[(&str, f64)],
    timestamp_ms: i64,
) -> Value {
    let mut line = Map::new();
    line.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [dimensions.iter().map(|(name, _)| *name).collect::<Vec<_>>()],
                "Metrics": values.iter().map(|(name, _)| json!({"Name": name, "Unit": "Count"})).collect::<Vec<_>>(),
            }],
        }),
    );
    for (name, value) in dimensions {
        line.insert((*name).into(), json!(value));
    }
    for (name, v) in values {
        line.insert((*name).into(), json!(v));
    }
    Value::Object(line)
}

/// The product's figures (the coordinators' guide: call success rate, average round of
/// acceptance, unfilled rate, calls by outcome), as the dashboard in `template.yaml` reads them.
pub mod figures {
    /// One per call given its outcome, with the dimension `Outcome` (`Accepted`, `Declined`, ...).
    pub const CALLS: &str = "Calls";
    /// One per shift filled by a key press on a call.
    pub const SHIFTS_FILLED_BY_CALL: &str = "ShiftsFilledByCall";
    /// One per shift filled another way (an SMS reply, a coordinator) after calls began.
    pub const SHIFTS_FILLED_OTHERWISE: &str = "ShiftsFilledOtherwise";
    /// One per shift that ended `UNFILLED_AFTER_CALLS`.
    pub const SHIFTS_UNFILLED: &str = "ShiftsUnfilled";
    /// The round of the call that filled a shift (its average is the figure).
    pub const ACCEPTED_ROUND: &str = "AcceptedRound";
}

impl Metrics {
    pub fn memory() -> Metrics {
        Metrics::Memory(Arc::default())
    }

    pub fn put(&self, function: &str, values: &[(&str, f64)]) {
        self.put_with(&[("Function", function)], values);
    }

    /// Values under the given dimensions (none: one metric for the whole product).
    pub fn put_with(&self, dimensions: &[(&str, &str)], values: &[(&str, f64)]) {
        let line = emf_line_with(dimensions, values, chrono::Utc::now().timestamp_millis());
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

    /// The sum of one metric over the lines whose dimension `dimension` is `value` (memory only).
    pub fn total_where(&self, name: &str, dimension: &str, value: &str) -> f64 {
        match self {
            Metrics::Stdout => 0.0,
            Metrics::Memory(lines) => lines
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .filter(|l| l[dimension] == value)
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

    #[test]
    fn product_figures_have_their_own_dimensions() {
        let l = super::emf_line_with(&[("Outcome", "Declined")], &[("Calls", 1.0)], 1);
        assert_eq!(
            l["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([["Outcome"]])
        );
        assert_eq!(l["Outcome"], "Declined");
        let l = super::emf_line_with(&[], &[("ShiftsUnfilled", 1.0)], 1);
        assert_eq!(
            l["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([[]])
        );
    }
}
