import Foundation
import TestSupport
import Testing

/// The real Debian `usbip` tool (package usbip) against the emulator's server.
@Suite struct UsbipToolAcceptanceTests {
    @Test func usbipListShowsTheEmulatedTokens() async throws {
        let usbip = try #require(Subprocess.which("usbip"), "usbip is missing: `make test` installs it (apt-get install usbip)")
        let fixture = try await EmulatorServerFixture(count: 2)
        let result = try Subprocess.run(usbip, ["--tcp-port", String(fixture.port), "list", "-r", "127.0.0.1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1-1:"), "\(result.stdout)")
        #expect(result.stdout.contains("1-2:"))
        #expect(result.stdout.contains("(1209:0001)"))
        #expect(result.stdout.contains("Human Interface Device"))
    }

    /// `usbip attach` needs vhci-hcd, which this machine lacks; the import must still be accepted by the tool, and an
    /// unknown bus id refused with "Device not found".
    @Test func usbipAttachOfAnUnknownBusIDIsRefused() async throws {
        let usbip = try #require(Subprocess.which("usbip"), "usbip is missing: `make test` installs it (apt-get install usbip)")
        let fixture = try await EmulatorServerFixture(count: 1)
        let result = try Subprocess.run(usbip, ["--tcp-port", String(fixture.port), "attach", "-r", "127.0.0.1", "-b", "7-7"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("Device not found"), "\(result.stderr)")
    }
}
