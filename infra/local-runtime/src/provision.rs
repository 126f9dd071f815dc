//! Creates what the bundle needs in the local AWS, the way `template.yaml` does in AWS.
//! Safe to run again: everything that already exists is kept.

use crate::template::{Resources, Template, ACCOUNT, REGION};
use anyhow::{anyhow, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use aws_sdk_sqs::types::QueueAttributeName;
use std::collections::BTreeMap;

/// The names of the local resources, all derived from one prefix.
#[derive(Debug, Clone)]
pub struct Names {
    pub table: String,
    pub dial_queue: String,
    pub dial_dlq: String,
    pub schedule_dlq: String,
    pub events_tap_queue: String,
    pub bucket: String,
    pub schedule_group: String,
    pub event_bus: String,
}

impl Names {
    pub fn from_prefix(prefix: &str) -> Names {
        let p = prefix.to_ascii_lowercase();
        Names {
            table: format!("{p}-table"),
            dial_queue: format!("{p}-dial"),
            dial_dlq: format!("{p}-dial-dlq"),
            schedule_dlq: format!("{p}-schedule-dlq"),
            events_tap_queue: format!("{p}-events"),
            bucket: format!("{p}-audio"),
            schedule_group: p.clone(),
            event_bus: p,
        }
    }
}

/// What provisioning found or made.
#[derive(Debug, Clone)]
pub struct Provisioned {
    pub names: Names,
    pub dial_queue_url: String,
    pub dial_queue_arn: String,
    pub dial_dlq_url: String,
    /// The template's ScheduleDeadLetterQueue: where the local scheduler puts a start it
    /// could not deliver.
    pub schedule_dlq_url: String,
    pub schedule_dlq_arn: String,
    pub events_tap_url: String,
}

impl Provisioned {
    /// The local resources by logical id, for resolving the template: what was provisioned
    /// here by name, and every other resource of the template under a local name and ARN of
    /// its own (roles, log groups, policies, …), so that any reference resolves.
    pub fn resources(
        &self,
        template: &Template,
        parameters: BTreeMap<String, String>,
    ) -> Resources {
        let n = &self.names;
        let mut r = Resources {
            parameters,
            stack_name: n.event_bus.clone(),
            ..Resources::default()
        };
        let arn =
            |service: &str, rest: &str| format!("arn:aws:{service}:{REGION}:{ACCOUNT}:{rest}");
        for (id, ty) in template.resource_types() {
            let local = format!("{}-{}", n.event_bus, id.to_ascii_lowercase());
            match ty.as_str() {
                "AWS::IAM::Role" => r.add(
                    &id,
                    &local,
                    &[("Arn", &format!("arn:aws:iam::{ACCOUNT}:role/{local}"))],
                ),
                "AWS::IAM::ManagedPolicy" => {
                    r.add(&id, &format!("arn:aws:iam::{ACCOUNT}:policy/{local}"), &[])
                }
                "AWS::Logs::LogGroup" => {
                    let name = format!("/local/{local}");
                    r.add(
                        &id,
                        &name,
                        &[("Arn", &arn("logs", &format!("log-group:{name}:*")))],
                    )
                }
                "AWS::SQS::Queue" => r.add(
                    &id,
                    &format!("http://local/{ACCOUNT}/{local}"),
                    &[("Arn", &arn("sqs", &local)), ("QueueName", &local)],
                ),
                "AWS::SNS::Topic" => r.add(&id, &arn("sns", &local), &[("TopicName", &local)]),
                _ => r.add(&id, &local, &[("Arn", &format!("arn:aws:local:::{local}"))]),
            }
        }
        r.add(
            "Table",
            &n.table,
            &[("Arn", &arn("dynamodb", &format!("table/{}", n.table)))],
        );
        r.add(
            "DialQueue",
            &self.dial_queue_url,
            &[("Arn", &self.dial_queue_arn), ("QueueName", &n.dial_queue)],
        );
        r.add(
            "DialDeadLetterQueue",
            &self.dial_dlq_url,
            &[
                ("Arn", &arn("sqs", &n.dial_dlq)),
                ("QueueName", &n.dial_dlq),
            ],
        );
        r.add(
            "ScheduleDeadLetterQueue",
            &self.schedule_dlq_url,
            &[
                ("Arn", &self.schedule_dlq_arn),
                ("QueueName", &n.schedule_dlq),
            ],
        );
        r.add(
            "AudioBucket",
            &n.bucket,
            &[("Arn", &format!("arn:aws:s3:::{}", n.bucket))],
        );
        r.add(
            "ScheduleGroup",
            &n.schedule_group,
            &[(
                "Arn",
                &arn("scheduler", &format!("schedule-group/{}", n.schedule_group)),
            )],
        );
        r.add(
            "EventBus",
            &n.event_bus,
            &[
                ("Arn", &arn("events", &format!("event-bus/{}", n.event_bus))),
                ("Name", &n.event_bus),
            ],
        );
        r.add("HttpApi", "local", &[]);
        r
    }
}

/// The template's `Table`: attribute definitions, key schema and global secondary indexes.
fn table_from_template(
    mut req: aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder,
    template: &Template,
) -> Result<aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder> {
    let prop = |path: &[&str]| -> Vec<serde_json::Value> {
        template
            .property("Table", path)
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
    };
    let text = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    let keys = |schema: &serde_json::Value| -> Result<Vec<KeySchemaElement>> {
        schema
            .as_array()
            .into_iter()
            .flatten()
            .map(|k| {
                Ok(KeySchemaElement::builder()
                    .attribute_name(text(k, "AttributeName"))
                    .key_type(KeyType::from(text(k, "KeyType").as_str()))
                    .build()?)
            })
            .collect()
    };
    for a in prop(&["AttributeDefinitions"]) {
        req = req.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(&a, "AttributeName"))
                .attribute_type(ScalarAttributeType::from(
                    text(&a, "AttributeType").as_str(),
                ))
                .build()?,
        );
    }
    let schema = template
        .property("Table", &["KeySchema"])
        .cloned()
        .ok_or_else(|| anyhow!("template.yaml's Table has no KeySchema"))?;
    req = req.set_key_schema(Some(keys(&schema)?));
    for g in prop(&["GlobalSecondaryIndexes"]) {
        req = req.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(text(&g, "IndexName"))
                .set_key_schema(Some(keys(&g["KeySchema"])?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(
                            text(&g["Projection"], "ProjectionType").as_str(),
                        ))
                        .build(),
                )
                .build()?,
        );
    }
    Ok(req)
}

