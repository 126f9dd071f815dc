//! `dialer`: the dial queue's batches (partial batch failures). No HTTP route.

use crate::app::App;
use crate::records::Task;
use crate::service;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use tracing::error;

/// A batch from the dial queue; failed tasks are reported so only they are retried. The
/// tasks of a batch are independent (different attempts), so they run concurrently.
pub async fn dialer(
    app: &App,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let results = futures::future::join_all(event.payload.records.into_iter().map(|record| async move {
        let id = record.message_id.clone().unwrap_or_default();
        let receives: u32 = record
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|c| c.parse().ok())
            .unwrap_or(1);
        let body = record.body.as_deref().unwrap_or("");
        let task = Task::from_json(body);
        let result = match &task {
            Ok(task) => service::run_task(app, task).await.map_err(|e| {
                error!(message_id = %id, kind = task.kind(), occurrence_id = %task.occurrence_id(), attempt = task.attempt(), receives, error = %e, "dial_task_failed");
                e.to_string()
            }),
            Err(e) => {
                error!(message_id = %id, receives, error = %e, "dial_task_unreadable");
                Err(e.to_string())
            }
        };
        if let Err(why) = &result {
            let occ = task.as_ref().map(|t| t.occurrence_id()).unwrap_or_default();
            if receives >= app.config.dial_max_receive_count {
                // The last try: the queue's redrive policy moves it to the dead-letter queue;
                // its shift says so in the call log.
                error!(message_id = %id, occurrence_id = %occ, receives, alarm = true, "dial_task_dead_lettered");
                if let Ok(task) = &task {
                    service::task_dead_lettered(app, task, why).await;
                }
            } else if let Some(handle) = &record.receipt_handle {
                service::retry_later(app, handle, receives).await;
            }
        }
        (id, result.is_err())
    }))
    .await;
    let mut resp = SqsBatchResponse::default();
    resp.batch_item_failures = results
        .into_iter()
        .filter(|(_, failed)| *failed)
        .map(|(id, _)| {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            f
        })
        .collect();
    Ok(resp)
}
