import CoreMetrics
import Foundation
import Logging
import NIOCore
import NIOPosix
import OTPCore
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Verification

/// The shared database's connections: postgres-nio's `PostgresClient` (its pool, connect timeout, keep-alive and TLS),
/// with every wait bounded, for the async stores.
///
/// The client needs a task running it: a command or a test calls `startInBackground()`; the server passes this
/// object in `VerifierHTTPServer.Options.services` too (started first, stopped last, after the requests in flight). A connection found closed (the server restarted,
/// the network broke) is replaced by the client's pool, so a node recovers from a database restart by itself.
/// Every wait is bounded: getting a connection (`acquireTimeout`), connecting, and each statement (the server's
/// `statement_timeout`, set at connect, and a client-side deadline that closes a connection which does not answer).
public final class PostgresStoreClient: Service, Sendable {
    public struct Settings: Sendable {
        /// Connections at most (each is one backend process on the server).
        public var size = 4
        public var acquireTimeout: Duration = .seconds(5)
        public var connectTimeout: Duration = .seconds(5)
        public var statementTimeout: Duration = .seconds(10)
        /// Token rows a token store keeps for its decisions (see `PostgresTokenStore`).
        public var keptTokenRows = 10_000
        public init() {}
    }

    /// The pool's counts since the client was made (the same figures go to the metrics factory it was given).
    public struct Figures: Sendable {
        public var size = 0
        public var inUse = 0
        public var acquired = 0
        public var acquireWaitSeconds = 0.0
        public var statements = 0
        public var statementSeconds = 0.0
        public var failures = 0
        /// Statements that found their connection closed or unanswering (the pool replaces it).
        public var reconnects = 0
    }

    public let location: PostgresLocation
    public let settings: Settings
    let client: PostgresClient
    private let counters = Mutex(Figures())
    /// Every wait's deadline: for a connection, for each statement, for BEGIN and COMMIT.
    let deadlines = DeadlineWatch()
    let metrics: PostgresPoolMetrics
    private let background = Mutex<Task<Void, Never>?>(nil)
    /// The client's own log: errors only (a lease that comes before `run()` has started, which the background start
    /// allows, would otherwise warn; connection failures reach the caller as `unavailable` errors with their cause).
    static let logger = {
        var logger = Logger(label: "otpkit.postgres")
        logger.logLevel = .error
        return logger
    }()

    /// `metrics`: where the pool records `otpkit_db_pool_connections{state}` (gauges), `otpkit_db_pool_acquire_seconds`
    /// and `otpkit_db_statement_seconds` (timers), `otpkit_db_errors_total`, `otpkit_db_reconnects_total` and, through
    /// its token stores, `otpkit_db_token_rows_total{source}`; by default nowhere.
    ///
    /// `executor`: where the pool and its leases run; nil (Swift's cooperative pool) unless the caller's own code
    /// blocks cooperative threads for longer than the acquire timeout, as a test runner's synchronous tests do.
    public init(_ location: PostgresLocation, settings: Settings = Settings(), metrics: any MetricsFactory = NOOPMetricsHandler.instance,
                executor: (any TaskExecutor)? = nil) {
        self.location = location
        self.executor = executor
        self.settings = settings
        self.metrics = PostgresPoolMetrics(factory: metrics, size: settings.size)
        client = PostgresClient(configuration: location.clientConfiguration(connections: settings.size, connectTimeout: settings.connectTimeout,
                                                                          statementTimeout: settings.statementTimeout),
                                backgroundLogger: Self.logger)
        counters.withLock { $0.size = settings.size }
    }

    deinit { background.withLock { $0?.cancel() } }

    private let executor: (any TaskExecutor)?

    public var figures: Figures { counters.withLock { $0 } }

    /// As a service: runs the client until cancelled or a graceful shutdown. A client already started in the
    /// background (to migrate before the server starts) is closed at that point instead.
    public func run() async {
        guard let started = background.withLock({ $0 }) else {
            await withTaskExecutorPreference(executor) { await client.run() }
            return
        }
        try? await gracefulShutdown()
        started.cancel()
        await started.value
    }

    /// Runs the client on a task of its own until `shutdown()` or this object's end (a command, a test).
    @discardableResult
    public func startInBackground() -> Self {
        background.withLock { task in
            guard task == nil else { return }
            let client = self.client
            task = Task(executorPreference: executor) { await client.run() }
        }
        return self
    }

    /// Closes the connections of a client started with `startInBackground()`.
    public func shutdown() {
        background.withLock { $0?.cancel() }
    }

