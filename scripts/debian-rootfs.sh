#!/usr/bin/env bash
# A minimal Debian 12 booted with systemd as PID 1, for the package test (LeadTracker.Tests/SystemdPackageTests.cs).
# Needs root and the Debian packages debootstrap and systemd-container (scripts/test.sh installs them).
#
#   scripts/debian-rootfs.sh tree [PACKAGE...]   make (once) a minbase bookworm tree with systemd, dbus and these
#                                                 packages; print its path. Cached under /var/cache/leadtracker-test/
#                                                 keyed by the package list: only the first run downloads.
#   scripts/debian-rootfs.sh boot TREE DIR       boot TREE with systemd-nspawn, writes going to an overlay in DIR
#                                                 (the cached tree stays pristine); print the container's PID 1
#                                                 once its boot has finished
#   scripts/debian-rootfs.sh run DIR COMMAND...  run a command inside (all its namespaces), as root
#   scripts/debian-rootfs.sh down DIR            power the container off (killed after 20 s) and unmount DIR
#
# The container shares the host's network (RabbitMQ on the host's localhost answers inside). Debian's mirror is
# read from this host's apt sources. systemd-nspawn runs with --keep-unit --register=no: the host has no system bus.
set -euo pipefail

cache=/var/cache/leadtracker-test
log() { echo "[debian-rootfs] $*" >&2; }

mirror() { # the first deb source of the host's apt that carries bookworm itself
  local sources=/etc/apt/sources.list.d/debian.sources
  if [[ -f $sources ]]; then
    awk '/^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm" && uri != "") { print uri; exit } }' "$sources"
  else
    awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list
  fi
}

tree() {
  local packages
  packages=$(printf '%s\n' systemd systemd-sysv dbus "$@" | sort -u | paste -sd, -)
  local dir=$cache/bookworm-$(echo "$packages" | sha256sum | cut -c1-12)
  mkdir -p "$cache"
  exec 9>"$dir.lock"
  flock 9
  if [[ ! -f $dir/.complete ]]; then
    local url
    url=$(mirror)
    [[ -n $url ]] || { log "no bookworm source in this host's apt sources"; exit 1; }
    log "debootstrap minbase bookworm with $packages (once; cached in $dir)"
    rm -rf "$dir"
    debootstrap --variant=minbase --include="$packages" bookworm "$dir" "$url" >"$dir.log" 2>&1 ||
      { log "debootstrap failed, see $dir.log"; tail -5 "$dir.log" >&2; exit 1; }
    # minbase has no /etc/hosts: without it localhost does not resolve.
    printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$dir/etc/hosts"
    echo leadtracker-test >"$dir/etc/hostname"
    rm -f "$dir/var/cache/apt/archives/"*.deb
    touch "$dir/.complete"
  fi
  echo "$dir"
}

boot() {
  local tree=$1 dir=$2
  mkdir -p "$dir/upper" "$dir/work" "$dir/root"
  mount -t overlay overlay -o "lowerdir=$tree,upperdir=$dir/upper,workdir=$dir/work" "$dir/root"
  setsid systemd-nspawn --quiet --keep-unit --register=no --boot --directory="$dir/root" \
    --machine="lt-$(basename "$dir")" </dev/null >"$dir/console.log" 2>&1 &
  echo $! >"$dir/nspawn.pid"
  local leader="" i
  for ((i = 0; i < 600; i++)); do
    leader=$(pgrep -P "$(cat "$dir/nspawn.pid")" -x systemd || true)
    [[ -z $leader ]] || break
    kill -0 "$(cat "$dir/nspawn.pid")" 2>/dev/null || { log "systemd-nspawn exited:"; cat "$dir/console.log" >&2; exit 1; }
    sleep 0.1
  done
  [[ -n $leader ]] || { log "no systemd inside after 60 s"; exit 1; }
  echo "$leader" >"$dir/leader.pid"
  # "running" or "degraded" (a unit of the minimal image that cannot start in a container is no concern here).
  # Until its bus is up systemctl cannot connect at all: ask again.
  for ((i = 0; i < 1200; i++)); do
    case $(nsenter -t "$leader" -a systemctl is-system-running 2>/dev/null) in
    running | degraded) break ;;
    esac
    sleep 0.1
  done
  echo "$leader"
}

run() {
  local dir=$1
  shift
  nsenter -t "$(cat "$dir/leader.pid")" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

down() {
  local dir=$1 pid i
  pid=$(cat "$dir/nspawn.pid" 2>/dev/null || true)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    # SIGTERM to nspawn asks the container's systemd to power off; past 20 s it is killed.
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  if mountpoint -q "$dir/root"; then umount "$dir/root" || umount -l "$dir/root"; fi
  rm -rf "$dir"
}

command=${1:-}
shift || true
case $command in
tree | boot | run | down) "$command" "$@" ;;
*) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
