//! `start-calling`: EventBridge's `Wave3Completed` (or its bare detail), the platform's
//! `ShiftCancelled`, and the daily recording-retention run. No HTTP route.

use crate::app::App;
use crate::service::{self, StartError, Started};
use callout_core::model::Wave3Completed;
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};
use tracing::{error, warn};

/// `Wave3Completed`, as an EventBridge envelope or the bare detail.
pub async fn start_calling(
    app: &App,
    event: LambdaEvent<Value>,
) -> Result<Value, lambda_runtime::Error> {
    let payload = event.payload;
    // Call recording: the daily run that deletes recordings past their retention.
    if crate::recording_api::is_cleanup(&payload) {
        return crate::recording_api::cleanup(app).await;
    }
    // The platform cancelled a shift (`control_api::shift_cancelled`).
    if payload.get("detail-type").and_then(Value::as_str) == Some("ShiftCancelled") {
        return crate::control_api::shift_cancelled(app, &payload)
            .await
            .map_err(|e| {
                error!(error = %e, "shift_cancelled_failed");
                e.into()
            });
    }
    let detail = match payload.get("detail-type") {
        Some(t) if t != "Wave3Completed" => {
            warn!(detail_type = %t, "start_calling_ignored_event");
            return Ok(json!({ "status": "ignored" }));
        }
        Some(_) => payload.get("detail").cloned().unwrap_or(Value::Null),
        None => payload,
    };
    // A refusal names the field and the rule, never the value (`Wave3Completed::from_json`).
    // An event that cannot be read is not dropped: what is known of it is kept or announced
    // (`service::not_called`).
    let detail = match Wave3Completed::from_json(detail.clone()) {
        Ok(d) => d,
        Err(e) => {
            let id = |key: &str| detail.get(key).and_then(Value::as_str).map(str::to_string);
            let what = service::Uncallable::Unreadable {
                occurrence_id: id("occurrenceId"),
                provider_id: id("providerId"),
            };
            return match service::not_called(app, what, &e).await {
                Ok(_) => Ok(
                    json!({ "status": "rejected", "error": format!("invalid Wave3Completed detail: {e}") }),
                ),
                Err(failed) => {
                    error!(field = %e.field, error = %failed, "start_calling_failed");
                    Err(failed.into())
                }
            };
        }
    };
    let occ = detail.occurrence_id.clone();
    match service::start(app, detail).await {
        Ok(Started::Scheduled { at }) => {
            Ok(json!({ "status": "scheduled", "at": at.to_rfc3339() }))
        }
        Ok(Started::Disabled) => Ok(json!({ "status": "disabled" })),
        Ok(Started::Duplicate) => Ok(json!({ "status": "duplicate" })),
        Ok(Started::NotCalled { reason }) => Ok(json!({ "status": "rejected", "error": reason })),
        // Lambda tries twice more, then puts the event on StartCallingFailedQueue, whose
        // alarm reaches a person (template.yaml, docs/DEPLOY.md §8).
        Err(StartError::Failed(e)) => {
            error!(occurrence_id = %occ, error = %e, "start_calling_failed");
            Err(e.into())
        }
    }
}
