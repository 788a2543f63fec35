import ArgumentParser
import CoreMetrics
import Foundation
import MasterKeys
import NIOCore
import Verification
import VerifierPostgres
import VerifierStorage

/// Where the verifier's database and master key are, and how to reach a shared database. Options left out come from
/// `--config` and the `OTPKIT_*` environment (`applyConfiguration`, run as the command line is validated).
struct VerifierOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Read settings from this YAML file (/etc/otpkit/verifier.yaml); OTPKIT_* variables and the flags given win over it. "
            + "`otpkit verifier config check FILE` checks one.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp(
        "The database: an SQLite file (PATH or sqlite:PATH; created by `init`, or by a first `import` or `serve` where neither it nor its key file exists) or a shared PostgreSQL database "
            + "(postgres://USER@HOST:PORT/DB[?sslmode=disable|prefer|require|verify-full]); or OTPKIT_DATABASE_LOCATION (OTPKIT_VERIFIER_DB).", valueName: "location"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp("The master key file (default for SQLite: DB.key; OTPKIT_MASTER_KEY overrides it). Every node sharing a PostgreSQL database needs the same key.", valueName: "path"))
    var keyFile: String?

    @Option(name: .long, help: ArgumentHelp("PostgreSQL: a file holding the password (else the URL's or PGPASSWORD).", valueName: "path"))
    var dbPasswordFile: String?

    @Option(name: .long, help: "PostgreSQL: connections in this process's pool at most (each one statement at a time; default 4).")
    var dbPoolSize: Int?

    @Option(name: .long, help: ArgumentHelp("PostgreSQL: seconds to wait for a pooled connection, to connect, and for one statement (also the server's statement_timeout; default 5).", valueName: "seconds"))
    var dbTimeout: Seconds?

    mutating func validate() throws { try applyConfiguration() }

    var location: String { db ?? nonEmptyEnvironment("OTPKIT_VERIFIER_DB") ?? "otpkit-verifier.sqlite" }

    var isPostgres: Bool { PostgresLocation.isPostgresURL(location) }

    /// The SQLite file, for a location that is one.
    var databasePath: String { VerifierDatabase.sqlitePath(location) }

    /// The SQLite file, for a command that works on one only; a PostgreSQL location is refused (usage) with
    /// `postgresInstead`, what to do there.
    func sqliteOnlyPath(postgresInstead: String) throws -> String {
        guard !isPostgres else { throw CLIFailure(postgresInstead, code: .usage) }
        return databasePath
    }

    var keyFilePath: String {
        get throws {
            if let keyFile { return keyFile }
            guard !isPostgres else {
                throw CLIFailure("a PostgreSQL database needs --key-file or master_key_file (the master key file every node shares), or OTPKIT_MASTER_KEY", code: .usage)
            }
            return databasePath + ".key"
        }
    }

    /// The database with its schema brought up to date (announced on stderr when it changed); a missing SQLite
    /// file is created only as `creation` allows.
    func openDatabase(creating creation: DatabaseCreation = .never) async throws -> VerifierDatabase {
        let database = try openDatabaseUnmigrated(creating: creation)
        try await database.migrateAnnouncing()
        return database
    }

    /// The database as it is (the caller migrates it); `metrics`: where its store or pool records (a server's registry).
    func openDatabaseUnmigrated(creating creation: DatabaseCreation, poolSize: Int? = nil,
                                metrics: any MetricsFactory = NOOPMetricsHandler.instance) throws -> VerifierDatabase {
        if !isPostgres { try Self.refuseRootOnAnotherUsersDatabase(databasePath) }
        return try VerifierDatabase.open(location, passwordFile: dbPasswordFile, poolSize: poolSize ?? settledPoolSize, timeout: settledTimeout,
                                  creating: creation, keyFile: isPostgres ? nil : try keyFilePath, metrics: metrics)
    }

    /// Root may open any file, but the journal and lock files SQLite makes beside a database would then be root's,
    /// and the server running as the database's owner (the package's `otpkit` user) could no longer write it: an
    /// administrator runs the command as that user instead.
    static func refuseRootOnAnotherUsersDatabase(_ path: String) throws {
        var status = stat()
        guard geteuid() == 0, stat(path, &status) == 0, status.st_uid != 0 else { return }
        let owner = getpwuid(status.st_uid).map { String(cString: $0.pointee.pw_name) } ?? String(status.st_uid)
        throw CLIFailure("\(path) belongs to the user \(owner): run this command as that user (`sudo -u \(owner) otpkit verifier ...`), "
                         + "so that the files SQLite makes beside it stay the server's", code: .usage)
    }

    /// The verifier over the database; a key file created now is announced on stderr with how to protect it.
    func open(policy: VerifierPolicy = VerifierPolicy(), creating creation: DatabaseCreation = .never) async throws -> Verifier {
        try await open(openDatabase(creating: creation), policy: policy)
    }

    /// A key file is created only for a database that never held a sealed secret; the keys are checked against what
    /// the database holds before anything is decided (`Verifier.checkKeyring`).
    func open(_ database: VerifierDatabase, policy: VerifierPolicy = VerifierPolicy(),
              check: Verifier.KeyringCheck = .sealing) async throws -> Verifier {
        let creation: MasterKeyFile.Creation = try await Verifier.mayCreateMasterKey(for: database.tokens) ? .allowed : .refused
        let keys = try MasterKeyFile.load(path: try keyFilePath, creating: creation)
        if let created = keys.createdPath {
            try? FileHandle.standardError.write(contentsOf: Data(("otpkit: created a new master key in \(created) (mode 0600). Keep it apart from "
                + "the database and back it up: the sealed seeds cannot be opened without it.\n").utf8))
        }
        let verifier = Verifier(store: database.tokens, keyring: keys.keyring, policy: policy)
        try await verifier.checkKeyring(check)
        return verifier
    }
}

/// Which token a command works on.
struct TokenIDOption: ParsableArguments {
    @Option(name: .long, help: "The token's id (as imported: the serial, with -SLOT for tokens with slots).")
    var token: String
}
