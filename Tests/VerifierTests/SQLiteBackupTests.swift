import Foundation
import OTPCore
import Testing
import TestSupport
import Verification
@testable import VerifierStorage

/// Backups and restores of the SQLite store (`SQLiteBackup`, `SQLiteRestore`), in process: a backup taken while the
/// store decides, restored with every HOTP token marked for a resync (or, asked, as it was); damaged backups, a
/// database in use and a newer schema are refused and leave the target as it was.
@Suite struct SQLiteBackupTests {
    typealias F = VerifierFixture

    /// A fixture with HOTP tokens a, b, c and a TOTP token t, and a backup of it taken while `a` accepts codes.
    static func backedUp() async throws -> (fixture: F, backup: String, report: SQLiteBackupReport) {
        let fixture = try await F(.sqlite)
        let verifier = try await fixture.addRFCToken("a")
        for id in ["b", "c"] { try await fixture.addRFCToken(id) }
        try await fixture.addRFCToken("t", kind: .totp(period: 30))
        let backup = fixture.folder.appendingPathComponent("verifier.backup").path
        let deciding = Task {
            for counter in 0..<UInt64(60) { _ = try await verifier.verify(tokenID: "a", code: F.code(counter)) }
        }
        let report = try await SQLiteBackup.write(database: fixture.location, to: backup)
        try await deciding.value
        return (fixture, backup, report)
    }

    /// The restored copy refuses the code the backup's counter expects until the next one completes a resync; a
    /// copy restored with its counters kept accepts it.
    @Test func aBackupTakenWhileDecidingRestoresWithEveryHOTPTokenMarked() async throws {
        let (fixture, backup, report) = try await Self.backedUp()
        #expect(report.trailer.tokens == 4 && report.trailer.schemaVersion == SQLiteSchema.latest)
        #expect(report.trailer.masterKeyID == fixture.keyring.current.id)
        let target = fixture.folder.appendingPathComponent("restored.sqlite").path
        let restored = try await SQLiteRestore.restore(from: backup, into: target)
        #expect(restored.tokens == 4 && restored.markedForResync == 3 && restored.totpTokens == 1)
        #expect(restored.masterKeyID == fixture.keyring.current.id)
        let store = try SQLiteTokenStore(path: target, creating: false)
        #expect(try await store.allTokens().map { "\($0.id) \($0.resyncRequired)" } == ["a true", "b true", "c true", "t false"])
        let counter = try #require(try await store.token(id: "a")?.counter)
        #expect(counter <= 60, "a snapshot of a moment during the decisions")
        let verifier = fixture.verifier(store: store)
        #expect(try await verifier.verify(tokenID: "a", code: F.code(counter)) == .rejected(.resyncStarted), "a code used since the backup")
        #expect(try await verifier.verify(tokenID: "a", code: F.code(counter + 1)) == .accepted(counter: counter + 1))
        #expect(try await verifier.verify(tokenID: "b", code: F.code(0)) == .rejected(.resyncStarted))

        let kept = fixture.folder.appendingPathComponent("kept.sqlite").path
        let asItWas = try await SQLiteRestore.restore(from: backup, into: kept, keepingCounters: true)
        #expect(asItWas.markedForResync == 0)
        let keptVerifier = fixture.verifier(store: try SQLiteTokenStore(path: kept, creating: false))
        #expect(try await keptVerifier.verify(tokenID: "a", code: F.code(counter)) == .accepted(counter: counter), "the replay risk, accepted")
    }

    /// A restore over an existing database (closed) replaces it whole.
    @Test func aRestoreReplacesAnExistingDatabase() async throws {
        let (fixture, backup, _) = try await Self.backedUp()
        let target = fixture.folder.appendingPathComponent("target.sqlite").path
        _ = try await SQLiteRestore.restore(from: backup, into: target)
        do {
            let verifier = fixture.verifier(store: try SQLiteTokenStore(path: target, creating: false))
            #expect(try await verifier.administration.delete(tokenID: "b"))
            try await verifier.add([try verifier.makeToken(id: "late", secret: F.rfcSecret)])
        }
        _ = try await SQLiteRestore.restore(from: backup, into: target)
        let reopened = try SQLiteTokenStore(path: target, creating: false)
        #expect(try await reopened.allTokens().map(\.id) == ["a", "b", "c", "t"])
    }

    enum Damage: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case lastByteCut, cutInTheImage, flippedByte, flippedChecksum, empty, plainDatabase
        var testDescription: String { rawValue }

