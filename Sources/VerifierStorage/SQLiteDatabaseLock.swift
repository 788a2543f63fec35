import Foundation
import Verification
#if canImport(Glibc)
import Glibc
#endif

/// Who has an SQLite database open: an flock(2) on `PATH.lock`, a file beside the database. Every store holds it
/// shared for as long as it is open (so `serve`, and any command that opens the database); a restore holds it
/// exclusively, so it refuses a database in use and a store refuses to open during a restore. The kernel drops the
/// lock with its process, whatever way that ends: nothing stale is left to clean up.
///
/// A file of its own, never the database: closing a descriptor of the database file would drop the POSIX locks
/// SQLite holds on it in this process. The file is empty and never deleted (deleting a lock file races with its
/// next user).
final class SQLiteDatabaseLock: Sendable {
    enum Mode: Sendable {
        case shared
        case exclusive
    }

    private let descriptor: Int32

    /// The lock file of the database at `path`.
    static func path(for database: String) -> String { database + ".lock" }

    /// Takes the lock without waiting; `nil` when `shared` finds no way to make the lock file (a folder that cannot
    /// be written, where no store writes either). Throws `inUse` when the other mode holds it.
    init?(database: String, mode: Mode) throws(SQLiteDatabaseLockError) {
        let path = Self.path(for: database)
        let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            if mode == .shared, [EACCES, EROFS, EPERM].contains(errno) { return nil }
            throw .unusable(lockFile: path, reason: reason)
        }
        while flock(descriptor, (mode == .shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let failure = errno
            close(descriptor)
            if failure == EWOULDBLOCK { throw .inUse(database: database, by: mode == .shared ? .restore : .store) }
            throw .unusable(lockFile: path, reason: String(cString: strerror(failure)))
        }
        self.descriptor = descriptor
    }

    /// Closing the descriptor releases the lock.
    deinit { close(descriptor) }
}
