import Foundation
import MasterKeys
import OTPCore
import Provisioning
import Testing
import Verification

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
        #expect(reopened.committedSeeds().seeds.map(\.secret) == [first.secret])
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
        #expect(reopened.openingNotes.count == 1 && reopened.openingNotes[0].contains("cut off its last line (16 bytes)"),
                "the operator is told: \(reopened.openingNotes)")
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
        let opened = stranger.committedSeeds()
        #expect(opened.seeds.isEmpty && opened.unopened.map(\.record.serial) == ["1"] && !opened.isComplete)
    }

    @Test func aReprogrammedSlotHandsOverOnlyItsNewestSeed() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let journal = try SeedJournal(path: path, keyring: keyring)
        let old = seed("5"), new = seed("5"), other = seed("6")
        try journal.commit(try journal.recordIntent(old))
        try journal.commit(try journal.recordIntent(other))
        try journal.commit(try journal.recordIntent(new, reprogram: true))
        #expect(journal.committedSeeds().seeds.map(\.secret) == [other.secret, new.secret], "the old secret is no longer on token 5")
    }

    /// Rewrites the journal at `path` through `change`, as a crash, a disk error or a careless edit would.
    func damage(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        change(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func aWholeLastEntryWithoutItsNewlineIsKept() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = seed("1"), second = seed("2")
        do {
            let journal = try SeedJournal(path: path, keyring: keyring)
            try journal.commit(try journal.recordIntent(first))
            try journal.commit(try journal.recordIntent(second))
        }
        try damage(path) { $0.removeLast() }  // the newline after "committed" of token 2
        let reopened = try SeedJournal(path: path, keyring: keyring)
        #expect(reopened.committedSeeds().seeds.map(\.secret) == [first.secret, second.secret], "no committed seed is dropped")
        #expect(reopened.openingNotes.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).last == 0x0A, "the newline is restored")
        _ = try reopened.recordIntent(seed("3"))
        let again = try SeedJournal(path: path, keyring: keyring)
        #expect(again.records.map(\.state) == [.committed, .committed, .uncertain], "later appends stay whole lines")
    }

    @Test func oneDamagedSealedSeedCostsOnlyItself() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let records = [seed("1"), seed("2"), seed("3")]
        let journal = try SeedJournal(path: path, keyring: keyring)
        for record in records { try journal.commit(try journal.recordIntent(record)) }
        // Flip one character inside the sealed box of token 2 (the third line: intent 1, committed 1, intent 2).
        try damage(path) { bytes in
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            let line = lines[2]
            let marker = Array(#""sealed":""#.utf8)
            let sealed = line.indices.first { line[$0...].starts(with: marker) }! + marker.count
            // A letter or digit of the base64 text: a `/` there is written `\/`, and changing it would break the JSON.
            let start = ((sealed + 10)...).first { index in
                let byte = bytes[index]
                return (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
            }!
            bytes[start] = bytes[start] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        }
        let opened = try SeedJournal(path: path, keyring: keyring).committedSeeds()
        #expect(opened.seeds.map(\.secret) == [records[0].secret, records[2].secret], "the good seeds are exported")
        #expect(opened.unopened.map(\.record.serial) == ["2"] && !opened.isComplete)
        #expect(opened.problems.count == 1 && opened.problems[0].hasPrefix("2 slot 0 (record "), "\(opened.problems)")
        #expect(!opened.problems[0].contains(records[1].secret.hex), "no secret in the message")
    }

    @Test func aDamagedLineInsideIsSkippedAndNamed() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let records = [seed("1"), seed("2")]
        do {
            let journal = try SeedJournal(path: path, keyring: keyring)
            for record in records { try journal.commit(try journal.recordIntent(record)) }
        }
        try damage(path) { bytes in
            let firstLineEnd = bytes.firstIndex(of: 0x0A)!
            bytes.insert(contentsOf: Array("{\"kind\":\"commi\u{0}\n".utf8), at: firstLineEnd + 1)
        }
        let reopened = try SeedJournal(path: path, keyring: keyring)
        #expect(reopened.openingNotes == ["skipped line 2, which is not a journal entry"])
        let opened = reopened.committedSeeds()
        #expect(opened.seeds.map(\.secret) == records.map(\.secret), "the entries after the damage count")
        #expect(opened.damagedLines == [2] && opened.problems == ["line 2 of the journal is not a journal entry"])
    }
}
