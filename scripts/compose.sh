#!/usr/bin/env bash
# Runs compose.yaml with `docker compose` where a Docker engine answers, else with podman-compose (docs/containers.md).
#   scripts/compose.sh up       make the missing secrets (secrets/, mode 700), build the images, start the stack;
#                               returns once every service is healthy
#   scripts/compose.sh up --no-build   start the stack on the images built before
#   scripts/compose.sh down     stop and remove the containers; the named volumes (database, spool, broker) stay
#   scripts/compose.sh down -v  ...and remove the volumes too: the stored leads are gone
#   scripts/compose.sh status   the stack's containers and their state
# Environment:
#   LEADTRACKER_IMAGES=local    build on base images made on this host (scripts/container-bases.sh: debootstrap,
#                               Debian's rabbitmq-server) and from apps published here with the .NET SDK, for hosts
#                               that cannot pull from an image registry; default with Docker: Microsoft's and
#                               RabbitMQ's images; with Podman: those when already in its store, else local
#   COMPOSE_PROJECT_NAME        names the containers, network and volumes (default leadtracker)
#   LEADTRACKER_PROFILE=cluster the three-node RabbitMQ cluster instead of the single broker (deploy/compose.cluster.yaml)
# Touches: secrets/ and artifacts/containers/ in this checkout; the engine's images, containers, network and volumes;
# as root with Podman and no /etc/containers/containers.conf, writes one (runc, cgroupfs, no raised ulimits).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
log() { echo "[compose] ${SECONDS}s $*" >&2; }
die() { log "$*"; exit 2; }

command=${1:-}
[[ $# -gt 0 ]] && shift
case "$command" in
  up | down | status) ;;
  *) die "usage: scripts/compose.sh up|down [-v]|status (see the top of this script)" ;;
esac

export COMPOSE_PROJECT_NAME=${COMPOSE_PROJECT_NAME:-leadtracker}

# Podman as it runs on hosts like the CI's: runc (crun fails on a hybrid cgroup layout), cgroupfs (no systemd as
# PID 1), and the process limits left as they are (raising them is not permitted in every sandbox).
configure_podman() {
  local conf=/etc/containers/containers.conf
  [[ $EUID -eq 0 && ! -e $conf ]] || return 0
  log "writing $conf (runc, cgroupfs, default_ulimits = [])"
  mkdir -p /etc/containers
  cat >"$conf" <<'CONF'
# Written by LeadTracker's scripts/compose.sh (docs/containers.md, "Podman").
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
CONF
}

engine=()
if docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  engine=(docker compose)
else
  if ! command -v podman-compose >/dev/null; then
    [[ $EUID -eq 0 ]] || die "neither a Docker engine nor podman-compose: sudo apt-get install -y podman podman-compose runc"
    log "installing podman, podman-compose and runc (Debian packages)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman podman-compose runc uidmap slirp4netns >/dev/null
  fi
  configure_podman
  engine=(podman-compose)
fi

# Unset LEADTRACKER_IMAGES: Docker pulls Microsoft's and RabbitMQ's images as usual; with Podman (a Debian host with
# no Docker engine, often with no registry either) those images are used when they are already here, else the
# bases are made here, so `scripts/compose.sh up` alone brings the stack up.
if [[ -z "${LEADTRACKER_IMAGES:-}" && ${engine[0]} != docker ]] &&
  ! { podman image exists mcr.microsoft.com/dotnet/sdk:10.0 && podman image exists mcr.microsoft.com/dotnet/runtime-deps:10.0 &&
    podman image exists docker.io/library/rabbitmq:3.13-management; }; then
  export LEADTRACKER_IMAGES=local
fi

files=(-f compose.yaml)
services=(rabbitmq worker ingress)
if [[ "${LEADTRACKER_PROFILE:-}" == cluster ]]; then
  services=(rabbitmq-1 rabbitmq-2 rabbitmq-3 worker ingress)
  export COMPOSE_PROFILES=cluster
  if [[ ${engine[0]} == docker ]]; then
    files+=(-f deploy/compose.cluster.yaml)
  else
    # podman-compose's YAML reader stops at `!override` ("expected <block end>, but found '<alias>'"). Without the
    # tag the apps' depends_on also lists the single broker: `up` removes it again once the apps run.
    mkdir -p .run
    sed 's/!override //' deploy/compose.cluster.yaml >.run/compose.cluster.podman.yaml
    files+=(-f .run/compose.cluster.podman.yaml)
  fi
fi

