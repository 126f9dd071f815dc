#!/usr/bin/env bash
# template.yaml through cfn-lint and `sam validate --lint`, both offline, both pinned and
# installed into the project's .venv when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
CFN_LINT_VERSION="1.58.0"
SAM_CLI_VERSION="1.170.0"
[ -x .venv/bin/python ] || python3 -m venv .venv
if ! .venv/bin/cfn-lint --version 2>/dev/null | grep -q "$CFN_LINT_VERSION" \
  || ! .venv/bin/sam --version 2>/dev/null | grep -q "$SAM_CLI_VERSION"; then
  echo "installing cfn-lint==$CFN_LINT_VERSION and aws-sam-cli==$SAM_CLI_VERSION into .venv ..."
  .venv/bin/pip install --quiet --disable-pip-version-check \
    "cfn-lint==$CFN_LINT_VERSION" "aws-sam-cli==$SAM_CLI_VERSION"
fi
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
echo "cfn-lint $CFN_LINT_VERSION: template.yaml"
.venv/bin/cfn-lint template.yaml
echo "sam validate --lint ($SAM_CLI_VERSION): template.yaml"
.venv/bin/sam validate --lint --template template.yaml
