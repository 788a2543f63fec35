import Foundation
import MasterKeys
import OTPCore
import Provisioning
import Testing
import Verification

/// Issue 11, item 19: a seed that does not open is reported as such, not as a failure to seal.
@Suite struct JournalUnsealingTests {
    @Test func aSeedUnderAnotherKeyIsReportedAsNotOpening() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-unseal-\(UUID().uuidString).journal").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let id: String
        do {
            let journal = try SeedJournal(path: path, keyring: MasterKeyring(current: MasterKey.generate()))
            id = try journal.recordIntent(SeedRecord(serial: "1", slot: 0, family: "OpenHOTP", secret: Secret.random()))
            try journal.commit(id)
        }
        let wrongKey = try SeedJournal(path: path, keyring: MasterKeyring(current: MasterKey.generate()))
        do {
            _ = try wrongKey.seed(id)
            Issue.record("a seed opened under another key")
        } catch {
            #expect(error.description.hasPrefix("cannot open a sealed seed of the journal: "), "\(error.description)")
            #expect(!error.description.contains("seal the secret"))
        }
    }
}
