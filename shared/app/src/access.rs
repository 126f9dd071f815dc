//! What each function asks of AWS, recorded for the IAM check (`make iam`, docs/DEPLOY.md).
//!
//! Off unless the local runtime turns it on ([`enable`]): then every AWS request a function's
//! clients send, and every URL its role presigns, becomes one JSON line — the function, the IAM
//! action and the resource ARN — which `scripts/iam-check.mjs` evaluates against that function's
//! role in the transformed template with a kept IAM policy simulator. In Lambda nothing is
//! recorded (one atomic load per request).

use serde_json::{json, Value};
use std::future::Future;
use std::io::Write;
use std::sync::{Mutex, OnceLock};

/// The account and region of the local AWS (moto's defaults).
pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

static SINK: OnceLock<Mutex<std::fs::File>> = OnceLock::new();

/// Record from now on, appending JSON lines to `path` (shared by every process of a test run).
pub fn enable(path: &std::path::Path) -> std::io::Result<()> {
    if SINK.get().is_some() {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let _ = SINK.set(Mutex::new(file));
    Ok(())
}

pub fn enabled() -> bool {
    SINK.get().is_some()
}

/// Who is asking: a function (its binary name) of one local world (its resource prefix).
#[derive(Debug, Clone)]
pub struct Caller {
    pub function: String,
    pub world: String,
}

tokio::task_local! {
    static CALLER: Caller;
}

/// Run `work` as `caller`: what it asks of AWS is recorded under that function.
pub async fn scope<F: Future>(caller: Caller, work: F) -> F::Output {
    CALLER.scope(caller, work).await
}

/// Write one line.
pub fn write(line: &Value) {
    if let Some(sink) = SINK.get() {
        let mut text = line.to_string();
        text.push('\n');
        // One write per line: lines from concurrent processes never interleave.
        let _ = sink
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write_all(text.as_bytes());
    }
}

/// One request by `caller`.
pub fn record_as(caller: &Caller, action: &str, resource: &str, how: &str) {
    write(&json!({
        "kind": "request", "world": caller.world, "function": caller.function,
        "action": action, "resource": resource, "how": how,
    }));
}

/// One request by the function running this task; outside any [`scope`], by "unknown" (the
/// check fails on those: every request must be someone's).
pub fn record(action: &str, resource: &str, how: &str) {
    if !enabled() {
        return;
    }
    let caller = CALLER.try_with(Caller::clone).unwrap_or(Caller {
        function: "unknown".into(),
        world: "unknown".into(),
    });
    record_as(&caller, action, resource, how);
}

/// A presigned S3 GET: whoever fetches it acts with the signing function's role.
pub fn presigned_get(bucket: &str, key: &str) {
    record(
        "s3:GetObject",
        &format!("arn:aws:s3:::{bucket}/{key}"),
        "presigned",
    );
}

/// The IAM action and resource of an SDK request (`service` as the clients name it, the
/// operation from the SDK's metadata, the request as it is sent).
pub fn describe(
    service: &str,
    operation: &str,
    uri: &str,
    body: Option<&[u8]>,
) -> Vec<(String, String)> {
    let body: Value = body
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(Value::Null);
    let path = uri
        .split_once("://")
        .map_or(uri, |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let decode = |s: &str| {
        urlencoding::decode(s)
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| s.to_string())
    };
    let one = |action: &str, resource: String| vec![(action.to_string(), resource)];
    match service {
        "dynamodb" => {
            let table = |name: &str| format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}");
            let mut tables: Vec<String> = Vec::new();
            if let Some(t) = body["TableName"].as_str() {
                tables.push(match body["IndexName"].as_str() {
                    Some(i) => format!("{}/index/{i}", table(t)),
                    None => table(t),
                });
            }
            if let Some(items) = body["RequestItems"].as_object() {
                tables.extend(items.keys().map(|t| table(t)));
            }
            // A transaction is authorized item by item, as its items' own actions (IAM has no
            // `TransactWriteItems` / `TransactGetItems` action).
            let mut acts: Vec<(String, String)> = body["TransactItems"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|item| item.as_object())
                .flatten()
                .filter_map(|(kind, op)| {
                    let action = match kind.as_str() {
                        "Put" => "PutItem",
                        "Update" => "UpdateItem",
                        "Delete" => "DeleteItem",
                        "ConditionCheck" => "ConditionCheckItem",
                        "Get" => "GetItem",
                        _ => return None,
                    };
                    Some((
                        format!("dynamodb:{action}"),
                        table(op["TableName"].as_str()?),
                    ))
                })
                .collect();
            if !operation.starts_with("Transact") {
                tables.sort();
                tables.dedup();
                acts.extend(
                    tables
                        .into_iter()
                        .map(|t| (format!("dynamodb:{operation}"), t)),
                );
            }
            acts.sort();
            acts.dedup();
            acts
        }
        "sqs" => {
            let url = body["QueueUrl"].as_str().unwrap_or_default();
            let mut parts = url.rsplit('/');
            let name = parts.next().unwrap_or_default();
            let account = parts.next().filter(|a| !a.is_empty()).unwrap_or(ACCOUNT);
            // A batch is authorized as its single action (SQS has no `…Batch` IAM actions).
            let operation = operation.strip_suffix("Batch").unwrap_or(operation);
            one(
                &format!("sqs:{operation}"),
                format!("arn:aws:sqs:{REGION}:{account}:{name}"),
            )
        }
        "s3" => {
            // Path-style locally: /bucket/key.
            let rest = path.trim_start_matches('/');
            let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
            let action = match operation {
                "HeadObject" | "GetObject" => "s3:GetObject",
                "ListObjectsV2" | "ListObjects" | "HeadBucket" => "s3:ListBucket",
                other => return one(&format!("s3:{other}"), format!("arn:aws:s3:::{rest}")),
            };
            let resource = if action == "s3:ListBucket" {
                format!("arn:aws:s3:::{bucket}")
            } else {
                format!("arn:aws:s3:::{bucket}/{}", decode(key))
            };
            one(action, resource)
        }
        "scheduler" => {
            let name = decode(path.rsplit('/').next().unwrap_or_default());
            let group = body["GroupName"]
                .as_str()
                .map(str::to_string)
                .or_else(|| {
                    query
                        .split('&')
                        .find_map(|kv| kv.strip_prefix("groupName="))
                        .map(decode)
                })
                .unwrap_or_else(|| "default".into());
            one(
                &format!("scheduler:{operation}"),
                format!("arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{group}/{name}"),
            )
        }
        "eventbridge" => {
            let bus = |b: &str| {
                if b.starts_with("arn:") {
                    b.to_string()
                } else {
                    format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{b}")
                }
            };
            let mut buses: Vec<String> = body["Entries"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| bus(e["EventBusName"].as_str().unwrap_or("default")))
                .collect();
            buses.sort();
            buses.dedup();
            buses
                .into_iter()
                .map(|b| (format!("events:{operation}"), b))
                .collect()
        }
        "ssm" => {
            let mut names: Vec<String> = body["Name"]
                .as_str()
                .into_iter()
                .map(str::to_string)
                .collect();
            names.extend(
                body["Names"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|n| n.as_str().map(str::to_string)),
            );
            names
                .into_iter()
                .map(|n| {
                    let n = n.trim_start_matches('/');
                    (
                        format!("ssm:{operation}"),
                        format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{n}"),
                    )
                })
                .collect()
        }
        other => one(&format!("{other}:{operation}"), "*".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_described_as_iam_sees_them() {
        let d = describe(
            "dynamodb",
            "Query",
            "http://127.0.0.1:5056/",
            Some(br#"{"TableName":"t-table","IndexName":"gsi1"}"#),
        );
        assert_eq!(
            d,
            vec![(
                "dynamodb:Query".into(),
                "arn:aws:dynamodb:us-east-1:123456789012:table/t-table/index/gsi1".into()
            )]
        );
        let d = describe(
            "sqs",
            "SendMessage",
            "http://127.0.0.1:5056/",
            Some(br#"{"QueueUrl":"http://127.0.0.1:5056/123456789012/t-dial"}"#),
        );
        assert_eq!(d[0].1, "arn:aws:sqs:us-east-1:123456789012:t-dial");
        let d = describe(
            "sqs",
            "SendMessageBatch",
            "http://127.0.0.1:5056/",
            Some(br#"{"QueueUrl":"http://127.0.0.1:5056/123456789012/t-dial"}"#),
        );
        assert_eq!(d[0].0, "sqs:SendMessage", "a batch is its single action");
        let d = describe(
            "s3",
            "HeadObject",
            "http://127.0.0.1:5056/t-audio/audio/ab%2Fc.wav?x-id=HeadObject",
            None,
        );
        assert_eq!(
            d,
            vec![(
                "s3:GetObject".into(),
                "arn:aws:s3:::t-audio/audio/ab/c.wav".into()
            )]
        );
        let d = describe(
            "scheduler",
            "DeleteSchedule",
            "http://h/schedules/occ-1?groupName=t&clientToken=x",
            None,
        );
        assert_eq!(
            d[0].1,
            "arn:aws:scheduler:us-east-1:123456789012:schedule/t/occ-1"
        );
        let d = describe(
            "ssm",
            "GetParameters",
            "http://h/",
            Some(br#"{"Names":["/a/b","/a/c"]}"#),
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].1, "arn:aws:ssm:us-east-1:123456789012:parameter/a/c");
        let d = describe(
            "dynamodb",
            "TransactWriteItems",
            "http://h/",
            Some(br#"{"TransactItems":[{"Put":{"TableName":"a"}},{"Update":{"TableName":"a"}},{"Put":{"TableName":"a"}}]}"#),
        );
        let table = "arn:aws:dynamodb:us-east-1:123456789012:table/a".to_string();
        assert_eq!(
            d,
            [
                ("dynamodb:PutItem".to_string(), table.clone()),
                ("dynamodb:UpdateItem".to_string(), table)
            ],
            "a transaction is its items' own actions"
        );
    }
}
