//! The local world read from the deployed one: template.yaml after AWS's own SAM transform
//! (`scripts/sam_transform.py` writes `.local/template.transformed.json`). Every HTTP route with
//! its function and authorizer, each function's environment and role policies, the dial queue's
//! event source mapping and the rule's event pattern come from here; the local runtime keeps no
//! list of its own.
//!
//! Intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::If`, `Fn::Join`, conditions) are
//! resolved against the local resources ([`Resources`]), the template's parameter defaults and
//! fixed pseudo parameters (account 123456789012, us-east-1, partition aws).

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The local AWS's account and region, as the IAM record writes ARNs.
pub use callout_app::access::{ACCOUNT, REGION};

/// The repository's root (this crate lives in `infra/local-runtime`).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the transformed template is: `LOCAL_TEMPLATE`, or `.local/template.transformed.json`.
pub fn transformed_path() -> PathBuf {
    std::env::var_os("LOCAL_TEMPLATE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".local/template.transformed.json"))
}

/// How an HTTP route is authorised in AWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorizer: NONE`: anyone may call it (the webhooks check Twilio's signature).
    Open,
    /// A JWT authorizer: the claims reach the function as API Gateway passes them.
    Jwt(String),
    /// `AWS_IAM`: open locally (SPEC §7), SigV4 in AWS.
    Iam,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub method: String,
    /// With `{params}`, as in the route key: `/api/jobs/{occurrenceId}/acceptance`.
    pub path: String,
    /// The function's logical id and its binary (`Metadata.BuildProperties.Binary`).
    pub function: String,
    pub binary: String,
    pub auth: Auth,
}

impl Route {
    /// API Gateway's route key: `POST /api/outbound/twiml`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The path parameters if `path` matches this route (each `{name}` one whole segment).
    pub fn matches(&self, method: &str, path: &str) -> Option<BTreeMap<String, String>> {
        if !self.method.eq_ignore_ascii_case(method) {
            return None;
        }
        let (want, got): (Vec<&str>, Vec<&str>) =
            (self.path.split('/').collect(), path.split('/').collect());
        if want.len() != got.len() {
            return None;
        }
        let mut params = BTreeMap::new();
        for (w, g) in want.iter().zip(&got) {
            match w.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
                Some(name) if !g.is_empty() => {
                    params.insert(name.to_string(), g.to_string());
                }
                Some(_) => return None,
                None if w == g => {}
                None => return None,
            }
        }
        Some(params)
    }
}

/// An SQS event source mapping.
#[derive(Debug, Clone)]
pub struct QueueSource {
    pub function: String,
    pub binary: String,
    /// The queue's logical id.
    pub queue: String,
    pub batch_size: i32,
    pub batching_window_secs: i32,
    pub report_batch_item_failures: bool,
    pub maximum_concurrency: Option<usize>,
}

/// An EventBridge rule targeting a function.
#[derive(Debug, Clone)]
pub struct Rule {
    pub function: String,
    pub binary: String,
    pub pattern: Value,
}

/// A local resource's `Ref` value and attributes (`Arn`, `QueueName`, …).
#[derive(Debug, Clone, Default)]
pub struct Resource {
    pub reference: String,
    pub attributes: BTreeMap<String, String>,
}

/// The local resources by logical id, and parameter values that differ from the defaults.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    pub by_id: BTreeMap<String, Resource>,
    pub parameters: BTreeMap<String, String>,
    /// `AWS::StackName`.
    pub stack_name: String,
}

