//! EventBridge Scheduler, emulated: fires one-time `at(...)` schedules when due by sending
//! their target input to the target queue, then deletes those marked
//! `ActionAfterCompletion: DELETE`. Each schedule is read once; later polls only list names.

use chrono::{NaiveDateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::sync::watch;

struct Pending {
    at: NaiveDateTime,
    input: String,
    delete: bool,
}

pub async fn run(
    scheduler: aws_sdk_scheduler::Client,
    sqs: aws_sdk_sqs::Client,
    group: String,
    queue_arn: String,
    queue_url: String,
    world: String,
    mut stop: watch::Receiver<bool>,
) {
    // In AWS the scheduler sends with its own role (the template's SchedulerRole).
    let role = callout_app::access::Caller {
        function: "scheduler".into(),
        world,
    };
    let mut known: HashMap<String, Option<Pending>> = HashMap::new();
    loop {
        // Listing costs the local AWS more the more schedules are pending: poll less often then.
        let pause = Duration::from_millis(100 + known.len() as u64);
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => return,
        }
        let mut names = HashSet::new();
        let mut next_token = None;
        loop {
            let page = match scheduler
                .list_schedules()
                .group_name(&group)
                .set_next_token(next_token)
                .send()
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %aws_sdk_scheduler::error::DisplayErrorContext(e), "local_scheduler_list_failed");
                    break;
                }
            };
            names.extend(page.schedules.into_iter().filter_map(|s| s.name));
            next_token = page.next_token;
            if next_token.is_none() {
                break;
            }
        }
        // Deleted schedules (a shift accepted while waiting) are forgotten.
        known.retain(|name, _| names.contains(name));
        let now = Utc::now().naive_utc();
        for name in names {
            if !known.contains_key(&name) {
                let Ok(s) = scheduler
                    .get_schedule()
                    .name(&name)
                    .group_name(&group)
                    .send()
                    .await
                else {
                    continue; // deleted meanwhile
                };
                let at = s
                    .schedule_expression
                    .as_deref()
                    .and_then(|e| e.strip_prefix("at("))
                    .and_then(|e| e.strip_suffix(')'))
                    .and_then(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").ok());
                let pending = match (at, s.target) {
                    (Some(at), Some(target)) if target.arn == queue_arn => Some(Pending {
                        at,
                        input: target.input.unwrap_or_default(),
                        delete: s
                            .action_after_completion
                            .map(|a| a.as_str() == "DELETE")
                            .unwrap_or(true),
                    }),
                    _ => {
                        tracing::warn!(schedule = %name, "local_scheduler_unsupported_schedule");
                        None
                    }
                };
                known.insert(name.clone(), pending);
            }
            let Some(Some(p)) = known.get(&name) else {
                continue;
            };
            if p.at > now {
                continue;
            }
            if callout_app::access::enabled() {
                callout_app::access::record_as(
                    &role,
                    "sqs:SendMessage",
                    &queue_arn,
                    "schedule target",
                );
            }
            if let Err(e) = sqs
                .send_message()
                .queue_url(&queue_url)
                .message_body(&p.input)
                .send()
                .await
            {
                tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(e), "local_scheduler_send_failed");
                continue;
            }
            tracing::info!(schedule = %name, "local_schedule_fired");
            if p.delete {
                let _ = scheduler
                    .delete_schedule()
                    .name(&name)
                    .group_name(&group)
                    .send()
                    .await;
            }
            known.insert(name, None); // fired: never again
        }
    }
}
