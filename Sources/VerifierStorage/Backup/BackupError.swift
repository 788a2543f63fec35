import Verification

/// Why a backup or a restore did nothing. Messages name files, never a secret.
public enum BackupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not a whole otpkit backup (cut short, altered, another kind of file): nothing was restored.
    case damaged(path: String, reason: String)
    /// A server, or another otpkit command, has the target database open: nothing was restored.
    case inUse(database: String)
    /// A file could not be written (a full disk, no permission): the target is as it was (or still absent).
    case unwritable(path: String, reason: String)
    /// The output would overwrite the database it copies.
    case sameFile(String)
    /// SQLite failed on the database or the copy (missing, locked too long, a newer schema).
    case database(VerifierError)

    public var description: String {
        switch self {
        case .damaged(let path, let reason): "\(path) is not a whole otpkit backup (\(reason)); nothing was restored"
        case .inUse(let database):
            "\(database) is in use by a running otpkit (a server, or a command still running); stop it first: nothing was restored"
        case .unwritable(let path, let reason): "cannot write \(path): \(reason); nothing was changed there"
        case .sameFile(let path): "\(path) is the database itself; write the backup to another file"
        case .database(let error): error.description
        }
    }
}
