#!/usr/bin/env bash
# Install LeadTracker as two systemd services on this machine (Debian/Ubuntu, as root):
#   - system user "leadtracker", data in /var/lib/leadtracker, settings in /etc/leadtracker/*.env
#   - the apps published (framework-dependent) into /opt/leadtracker/{ingress,worker}
#   - the units in /etc/systemd/system, enabled; running ones are restarted on the new build
# Needs the .NET SDK (to publish) and the ASP.NET Core 10 runtime at /usr/bin/dotnet (to run).
# Existing env files are never overwritten. Not run in CI.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
here=deploy/systemd
log() { echo "[install] $*"; }

[[ $EUID -eq 0 ]] || { echo "[install] run as root (sudo $0)" >&2; exit 1; }
[[ -x /usr/bin/dotnet ]] || { echo "[install] /usr/bin/dotnet is missing: the units run the apps with it" >&2; exit 1; }

if ! id leadtracker >/dev/null 2>&1; then
  log "creating system user leadtracker"
  useradd --system --user-group --home-dir /var/lib/leadtracker --no-create-home \
    --shell /usr/sbin/nologin leadtracker
fi

install -d -o leadtracker -g leadtracker -m 0750 /var/lib/leadtracker
install -d -o root -g leadtracker -m 0750 /etc/leadtracker
for app in ingress worker; do
  if [[ ! -f /etc/leadtracker/$app.env ]]; then
    install -o root -g leadtracker -m 0640 "$here/$app.env.example" "/etc/leadtracker/$app.env"
    log "wrote /etc/leadtracker/$app.env from the example: review it"
  fi
done

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

log "installing the units"
install -m 0644 "$here/leadtracker-ingress.service" "$here/leadtracker-worker.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable leadtracker-worker.service leadtracker-ingress.service
systemctl try-restart leadtracker-worker.service leadtracker-ingress.service

if grep -q '^LeadTracker__Kapso__WebhookSecret=$' /etc/leadtracker/ingress.env; then
  log "set LeadTracker__Kapso__WebhookSecret in /etc/leadtracker/ingress.env before starting the ingress"
fi
log "start with: systemctl start leadtracker-worker leadtracker-ingress"
log "logs with:  journalctl -u leadtracker-worker -u leadtracker-ingress -f"
