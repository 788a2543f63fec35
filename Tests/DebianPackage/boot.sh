#!/usr/bin/env bash
# Boots the package test's disk (prepare-image.sh) under QEMU, systemd as PID 1, in the background: KVM when the
# machine offers it, software emulation otherwise. User networking forwards the host's loopback HTTP_PORT (TCP) and
# RADIUS_PORT (UDP) to the guest's 8400 and 1812; the guest agent listens on WORK/qga.sock; the console goes to
# WORK/serial.log. A reboot inside the guest restarts it in the same QEMU. Prints QEMU's pid.
set -euo pipefail
work=${1:?usage: boot.sh WORK HTTP_PORT RADIUS_PORT}; http=${2:?}; radius=${3:?}
accel=tcg
# /dev/kvm can be there without the CPU's virtualisation extensions (a nested guest): QEMU then hangs, so ask both.
if [ -w /dev/kvm ] && grep -qE '\b(vmx|svm)\b' /proc/cpuinfo; then accel=kvm; fi
# Under software emulation each virtual CPU keeps a host core busy: one, so that the tests running beside the guest
# keep the other (two made a 2-core machine's whole test run twice as slow, and timing-bound tests failed).
cpus=1; [ $accel = kvm ] && cpus=2
rm -f "$work/qga.sock" "$work/serial.log"
# QEMU outlives this script, so it must hold none of the caller's descriptors: Foundation's Process (the tests) hears
# that its child ended only when every copy of a socket it handed the child is closed.
for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
qemu-system-x86_64 -machine q35 -accel $accel -cpu max -m 1536 -smp $cpus \
  -kernel "$work/vmlinuz" -initrd "$work/initrd.img" \
  -append "root=/dev/vda rw console=ttyS0 systemd.show_status=false" \
  -drive file="$work/disk.img",format=raw,if=virtio \
  -nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$http-:8400,hostfwd=udp:127.0.0.1:$radius-:1812 \
  -chardev socket,path="$work/qga.sock",server=on,wait=off,id=qga0 \
  -device virtio-serial -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0 \
  -display none -serial "file:$work/serial.log" -monitor none \
  -pidfile "$work/qemu.pid" -daemonize </dev/null >/dev/null 2>"$work/qemu.log" \
  || { cat "$work/qemu.log" >&2; exit 1; }
cat "$work/qemu.pid"
