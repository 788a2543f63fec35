import Foundation
import PostgresNIO
import Synchronization
import Testing
import TestSupport
import Verification
@testable import VerifierPostgres

/// Every wait of the PostgreSQL client is bounded by its one deadline watch, against a real server: behind a proxy
/// that stops passing bytes (a database that does not answer, as behind a dead network), a statement and a BEGIN fail
/// within the statement timeout, and the pool then replaces the connection; a statement written to a connection that
/// has just closed, which postgres-nio never answers, ends its session within two statement timeouts; a pool whose one
/// connection is held refuses a second lease within the acquire timeout; a transaction longer in all than the
/// statement timeout, each of its statements quick, is not cut. Each test runs off the cooperative pool, so that what
/// it times is the client's wait and not also the pool's (on two cores other tests' blocking bodies hold it for tens
/// of seconds at a time).
@Suite(.timeLimit(.minutes(3))) struct PostgresDeadlineTests {
    /// A client of `fixture`'s database with a pool of one, 1 s timeouts, through `proxy` when given.
    static func client(_ fixture: VerifierFixture, through proxy: FreezableTCPProxy? = nil) throws -> PostgresStoreClient {
        var settings = PostgresStoreClient.Settings()
        settings.size = 1
        settings.statementTimeout = .seconds(1)
        settings.acquireTimeout = .seconds(1)
        let cluster = try PostgresCluster.shared.get()
        let url = proxy.map { fixture.location.replacingOccurrences(of: ":\(cluster.port)/", with: ":\($0.port)/") } ?? fixture.location
        let location = try PostgresLocation(url: url, environment: cluster.environment)
        return PostgresStoreClient(location, settings: settings, executor: VerifierFixture.poolExecutor).startInBackground()
    }

    /// Whether a statement goes through within 10 s (the pool reconnects with a backoff of its own).
    static func reachable(_ client: PostgresStoreClient) async -> Bool {
        for _ in 0..<10 where await client.isReachable() { return true }
        return false
    }

    /// The one number a statement returns.
    static func number(_ session: PostgresSession, _ query: PostgresQuery) async throws(VerifierError) -> Int64 {
        let rows = try await session.query(query)
        do { return try rows.first.orMissingRow().makeRandomAccess()[0].decode(Int64.self) } catch { throw .storage("\(error)") }
    }

    /// Runs `body` on a session whose connection stops getting answers (`proxy` frozen) from the start, and thaws
    /// the proxy after; `body`'s error and how long it ran.
    static func withFrozenProxy(_ proxy: FreezableTCPProxy, _ client: PostgresStoreClient,
                                _ body: @escaping @Sendable (PostgresSession) async throws(VerifierError) -> Void) async throws -> (VerifierError?, Duration) {
        let outcome = Mutex<(VerifierError?, Duration)>((nil, .zero))
        _ = try? await client.withSession { (session) throws(VerifierError) in
            _ = try await Self.number(session, "SELECT 1::bigint")  // the connection is up before the proxy freezes
            proxy.freeze()
            defer { proxy.thaw() }
            let started = ContinuousClock.now
            do throws(VerifierError) { try await body(session) } catch { outcome.withLock { $0.0 = error } }
            outcome.withLock { $0.1 = ContinuousClock.now - started }
        }
        return outcome.withLock { $0 }
    }

    @Test func anUnansweredStatementBeginOrCommitFailsWithinTheStatementTimeout() async throws {
        try await runOffTheCooperativePool {
            let fixture = try await VerifierFixture(.postgres)
            let proxy = try FreezableTCPProxy(to: try PostgresCluster.shared.get().port)
            let client = try Self.client(fixture, through: proxy)
            defer { client.shutdown() }
            let cases: [(String, @Sendable (PostgresSession) async throws(VerifierError) -> Void)] = [
                ("statement", { (session) throws(VerifierError) in try await session.query("SELECT 1") }),
                ("BEGIN", { (session) throws(VerifierError) in try await session.transaction { () throws(VerifierError) in } }),
            ]
            for (name, body) in cases {
                let (error, waited) = try await Self.withFrozenProxy(proxy, client, body)
                guard case .unavailable(let message) = error else {
                    Issue.record("\(name): \(String(describing: error))")
                    continue
                }
                #expect(message.contains("no answer from the database within 1000 ms"), "\(name): \(message)")
                #expect(waited >= .seconds(1) && waited < .seconds(20), "\(name): \(waited)")
                #expect(await Self.reachable(client), "\(name): the pool replaced the closed connection")
            }
        }
    }

    /// postgres-nio loses a statement written to a connection whose channel has closed (its handlers are gone, and the
    /// write fails with no one told): the statement's deadline closes the connection again, to no effect, and the
    /// session is given up one statement timeout later. Without that, the caller would wait for ever (the pool can
    /// hand out a connection that has just closed, as after a database restart or a cut BEGIN, before it learns so).
    @Test func aStatementPostgresNIONeverAnswersEndsTheSession() async throws {
        try await runOffTheCooperativePool {
            let fixture = try await VerifierFixture(.postgres)
            let client = try Self.client(fixture)
            defer { client.shutdown() }
            let (ended, end) = AsyncStream<(Result<Void, VerifierError>, Duration)>.makeStream()
            let session = Task {
                // Off the cooperative pool too (an unstructured task does not inherit the test's executor): what is
                // timed is the client's wait, not other tests holding the pool.
                try await runOffTheCooperativePool {
                    let started = ContinuousClock.now
                    let result: Result<Void, VerifierError>
                    do throws(VerifierError) {
                        result = .success(try await client.withSession { (session) throws(VerifierError) in
                            try? await session.connection.close().get()  // the channel's handlers are removed by then
                            try await session.query("SELECT 1")
                        })
                    } catch {
                        result = .failure(error)
                    }
                    end.yield((result, ContinuousClock.now - started))
                }
            }
            let bound = Task {
                try? await Task.sleep(for: .seconds(60))
                end.finish()
            }
            defer { bound.cancel() }
            var outcome: (Result<Void, VerifierError>, Duration)?
            for await first in ended {
                outcome = first
                break
            }
            let (result, waited) = try #require(outcome, "the session had not ended after 60 s")
            guard case .failure(.unavailable(let message)) = result else {
                Issue.record("\(result)")
                return
            }
            #expect(message.contains("no answer from the database within 1000 ms"), "\(message)")
            #expect(waited >= .seconds(2) && waited < .seconds(20), "\(waited)")  // the deadline, then the one after it
            try await session.value
            #expect(await Self.reachable(client), "the pool replaced the closed connection")
        }
    }

    @Test func aHeldPoolRefusesASecondLeaseWithinTheAcquireTimeout() async throws {
        try await runOffTheCooperativePool {
            let fixture = try await VerifierFixture(.postgres)
            let client = try Self.client(fixture)
            defer { client.shutdown() }
            let (held, hold) = AsyncStream<Void>.makeStream()
            let (leased, lease) = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await client.withSession { (_) throws(VerifierError) in
                    lease.yield()
                    for await _ in held {}
                }
            }
            for await _ in leased { break }
            let started = ContinuousClock.now
            await #expect(throws: VerifierError.self) { try await client.withSession { (session) throws(VerifierError) in try await session.query("SELECT 1") } }
            let waited = ContinuousClock.now - started
            // Not before the deadline; the bound above it is loose, since a loaded machine resumes the waiter late (without
            // the deadline the wait would last until the holder lets go, which it does only after).
            #expect(waited >= .seconds(1) && waited < .seconds(20), "\(waited)")
            hold.finish()
            try await holder.value
            #expect(await client.isReachable(), "the connection serves again once released")
            #expect(client.figures.failures >= 1)
        }
    }

    @Test func aTransactionLongerThanTheStatementTimeoutInAllIsNotCut() async throws {
        try await runOffTheCooperativePool {
            let fixture = try await VerifierFixture(.postgres)
            let client = try Self.client(fixture)
            defer { client.shutdown() }
            let count = try await client.withSession { (session) throws(VerifierError) -> Int64 in
                try await session.transaction { () throws(VerifierError) -> Int64 in
                    try await session.query("CREATE TEMPORARY TABLE slow (n BIGINT)")
                    for n in 0..<3 {
                        try await session.query("INSERT INTO slow VALUES (\(Int64(n)))")
                        try? await Task.sleep(for: .milliseconds(600))
                    }
                    return try await Self.number(session, "SELECT count(*) FROM slow")
                }
            }
            #expect(count == 3)
        }
    }
}