/// The dial queue's redrive `maxReceiveCount` in the template (5 when it names none).
pub fn max_receive_count(template: &Template) -> u32 {
    queue_number(template, "DialQueue", &["RedrivePolicy", "maxReceiveCount"])
        .map_or(5, |n| n as u32)
}

/// A whole-number property of a queue in the template (`None` when it names none).
fn queue_number(template: &Template, id: &str, path: &[&str]) -> Option<u64> {
    template
        .property(id, path)
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
}

/// The dial queue's visibility timeout in the template (30 s, SQS's default, when it names
/// none). It is not scaled by `TIME_SCALE`: it guards a handler's real running time.
pub fn visibility_timeout_secs(template: &Template) -> u32 {
    queue_number(template, "DialQueue", &["VisibilityTimeout"]).map_or(30, |n| n as u32)
}

/// The queue `name`, made if missing; an existing queue keeps its messages and takes `attrs`
/// (so a restart, or a template that changed, never empties or forks a queue).
async fn queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    attrs: &[(QueueAttributeName, String)],
) -> Result<(String, String)> {
    let existing = sqs.get_queue_url().queue_name(name).send().await;
    let url = match existing {
        Ok(found) => {
            let url = found.queue_url.unwrap_or_default();
            if !attrs.is_empty() {
                let mut req = sqs.set_queue_attributes().queue_url(&url);
                for (k, v) in attrs {
                    req = req.attributes(k.clone(), v);
                }
                req.send().await.map_err(|e| {
                    anyhow!(
                        "set attributes of queue {name}: {}",
                        aws_sdk_sqs::error::DisplayErrorContext(e)
                    )
                })?;
            }
            url
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_queue_does_not_exist()) =>
        {
            let mut req = sqs.create_queue().queue_name(name);
            for (k, v) in attrs {
                req = req.attributes(k.clone(), v);
            }
            req.send()
                .await
                .map_err(|e| {
                    anyhow!(
                        "create queue {name}: {}",
                        aws_sdk_sqs::error::DisplayErrorContext(e)
                    )
                })?
                .queue_url
                .unwrap_or_default()
        }
        Err(e) => {
            return Err(anyhow!(
                "find queue {name}: {}",
                aws_sdk_sqs::error::DisplayErrorContext(e)
            ))
        }
    };
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| anyhow!(aws_sdk_sqs::error::DisplayErrorContext(e)))?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .unwrap_or_default();
    Ok((url, arn))
}

