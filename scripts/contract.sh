#!/usr/bin/env bash
# Contract check against Twilio's OpenAPI spec (tests/contract/README.md).
#   scripts/contract.sh install   install Prism (npm ci in tests/contract; offline-safe once cached)
#   scripts/contract.sh           install if missing, then run the contract test (required to run)
set -euo pipefail
cd "$(dirname "$0")/.."
install() {
  if [ ! -x tests/contract/node_modules/.bin/prism ]; then
    echo "installing Prism (tests/contract/package-lock.json) ..."
    npm ci --prefix tests/contract --no-audit --no-fund --loglevel=error
  fi
}
case "${1:-run}" in
  install) install ;;
  run)
    install
    CONTRACT_REQUIRED=1 cargo test -p e2e --test contract -- --nocapture
    ;;
  *) echo "usage: $0 [install|run]" >&2; exit 2 ;;
esac
