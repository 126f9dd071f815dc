#!/usr/bin/env bash
# The local AWS: a moto server from PyPI in the project's own venv, on 127.0.0.1 only, started
# through scripts/moto_server.py (DynamoDB's conditional writes made atomic, as in DynamoDB).
#   scripts/local-aws.sh start   install into .venv if missing, start, wait until it answers
#   scripts/local-aws.sh stop    stop the server this script started
#   scripts/local-aws.sh status
# MOTO_PORT (default 5055) picks the port; the endpoint is http://127.0.0.1:$MOTO_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${MOTO_PORT:-5055}"
STATE=.local
PIDFILE="$STATE/moto-$PORT.pid"
LOG="$STATE/moto-$PORT.log"
MOTO_VERSION="5.2.5"
mkdir -p "$STATE"

install() {
  if [ ! -x .venv/bin/moto_server ] || ! .venv/bin/python -c "import moto, flask" 2>/dev/null; then
    echo "installing the local AWS (moto[server]==$MOTO_VERSION) into .venv ..."
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
}

answers() {
  python3 - "$PORT" <<'PY'
import sys, urllib.request
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=1)
except Exception:
    sys.exit(1)
PY
}

case "${1:-}" in
  start)
    install
    if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && answers; then
      echo "local AWS already running on http://127.0.0.1:$PORT"; exit 0
    fi
    # moto, with DynamoDB item operations atomic as in DynamoDB (see scripts/moto_server.py).
    nohup .venv/bin/python scripts/moto_server.py -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 100); do
      if answers; then echo "local AWS on http://127.0.0.1:$PORT"; exit 0; fi
      sleep 0.2
    done
    echo "the local AWS did not start; see $LOG" >&2; tail -20 "$LOG" >&2; exit 1
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then kill "$(cat "$PIDFILE")" 2>/dev/null || true; rm -f "$PIDFILE"; fi
    ;;
  status)
    if answers; then echo "running on http://127.0.0.1:$PORT"; else echo "not running"; exit 1; fi
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
