import Foundation
import OTPCore
import Provisioning
import Testing
import Verifier

@Suite struct SeedJournalTests {
    let keyring = MasterKeyring(current: MasterKey.generate())

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-journal-\(UUID().uuidString).jsonl").path
    }

    func seed(_ serial: String, slot: Int? = 0) -> SeedRecord {
        SeedRecord(serial: serial, slot: slot, family: "OpenHOTP", secret: Secret.random())
    }

    @Test func intentsAndOutcomesSurviveAReopen() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = seed("1"), second = seed("2"), third = seed("3")
        do {
            let journal = try SeedJournal(path: path, keyring: keyring)
            try journal.commit(try journal.recordIntent(first))
            _ = try journal.recordIntent(second)  // the crash comes before the outcome
            try journal.fail(try journal.recordIntent(third), reason: "unplugged")
        }
        let reopened = try SeedJournal(path: path, keyring: keyring)
        #expect(reopened.records.map(\.state) == [.committed, .uncertain, .failed])
        #expect(reopened.records[2].reason == "unplugged")
        #expect(try reopened.committedSeeds().map(\.secret) == [first.secret])
        #expect(try reopened.seed(reopened.records[1].id).secret == second.secret, "an uncertain seed is not lost")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains(first.secret.hex) && !text.contains(first.secret.base32), "no plaintext secret")
    }

    @Test func aTornLastLineIsCutOff() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let kept = seed("1")
        do {
            let journal = try SeedJournal(path: path, keyring: keyring)
            try journal.commit(try journal.recordIntent(kept))
        }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"id":"half-writ"#.utf8))
        try handle.close()
        let reopened = try SeedJournal(path: path, keyring: keyring)
        #expect(reopened.records.count == 1 && reopened.records[0].state == .committed)
        try reopened.commit(reopened.records[0].id)  // appending after the repair keeps the file well-formed
        #expect(try SeedJournal(path: path, keyring: keyring).entries.count == 3)
    }

    @Test func noSecretTwiceAndNoTokenTwiceUnlessReprogrammed() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let journal = try SeedJournal(path: path, keyring: keyring)
        let record = seed("7")
        try journal.commit(try journal.recordIntent(record))
        #expect(throws: SeedJournal.JournalError.duplicateSecret) { try journal.recordIntent(SeedRecord(serial: "8", secret: record.secret)) }
        #expect(throws: SeedJournal.JournalError.alreadyCommitted(serial: "7", slot: 0)) { try journal.recordIntent(seed("7")) }
        _ = try journal.recordIntent(seed("7"), reprogram: true)
        #expect(throws: SeedJournal.JournalError.duplicateSecret, "fingerprints survive a reopen") {
            try SeedJournal(path: path, keyring: keyring).recordIntent(SeedRecord(serial: "9", secret: record.secret))
        }
    }

    @Test func anotherKeyCannotOpenTheSeeds() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let journal = try SeedJournal(path: path, keyring: keyring)
            try journal.commit(try journal.recordIntent(seed("1")))
        }
        let stranger = try SeedJournal(path: path, keyring: MasterKeyring(current: MasterKey.generate()))
        #expect(throws: SeedJournal.JournalError.self) { try stranger.committedSeeds() }
    }

    @Test func aReprogrammedSlotHandsOverOnlyItsNewestSeed() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let journal = try SeedJournal(path: path, keyring: keyring)
        let old = seed("5"), new = seed("5"), other = seed("6")
        try journal.commit(try journal.recordIntent(old))
        try journal.commit(try journal.recordIntent(other))
        try journal.commit(try journal.recordIntent(new, reprogram: true))
        #expect(try journal.committedSeeds().map(\.secret) == [other.secret, new.secret], "the old secret is no longer on token 5")
    }
}
