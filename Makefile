# otpkit: `make demo` and `make test` are the two set-up commands (see README.md).
# Both install the Debian packages they need when missing (apt-get; sudo when not root).

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# What building and the demo need: libusb and libudev headers (the USB transport), SQLite (the verifier's store),
# oathtool (the demo's cross-check), FreeRADIUS's client utilities (the demo ends with a `radtest` login), libumockdev
# and umockdev's preload library (`otpkit emulate -- COMMAND` shows the tokens to COMMAND as USB devices through them).
DEMO_PACKAGES := pkg-config libusb-1.0-0-dev libudev-dev libsqlite3-dev libumockdev-dev umockdev oathtool freeradius-utils
# What `make deb` adds: dpkg-dev (dpkg-shlibdeps, dpkg-gencontrol) and lintian; what the package tests add:
# debootstrap for the Debian 12 root the package is installed into and booted (cached in .cache/debian-package),
# mkfs.ext4 for its disk (QEMU boots it, as it boots the real-kernel test).
DEB_PACKAGES := dpkg-dev lintian
PACKAGE_TEST_PACKAGES := $(DEB_PACKAGES) debootstrap e2fsprogs
PACKAGE_TEST_CACHE := .cache/debian-package
# What the tests add: the usbip client (acceptance test); python3 for the spec vector generator; python3-pskc (an
# independent PSKC implementation); Yubico's
# ykinfo/ykpersonalize and libnitrokey (with gcc for a small C program) to check the emulated vendor tokens; QEMU, a
# static busybox, cpio and strip for the real-kernel test (the kernel itself is fetched into .cache/real-kernel);
# openssl, curl and wrk for the HTTPS test and the load benchmark; python3-venv for the test tools from PyPI (below); PostgreSQL (its server binaries: the tests start a
# throwaway cluster of their own, as the postgres user); the peers of the RADIUS tests: FreeRADIUS (started by the
# tests as a proxy, with configurations of their own), pam_radius_auth and pamtester (a PAM login against otpkit);
# what the package tests need (above); hidapi (its hidraw and libusb backends, for a small C program) and python3-evdev,
# which read the emulated tokens as HID software does, and PC/SC's library, which ykman (from PyPI, below) loads.
TEST_PACKAGES := $(DEMO_PACKAGES) usbip python3 python3-pskc \
	yubikey-personalization libnitrokey-dev gcc qemu-system-x86 busybox-static cpio binutils openssl curl wrk postgresql \
	freeradius libpam-radius-auth pamtester python3-venv libhidapi-dev python3-evdev libpcsclite-dev $(PACKAGE_TEST_PACKAGES)
# Packages whose system service must stay off: freeradius's postinst starts its service (invoke-rc.d, and on systemd
# deb-systemd-invoke), which would listen on 1812/1813 from then on, and enables it for every boot.
QUIET_SERVICES := freeradius
# What `make bench` adds: liboath's headers and gcc, for the small C program that measures liboath as the HOTP anchor.
BENCH_PACKAGES := liboath-dev gcc
KERNEL_CACHE := .cache/real-kernel
# The whole test run takes 6 to 10 minutes on 2 cores; past this many seconds a test hangs, and the run stops naming
# the tests still running (CI's 90 minutes also hold the packages and the build).
TEST_TIME_LIMIT ?= 2400
TEST_VENV := .cache/venv
SCHEMATHESIS_VERSION := 4.32.5
YKMAN_VERSION := 5.9.2
PYNITROKEY_VERSION := 0.14.1
TEST_VENV_MARKER := $(TEST_VENV)/.installed-$(SCHEMATHESIS_VERSION)-$(YKMAN_VERSION)-$(PYNITROKEY_VERSION)

.PHONY: demo test test-package build deb docs bench bench-cluster bench-radius bench-hid bench-provision fuzz deps-demo deps-test clean install-udev

demo: deps-demo build
	.build/debug/otpkit demo

