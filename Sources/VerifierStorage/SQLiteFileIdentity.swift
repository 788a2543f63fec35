import Foundation
import Verification

/// The device and inode of a database file as it was opened. A file deleted or replaced under a running server (a
/// mistaken `rm`, a restore from backup) no longer matches its path, and SQLite would go on writing into the unlinked
/// file, where no later start finds the decisions: the writer compares the two before each write transaction (one
/// `stat`, cheap beside the commit's fsync) and refuses to write once they differ.
struct SQLiteFileIdentity: Sendable, Equatable {
    let device: UInt64
    let inode: UInt64

    /// What is at `path` now; nil when nothing is.
    static func current(of path: String) -> SQLiteFileIdentity? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return SQLiteFileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// Throws when the file at `path` is gone or another one.
    func check(_ path: String) throws(VerifierError) {
        guard let now = Self.current(of: path) else {
            throw .storage("the database file \(path) was deleted while in use; nothing is written to it any more (restore it and restart)")
        }
        guard now == self else {
            throw .storage("the database file \(path) was replaced while in use; nothing is written to the old one any more (restart to use the new one)")
        }
    }
}
