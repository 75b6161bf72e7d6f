#!/usr/bin/env bash
# Stop the worker and the ingress started by scripts/run.sh (their pids are in .run/*.pid).
# SIGTERM first; the worker gets its 30 s grace to finish in-flight messages, then SIGKILL.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
grace="${STOP_TIMEOUT:-35}" # seconds; a little over the worker's 30 s shutdown timeout

log() { echo "[stop] $*"; }

for name in ingress worker; do # ingress first: stop taking webhooks before the worker drains
  pidfile=.run/$name.pid
  [[ -f $pidfile ]] || { log "$name: not running (no $pidfile)"; continue; }
  pid=$(cat "$pidfile")
  # Only signal the pid if it still is our app: pids get reused.
  if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "LeadTracker"; then
    log "$name: not running (stale $pidfile)"
    rm -f "$pidfile"
    continue
  fi
  log "$name: SIGTERM to pid $pid"
  kill -TERM "$pid"
  deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "$name: still running after ${grace}s; SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  rm -f "$pidfile"
  log "$name: stopped"
done
