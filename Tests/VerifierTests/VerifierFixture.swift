import DispatchExecutors
import Foundation
import MasterKeys
import OTPCore
import Testing
import TestSupport
import Verification
import VerifierPostgres
import VerifierStorage

/// The token stores that the one conformance suite runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A verifier over a real store (an SQLite file in a temporary folder, or a fresh database in the test PostgreSQL
/// cluster), with a clock the test moves.
final class VerifierFixture: @unchecked Sendable {
    static let rfcSecret = try! Secret(bytes: Array("12345678901234567890".utf8))
    let kind: StoreKind
    let folder: URL
    /// The database: a file path or a postgres:// URL.
    let location: String
    let store: any TokenStore
    let keyring = MasterKeyring(current: MasterKey.generate())
    private let lock = NSLock()
    private var now = Date(timeIntervalSince1970: 1_700_000_000)
    var policy = VerifierPolicy()

    init(_ kind: StoreKind = .sqlite) async throws {
        self.kind = kind
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-verifier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        switch kind {
        case .sqlite: location = folder.appendingPathComponent("tokens.sqlite").path
        case .postgres: location = try PostgresCluster.shared.get().createDatabase()
        }
        store = try await Self.openStore(kind, location)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Another store on the same database, with connections of its own (as another verifier process has).
    func anotherStore() async throws -> any TokenStore { try await Self.openStore(kind, location) }

    /// Where the test stores' pools run: the test runner's synchronous tests (waiting on processes) can hold every
    /// cooperative thread for longer than the acquire timeout; otpkit's own code never does.
    static let poolExecutor = DispatchQueueTaskExecutor(label: "otpkit.test.postgres", width: 2)

    private static func openStore(_ kind: StoreKind, _ location: String) async throws -> any TokenStore {
        switch kind {
        case .sqlite:
            return try SQLiteTokenStore(path: location)
        case .postgres:
            let client = PostgresStoreClient(try PostgresLocation(url: location, environment: try PostgresCluster.shared.get().environment),
                                             executor: poolExecutor)
            let store = PostgresTokenStore(client: client.startInBackground())
            _ = try await store.migrate()
            return store
        }
    }

    /// Every file the database's data lives in now (for PostgreSQL after a CHECKPOINT: this database's tables and
    /// the write-ahead log).
    func databaseFiles() async throws -> [String] {
        switch kind {
        case .sqlite:
            return [location, location + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
        case .postgres:
            let cluster = try PostgresCluster.shared.get()
            let database = PostgresCluster.databaseName(in: location)
            _ = try cluster.psql(database, "CHECKPOINT")
            let oid = try cluster.psql(database, "SELECT oid FROM pg_database WHERE datname = current_database()").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return ["\(cluster.folder)/data/base/\(oid)", "\(cluster.folder)/data/pg_wal"].flatMap { folder in
                ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).map { "\(folder)/\($0)" }
                    .filter { (try? FileManager.default.attributesOfItem(atPath: $0)[.type] as? FileAttributeType) == .typeRegular }
            }
        }
    }

    /// The event rows, oldest first, as "token event".
    func events() async throws -> [String] {
        let output: String
        switch kind {
        case .sqlite:
            let script = "import sqlite3,sys\nfor t, e in sqlite3.connect(sys.argv[1]).execute('SELECT token, event FROM events ORDER BY rowid'): print(t, e)"
            output = try Subprocess.run("/usr/bin/python3", ["-c", script, location]).stdout
        case .postgres:
            let database = PostgresCluster.databaseName(in: location)
            output = try PostgresCluster.shared.get().psql(database, "SELECT token || ' ' || event FROM events ORDER BY id").stdout
        }
        return output.split(separator: "\n").map(String.init)
    }

    func advance(_ seconds: TimeInterval) { lock.withLock { now += seconds } }

    func verifier(store: TokenStore? = nil) -> Verifier {
        Verifier(store: store ?? self.store, keyring: keyring, policy: policy, clock: { [unowned self] in self.lock.withLock { self.now } })
    }

    /// Adds the RFC 4226 test token as `id`, at `counter`.
    @discardableResult
    func addRFCToken(_ id: String = "rfc", counter: UInt64 = 0, kind: VerifierToken.Kind = .hotp, digits: Int = 6) async throws -> Verifier {
        let verifier = verifier()
        try await verifier.add([try verifier.makeToken(id: id, secret: Self.rfcSecret, kind: kind, digits: digits, counter: counter)])
        return verifier
    }

    static func code(_ counter: UInt64, digits: Int = 6) -> String {
        try! HOTP(secret: rfcSecret, digits: digits).code(counter: counter)
    }
}
