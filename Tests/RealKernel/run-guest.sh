#!/usr/bin/env bash
# Boots the cached Debian kernel under QEMU (software emulation) with an initramfs holding busybox, usbip and the
# given otpkit binary and Yubico's ykinfo/ykpersonalize; /init (guest-init.sh) attaches the emulated tokens served on
# the host's loopback ports (the second with a fault planned, the third a YubiKey) and runs otpkit and the vendor
# tools through libusb against the kernel's USB stack. Everything the guest prints lands in WORK/serial.log.
# The whole run is bounded by TIMEOUT seconds; the exit status is QEMU's (124 on timeout).
set -euo pipefail
otpkit=${1:?usage: run-guest.sh OTPKIT_BINARY HOST_PORT FAULT_PORT YUBIKEY_PORT NITROKEY_PORT WORK_DIR KERNEL_DIR [TIMEOUT]}
port=${2:?}; faultport=${3:?}; ykport=${4:?}; nkport=${5:?}; work=${6:?}; kernel=${7:?}; limit=${8:-420}
here=$(cd "$(dirname "$0")" && pwd)
root="$work/root"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,etc,run,var/run,lib/modules,usr/share/misc}

cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# A program and the shared libraries ldd names, at the same paths as on the host.
install_with_libraries() {
  local source=$1 target=$2
  cp "$source" "$root$target"
  for library in $(ldd "$source" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$library")"
    [ -e "$root$library" ] || cp -L "$library" "$root$library"
  done
}
install_with_libraries /usr/sbin/usbip /sbin/usbip
install_with_libraries /usr/bin/ykinfo /bin/ykinfo
install_with_libraries /usr/bin/ykpersonalize /bin/ykpersonalize
# libnitrokey's C API, through a small checker built here (Tests/Nitrokey/nk_check.c).
gcc -Wall -o "$work/nk_check" "$here/../Nitrokey/nk_check.c" -lnitrokey
install_with_libraries "$work/nk_check" /bin/nk_check
strip -o "$work/otpkit.stripped" "$otpkit"
install_with_libraries "$otpkit" /bin/otpkit
cp "$work/otpkit.stripped" "$root/bin/otpkit"
cp -L /usr/share/misc/usb.ids "$root/usr/share/misc/usb.ids" 2>/dev/null || true
cp "$kernel"/modules/*.ko "$root/lib/modules/"
# An ordinary user, to see what otpkit says without the udev rules.
printf 'root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000:tester:/tmp:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\ntester:x:1000:\n' > "$root/etc/group"
cp "$here/guest-init.sh" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$work/initramfs.cpio"

rm -f "$work/serial.log"
timeout --kill-after=10 "$limit" qemu-system-x86_64 -cpu max -m 1024 -smp 1 \
  -kernel "$kernel/vmlinuz" -initrd "$work/initramfs.cpio" \
  -append "console=ttyS0 panic=-1 quiet otpkit.port=$port otpkit.faultport=$faultport otpkit.ykport=$ykport otpkit.nkport=$nkport" \
  -nic user,model=e1000 -display none -serial "file:$work/serial.log" -monitor none -no-reboot
