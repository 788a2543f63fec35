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
    /// allows (`keyFile`: the master key file that belongs to it).
    static func open(_ location: String, passwordFile: String? = nil, poolSize: Int = 4, timeout: Double = 5,
                     creating creation: DatabaseCreation, keyFile: String? = nil) throws -> VerifierDatabase {
        if PostgresLocation.isPostgresURL(location) {
            var settings = PostgresStoreClient.Settings()
            settings.size = max(1, poolSize)
            settings.acquireTimeout = .milliseconds(Int64(timeout * 1000))
            settings.connectTimeout = .milliseconds(Int64(timeout * 1000))
            settings.statementTimeout = .milliseconds(Int64(timeout * 1000))
            let client = PostgresStoreClient(try PostgresLocation(url: location, passwordFile: passwordFile), settings: settings)
            client.startInBackground()
            let tokens = PostgresTokenStore(client: client)
            return VerifierDatabase(description: client.location.description, tokens: tokens, apiKeys: PostgresAPIKeyStore(client: client),
                                    migrate: { try await tokens.migrate() }, client: client)
        }
        let path = sqlitePath(location)
        try creation.check(database: path, keyFile: keyFile)
        let tokens = try SQLiteTokenStore(path: path)
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

    /// Prometheus lines on the client's connections, the database's latency and the kept token rows; for SQLite, the
    /// writer's commits.
    func prometheusText() -> String {
        guard let client else { return (tokens as? SQLiteTokenStore)?.prometheusText() ?? "" }
        let figures = client.figures
        let kept = (tokens as? PostgresTokenStore)?.keptRowFigures ?? (reused: 0, read: 0)
        return """
            # HELP otpkit_db_pool_connections Database connections of this node by state.
            # TYPE otpkit_db_pool_connections gauge
            otpkit_db_pool_connections{state="in_use"} \(figures.inUse)
            otpkit_db_pool_connections{state="max"} \(figures.size)
            # HELP otpkit_db_pool_acquire_seconds Time spent waiting for a pooled connection.
            # TYPE otpkit_db_pool_acquire_seconds summary
            otpkit_db_pool_acquire_seconds_sum \(figures.acquireWaitSeconds)
            otpkit_db_pool_acquire_seconds_count \(figures.acquired)
            # HELP otpkit_db_statement_seconds Database round trips (one statement each).
            # TYPE otpkit_db_statement_seconds summary
            otpkit_db_statement_seconds_sum \(figures.statementSeconds)
            otpkit_db_statement_seconds_count \(figures.statements)
            # HELP otpkit_db_errors_total Failed statements, connections and acquisitions.
            # TYPE otpkit_db_errors_total counter
            otpkit_db_errors_total \(figures.failures)
            # HELP otpkit_db_reconnects_total Statements that found their connection closed or unanswering (the pool replaces it).
            # TYPE otpkit_db_reconnects_total counter
            otpkit_db_reconnects_total \(figures.reconnects)
            # HELP otpkit_db_token_rows_total Decisions by where their token row came from: kept by this node, or read.
            # TYPE otpkit_db_token_rows_total counter
            otpkit_db_token_rows_total{source="kept"} \(kept.reused)
            otpkit_db_token_rows_total{source="read"} \(kept.read)

            """
    }
}
