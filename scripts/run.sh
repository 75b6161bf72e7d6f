#!/usr/bin/env bash
# Build and run LeadTracker on this machine: RabbitMQ, the worker and the ingress.
#
#   scripts/run.sh            run in the foreground; Ctrl-C stops both apps (the broker keeps running)
#   scripts/run.sh --detach   start, wait until ready, return; stop later with scripts/stop.sh
#
# Logs: .run/worker.log and .run/ingress.log (also shown here, prefixed, in the foreground).
# Every setting is an environment variable (docs/configuration.md); the defaults below suit a laptop.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

detach=false
case "${1:-}" in
  "") ;;
  --detach) detach=true ;;
  -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
  *) echo "usage: scripts/run.sh [--detach]" >&2; exit 2 ;;
esac

worker_dll=LeadTracker.Worker/bin/Release/net10.0/LeadTracker.Worker.dll
ingress_dll=LeadTracker.Ingress/bin/Release/net10.0/LeadTracker.Ingress.dll
ingress_url="${INGRESS_URL:-http://127.0.0.1:5080}"
ready_timeout="${READY_TIMEOUT:-60}" # seconds

export ConnectionStrings__Leads="${ConnectionStrings__Leads:-Data Source=${root}/leadtracker.db}"
export LeadTracker__Worker__Urls="${LeadTracker__Worker__Urls:-http://127.0.0.1:5081}"
worker_url="${LeadTracker__Worker__Urls%%;*}" # the first, when several are given
if [[ -z "${LeadTracker__Kapso__WebhookSecret:-}" ]]; then
  export LeadTracker__Kapso__WebhookSecret=dev-secret-change-me
  dev_secret=true
else
  dev_secret=false
fi

# The read API and page need a bearer token: a development one, made once and kept in .run/ (not committed).
if [[ -z "${LeadTracker__Api__Tokens:-}" ]]; then
  mkdir -p .run
  [[ -s .run/dev-api-token ]] || head -c 24 /dev/urandom | base64 | tr '+/' '-_' >.run/dev-api-token
  LeadTracker__Api__Tokens="$(cat .run/dev-api-token)"
  export LeadTracker__Api__Tokens
fi

log() { echo "[run] $*"; }

mkdir -p .run
for name in worker ingress; do
  if [[ -f .run/$name.pid ]] && kill -0 "$(cat ".run/$name.pid")" 2>/dev/null; then
    log "the $name is already running (pid $(cat ".run/$name.pid")); stop it first with scripts/stop.sh" >&2
    exit 1
  fi
done

bash scripts/ensure-rabbitmq.sh

log "building LeadTracker.sln (Release)"
dotnet build LeadTracker.sln -c Release -nologo -v quiet

log "migrating the database ($ConnectionStrings__Leads)"
dotnet "$worker_dll" migrate

worker_pid=""
ingress_pid=""

# SIGTERM both apps and wait: the worker finishes its in-flight messages (up to its 30 s grace).
stop_apps() {
  trap - INT TERM EXIT
  local pid
  for pid in $worker_pid $ingress_pid; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $worker_pid $ingress_pid; do
    wait "$pid" 2>/dev/null || true
  done
  rm -f .run/worker.pid .run/ingress.pid
}

# From here on, any failure (an app dies, readiness times out) takes both apps down with us.
trap stop_apps EXIT
# shellcheck disable=SC2317 # called from the traps below
on_signal() { log "stopping"; stop_apps; exit "$1"; }
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

# nohup: with --detach the apps must outlive this shell's terminal.
: >.run/worker.log
nohup dotnet "$worker_dll" run >>.run/worker.log 2>&1 &
worker_pid=$!
echo "$worker_pid" >.run/worker.pid

: >.run/ingress.log
nohup dotnet "$ingress_dll" --urls "$ingress_url" >>.run/ingress.log 2>&1 &
ingress_pid=$!
echo "$ingress_pid" >.run/ingress.pid

if ! $detach; then
  # Show both logs here, prefixed; each tail ends when its app does.
  tail --pid="$worker_pid" -n +1 -F .run/worker.log 2>/dev/null | sed -u 's/^/[worker] /' &
  tail --pid="$ingress_pid" -n +1 -F .run/ingress.log 2>/dev/null | sed -u 's/^/[ingress] /' &
fi

wait_ready() { # name pid url
  local deadline=$((SECONDS + ready_timeout))
  log "waiting for the $1 at $3/health/ready"
  until curl -fs -o /dev/null --max-time 2 "$3/health/ready"; do
    if ! kill -0 "$2" 2>/dev/null; then
      log "the $1 exited before it was ready; last lines of .run/$1.log:" >&2
      tail -n 30 ".run/$1.log" >&2
      exit 1
    fi
    ((SECONDS < deadline)) || { log "the $1 was not ready within ${ready_timeout}s; see .run/$1.log" >&2; exit 1; }
    sleep 1
  done
  log "the $1 is ready"
}
wait_ready worker "$worker_pid" "$worker_url"
wait_ready ingress "$ingress_pid" "$ingress_url"

cat <<EOF
[run] ------------------------------------------------------------------------
[run] LeadTracker is running.
[run]   ingress   ${ingress_url}/webhooks/kapso   (pid ${ingress_pid}, log .run/ingress.log)
[run]   worker    ${worker_url}/health/ready   (pid ${worker_pid}, log .run/worker.log)
[run]   database  ${ConnectionStrings__Leads}
[run]   RabbitMQ  http://localhost:15672 (guest/guest)
[run]   metrics   ${ingress_url}/metrics  ${worker_url}/metrics  http://localhost:15692/metrics (RabbitMQ)
[run] Post a signed fixture:
[run]   scripts/post-fixture.sh LeadTracker.Tests/Fixtures/Kapso/kapso-message-received-text.json
[run] Query the leads (from ${root}):
[run]   dotnet ${worker_dll} leads recent --limit 10
[run]   dotnet ${worker_dll} leads follow-up
[run]   dotnet ${worker_dll} leads stale --days 7
[run] Leads in a browser: ${worker_url}/   token: ${LeadTracker__Api__Tokens%%,*}
[run]   curl -H "Authorization: Bearer ${LeadTracker__Api__Tokens%%,*}" ${worker_url}/api/leads/follow-up
EOF
if $dev_secret; then
  echo '[run] !!! WARNING: the webhook secret is the DEV DEFAULT "dev-secret-change-me".'
  echo '[run] !!! Anyone who knows it can post webhooks: set LeadTracker__Kapso__WebhookSecret for real use.'
fi

if $detach; then
  trap - INT TERM EXIT # hand over: the apps keep running
  log "detached; stop with scripts/stop.sh"
  exit 0
fi

log "Ctrl-C stops both"
# Return when either app exits (or on a signal); then stop the other one too.
set +e
wait -n "$worker_pid" "$ingress_pid"
status=$?
set -e
log "an app exited (status $status); stopping"
stop_apps
exit "$status"
