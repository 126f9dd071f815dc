#!/usr/bin/env bash
# Every test: starts its own local AWS (moto, in .venv, installed if missing) on a port of its
# own, runs the workspace's tests against it, and stops it again.
set -euo pipefail
cd "$(dirname "$0")/.."
export MOTO_PORT="${TEST_MOTO_PORT:-5056}"
scripts/local-aws.sh start
trap 'scripts/local-aws.sh stop' EXIT
export AWS_ENDPOINT_URL="http://127.0.0.1:${MOTO_PORT}"
export RUST_LOG="${RUST_LOG:-warn}"
cargo fmt --all -- --check
# Lints, warnings as errors (a finding is fixed, not silenced).
cargo clippy --workspace --all-targets -- -D warnings
# The SAM template: cfn-lint and sam validate --lint (installed into .venv if missing).
scripts/lint-template.sh
# The cargo-lambda deploy path against the pinned cargo-lambda's own parser (--dry, offline).
scripts/deploy-check.sh
# The contract check against Twilio's OpenAPI description runs on Prism (installed if missing).
scripts/contract.sh install
export CONTRACT_REQUIRED=1
# Every AWS request a function makes is recorded, then evaluated against its role; what AWS does
# for the stack is derived from the transformed template and checked too (scripts/iam.sh).
export IAM_RECORD="$(pwd)/.local/iam/requests.jsonl"
mkdir -p .local/iam && rm -f "$IAM_RECORD"
log="$(mktemp)"
set +e
cargo test --workspace --no-fail-fast "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
scripts/iam.sh check "$IAM_RECORD" --removals --mutations 2>&1 | tee .local/iam/report.txt
iam=${PIPESTATUS[0]}
[ "$status" -ne 0 ] || status=$iam
# The portal in headless Chromium (installs chromium and playwright-core if missing).
scripts/browser-test.sh 2>&1 | tee -a "$log"
browser=${PIPESTATUS[0]}
[ "$status" -ne 0 ] || status=$browser
set -e
# One closing line for the whole workspace (cargo prints one per test binary).
awk '/^test result:|^browser: [0-9]+ passed/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed[;,]?/) p += $i; if ($(i+1) ~ /^failed[;,]?/) f += $i } }
     END { printf "\nworkspace: %d passed, %d failed\n", p, f }' "$log"
rm -f "$log"
exit "$status"
