import Foundation
import OTPCore
import TestSupport
import Testing

/// `otpkit provision --count 0 --out` over a journal a crash or a bad disk left imperfect: every seed that opens is
/// written, what does not is named, and the exit says so.
@Suite(.serialized) struct ProvisionJournalDamageTests {
    @Test func exportKeepsALastEntryWithoutNewlineAndNamesADamagedSeed() throws {
        let folder = try ProvisionTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("batch.journal").path
        let emulator = try EmulatorProcessFixture(tokens: 3, firstSerial: 700)
        let batch = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal])
        #expect(batch.status == 0, "\(batch.stdout)\(batch.stderr)")

        // The last line (token 702's "committed") loses its newline; token 700's sealed seed is damaged.
        var lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        let sealed = try #require(lines[0].range(of: #""sealed":""#))
        // A letter or digit of the base64 text: JSON writes its "/" as "\/", and damaging that escape would make the
        // line no entry at all rather than an entry whose seed does not open.
        var at = lines[0].index(sealed.upperBound, offsetBy: 12)
        while !(lines[0][at].isLetter || lines[0][at].isNumber) { at = lines[0].index(after: at) }
        lines[0].replaceSubrange(at...at, with: lines[0][at] == "A" ? "B" : "A")
        try lines.joined(separator: "\n").write(toFile: journal, atomically: false, encoding: .utf8)

        let exported = folder.appendingPathComponent("seeds.json").path
        let export = try otpkit(["provision", "--usbip", "127.0.0.1:\(emulator.port)", "--journal", journal, "--count", "0",
                                 "--out", exported, "--format", "json"])
        #expect(export.status != 0, "the operator must notice: \(export.stdout)\(export.stderr)")
        #expect(export.stderr.contains("not exported: 00000700 slot 0"), "\(export.stderr)")
        #expect(!export.stderr.contains("--count 0 --out FILE"), "no advice to run the command that just ran: \(export.stderr)")
        let seeds = try JSONDecoder().decode([SeedRecord].self, from: Data(contentsOf: URL(fileURLWithPath: exported)))
        #expect(seeds.map(\.serial) == ["00000701", "00000702"], "the good seeds, including the last one, are written")
    }
}
