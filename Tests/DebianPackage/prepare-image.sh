#!/usr/bin/env bash
# Makes the package test's disk: a copy of the cached Debian root (build-rootfs.sh) with the package installed by
# `apt install ./otpkit_*.deb`, as an administrator would, then an ext4 image of it (mkfs.ext4 -d, no loop mount).
# Also copies out the guest's kernel and initrd, and puts each FILE given after WORK into the guest's /root (a newer
# package to upgrade to, say). Needs root (chroot). WORK gets root/, disk.img, vmlinuz, initrd.img.
set -euo pipefail
rootfs=${1:?usage: prepare-image.sh ROOTFS DEB WORK [FILE...]}; deb=${2:?}; work=${3:?}
shift 3
root=$work/root
rm -rf "$root" "$work/disk.img"
mkdir -p "$work"
cp -a "$(realpath "$rootfs")" "$root"
cp "$deb" "$root/tmp/"
mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
# No network needed: build-rootfs.sh put the package's dependencies there already.
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/tmp/$(basename "$deb")" >&2
umount "$root/proc"
trap - EXIT
rm -f "$root/tmp/$(basename "$deb")"
for file in "$@"; do cp "$file" "$root/root/"; done
cp -L "$root/vmlinuz" "$work/vmlinuz"
cp -L "$root/initrd.img" "$work/initrd.img"
mkfs.ext4 -q -F -L otpkit-test -d "$root" "$work/disk.img" 3G
rm -rf "$root"
echo "$work/disk.img"
