#!/usr/bin/env bash
# Make sure a RabbitMQ broker with the management API answers, for run.sh and test.sh.
#
# Idempotent: a broker that already answers on LeadTracker__RabbitMq__Host:Port is used as it is
# (on localhost we only make sure our plugins are on). Otherwise, on localhost, the Debian package is
# installed when missing (root only), plugins are enabled and the node is started with
# `rabbitmq-server -detached`: CI machines have no systemd as PID 1.
set -euo pipefail

host="${LeadTracker__RabbitMq__Host:-localhost}"
port="${LeadTracker__RabbitMq__Port:-5672}"
user="${LeadTracker__RabbitMq__Username:-guest}"
pass="${LeadTracker__RabbitMq__Password:-guest}"
mgmt_url="http://${host}:${LeadTracker__RabbitMq__ManagementPort:-15672}"
start_timeout="${RABBITMQ_START_TIMEOUT:-90}" # seconds; a cold Erlang node takes ~10 s on 2 cores
# shovel: `errors replay` moves an _error queue back with a dynamic shovel; shovel_management adds the UI's "Move messages".
# prometheus: RabbitMQ's own metrics at :15692/metrics, beside the apps' /metrics.
plugins=(rabbitmq_management rabbitmq_prometheus rabbitmq_shovel rabbitmq_shovel_management)

log() { echo "[rabbitmq] $*"; }
die() { echo "[rabbitmq] ERROR: $*" >&2; exit 1; }

# True when something accepts TCP connections on host:port (bash's /dev/tcp, no extra tools).
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

is_local() { [[ "$host" == localhost || "$host" == 127.0.0.1 || "$host" == ::1 ]]; }

# rabbitmqctl/rabbitmq-plugins need the node's Erlang cookie: only root or the rabbitmq user can use them.
can_admin() { command -v rabbitmqctl >/dev/null && { [[ $EUID -eq 0 ]] || [[ "$(id -un)" == rabbitmq ]]; }; }

wait_for_management() {
  local deadline=$((SECONDS + start_timeout))
  log "waiting for the management API at ${mgmt_url}/api/overview"
  local status
  while :; do
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -u "${user}:${pass}" "${mgmt_url}/api/overview" || true)
    [[ "$status" == 200 ]] && break
    ((SECONDS < deadline)) || die "management API at ${mgmt_url} answered HTTP ${status} (000 = no answer) for ${start_timeout}s; is rabbitmq_management enabled and are the credentials right?"
    sleep 1
  done
  log "management API answers"
}

if port_open "$host" "$port"; then
  log "broker answers on ${host}:${port}"
  if is_local && can_admin; then
    # Online enable on the running node; a no-op ("Plugin configuration unchanged") when already on.
    # Not fatal: the broker answering may not be this machine's rabbitmq-server (a container, say).
    log "enabling plugins: ${plugins[*]}"
    rabbitmq-plugins -q enable "${plugins[@]}" >/dev/null ||
      log "could not enable plugins on the running broker; continuing with what it has"
  fi
  wait_for_management
  exit 0
fi

is_local || die "no broker answers on ${host}:${port}, and this script only starts a broker on localhost"
[[ "$port" == 5672 ]] || die "no broker on ${host}:${port}; a local broker started here listens on 5672 only"

if ! command -v rabbitmq-server >/dev/null; then
  [[ $EUID -eq 0 ]] || die "rabbitmq-server is not installed. Install it (sudo apt-get install -y rabbitmq-server) or run this script as root, or point LeadTracker__RabbitMq__Host/Port at a running broker."
  log "installing the Debian package rabbitmq-server"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
fi
can_admin || die "rabbitmq-server is installed but stopped; start it as root (sudo $0) or as the rabbitmq user."

# The package's postinst may have started the node (when no policy-rc.d forbids it).
if port_open "$host" "$port"; then
  log "enabling plugins: ${plugins[*]}"
  rabbitmq-plugins -q enable "${plugins[@]}" >/dev/null
else
  log "enabling plugins (offline): ${plugins[*]}"
  rabbitmq-plugins -q enable --offline "${plugins[@]}" >/dev/null
  if [[ "$(ps -o comm= -p 1)" == systemd ]]; then
    log "starting rabbitmq-server.service"
    systemctl start rabbitmq-server
  else
    log "starting rabbitmq-server -detached"
    rabbitmq-server -detached
  fi
fi

# await_startup fails at once while the node is not yet reachable, so retry it until the deadline.
log "waiting for the node to boot (up to ${start_timeout}s)"
deadline=$((SECONDS + start_timeout))
until rabbitmqctl -q await_startup --timeout 10 >/dev/null 2>&1; do
  ((SECONDS < deadline)) || die "node did not start within ${start_timeout}s; see /var/log/rabbitmq/"
  sleep 1
done
log "node is up"
wait_for_management
