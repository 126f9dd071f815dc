//! Alarms that reach a person, checked on what CloudFormation will deploy: the template after
//! AWS's own SAM transform (`scripts/sam_transform.py`, aws-sam-translator), not template.yaml.
//!
//! - every log line the code marks as an alarm (`alarm = true`) is counted by a metric filter on
//!   the log group of every function (any function may run the code that logs it), and has an
//!   alarm on that count that notifies the alarm topic; no alarm names a line the code lost;
//! - every dead-letter queue and failure destination has a depth alarm, every function an
//!   errors and a throttles alarm, all to the same topic;
//! - an event Lambda gives up on (start-calling) goes to an SQS failure destination;
//! - the dashboard shows the guide's figures from the metrics the code records.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// template.yaml through the SAM transform, into a file of this test's own (the same script as
/// `scripts/lint-template.sh`, which writes `.local/template.transformed.json`).
fn transformed() -> Value {
    static TRANSFORMED: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    TRANSFORMED.get_or_init(transform).clone()
}

fn transform() -> Value {
    let python = root().join(".venv/bin/python");
    assert!(
        python.exists(),
        "no .venv: run scripts/lint-template.sh once (it installs aws-sam-translator)"
    );
    let out = root().join(format!(
        ".local/template.transformed.test-{}.json",
        uuid::Uuid::new_v4().simple()
    ));
    let run = std::process::Command::new(python)
        .arg(root().join("scripts/sam_transform.py"))
        .arg(&out)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("python runs");
    assert!(
        run.status.success(),
        "SAM transform failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    serde_json::from_str(&text).unwrap()
}

fn resources<'a>(t: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, r)| (id.as_str(), &r["Properties"]))
        .collect()
}

fn reference(v: &Value) -> Option<&str> {
    v["Ref"].as_str()
}

/// `{"Fn::GetAtt": [id, attribute]}` → id, when the attribute is `attribute`.
fn get_att<'a>(v: &'a Value, attribute: &str) -> Option<&'a str> {
    let a = v["Fn::GetAtt"].as_array()?;
    (a.get(1)? == attribute).then(|| a[0].as_str())?
}

// ------------------------------------------------------------------ the alarm lines in the code

