import Foundation
import NIOCore
import Verifier
import VerifierPostgres
import VerifierStorage

/// An opened verifier database, embedded (SQLite) or shared (PostgreSQL): its token and API key stores, and
/// what the server needs to report on it.
struct VerifierDatabase: Sendable {
    let description: String
    let tokens: any TokenStore
    let apiKeys: any APIKeyStore
    let migrate: @Sendable () throws -> MigrationReport
    /// The pool of a shared database (health, metrics, thread count); nil for SQLite.
    let pool: PostgresPool?

    /// Opens `sqlite:PATH`, a plain path, or a `postgres://` URL.
    static func open(_ location: String, passwordFile: String? = nil, poolSize: Int = 4, timeout: Double = 5) throws -> VerifierDatabase {
        if PostgresLocation.isPostgresURL(location) {
            var settings = PostgresPool.Settings()
            settings.size = max(1, poolSize)
            settings.acquireTimeout = .milliseconds(Int64(timeout * 1000))
            settings.connectTimeout = .milliseconds(Int64(timeout * 1000))
            settings.statementTimeout = .milliseconds(Int64(timeout * 1000))
            let pool = PostgresPool(try PostgresLocation(url: location, passwordFile: passwordFile), settings: settings)
            let tokens = PostgresTokenStore(pool: pool)
            return VerifierDatabase(description: pool.location.description, tokens: tokens, apiKeys: PostgresAPIKeyStore(pool: pool),
                                    migrate: { try tokens.migrate() }, pool: pool)
        }
        let path = sqlitePath(location)
        let tokens = try SQLiteTokenStore(path: path)
        return VerifierDatabase(description: "sqlite:\(path)", tokens: tokens, apiKeys: SQLiteAPIKeyStore(sharing: tokens),
                                migrate: { tokens.migration }, pool: nil)
    }

    /// The file of an SQLite location (`sqlite:PATH` or a plain path).
    static func sqlitePath(_ location: String) -> String {
        location.hasPrefix("sqlite:") ? String(location.dropFirst("sqlite:".count)) : location
    }

    /// Brings the schema up to date, saying so on stderr when that changed it.
    @discardableResult
    func migrateAnnouncing() throws -> MigrationReport {
        let report = try migrate()
        if report.from != report.to { try? FileHandle.standardError.write(contentsOf: Data("otpkit: \(description): \(report)\n".utf8)) }
        return report
    }

    /// Prometheus lines on the pool and the database's latency; for SQLite, the writer's commits.
    func prometheusText() -> String {
        guard let pool else { return (tokens as? SQLiteTokenStore)?.prometheusText() ?? "" }
        let figures = pool.figures
        return """
            # HELP otpkit_db_pool_connections Database connections of this node by state.
            # TYPE otpkit_db_pool_connections gauge
            otpkit_db_pool_connections{state="open"} \(figures.open)
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
            # HELP otpkit_db_reconnects_total Connections found closed and replaced.
            # TYPE otpkit_db_reconnects_total counter
            otpkit_db_reconnects_total \(figures.reconnects)

            """
    }
}
