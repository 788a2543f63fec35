import DispatchExecutors
import Foundation
import Verification
#if canImport(Glibc)
import Glibc
#endif

/// A consistent copy of a verifier's SQLite database, taken while servers keep deciding on it.
///
/// SQLite's online backup API copies the database in one step from a connection of its own: a read snapshot (WAL),
/// so the servers' writers never wait for it and it never restarts. The copy goes to a private temporary file beside
/// the output, is checked (`PRAGMA quick_check`), gets a trailer with its length and SHA-256 (`BackupTrailer`), is
/// synced, and only then renamed to the output: there is never a half backup at the output's path, and it is
/// owner-only (0600) from its first byte. The master key is not in the database, so it is not in the backup either:
/// only its id is.
public enum SQLiteBackup {
    /// Where backups and restores run: a dispatch queue of their own, never a cooperative thread (they block on
    /// SQLite and on the disk for as long as the copy takes).
    static let queue = SerialQueueExecutor(label: "otpkit.sqlite-backup")

    /// Copies the database at `database` to `output` (replacing a file there only once the copy is whole).
    public static func write(database: String, to output: String) async throws(BackupError) -> SQLiteBackupReport {
        try await queue.run { () throws(BackupError) -> SQLiteBackupReport in try writeNow(database: database, to: output) }
    }

    private static func writeNow(database: String, to output: String) throws(BackupError) -> SQLiteBackupReport {
        let start = ContinuousClock.now
        guard !BackupFile.sameFile(database, output) else { throw .sameFile(output) }
        let source: SQLiteConnection
        do { source = try SQLiteConnection(path: database) } catch { throw .database(error) }
        let temporary = try BackupFile.temporary(beside: output, purpose: "tmp")
        do {
            var trailer = try copy(source, to: temporary, for: output)
            let image = try FileHandle(forUpdating: URL(fileURLWithPath: temporary))
            defer { try? image.close() }
            trailer.bytes = Int(try image.seekToEnd())
            try image.seek(toOffset: 0)
            trailer.sha256 = try BackupFile.sha256(of: image, count: trailer.bytes, path: temporary)
            try image.seekToEnd()
            try image.write(contentsOf: trailer.rendered)
            try image.synchronize()
            try image.close()
            guard rename(temporary, output) == 0 else { throw BackupError.unwritable(path: output, reason: String(cString: strerror(errno))) }
            try BackupFile.syncFolder(of: output)
            return SQLiteBackupReport(path: output, trailer: trailer, duration: .now - start)
        } catch {
            BackupFile.removeDatabase(temporary)
            if let error = error as? BackupError { throw error }
            throw .unwritable(path: output, reason: BackupFile.reason(error))
        }
    }

    /// The copy itself, into the empty file at `temporary`, made a plain rollback-journal database (no WAL beside
    /// it when opened) and checked; returns the trailer's fields read from the copy (its checksum still empty).
    private static func copy(_ source: SQLiteConnection, to temporary: String, for output: String) throws(BackupError) -> BackupTrailer {
        do {
            let copy = try SQLiteConnection(path: temporary)
            try source.copy(over: copy)
            try copy.execute("PRAGMA journal_mode=DELETE")
            try copy.checkWhole()
            return BackupTrailer(bytes: 0, sha256: "", schemaVersion: Int(try copy.integer("SELECT version FROM otpkit_schema")),
                                 tokens: Int(try copy.integer("SELECT count(*) FROM tokens")),
                                 masterKeyID: try? copy.currentMasterKey(), taken: Date())
        } catch {
            // A full disk shows here as SQLite's own error on the copy (SQLITE_FULL, or an I/O error).
            throw .unwritable(path: output, reason: error.description)
        }
    }
}

/// What a backup wrote.
public struct SQLiteBackupReport: Sendable {
    public let path: String
    /// The length, checksum, schema version, tokens and master key id it records.
    public let trailer: BackupTrailer
    public let duration: Duration
}