/// Every event name logged with `alarm = true` in the functions' code (shared/, functions/,
/// infra/): the last string literal of the logging macro call that holds `alarm = true`.
fn alarm_lines_in_the_code() -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for dir in ["shared", "functions", "infra"] {
        for file in rust_files(&root().join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (event, at) in alarm_events(&text) {
                found.insert(event, format!("{}:{at}", file.display()));
            }
        }
    }
    found
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !matches!(
                path.file_name().and_then(|n| n.to_str()),
                Some("target" | "node_modules" | ".local")
            ) {
                out.extend(rust_files(&path));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// (event name, line number) of each logging macro call with `alarm = true` in `text`.
fn alarm_events(text: &str) -> Vec<(String, usize)> {
    let code: String = text
        .lines()
        .map(|l| match l.trim_start().starts_with("//") {
            true => "",
            false => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut events = Vec::new();
    for (at, _) in code.match_indices("alarm = true") {
        let start = ["error!(", "warn!(", "info!("]
            .iter()
            .filter_map(|m| code[..at].rfind(m).map(|i| i + m.len()))
            .max()
            .unwrap_or_else(|| panic!("`alarm = true` outside a logging macro: {}", &code[at..]));
        // The macro call ends at the parenthesis that closes it.
        let mut depth = 1;
        let mut end = start;
        let mut in_str = false;
        for (i, c) in code[start..].char_indices() {
            match (c, in_str) {
                ('"', _) => in_str = !in_str,
                ('(', false) => depth += 1,
                (')', false) => {
                    depth -= 1;
                    if depth == 0 {
                        end = start + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let call = &code[start..end];
        let name = call
            .rsplit('"')
            .nth(1)
            .unwrap_or_else(|| panic!("no event name in `{call}`"));
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "the event name is the message, in snake_case: `{call}`"
        );
        events.push((name.to_string(), code[..at].lines().count()));
    }
    events
}

#[test]
fn the_source_scan_finds_alarm_lines_as_the_code_writes_them() {
    let text = r#"
        // error!(alarm = true, "in_a_comment");
        error!(message_id = %id, receives, alarm = true, "one_line");
        tracing::error!(
            occurrence_id = %occ,
            error = %format!("a (nested) call"),
            alarm = true,
            "several_lines"
        );
        warn!(alarm = false, "not_an_alarm");
    "#;
    let names: Vec<String> = alarm_events(text).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["one_line", "several_lines"]);
}

// ------------------------------------------------------------------ CloudWatch's filter patterns

/// A JSON log line as the functions write it (`callout_app::logging`, tracing-subscriber).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// The log lines the functions write for an alarm line named `event` and for an ordinary one.
fn real_log_lines(event: &str) -> (Value, Value) {
    static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    let logs = LOGS.get_or_init(|| {
        let c = Captured::default();
        callout_app::logging::init_with(c.clone());
        c
    });
    tracing::error!(
        occurrence_id = "occ_1",
        attempt = 2,
        alarm = true,
        "{}",
        event
    );
    tracing::error!(occurrence_id = "occ_1", "an_ordinary_error");
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let alarm = lines
        .iter()
        .rev()
        .find(|l| l["fields"]["message"] == event)
        .expect("the alarm line was written")
        .clone();
    let ordinary = lines
        .iter()
        .rev()
        .find(|l| l["fields"]["message"] == "an_ordinary_error")
        .unwrap()
        .clone();
    (alarm, ordinary)
}

/// `$.a.b` in a JSON log line.
fn select<'a>(line: &'a Value, selector: &str) -> Option<&'a Value> {
    let path = selector.trim().strip_prefix("$.")?;
    path.split('.').try_fold(line, |v, key| v.get(key))
}

/// Does a CloudWatch Logs JSON filter pattern match `line`? The forms this template uses:
/// `{ $.x = "text" }`, `{ $.x IS TRUE }`, joined by `&&`.
fn matches(pattern: &str, line: &Value) -> bool {
    let inner = pattern
        .trim()
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .unwrap_or_else(|| panic!("not a JSON filter pattern: {pattern}"));
    inner.split("&&").all(|term| {
        if let Some(sel) = term.trim().strip_suffix("IS TRUE") {
            select(line, sel) == Some(&Value::Bool(true))
        } else if let Some((sel, text)) = term.split_once('=') {
            let text = text.trim().trim_matches('"');
            select(line, sel).and_then(Value::as_str) == Some(text)
        } else {
            panic!("a filter term this test does not read: {term}")
        }
    })
}

/// The metric (namespace, name, dimensions) a metric filter gives `line`, if it matches.
fn metric_for(filter: &Value, line: &Value) -> Option<(String, String, BTreeMap<String, String>)> {
    if !matches(filter["FilterPattern"].as_str()?, line) {
        return None;
    }
    let m = &filter["MetricTransformations"][0];
    let dims = m["Dimensions"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .map(|d| {
                    let value = d["Value"].as_str().unwrap();
                    let value = match value.starts_with("$.") {
                        true => select(line, value)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        false => value.to_string(),
                    };
                    (d["Key"].as_str().unwrap().to_string(), value)
                })
                .collect()
        })
        .unwrap_or_default();
    Some((
        m["MetricNamespace"].as_str()?.to_string(),
        m["MetricName"].as_str()?.to_string(),
        dims,
    ))
}

fn alarm_dimensions(alarm: &Value) -> BTreeMap<String, String> {
    alarm["Dimensions"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .filter_map(|d| Some((d["Name"].as_str()?.into(), d["Value"].as_str()?.into())))
                .collect()
        })
        .unwrap_or_default()
}

/// The alarm's actions notify the stack's alarm topic, and it goes off on the first one.
fn notifies_a_person(t: &Value, id: &str, alarm: &Value) {
    let topic = alarm["AlarmActions"]
        .as_array()
        .and_then(|a| a.iter().find_map(reference))
        .unwrap_or_else(|| panic!("{id} notifies nobody"));
    assert_eq!(
        t["Resources"][topic]["Type"], "AWS::SNS::Topic",
        "{id}: AlarmActions"
    );
    assert_eq!(alarm["ComparisonOperator"], "GreaterThanOrEqualToThreshold");
    assert_eq!(alarm["Threshold"], 1, "{id}: the first one counts");
    assert_eq!(alarm["TreatMissingData"], "notBreaching", "{id}");
}

#[test]
fn every_alarm_line_in_the_code_has_a_metric_filter_and_an_alarm() {
    let t = transformed();
    let lines = alarm_lines_in_the_code();
    assert!(
        lines.contains_key("dial_task_dead_lettered"),
        "the scan finds the known alarm lines: {lines:?}"
    );
    let filters = resources(&t, "AWS::Logs::MetricFilter");
    let alarms = resources(&t, "AWS::CloudWatch::Alarm");
    let functions = resources(&t, "AWS::Lambda::Function");
    let mut alarmed = BTreeSet::new();
    for (event, at) in &lines {
        let (line, ordinary) = real_log_lines(event);
        // Whichever function logs it, its log group counts it.
        for (function, f) in &functions {
            let group = reference(&f["LoggingConfig"]["LogGroup"])
                .unwrap_or_else(|| panic!("{function} logs to a log group of the stack's own"));
            let metrics: Vec<_> = filters
                .iter()
                .filter(|(_, mf)| reference(&mf["LogGroupName"]) == Some(group))
                .filter_map(|(_, mf)| metric_for(mf, &line))
                .collect();
            assert!(
                !metrics.is_empty(),
                "alarm line {event} ({at}) is counted by no metric filter on {group} ({function})"
            );
            for (_, mf) in filters
                .iter()
                .filter(|(_, mf)| reference(&mf["LogGroupName"]) == Some(group))
            {
                assert!(
                    metric_for(mf, &ordinary).is_none(),
                    "{group}'s filter counts an ordinary error line as an alarm"
                );
            }
            for (namespace, name, dims) in metrics {
                let alarm = alarms.iter().find(|(_, a)| {
                    a["Namespace"] == namespace.as_str()
                        && a["MetricName"] == name.as_str()
                        && alarm_dimensions(a) == dims
                });
                let Some((id, alarm)) = alarm else {
                    panic!(
                        "alarm line {event} ({at}) has no alarm on {namespace}/{name} {dims:?}: \
                         add one to template.yaml's alarms section (docs/DEPLOY.md §8)"
                    )
                };
                assert!(
                    matches!(alarm["Statistic"].as_str(), Some("Sum" | "Maximum")),
                    "{id}"
                );
                notifies_a_person(&t, id, alarm);
                alarmed.insert(id.to_string());
            }
        }
    }
    // And no alarm waits for a line the code no longer writes.
    for (id, a) in &alarms {
        if a["MetricName"] == "AlarmLines" {
            let event = alarm_dimensions(a)
                .get("Event")
                .cloned()
                .unwrap_or_default();
            assert!(
                lines.contains_key(&event),
                "{id} waits for `{event}`, which no code logs with alarm = true"
            );
        }
    }
    assert!(!alarmed.is_empty());
}

/// Every queue that holds work for a person: a redrive target, a rule's dead-letter queue, a
/// function's on-failure destination, and the dead-letter queue a function gives the schedules
/// it creates (an environment variable `…_DEAD_LETTER_QUEUE_ARN`).
fn waiting_queues(t: &Value) -> BTreeSet<String> {
    let mut waiting = BTreeSet::new();
    for (_, q) in resources(t, "AWS::SQS::Queue") {
        if let Some(dlq) = get_att(&q["RedrivePolicy"]["deadLetterTargetArn"], "Arn") {
            waiting.insert(dlq.to_string());
        }
    }
    for (_, rule) in resources(t, "AWS::Events::Rule") {
        for target in rule["Targets"].as_array().unwrap() {
            if let Some(dlq) = get_att(&target["DeadLetterConfig"]["Arn"], "Arn") {
                waiting.insert(dlq.to_string());
            }
        }
    }
    for (_, c) in resources(t, "AWS::Lambda::EventInvokeConfig") {
        if let Some(q) = get_att(&c["DestinationConfig"]["OnFailure"]["Destination"], "Arn") {
            waiting.insert(q.to_string());
        }
    }
    for (_, f) in resources(t, "AWS::Lambda::Function") {
        for (name, value) in f["Environment"]["Variables"]
            .as_object()
            .into_iter()
            .flatten()
        {
            if name.ends_with("DEAD_LETTER_QUEUE_ARN") {
                let q = get_att(value, "Arn").unwrap_or_else(|| panic!("{name}: {value}"));
                waiting.insert(q.to_string());
            }
        }
    }
    waiting
}

#[test]
fn dead_letters_failures_errors_and_throttles_alarm_to_the_topic() {
    let t = transformed();
    let alarms = resources(&t, "AWS::CloudWatch::Alarm");
    let waiting = waiting_queues(&t);
    assert!(waiting.len() >= 5, "{waiting:?}");
    for queue in &waiting {
        assert_eq!(t["Resources"][queue]["Type"], "AWS::SQS::Queue", "{queue}");
        let (id, alarm) = alarms
            .iter()
            .find(|(_, a)| {
                a["Namespace"] == "AWS/SQS"
                    && a["MetricName"] == "ApproximateNumberOfMessagesVisible"
                    && a["Dimensions"][0]["Name"] == "QueueName"
                    && get_att(&a["Dimensions"][0]["Value"], "QueueName") == Some(queue)
            })
            .unwrap_or_else(|| panic!("no alarm on the depth of {queue}"));
        notifies_a_person(&t, id, alarm);
    }
    // Every function's errors and throttles are watched (a math alarm may sum them).
    for metric in ["Errors", "Throttles"] {
        for (function, _) in resources(&t, "AWS::Lambda::Function") {
            let (id, alarm) = alarms
                .iter()
                .find(|(_, a)| {
                    a["Metrics"].as_array().into_iter().flatten().any(|m| {
                        let m = &m["MetricStat"]["Metric"];
                        m["Namespace"] == "AWS/Lambda"
                            && m["MetricName"] == metric
                            && reference(&m["Dimensions"][0]["Value"]) == Some(function)
                    })
                })
                .unwrap_or_else(|| panic!("no alarm on {function}'s {metric}"));
            notifies_a_person(&t, id, alarm);
        }
    }
    // The topic reaches the AlarmEmail parameter's address when one is given.
    let subscription = resources(&t, "AWS::SNS::Subscription");
    assert!(
        subscription
            .iter()
            .any(|(_, s)| s["Protocol"] == "email"
                && reference(&s["Endpoint"]) == Some("AlarmEmail")),
        "{subscription:?}"
    );
    assert!(t["Parameters"]["AlarmEmail"].is_object());
}

#[test]
fn an_event_start_calling_gives_up_on_goes_to_a_failure_queue() {
    let t = transformed();
    // Every function EventBridge invokes (asynchronously) has deliberate retry settings and an
    // on-failure destination; the rule keeps its own retry policy and dead-letter queue.
    let mut async_functions = BTreeSet::new();
    for (rule, r) in resources(&t, "AWS::Events::Rule") {
        for target in r["Targets"].as_array().unwrap() {
            if let Some(f) = get_att(&target["Arn"], "Arn") {
                assert!(
                    target["RetryPolicy"]["MaximumRetryAttempts"].is_number()
                        && target["DeadLetterConfig"]["Arn"].is_object(),
                    "{rule}: the rule's own retries and dead-letter queue stay"
                );
                async_functions.insert(f.to_string());
            }
        }
    }
    assert!(async_functions.contains("StartCallingFunction"));
    let configs = resources(&t, "AWS::Lambda::EventInvokeConfig");
    for function in &async_functions {
        let (_, c) = configs
            .iter()
            .find(|(_, c)| reference(&c["FunctionName"]) == Some(function))
            .unwrap_or_else(|| panic!("{function}: no EventInvokeConfig (Lambda's defaults)"));
        let retries = c["MaximumRetryAttempts"]
            .as_u64()
            .expect("set deliberately");
        let age = c["MaximumEventAgeInSeconds"]
            .as_u64()
            .expect("set deliberately");
        assert!(retries <= 2 && (60..=21600).contains(&age), "{c}");
        let queue = get_att(&c["DestinationConfig"]["OnFailure"]["Destination"], "Arn")
            .unwrap_or_else(|| panic!("{function}: no on-failure destination"));
        assert_eq!(t["Resources"][queue]["Type"], "AWS::SQS::Queue");
        // Giving up on an event (or failing to deliver it there) reaches a person at once.
        for metric in ["AsyncEventsDropped", "DestinationDeliveryFailures"] {
            let alarms = resources(&t, "AWS::CloudWatch::Alarm");
            let (id, alarm) = alarms
                .iter()
                .find(|(_, a)| {
                    a["Metrics"].as_array().into_iter().flatten().any(|m| {
                        let m = &m["MetricStat"]["Metric"];
                        m["MetricName"] == metric
                            && reference(&m["Dimensions"][0]["Value"]) == Some(function)
                    })
                })
                .unwrap_or_else(|| panic!("no alarm on {function}'s {metric}"));
            notifies_a_person(&t, id, alarm);
        }
        // Lambda sends there with the function's own role.
        let role = get_att(&t["Resources"][function]["Properties"]["Role"], "Arn").unwrap();
        let statements: Vec<&Value> = t["Resources"][role]["Properties"]["Policies"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().unwrap())
            .collect();
        assert!(
            statements.iter().any(|s| {
                let actions = match &s["Action"] {
                    Value::String(a) => vec![a.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                actions.contains(&"sqs:SendMessage")
                    && get_att(&s["Resource"], "Arn") == Some(queue)
            }),
            "{role} may not send to {queue}"
        );
    }
}

#[test]
fn the_dashboard_shows_the_guides_figures_from_the_recorded_metrics() {
    use callout_app::metrics::figures;
    let t = transformed();
    let dashboards = resources(&t, "AWS::CloudWatch::Dashboard");
    assert_eq!(dashboards.len(), 1);
    let body = match &dashboards[0].1["DashboardBody"]["Fn::Sub"] {
        Value::String(s) => s.clone(),
        other => other[0].as_str().unwrap().to_string(),
    };
    // The body is JSON once CloudFormation substitutes ${...}.
    let plain = regex_free_substitute(&body);
    let parsed: Value = serde_json::from_str(&plain).expect("the dashboard body is JSON");
    let widgets = parsed["widgets"].as_array().unwrap();
    let titles: Vec<&str> = widgets
        .iter()
        .filter_map(|w| w["properties"]["title"].as_str())
        .collect();
    for figure in [
        "Call success rate",
        "Average round of acceptance",
        "Unfilled rate",
        "Calls by outcome",
    ] {
        assert!(
            titles.iter().any(|t| t.starts_with(figure)),
            "{figure} missing: {titles:?}"
        );
    }
    let metrics: Vec<Vec<String>> = widgets
        .iter()
        .flat_map(|w| {
            w["properties"]["metrics"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|m| {
            m.as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p.as_str().map(String::from))
                .collect()
        })
        .collect();
    let shown = |parts: &[&str]| {
        metrics
            .iter()
            .any(|m| m.iter().map(String::as_str).eq(parts.iter().copied()))
    };
    for name in [
        figures::SHIFTS_FILLED_BY_CALL,
        figures::SHIFTS_FILLED_OTHERWISE,
        figures::SHIFTS_UNFILLED,
        figures::ACCEPTED_ROUND,
    ] {
        assert!(
            shown(&["ShiftCallout", name]),
            "{name} is not on the dashboard"
        );
    }
    // Beside the alarms: every function's errors and throttles, every waiting queue's depth
    // (each `${X}` read as the name X it stands for).
    let by_name = metric_rows(&body);
    for (function, _) in resources(&t, "AWS::Lambda::Function") {
        for metric in ["Errors", "Throttles"] {
            assert!(
                by_name.contains(&vec![
                    "AWS/Lambda".to_string(),
                    metric.into(),
                    "FunctionName".into(),
                    function.into()
                ]),
                "{function}'s {metric} are not on the dashboard"
            );
        }
    }
    for queue in waiting_queues(&t) {
        assert!(
            by_name.contains(&vec![
                "AWS/SQS".to_string(),
                "ApproximateNumberOfMessagesVisible".into(),
                "QueueName".into(),
                format!("{queue}.QueueName")
            ]),
            "the depth of {queue} is not on the dashboard"
        );
    }
    // Calls by outcome (a skipped turn is no call: it is never counted).
    for outcome in callout_core::campaign::Outcome::ALL
        .into_iter()
        .filter(|o| o.is_call())
    {
        assert!(
            shown(&["ShiftCallout", figures::CALLS, "Outcome", outcome.as_str()]),
            "calls with outcome {} are not on the dashboard",
            outcome.as_str()
        );
    }
}

/// The dashboard's metric rows (their string parts), each `${X}` read as the name `X`.
fn metric_rows(body: &str) -> Vec<Vec<String>> {
    let mut plain = String::new();
    let mut rest = body;
    while let Some(i) = rest.find("${") {
        plain.push_str(&rest[..i]);
        let end = rest[i..].find('}').expect("a closed ${...}") + i;
        plain.push_str(&rest[i + 2..end]);
        rest = &rest[end + 1..];
    }
    plain.push_str(rest);
    let parsed: Value = serde_json::from_str(&plain).expect("the dashboard body is JSON");
    parsed["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| {
            w["properties"]["metrics"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|m| {
            m.as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p.as_str().map(String::from))
                .collect()
        })
        .collect()
}

/// `${X}` and `${X.Attr}` replaced by a placeholder, as CloudFormation would by a value.
fn regex_free_substitute(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}').expect("a closed ${...}") + i;
        out.push_str("resolved");
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}
