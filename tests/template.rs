//! The local world is the deployed one: the local runtime serves exactly the routes of
//! template.yaml (after AWS's SAM transform), with their authorizers and path parameters, and
//! builds each function from its own template environment. These tests fail when a template
//! route has no handler, a handler has no route, or a function reads a variable its template
//! entry does not give it.

use e2e::World;
use local_runtime::gateway::{Gateway, HTTP_FUNCTIONS};
use local_runtime::template::{Auth, Template};
use serde_json::Value;
use std::collections::BTreeSet;

/// The runtime's template with `edit` applied to its JSON.
fn edited(w: &World, edit: impl FnOnce(&mut Value)) -> Template {
    let mut json = w.rt.template.json.clone();
    edit(&mut json);
    Template { json }
}

fn gateway(w: &World, t: &Template) -> anyhow::Result<Gateway> {
    Gateway::new(
        t,
        w.rt.functions.clone(),
        "secret".into(),
        w.rt.budget.clone(),
        "test".into(),
    )
}

/// Every route of template.yaml is a row of exactly one function's route table
/// (`callout_app::handlers`), for that function, and every row is a template route: the tables
/// and the template cannot drift apart. No local AWS needed.
#[test]
fn the_templates_routes_are_the_functions_route_tables() {
    let t = Template::load().unwrap();
    let template: BTreeSet<(String, String)> = t
        .routes()
        .unwrap()
        .iter()
        .map(|r| (r.binary.clone(), r.key()))
        .collect();
    let tables: Vec<(String, String)> = callout_app::handlers::all_routes()
        .into_iter()
        .map(|(b, k)| (b.to_string(), k))
        .collect();
    let as_set: BTreeSet<(String, String)> = tables.iter().cloned().collect();
    assert_eq!(as_set.len(), tables.len(), "a route twice in the tables");
    let missing: Vec<_> = template.difference(&as_set).collect();
    let extra: Vec<_> = as_set.difference(&template).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "in template.yaml but in no table: {missing:?}; in a table but not in template.yaml: {extra:?}"
    );
    // The functions the HTTP API triggers are the template's functions with routes.
    let with_routes: BTreeSet<&str> = template.iter().map(|(b, _)| b.as_str()).collect();
    let http: BTreeSet<&str> = HTTP_FUNCTIONS.iter().copied().collect();
    assert_eq!(with_routes, http);
}

