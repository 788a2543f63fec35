import Foundation
import Testing
import TestSupport

/// `verifier keys create --role` is a typed option: a typo is refused by the parser (exit 64) before any database is
/// opened, and `--help` names the values.
@Suite struct APIKeyRoleOptionTests {
    @Test func aRoleThatIsNoneOfTheValuesIsRefusedAndHelpListsThem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-role-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("verifier.sqlite").path
        let refused = try otpkit(["verifier", "keys", "create", "--db", database, "--role", "admn"])
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("verify") && refused.stderr.contains("admin"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: database), "nothing was opened for a refused role")
        let help = try otpkit(["verifier", "keys", "create", "--help"])
        let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("(values: verify, admin; default: verify)"), "\(help.stdout)")
    }
}
