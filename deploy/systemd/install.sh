#!/usr/bin/env bash
# Install LeadTracker as two systemd services on this machine (Debian/Ubuntu, as root):
#   - system users leadtracker-ingress and leadtracker-worker (each app runs as its own user)
#   - data in the units' StateDirectory: /var/lib/leadtracker-worker (the database, worker only) and
#     /var/lib/leadtracker-ingress (the outage spool, ingress only)
#   - settings in /etc/leadtracker/*.env; secrets as systemd credentials in /etc/leadtracker/credentials/
#   - the apps published (framework-dependent) into /opt/leadtracker/{ingress,worker}
#   - the units in /etc/systemd/system, enabled; running ones are restarted on the new build
#   - /usr/local/bin/leadtracker: the worker's CLI with the service's user, settings and credentials
# Needs the .NET SDK (to publish) and the ASP.NET Core 10 runtime at /usr/bin/dotnet (to run).
# Existing env and credential files are never overwritten. Not run in CI.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
here=deploy/systemd
log() { echo "[install] $*"; }

[[ $EUID -eq 0 ]] || { echo "[install] run as root (sudo $0)" >&2; exit 1; }
[[ -x /usr/bin/dotnet ]] || { echo "[install] /usr/bin/dotnet is missing: the units run the apps with it" >&2; exit 1; }

for app in ingress worker; do
  if ! id "leadtracker-$app" >/dev/null 2>&1; then
    log "creating system user leadtracker-$app"
    useradd --system --user-group --home-dir "/var/lib/leadtracker-$app" --no-create-home \
      --shell /usr/sbin/nologin "leadtracker-$app"
  fi
done

install -d -o root -g root -m 0755 /etc/leadtracker
install -d -o root -g root -m 0700 /etc/leadtracker/credentials
for app in ingress worker; do
  if [[ ! -f /etc/leadtracker/$app.env ]]; then
    install -o root -g "leadtracker-$app" -m 0640 "$here/$app.env.example" "/etc/leadtracker/$app.env"
    log "wrote /etc/leadtracker/$app.env from the example: review it"
  fi
done
# systemd hands these to the services (LoadCredential=); they are read by root only. An empty webhook secret
# makes the ingress refuse to start with a clear line; guest is RabbitMQ's localhost-only default.
credential() { # name default
  local file=/etc/leadtracker/credentials/$1
  [[ -f $file ]] && return
  printf '%s' "$2" >"$file"
  chmod 0600 "$file"
  log "wrote $file: set it"
}
credential LeadTracker__Kapso__WebhookSecret ""
credential LeadTracker__RabbitMq__Password guest
# Worker: Kapso's project API key for catch-up and `reconcile` (empty: catch-up off), and the read API's bearer
# tokens, comma-separated (empty: the API and the page answer 404).
credential LeadTracker__Kapso__ApiKey ""
credential LeadTracker__Api__Tokens ""

# Publish beside the live folder and swap, so a running service never sees half-copied files.
for app in ingress worker; do
  project=LeadTracker.${app^}/LeadTracker.${app^}.csproj
  log "publishing $project to /opt/leadtracker/$app"
  rm -rf "/opt/leadtracker/$app.new"
  dotnet publish "$project" -c Release -nologo -v quiet -o "/opt/leadtracker/$app.new"
  rm -rf "/opt/leadtracker/$app.old"
  [[ ! -d /opt/leadtracker/$app ]] || mv "/opt/leadtracker/$app" "/opt/leadtracker/$app.old"
  mv "/opt/leadtracker/$app.new" "/opt/leadtracker/$app"
  rm -rf "/opt/leadtracker/$app.old"
done
[[ ! -f README.md ]] || install -m 0644 README.md /opt/leadtracker/README.md
install -m 0755 "$here/leadtracker" /usr/local/bin/leadtracker

# Before 2026-12 both apps shared /var/lib/leadtracker as one user: move the database to the worker's own folder.
if [[ -f /var/lib/leadtracker/leadtracker.db && ! -e /var/lib/leadtracker-worker/leadtracker.db ]]; then
  log "moving /var/lib/leadtracker/leadtracker.db to /var/lib/leadtracker-worker/"
  systemctl stop leadtracker-ingress.service leadtracker-worker.service 2>/dev/null || true
  install -d -o leadtracker-worker -g leadtracker-worker -m 0750 /var/lib/leadtracker-worker
  for f in /var/lib/leadtracker/leadtracker.db{,-wal,-shm}; do
    [[ ! -f $f ]] || { mv "$f" /var/lib/leadtracker-worker/; chown leadtracker-worker: "/var/lib/leadtracker-worker/${f##*/}"; }
  done
fi

log "installing the units"
install -m 0644 "$here/leadtracker-ingress.service" "$here/leadtracker-worker.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable leadtracker-worker.service leadtracker-ingress.service
systemctl try-restart leadtracker-worker.service leadtracker-ingress.service

if [[ ! -s /etc/leadtracker/credentials/LeadTracker__Kapso__WebhookSecret ]]; then
  log "put Kapso's webhook secret in /etc/leadtracker/credentials/LeadTracker__Kapso__WebhookSecret before starting the ingress"
fi
log "start with: systemctl start leadtracker-worker leadtracker-ingress"
log "logs with:  journalctl -u leadtracker-worker -u leadtracker-ingress -f"
log "leads with: leadtracker leads stale --days 7"
