/// The verifier's database schema as an ordered list of versions, the same numbering for every store. A store
/// applies the versions its database has not reached, in order and in one transaction, and refuses a database
/// whose version is newer than the last one it knows (written by a newer otpkit).
public struct SchemaMigration: Sendable {
    public let version: Int
    public let statements: [String]

    public init(version: Int, statements: [String]) {
        self.version = version
        self.statements = statements
    }

    /// The migrations a database at version `found` still needs, in order; a database newer than the last one
    /// known is refused.
    public static func pending(_ migrations: [SchemaMigration], after found: Int, database: String) throws(VerifierError) -> [SchemaMigration] {
        let known = migrations.last?.version ?? 0
        if found > known { throw MigrationReport.tooNew(found, known: known, database: database) }
        return migrations.filter { $0.version > found }
    }
}

/// What a migration run found and did, for the log line of `serve` and the answer of `migrate`.
public struct MigrationReport: Sendable, Equatable, CustomStringConvertible {
    public let from: Int
    public let to: Int

    public init(from: Int, to: Int) {
        self.from = from
        self.to = to
    }

    public var description: String {
        from == to ? "database schema at version \(to), up to date" : "database schema migrated from version \(from) to \(to)"
    }

    /// The refusal for a database newer than this binary.
    public static func tooNew(_ found: Int, known: Int, database: String) -> VerifierError {
        .storage("\(database) has schema version \(found), newer than this otpkit knows (\(known)); upgrade otpkit on this node")
    }
}
