//! The bundle holds together: every Lambda binary in the workspace is a function in
//! `template.yaml` (and every function is one of them), built the same way for the same
//! runtime, and every function has sample events in `events/`. Plus the template's promises
//! about secrets and privileges that a typo would quietly break.

use serde_yaml::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn template() -> Value {
    let text = std::fs::read_to_string(root().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).expect("template.yaml is YAML")
}

/// `!Ref X` and friends come back tagged; look through the tag.
fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        v => v,
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for key in path {
        cur = untag(cur).get(key)?;
    }
    untag(cur).as_str()
}

/// (binary, package directory) for every binary target in the workspace.
fn workspace_binaries() -> Vec<(String, PathBuf)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut bins = Vec::new();
    for pkg in meta["packages"].as_array().unwrap() {
        let dir = Path::new(pkg["manifest_path"].as_str().unwrap())
            .parent()
            .unwrap()
            .to_path_buf();
        for target in pkg["targets"].as_array().unwrap() {
            if target["kind"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k == "bin")
            {
                bins.push((target["name"].as_str().unwrap().to_string(), dir.clone()));
            }
        }
    }
    bins
}

/// Binaries under `functions/`: what Lambda runs. Others (under `infra/`) are local tools.
fn lambda_binaries() -> BTreeSet<String> {
    let functions = root().join("functions").canonicalize().unwrap();
    let infra = root().join("infra").canonicalize().unwrap();
    let mut lambdas = BTreeSet::new();
    for (name, dir) in workspace_binaries() {
        let dir = dir.canonicalize().unwrap();
        if dir.starts_with(&functions) {
            lambdas.insert(name);
        } else {
            assert!(
                dir.starts_with(&infra),
                "binary {name} in {} is neither a function (functions/) nor a local tool (infra/)",
                dir.display()
            );
        }
    }
    lambdas
}

