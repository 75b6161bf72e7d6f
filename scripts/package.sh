#!/usr/bin/env bash
# Builds a LeadTracker release once, from this checkout, into dist/:
#   dist/leadtracker_<version>_amd64.deb            the Debian package (apt install ./dist/leadtracker_…deb)
#   dist/leadtracker-<version>-linux-x64.tar.gz     the same files with deploy/release/install.sh, for other hosts
# Both apps are published self-contained for linux-x64: the host needs no .NET runtime, only the libraries in
# deploy/debian/control's Depends (no ICU: the apps run culture-invariant, see Directory.Build.props).
# The package is zstd-compressed: Debian 12's dpkg reads it, and gzip took ten times longer for the same size.
# The version is Directory.Build.props' <Version>. Needs the .NET SDK and dpkg-deb (Debian package dpkg).
#   scripts/package.sh [--deb-only]     --deb-only: skip the archive (the package test needs only the .deb)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
log() { echo "[package] $*"; }

archive=yes
[[ ${1:-} != --deb-only ]] || archive=no

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
[[ -n $version ]] || { log "no <Version> in Directory.Build.props" >&2; exit 1; }
deb=dist/leadtracker_${version}_amd64.deb
tarball=dist/leadtracker-${version}-linux-x64.tar.gz

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
mkdir -p dist "$root/DEBIAN"

for app in ingress worker; do
  project=LeadTracker.${app^}/LeadTracker.${app^}.csproj
  log "publishing $project (self-contained, linux-x64)"
  dotnet publish "$project" -c Release -r linux-x64 --self-contained -nologo -v quiet \
    -p:DebugType=none -p:GenerateDocumentationFile=false -p:RunAnalyzers=false -o "$root/usr/lib/leadtracker/$app"
done
echo "$version" >"$root/usr/lib/leadtracker/VERSION"

install -D -m 0755 deploy/systemd/leadtracker "$root/usr/bin/leadtracker"
install -D -m 0644 -t "$root/lib/systemd/system" deploy/systemd/leadtracker-ingress.service deploy/systemd/leadtracker-worker.service
install -D -m 0644 deploy/systemd/ingress.env.example "$root/etc/leadtracker/ingress.env"
install -D -m 0644 deploy/systemd/worker.env.example "$root/etc/leadtracker/worker.env"
install -D -m 0644 -t "$root/usr/share/doc/leadtracker" README.md docs/deploy.md

install -m 0755 -t "$root/DEBIAN" deploy/debian/postinst deploy/debian/prerm deploy/debian/postrm
install -m 0644 deploy/debian/conffiles "$root/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$size/" deploy/debian/control >"$root/DEBIAN/control"

log "building $deb"
dpkg-deb --root-owner-group -Zzstd -z3 --build "$root" "$deb" >/dev/null

if [[ $archive == yes ]]; then
  log "building $tarball"
  release=$stage/leadtracker-$version
  mkdir -p "$release/debian"
  mv "$root/DEBIAN"/{postinst,prerm,postrm} "$release/debian/"
  rm -rf "$root/DEBIAN"
  mv "$root" "$release/root"
  install -m 0755 deploy/release/install.sh "$release/install.sh"
  tar -C "$stage" --owner=0 --group=0 -czf "$tarball" "leadtracker-$version"
fi
ls -lh "$deb" $([[ $archive == no ]] || echo "$tarball") | awk '{ print "[package] " $5 "\t" $9 }'
