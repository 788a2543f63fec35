import ArgumentParser

/// `otpkit-bench hid`: what HID software pays for running under `otpkit emulate --`.
struct HIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hid",
        abstract: "ykman under `otpkit emulate --` against the emulator alone, and feature reports over hidraw against usbdevfs.",
        discussion: """
        Runs `otpkit emulate --token yubikey -- ykman list`, `-- true` and `ykman list` alone (no key) --runs times \
        each and prints the medians of their wall times and their ratio (ykman from .cache/venv, which `make test` \
        makes). Then builds \
        Tests/HIDAPI/hid_check.c against hidapi's hidraw and libusb backends and, under the emulator, times \
        --round-trips GET_REPORT(feature) exchanges with the emulated YubiKey through /dev/hidraw0 and through \
        /dev/bus/usb (three runs each, medians, and their ratio). Needs gcc and libhidapi-dev.
        """)

    @Option(help: "Runs of each emulate command.")
    var runs = 10

    @Option(help: "Feature report round trips a run.")
    var roundTrips = 5_000

    func validate() throws {
        guard runs >= 1, roundTrips >= 1 else { throw ValidationError("--runs and --round-trips must be at least 1") }
    }

    func run() throws {
        try HIDBenchmark.run(runs: runs, roundTrips: roundTrips)
    }
}
