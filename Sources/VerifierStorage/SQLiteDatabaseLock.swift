import Foundation
import Synchronization
import Verification
#if canImport(Glibc)
import Glibc
#endif

/// Who has an SQLite database open: an flock(2) on `PATH.lock`, a file beside the database. Every store holds it
/// shared for as long as it is open (so `serve`, and any command that opens the database); a restore holds it
/// exclusively, so it refuses a database in use and a store refuses to open during a restore. The kernel drops the
/// lock with its process, whatever way that ends: nothing stale is left to clean up.
///
/// The stores of one process share one descriptor a database (`SharedLocks`): a shared flock is a process's
/// whatever number of stores it opens, and a test process holding many stores must not run out of descriptors.
///
/// A file of its own, never the database: closing a descriptor of the database file would drop the POSIX locks
/// SQLite holds on it in this process. The file is empty and never deleted (deleting a lock file races with its
/// next user).
final class SQLiteDatabaseLock: Sendable {
    enum Mode: Sendable {
        case shared
        case exclusive
    }

    private enum Holding: Sendable {
        /// A use of the process's shared lock on this file.
        case shared(path: String)
        /// A descriptor of this lock's own.
        case exclusive(Int32)
    }

    private let holding: Holding

    /// The lock file of the database at `path`.
    static func path(for database: String) -> String { database + ".lock" }

    /// Takes the lock without waiting; `nil` when `shared` finds no way to make the lock file (a folder that cannot
    /// be written, where no store writes either). Throws `inUse` when the other mode holds it.
    init?(database: String, mode: Mode) throws(SQLiteDatabaseLockError) {
        let path = Self.path(for: database)
        switch mode {
        case .shared:
            guard try Self.sharedLocks.acquire(path, database: database) else { return nil }
            holding = .shared(path: path)
        case .exclusive:
            guard let descriptor = try Self.take(path, database: database, mode: .exclusive) else { return nil }
            holding = .exclusive(descriptor)
        }
    }

    /// Opens the lock file and flocks it in `mode` without waiting.
    fileprivate static func take(_ path: String, database: String, mode: Mode) throws(SQLiteDatabaseLockError) -> Int32? {
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
        return descriptor
    }

    private static let sharedLocks = SharedLocks()

    /// The process's shared locks: one descriptor a lock file, closed (and the lock released) with its last user.
    private final class SharedLocks: Sendable {
        private let held = Mutex<[String: (descriptor: Int32, users: Int)]>([:])

        /// One more user of `path`'s shared lock; false when the lock file cannot be made (see `init`).
        func acquire(_ path: String, database: String) throws(SQLiteDatabaseLockError) -> Bool {
            try held.withLock { (held: inout [String: (descriptor: Int32, users: Int)]) throws(SQLiteDatabaseLockError) -> Bool in
                if let entry = held[path] {
                    held[path] = (entry.descriptor, entry.users + 1)
                    return true
                }
                guard let descriptor = try SQLiteDatabaseLock.take(path, database: database, mode: .shared) else { return false }
                held[path] = (descriptor, 1)
                return true
            }
        }

        func release(_ path: String) {
            held.withLock { held in
                guard let entry = held[path] else { return }
                if entry.users > 1 {
                    held[path] = (entry.descriptor, entry.users - 1)
                } else {
                    close(entry.descriptor)
                    held[path] = nil
                }
            }
        }
    }

    /// The last user of a shared lock, or an exclusive lock's owner, releases it.
    deinit {
        switch holding {
        case .shared(let path): Self.sharedLocks.release(path)
        case .exclusive(let descriptor): close(descriptor)
        }
    }
}
