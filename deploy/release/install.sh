#!/bin/sh
# Installs LeadTracker from its unpacked release archive (leadtracker-<version>-linux-x64.tar.gz), as root, on a
# systemd machine that cannot take the Debian package: the same files in the same places as the package, then
# the package's own postinst (users, credentials, units). Existing settings (/etc/leadtracker/*.env) are kept;
# an upgrade restarts the running units. Uninstall: see docs/deploy.md.
set -eu
cd "$(dirname "$0")"
[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root" >&2; exit 1; }

old=$(cat /usr/lib/leadtracker/VERSION 2>/dev/null || true)

# The apps: copied beside the live folder, then swapped, so a running unit never sees half-copied files.
install -d /usr/lib/leadtracker
rm -rf /usr/lib/leadtracker.new
cp -a root/usr/lib/leadtracker /usr/lib/leadtracker.new
rm -rf /usr/lib/leadtracker.old
mv /usr/lib/leadtracker /usr/lib/leadtracker.old
mv /usr/lib/leadtracker.new /usr/lib/leadtracker
rm -rf /usr/lib/leadtracker.old

install -m 0755 root/usr/bin/leadtracker /usr/bin/leadtracker
install -m 0644 root/lib/systemd/system/*.service /lib/systemd/system/
install -d /usr/share/doc/leadtracker
install -m 0644 root/usr/share/doc/leadtracker/* /usr/share/doc/leadtracker/
install -d -m 0755 /etc/leadtracker
for env in root/etc/leadtracker/*.env; do
  [ -e "/etc/leadtracker/${env##*/}" ] || install -m 0640 "$env" /etc/leadtracker/
done

# deb-systemd-helper (which enables the units there) works only when it sees dpkg's maintainer-script variables.
DPKG_MAINTSCRIPT_PACKAGE=leadtracker DPKG_MAINTSCRIPT_NAME=postinst exec sh debian/postinst configure "$old"
