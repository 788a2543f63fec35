import Foundation
import Testing
import TestSupport

/// A `--pin-file` that cannot be read or holds no PIN is refused before any token is touched: it is never replaced
/// by OTPKIT_PIN or a prompt, which could spend a try of every token in a batch on the wrong PIN.
@Suite struct PINFileOptionTests {
    @Test func aMissingOrEmptyPINFileIsRefusedBeforeAnyTokenIsTouched() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-pinfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("missing.pin").path
        let empty = folder.appendingPathComponent("empty.pin").path
        try #require(FileManager.default.createFile(atPath: empty, contents: Data("\n".utf8)))
        let journal = folder.appendingPathComponent("batch.journal").path
        for (file, words) in [(missing, "cannot be read"), (empty, "holds no PIN")] {
            let provision = try otpkit(["provision", "--usbip", "127.0.0.1:1", "--journal", journal, "--pin-file", file],
                                       environment: ["OTPKIT_PIN": "12345678"])
            #expect(provision.status == 64 && provision.stderr.contains(words), "\(provision.stderr)")
            let program = try otpkit(["program", "--device", "usbip://127.0.0.1:1/1-1", "--generate", "--pin-file", file],
                                     environment: ["OTPKIT_PIN": "12345678"])
            #expect(program.status == 64 && program.stderr.contains(words), "\(program.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: journal), "no journal was created")
    }

    /// A PIN file written on Windows (CRLF) gives the PIN, not the PIN and a carriage return (a wrong PIN costs a try).
    @Test func aPINFileEndedByCRLFGivesThePIN() throws {
        let emulator = try EmulatorProcessFixture(tokens: 1)
        defer { try? FileManager.default.removeItem(at: emulator.stateFolder) }
        let device = emulator.device(1)
        let file = emulator.stateFolder.appendingPathComponent("pin.txt").path
        try #require(FileManager.default.createFile(atPath: file, contents: Data("246810\r\n".utf8)))
        let both = try otpkit("pin", "set", "--device", device, "--new-pin", "246810", "--new-pin-file", file)
        #expect(both.status == 64 && both.stderr.contains("exactly one of --new-pin-file"), "\(both.stderr)")
        #expect(try otpkit("pin", "set", "--device", device, "--new-pin-file", file).status == 0, "the new PIN from a file, CRLF too")
        let programmed = try otpkit(["program", "--device", device, "--generate", "--seed-file", file + ".seed", "--pin-file", file])
        #expect(programmed.status == 0, "\(programmed.stderr)")
    }

    /// `otpkit program` on an OpenHOTP token with a PIN and none given asks on a terminal; without a terminal it says
    /// how to give it, and the token has spent no try.
    @Test func aMissingOpenHOTPPINIsAskedForBeforeATryIsSpent() throws {
        let emulator = try EmulatorProcessFixture(tokens: 1)
        defer { try? FileManager.default.removeItem(at: emulator.stateFolder) }
        let device = emulator.device(1)
        #expect(try otpkit("pin", "set", "--device", device, "--new-pin", "246810").status == 0)
        let refused = try otpkit(["program", "--device", device, "--generate"], environment: ["OTPKIT_PIN": ""])
        #expect(refused.status == 64 && refused.stderr.contains("the OpenHOTP admin PIN is needed: give it with --pin"), "\(refused.stderr)")
        let info = try otpkit(["info", "--device", device, "--json"])
        let pin = try info.json(CLIOutput.OpenHOTPInfo.self).device
        #expect(pin.pinSet && !pin.pinLocked && pin.pinRetries == 3, "no try was spent: \(info.stdout)")
    }
}