    /// Connects once outside the pool and closes again: at start, so that a refused password or a server without
    /// TLS is reported with its cause (the pool would only retry).
    public func checkConnection() async throws(VerifierError) {
        do {
            let connection = try await PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(),
                                                                  configuration: try location.connectionConfiguration(connectTimeout: settings.connectTimeout),
                                                                  id: 0, logger: Self.logger)
            try? await connection.close()
        } catch let error as VerifierError {
            throw error
        } catch {
            throw .unavailable("cannot connect to \(location): \(PostgresSession.describe(error))")
        }
    }

    /// Runs `body` with a connection of its own from the pool; waits at most `acquireTimeout` for one.
    ///
    /// The lease and `body` run on a task of their own (on `executor`); the caller waits for the lease, that task's
    /// end or the deadline, whichever comes first. At the deadline the task is cancelled (postgres-nio's pool then
    /// drops the request); once a connection is leased, the deadline no longer applies and `body`'s statements have
    /// their own. The caller waits for `body`'s result, or for the session to be given up: a statement past its
    /// deadline closes the connection, and when `body` has not ended one statement timeout after that, the caller
    /// gets `unavailable` without it (postgres-nio loses a statement written to a connection that has just closed,
    /// and nothing would ever end that wait).
    public func withSession<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) async throws(VerifierError) -> T) async throws(VerifierError) -> T {
        let outcome = SessionOutcome<T>(), start = ContinuousClock.now
        let task = Task(executorPreference: executor) {
            let result: Result<T, any Error>
            do {
                result = .success(try await self.client.withConnection { connection in
                    guard outcome.lease() else { throw CancellationError() }
                    self.recordLease(waited: ContinuousClock.now - start)
                    defer { if outcome.release() { self.recordRelease() } }
                    return try await body(PostgresSession(connection: connection, owner: self, giveUp: { error in
                        if outcome.giveUp(error), outcome.release() { self.recordRelease() }
                    }))
                })
            } catch {
                result = .failure(error)
            }
            outcome.end(result)
        }
        do {
            return try await withTaskCancellationHandler {
                do {
                    try await deadlines.bound(settings.acquireTimeout, expire: outcome.timeOut) { _ in await outcome.leasedOrEnded() }
                } catch {
                    task.cancel()
                    throw error
                }
                return try await outcome.result()
            } onCancel: {
                task.cancel()
            }
        } catch is DeadlineWatch.Passed {
            failed()
            throw .unavailable("no database connection within \(settings.acquireTimeout.milliseconds) ms (pool of \(settings.size))")
        } catch let error as VerifierError {
            if case .unavailable = error { failed() }
            throw error
        } catch {
            failed()
            throw .unavailable("cannot reach \(location): \(PostgresSession.describe(error))")
        }
    }

    private func recordLease(waited: Duration) {
        metrics.acquireWait.recordNanoseconds(waited.nanoseconds)
        counters.withLock {
            $0.acquired += 1
            $0.inUse += 1
            $0.acquireWaitSeconds += waited.seconds
            metrics.inUse.record($0.inUse)  // under the lock: the gauge follows the count in order
        }
    }

    private func recordRelease() {
        counters.withLock {
            $0.inUse -= 1
            metrics.inUse.record($0.inUse)
        }
    }

    private func failed() {
        counters.withLock { $0.failures += 1 }
        metrics.errors.increment()
    }

    func recordStatement(seconds: Double, failed: Bool, connectionLost: Bool) {
        counters.withLock {
            $0.statements += 1
            $0.statementSeconds += seconds
            if failed { $0.failures += 1 }
            if connectionLost { $0.reconnects += 1 }
        }
        metrics.statements.recordNanoseconds(Int64(seconds * 1e9))
        if failed { metrics.errors.increment() }
        if connectionLost { metrics.reconnects.increment() }
    }

    /// True when a statement goes through now (for /healthz).
    public func isReachable() async -> Bool {
        (try? await withSession { @Sendable (session) throws(VerifierError) in try await session.query("SELECT 1") }) != nil
    }
}

/// One leased connection: statements with typed binds (`PostgresQuery`) or prepared (`PostgresPreparedStatement`),
/// each answered within the statement timeout, and transactions.
public struct PostgresSession: Sendable {
    let connection: PostgresConnection
    let owner: PostgresStoreClient
    /// Ends the caller's wait for the session with an error (see `closeAtDeadline`).
    let giveUp: @Sendable (VerifierError) -> Void

