//! Results and the call log's CSV (issue 16, point 6), served by `provider-settings`:
//!
//! | route | auth | what |
//! |---|---|---|
//! | `GET /api/provider/outbound-calling/stats` | JWT | gains `results`: time to fill, answered by, per-person answer rates, costs (`callout_core::results`) |
//! | `GET /api/provider/calls.csv?days=N` | JWT | the provider's calls of the last N days (1 to the call log's retention, default 30) as CSV (`callout_core::calllog_csv`) |
//!
//! Only the caller's provider's calls: the index is read under the token's provider, and a
//! shift read by id is used only when it is that provider's.

use crate::adapters::store::queries::MAX_ITEMS;
use crate::app::App;
use crate::handlers::router::{bad_query, query, Params};
use crate::http::{self, HttpResult};
use crate::records::{Attempt, Shift};
use callout_core::calllog_csv::{self, Row};
use callout_core::results::{self, CallCostFact, ShiftFact};
use callout_core::settings::CostRates;
use callout_core::template::Values;
use chrono::{Duration, Utc};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use std::collections::HashMap;

/// The provider's shifts by id for `attempts`: `known` first, then each missing one read by id
/// (kept only when it is `provider`'s).
pub async fn shifts_of(
    app: &App,
    provider: &str,
    attempts: &[Attempt],
    known: Vec<Shift>,
) -> anyhow::Result<HashMap<String, Shift>> {
    let mut shifts: HashMap<String, Shift> = known
        .into_iter()
        .filter(|s| s.event.provider_id == provider)
        .map(|s| (s.occurrence_id().to_string(), s))
        .collect();
    let mut missing: Vec<&str> = attempts
        .iter()
        .map(|a| a.occurrence_id.as_str())
        .filter(|o| !shifts.contains_key(*o))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    for occ in missing.into_iter().take(200) {
        if let Some(s) = app.store.get_shift(occ).await? {
            if s.event.provider_id == provider {
                shifts.insert(occ.to_string(), s);
            }
        }
    }
    Ok(shifts)
}

fn cost_fact(a: &Attempt) -> CallCostFact {
    CallCostFact {
        occurrence_id: a.occurrence_id.clone(),
        employee_id: a.employee_id.clone(),
        first_name: a.first_name.clone(),
        outcome: a.outcome,
        twilio_status: a.twilio_status.clone(),
        answered_by: a.answered_by.clone(),
        duration_secs: a.duration_secs,
        speech_chars: a.speech_chars,
    }
}

/// The `results` object of the stats route for the window's `attempts`.
pub fn results(attempts: &[Attempt], shifts: &HashMap<String, Shift>, rates: &CostRates) -> Value {
    let calls: Vec<CallCostFact> = attempts.iter().map(cost_fact).collect();
    let facts: HashMap<String, ShiftFact> = shifts
        .iter()
        .map(|(occ, s)| {
            (
                occ.clone(),
                ShiftFact {
                    status: s.status,
                    wave3_at: s.created_at,
                    accepted_at: s.assigned_at,
                },
            )
        })
        .collect();
    serde_json::to_value(results::compute(&calls, &facts, rates)).unwrap_or(Value::Null)
}

/// The CSV route's query: the days back from now.
#[derive(serde::Deserialize)]
struct CsvQuery {
    days: Option<String>,
}

/// `GET /api/provider/calls.csv?days=N`; routed by `handlers::provider_settings`.
pub async fn csv_route(app: &App, req: Request, p: Params) -> HttpResult {
    let provider = p.provider.as_str();
    let q: CsvQuery = match query(&req) {
        Ok(q) => q,
        Err(reason) => return bad_query(reason),
    };
    let max = app.config.call_log_retention_days;
    let days = match calllog_csv::parse_days(q.days.as_deref(), max) {
        Ok(d) => d,
        Err(e) => return http::json(400, json!({ "errors": { "days": e } })),
    };
    let now = Utc::now();
    let from = now - Duration::days(i64::from(days));
    let attempts = app
        .store
        .calls_between(provider, from, now, MAX_ITEMS)
        .await?;
    let known = app
        .store
        .shifts_between(provider, from - Duration::days(2), now, MAX_ITEMS)
        .await?;
    let shifts = shifts_of(app, provider, &attempts, known).await?;
    let rates = app.store.get_settings(provider).await?.cost_rates;
    let rows: Vec<Row> = attempts
        .iter()
        // A call whose shift is not this provider's (or is gone) is never listed.
        .filter_map(|a| shifts.get(&a.occurrence_id).map(|s| row(a, s, &rates)))
        .collect();
    let body = calllog_csv::write(&rows, &rates.currency);
    Ok(Response::builder()
        .status(200)
        .header("content-type", "text/csv; charset=utf-8")
        .header(
            "content-disposition",
            format!(
                "attachment; filename=\"calls-{}-{days}d.csv\"",
                now.format("%Y-%m-%d")
            ),
        )
        .header(http::NO_STORE.0, http::NO_STORE.1)
        .header(http::NOSNIFF.0, http::NOSNIFF.1)
        .body(Body::Text(body))?)
}

fn row(a: &Attempt, s: &Shift, rates: &CostRates) -> Row {
    let job = &s.event.job;
    let v = Values::for_job("", job);
    Row {
        occurrence_id: a.occurrence_id.clone(),
        patient: v.patient_name,
        suburb: job.suburb.clone(),
        shift_starts_at: job.starts_at.to_rfc3339(),
        attempt: a.attempt,
        round: a.round,
        employee_id: a.employee_id.clone(),
        first_name: a.first_name.clone(),
        placed_at: a.created_at,
        ended_at: a.ended_at,
        twilio_status: a.twilio_status.clone(),
        answered_by: a.answered_by.clone(),
        outcome: a.outcome,
        digit: a.digit.clone(),
        duration_secs: a.duration_secs,
        speech_chars: a.speech_chars,
        cost: (results::call_cost(&cost_fact(a), rates) * 10_000.0).round() / 10_000.0,
    }
}
