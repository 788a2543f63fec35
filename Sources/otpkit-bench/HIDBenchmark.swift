import Foundation
import TestSupport

/// What HID software pays for the emulator: the wall time of `otpkit emulate --token yubikey -- ykman list` against
/// `-- true` (the emulator's own start and stop) and against `ykman list` alone (ykman's own start), medians of the
/// same sitting; and feature-report round trips per
/// second through the testbed's hidraw node (hidapi's hidraw backend) against its usbdevfs node (hidapi's libusb
/// backend), the same program and the same emulated key.
enum HIDBenchmark {
    static func run(runs: Int, roundTrips: Int) throws {
        let otpkit = ProjectPaths.otpkit.path
        print("HID software under `otpkit emulate --` (\(otpkit))")
        let ykman = ProjectPaths.root.appendingPathComponent(".cache/venv/bin/ykman").path
        if FileManager.default.isExecutableFile(atPath: ykman) {
            let idle = try median(runs) { try wallTime(otpkit, ["emulate", "--token", "yubikey", "--", "/bin/true"]) }
            let listed = try median(runs) { try wallTime(otpkit, ["emulate", "--token", "yubikey", "--", ykman, "list"]) }
            // ykman's own start (Python, its imports) with no key to find: what of the time is not the emulator's.
            let bare = try median(runs) { try wallTime(ykman, ["list"]) }
            report("emulate -- true, median of \(runs)", idle * 1000, "ms")
            report("emulate -- ykman list, median of \(runs)", listed * 1000, "ms")
            report("ykman list without the emulator (no key), median of \(runs)", bare * 1000, "ms")
            print("  ratio ykman list / true: \(String(format: "%.1f", listed / idle))×; the emulator's share of ykman list: "
                  + "\(Int(((listed - bare) * 1000).rounded())) ms")
        } else {
            print("  ykman: not measured (`make test` installs it into .cache/venv)")
        }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-hid-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard let hidraw = build("hidraw", into: folder), let libusb = build("libusb", into: folder) else { return }
        let overHidraw = try median(3) { try roundTripsPerSecond(otpkit, "\(hidraw) get /dev/hidraw0 9 \(roundTrips)") }
        let overUSB = try median(3) {
            try roundTripsPerSecond(otpkit, "\(libusb) get \"$(\(libusb) list | sed -n 's/.*path=//p' | head -1)\" 9 \(roundTrips)")
        }
        report("feature report round trips over hidraw, median of 3", overHidraw, "/s")
        report("feature report round trips over usbdevfs (libusb), median of 3", overUSB, "/s")
        print("  ratio hidraw / usbdevfs: \(String(format: "%.2f", overHidraw / overUSB))×")
    }

    private static func median(_ count: Int, _ sample: () throws -> Double) throws -> Double {
        let values = try (0..<count).map { _ in try sample() }.sorted()
        return values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
    }

    private static func wallTime(_ executable: String, _ arguments: [String]) throws -> Double {
        let clock = ContinuousClock(), start = clock.now
        let result = try Subprocess.run(executable, arguments, timeout: 120)
        guard result.status == 0 else { throw TestProcessFailure("\(arguments.joined(separator: " ")): \(result.stderr)") }
        return (clock.now - start).seconds
    }

    private static func roundTripsPerSecond(_ otpkit: String, _ script: String) throws -> Double {
        let result = try Subprocess.run(otpkit, ["emulate", "--token", "yubikey", "--", "/bin/sh", "-c", script], timeout: 300)
        guard let line = result.stdout.split(separator: "\n").first(where: { $0.hasPrefix("round_trips_per_second=") }),
              let rate = Double(line.dropFirst("round_trips_per_second=".count)) else {
            throw TestProcessFailure("hid_check: \(result.stdout)\(result.stderr)")
        }
        return rate
    }

    /// Tests/HIDAPI/hid_check.c against one of hidapi's backends; nil (with the reason) when gcc or hidapi is missing.
    private static func build(_ backend: String, into folder: URL) -> String? {
        let output = folder.appendingPathComponent("hid_check_\(backend)").path
        let source = ProjectPaths.root.appendingPathComponent("Tests/HIDAPI/hid_check.c").path
        guard let gcc = Subprocess.which("gcc"), let built = try? Subprocess.run(gcc, ["-O2", "-o", output, source, "-lhidapi-\(backend)"]),
              built.status == 0 else {
            print("  round trips: not measured (apt-get install gcc libhidapi-dev; `make test` does it)")
            return nil
        }
        return output
    }
}