    /// Runs one statement; rows for a SELECT (or RETURNING), and the number of rows an UPDATE/DELETE touched.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws(VerifierError) -> PostgresQueryResult {
        try await bounded { try await connection.query(query, logger: PostgresStoreClient.logger).get() }
    }

    /// Runs a prepared statement (postgres-nio prepares it on each connection's first use); its rows, decoded.
    public func execute<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws(VerifierError) -> [Statement.Row] {
        try await bounded {
            var rows: [Statement.Row] = []
            for try await row in try await connection.execute(statement, logger: PostgresStoreClient.logger) { rows.append(row) }
            return rows
        }
    }

    /// Runs `body` in a transaction (postgres-nio's `withTransaction`): committed when it returns, rolled back when it
    /// throws. BEGIN and COMMIT (or ROLLBACK) are bounded as a statement is; `body`'s statements are, each.
    /// BEGIN and COMMIT count as statements in the client's figures, as the round trips they are.
    public func transaction<T>(_ body: () async throws(VerifierError) -> T) async throws(VerifierError) -> T {
        let connection = self.connection
        var mark = ContinuousClock.now  // when BEGIN, then COMMIT (or ROLLBACK), was sent
        var inBody = false
        do {
            let result = try await owner.deadlines.bound(owner.settings.statementTimeout, expire: closeAtDeadline) { (deadline) async throws -> T in
                try await connection.withTransaction(logger: PostgresStoreClient.logger) { _ in
                    deadline.pause()
                    owner.recordStatement(seconds: (ContinuousClock.now - mark).seconds, failed: false, connectionLost: false)
                    inBody = true
                    defer {
                        deadline.renew()
                        mark = .now
                        inBody = false
                    }
                    return try await body()
                }
            }
            owner.recordStatement(seconds: (ContinuousClock.now - mark).seconds, failed: false, connectionLost: false)
            return result
        } catch let error as PostgresTransactionError {
            // After `body` failed, the ROLLBACK went through (a failed one shows as `rollbackError`).
            let control = error.beginError ?? error.commitError ?? error.rollbackError
            if !inBody {
                owner.recordStatement(seconds: (ContinuousClock.now - mark).seconds, failed: control != nil,
                                      connectionLost: control.map { ($0 as? PSQLError)?.code != .server } ?? false)
            }
            throw recorded(error.closureError ?? control ?? error)
        } catch {
            if !inBody { owner.recordStatement(seconds: (ContinuousClock.now - mark).seconds, failed: true, connectionLost: true) }
            throw recorded(error)
        }
    }

    /// Runs one round trip within the statement timeout: a statement that outlives it fails here and closes its
    /// connection (the database then rolls its transaction back), whether or not the connection ever answers.
    private func bounded<T>(_ body: () async throws -> T) async throws(VerifierError) -> T {
        let start = ContinuousClock.now
        do {
            let result = try await owner.deadlines.bound(owner.settings.statementTimeout, expire: closeAtDeadline) { _ in try await body() }
            owner.recordStatement(seconds: (ContinuousClock.now - start).seconds, failed: false, connectionLost: false)
            return result
        } catch {
            owner.recordStatement(seconds: (ContinuousClock.now - start).seconds, failed: true, connectionLost: (error as? PSQLError)?.code != .server)
            throw recorded(error)
        }
    }

    /// What a round trip's deadline does: closes the connection (the database then rolls its transaction back), which
    /// fails the statement in flight; and one statement timeout later gives the session up if its body has not ended
    /// by then. postgres-nio loses a statement written just as its connection closed (its answer never comes, and the
    /// body would wait for it for ever); the caller then gets `unavailable` all the same, and the pool has already
    /// replaced the closed connection.
    private var closeAtDeadline: @Sendable () -> Bool {
        let connection = connection, giveUp = giveUp
        let timeout = owner.settings.statementTimeout
        return {
            let _: EventLoopFuture<Void> = connection.close()
            connection.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
                giveUp(.unavailable("PostgreSQL: \(StatementTimeout(milliseconds: timeout.milliseconds))"))
            }
            return true
        }
    }

    /// A failed round trip as the verifier's error: a statement the server refused is a storage error; a lost
    /// connection, an unanswered statement or the server's `statement_timeout` (SQLSTATE 57014) is `unavailable`.
    private func recorded(_ error: any Error) -> VerifierError {
        if let error = error as? VerifierError { return error }
        if error is DeadlineWatch.Passed { return .unavailable("PostgreSQL: \(StatementTimeout(milliseconds: owner.settings.statementTimeout.milliseconds))") }
        if let error = error as? PSQLError, error.code == .server, error.serverInfo?[.sqlState] != "57014" {
            return .storage("PostgreSQL: \(Self.describe(error))")
        }
        return .unavailable("PostgreSQL: \(Self.describe(error))")
    }

    struct StatementTimeout: CustomStringConvertible {
        let milliseconds: Int64
        var description: String { "no answer from the database within \(milliseconds) ms" }
    }

    /// The server's message (and SQLSTATE) or the connection failure, in one line; never a password.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo, let message = info[.message] {
            return message + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown: return "the connection was closed"
        case .connectionError: return "connection failed" + (error.underlying.map { ": \($0)" } ?? "")
        case .sslUnsupported: return "the server does not offer TLS (sslmode)"
        case .authMechanismRequiresPassword: return "the server wants a password (PGPASSWORD or a password file)"
        default: return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
    }
}
