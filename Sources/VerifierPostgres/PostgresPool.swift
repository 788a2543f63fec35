import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import OTPCore
import PostgresNIO
import Verifier

/// A small blocking pool of PostgreSQL connections for the verifier's synchronous store protocol.
///
/// Callers are threads that may block (the server's blocking thread pool, a CLI command), never the event loops.
/// A connection found closed (the server restarted, the network broke) is dropped and a new one is opened on the
/// next use, so a node recovers from a database restart by itself. Every wait is bounded: acquiring a connection,
/// connecting, and each statement.
public final class PostgresPool: @unchecked Sendable {
    public struct Settings: Sendable {
        /// Connections at most (each is one backend process on the server).
        public var size = 4
        public var acquireTimeout: TimeAmount = .seconds(5)
        public var connectTimeout: TimeAmount = .seconds(5)
        public var statementTimeout: TimeAmount = .seconds(10)
        public init() {}
    }

    /// Counters for /metrics.
    public struct Figures: Sendable {
        public var size = 0
        public var open = 0
        public var inUse = 0
        public var acquired = 0
        public var acquireWaitSeconds = 0.0
        public var statements = 0
        public var statementSeconds = 0.0
        public var failures = 0
        public var reconnects = 0
    }

    public let location: PostgresLocation
    public let settings: Settings
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    private let available: DispatchSemaphore
    private let state = NIOLockedValueBox<(idle: [PostgresConnection], figures: Figures)>(([], Figures()))
    private let logger = Logger(label: "otpkit.postgres")
    private let nextID = NIOLockedValueBox(0)
    private let blockingThreads = BlockingStoreQueue(label: "otpkit.postgres", concurrent: true)

    public init(_ location: PostgresLocation, settings: Settings = Settings()) {
        self.location = location
        self.settings = settings
        available = DispatchSemaphore(value: settings.size)
        state.withLockedValue { $0.figures.size = settings.size }
    }

    /// Closes the idle connections (a pool is released by the threads that use it, never on an event loop).
    deinit {
        for connection in state.withLockedValue({ $0.idle }) {
            let closing: EventLoopFuture<Void> = connection.close()
            try? closing.wait()
        }
    }

    public var figures: Figures { state.withLockedValue { $0.figures } }

    /// `withConnection` on a thread that may block, for the async store protocol.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws(VerifierError) -> T) async throws(VerifierError) -> T {
        try await blockingThreads.run { () throws(VerifierError) -> T in try self.withConnection(body) }
    }

    /// Runs `body` with a connection of its own. A failure that leaves the connection unusable closes it.
    public func withConnection<T>(_ body: (PostgresSession) throws(VerifierError) -> T) throws(VerifierError) -> T {
        let waitStart = ContinuousClock.now
        guard available.wait(timeout: .now() + .nanoseconds(Int(settings.acquireTimeout.nanoseconds))) == .success else {
            state.withLockedValue { $0.figures.failures += 1 }
            throw .unavailable("no free database connection within \(settings.acquireTimeout.nanoseconds / 1_000_000) ms (pool of \(settings.size))")
        }
        defer { available.signal() }
        let connection = try checkOut(waited: ContinuousClock.now - waitStart)
        let session = PostgresSession(connection: connection, pool: self)
        do {
            let result = try body(session)
            checkIn(connection)
            return result
        } catch {
            // A connection that failed (closed, timed out, broken mid-transaction) is not trusted again.
            if case .unavailable = error { discard(connection) } else { checkIn(connection) }
            throw error
        }
    }

    private func discard(_ connection: PostgresConnection) {
        let closing: EventLoopFuture<Void> = connection.close()
        try? closing.wait()
        state.withLockedValue {
            $0.figures.inUse -= 1
            $0.figures.open -= 1
            $0.figures.reconnects += 1
        }
    }

    private func checkOut(waited: Duration) throws(VerifierError) -> PostgresConnection {
        let reused: PostgresConnection? = state.withLockedValue { state in
            state.figures.acquired += 1
            state.figures.inUse += 1
            state.figures.acquireWaitSeconds += waited.seconds
            while let connection = state.idle.popLast() {
                if !connection.isClosed { return connection }
                state.figures.open -= 1
                state.figures.reconnects += 1
            }
            return nil
        }
        if let reused { return reused }
        do throws(any Error) {
            let id = nextID.withLockedValue { $0 += 1; return $0 }
            let connection = try PostgresConnection.connect(on: group.next(), configuration: location.configuration(connectTimeout: settings.connectTimeout),
                                                            id: id, logger: logger).wait()
            state.withLockedValue { $0.figures.open += 1 }
            return connection
        } catch {
            state.withLockedValue { $0.figures.inUse -= 1; $0.figures.failures += 1 }
            throw .unavailable("cannot connect to \(location): \(PostgresSession.describe(error))")
        }
    }

    private func checkIn(_ connection: PostgresConnection) {
        state.withLockedValue { state in
            state.figures.inUse -= 1
            if connection.isClosed {
                state.figures.open -= 1
            } else {
                state.idle.append(connection)
            }
        }
    }

    func recordStatement(seconds: Double, failed: Bool) {
        state.withLockedValue {
            $0.figures.statements += 1
            $0.figures.statementSeconds += seconds
            if failed { $0.figures.failures += 1 }
        }
    }

    /// True when a statement goes through now (for /healthz).
    public func isReachable() async -> Bool {
        (try? await withConnection { @Sendable (session) throws(VerifierError) in _ = try session.query("SELECT 1") }) != nil
    }
}

/// One checked-out connection: statements with binds, run to completion with a time limit.
public struct PostgresSession {
    let connection: PostgresConnection
    let pool: PostgresPool

    /// Runs one statement; rows for a SELECT (or RETURNING), and the number of rows an UPDATE/DELETE touched.
    @discardableResult
    public func query(_ sql: String, _ binds: [PostgresData] = []) throws(VerifierError) -> PostgresQueryResult {
        let start = ContinuousClock.now
        // The answer, or a timeout: a statement that outlives its limit fails here and closes its connection (the
        // database then rolls its transaction back), whether or not the connection ever completes the query.
        let answer = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
        connection.query(sql, binds).cascade(to: answer)
        let limit = pool.settings.statementTimeout
        let timer = connection.eventLoop.scheduleTask(in: limit) { [connection] in
            answer.fail(StatementTimeout(seconds: Double(limit.nanoseconds) / 1e9))
            let _: EventLoopFuture<Void> = connection.close()
        }
        defer { timer.cancel() }
        do {
            let result = try answer.futureResult.wait()
            pool.recordStatement(seconds: (ContinuousClock.now - start).seconds, failed: false)
            return result
        } catch {
            pool.recordStatement(seconds: (ContinuousClock.now - start).seconds, failed: true)
            if let server = error as? PSQLError, server.code == .server {
                throw .storage("PostgreSQL: \(Self.describe(error))")
            }
            throw .unavailable(Self.describe(error))
        }
    }

    /// Runs `body` in a transaction; rolls back when it throws.
    public func transaction<T>(_ body: () throws(VerifierError) -> T) throws(VerifierError) -> T {
        try query("BEGIN")
        do {
            let result = try body()
            try query("COMMIT")
            return result
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
    }

    struct StatementTimeout: Error, CustomStringConvertible {
        let seconds: Double
        var description: String { "no answer from the database within \(seconds) s" }
    }

    /// The server's message (and SQLSTATE) or the connection failure, in one line; never a password.
    static func describe(_ error: Error) -> String {
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
