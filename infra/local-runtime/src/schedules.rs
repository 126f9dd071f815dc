//! EventBridge Scheduler, emulated: fires one-time `at(...)` schedules when due by sending
//! their target input to the target queue, then deletes those marked
//! `ActionAfterCompletion: DELETE`. A target the send cannot reach (a queue that does not
//! exist: an error EventBridge Scheduler does not retry) sends the input to the target's
//! dead-letter queue, as the scheduler does, with its error attributes. Each schedule is read
//! once; later polls only list names.

use aws_sdk_sqs::types::MessageAttributeValue;
use chrono::{NaiveDateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::sync::watch;

struct Pending {
    at: NaiveDateTime,
    input: String,
    delete: bool,
    target_arn: String,
    dead_letter_arn: Option<String>,
}

/// The queue URL of an SQS ARN, if that queue exists.
async fn queue_url(sqs: &aws_sdk_sqs::Client, arn: &str) -> Option<String> {
    let mut parts = arn.split(':');
    let (Some("sqs"), Some(account), Some(name)) = (parts.nth(2), parts.nth(1), parts.next())
    else {
        return None;
    };
    sqs.get_queue_url()
        .queue_name(name)
        .queue_owner_aws_account_id(account)
        .send()
        .await
        .ok()?
        .queue_url
}

pub async fn run(
    scheduler: aws_sdk_scheduler::Client,
    sqs: aws_sdk_sqs::Client,
    group: String,
    queue_arn: String,
    queue_url_known: String,
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
                    (Some(at), Some(target)) if target.arn.starts_with("arn:aws:sqs:") => {
                        Some(Pending {
                            at,
                            input: target.input.unwrap_or_default(),
                            delete: s
                                .action_after_completion
                                .map(|a| a.as_str() == "DELETE")
                                .unwrap_or(true),
                            dead_letter_arn: target.dead_letter_config.and_then(|d| d.arn),
                            target_arn: target.arn,
                        })
                    }
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
            let target_url = if p.target_arn == queue_arn {
                Some(queue_url_known.clone())
            } else {
                queue_url(&sqs, &p.target_arn).await
            };
            // A send to a queue that exists is the scheduler role's to make (a target that does
            // not exist is no send: it goes to the dead-letter queue, whose send is recorded).
            if callout_app::access::enabled() && target_url.is_some() {
                callout_app::access::record_as(
                    &role,
                    "sqs:SendMessage",
                    &p.target_arn,
                    "schedule target",
                );
            }
            let sent = match &target_url {
                Some(url) => sqs
                    .send_message()
                    .queue_url(url)
                    .message_body(&p.input)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string()),
                None => Err(format!("the target queue {} does not exist", p.target_arn)),
            };
            if let Err(error) = sent {
                let Some(dlq) = &p.dead_letter_arn else {
                    // Retried on the next poll, as the scheduler retries a failed send.
                    tracing::warn!(schedule = %name, %error, "local_scheduler_send_failed");
                    continue;
                };
                if callout_app::access::enabled() {
                    callout_app::access::record_as(
                        &role,
                        "sqs:SendMessage",
                        dlq,
                        "schedule dead letter",
                    );
                }
                let attribute = |v: &str| {
                    MessageAttributeValue::builder()
                        .data_type("String")
                        .string_value(v)
                        .build()
                        .ok()
                };
                let dead_lettered = match queue_url(&sqs, dlq).await {
                    Some(url) => sqs
                        .send_message()
                        .queue_url(url)
                        .message_body(&p.input)
                        .set_message_attributes(Some(
                            [
                                ("ERROR_CODE", attribute("ResourceNotFound")),
                                ("ERROR_MESSAGE", attribute(&error)),
                                ("TARGET_ARN", attribute(&p.target_arn)),
                                (
                                    "SCHEDULE_ARN",
                                    attribute(&format!(
                                        "arn:aws:scheduler:{}:{}:schedule/{group}/{name}",
                                        callout_app::access::REGION,
                                        callout_app::access::ACCOUNT
                                    )),
                                ),
                            ]
                            .into_iter()
                            .filter_map(|(k, v)| Some((k.to_string(), v?)))
                            .collect(),
                        ))
                        .send()
                        .await
                        .is_ok(),
                    None => false,
                };
                if !dead_lettered {
                    tracing::warn!(schedule = %name, %error, "local_scheduler_send_failed");
                    continue;
                }
                tracing::warn!(schedule = %name, %error, "local_schedule_dead_lettered");
            } else {
                tracing::info!(schedule = %name, "local_schedule_fired");
            }
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
