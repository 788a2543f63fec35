import Foundation
import Testing
import TestSupport

/// `--format` (provision, verifier export), `provision --family` and `program --algorithm` are typed options: a typo is
/// refused by the parser (exit 64) before anything is opened or touched, and `--help` names the values.
@Suite struct EnumOptionTests {
    private func words(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }

    @Test func aFormatThatIsNoneOfTheValuesIsRefusedAndHelpListsThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-format-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("batch.journal").path
        let provision = try otpkit(["provision", "--usbip", "127.0.0.1:1", "--journal", journal, "--out", "x", "--format", "xml"])
        #expect(provision.status == 64, "\(provision.stderr)")
        #expect(provision.stderr.contains("'xml' is invalid for '--format") && provision.stderr.contains("'pskc', 'csv' or 'json'"), "\(provision.stderr)")
        #expect(!FileManager.default.fileExists(atPath: journal), "no journal was created for a refused format")
        let database = folder.appendingPathComponent("verifier.sqlite").path
        let export = try otpkit(["verifier", "export", "--db", database, "--out", "x", "--format", "PSKC2"])
        #expect(export.status == 64, "\(export.stderr)")
        #expect(!FileManager.default.fileExists(atPath: database), "nothing was opened for a refused format")
        #expect(words(try otpkit(["provision", "--help"]).stdout).contains("(values: pskc, csv, json; default: pskc)"))
        #expect(words(try otpkit(["verifier", "export", "--help"]).stdout).contains("(values: pskc, csv, json; default: pskc)"))
    }

    @Test func aFamilyThatIsNoneOfTheValuesIsRefusedAndHelpListsThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-family-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("batch.journal").path
        let refused = try otpkit(["provision", "--usbip", "127.0.0.1:1", "--journal", journal, "--family", "nitro"])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("'openhotp', 'yubikey' or 'nitrokey'"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: journal), "no journal was created for a refused family")
        #expect(words(try otpkit(["provision", "--help"]).stdout).contains("(values: openhotp, yubikey, nitrokey)"))
    }

    @Test func anAlgorithmThatIsNoneOfTheValuesIsRefusedInAnyCaseAndHelpListsThem() throws {
        let refused = try otpkit(["program", "--device", "usbip://127.0.0.1:1/1-1", "--generate", "--algorithm", "md5"])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("'SHA1', 'SHA256' or 'SHA512'"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("cannot connect"), "the parser refused it before any token was reached")
        // Any case is taken: this one gets past the parser and fails only at the (absent) token.
        let lowerCase = try otpkit(["program", "--device", "usbip://127.0.0.1:1/1-1", "--generate", "--algorithm", "sha256"])
        #expect(lowerCase.status == 2, "\(lowerCase.stderr)")
        #expect(words(try otpkit(["program", "--help"]).stdout).contains("(values: SHA1, SHA256, SHA512; default: SHA1)"))
    }
}
