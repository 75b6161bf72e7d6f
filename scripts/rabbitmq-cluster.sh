#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this machine, from the Debian package rabbitmq-server, for trying quorum queues
# and for the cluster fault test. It runs beside a single broker on 5672 and never touches it: its own node names,
# ports, data, logs, plugins file and Erlang cookie, all under .run/rabbitmq-cluster/ (LEADTRACKER_CLUSTER_DIR).
#
#   scripts/rabbitmq-cluster.sh start [--fresh]   start the nodes not running (all three at once), join them into one
#                                                 cluster, wait for the management API; --fresh wipes their data first
#   scripts/rabbitmq-cluster.sh stop              stop every node gracefully (data is kept for the next start)
#   scripts/rabbitmq-cluster.sh status            each node: running or not, its pid, ports; the cluster's members
#   scripts/rabbitmq-cluster.sh stop-node N       stop node N (1-3) gracefully; `start` brings it back
#   scripts/rabbitmq-cluster.sh kill-node N       SIGKILL node N's Erlang VM, as a crash would
#   scripts/rabbitmq-cluster.sh ctl N ARGS...     rabbitmqctl against node N, e.g. `ctl 1 list_queues name type leader`
#
# Node N (1-3): name leadtracker-N@localhost, AMQP 568(N+1), management 1568(N+1), Prometheus 1578(N+1),
# Erlang distribution 2568(N+1); all on 127.0.0.1 only, user guest/guest; the Erlang VM's pid in
# .run/rabbitmq-cluster/nodeN/pid while it runs. Apps use it with
#   LeadTracker__RabbitMq__Hosts=localhost:5682,localhost:5683,localhost:5684  LeadTracker__RabbitMq__QueueType=quorum
# Root installs rabbitmq-server when missing; anyone else needs it installed. Nodes run as the calling user.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${LEADTRACKER_CLUSTER_DIR:-$root/.run/rabbitmq-cluster}"
rabbit_bin=/usr/lib/rabbitmq/bin # the Debian wrappers in /usr/sbin switch to the rabbitmq user and its cookie
nodes=(1 2 3)
start_timeout="${RABBITMQ_START_TIMEOUT:-120}"
plugins="[rabbitmq_management,rabbitmq_prometheus,rabbitmq_shovel,rabbitmq_shovel_management]."

log() { echo "[cluster] $*"; }
die() { echo "[cluster] ERROR: $*" >&2; exit 1; }

node_name() { echo "leadtracker-$1@localhost"; }
amqp_port() { echo $((5681 + $1)); }
management_port() { echo $((15681 + $1)); }
prometheus_port() { echo $((15781 + $1)); }
dist_port() { echo $((25681 + $1)); }
node_dir() { echo "$dir/node$1"; }

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# Everything a node or a CLI call needs to find this node and nothing of the system broker's.
node_env() {
  local n=$1 d
  d="$(node_dir "$n")"
  echo HOME="$dir" \
    RABBITMQ_NODENAME="$(node_name "$n")" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$(amqp_port "$n")" \
    RABBITMQ_DIST_PORT="$(dist_port "$n")" \
    RABBITMQ_CONF_ENV_FILE="$d/rabbitmq-env.conf" \
    RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$d/mnesia" \
    RABBITMQ_LOG_BASE="$d/log" \
    RABBITMQ_PID_FILE="$d/pid"
}

ctl() {
  local n=$1
  shift
  # shellcheck disable=SC2046 # node_env's words are KEY=VALUE pairs without spaces in values
  env $(node_env "$n") "$rabbit_bin/rabbitmqctl" -n "$(node_name "$n")" "$@"
}

running() { ctl "$1" -q ping >/dev/null 2>&1; }

pid_of() { [[ -s "$(node_dir "$1")/pid" ]] && cat "$(node_dir "$1")/pid" || true; }

install_rabbitmq() {
  [[ -x "$rabbit_bin/rabbitmq-server" ]] && return
  [[ $EUID -eq 0 ]] || die "rabbitmq-server is not installed: sudo apt-get install -y rabbitmq-server"
  log "installing the Debian package rabbitmq-server"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
}

write_files() {
  mkdir -p "$dir"
  if [[ ! -s "$dir/.erlang.cookie" ]]; then
    # One cookie for the three nodes and their CLI; a different one from the system broker's.
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$dir/.erlang.cookie"
    chmod 400 "$dir/.erlang.cookie"
  fi
  echo "$plugins" >"$dir/enabled_plugins"
  local n d
  for n in "${nodes[@]}"; do
    d="$(node_dir "$n")"
    mkdir -p "$d/mnesia" "$d/log"
    : >"$d/rabbitmq-env.conf"
    cat >"$d/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$(amqp_port "$n")
management.tcp.ip = 127.0.0.1
management.tcp.port = $(management_port "$n")
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $(prometheus_port "$n")
# With three nodes, the side of a network split that lost its majority pauses instead of diverging.
cluster_partition_handling = pause_minority
log.console = false
log.file.level = info
EOF
  done
}

