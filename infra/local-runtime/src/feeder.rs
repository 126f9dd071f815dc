//! The SQS event source mapping, emulated as the template configures it (batch size,
//! `ReportBatchItemFailures`, maximum concurrency: one feeder per concurrent invocation):
//! long-polls the dial queue, hands batches to the dialer, deletes what succeeded and leaves
//! failures to reappear after the visibility timeout (and reach the dead-letter queue after the
//! redrive policy's receive count). Its own queue requests are made with the dialer's role in
//! AWS, and are recorded as the dialer's for the IAM check.

use aws_sdk_sqs::types::MessageSystemAttributeName;
use callout_app::lambda_runtime::{Context, LambdaEvent};
use callout_app::{handlers, App};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::watch;

pub struct Feeder {
    pub app: Arc<App>,
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
    pub queue_arn: String,
    pub source: crate::template::QueueSource,
    /// Deliver every batch twice, concurrently (at-least-once delivery, exaggerated).
    pub duplicate: bool,
    pub budget: Arc<std::sync::Mutex<crate::gateway::BudgetStats>>,
    /// Every message body handed to the function, for tests to read.
    pub delivered: Arc<std::sync::Mutex<Vec<String>>>,
    pub world: String,
}

pub async fn run(f: Feeder, mut stop: watch::Receiver<bool>) {
    let Feeder {
        app,
        sqs,
        queue_url,
        queue_arn,
        source,
        duplicate,
        budget,
        delivered,
        world,
    } = f;
    let role = callout_app::access::Caller {
        function: source.binary.clone(),
        world: world.clone(),
    };
    loop {
        if *stop.borrow() {
            return;
        }
        let received = tokio::select! {
            r = sqs.receive_message()
                .queue_url(&queue_url)
                .max_number_of_messages(source.batch_size)
                .wait_time_seconds(1)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .send() => r,
            _ = stop.changed() => return,
        };
        let messages = match received {
            Ok(out) => out.messages.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "local_feeder_receive_failed");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                continue;
            }
        };
        if callout_app::access::enabled() {
            callout_app::access::record_as(
                &role,
                "sqs:ReceiveMessage",
                &queue_arn,
                "event source mapping",
            );
        }
        if messages.is_empty() {
            continue;
        }
        delivered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(messages.iter().filter_map(|m| m.body.clone()));
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let attrs: serde_json::Map<String, Value> = m
                    .attributes
                    .as_ref()
                    .map(|a| {
                        a.iter()
                            .map(|(k, v)| (k.as_str().to_string(), Value::String(v.clone())))
                            .collect()
                    })
                    .unwrap_or_default();
                json!({
                    "messageId": m.message_id, "receiptHandle": m.receipt_handle, "body": m.body,
                    "attributes": attrs, "messageAttributes": {}, "md5OfBody": m.md5_of_body,
                    "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": "us-east-1",
                })
            })
            .collect();
        let event: aws_lambda_events::event::sqs::SqsEvent =
            match serde_json::from_value(json!({ "Records": records })) {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(error = %e, "local_feeder_bad_event");
                    continue;
                }
            };
        // One task a batch (BatchSize 1): its requests are also counted under its kind.
        let kinds: Vec<&'static str> = match messages.as_slice() {
            [m] => m
                .body
                .as_deref()
                .and_then(|b| callout_app::records::Task::from_json(b).ok())
                .map(|t| vec![t.kind()])
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let invoke = |event| async {
            let result = crate::gateway::invoke_as(
                &budget,
                "dialer",
                &kinds,
                &world,
                Box::pin(handlers::dialer(
                    &app,
                    LambdaEvent::new(event, Context::default()),
                )),
            )
            .await;
            match result {
                // Without ReportBatchItemFailures, any failure retries the whole batch.
                Ok(resp)
                    if !source.report_batch_item_failures
                        && !resp.batch_item_failures.is_empty() =>
                {
                    messages
                        .iter()
                        .filter_map(|m| m.message_id.clone())
                        .collect::<HashSet<String>>()
                }
                Ok(resp) => resp
                    .batch_item_failures
                    .into_iter()
                    .map(|f| f.item_identifier)
                    .collect(),
                // A failed invocation retries the whole batch.
                Err(e) => {
                    tracing::error!(error = %e, "local_dialer_invocation_failed");
                    messages
                        .iter()
                        .filter_map(|m| m.message_id.clone())
                        .collect::<HashSet<String>>()
                }
            }
        };
        // With `duplicate`, the same batch is delivered twice at once.
        let failed: HashSet<String> = if duplicate {
            let (a, b) = tokio::join!(invoke(event.clone()), invoke(event));
            a.union(&b).cloned().collect()
        } else {
            invoke(event).await
        };
        for m in &messages {
            if m.message_id.as_ref().is_some_and(|id| failed.contains(id)) {
                continue;
            }
            if let Some(handle) = &m.receipt_handle {
                if callout_app::access::enabled() {
                    callout_app::access::record_as(
                        &role,
                        "sqs:DeleteMessage",
                        &queue_arn,
                        "event source mapping",
                    );
                }
                if let Err(e) = sqs
                    .delete_message()
                    .queue_url(&queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                {
                    tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "local_feeder_delete_failed");
                }
            }
        }
    }
}
