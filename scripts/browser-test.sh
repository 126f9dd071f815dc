#!/usr/bin/env bash
# The portal page in a real browser: Debian's headless Chromium, driven by playwright-core
# (tests/browser), against the local runtime with the simulated Twilio.
#
# Installs what is missing (apt `chromium`, `npm ci` in tests/browser), then runs the ignored
# test `the_portal_page_in_a_browser` of tests/portal.rs: it starts the local runtime, plays a
# campaign to the end and runs `node tests/browser/portal.test.mjs <base_url> <token> <occ>`,
# which prints one line `browser: N passed, N failed`.
#
# Uses the local AWS at $AWS_ENDPOINT_URL; when that is unset it starts one of its own on
# MOTO_PORT (default 5057) and stops it again. Screenshots go to SCREENSHOT_DIR (default
# .local/screenshots); `SCREENSHOT_DIR=docs scripts/browser-test.sh` refreshes docs/portal-*.png.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  echo "installing $* (apt) ..."
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || apt_install chromium
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || apt_install nodejs npm
if [ ! -f tests/browser/node_modules/playwright-core/package.json ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ -z "${AWS_ENDPOINT_URL:-}" ]; then
  export MOTO_PORT="${MOTO_PORT:-5057}"
  scripts/local-aws.sh start
  trap 'scripts/local-aws.sh stop' EXIT
  export AWS_ENDPOINT_URL="http://127.0.0.1:${MOTO_PORT}"
fi
export RUST_LOG="${RUST_LOG:-warn}"
export SCREENSHOT_DIR="${SCREENSHOT_DIR:-.local/screenshots}"
mkdir -p "$SCREENSHOT_DIR"
export SCREENSHOT_DIR="$(cd "$SCREENSHOT_DIR" && pwd)"

cargo test --workspace --test portal -- --ignored --exact the_portal_page_in_a_browser --nocapture
cargo test --workspace --test control -- --ignored --exact the_live_call_log_in_a_browser --nocapture
