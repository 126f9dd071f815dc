#!/usr/bin/env python3
"""template.yaml through AWS's own SAM transform (aws-sam-translator, the code CloudFormation
runs at deploy), offline.

Each function gets the S3 `CodeUri` that `sam package` would give it, and managed policies are
loaded as nothing (the functions' roles are explicit). Writes the transformed CloudFormation to
.local/template.transformed.json (or the path given as the first argument) and prints its
resource count. Any error the transform reports fails the run, naming the resource and the
message, exactly as `sam deploy` would see it.

The transformed template is what the rest of the tooling reads: cfn-lint (scripts/
lint-template.sh), the local runtime's routes and environment (infra/local-runtime), and the IAM
check (scripts/iam-check.mjs).
"""
import json
import os
import sys
from pathlib import Path

from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent


class NoManagedPolicies(ManagedPolicyLoader):
    """Managed policies by name resolve to nothing: every role here names its ARNs itself."""

    def __init__(self):  # no IAM client offline
        pass

    def load(self):
        return {}


def packaged(template):
    """What `sam package` leaves behind: each function's code in S3, build metadata untouched."""
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["CodeUri"] = {
                "Bucket": "sam-artifacts-123456789012-us-east-1",
                "Key": f"shift-callout/{logical_id}.zip",
            }
    return template


def main():
    # The region the pseudo parameters resolve in (any: the template names no region itself).
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".local" / "template.transformed.json"
    template = packaged(yaml_parse((ROOT / "template.yaml").read_text()))
    try:
        transformed = transform(template, {}, NoManagedPolicies())
    except InvalidDocumentException as e:
        print(f"SAM transform: template.yaml is rejected ({len(e.causes)} errors):", file=sys.stderr)
        for cause in e.causes:
            print(f"  - {cause.message}", file=sys.stderr)
        sys.exit(1)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written whole, then renamed: local runtimes starting at once never read half a file.
    tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(transformed, indent=1, sort_keys=True))
    os.replace(tmp, out)
    resources = transformed["Resources"]
    by_type = {}
    for r in resources.values():
        by_type[r["Type"]] = by_type.get(r["Type"], 0) + 1
    print(f"SAM transform: {len(resources)} CloudFormation resources -> {out.relative_to(ROOT)}")
    print("  " + ", ".join(f"{t.split('::', 1)[1]} {n}" for t, n in sorted(by_type.items())))


if __name__ == "__main__":
    main()
