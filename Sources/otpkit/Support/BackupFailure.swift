import VerifierStorage

extension CLIFailure {
    /// A backup's or a restore's refusal, with its exit code: a damaged backup is bad input (64), a database in use
    /// or a file that cannot be written a refusal (1), SQLite's own failures as the verifier's (2 for the database).
    init(_ error: BackupError) {
        switch error {
        case .damaged, .sameFile: self.init(error.description, code: .usage)
        case .inUse, .unwritable: self.init(error.description, code: .refused)
        case .database(let failure): self.init(failure)
        }
    }
}
