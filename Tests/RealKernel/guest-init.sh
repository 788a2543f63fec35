#!/bin/sh
# /init of the real-kernel test guest. Each step prints OTPKIT-BEGIN <name> ... OTPKIT-END <name> rc=<status>;
# the host test reads them from the serial console. The guest powers off at the end, or the host's timeout ends it.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
port=$(sed -n 's/.*otpkit\.port=\([0-9]*\).*/\1/p' /proc/cmdline)
faultport=$(sed -n 's/.*otpkit\.faultport=\([0-9]*\).*/\1/p' /proc/cmdline)
ykport=$(sed -n 's/.*otpkit\.ykport=\([0-9]*\).*/\1/p' /proc/cmdline)
nkport=$(sed -n 's/.*otpkit\.nkport=\([0-9]*\).*/\1/p' /proc/cmdline)

step() {
  name=$1; shift
  echo "OTPKIT-BEGIN $name"
  "$@" 2>&1
  echo "OTPKIT-END $name rc=$?"
}
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

for module in usb-common usbcore usbip-core vhci-hcd hid usbhid hid-generic e1000; do
  insmod /lib/modules/$module.ko || echo "OTPKIT-INSMOD-FAILED $module"
done
ifconfig lo 127.0.0.1 up
ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up
route add default gw 10.0.2.2

otpkit devices --watch --duration 900 > /tmp/watch.log 2>&1 &
watcher=$!
# Attach only once the watcher listens (it says so), so that every arrival is a `+` line.
tries=0
while ! grep -q "watching for tokens" /tmp/watch.log && [ $tries -lt 600 ]; do sleep 0.1; tries=$((tries + 1)); done

step attach usbip --tcp-port "$port" attach -r 10.0.2.2 -b 1-1
for i in $(seq 1 60); do
  ls /sys/class/hidraw/hidraw0 >/dev/null 2>&1 && break
  sleep 0.5
done
step hidraw-bound ls /sys/class/hidraw
step devices otpkit devices
step info otpkit info --json
step program otpkit program --device usb:serial=00424242 --slot 0 --secret 3132333435363738393031323334353637383930 --name guest
step touch1 otpkit touch --slot 0
step touch2 otpkit touch --slot 0
step counter otpkit counter --slot 0
step hidraw-back ls /sys/class/hidraw
step permission su tester -c "/bin/otpkit info"
step measured-cycle otpkit program --slot 2 --secret 3132333435363738393031323334353637383930 --verbose

start=$(uptime_ms)
for i in 1 2 3 4 5; do
  otpkit program --slot 1 --secret 3132333435363738393031323334353637383930 --force > /dev/null 2>&1 || echo "cycle $i failed"
done
end=$(uptime_ms)
echo "OTPKIT-TIMING program+readback cycles=5 total_ms=$((end - start))"

step erase otpkit erase --slot 0 --force
step counter-after-erase otpkit counter --slot 0
step detach usbip detach -p 0
sleep 3

# A batch waiting for tokens: provision starts with none present and picks up the token plugged in afterwards
# (libudev's hotplug monitor, kernel source here since no udevd runs).
otpkit provision --journal /tmp/batch.journal --count 1 --wait 90 > /tmp/provision.log 2>&1 &
provisioner=$!
sleep 2
step attach-for-provision usbip --tcp-port "$port" attach -r 10.0.2.2 -b 1-1
wait $provisioner
echo "OTPKIT-PROVISION rc=$?"
step provision-log cat /tmp/provision.log
step provision-touch otpkit touch --slot 0
step detach-after-provision usbip detach -p 0
sleep 3

# A token pulled out in the middle of a write: the second emulator drops the connection after 6 feature-report
# transfers (info, read slot, stage secret), so WRITE_SLOT never arrives.
step attach-faulty usbip --tcp-port "$faultport" attach -r 10.0.2.2 -b 1-1
for i in $(seq 1 60); do
  otpkit devices 2>/dev/null | grep -q 00535353 && break
  sleep 0.5
done
step unplug-mid-write otpkit program --device usb:serial=00535353 --slot 0 --secret 3132333435363738393031323334353637383930
sleep 2
step devices-after-detach otpkit devices
step info-after-detach otpkit info --device usb:1:2
# The emulated YubiKey, driven by Yubico's own tools and by otpkit, all through libusb.
step attach-yubikey usbip --tcp-port "$ykport" attach -r 10.0.2.2 -b 1-1
for i in $(seq 1 60); do
  otpkit devices 2>/dev/null | grep -q YubiKey && break
  sleep 0.5
done
step ykinfo ykinfo -a
start=$(uptime_ms)
step ykpersonalize ykpersonalize -1 -o oath-hotp -a 3132333435363738393031323334353637383930 -y
echo "OTPKIT-TIMING ykpersonalize total_ms=$(( $(uptime_ms) - start ))"
step yubikey-info otpkit info
start=$(uptime_ms)
step yubikey-program otpkit program --slot 2 --secret 3132333435363738393031323334353637383930 --counter 16 --verbose
echo "OTPKIT-TIMING otpkit-yubikey-program total_ms=$(( $(uptime_ms) - start ))"
step yubikey-counter otpkit counter
for port in 0 1 2 3 4 5 6 7; do usbip detach -p $port >/dev/null 2>&1; done  # the YubiKey leaves
sleep 2

# The emulated Nitrokey Pro, driven by libnitrokey (hidapi over libusb) and by otpkit.
step attach-nitrokey usbip --tcp-port "$nkport" attach -r 10.0.2.2 -b 1-1
for i in $(seq 1 60); do
  otpkit devices 2>/dev/null | grep -q Nitrokey && break
  sleep 0.5
done
step nk-check nk_check 3132333435363738393031323334353637383930 5
start=$(uptime_ms)
step nitrokey-program env OTPKIT_PIN=12345678 otpkit program --slot 2 --secret 3132333435363738393031323334353637383930 --counter 7 --verbose
echo "OTPKIT-TIMING otpkit-nitrokey-program total_ms=$(( $(uptime_ms) - start ))"
step nitrokey-touch otpkit touch --slot 2
step nitrokey-counter otpkit counter --slot 2

kill $watcher
step watch cat /tmp/watch.log
echo "OTPKIT-GUEST-DONE"
poweroff -f
