#!/usr/bin/env bash
# template.yaml checked the way AWS will see it, offline, with pinned tools installed into the
# project's .venv when missing:
#   1. AWS's own SAM transform (aws-sam-translator, what CloudFormation runs at deploy), which
#      writes the transformed CloudFormation to .local/template.transformed.json;
#   2. cfn-lint on template.yaml and on the transformed CloudFormation;
#   3. `sam validate --lint`.
# Any error fails, naming the resource and the message.
set -euo pipefail
cd "$(dirname "$0")/.."
CFN_LINT_VERSION="1.58.0"
SAM_CLI_VERSION="1.170.0"
SAM_TRANSLATOR_VERSION="1.115.0"
[ -x .venv/bin/python ] || python3 -m venv .venv
if ! .venv/bin/cfn-lint --version 2>/dev/null | grep -q "$CFN_LINT_VERSION" \
  || ! .venv/bin/sam --version 2>/dev/null | grep -q "$SAM_CLI_VERSION" \
  || ! .venv/bin/python -c "import samtranslator, sys; sys.exit(samtranslator.__version__ != '$SAM_TRANSLATOR_VERSION')" 2>/dev/null; then
  echo "installing cfn-lint==$CFN_LINT_VERSION, aws-sam-cli==$SAM_CLI_VERSION and aws-sam-translator==$SAM_TRANSLATOR_VERSION into .venv ..."
  .venv/bin/pip install --quiet --disable-pip-version-check \
    "cfn-lint==$CFN_LINT_VERSION" "aws-sam-cli==$SAM_CLI_VERSION" "aws-sam-translator==$SAM_TRANSLATOR_VERSION"
fi
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
echo "aws-sam-translator $SAM_TRANSLATOR_VERSION: the SAM transform of template.yaml"
.venv/bin/python scripts/sam_transform.py
[ "${1:-}" != "--transform-only" ] || exit 0
echo "cfn-lint $CFN_LINT_VERSION: template.yaml and the transformed CloudFormation"
.venv/bin/cfn-lint template.yaml .local/template.transformed.json
echo "sam validate --lint ($SAM_CLI_VERSION): template.yaml"
.venv/bin/sam validate --lint --template template.yaml
