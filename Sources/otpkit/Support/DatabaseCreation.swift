import Foundation

/// Whether a command may create a missing SQLite database. A key file without its database belongs to a store that
/// is gone (deleted, moved, on a disk that did not mount): a new empty database beside it would hide that, and a
/// later restore would meet a store that had moved on, so it is created only when asked.
enum DatabaseCreation: Sendable {
    /// The command needs a database that exists (every command that reads or changes one).
    case never
    /// A first `import` or `serve`: only where neither the database nor its key file exists.
    case whereNothingIs
    /// `init`, or `copy`'s target: the operator asked for a new database, beside a key file or not.
    case asked

    /// Throws, with the way out, when the SQLite file at `path` is missing and may not be created; `keyFile` is the
    /// key file that belongs to it (nil: none, as with OTPKIT_MASTER_KEY alone).
    func check(database path: String, keyFile: String?) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        let initCommand = "otpkit verifier init --db \(shellQuoted(path))"
        if self != .asked, let keyFile, FileManager.default.fileExists(atPath: keyFile) {
            throw CLIFailure("the database \(path) is missing, but its master key file \(keyFile) is there: the database was "
                + "moved or deleted. Restore it, or start an empty one on purpose with `\(initCommand)`; nothing was created", code: .unreachable)
        }
        guard self == .never else { return }
        throw CLIFailure("there is no database at \(path): create one with `\(initCommand)` or `otpkit verifier import`; nothing was created",
                         code: .unreachable)
    }
}
