#!/usr/bin/env python3
"""Deploy functions of an existing stack with `cargo lambda deploy` (docs/DEPLOY.md).

The stack (created once with `sam deploy`) owns the roles, the environment, the queue, the
table and the API; this puts new code on its functions, each with the role, environment,
timeout, memory and tracing the stack gave it, read from the stack's resources:

    cargo lambda build --release --arm64
    scripts/cargo_lambda_deploy.py --stack shift-callout --region ap-southeast-2 [BINARY ...]

BINARY is a function's binary name (`dialer`, `call-twiml`, ...); none means all of them.
`--dry` passes `--dry` to cargo-lambda: everything but the upload (no AWS call by it).
`--stack-description FILE` reads the functions' configurations from a file shaped like
Lambda's GetFunctionConfiguration answers (`{"region": ..., "functions": {LogicalId: {...}}}`)
instead of asking AWS: the offline check in the test command uses it.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def binaries():
    """Logical id -> binary name, from template.yaml's build metadata."""
    from samtranslator.yaml_helper import yaml_parse

    template = yaml_parse((ROOT / "template.yaml").read_text())
    return {
        logical_id: r["Metadata"]["BuildProperties"]["Binary"]
        for logical_id, r in template["Resources"].items()
        if r.get("Type") == "AWS::Serverless::Function"
    }


def from_aws(stack, region):
    """Each function's configuration as Lambda reports it, found through the stack's resources."""
    import boto3

    session = boto3.session.Session(region_name=region)
    cfn, lam = session.client("cloudformation"), session.client("lambda")
    functions = {}
    for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]:
        if r["ResourceType"] == "AWS::Lambda::Function":
            functions[r["LogicalResourceId"]] = lam.get_function_configuration(
                FunctionName=r["PhysicalResourceId"]
            )
    return {"region": session.region_name, "functions": functions}


def command(binary, conf, region, env_file, dry, lambda_dir):
    """The `cargo lambda deploy` invocation for one function."""
    argv = [
        "cargo", "lambda", "deploy",
        "--binary-name", binary,
        "--role", conf["Role"],
        "--env-file", env_file,
        "--timeout", str(conf["Timeout"]),
        "--memory", str(conf["MemorySize"]),
        "--tracing", conf.get("TracingConfig", {}).get("Mode", "PassThrough").lower(),
        "--runtime", conf.get("Runtime", "provided.al2023"),
        "--region", region,
    ]
    if lambda_dir:
        argv += ["--lambda-dir", lambda_dir]
    if dry:
        argv.append("--dry")
    return argv + [conf["FunctionName"]]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--stack", required=True)
    p.add_argument("--region")
    p.add_argument("--dry", action="store_true")
    p.add_argument("--lambda-dir", help="where `cargo lambda build` put the binaries")
    p.add_argument("--stack-description", help="read the functions from this file, not AWS")
    p.add_argument("binary", nargs="*")
    a = p.parse_args()

    by_id = binaries()
    stack = (
        json.loads(Path(a.stack_description).read_text())
        if a.stack_description
        else from_aws(a.stack, a.region)
    )
    region = a.region or stack["region"]
    wanted = set(a.binary) or set(by_id.values())
    unknown = wanted - set(by_id.values())
    if unknown:
        sys.exit(f"not functions of template.yaml: {', '.join(sorted(unknown))}")
    failed = []
    for logical_id, binary in sorted(by_id.items(), key=lambda kv: kv[1]):
        if binary not in wanted:
            continue
        conf = stack["functions"].get(logical_id)
        if conf is None:
            sys.exit(f"stack {a.stack} has no {logical_id} (deploy it once with `sam deploy`)")
        env = conf.get("Environment", {}).get("Variables", {})
        with tempfile.NamedTemporaryFile("w", suffix=".env", delete=False) as f:
            # One KEY="VALUE" a line, double-quoted: --env-var would split a value at its commas,
            # and cargo-lambda's env-file reader drops the whole file when an unquoted value
            # holds a `=` (seen with 1.9.2).
            f.write("".join(f"{k}={json.dumps(v, ensure_ascii=False)}\n" for k, v in sorted(env.items())))
        argv = command(binary, conf, region, f.name, a.dry, a.lambda_dir)
        print(f"{binary} -> {conf['FunctionName']} ({len(env)} variables, role {conf['Role'].rsplit('/', 1)[-1]})", flush=True)
        try:
            if subprocess.run(argv).returncode != 0:
                failed.append(binary)
        finally:
            os.unlink(f.name)
    if failed:
        sys.exit(f"cargo lambda deploy failed for: {', '.join(failed)}")


if __name__ == "__main__":
    main()
