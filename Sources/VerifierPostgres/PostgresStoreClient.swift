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
    let metrics: PostgresPoolMetrics
    private let background = Mutex<Task<Void, Never>?>(nil)
    /// The client's own log: errors only (a lease that comes before `run()` has started, which the background start
    /// allows, would otherwise warn; connection failures reach the caller as `unavailable` errors with their cause).
    private static let logger = {
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
    public func withSession<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) async throws(VerifierError) -> T) async throws(VerifierError) -> T {
        try await withTaskExecutorPreference(executor) { () async throws(VerifierError) -> T in try await leased(body) }
    }

    private func leased<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) async throws(VerifierError) -> T) async throws(VerifierError) -> T {
        let race = AcquireRace()
        let start = ContinuousClock.now
        let limit = settings.acquireTimeout
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await self.client.withConnection { connection in
                        guard race.leased() else { throw CancellationError() }
                        let waited = ContinuousClock.now - start
                        self.metrics.acquireWait.recordNanoseconds(waited.nanoseconds)
                        self.counters.withLock {
                            $0.acquired += 1
                            $0.inUse += 1
                            $0.acquireWaitSeconds += waited.seconds
                            self.metrics.inUse.record($0.inUse)  // under the lock: the gauge follows the count in order
                        }
                        defer {
                            self.counters.withLock {
                                $0.inUse -= 1
                                self.metrics.inUse.record($0.inUse)
                            }
                        }
                        return try await body(PostgresSession(connection: connection, owner: self))
                    }
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    if race.timedOut() {
                        throw VerifierError.unavailable("no database connection within \(limit.milliseconds) ms (pool of \(self.settings.size))")
                    }
                    return nil
                }
                while let next = try await group.next() {
                    if let result = next {
                        group.cancelAll()
                        return result
                    }
                }
                throw VerifierError.unavailable("no database connection")
            }
        } catch let error as VerifierError {
            if case .unavailable = error { failed() }
            throw error
        } catch {
            failed()
            throw .unavailable("cannot reach \(location): \(PostgresSession.describe(error))")
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

/// Who ends the wait for a connection first: the lease (then the deadline no longer applies) or the deadline (then a
/// connection that arrives later runs nothing).
private final class AcquireRace: Sendable {
    private enum State { case waiting, leased, timedOut }
    private let state = Mutex(State.waiting)

    func leased() -> Bool {
        state.withLock { state in
            guard state == .waiting else { return false }
            state = .leased
            return true
        }
    }

    func timedOut() -> Bool {
        state.withLock { state in
            guard state == .waiting else { return false }
            state = .timedOut
            return true
        }
    }
}

/// One leased connection: statements with binds, each answered within the statement timeout.
public struct PostgresSession: Sendable {
    let connection: PostgresConnection
    let owner: PostgresStoreClient

    /// Runs one statement; rows for a SELECT (or RETURNING), and the number of rows an UPDATE/DELETE touched.
    @discardableResult
    public func query(_ sql: String, _ binds: [PostgresData] = []) async throws(VerifierError) -> PostgresQueryResult {
        let start = ContinuousClock.now
        // The answer, or the deadline: a statement that outlives it fails here and closes its connection (the
        // database then rolls its transaction back), whether or not the connection ever answers (a dead network).
        let answer = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
        connection.query(sql, binds).cascade(to: answer)
        let limit = owner.settings.statementTimeout
        let timer = connection.eventLoop.scheduleTask(in: .nanoseconds(limit.nanoseconds)) { [connection] in
            answer.fail(StatementTimeout(milliseconds: limit.milliseconds))
            let _: EventLoopFuture<Void> = connection.close()
        }
        defer { timer.cancel() }
        do {
            let result = try await answer.futureResult.get()
            owner.recordStatement(seconds: (ContinuousClock.now - start).seconds, failed: false, connectionLost: false)
            return result
        } catch {
            let server = (error as? PSQLError)?.code == .server
            owner.recordStatement(seconds: (ContinuousClock.now - start).seconds, failed: true, connectionLost: !server)
            if server, (error as? PSQLError)?.serverInfo?[.sqlState] != "57014" {  // 57014: statement_timeout
                throw .storage("PostgreSQL: \(Self.describe(error))")
            }
            throw .unavailable("PostgreSQL: \(Self.describe(error))")
        }
    }

    /// Runs `body` in a transaction; rolls back when it throws.
    public func transaction<T>(_ body: () async throws(VerifierError) -> T) async throws(VerifierError) -> T {
        try await query("BEGIN")
        do {
            let result = try await body()
            try await query("COMMIT")
            return result
        } catch {
            _ = try? await query("ROLLBACK")
            throw error
        }
    }

    struct StatementTimeout: Error, CustomStringConvertible {
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
