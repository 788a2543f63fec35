#!/usr/bin/env bash
# Debootstraps the Debian 12 that the package test boots: minbase, systemd as PID 1, Debian's kernel and its initrd,
# the QEMU guest agent (how the host runs commands inside), and the libraries otpkit's package depends on (so that
# `apt install ./otpkit_*.deb` needs no network later). Cached in CACHE_DIR/rootfs-KEY, KEY a hash of this script.
# CACHE_DIR/current points at it. Prints the folder on its last line. Needs root (debootstrap, chroot).
set -euo pipefail
cache=${1:?usage: build-rootfs.sh CACHE_DIR}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
include="systemd,systemd-sysv,udev,dbus,kmod,linux-image-amd64,initramfs-tools,qemu-guest-agent,adduser,procps,iproute2,logrotate,libusb-1.0-0,libudev1,libsqlite3-0,libumockdev0,libxml2,libglib2.0-0,libstdc++6,zlib1g,sqlite3"
key=$(sha256sum "$0" | cut -c1-12)
root="$cache/rootfs-$key"
if [ -f "$root/.complete" ]; then ln -sfn "rootfs-$key" "$cache/current"; echo "$root"; exit 0; fi
mkdir -p "$cache"
rm -rf "$root.partial"
debootstrap --variant=minbase --include="$include" bookworm "$root.partial" "$mirror" >&2
# Serial console, the guest agent, DHCP on the virtual NIC, no root password needed on the console.
cat > "$root.partial/etc/systemd/network/80-dhcp.network" <<'NET'
[Match]
Name=en* eth*

[Network]
DHCP=yes
NET
chroot "$root.partial" systemctl enable systemd-networkd.service serial-getty@ttyS0.service >&2
mkdir -p "$root.partial/etc/systemd/system/qemu-guest-agent.service.d"
# Debian's unit waits for the virtio port's device unit; start it whenever the port is there.
printf '[Unit]\nConditionPathExists=/dev/virtio-ports/org.qemu.guest_agent.0\n' \
  > "$root.partial/etc/systemd/system/qemu-guest-agent.service.d/otpkit-test.conf"
mkdir -p "$root.partial/etc/systemd/system/multi-user.target.wants"
ln -sf /lib/systemd/system/qemu-guest-agent.service "$root.partial/etc/systemd/system/multi-user.target.wants/qemu-guest-agent.service"
echo "otpkit-test" > "$root.partial/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' > "$root.partial/etc/fstab"
chroot "$root.partial" passwd -d root >&2
rm -f "$root.partial"/var/cache/apt/archives/*.deb
touch "$root.partial/.complete"
mv "$root.partial" "$root"
ln -sfn "rootfs-$key" "$cache/current"
echo "$root"