/// Create the world's resources; `secrets` are (SSM parameter name, value) pairs, stored as
/// SecureString parameters as the deployer does before `sam deploy` (docs/DEPLOY.md).
pub async fn provision(
    sdk: &callout_app::sdk::SdkConfig,
    names: &Names,
    template: &Template,
    visibility_timeout_secs: u32,
    secrets: &[(String, String)],
) -> Result<Provisioned> {
    let ssm = aws_sdk_ssm::Client::new(sdk);
    for (name, value) in secrets {
        ssm.put_parameter()
            .name(name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .overwrite(true)
            .send()
            .await
            .map_err(|e| {
                anyhow!(
                    "put parameter {name}: {}",
                    aws_sdk_ssm::error::DisplayErrorContext(e)
                )
            })?;
    }
    // DynamoDB: the table's keys and indexes as the template declares them.
    let ddb = aws_sdk_dynamodb::Client::new(sdk);
    let created = table_from_template(ddb.create_table(), template)?
        .table_name(&names.table)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_in_use_exception()) => {}
        Err(e) => {
            return Err(anyhow!(
                "create table: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(e)
            ))
        }
    }

    // SQS: the dial queue with its dead-letter queue, and a queue that taps outbound events.
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let retention = |id: &str| {
        queue_number(template, id, &["MessageRetentionPeriod"])
            .map(|secs| (QueueAttributeName::MessageRetentionPeriod, secs.to_string()))
    };
    let dlq_attrs: Vec<_> = retention("DialDeadLetterQueue").into_iter().collect();
    let (dlq_url, dlq_arn) = queue(&sqs, &names.dial_dlq, &dlq_attrs).await?;
    let redrive = serde_json::json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count(template).to_string() });
    let mut dial_attrs = vec![
        (
            QueueAttributeName::VisibilityTimeout,
            visibility_timeout_secs.to_string(),
        ),
        (QueueAttributeName::RedrivePolicy, redrive.to_string()),
    ];
    dial_attrs.extend(retention("DialQueue"));
    let (dial_url, dial_arn) = queue(&sqs, &names.dial_queue, &dial_attrs).await?;
    let (tap_url, tap_arn) = queue(&sqs, &names.events_tap_queue, &[]).await?;
    let schedule_dlq_attrs: Vec<_> = retention("ScheduleDeadLetterQueue").into_iter().collect();
    let (schedule_dlq_url, schedule_dlq_arn) =
        queue(&sqs, &names.schedule_dlq, &schedule_dlq_attrs).await?;

    // S3
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(true)
            .build(),
    );
    match s3.create_bucket().bucket(&names.bucket).send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error().is_some_and(|s| {
                s.is_bucket_already_owned_by_you() || s.is_bucket_already_exists()
            }) => {}
        Err(e) => {
            return Err(anyhow!(
                "create bucket: {}",
                aws_sdk_s3::error::DisplayErrorContext(e)
            ))
        }
    }

    // EventBridge Scheduler group: made only if missing (creating it again would, in the local
    // AWS, replace it with an empty group and lose every pending schedule).
    let sched = aws_sdk_scheduler::Client::new(sdk);
    let group = sched
        .get_schedule_group()
        .name(&names.schedule_group)
        .send()
        .await;
    match group {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            match sched
                .create_schedule_group()
                .name(&names.schedule_group)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_conflict_exception()) => {}
                Err(e) => {
                    return Err(anyhow!(
                        "create schedule group: {}",
                        aws_sdk_scheduler::error::DisplayErrorContext(e)
                    ))
                }
            }
        }
        Err(e) => {
            return Err(anyhow!(
                "find schedule group: {}",
                aws_sdk_scheduler::error::DisplayErrorContext(e)
            ))
        }
    }

    // EventBridge bus, with a rule sending this product's events to the tap queue.
    let eb = aws_sdk_eventbridge::Client::new(sdk);
    match eb.create_event_bus().name(&names.event_bus).send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_already_exists_exception()) => {}
        Err(e) => {
            return Err(anyhow!(
                "create event bus: {}",
                aws_sdk_eventbridge::error::DisplayErrorContext(e)
            ))
        }
    }
    eb.put_rule()
        .name(format!("{}-outbound", names.event_bus))
        .event_bus_name(&names.event_bus)
        .event_pattern(
            serde_json::json!({ "source": [callout_app::adapters::events::SOURCE] }).to_string(),
        )
        .send()
        .await
        .map_err(|e| {
            anyhow!(
                "put rule: {}",
                aws_sdk_eventbridge::error::DisplayErrorContext(e)
            )
        })?;
    eb.put_targets()
        .rule(format!("{}-outbound", names.event_bus))
        .event_bus_name(&names.event_bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("tap")
                .arn(&tap_arn)
                .build()?,
        )
        .send()
        .await
        .map_err(|e| {
            anyhow!(
                "put targets: {}",
                aws_sdk_eventbridge::error::DisplayErrorContext(e)
            )
        })?;

    Ok(Provisioned {
        names: names.clone(),
        dial_queue_url: dial_url,
        dial_queue_arn: dial_arn,
        dial_dlq_url: dlq_url,
        schedule_dlq_url,
        schedule_dlq_arn,
        events_tap_url: tap_url,
    })
}
