//! EventBridge Scheduler, emulated: fires one-time `at(...)` schedules when due by sending
//! their target input to the target queue, then deletes those marked
//! `ActionAfterCompletion: DELETE`.

use chrono::{NaiveDateTime, Utc};
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::watch;

pub async fn run(
    scheduler: aws_sdk_scheduler::Client,
    sqs: aws_sdk_sqs::Client,
    group: String,
    queue_arn: String,
    queue_url: String,
    mut stop: watch::Receiver<bool>,
) {
    let mut fired: HashSet<String> = HashSet::new();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            _ = stop.changed() => return,
        }
        let list = match scheduler.list_schedules().group_name(&group).send().await {
            Ok(l) => l.schedules,
            Err(e) => {
                tracing::warn!(error = %aws_sdk_scheduler::error::DisplayErrorContext(e), "local_scheduler_list_failed");
                continue;
            }
        };
        for summary in list {
            let Some(name) = summary.name else { continue };
            let Ok(s) = scheduler
                .get_schedule()
                .name(&name)
                .group_name(&group)
                .send()
                .await
            else {
                continue; // deleted meanwhile
            };
            let expr = s.schedule_expression.clone().unwrap_or_default();
            let key = format!("{name}|{expr}");
            if fired.contains(&key) {
                continue;
            }
            let Some(at) = expr
                .strip_prefix("at(")
                .and_then(|e| e.strip_suffix(')'))
                .and_then(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").ok())
            else {
                continue;
            };
            if at.and_utc() > Utc::now() {
                continue;
            }
            let Some(target) = s.target else { continue };
            if target.arn != queue_arn {
                tracing::warn!(schedule = %name, "local_scheduler_unknown_target");
                continue;
            }
            let input = target.input.unwrap_or_default();
            if let Err(e) = sqs
                .send_message()
                .queue_url(&queue_url)
                .message_body(input)
                .send()
                .await
            {
                tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "local_scheduler_send_failed");
                continue;
            }
            fired.insert(key);
            tracing::info!(schedule = %name, "local_schedule_fired");
            let delete = s
                .action_after_completion
                .map(|a| a.as_str() == "DELETE")
                .unwrap_or(true);
            if delete {
                let _ = scheduler
                    .delete_schedule()
                    .name(&name)
                    .group_name(&group)
                    .send()
                    .await;
            }
        }
    }
}