# Each secret is a file; compose mounts it read-only at /run/secrets/<name>. The folder keeps other users out,
# the files are readable so the apps' non-root user can read them inside the containers.
make_secrets() {
  mkdir -p secrets
  chmod 700 secrets
  local name
  for name in webhook_secret rabbitmq_password api_tokens; do
    if [[ ! -s secrets/$name ]]; then
      log "making secrets/$name (random)"
      (umask 022 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"secrets/$name")
    fi
  done
  if [[ "${LEADTRACKER_PROFILE:-}" == cluster && ! -s secrets/rabbitmq_cluster_cookie ]]; then
    log "making secrets/rabbitmq_cluster_cookie (random)"
    (umask 022 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >secrets/rabbitmq_cluster_cookie)
  fi
  # compose checks every declared secret file, even one only the cluster profile uses.
  [[ -e secrets/rabbitmq_cluster_cookie ]] || (umask 022 && : >secrets/rabbitmq_cluster_cookie)
}

# The images' bases and the apps, made here: no registry needed (LEADTRACKER_IMAGES=local).
use_local_images() {
  local line
  while IFS= read -r line; do export "${line?}"; done < <(bash scripts/container-bases.sh --env)
  export LEADTRACKER_APP_SOURCE=prebuilt
  [[ "${1:-}" == --no-publish ]] && return 0
  local app
  for app in LeadTracker.Worker LeadTracker.Ingress; do
    log "publishing $app (self-contained, linux-x64) into artifacts/containers/$app"
    rm -rf "artifacts/containers/$app"
    dotnet publish "$app/$app.csproj" -c Release -r linux-x64 --self-contained -p:RunAnalyzers=false \
      -o "artifacts/containers/$app" -nologo -v quiet >&2
  done
}

# podman-compose 1.0.3 starts services in order but ignores depends_on's `condition: service_healthy`, and podman
# runs no healthcheck on its own without systemd: the script runs the checks itself, the broker's before the apps
# start, the apps' before `up` returns.
wait_healthy() {
  local service container deadline=$((SECONDS + 240))
  for service in "$@"; do
    container=${COMPOSE_PROJECT_NAME}_${service}_1
    until podman healthcheck run "$container" >/dev/null 2>&1; do
      if ((SECONDS > deadline)); then
        podman logs --tail 30 "$container" >&2 || true
        die "$service is not healthy after 4 minutes (its log above)"
      fi
      sleep 2
    done
    log "$service is healthy"
  done
}

compose() { "${engine[@]}" -p "$COMPOSE_PROJECT_NAME" "${files[@]}" "$@"; }

# A RabbitMQ of the host's own (scripts/ensure-rabbitmq.sh's) holds 127.0.0.1:15672 and :15692: the stack's broker
# then publishes its UI and metrics on the next free ports instead of failing to start, and says where.
taken() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
publish_beside() { # variable default what
  [[ -z "${!1:-}" ]] && taken "$2" || return 0
  local port=$(($2 + 1))
  while taken "$port"; do port=$((port + 1)); done
  export "$1=$port"
  log "127.0.0.1:$2 is taken (a RabbitMQ on this host?): the stack's $3 is on 127.0.0.1:$port ($1)"
}

case "$command" in
  up)
    make_secrets
    if [[ "${LEADTRACKER_PROFILE:-}" != cluster ]]; then
      publish_beside LEADTRACKER_RABBITMQ_UI_PORT 15672 "management UI"
      publish_beside LEADTRACKER_RABBITMQ_METRICS_PORT 15692 "RabbitMQ metrics"
    fi
    apps=(worker ingress)
    brokers=("${services[@]:0:${#services[@]}-2}")
    if [[ "${1:-}" == --no-build ]]; then
      [[ "${LEADTRACKER_IMAGES:-}" == local ]] && use_local_images --no-publish
    else
      [[ "${LEADTRACKER_IMAGES:-}" == local ]] && use_local_images
      log "building ${apps[*]} with ${engine[*]}"
      compose build "${apps[@]}" >&2
    fi
    log "starting ${services[*]} with ${engine[*]} (project $COMPOSE_PROJECT_NAME)"
    if [[ ${engine[0]} == docker ]]; then
      compose up -d --wait "${services[@]}" >&2
    else
      compose up -d "${brokers[@]}" >&2
      wait_healthy "${brokers[@]}"
      # podman-compose 1.0.3 ignores --no-deps on up: it tries the brokers again (harmless, "name already in use")
      # and, with the cluster override's merged depends_on, creates the single broker too, which goes again.
      compose up -d --no-deps "${apps[@]}" >&2
      [[ "${LEADTRACKER_PROFILE:-}" == cluster ]] && podman rm -f -v "${COMPOSE_PROJECT_NAME}_rabbitmq_1" >/dev/null 2>&1 || true
      wait_healthy "${apps[@]}"
    fi
    ;;
  down)
    compose down "$@" >&2
    ;;
  status)
    compose ps
    ;;
esac