/// (logical id, binary) of every function in the template.
fn template_functions(t: &Value) -> Vec<(String, String)> {
    let resources = t["Resources"].as_mapping().unwrap();
    let mut out = Vec::new();
    for (id, r) in resources {
        if r["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let id = id.as_str().unwrap().to_string();
        assert_eq!(
            str_at(r, &["Metadata", "BuildMethod"]),
            Some("rust-cargolambda"),
            "{id}: Metadata.BuildMethod"
        );
        let binary = str_at(r, &["Metadata", "BuildProperties", "Binary"])
            .unwrap_or_else(|| panic!("{id}: Metadata.BuildProperties.Binary"))
            .to_string();
        out.push((id, binary));
    }
    out
}

#[test]
fn every_binary_is_a_function_and_every_function_a_binary() {
    let t = template();
    let bins = lambda_binaries();
    assert_eq!(bins.len(), 10, "{bins:?}");
    let functions: BTreeSet<String> = template_functions(&t).into_iter().map(|(_, b)| b).collect();
    assert_eq!(functions, bins, "template functions vs. workspace binaries");
    assert_eq!(
        template_functions(&t).len(),
        bins.len(),
        "one function per binary"
    );
}

#[test]
fn every_function_is_arm64_on_provided_al2023() {
    let t = template();
    let g = &t["Globals"]["Function"];
    assert_eq!(g["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(g["Handler"].as_str(), Some("bootstrap"));
    assert_eq!(
        g["Architectures"],
        serde_yaml::from_str::<Value>("[arm64]").unwrap()
    );
    for (id, _) in template_functions(&t) {
        let p = &t["Resources"][id.as_str()]["Properties"];
        for key in ["Runtime", "Architectures", "Handler"] {
            assert!(p.get(key).is_none(), "{id} overrides Globals' {key}");
        }
    }
}

#[test]
fn every_function_has_sample_events_and_every_sample_a_function() {
    let bins = lambda_binaries();
    let samples: Vec<String> = std::fs::read_dir(root().join("events"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .map(|n| n.trim_end_matches(".json").to_string())
        .collect();
    // events/<function>.json or events/<function>-<case>.json
    let owner = |stem: &str| {
        bins.iter()
            .filter(|b| stem == b.as_str() || stem.starts_with(&format!("{b}-")))
            .max_by_key(|b| b.len())
            .cloned()
    };
    for stem in &samples {
        assert!(
            owner(stem).is_some(),
            "events/{stem}.json belongs to no function"
        );
    }
    for b in &bins {
        assert!(
            samples.iter().any(|s| owner(s).as_ref() == Some(b)),
            "no sample event for {b} (events/{b}.json or events/{b}-*.json)"
        );
    }
    for stem in &samples {
        let text = std::fs::read_to_string(root().join(format!("events/{stem}.json"))).unwrap();
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("events/{stem}.json: {e}"));
    }
}

fn dump(v: &Value) -> String {
    serde_yaml::to_string(v).unwrap()
}

fn roles_mentioning(t: &Value, needle: &str) -> BTreeSet<String> {
    t["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| {
            matches!(
                r["Type"].as_str(),
                Some("AWS::IAM::Role") | Some("AWS::IAM::ManagedPolicy")
            )
        })
        .filter(|(_, r)| dump(r).contains(needle))
        .map(|(id, _)| id.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn secrets_come_from_parameter_store_and_privileges_are_narrow() {
    let t = template();
    // No secret is a template parameter or an environment value.
    for (name, p) in t["Parameters"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        let lower = name.to_ascii_lowercase();
        if lower.contains("token") || lower.contains("apikey") || lower.contains("secret") {
            assert!(
                name.ends_with("Parameter")
                    || name == "SecretsKmsKeyArn"
                    || name == "SecretsVersion",
                "{name} looks like a secret passed as a parameter"
            );
            assert_ne!(p["NoEcho"].as_bool(), Some(true), "{name}");
        }
    }
    let all = dump(&t);
    for plain in [
        "TWILIO_AUTH_TOKEN:",
        "TWILIO_AUTH_TOKEN_PREVIOUS:",
        "ELEVENLABS_API_KEY:",
    ] {
        assert!(
            !all.contains(plain),
            "{plain} set as a plain environment value"
        );
    }
    let set = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        roles_mentioning(&t, "ElevenLabsApiKeyParameter"),
        set(&["DialerRole", "ProviderSettingsRole"]),
        "only the dialer and the portal's Listen button read the ElevenLabs key"
    );
    assert_eq!(
        roles_mentioning(&t, "scheduler:CreateSchedule"),
        set(&["StartCallingRole"]),
        "only start-calling creates schedules"
    );
    assert_eq!(
        roles_mentioning(&t, "iam:PassRole"),
        set(&["StartCallingRole"])
    );
    for id in ["StartCallingRole", "JobAcceptanceRole"] {
        let role = dump(&t["Resources"][id]);
        assert!(!role.contains("ssm:"), "{id} reads no secret");
    }
    let portal = dump(&t["Resources"]["ProviderSettingsRole"]);
    assert!(
        !portal.contains("TwilioAuthToken"),
        "the portal reads no Twilio token"
    );
    assert!(
        !all.contains("Action: '*'") && !all.contains("Action: \"*\""),
        "no wildcard actions"
    );
    // The functions read their secrets with one GetParameters request (secrets.rs): the roles
    // that name a token parameter grant exactly that action.
    for id in roles_mentioning(&t, "TwilioAuthTokenParameter") {
        let role = dump(&t["Resources"][id.as_str()]);
        assert!(
            role.contains("ssm:GetParameters") && !role.contains("ssm:GetParameter\n"),
            "{id} grants ssm:GetParameters (what the functions call)"
        );
    }
    // The scheduler's role: trusted by the scheduler for this account, and sends to the queue only.
    let sched = dump(&t["Resources"]["SchedulerRole"]);
    assert!(sched.contains("scheduler.amazonaws.com") && sched.contains("aws:SourceAccount"));
    assert!(sched.contains("sqs:SendMessage") && !sched.contains("sqs:*"));
}
