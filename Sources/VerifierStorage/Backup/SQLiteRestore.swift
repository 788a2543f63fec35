import Foundation
import Verification
#if canImport(Glibc)
import Glibc
#endif

/// Puts a backup (`SQLiteBackup`) back as the database at a path.
///
/// In order: the whole file is read and its checksum checked, writing nothing; the database's lock is taken
/// exclusively (`SQLiteDatabaseLock`), so a database that a server or a command has open is refused, and none opens
/// it meanwhile; the image is copied (and checked again) to a private temporary file beside the target, checked by
/// SQLite, brought to this otpkit's schema (a newer one is refused), and, unless counters are kept, every HOTP token
/// is marked `resyncRequired`: a copy from before codes were used would accept those codes again, so each such
/// token accepts no code on its own until two consecutive codes resynchronise it. TOTP tokens are left as they
/// were: a code used since the backup was valid only within its time step's window, long gone by the restore.
/// Last, SQLite's backup API copies the prepared database over the target in one transaction: the target is the
/// old database or the restored one, never a mixture, whatever fails.
public enum SQLiteRestore {
    /// Restores `backup` as the database at `database` (created when missing). `keepingCounters`: restore every
    /// counter as it was, marking nothing (for those who know no code was used since the backup).
    public static func restore(from backup: String, into database: String, keepingCounters: Bool = false) async throws(BackupError) -> SQLiteRestoreReport {
        try await SQLiteBackup.queue.run { () throws(BackupError) -> SQLiteRestoreReport in
            try restoreNow(from: backup, into: database, keepingCounters: keepingCounters)
        }
    }

    private static func restoreNow(from backup: String, into database: String, keepingCounters: Bool) throws(BackupError) -> SQLiteRestoreReport {
        let trailer = try BackupFile.verify(backup)
        guard trailer.schemaVersion <= SQLiteSchema.latest else {
            throw .database(MigrationReport.tooNew(trailer.schemaVersion, known: SQLiteSchema.latest, database: backup))
        }
        let lock: SQLiteDatabaseLock?
        do { lock = try SQLiteDatabaseLock(database: database, mode: .exclusive) } catch {
            switch error {
            case .inUse: throw .inUse(database: database)
            case .unusable(let file, let reason): throw .unwritable(path: file, reason: reason)
            }
        }
        defer { withExtendedLifetime(lock) {} }
        let temporary = try BackupFile.temporary(beside: database, purpose: "restore")
        defer { BackupFile.removeDatabase(temporary) }
        do {
            let copy = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            defer { try? copy.close() }
            // Read and checked again as it is copied: the file may have changed since the first reading.
            _ = try BackupFile.verify(backup, copyingTo: (copy, database))
            try copy.close()
        } catch let error as BackupError {
            throw error
        } catch {
            throw .unwritable(path: database, reason: BackupFile.reason(error))
        }
        return try install(temporary, as: database, backup: backup, trailer: trailer, keepingCounters: keepingCounters)
    }

    /// Prepares the image at `temporary` (checked, migrated, tokens marked) and copies it over `database`.
    private static func install(_ temporary: String, as database: String, backup: String, trailer: BackupTrailer,
                                keepingCounters: Bool) throws(BackupError) -> SQLiteRestoreReport {
        let image: SQLiteConnection
        do {
            image = try SQLiteConnection(path: temporary)
            try image.checkWhole()
        } catch {
            throw .damaged(path: backup, reason: "SQLite does not read it as a whole database")
        }
        let report: SQLiteRestoreReport
        // A target made here and left empty by a failed copy would pass for a database: it goes again.
        let existed = FileManager.default.fileExists(atPath: database)
        do throws(VerifierError) {
            let found = Int(try image.integer("SELECT version FROM otpkit_schema"))
            guard found <= SQLiteSchema.latest else { throw MigrationReport.tooNew(found, known: SQLiteSchema.latest, database: backup) }
        } catch {
            throw .database(error)
        }
        do throws(VerifierError) {
            let migration = try SQLiteSchema.migrate(image)
            var marked = 0
            if !keepingCounters { marked = try image.transaction { () throws(VerifierError) in try image.requireResyncOfAllHOTPTokens() } }
            report = SQLiteRestoreReport(
                tokens: Int(try image.integer("SELECT count(*) FROM tokens")), markedForResync: marked,
                totpTokens: Int(try image.integer("SELECT count(*) FROM tokens WHERE kind = 'totp'")),
                migration: migration, masterKeyID: try image.currentMasterKey(), taken: trailer.taken)
            let target = try SQLiteConnection(path: database, creating: true)
            try target.makeDurable()
            try image.copy(over: target)
            // Into the database file itself: the restore stands without its write-ahead log.
            try target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            try target.checkWhole()
        } catch {
            // A full disk, or a lock SQLite waited for in vain (a program that is not otpkit has the file open).
            if !existed { BackupFile.removeDatabase(database) }
            throw .unwritable(path: database, reason: error.description)
        }
        try BackupFile.syncFolder(of: database)
        return report
    }
}

/// What a restore put back.
public struct SQLiteRestoreReport: Sendable, Equatable {
    public let tokens: Int
    /// The HOTP tokens marked `resyncRequired` (none when counters were kept).
    public let markedForResync: Int
    /// TOTP tokens, restored as they were.
    public let totpTokens: Int
    /// The schema as the backup had it, and as this otpkit brought it.
    public let migration: MigrationReport
    /// The master key the restored seeds are sealed under (its id).
    public let masterKeyID: String?
    /// When the backup was taken.
    public let taken: Date
}
