#!/usr/bin/env bash
# The IAM check (docs/DEPLOY.md, "Permissions"): every AWS request the functions made while the
# tests ran, evaluated against each function's role in the transformed template with a kept IAM
# policy simulator (@cloud-copilot/iam-simulate, installed into tests/iam if missing).
#   scripts/iam.sh check RECORD   evaluate a record (make test writes .local/iam/requests.jsonl)
#   scripts/iam.sh run            record the end-to-end and reliability tests, then check with
#                                 --removals and --mutations (`make iam`)
# Both also check what AWS does for the stack (event source mappings, destinations, schedules
# and PassRole, API Gateway's and EventBridge's invocations, logs, X-Ray), derived from the
# transformed template (scripts/iam-on-behalf.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f tests/iam/node_modules/@cloud-copilot/iam-simulate/package.json ]; then
  (cd tests/iam && npm install --no-audit --no-fund --loglevel=error)
fi
case "${1:-}" in
  check)
    shift
    node scripts/iam-check.mjs "$@"
    ;;
  run)
    shift
    record="$(pwd)/.local/iam/make-iam.jsonl"
    mkdir -p .local/iam && rm -f "$record"
    export MOTO_PORT="${TEST_MOTO_PORT:-5058}"
    scripts/local-aws.sh start
    trap 'scripts/local-aws.sh stop' EXIT
    export AWS_ENDPOINT_URL="http://127.0.0.1:${MOTO_PORT}" RUST_LOG="${RUST_LOG:-error}"
    scripts/lint-template.sh >/dev/null
    IAM_RECORD="$record" cargo test -q -p e2e --test campaign --test reliability --test portal --test control "$@"
    node scripts/iam-check.mjs "$record" --removals --mutations
    ;;
  *) echo "usage: $0 check RECORD [--removals] [--mutations] | run" >&2; exit 2 ;;
esac
