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
        FileManager.default.createFile(atPath: empty, contents: Data("\n".utf8))
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
}