# Every import must be a declared dependency of its target (--explicit-target-dependency-import-check error); `swift
# test` runs what that build made (--skip-build) rather than building again with other flags. Note: SwiftPM 6.3.1 on
# Linux reports nothing with this flag, even for a target importing an undeclared sibling (cause not found; the check
# gives up silently on any failure), so keep each target's `import`s and its dependencies in Package.swift in step by hand.
# The package tests (DebianPackageTests, DebianServiceTests) need the package (`make deb`: a static release build)
# and a debootstrapped Debian 12 (Tests/DebianPackage/build-rootfs.sh, as root): the debootstrap, which mostly
# waits on the network, runs while SwiftPM builds; its log is $(PACKAGE_TEST_CACHE)/build-rootfs.log.
test: deps-test $(TEST_VENV_MARKER)
	Tests/RealKernel/fetch-kernel.sh $(KERNEL_CACHE)
	$(build_with_debian_root)
	Tests/Runner/within-time-limit.sh $(TEST_TIME_LIMIT) $(SWIFT) test --skip-build

# Only the package tests: its contents and Depends; apt installing, removing and purging it in a chroot of a
# debootstrapped Debian 12; and that Debian booted under QEMU with the service running (DebianServiceTests).
test-package: deps-test
	$(build_with_debian_root)
	$(SWIFT) test --skip-build --filter 'DebianPackageTests|DebianServiceTests'

# otpkit_VERSION_amd64.deb in this folder (packaging/build-deb.sh: a static release build, man pages, completions,
# the systemd unit and the configuration file; lintian must report no error).
deb: deps-demo
	@$(call install_missing,$(DEB_PACKAGES))
	packaging/build-deb.sh

# Python tools from PyPI that Debian does not package, in a virtual environment of the project's own (Debian's python3,
# versions pinned): schemathesis checks the running server against openapi.yaml; Yubico's ykman and Nitrokey's nitropy
# are the vendors' current tools, run against the emulated tokens. The marker file (TEST_VENV_MARKER) names the
# versions, so a change of pin installs again.
$(TEST_VENV_MARKER): | deps-test
	/usr/bin/python3 -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/pip install --quiet --disable-pip-version-check schemathesis==$(SCHEMATHESIS_VERSION) \
		yubikey-manager==$(YKMAN_VERSION) pynitrokey==$(PYNITROKEY_VERSION)
	touch $@

build:
	$(SWIFT) build

# DocC for the library products, one archive each in .build/docs (a DocC warning fails the target).
DOC_TARGETS = EmulatedTokens Provisioning
docs: deps-demo
	mkdir -p .build/docs
	for target in $(DOC_TARGETS); do \
		$(SWIFT) package --allow-writing-to-directory .build/docs generate-documentation --target $$target \
			--output-path .build/docs/$$target.doccarchive --warnings-as-errors || exit 1; \
	done

# Benchmarks run in release mode; the figures go into the issue notes.
bench: deps-demo
	@$(call install_missing,$(BENCH_PACKAGES))
	$(SWIFT) run -c release otpkit-bench

# Durable verify requests over HTTP (wrk): SQLite one node, PostgreSQL one and two nodes (a throwaway cluster).
bench-cluster: deps-test
	@$(call install_missing,$(BENCH_PACKAGES))
	$(SWIFT) build -c release --product otpkit
	$(SWIFT) run -c release otpkit-bench cluster

# Durable RADIUS logins (the benchmark's own load client, 16 outstanding) beside the HTTP figure (wrk) of the same
# nodes and the disk's fdatasync rate: SQLite one node, PostgreSQL two nodes sharing a throwaway cluster.
bench-radius: deps-test
	$(SWIFT) build -c release --product otpkit
	$(SWIFT) run -c release otpkit-bench radius

# HID software under `otpkit emulate --`: ykman list against the emulator alone, feature reports over hidraw against
# usbdevfs (needs the test venv's ykman and libhidapi-dev, which `make test` installs).
bench-hid: deps-test $(TEST_VENV_MARKER)
	$(SWIFT) build -c release --product otpkit
	$(SWIFT) run -c release otpkit-bench hid

# Provisions 1,000 emulated tokens over USB/IP through the whole loop (journal, program, read back, export).
bench-provision: deps-demo
	$(SWIFT) build -c release --product otpkit
	@work=$$(mktemp -d); bin=$$($(SWIFT) build -c release --show-bin-path)/otpkit; \
	$$bin emulate --port 0 --tokens 1000 > $$work/emulator.log & emulator=$$!; \
	until grep -q '^listening on' $$work/emulator.log 2>/dev/null; do sleep 0.2; done; \
	address=$$(sed -n 's/^listening on //p' $$work/emulator.log | head -1); \
	$$bin provision --usbip $$address --journal $$work/batch.journal --out $$work/seeds.json --format json | tail -1; \
	kill $$emulator; wait $$emulator 2>/dev/null; rm -rf $$work