start_node() {
  local n=$1 port
  port="$(amqp_port "$n")"
  if port_open "$port"; then
    die "port $port is taken by something that is not node $(node_name "$n"); free it or stop that process"
  fi
  log "starting $(node_name "$n") (AMQP $port, management $(management_port "$n"))"
  # A session of its own: the node outlives this script and whatever started it.
  # shellcheck disable=SC2046
  env $(node_env "$n") setsid "$rabbit_bin/rabbitmq-server" >"$(node_dir "$n")/log/console.log" 2>&1 </dev/null &
}

await_node() {
  local n=$1 deadline=$((SECONDS + start_timeout))
  until ctl "$n" -q await_startup --timeout 10 >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$(node_name "$n") did not start within ${start_timeout}s; see $(node_dir "$n")/log/"
    sleep 1
  done
}

members() { ctl 1 -q cluster_status --formatter json 2>/dev/null | tr -d '\n ' | grep -o '"disk_nodes":\[[^]]*\]' || true; }

join() {
  local n=$1 first
  first="$(node_name 1)"
  if members | grep -q "\"$(node_name "$n")\""; then return; fi
  log "joining $(node_name "$n") to $first"
  local out
  # The CLI logs the node's own boot chatter on a join; show it only when the join fails.
  out="$({ ctl "$n" -q stop_app && ctl "$n" -q reset && ctl "$n" -q join_cluster "$first" && ctl "$n" -q start_app; } 2>&1)" ||
    die "could not join $(node_name "$n") to $first: $out"
}

await_management() {
  local n port deadline=$((SECONDS + start_timeout))
  for n in "${nodes[@]}"; do
    port="$(management_port "$n")"
    until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -u guest:guest "http://127.0.0.1:$port/api/overview" || true)" == 200 ]]; do
      ((SECONDS < deadline)) || die "management API on $port did not answer within ${start_timeout}s"
      sleep 1
    done
  done
}

cmd_start() {
  install_rabbitmq
  if [[ "${1:-}" == --fresh ]]; then
    cmd_stop
    log "wiping $dir"
    rm -rf "$dir"
  fi
  write_files
  local n started=()
  for n in "${nodes[@]}"; do
    if running "$n"; then
      log "$(node_name "$n") is running"
    else
      start_node "$n"
      started+=("$n")
    fi
  done
  # Started together: a cluster member that restarts waits for the peers it last saw.
  for n in "${started[@]}"; do await_node "$n"; done
  for n in 2 3; do join "$n"; done
  await_management
  log "cluster up: $(members)"
}

cmd_stop() {
  local n
  for n in 3 2 1; do
    if running "$n"; then
      log "stopping $(node_name "$n")"
      ctl "$n" -q stop || log "could not stop $(node_name "$n") cleanly"
    fi
  done
}

cmd_status() {
  local n state
  for n in "${nodes[@]}"; do
    if running "$n"; then state="running pid=$(pid_of "$n")"; else state=stopped; fi
    echo "$(node_name "$n") $state amqp=$(amqp_port "$n") management=$(management_port "$n") prometheus=$(prometheus_port "$n") dist=$(dist_port "$n")"
  done
  for n in "${nodes[@]}"; do
    if running "$n"; then
      echo "cluster (seen from $(node_name "$n")): $(ctl "$n" -q cluster_status --formatter json | tr -d '\n ' | grep -o '"running_nodes":\[[^]]*\]' || true)"
      return 0
    fi
  done
  echo "cluster: no node running"
  return 3
}

node_arg() { [[ "${1:-}" =~ ^[123]$ ]] || die "expected a node number 1-3, got '${1:-}'"; }

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  stop-node) node_arg "${2:-}"; log "stopping $(node_name "$2")"; ctl "$2" -q stop ;;
  kill-node)
    node_arg "${2:-}"
    pid="$(pid_of "$2")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || die "$(node_name "$2") is not running"
    log "SIGKILL $(node_name "$2") (pid $pid)"
    kill -9 "$pid"
    ;;
  ctl) node_arg "${2:-}"; n=$2; shift 2; ctl "$n" "$@" ;;
  *) echo "usage: $0 start [--fresh] | stop | status | stop-node N | kill-node N | ctl N ARGS..." >&2; exit 2 ;;
esac
