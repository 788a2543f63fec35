import Foundation
import TestSupport
import Testing

/// Debian's libnitrokey (its C API, in Tests/Nitrokey/nk_check.c, over hidapi and libusb through the umockdev
/// bridge) against the emulated Nitrokey Pro: PINs, writing and reading a HOTP slot, codes equal to oathtool's.
@Suite(.serialized) struct NitrokeyVendorToolTests {
    static let key = "3132333435363738393031323334353637383930"

    /// nk_check compiled against libnitrokey into a temporary folder.
    static func buildChecker() throws -> String {
        let gcc = try #require(Subprocess.which("gcc"), "gcc is missing: `make test` installs it")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-nk-check-\(UUID().uuidString)").path
        let source = ProjectPaths.root.appendingPathComponent("Tests/Nitrokey/nk_check.c").path
        let built = try Subprocess.run(gcc, ["-Wall", "-o", output, source, "-lnitrokey"])
        try #require(built.status == 0, "cannot build nk_check (is libnitrokey-dev installed? `make test` installs it): \(built.stderr)")
        return output
    }

    @Test func libnitrokeyWritesReadsAndGeneratesCodes() throws {
        let checker = try Self.buildChecker()
        defer { try? FileManager.default.removeItem(atPath: checker) }
        let bridge = try UMockdevLibUSBTests.Bridge(firstSerial: 3_141_592, extraArguments: ["--token", "nitrokey-pro"])
        let result = try bridge.run(checker, [Self.key, "5"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("serial 3141592"), "\(lines)")
        #expect(lines.contains("wrong-pin status=4 retries=2"), "a wrong admin PIN is refused and counted: \(lines)")
        #expect(lines.contains("right-pin status=0 retries=3"), "the right one restores the retries: \(lines)")
        #expect(lines.contains("write status=0"))
        #expect(lines.contains("read status=0 name=otpkit counter=5"), "\(lines)")
        let oathtool = try #require(Subprocess.which("oathtool"))
        let expected = try Subprocess.run(oathtool, ["--hotp", "-c", "5", "-w", "2", Self.key]).stdout.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("code ") } == expected.map { "code \($0) status=0" })
    }
}
