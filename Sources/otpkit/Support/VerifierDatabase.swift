import CoreMetrics
import Foundation
import NIOCore
import Verification
import VerifierPostgres
import VerifierStorage

/// An opened verifier database, embedded (SQLite) or shared (PostgreSQL): its token and API key stores, and
/// what the server needs to report on it.
struct VerifierDatabase: Sendable {
    let description: String
    let tokens: any TokenStore
    let apiKeys: any APIKeyStore
    let migrate: @Sendable () async throws -> MigrationReport
    /// The client of a shared database (health, metrics); nil for SQLite. It runs from `open` on (a command uses it
    /// until it exits); the server also passes it in its services, so that it closes after the requests in flight.
    let client: PostgresStoreClient?

    /// Opens `sqlite:PATH`, a plain path, or a `postgres://` URL. A missing SQLite file is created only as `creation`
    /// allows (`keyFile`: the master key file that belongs to it). `metrics`: where the SQLite writer or the
    /// PostgreSQL pool records its figures (`serve` gives its registry's; commands that only read or change rows, none).
    static func open(_ location: String, passwordFile: String? = nil, poolSize: Int = 4, timeout: Double = 5,
                     creating creation: DatabaseCreation, keyFile: String? = nil,
                     metrics: any MetricsFactory = NOOPMetricsHandler.instance) throws -> VerifierDatabase {
        if PostgresLocation.isPostgresURL(location) {
            var settings = PostgresStoreClient.Settings()
            settings.size = max(1, poolSize)
            settings.acquireTimeout = .milliseconds(Int64(timeout * 1000))
            settings.connectTimeout = .milliseconds(Int64(timeout * 1000))
            settings.statementTimeout = .milliseconds(Int64(timeout * 1000))
            let client = PostgresStoreClient(try PostgresLocation(url: location, passwordFile: passwordFile), settings: settings, metrics: metrics)
            client.startInBackground()
            let tokens = PostgresTokenStore(client: client)
            return VerifierDatabase(description: client.location.description, tokens: tokens, apiKeys: PostgresAPIKeyStore(client: client),
                                    migrate: { try await tokens.migrate() }, client: client)
        }
        let path = sqlitePath(location)
        try creation.check(database: path, keyFile: keyFile)
        // A file that must exist is opened without SQLite's create flag: one gone since the check is refused too.
        let tokens = try SQLiteTokenStore(path: path, creating: creation != .never, metrics: metrics)
        return VerifierDatabase(description: "sqlite:\(path)", tokens: tokens, apiKeys: SQLiteAPIKeyStore(sharing: tokens),
                                migrate: { tokens.migration }, client: nil)
    }

    /// The file of an SQLite location (`sqlite:PATH` or a plain path).
    static func sqlitePath(_ location: String) -> String {
        location.hasPrefix("sqlite:") ? String(location.dropFirst("sqlite:".count)) : location
    }

    /// Brings the schema up to date, saying so on stderr when that changed it.
    @discardableResult
    func migrateAnnouncing() async throws -> MigrationReport {
        let report = try await migrate()
        if report.from != report.to { try? FileHandle.standardError.write(contentsOf: Data("otpkit: \(description): \(report)\n".utf8)) }
        return report
    }
}
