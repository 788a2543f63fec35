#!/usr/bin/env bash
# Downloads Debian 12's own kernel package once and keeps what the real-kernel test boots: vmlinuz and the
# modules for USB/IP, HID and the e1000 network card. Cache: CACHE_DIR/<package>/, CACHE_DIR/current -> it.
set -euo pipefail
cache=${1:?usage: fetch-kernel.sh CACHE_DIR}
modules="usb-common usbcore usbip-core vhci-hcd hid usbhid hid-generic e1000"

package_name() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6/{print $2; exit}'; }
package=$(package_name)
if [ -z "$package" ]; then
  apt-get update -qq
  package=$(package_name)
fi
[ -n "$package" ] || { echo "fetch-kernel: no Debian kernel package found (apt-cache depends linux-image-amd64)" >&2; exit 1; }

if [ -f "$cache/$package/vmlinuz" ]; then
  ln -sfn "$package" "$cache/current"
  echo "Kernel cached: $cache/$package"
  exit 0
fi
echo "Fetching $package for the real-kernel test"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q "$package" 2>&1 | grep -v "unsandboxed" || true)
dpkg -x "$work"/*.deb "$work/extract"
mkdir -p "$cache/$package.partial/modules"
cp "$work"/extract/boot/vmlinuz-* "$cache/$package.partial/vmlinuz"
for module in $modules; do
  found=$(find "$work/extract/lib/modules" -name "$module.ko" | head -1)
  [ -n "$found" ] || { echo "fetch-kernel: module $module is missing from $package" >&2; exit 1; }
  cp "$found" "$cache/$package.partial/modules/"
done
rm -rf "${cache:?}/$package"
mv "$cache/$package.partial" "$cache/$package"
ln -sfn "$package" "$cache/current"
echo "Kernel ready: $cache/$package"
