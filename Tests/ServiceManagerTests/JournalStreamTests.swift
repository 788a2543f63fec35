import Foundation
import ServiceManager
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct JournalStreamTests {
    /// A descriptor whose device and inode are `JOURNAL_STREAM`'s is the journal; any other, or a malformed value, not.
    @Test func matchesTheStreamSystemdConnected() throws {
        let path = FileManager.default.temporaryDirectory.path + "/otpkit-journal-\(UUID().uuidString.prefix(8))"
        let descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor); unlink(path) }
        var status = stat()
        try #require(fstat(descriptor, &status) == 0)
        let matching = "\(status.st_dev):\(status.st_ino)"
        #expect(JournalStream(descriptor: descriptor, environment: ["JOURNAL_STREAM": matching]).isJournal)
        #expect(!JournalStream(descriptor: descriptor, environment: [:]).isJournal)
        #expect(!JournalStream(descriptor: descriptor, environment: ["JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino + 1)"]).isJournal)
        for malformed in ["", "\(status.st_dev)", "\(status.st_dev):\(status.st_ino):1", "x:\(status.st_ino)"] {
            #expect(!JournalStream(descriptor: descriptor, environment: ["JOURNAL_STREAM": malformed]).isJournal, "\(malformed)")
        }
        #expect(!JournalStream(descriptor: -1, environment: ["JOURNAL_STREAM": matching]).isJournal)
    }

    @Test func prefixesEachLineOnlyOnTheJournal() {
        let journal = JournalStream(isJournal: true)
        #expect(journal.format("otpkit: error: gone\n", priority: .error) == "<3>otpkit: error: gone\n")
        #expect(journal.format("one\ntwo\n", priority: .warning) == "<4>one\n<4>two\n")
        #expect(journal.format("listening on 127.0.0.1:8400", priority: .info) == "<6>listening on 127.0.0.1:8400")
        let terminal = JournalStream(isJournal: false)
        #expect(terminal.format("one\ntwo\n", priority: .error) == "one\ntwo\n")
    }
}
