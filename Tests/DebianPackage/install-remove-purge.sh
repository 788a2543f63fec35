#!/usr/bin/env bash
# The package's life in a chroot of the cached Debian 12 root (build-rootfs.sh), as an administrator lives it with
# apt: install, remove, install again, purge. Prints what each step left behind as KEY=VALUE lines for the test
# (DebianPackageTests). Nothing is started: no systemd runs in a chroot. Needs root.
set -euo pipefail
rootfs=${1:?usage: install-remove-purge.sh ROOTFS DEB WORK}; deb=${2:?}; work=${3:?}
root=$work/root
rm -rf "$root"
mkdir -p "$work"
cp -a "$(realpath "$rootfs")" "$root"
cp "$deb" "$root/tmp/otpkit.deb"
mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true; rm -rf "$root"' EXIT
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive "$@"; }
apt_get() { in_root apt-get -y -q "$@" >&2; }
state() {
  echo "$1.user=$(in_root getent passwd otpkit | cut -d: -f1,6,7)"
  echo "$1.state=$(in_root stat -c '%U %a' /var/lib/otpkit 2>/dev/null || echo missing)"
  echo "$1.logs=$(in_root stat -c '%U %G %a' /var/log/otpkit 2>/dev/null || echo missing)"
  echo "$1.config=$( [ -f "$root/etc/otpkit/verifier.yaml" ] && echo present || echo missing)"
  echo "$1.enabled=$( [ -L "$root/etc/systemd/system/multi-user.target.wants/otpkit-verifier.service" ] && echo yes || echo no)"
  echo "$1.data=$( [ -f "$root/var/lib/otpkit/verifier.sqlite" ] && echo kept || echo gone)"
}
apt_get install /tmp/otpkit.deb
state installed
echo "installed.version=$(in_root otpkit --version 2>&1 | head -1)"
echo "installed.config-check=$(in_root otpkit verifier config check /etc/otpkit/verifier.yaml 2>&1)"
# The administrator's first steps, as the package's user: a database with its key, and a token.
in_root runuser -u otpkit -- otpkit verifier init --config /etc/otpkit/verifier.yaml >&2
echo "# an administrator's edit" >> "$root/etc/otpkit/verifier.yaml"
apt_get remove otpkit
state removed
echo "removed.edit=$(grep -c "an administrator's edit" "$root/etc/otpkit/verifier.yaml" 2>/dev/null || echo 0)"
apt_get install /tmp/otpkit.deb
state reinstalled
echo "reinstalled.edit=$(grep -c "an administrator's edit" "$root/etc/otpkit/verifier.yaml")"
apt_get purge otpkit
state purged
echo "purged.group=$(in_root getent group otpkit || true)"
