//! Creates what the bundle needs in the local AWS, the way `template.yaml` does in AWS.
//! Safe to run again: everything that already exists is kept.

use anyhow::{anyhow, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use aws_sdk_sqs::types::QueueAttributeName;

/// The names of the local resources, all derived from one prefix.
#[derive(Debug, Clone)]
pub struct Names {
    pub table: String,
    pub dial_queue: String,
    pub dial_dlq: String,
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
    pub events_tap_url: String,
}

/// How many times a dial task is tried before it goes to the dead-letter queue.
pub const MAX_RECEIVE_COUNT: u32 = 5;

async fn queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    attrs: &[(QueueAttributeName, String)],
) -> Result<(String, String)> {
    let mut req = sqs.create_queue().queue_name(name);
    for (k, v) in attrs {
        req = req.attributes(k.clone(), v);
    }
    let url = req
        .send()
        .await
        .map_err(|e| {
            anyhow!(
                "create queue {name}: {}",
                aws_sdk_sqs::error::DisplayErrorContext(e)
            )
        })?
        .queue_url
        .unwrap_or_default();
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

pub async fn provision(
    sdk: &callout_app::sdk::SdkConfig,
    names: &Names,
    visibility_timeout_secs: u32,
) -> Result<Provisioned> {
    // DynamoDB
    let ddb = aws_sdk_dynamodb::Client::new(sdk);
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let key = |n: &str, t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
    };
    let created = ddb
        .create_table()
        .table_name(&names.table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk")?)
        .attribute_definitions(attr("sk")?)
        .key_schema(key("pk", KeyType::Hash)?)
        .key_schema(key("sk", KeyType::Range)?)
        .attribute_definitions(attr("gsi1pk")?)
        .attribute_definitions(attr("gsi1sk")?)
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(callout_app::adapters::store::GSI1)
                .key_schema(key("gsi1pk", KeyType::Hash)?)
                .key_schema(key("gsi1sk", KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()?,
        )
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
    let (dlq_url, dlq_arn) = queue(&sqs, &names.dial_dlq, &[]).await?;
    let redrive = serde_json::json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT.to_string() });
    let (dial_url, dial_arn) = queue(
        &sqs,
        &names.dial_queue,
        &[
            (
                QueueAttributeName::VisibilityTimeout,
                visibility_timeout_secs.to_string(),
            ),
            (QueueAttributeName::RedrivePolicy, redrive.to_string()),
        ],
    )
    .await?;
    let (tap_url, tap_arn) = queue(&sqs, &names.events_tap_queue, &[]).await?;

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

    // EventBridge Scheduler group
    let sched = aws_sdk_scheduler::Client::new(sdk);
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
        events_tap_url: tap_url,
    })
}
