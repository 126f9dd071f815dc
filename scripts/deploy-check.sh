#!/usr/bin/env bash
# The cargo-lambda deploy path (docs/DEPLOY.md), checked offline with the pinned cargo-lambda:
# scripts/cargo_lambda_deploy.py builds each function's `cargo lambda deploy` invocation from a
# stack description shaped like Lambda's own answers (made here from the transformed template),
# and cargo-lambda runs it with --dry: its own argument parser, environment-file reader and
# packaging, everything but the upload. What cannot run offline: reading a real stack
# (CloudFormation DescribeStackResources, Lambda GetFunctionConfiguration) and the upload.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_LAMBDA_VERSION="1.9.2"
if [[ "$(.venv/bin/cargo-lambda lambda --version 2>/dev/null)" != *"$CARGO_LAMBDA_VERSION"* ]]; then
  echo "installing cargo-lambda==$CARGO_LAMBDA_VERSION into .venv ..."
  .venv/bin/pip install --quiet --disable-pip-version-check "cargo-lambda==$CARGO_LAMBDA_VERSION"
fi
[ -f .local/template.transformed.json ] || scripts/lint-template.sh --transform-only >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
.venv/bin/python - "$work" <<'PY'
import json, shutil, sys
from pathlib import Path
work = Path(sys.argv[1])
t = json.loads(Path(".local/template.transformed.json").read_text())
functions = {}
for logical_id, r in t["Resources"].items():
    if r["Type"] != "AWS::Lambda::Function":
        continue
    binary = r["Metadata"]["BuildProperties"]["Binary"]
    # A stand-in executable where `cargo lambda build` puts the binary.
    (work / "lambda" / binary).mkdir(parents=True)
    shutil.copy("/bin/true", work / "lambda" / binary / "bootstrap")
    p = r["Properties"]
    variables = {k: f"sample-{k.lower()}" for k in p.get("Environment", {}).get("Variables", {})}
    variables["PUBLIC_BASE_URL"] = "https://calls.example.com/base,with=odd,characters"
    functions[logical_id] = {
        "FunctionName": f"shift-callout-{logical_id}-AbC123",
        "Role": f"arn:aws:iam::123456789012:role/shift-callout-{logical_id}Role-XyZ",
        "Timeout": p.get("Timeout", 3),
        "MemorySize": p.get("MemorySize", 128),
        "TracingConfig": {"Mode": p.get("TracingConfig", {}).get("Mode", "PassThrough")},
        "Runtime": p["Runtime"],
        "Environment": {"Variables": variables},
    }
(work / "stack.json").write_text(json.dumps({"region": "ap-southeast-2", "functions": functions}))
(work / "count").write_text(str(len(functions)))
print(f"deploy check: {len(functions)} functions")
PY
PATH="$(pwd)/.venv/bin:$PATH" .venv/bin/python scripts/cargo_lambda_deploy.py --stack shift-callout \
  --stack-description "$work/stack.json" --lambda-dir "$work/lambda" --dry >"$work/out.txt" 2>&1 \
  || { cat "$work/out.txt"; echo "deploy check: cargo-lambda refused the invocation" >&2; exit 1; }
# What cargo-lambda understood: every function with its role, its environment and the odd value.
n=$(grep -c "role: Some(\"arn:aws:iam::123456789012:role/shift-callout-" "$work/out.txt" || true)
grep -q 'https://calls.example.com/base,with=odd,characters' "$work/out.txt" \
  || { cat "$work/out.txt"; echo "deploy check: an environment value was not passed whole" >&2; exit 1; }
expected="$(cat "$work/count")"
[ "$n" = "$expected" ] || { cat "$work/out.txt"; echo "deploy check: $n of $expected functions packaged" >&2; exit 1; }
echo "deploy check: cargo-lambda $CARGO_LAMBDA_VERSION accepted and packaged all $expected invocations (--dry)"
