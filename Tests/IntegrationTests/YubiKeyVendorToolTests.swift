import Foundation
import TestSupport
import Testing

/// Yubico's own tools (Debian's yubikey-personalization: ykinfo, ykpersonalize, over libusb through the umockdev
/// testbed of `otpkit emulate -- COMMAND`) against the emulated YubiKey, and otpkit's frames compared with
/// ykpersonalize's byte for byte.
@Suite(.serialized) struct YubiKeyVendorToolTests {
    static let key = "3132333435363738393031323334353637383930"

    static func tool(_ name: String) throws -> String {
        try #require(Subprocess.which(name), "\(name) is missing: `make test` installs yubikey-personalization")
    }

    /// The configuration frames (command 0x01 or 0x03) an emulator logged.
    static func configurationFrames(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { $0.count == 140 && ["01", "03"].contains(String(Array($0)[128..<130])) }
    }

    @Test func ykinfoReadsSerialAndVersion() throws {
        let bridge = try UMockdevLibUSBTests.Bridge(firstSerial: 1_234_567, extraArguments: ["--token", "yubikey"])
        let info = try bridge.run(try Self.tool("ykinfo"), ["-a"])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("serial: 1234567") && info.stdout.contains("version: 2.4.3"), "\(info.stdout)")
        #expect(info.stdout.contains("vendor_id: 1050"))
    }

    struct Case: Sendable, CustomStringConvertible {
        let ykpersonalize: [String]
        let otpkit: [String]
        let counter: Int
        let digits: Int
        var description: String { ykpersonalize.joined(separator: " ") }
    }

    static let cases = [
        Case(ykpersonalize: ["-1", "-o", "oath-hotp"], otpkit: [], counter: 0, digits: 6),
        Case(ykpersonalize: ["-2", "-o", "oath-hotp", "-o", "oath-hotp8", "-o", "oath-imf=32"],
             otpkit: ["--slot", "2", "--digits", "8", "--counter", "32"], counter: 32, digits: 8),
        Case(ykpersonalize: ["-1", "-o", "oath-hotp", "-o", "append-cr", "-o", "serial-api-visible", "-o", "access=010203040506"],
             otpkit: ["--append-enter", "--serial-visible", "--new-access-code", "010203040506"], counter: 0, digits: 6),
    ]

    @Test(arguments: cases)
    func otpkitWritesWhatYkpersonalizeWrites(_ setup: Case) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-ykpers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let theirs = folder.appendingPathComponent("ykpersonalize.frames").path
        let ours = folder.appendingPathComponent("otpkit.frames").path

        let vendorKey = try UMockdevLibUSBTests.Bridge(firstSerial: 4242, extraArguments: ["--token", "yubikey", "--frame-log", theirs])
        let written = try vendorKey.run(try Self.tool("ykpersonalize"), setup.ykpersonalize + ["-a", Self.key, "-y"])
        #expect(written.status == 0, "\(written.stderr)")

        let otpkitKey = try EmulatorProcessFixture(tokens: 1, firstSerial: 4242, extraArguments: ["--token", "yubikey", "--frame-log", ours])
        let programmed = try otpkit(["program", "--device", otpkitKey.device(1), "--secret", Self.key] + setup.otpkit)
        #expect(programmed.status == 0, "\(programmed.stderr)")

        let vendorFrames = try Self.configurationFrames(theirs), otpkitFrames = try Self.configurationFrames(ours)
        #expect(vendorFrames.count == 1)
        #expect(otpkitFrames == vendorFrames, "otpkit:\n\(otpkitFrames)\nykpersonalize:\n\(vendorFrames)")

        // A touch of the slot ykpersonalize programmed types oathtool's code for that key and counter.
        let slot = setup.ykpersonalize.contains("-2") ? 2 : 1
        let typed = try vendorKey.press("1-1", slot: slot)
        let oathtool = try Subprocess.run(try Self.tool("oathtool"), ["--hotp", "-c", String(setup.counter), "-d", String(setup.digits), Self.key])
        #expect(typed == oathtool.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Pulled out in the middle of a write (the emulator drops the USB/IP connection): the old state stands.
@Suite struct VendorTokenUnplugTests {
    // The counts fall inside the write: after opening (status, serial), in the middle of the frame or the staged secret.
    @Test(arguments: [("yubikey", "14"), ("nitrokey-pro", "10")])
    func anInterruptedWriteChangesNothing(family: String, after: String) throws {
        let emulator = try EmulatorProcessFixture(tokens: 1, firstSerial: 11, extraArguments: ["--token", family, "--drop-after", after])
        defer { try? FileManager.default.removeItem(at: emulator.stateFolder) }
        let program = try otpkit(["program", "--device", emulator.device(1), "--secret", YubiKeyVendorToolTests.key],
                                 environment: ["OTPKIT_PIN": "12345678"])
        #expect(program.status == 2, "\(program.stderr)")
        #expect(program.stderr.contains("disconnected"), "\(program.stderr)")
        let info = try otpkit(["info", "--device", emulator.device(1), "--json"])
        #expect(info.status == 0, "\(info.stderr)")
        let empty = if family == "yubikey" {
            try info.json(CLIOutput.YubiKeyInfo.self).slots.first { $0.slot == 1 }?.programmed == false
        } else {
            try info.json(CLIOutput.NitrokeyInfo.self).slots.first.map { $0 == nil } == true
        }
        #expect(empty, "the slot written to is still empty: \(info.stdout)")
    }

    @Test func aTokenIdentifierIsTypedFirstInModhex() throws {
        let emulator = try EmulatorProcessFixture(tokens: 1, firstSerial: 12, extraArguments: ["--token", "yubikey"])
        defer { try? FileManager.default.removeItem(at: emulator.stateFolder) }
        let program = try otpkit(["program", "--device", emulator.device(1), "--secret", YubiKeyVendorToolTests.key,
                                  "--token-id", "0102", "--token-id-modhex"])
        #expect(program.status == 0, "\(program.stderr)")
        #expect(try emulator.press("1-1", slot: 1) == "cbcd755224", "modhex 01 02, then the code")
    }
}
