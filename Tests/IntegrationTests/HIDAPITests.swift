import Foundation
import TestSupport
import Testing

/// hidapi, as most HID software links it, against every emulated family under `otpkit emulate --`: its hidraw backend
/// (Debian's libhidapi-hidraw0, which enumerates through libudev and opens /dev/hidrawN) finds each token with the
/// identity its USB descriptors give, and a feature report read through hidraw is the very one its libusb backend
/// reads through /dev/bus/usb. Tests/HIDAPI/hid_check.c is the program.
@Suite(.serialized) struct HIDAPITests {
    struct Family: Sendable, CustomStringConvertible {
        let name: String
        let vendorProduct: String
        let serial: String
        let product: String
        /// The length hid_check asks for: the report id byte and the family's feature report.
        let reportLength: Int
        var description: String { name }
    }

    static let families = [
        Family(name: "openhotp", vendorProduct: "1209:0001", serial: "00000321", product: "OpenHOTP token", reportLength: 65),
        Family(name: "yubikey", vendorProduct: "1050:0010", serial: "", product: "Yubikey", reportLength: 9),
        Family(name: "nitrokey-pro", vendorProduct: "20a0:4108", serial: "000000000141", product: "Nitrokey Pro", reportLength: 65),
        Family(name: "nitrokey-storage", vendorProduct: "20a0:4109", serial: "000000000141", product: "Nitrokey Storage", reportLength: 65),
    ]

    /// hid_check built against one of hidapi's backends.
    static func build(backend: String) throws -> String {
        let gcc = try #require(Subprocess.which("gcc"), "gcc is missing: `make test` installs it")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-hid-check-\(backend)-\(UUID().uuidString.prefix(8))").path
        let source = ProjectPaths.root.appendingPathComponent("Tests/HIDAPI/hid_check.c").path
        let built = try Subprocess.run(gcc, ["-Wall", "-Wextra", "-O2", "-o", output, source, "-lhidapi-\(backend)"])
        try #require(built.status == 0, "cannot build hid_check (is libhidapi-dev installed? `make test` installs it): \(built.stderr)")
        return output
    }

    @Test(arguments: families) func everyFamilyIsEnumeratedAndAnswersAFeatureReportThroughHidraw(_ family: Family) async throws {
        try await runBlocking {
            let hidraw = try Self.build(backend: "hidraw"), libusb = try Self.build(backend: "libusb")
            defer { for program in [hidraw, libusb] { try? FileManager.default.removeItem(atPath: program) } }
            let bridge = try UMockdevLibUSBTests.Bridge(firstSerial: 321, extraArguments: ["--token", family.name])

            let listed = try bridge.run(hidraw, ["list"])
            #expect(listed.status == 0, "\(listed.stderr)")
            let line = try #require(listed.stdout.split(separator: "\n").first.map(String.init), "hidapi found nothing: \(listed.stderr)")
            #expect(listed.stdout.split(separator: "\n").count == 1, "\(listed.stdout)")
            #expect(line.hasPrefix("\(family.vendorProduct) interface=0 serial=\(family.serial) product=\(family.product) path=/dev/hidraw"),
                    "\(line)")
            let path = try #require(line.components(separatedBy: "path=").last)

            let overHidraw = try bridge.run(hidraw, ["get", path, String(family.reportLength)])
            #expect(overHidraw.status == 0, "\(overHidraw.stderr)")
            let report = overHidraw.stdout.split(separator: "\n").first.map(String.init) ?? ""
            #expect(report.count == 2 * family.reportLength, "the report id and the whole report: \(report)")
            if family.name == "yubikey" {
                #expect(report.hasPrefix("0000020403"), "the status report names firmware 2.4.3: \(report)")
            }

            let usbPath = try #require(try bridge.run(libusb, ["list"]).stdout.split(separator: "\n").first?.components(separatedBy: "path=").last)
            let overUSB = try bridge.run(libusb, ["get", usbPath, String(family.reportLength)])
            #expect(overUSB.stdout.split(separator: "\n").first.map(String.init) == report,
                    "the same report through usbdevfs: \(overUSB.stdout)\(overUSB.stderr)")
        }
    }
}
