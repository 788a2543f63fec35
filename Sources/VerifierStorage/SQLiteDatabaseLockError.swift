import Verification

/// Why a database's lock was not taken.
enum SQLiteDatabaseLockError: Error, Equatable {
    enum Holder: Equatable {
        /// A restore into the database is under way.
        case restore
        /// A server, or another command, has the database open.
        case store
    }

    case inUse(database: String, by: Holder)
    case unusable(lockFile: String, reason: String)

    /// As a store reports it when opening.
    var storeError: VerifierError {
        switch self {
        case .inUse(let database, _): .storage("a restore into \(database) is under way; start again once it is done")
        case .unusable(let file, let reason): .storage("cannot lock \(file): \(reason)")
        }
    }
}