        func apply(_ bytes: [UInt8], database: [UInt8]) -> [UInt8] {
            var bytes = bytes
            switch self {
            case .lastByteCut: bytes.removeLast()
            case .cutInTheImage: bytes.removeSubrange(4096..<8192)
            case .flippedByte: bytes[bytes.count / 3] ^= 0x01
            case .flippedChecksum:
                let marker = Array("sha256=".utf8), trailer = bytes.count - BackupTrailer.size
                let at = (trailer..<bytes.count - marker.count).first { Array(bytes[$0..<$0 + marker.count]) == marker }! + marker.count
                bytes[at] = bytes[at] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            case .empty: bytes = []
            case .plainDatabase: bytes = database
            }
            return bytes
        }
    }

    /// A backup cut short or altered is refused before anything is written: an existing target keeps every byte, a
    /// missing one stays missing, and nothing is left in its folder.
    @Test(arguments: Damage.allCases) func aDamagedBackupRestoresNothing(_ damage: Damage) async throws {
        let (fixture, backup, _) = try await Self.backedUp()
        let damaged = fixture.folder.appendingPathComponent("damaged.backup").path
        let database = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture.location)))
        try Data(damage.apply(try [UInt8](Data(contentsOf: URL(fileURLWithPath: backup))), database: database)).write(to: URL(fileURLWithPath: damaged))

        let empty = fixture.folder.appendingPathComponent("fresh")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let missing = empty.appendingPathComponent("v.sqlite").path
        await #expect { try await SQLiteRestore.restore(from: damaged, into: missing) } throws: { error in
            guard case BackupError.damaged(let path, _) = error else { return false }
            return path == damaged
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty.path).isEmpty, "nothing written")

        let target = fixture.folder.appendingPathComponent("target.sqlite").path
        _ = try await SQLiteRestore.restore(from: backup, into: target)
        let before = try Data(contentsOf: URL(fileURLWithPath: target))
        let filesBefore = try FileManager.default.contentsOfDirectory(atPath: fixture.folder.path).sorted()
        await #expect(throws: BackupError.self) { try await SQLiteRestore.restore(from: damaged, into: target) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == before, "the target keeps every byte")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder.path).sorted() == filesBefore, "no file left behind")
    }

    /// A database a store has open (a server, a command) is refused; and while a restore holds it, no store opens it.
    @Test func aDatabaseInUseIsRefused() async throws {
        let (fixture, backup, _) = try await Self.backedUp()
        let target = fixture.folder.appendingPathComponent("served.sqlite").path
        var serving: SQLiteTokenStore? = try SQLiteTokenStore(path: target)
        await #expect(throws: BackupError.inUse(database: target)) { try await SQLiteRestore.restore(from: backup, into: target) }
        #expect(try await serving?.allTokens().isEmpty == true, "left as it was")
        serving = nil
        _ = try await SQLiteRestore.restore(from: backup, into: target)

        let restoring = try SQLiteDatabaseLock(database: target, mode: .exclusive)
        #expect(throws: VerifierError.storage("a restore into \(target) is under way; start again once it is done")) {
            try SQLiteTokenStore(path: target)
        }
        withExtendedLifetime(restoring) {}
    }

    /// A backup of a database written by a newer otpkit is refused, naming both versions, and changes nothing.
    @Test func aBackupOfANewerSchemaIsRefused() async throws {
        let fixture = try await F(.sqlite)
        let newer = fixture.folder.appendingPathComponent("newer.sqlite").path
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.executescript('CREATE TABLE otpkit_schema (version INTEGER NOT NULL); INSERT INTO otpkit_schema VALUES (99); CREATE TABLE tokens (id TEXT);')
            db.commit()
            """
        #expect(try Subprocess.run("/usr/bin/python3", ["-c", script, newer]).status == 0)
        let backup = fixture.folder.appendingPathComponent("newer.backup").path
        #expect(try await SQLiteBackup.write(database: newer, to: backup).trailer.schemaVersion == 99)
        let target = fixture.folder.appendingPathComponent("target.sqlite").path
        await #expect(throws: BackupError.database(.storage("\(backup) has schema version 99, newer than this otpkit knows (\(SQLiteSchema.latest)); upgrade otpkit on this node"))) {
            try await SQLiteRestore.restore(from: backup, into: target)
        }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    /// Owner-only, no master key inside (only its id, in the trailer), no temporary file left; never over the
    /// database or its key file; a folder that cannot take it leaves nothing.
    @Test func aBackupIsPrivateAndHoldsNoMasterKey() async throws {
        let (fixture, backup, report) = try await Self.backedUp()
        let attributes = try FileManager.default.attributesOfItem(atPath: backup)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: backup)))
        #expect(bytes.count == report.trailer.bytes + BackupTrailer.size)
        let key = fixture.keyring.current.bytes
        #expect(!(0...(bytes.count - key.count)).contains { Array(bytes[$0..<$0 + key.count]) == key }, "the raw key is not inside")
        let base64 = Array(Data(key).base64EncodedString().utf8)
        #expect(!(0...(bytes.count - base64.count)).contains { Array(bytes[$0..<$0 + base64.count]) == base64 }, "nor its base64")
        let tail = String(decoding: bytes.suffix(BackupTrailer.size), as: UTF8.self)
        #expect(tail.contains("master-key=\(fixture.keyring.current.id)\n") && tail.contains("sha256=\(report.trailer.sha256)\n"))
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: fixture.folder.path)).contains { $0.hasPrefix(".") }, "no temporary file left")

        await #expect(throws: BackupError.sameFile(fixture.location)) { try await SQLiteBackup.write(database: fixture.location, to: fixture.location) }
        let keyFile = fixture.location + ".key"
        try Data("key".utf8).write(to: URL(fileURLWithPath: keyFile))
        await #expect(throws: BackupError.sameFile(keyFile)) { try await SQLiteBackup.write(database: fixture.location, to: keyFile) }
        let nowhere = fixture.folder.appendingPathComponent("missing/verifier.backup").path
        await #expect { try await SQLiteBackup.write(database: fixture.location, to: nowhere) } throws: { error in
            guard case BackupError.unwritable = error else { return false }
            return true
        }
    }
}
