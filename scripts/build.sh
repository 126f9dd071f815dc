#!/usr/bin/env bash
# Release builds for Lambda (provided.al2023, arm64), with cargo-lambda (PyPI, brings zig) and
# the SAM CLI installed into the project's .venv when missing.
#   scripts/build.sh        sam build: every function in template.yaml -> .aws-sam/build
#   scripts/build.sh cargo  cargo lambda build --release --arm64: every function binary
#                           -> target/lambda/<function>/bootstrap
# Both use the workspace's one target dir (CARGO_TARGET_DIR if set) and print each bootstrap's size.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_LAMBDA_VERSION="1.9.2"
SAM_CLI_VERSION="1.170.0"
CFN_LINT_VERSION="1.58.0"
[ -x .venv/bin/python ] || python3 -m venv .venv
if ! .venv/bin/cargo-lambda lambda --version 2>/dev/null | grep -q "$CARGO_LAMBDA_VERSION" \
  || ! .venv/bin/sam --version 2>/dev/null | grep -q "$SAM_CLI_VERSION"; then
  echo "installing cargo-lambda==$CARGO_LAMBDA_VERSION and aws-sam-cli==$SAM_CLI_VERSION into .venv ..."
  .venv/bin/pip install --quiet --disable-pip-version-check "cargo-lambda==$CARGO_LAMBDA_VERSION" \
    "aws-sam-cli==$SAM_CLI_VERSION" "cfn-lint==$CFN_LINT_VERSION"
fi
rustup target list --installed 2>/dev/null | grep -q '^aarch64-unknown-linux-gnu$' \
  || rustup target add aarch64-unknown-linux-gnu
export PATH="$PWD/.venv/bin:$PATH" SAM_CLI_TELEMETRY=0 SAM_CLI_BETA_RUST_CARGO_LAMBDA=1
target="${CARGO_TARGET_DIR:-$PWD/target}"
functions=$(sed -n 's/^ *Binary: *//p' template.yaml)

# What each bootstrap links, read off the strings only that client's code carries.
MARKERS="dynamodb:DynamoDB_20120810 sqs:AmazonSQS s3:s3express scheduler:https://scheduler. eventbridge:AWSEvents ssm:AmazonSSM twilio:/2010-04-01/Accounts/ elevenlabs:text-to-speech"
LIMIT=8000000

sizes() {
  over=0
  for f in $functions; do
    b="$1/$f/bootstrap"
    [ "$1" = ".aws-sam/build" ] && b=".aws-sam/build/$(grep -B8 "Binary: $f\$" template.yaml | sed -n 's/^  \([A-Za-z]*Function\):$/\1/p' | tail -1)/bootstrap"
    size=$(stat -c %s "$b")
    links=""
    for m in $MARKERS; do
      grep -qaF -- "${m#*:}" "$b" && links="$links ${m%%:*}"
    done
    [ "$size" -le "$LIMIT" ] || over=1
    printf '%-18s %9s bytes  links:%s\n' "$f" "$size" "$links"
  done
  [ "$over" = 0 ] && echo "every bootstrap <= $LIMIT bytes" || echo "a bootstrap is over $LIMIT bytes" >&2
}

start=$(date +%s)
case "${1:-sam}" in
  sam)
    sam build --template template.yaml --beta-features
    echo "sam build: $(( $(date +%s) - start )) s"
    sizes .aws-sam/build
    ;;
  cargo)
    args=()
    for f in $functions; do args+=(--bin "$f"); done
    cargo lambda build --release --arm64 "${args[@]}"
    echo "cargo lambda build --release --arm64: $(( $(date +%s) - start )) s"
    sizes "$target/lambda"
    ;;
  *) echo "usage: $0 [sam|cargo]" >&2; exit 2 ;;
esac