# Coverage-guided fuzzing of every parser (libFuzzer + AddressSanitizer, in .build-fuzz, outside the ordinary build):
# FUZZ_SECONDS per target (default 60), or FUZZ_RUNS executions each; FUZZ_TARGETS picks some. Crashes land in
# Fuzz/regressions/TARGET/, which `make test` replays.
FUZZ_SECONDS ?= 60
fuzz: deps-demo
	SWIFT="$(SWIFT)" FUZZ_SECONDS="$(FUZZ_SECONDS)" FUZZ_RUNS="$(FUZZ_RUNS)" FUZZ_TARGETS="$(FUZZ_TARGETS)" Fuzz/run-fuzz.sh

deps-demo:
	@$(call install_missing,$(DEMO_PACKAGES))

deps-test:
	@$(call install_missing,$(TEST_PACKAGES))

clean:
	rm -rf .build

# Lets ordinary users reach tokens through libusb and hidraw (needed once per machine; replug tokens afterwards).
install-udev:
	$(SUDO) install -m 0644 udev/70-otpkit.rules /etc/udev/rules.d/70-otpkit.rules
	$(SUDO) udevadm control --reload-rules
	$(SUDO) udevadm trigger --subsystem-match=usb --subsystem-match=hidraw

# The tests' build, the package and the Debian root of the package tests, the debootstrap in the background.
define build_with_debian_root
mkdir -p $(PACKAGE_TEST_CACHE); \
$(SUDO) Tests/DebianPackage/build-rootfs.sh $(PACKAGE_TEST_CACHE) > $(PACKAGE_TEST_CACHE)/build-rootfs.log 2>&1 & rootfs=$$!; \
$(SWIFT) build --build-tests --explicit-target-dependency-import-check error && packaging/build-deb.sh; built=$$?; \
if ! wait $$rootfs; then echo "build-rootfs.sh failed:"; tail -30 $(PACKAGE_TEST_CACHE)/build-rootfs.log; exit 1; fi; \
exit $$built
endef

# Installs the packages of $(1) that dpkg does not list as installed; apt-get update runs first.
# No service starts while they install: the demo and the tests start what they need themselves (FreeRADIUS,
# PostgreSQL) on free loopback ports. Both of Debian's start helpers (invoke-rc.d, deb-systemd-invoke) ask
# /usr/sbin/policy-rc.d first, so one that refuses every start (exit 101) stands there during apt-get and is removed
# afterwards, even when interrupted; an existing one (Debian's container images ship one) is left alone. Then the
# services of QUIET_SERVICES that this run installed are disabled, so a reboot does not start them either (and
# stopped, in case an existing policy-rc.d let them start). Nothing we did not install is touched.
POLICY_RC_D := /usr/sbin/policy-rc.d
define install_missing
missing=""; \
for package in $(1); do \
  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
done; \
if [ -z "$$missing" ]; then echo "Debian packages present: $(1)"; exit 0; fi; \
echo "Installing Debian packages:$$missing"; \
policy=""; \
if [ ! -e $(POLICY_RC_D) ]; then \
  policy=$(POLICY_RC_D); trap '$(SUDO) rm -f '$$policy EXIT INT TERM; \
  printf '#!/bin/sh\n# otpkit make: no service starts while packages install\nexit 101\n' | $(SUDO) tee $$policy >/dev/null; \
  $(SUDO) chmod 0755 $$policy; \
fi; \
$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing \
  || exit 1; \
for service in $(QUIET_SERVICES); do \
  case " $$missing " in *" $$service "*) \
    echo "Keeping the $$service service off (disabled, not started): the tests start their own"; \
    if [ -d /run/systemd/system ]; then $(SUDO) systemctl disable --now $$service.service >/dev/null 2>&1; \
    else $(SUDO) update-rc.d $$service disable >/dev/null 2>&1; $(SUDO) invoke-rc.d $$service stop >/dev/null 2>&1; fi; \
  esac; \
done; true
endef