impl Resources {
    pub fn add(&mut self, id: &str, reference: &str, attributes: &[(&str, &str)]) {
        self.by_id.insert(
            id.to_string(),
            Resource {
                reference: reference.to_string(),
                attributes: attributes
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
        );
    }
}

#[derive(Debug, Clone)]
pub struct Template {
    pub json: Value,
}

impl Template {
    /// The transformed template at [`transformed_path`], made again first when template.yaml is
    /// newer (with the project's pinned transform, `scripts/sam_transform.py`).
    pub fn load() -> Result<Template> {
        let path = transformed_path();
        let source = repo_root().join("template.yaml");
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let stale = match (modified(&path), modified(&source)) {
            (Some(t), Some(s)) => t < s,
            (None, _) => true,
            _ => false,
        };
        if stale && std::env::var_os("LOCAL_TEMPLATE").is_none() {
            let python = repo_root().join(".venv/bin/python");
            let ok = std::process::Command::new(&python)
                .arg(repo_root().join("scripts/sam_transform.py"))
                .arg(&path)
                .stdout(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                bail!(
                    "{} is missing or older than template.yaml and the SAM transform could not \
                     run: `make transform` (scripts/lint-template.sh) makes it",
                    path.display()
                );
            }
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {} (`make transform`)", path.display()))?;
        Template::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Template> {
        let json: Value = serde_json::from_str(text).context("the transformed template")?;
        if !json.get("Resources").is_some_and(Value::is_object) {
            bail!("the transformed template has no Resources");
        }
        Ok(Template { json })
    }

    fn resources(&self) -> &Map<String, Value> {
        self.json["Resources"]
            .as_object()
            .expect("checked in parse")
    }

    fn of_type<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = (&'a String, &'a Value)> + 'a {
        self.resources()
            .iter()
            .filter(move |(_, r)| r["Type"] == ty)
    }

    /// Every Lambda function: logical id → binary.
    pub fn functions(&self) -> BTreeMap<String, String> {
        self.of_type("AWS::Lambda::Function")
            .map(|(id, r)| {
                let binary = r["Metadata"]["BuildProperties"]["Binary"]
                    .as_str()
                    .unwrap_or(id)
                    .to_string();
                (id.clone(), binary)
            })
            .collect()
    }

    fn binary(&self, function: &str) -> Result<String> {
        self.functions()
            .remove(function)
            .ok_or_else(|| anyhow!("no function {function} in the template"))
    }

    /// The function a reference names: `{"Ref": "X"}`, `{"Fn::GetAtt": ["X", "Arn"]}` or an
    /// integration URI `Fn::Sub` naming `${X.Arn}`.
    fn function_named(&self, v: &Value) -> Option<String> {
        let functions = self.functions();
        let text = match v {
            Value::Object(o) if o.contains_key("Ref") => o["Ref"].as_str()?.to_string(),
            Value::Object(o) if o.contains_key("Fn::GetAtt") => {
                o["Fn::GetAtt"][0].as_str()?.to_string()
            }
            Value::Object(o) if o.contains_key("Fn::Sub") => o["Fn::Sub"].to_string(),
            _ => return None,
        };
        functions
            .keys()
            .find(|f| text == **f || text.contains(&format!("${{{f}.")))
            .cloned()
    }

    /// Every route of every HTTP API, from the OpenAPI body SAM generated.
    pub fn routes(&self) -> Result<Vec<Route>> {
        let mut routes = Vec::new();
        for (api_id, api) in self.of_type("AWS::ApiGatewayV2::Api") {
            let body = &api["Properties"]["Body"];
            let schemes = body["components"]["securitySchemes"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let paths = body["paths"]
                .as_object()
                .ok_or_else(|| anyhow!("{api_id} has no paths"))?;
            for (path, methods) in paths {
                for (method, op) in methods.as_object().into_iter().flatten() {
                    let integration = &op["x-amazon-apigateway-integration"];
                    let function = self.function_named(&integration["uri"]).ok_or_else(|| {
                        anyhow!("{method} {path}: its integration names no function")
                    })?;
                    let scheme = op["security"][0]
                        .as_object()
                        .and_then(|s| s.keys().next().cloned())
                        .unwrap_or_else(|| "NONE".into());
                    let auth = match scheme.as_str() {
                        "NONE" => Auth::Open,
                        "AWS_IAM" => Auth::Iam,
                        name => match schemes.get(name) {
                            Some(s) if s["x-amazon-apigateway-authorizer"]["type"] == "jwt" => {
                                Auth::Jwt(name.to_string())
                            }
                            _ => bail!("{method} {path}: authorizer {name} is not emulated here"),
                        },
                    };
                    routes.push(Route {
                        method: method.to_ascii_uppercase(),
                        path: path.clone(),
                        binary: self.binary(&function)?,
                        function,
                        auth,
                    });
                }
            }
        }
        Ok(routes)
    }

    /// The SQS event source mappings.
    pub fn queue_sources(&self, r: &Resources) -> Result<Vec<QueueSource>> {
        let mut out = Vec::new();
        for (id, m) in self.of_type("AWS::Lambda::EventSourceMapping") {
            let p = &m["Properties"];
            let function = self
                .function_named(&p["FunctionName"])
                .ok_or_else(|| anyhow!("{id}: FunctionName names no function"))?;
            let queue = match &p["EventSourceArn"]["Fn::GetAtt"][0] {
                Value::String(q) => q.clone(),
                _ => bail!("{id}: EventSourceArn is not a queue of this template"),
            };
            let number = |v: &Value, default: i64| -> Result<i64> {
                if v.is_null() {
                    return Ok(default);
                }
                self.resolve(v, r)?
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
                    .parse()
                    .with_context(|| format!("{id}: {v} is not a number"))
            };
            out.push(QueueSource {
                binary: self.binary(&function)?,
                function,
                queue,
                // Lambda's defaults for SQS.
                batch_size: number(&p["BatchSize"], 10)? as i32,
                batching_window_secs: number(&p["MaximumBatchingWindowInSeconds"], 0)? as i32,
                report_batch_item_failures: p["FunctionResponseTypes"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|t| t == "ReportBatchItemFailures")),
                maximum_concurrency: match &p["ScalingConfig"]["MaximumConcurrency"] {
                    Value::Null => None,
                    v => Some(number(v, 2)? as usize),
                },
            });
        }
        Ok(out)
    }

    /// The EventBridge rules whose targets are functions.
    pub fn rules(&self) -> Result<Vec<Rule>> {
        let mut out = Vec::new();
        for (_, rule) in self.of_type("AWS::Events::Rule") {
            let p = &rule["Properties"];
            for target in p["Targets"].as_array().into_iter().flatten() {
                if let Some(function) = self.function_named(&target["Arn"]) {
                    out.push(Rule {
                        binary: self.binary(&function)?,
                        function,
                        pattern: p["EventPattern"].clone(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// A function's environment variables, resolved.
    pub fn environment(&self, function: &str, r: &Resources) -> Result<BTreeMap<String, String>> {
        let f = self
            .resources()
            .get(function)
            .ok_or_else(|| anyhow!("no function {function}"))?;
        let mut env = BTreeMap::new();
        for (k, v) in f["Properties"]["Environment"]["Variables"]
            .as_object()
            .into_iter()
            .flatten()
        {
            match self.resolve(v, r) {
                Ok(Value::String(s)) => {
                    env.insert(k.clone(), s);
                }
                Ok(Value::Null) => {}
                Ok(other) => {
                    env.insert(k.clone(), other.to_string());
                }
                Err(e) => return Err(e.context(format!("{function}: variable {k}"))),
            }
        }
        Ok(env)
    }

    /// The policy documents of a function's role (see [`Template::policies_of_role`]).
    pub fn role_policies(&self, function: &str, r: &Resources) -> Result<Vec<Value>> {
        let f = &self.resources()[function];
        let role_id = f["Properties"]["Role"]["Fn::GetAtt"][0]
            .as_str()
            .ok_or_else(|| anyhow!("{function}: its Role is not a role of this template"))?;
        self.policies_of_role(role_id, r)
    }

    /// A role's inline policies and the customer-managed policies of this template it attaches,
    /// resolved (AWS managed policies are left out: their text is not here).
    pub fn policies_of_role(&self, role_id: &str, r: &Resources) -> Result<Vec<Value>> {
        let role = &self
            .resources()
            .get(role_id)
            .ok_or_else(|| anyhow!("no role {role_id}"))?["Properties"];
        let mut docs = Vec::new();
        for p in role["Policies"].as_array().into_iter().flatten() {
            docs.push(self.resolve(&p["PolicyDocument"], r)?);
        }
        for arn in role["ManagedPolicyArns"].as_array().into_iter().flatten() {
            let chosen = if arn.get("Fn::If").is_some() {
                self.resolve_if(arn, r)?
            } else {
                arn.clone()
            };
            let policy = chosen["Ref"]
                .as_str()
                .and_then(|id| self.resources().get(id));
            if let Some(p) = policy.filter(|p| p["Type"] == "AWS::IAM::ManagedPolicy") {
                docs.push(self.resolve(&p["Properties"]["PolicyDocument"], r)?);
            }
        }
        Ok(docs)
    }

    /// The queues' and buckets' own policies: (the ARNs each governs, the policy resolved).
    pub fn resource_policies(&self, r: &Resources) -> Result<Vec<(Vec<String>, Value)>> {
        let arn_of = |v: &Value| -> Option<String> {
            let id = v["Ref"].as_str()?;
            r.by_id.get(id)?.attributes.get("Arn").cloned()
        };
        let mut out = Vec::new();
        for (id, res) in self.resources() {
            let p = &res["Properties"];
            let arns: Vec<String> = match res["Type"].as_str() {
                Some("AWS::SQS::QueuePolicy") => p["Queues"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(arn_of)
                    .collect(),
                Some("AWS::S3::BucketPolicy") => arn_of(&p["Bucket"]).into_iter().collect(),
                _ => continue,
            };
            if arns.is_empty() {
                bail!("{id}: the resource it governs is not known locally");
            }
            out.push((arns, self.resolve(&p["PolicyDocument"], r)?));
        }
        Ok(out)
    }

    /// The ARN of a function's role.
    pub fn role_arn(&self, function: &str, r: &Resources) -> Result<String> {
        self.resolve(&self.resources()[function]["Properties"]["Role"], r)?
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("{function}: its Role does not resolve to an ARN"))
    }

    /// Every resource of the template: logical id → type.
    pub fn resource_types(&self) -> BTreeMap<String, String> {
        self.resources()
            .iter()
            .map(|(id, r)| {
                (
                    id.clone(),
                    r["Type"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// A resource's property, unresolved.
    pub fn property(&self, id: &str, path: &[&str]) -> Option<&Value> {
        let mut v = self.resources().get(id)?.get("Properties")?;
        for k in path {
            v = v.get(*k)?;
        }
        Some(v)
    }

    /// The branch an `Fn::If` takes, unresolved.
    fn resolve_if(&self, v: &Value, r: &Resources) -> Result<Value> {
        let args = v["Fn::If"]
            .as_array()
            .filter(|a| a.len() == 3)
            .ok_or_else(|| anyhow!("Fn::If takes three arguments"))?;
        let cond = args[0]
            .as_str()
            .ok_or_else(|| anyhow!("Fn::If condition"))?;
        Ok(if self.condition(cond, r)? {
            args[1].clone()
        } else {
            args[2].clone()
        })
    }

    fn parameter(&self, name: &str, r: &Resources) -> Option<String> {
        if let Some(v) = r.parameters.get(name) {
            return Some(v.clone());
        }
        match name {
            "AWS::Region" => return Some(REGION.into()),
            "AWS::AccountId" => return Some(ACCOUNT.into()),
            "AWS::Partition" => return Some("aws".into()),
            "AWS::URLSuffix" => return Some("amazonaws.com".into()),
            "AWS::StackName" => return Some(r.stack_name.clone()),
            _ => {}
        }
        let p = self.json["Parameters"].get(name)?;
        Some(match &p["Default"] {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        })
    }

    fn condition(&self, name: &str, r: &Resources) -> Result<bool> {
        let c = self.json["Conditions"]
            .get(name)
            .ok_or_else(|| anyhow!("no condition {name}"))?;
        self.truth(c, r)
    }

    fn truth(&self, c: &Value, r: &Resources) -> Result<bool> {
        let o = c.as_object().ok_or_else(|| anyhow!("condition {c}"))?;
        if let Some(a) = o.get("Fn::Not") {
            return Ok(!self.truth(&a[0], r)?);
        }
        if let Some(a) = o.get("Fn::Equals") {
            return Ok(self.resolve(&a[0], r)? == self.resolve(&a[1], r)?);
        }
        if let Some(a) = o.get("Fn::And") {
            for x in a.as_array().into_iter().flatten() {
                if !self.truth(x, r)? {
                    return Ok(false);
                }
            }
            return Ok(true);
        }
        if let Some(a) = o.get("Fn::Or") {
            for x in a.as_array().into_iter().flatten() {
                if self.truth(x, r)? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        if let Some(name) = o.get("Condition").and_then(Value::as_str) {
            return self.condition(name, r);
        }
        bail!("condition {c} is not understood here")
    }

    fn reference(&self, name: &str, r: &Resources) -> Result<Value> {
        if name == "AWS::NoValue" {
            return Ok(Value::Null);
        }
        if let Some(res) = r.by_id.get(name) {
            return Ok(Value::String(res.reference.clone()));
        }
        if let Some(p) = self.parameter(name, r) {
            return Ok(Value::String(p));
        }
        bail!("Ref {name}: no such local resource or parameter")
    }

    fn attribute(&self, id: &str, attr: &str, r: &Resources) -> Result<String> {
        r.by_id
            .get(id)
            .and_then(|res| res.attributes.get(attr))
            .cloned()
            .ok_or_else(|| anyhow!("Fn::GetAtt {id}.{attr}: not known locally"))
    }

    fn substitute(&self, text: &str, vars: &Map<String, Value>, r: &Resources) -> Result<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| anyhow!("unclosed ${{ in {text}"))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.get(name) {
                match self.resolve(v, r)? {
                    Value::String(s) => out.push_str(&s),
                    other => out.push_str(&other.to_string()),
                }
            } else if let Some((id, attr)) = name.split_once('.') {
                out.push_str(&self.attribute(id, attr, r)?);
            } else {
                match self.reference(name, r)? {
                    Value::String(s) => out.push_str(&s),
                    other => out.push_str(&other.to_string()),
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// `v` with every intrinsic function resolved; `AWS::NoValue` removes a list item or key.
    pub fn resolve(&self, v: &Value, r: &Resources) -> Result<Value> {
        match v {
            Value::Object(o) if o.len() == 1 => {
                let (k, a) = o.iter().next().expect("one key");
                match k.as_str() {
                    "Ref" => self.reference(a.as_str().unwrap_or_default(), r),
                    "Fn::GetAtt" => {
                        let (id, attr) = match a {
                            Value::Array(x) => (
                                x[0].as_str().unwrap_or_default().to_string(),
                                x[1].as_str().unwrap_or_default().to_string(),
                            ),
                            Value::String(s) => {
                                let (i, t) = s.split_once('.').unwrap_or((s, ""));
                                (i.to_string(), t.to_string())
                            }
                            _ => bail!("Fn::GetAtt {a}"),
                        };
                        Ok(Value::String(self.attribute(&id, &attr, r)?))
                    }
                    "Fn::Sub" => match a {
                        Value::String(s) => {
                            Ok(Value::String(self.substitute(s, &Map::new(), r)?))
                        }
                        Value::Array(x) => {
                            let vars = x[1].as_object().cloned().unwrap_or_default();
                            let s = x[0].as_str().unwrap_or_default();
                            Ok(Value::String(self.substitute(s, &vars, r)?))
                        }
                        _ => bail!("Fn::Sub {a}"),
                    },
                    "Fn::If" => {
                        let chosen = self.resolve_if(v, r)?;
                        self.resolve(&chosen, r)
                    }
                    "Fn::Join" => {
                        let sep = a[0].as_str().unwrap_or_default();
                        let parts = self.resolve(&a[1], r)?;
                        let parts: Vec<String> = parts
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string))
                            .collect();
                        Ok(Value::String(parts.join(sep)))
                    }
                    _ => self.resolve_map(o, r),
                }
            }
            Value::Object(o) => self.resolve_map(o, r),
            Value::Array(items) => {
                let mut out = Vec::new();
                for i in items {
                    match self.resolve(i, r)? {
                        Value::Null => {}
                        x => out.push(x),
                    }
                }
                Ok(Value::Array(out))
            }
            other => Ok(other.clone()),
        }
    }

    fn resolve_map(&self, o: &Map<String, Value>, r: &Resources) -> Result<Value> {
        let mut out = Map::new();
        for (k, v) in o {
            match self.resolve(v, r)? {
                Value::Null => {}
                x => {
                    out.insert(k.clone(), x);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// Whether an EventBridge event matches a rule's pattern (the subset this product's rules use:
/// fields whose values are lists of exact strings, nested objects).
pub fn pattern_matches(pattern: &Value, event: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields.iter().all(|(k, p)| match p {
            Value::Array(allowed) => event.get(k).is_some_and(|v| allowed.iter().any(|a| a == v)),
            Value::Object(_) => event.get(k).is_some_and(|v| pattern_matches(p, v)),
            _ => false,
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn route(path: &str) -> Route {
        Route {
            method: "POST".into(),
            path: path.into(),
            function: "F".into(),
            binary: "f".into(),
            auth: Auth::Open,
        }
    }

    #[test]
    fn a_route_matches_whole_segments_and_names_its_parameters() {
        let r = route("/api/jobs/{occurrenceId}/acceptance");
        assert_eq!(
            r.matches("POST", "/api/jobs/occ_1/acceptance")
                .unwrap()
                .get("occurrenceId")
                .map(String::as_str),
            Some("occ_1")
        );
        assert!(r.matches("GET", "/api/jobs/occ_1/acceptance").is_none());
        assert!(r.matches("POST", "/api/jobs//acceptance").is_none());
        assert!(r.matches("POST", "/api/jobs/a/b/acceptance").is_none());
        assert!(route("/api/outbound/twiml")
            .matches("POST", "/api/outbound/twimlx")
            .is_none());
    }

    #[test]
    fn intrinsics_resolve_against_local_resources_and_parameter_defaults() {
        let t = Template::parse(
            &json!({
                "Parameters": { "Name": { "Type": "String", "Default": "x" }, "Empty": { "Type": "String", "Default": "" } },
                "Conditions": { "HasEmpty": { "Fn::Not": [{ "Fn::Equals": [{ "Ref": "Empty" }, ""] }] } },
                "Resources": {}
            })
            .to_string(),
        )
        .unwrap();
        let mut r = Resources::default();
        r.add(
            "Table",
            "t-table",
            &[(
                "Arn",
                "arn:aws:dynamodb:us-east-1:123456789012:table/t-table",
            )],
        );
        let v = json!({
            "a": { "Fn::Sub": "${Table.Arn}/index/${Name}" },
            "b": { "Fn::If": ["HasEmpty", "yes", { "Ref": "AWS::NoValue" }] },
            "c": [{ "Ref": "Table" }, { "Fn::If": ["HasEmpty", "no", { "Ref": "AWS::NoValue" }] }],
            "d": { "Fn::Sub": ["${X}-${AWS::Region}", { "X": { "Ref": "Name" } }] },
        });
        assert_eq!(
            t.resolve(&v, &r).unwrap(),
            json!({
                "a": "arn:aws:dynamodb:us-east-1:123456789012:table/t-table/index/x",
                "c": ["t-table"],
                "d": "x-us-east-1",
            })
        );
        assert!(t.resolve(&json!({ "Ref": "Missing" }), &r).is_err());
    }

    #[test]
    fn event_patterns_match_lists_of_values() {
        let p = json!({ "detail-type": ["Wave3Completed"] });
        assert!(pattern_matches(
            &p,
            &json!({ "detail-type": "Wave3Completed", "detail": {} })
        ));
        assert!(!pattern_matches(
            &p,
            &json!({ "detail-type": "ShiftFilled" })
        ));
        assert!(!pattern_matches(&p, &json!({ "detail": {} })));
    }
}
