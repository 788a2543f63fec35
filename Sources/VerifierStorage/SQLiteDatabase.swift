import CoreMetrics
import Foundation
import Verification

/// One SQLite file as the stores use it: WAL with `synchronous=FULL`, its schema brought up to date when opened,
/// one writer thread with group commit, reader threads beside it, the writer's counts, and its lock held shared
/// (`SQLiteDatabaseLock`: a restore refuses it while it is open). The token and API key
/// stores of one server share one (`SQLiteAPIKeyStore(sharing:)`).
final class SQLiteDatabase: Sendable {
    let writer: SQLiteWriter
    let readers: SQLiteReaders
    let counters: StoreCounters
    /// What opening the file did to its schema.
    let migration: MigrationReport
    /// Held shared while open, so a restore refuses this database (nil: a folder no lock file can be made in).
    private let lock: SQLiteDatabaseLock?

    /// Reader threads: enough that a long read (a listing) does not hold up the short ones.
    static let defaultReaders = min(4, max(2, ProcessInfo.processInfo.activeProcessorCount))

    init(path: String, creating: Bool, readers: Int = defaultReaders, fault: CommitFault = .fromEnvironment(),
         metrics: any MetricsFactory = NOOPMetricsHandler.instance) throws(VerifierError) {
        counters = StoreCounters(factory: metrics)
        let connection = try SQLiteConnection(path: path, creating: creating)
        do { lock = try SQLiteDatabaseLock(database: path, mode: .shared) } catch { throw error.storeError }
        try connection.makeDurable()
        migration = try SQLiteSchema.migrate(connection)
        self.readers = try SQLiteReaders(path: path, count: readers)
        writer = SQLiteWriter(connection: connection, counters: counters, fault: fault)
    }
}