#[tokio::test]
async fn every_template_route_reaches_its_function_with_its_authorizer_and_parameters() {
    let w = World::new().await;
    let routes = w.rt.template.routes().unwrap();
    assert!(routes.len() >= 13, "routes: {routes:?}");
    for r in &routes {
        let path = r
            .path
            .replace("{occurrenceId}", "occ_x")
            .replace("{callId}", "occ_x.1");
        let url = format!("{}{path}", w.rt.base_url);
        let req = w
            .http
            .request(r.method.parse().unwrap(), &url)
            .header("content-type", "application/json")
            .body("{}");
        // Without a token a JWT route is refused by the authorizer, before the function.
        let status = req
            .try_clone()
            .unwrap()
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if matches!(r.auth, Auth::Jwt(_)) {
            assert_eq!(status, 401, "{} without a token", r.key());
        }
        let resp = req.bearer_auth(w.rt.token("prov_1")).send().await.unwrap();
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        // The function answered for itself: not the gateway's "Not Found", nor its own "no such
        // route" or a wrong method.
        assert!(
            !body.contains("Not Found") && !body.contains("no such route") && status != 405,
            "{} reached no handler: {status} {body}",
            r.key()
        );
    }
    // A path the template does not route is the gateway's 404, whatever the method.
    let r = w
        .http
        .get(format!("{}/api/outbound/unknown", w.rt.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn a_route_without_a_handler_or_a_handler_without_a_route_stops_the_runtime() {
    let w = World::new().await;
    assert!(gateway(&w, &w.rt.template).is_ok());
    // A route to a function that has no HTTP handler here.
    let t = edited(&w, |j| {
        let uri = &mut j["Resources"]["HttpApi"]["Properties"]["Body"]["paths"]
            ["/api/outbound/twiml"]["post"]["x-amazon-apigateway-integration"]["uri"];
        *uri = serde_json::json!({"Fn::Sub": "arn:aws:apigateway:x:lambda:path/functions/${DialerFunction.Arn}/invocations"});
    });
    let e = gateway(&w, &t)
        .err()
        .expect("a route to the dialer is refused");
    assert!(e.to_string().contains("POST /api/outbound/twiml"), "{e}");
    // A handler whose only route is gone.
    let t = edited(&w, |j| {
        j["Resources"]["HttpApi"]["Properties"]["Body"]["paths"]
            .as_object_mut()
            .unwrap()
            .remove("/api/outbound/timeout");
    });
    let e = gateway(&w, &t)
        .err()
        .expect("call-timeout without a route is refused");
    assert!(e.to_string().contains("call-timeout"), "{e}");
    // A route whose function's table does not have it.
    let t = edited(&w, |j| {
        let paths = j["Resources"]["HttpApi"]["Properties"]["Body"]["paths"]
            .as_object_mut()
            .unwrap();
        let csv = paths.remove("/api/provider/calls.csv").unwrap();
        paths.insert("/api/provider/calls.tsv".into(), csv);
    });
    let e = gateway(&w, &t)
        .err()
        .expect("a route in no table is refused");
    assert!(
        e.to_string().contains("GET /api/provider/calls.tsv")
            && e.to_string().contains("provider-settings's route table"),
        "{e}"
    );
    // Every function with a handler here is a function of the template.
    let functions: BTreeSet<String> = w.rt.template.functions().into_values().collect();
    for f in HTTP_FUNCTIONS {
        assert!(functions.contains(*f), "{f}");
    }
}

#[tokio::test]
async fn each_function_reads_only_what_its_template_environment_gives() {
    let w = World::new().await;
    assert_eq!(w.rt.functions.env.len(), 10);
    for (binary, env) in &w.rt.functions.env {
        let stray: Vec<&String> = env
            .read
            .iter()
            .filter(|v| {
                !env.given.contains_key(*v)
                    && !callout_app::config::OPTIONAL_VARIABLES.contains(&v.as_str())
                    && !local_runtime::LOCAL_ONLY_VARIABLES.contains(&v.as_str())
            })
            .collect();
        assert!(
            stray.is_empty(),
            "{binary} reads {stray:?}, which its entry in template.yaml does not give"
        );
        for required in [
            "TABLE_NAME",
            "DIAL_QUEUE_URL",
            "AUDIO_BUCKET",
            "TWILIO_ACCOUNT_SID",
        ] {
            assert!(env.given.contains_key(required), "{binary}: {required}");
        }
    }
    // Every function that writes the call log keeps it as long as the stack says.
    for binary in ["start-calling", "dialer", "provider-settings", "inbound"] {
        assert!(
            w.rt.functions.env[binary]
                .given
                .contains_key("CALL_LOG_RETENTION_DAYS"),
            "{binary} writes call-log records without CALL_LOG_RETENTION_DAYS"
        );
    }
    // The function that creates the start schedules names their dead-letter queue.
    assert_eq!(
        w.rt.functions.env["start-calling"].given["SCHEDULE_DEAD_LETTER_QUEUE_ARN"],
        w.rt.provisioned.schedule_dlq_arn
    );
    // The dialer's own settings come from its template entry.
    let dialer = &w.rt.functions.env["dialer"];
    assert_eq!(dialer.logical_id, "DialerFunction");
    assert!(dialer.given.contains_key("MAX_CONCURRENT_CALLS"));
    assert!(dialer.given.contains_key("ELEVENLABS_API_KEY_PARAMETER"));

    // A function whose template entry loses a variable it needs does not start.
    let t = edited(&w, |j| {
        j["Globals"] = Value::Null;
        j["Resources"]["CallStatusFunction"]["Properties"]["Environment"]["Variables"]
            .as_object_mut()
            .unwrap()
            .remove("TABLE_NAME");
    });
    let resources = w.rt.resources.clone();
    let world = local_runtime::World {
        template: &t,
        resources: &resources,
        local: Default::default(),
        name: "test".into(),
        sdk: &w.rt.sdk,
        http: &reqwest::Client::new(),
    };
    let e = world
        .configure("call-status")
        .await
        .expect_err("no TABLE_NAME");
    assert!(format!("{e:#}").contains("TABLE_NAME"), "{e:#}");
}

#[tokio::test]
async fn the_event_source_mapping_and_the_rule_are_the_templates() {
    let w = World::new().await;
    let t = &w.rt.template;
    let resources = &w.rt.resources;
    let sources = t.queue_sources(resources).unwrap();
    assert_eq!(sources.len(), 1);
    let s = &sources[0];
    assert_eq!(
        (s.binary.as_str(), s.queue.as_str()),
        ("dialer", "DialQueue")
    );
    assert_eq!(s.batch_size, 1);
    assert!(s.report_batch_item_failures);
    assert_eq!(s.maximum_concurrency, Some(5));
    let rules = t.rules().unwrap();
    // Wave3Completed and the platform's ShiftCancelled by their patterns, and the daily
    // recording-retention run (a schedule: no pattern, so never delivered by
    // `POST /local/events`).
    assert_eq!(rules.len(), 3);
    assert!(rules.iter().all(|r| r.binary == "start-calling"));
    assert_eq!(rules.iter().filter(|r| r.pattern.is_null()).count(), 1);
    assert!(rules
        .iter()
        .any(|r| r.pattern["detail-type"] == serde_json::json!(["ShiftCancelled"])));
    // An event no rule of the template matches is not delivered.
    let r = w
        .http
        .post(format!("{}/local/events", w.rt.base_url))
        .json(&serde_json::json!({"detail-type": "ShiftFilled", "detail": {}}))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["delivered"], false);
}

#[tokio::test]
async fn a_request_that_cannot_become_an_api_gateway_event_is_a_400_and_the_runtime_lives_on() {
    let w = World::new().await;
    let url = format!("{}/api/outbound/twiml", w.rt.base_url);
    for (name, value) in [("host", "exa mple.com"), ("x-forwarded-proto", "ht tp")] {
        let r = w
            .http
            .post(&url)
            .header(name, value)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("CallSid=CA1")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{name}: {value}");
    }
    let (status, _) = w.get_settings("prov_1").await;
    assert_eq!(status, 200, "the runtime still answers");
}

#[test]
fn every_sample_http_event_names_a_route_of_the_template() {
    let text = std::fs::read_to_string(local_runtime::template::transformed_path())
        .expect("make transform");
    let t = Template::parse(&text).unwrap();
    let keys: BTreeSet<String> = t.routes().unwrap().iter().map(|r| r.key()).collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if let Some(key) = v.get("routeKey").and_then(Value::as_str) {
            seen += 1;
            assert!(
                keys.contains(key),
                "{}: {key} is not a route of template.yaml",
                path.display()
            );
            let route = t
                .routes()
                .unwrap()
                .into_iter()
                .find(|r| r.key() == key)
                .unwrap();
            let raw = v["rawPath"].as_str().unwrap_or_default();
            let params = route.matches(&route.method, raw).unwrap_or_else(|| {
                panic!("{}: rawPath {raw} does not match {key}", path.display())
            });
            for (name, value) in params {
                assert_eq!(
                    v["pathParameters"][&name],
                    value,
                    "{}: {name}",
                    path.display()
                );
            }
        }
    }
    assert!(seen >= 10, "{seen} sample HTTP events");
}

/// A shift's start schedule sends to the dial queue as the template's scheduler role, with the
/// template's ScheduleDeadLetterQueue as its dead-letter queue; a start the scheduler cannot
/// deliver lands there (the local scheduler does what EventBridge Scheduler does with an error
/// it does not retry).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_schedule_has_the_templates_dead_letter_queue_and_an_undeliverable_start_lands_there(
) {
    let w = World::new().await;
    // 120 minutes at the tests' TIME_SCALE: the schedule is still pending when read.
    w.enable(120, 3).await;
    let occ = e2e::occ("scheduledlq");
    w.wave3_completed(&occ, &[&e2e::ALICE]).await;
    let scheduler = aws_sdk_scheduler::Client::new(&w.rt.sdk);
    let group = &w.rt.provisioned.names.schedule_group;
    let schedule = scheduler
        .get_schedule()
        .name(callout_app::adapters::schedule::schedule_name(&occ))
        .group_name(group)
        .send()
        .await
        .expect("the start schedule is pending");
    let target = schedule.target.expect("a target");
    let attribute = |id: &str| w.rt.resources.by_id[id].attributes["Arn"].clone();
    assert_eq!(target.arn, w.rt.provisioned.dial_queue_arn);
    assert_eq!(target.role_arn, attribute("SchedulerRole"));
    assert_eq!(
        target.dead_letter_config.and_then(|d| d.arn),
        Some(attribute("ScheduleDeadLetterQueue")),
        "the start schedule has the template's dead-letter queue"
    );

    // A start whose target cannot be reached goes to that queue, its input whole.
    let missing = format!("{}-missing", w.rt.provisioned.dial_queue_arn);
    let input = r#"{"kind":"startCalling","occurrenceId":"occ_undeliverable"}"#;
    scheduler
        .create_schedule()
        .name("undeliverable-start")
        .group_name(group)
        .schedule_expression(format!(
            "at({})",
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S")
        ))
        .flexible_time_window(
            aws_sdk_scheduler::types::FlexibleTimeWindow::builder()
                .mode(aws_sdk_scheduler::types::FlexibleTimeWindowMode::Off)
                .build()
                .unwrap(),
        )
        .target(
            aws_sdk_scheduler::types::Target::builder()
                .arn(&missing)
                .role_arn(attribute("SchedulerRole"))
                .input(input)
                .dead_letter_config(
                    aws_sdk_scheduler::types::DeadLetterConfig::builder()
                        .arn(attribute("ScheduleDeadLetterQueue"))
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let sqs = aws_sdk_sqs::Client::new(&w.rt.sdk);
    let started = std::time::Instant::now();
    let message = loop {
        let got = sqs
            .receive_message()
            .queue_url(&w.rt.provisioned.schedule_dlq_url)
            .message_attribute_names("All")
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        if let Some(m) = got.messages.unwrap_or_default().pop() {
            break m;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "no dead letter for the undeliverable start"
        );
    };
    assert_eq!(message.body.as_deref(), Some(input));
    let attributes = message.message_attributes.unwrap_or_default();
    assert_eq!(
        attributes["TARGET_ARN"].string_value.as_deref(),
        Some(missing.as_str())
    );
}

/// What AWS does for the stack (scripts/iam-on-behalf.mjs) is checked from the transformed
/// template: it passes as deployed, and with start-calling's failure-queue send under the
/// scheduler's PassRole condition again (a key only PassRole requests carry, so the statement
/// never matches) it fails, naming the role, the action and the queue.
#[test]
fn the_iam_check_of_what_aws_does_for_the_stack_names_the_role_action_and_resource() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = local_runtime::template::transformed_path();
    let check = |template: &std::path::Path| {
        let out = std::process::Command::new(root.join("scripts/iam.sh"))
            .args(["check", "--on-behalf", "--template"])
            .arg(template)
            .output()
            .expect("scripts/iam.sh runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (passed, report) = check(&path);
    assert!(passed, "{report}");
    assert!(report.contains("iam:PassRole"), "{report}");

    let mut t: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let statements = t["Resources"]["StartCallingRole"]["Properties"]["Policies"][0]
        ["PolicyDocument"]["Statement"]
        .as_array_mut()
        .unwrap();
    let pass_role = statements
        .iter()
        .position(|s| s["Action"] == "iam:PassRole")
        .unwrap();
    let condition = statements[pass_role]
        .as_object_mut()
        .unwrap()
        .remove("Condition")
        .expect("PassRole keeps its condition");
    // The failure queue's send (start-calling also sends to the dial queue).
    let send = statements
        .iter()
        .position(|s| {
            s["Action"] == "sqs:SendMessage"
                && s["Resource"]
                    .to_string()
                    .contains("StartCallingFailedQueue")
        })
        .unwrap();
    statements[send]["Condition"] = condition;
    let broken = root.join(format!(
        ".local/template.on-behalf-test-{}.json",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&broken, t.to_string()).unwrap();
    let (passed, report) = check(&broken);
    let _ = std::fs::remove_file(&broken);
    assert!(!passed, "{report}");
    assert!(
        report.contains(
            "DENIED (ImplicitlyDenied) StartCallingRole: sqs:SendMessage on arn:aws:sqs:"
        ) && report.contains("StartCallingFailedQueue [OnFailure destination"),
        "{report}"
    );
}

/// The console shows every parameter in a group, and the stack's outputs give the URLs a
/// person types into Twilio's console for the number (docs/DEPLOY.md §5).
#[test]
fn every_parameter_is_in_a_group_and_the_numbers_webhook_urls_are_outputs() {
    let path = local_runtime::template::transformed_path();
    let t: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let grouped: BTreeSet<&str> = t["Metadata"]["AWS::CloudFormation::Interface"]
        ["ParameterGroups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["Parameters"].as_array().unwrap())
        .filter_map(Value::as_str)
        .collect();
    for parameter in t["Parameters"].as_object().unwrap().keys() {
        assert!(
            grouped.contains(parameter.as_str()),
            "{parameter} is in no ParameterGroup"
        );
    }
    let outputs = t["Outputs"].to_string();
    for path in ["/api/inbound/voice\"", "/api/inbound/sms\""] {
        assert!(outputs.contains(path), "no output gives {path}");
    }
}
