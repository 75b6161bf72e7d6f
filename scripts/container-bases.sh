#!/usr/bin/env bash
# Makes the local base images for hosts that cannot pull from an image registry (docs/containers.md):
#   localhost/leadtracker-runtime-deps:<key>  a minimal Debian 12 made by debootstrap (what Microsoft's
#                                             runtime-deps image holds: ca-certificates, tzdata, libicu, user app)
#   localhost/leadtracker-rabbitmq:<key>      Debian's rabbitmq-server on that base (deploy/rabbitmq/Containerfile)
# Each tag carries a key made from its recipe: an image whose key exists is reused, so only the first run on a
# host (or a changed recipe) pays for debootstrap and apt. Needs root, debootstrap, and podman (or Docker, when
# its engine answers: the images must be where compose builds).
#   scripts/container-bases.sh [--env]   --env: print the image names as VAR=value lines (for scripts/compose.sh)
# Touches: the engine's image store; a temporary directory under /var/tmp while debootstrap runs.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
log() { echo "[container-bases] ${SECONDS}s $*" >&2; }

suite=bookworm
packages=ca-certificates,libicu72,tzdata
app_uid=1654   # the uid of the "app" user in Microsoft's images, so volumes keep their owner either way

engine=podman
docker info >/dev/null 2>&1 && engine=docker
image_exists() { "$engine" image inspect "$1" >/dev/null 2>&1; }

runtime_key=$(printf '%s\n' "$suite" minbase "$packages" "$app_uid" | sha256sum | cut -c1-12)
runtime_image=localhost/leadtracker-runtime-deps:$runtime_key
rabbitmq_key=$(cat deploy/rabbitmq/Containerfile deploy/rabbitmq/docker-entrypoint.sh <(echo "$runtime_key") |
  sha256sum | cut -c1-12)
rabbitmq_image=localhost/leadtracker-rabbitmq:$rabbitmq_key

# Debian's mirror as this host's apt uses it (deb822 sources first, then the one-line format).
debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [[ -n "$uri" ]] || uri=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  [[ -n "$uri" ]] || { log "cannot find Debian's mirror in /etc/apt/sources.list(.d)"; exit 1; }
  echo "$uri"
}

if image_exists "$runtime_image"; then
  log "reusing $runtime_image"
else
  [[ $EUID -eq 0 ]] || { log "making $runtime_image needs root (debootstrap)"; exit 1; }
  tree=$(mktemp -d /var/tmp/leadtracker-base.XXXXXX)
  trap 'rm -rf "$tree"' EXIT
  log "debootstrap $suite (minbase + $packages) into $tree"
  debootstrap --variant=minbase --include="$packages" "$suite" "$tree" "$(debian_mirror)" >"$tree.log" 2>&1 ||
    { tail -20 "$tree.log" >&2; rm -f "$tree.log"; exit 1; }
  rm -f "$tree.log"
  chroot "$tree" useradd --uid "$app_uid" --user-group --no-create-home --home-dir /app --shell /usr/sbin/nologin app
  chroot "$tree" apt-get clean
  rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin "$tree"/usr/share/doc/* "$tree"/usr/share/man/*
  log "importing it as $runtime_image"
  tar -C "$tree" -c . | "$engine" import --change "ENV APP_UID=$app_uid" --change 'CMD ["bash"]' - "$runtime_image" >/dev/null
  rm -rf "$tree"
  trap - EXIT
fi

if image_exists "$rabbitmq_image"; then
  log "reusing $rabbitmq_image"
else
  log "building $rabbitmq_image (Debian's rabbitmq-server)"
  "$engine" build --quiet --build-arg "BASE_IMAGE=$runtime_image" -t "$rabbitmq_image" \
    -f deploy/rabbitmq/Containerfile deploy/rabbitmq >/dev/null
fi

if [[ "${1:-}" == --env ]]; then
  echo "LEADTRACKER_SDK_IMAGE=$runtime_image"
  echo "LEADTRACKER_RUNTIME_IMAGE=$runtime_image"
  echo "RABBITMQ_IMAGE=$rabbitmq_image"
fi
