import Foundation
import Verification

/// The one thread that writes an SQLite file, with group commit.
///
/// Every write is queued here. Decisions (a token's compare-and-set with its event row, or an event row alone) that
/// queue up while a commit is in flight go into the next transaction together: each its own compare-and-set in
/// arrival order (a lost one answers false for itself only and rolls nothing else back), then one COMMIT, one fsync
/// of the write-ahead log for the lot; only after that COMMIT returned is any of their callers answered, so nothing
/// is answered "done" that a crash or power cut could take back. A failed COMMIT fails every caller of the batch, and
/// so does a file deleted, replaced or read-only (`SQLiteConnection.checkWritable`, before each transaction).
/// Other writes (imports, PINs, RADIUS clients, pruning) run in arrival order too, each a transaction of its own.
///
/// A real `Thread`, not the cooperative pool nor an event loop: it blocks in fsync, and blocks no task meanwhile.
final class SQLiteWriter: Sendable {
    /// What one decision writes.
    enum Decision: Sendable {
        /// The token's compare-and-set on its version; `event` is recorded only when it matched.
        case update(VerifierToken, event: String)
        /// An event that changed no token (a refusal of an unknown token).
        case event(tokenID: String, event: String)
    }

    enum Job: Sendable {
        /// One caller's decisions, applied in order within a group; answered (each: whether it matched) after the
        /// group's commit.
        case decisions([Decision], answer: @Sendable (Result<[Bool], VerifierError>) -> Void)
        /// Any other write: runs its own transaction and says whether it committed, and how to answer its caller.
        case transaction(@Sendable (SQLiteConnection) -> (committed: Bool, answer: @Sendable () -> Void))
    }

    /// The most jobs taken into one round (a group holds at most this many callers).
    static let batchLimit = 256
    /// The most writes waiting; more are refused at once (`unavailable`), as a full pool would.
    static let queueCapacity = 8192

    private let queue = StoreJobQueue<Job>(capacity: queueCapacity)
    /// The file the writer's connection opened, and whether SQLite opened it read-only (for `probe`).
    private let path: String
    private let identity: SQLiteFileIdentity
    private let openedReadOnly: Bool

    init(connection: sending SQLiteConnection, counters: StoreCounters, fault: CommitFault) {
        path = connection.path
        identity = connection.identity
        openedReadOnly = connection.isReadOnly
        let box = ConnectionBox(connection)
        let queue = self.queue
        let thread = Thread {
            // Named for profiles and `top -H` (at most 15 characters on Linux).
            Thread.current.name = "sqlite-writer"
            while let jobs = queue.take(limit: Self.batchLimit) {
                box.connection.withLock { connection in Self.run(jobs, on: connection, counters: counters, fault: fault) }
            }
        }
        thread.start()
    }

    /// The thread ends once the jobs queued are done; the connection closes with it.
    deinit { queue.close() }

    /// Applies `decisions` in the next group; answers, for each, whether it matched, once the group committed.
    func decide(_ decisions: [Decision]) async throws(VerifierError) -> [Bool] {
        let result: Result<[Bool], VerifierError> = await withCheckedContinuation { continuation in
            let job = Job.decisions(decisions) { continuation.resume(returning: $0) }
            if !queue.push([job]) { continuation.resume(returning: .failure(Self.busy)) }
        }
        return try result.get()
    }

    /// Runs `body` in a write transaction of its own (rolled back when it throws) on the writer thread.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws(VerifierError) -> T) async throws(VerifierError) -> T {
        let result: Result<T, VerifierError> = await withCheckedContinuation { continuation in
            let job = Job.transaction { connection in
                let result = Result { () throws(VerifierError) -> T in
                    try connection.transaction { () throws(VerifierError) -> T in try body(connection) }
                }
                let committed = if case .success = result { true } else { false }
                return (committed, { continuation.resume(returning: result) })
            }
            if !queue.push([job]) { continuation.resume(returning: .failure(Self.busy)) }
        }
        return try result.get()
    }

    /// What `SQLiteConnection.checkWritable` checks, without a turn on the writer thread: the file at the path is
    /// still the one opened, and SQLite did not open it read-only. `/healthz` and Status-Server need no key, so this
    /// must cost a flood of them nothing the decisions pay for (no job between group commits, no lock, no write). A
    /// file made read-only after the start is caught by the next commit, which fails and is remembered by health.
    func probe() throws(VerifierError) {
        try identity.check(path)
        if openedReadOnly {
            throw .storage("the database file \(path) can only be read (its mode, an immutable flag or a read-only mount)")
        }
    }

    private static let busy = VerifierError.unavailable("too many writes are waiting for the database")

    // MARK: The writer thread

    private typealias Group = [(decisions: [Decision], answer: @Sendable (Result<[Bool], VerifierError>) -> Void)]

    /// One round: runs of consecutive decisions become groups, other writes their own transactions, in order.
    private static func run(_ jobs: [Job], on connection: SQLiteConnection, counters: StoreCounters, fault: CommitFault) {
        var group: Group = []
        for job in jobs {
            switch job {
            case .decisions(let decisions, let answer):
                group.append((decisions, answer))
            case .transaction(let write):
                commit(group, on: connection, counters: counters, fault: fault)
                group = []
                let start = ContinuousClock.now
                let (committed, answer) = write(connection)
                if committed { counters.committed(decisions: 0, duration: .now - start) }
                answer()
            }
        }
        commit(group, on: connection, counters: counters, fault: fault)
    }

    /// One transaction for the whole group, one COMMIT, then the answers.
    private static func commit(_ group: Group, on connection: SQLiteConnection, counters: StoreCounters, fault: CommitFault) {
        guard !group.isEmpty else { return }
        func fail(_ error: VerifierError) { for member in group { member.answer(.failure(error)) } }
        let start = ContinuousClock.now
        do {
            try connection.checkWritable()
            try connection.execute("BEGIN IMMEDIATE")
        } catch {
            return fail(error)
        }
        var outcomes: [[Bool]] = []
        outcomes.reserveCapacity(group.count)
        do {
            for member in group {
                var matched: [Bool] = []
                for decision in member.decisions { matched.append(try connection.apply(decision)) }
                outcomes.append(matched)
            }
        } catch {
            try? connection.execute("ROLLBACK")
            // A statement that failed costs only its own caller: the others go again, each alone.
            guard group.count > 1 else { return fail(error) }
            for member in group { commit([member], on: connection, counters: counters, fault: fault) }
            return
        }
        do {
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            return fail(error)
        }
        // One decision per caller, however many rows it wrote: a refused login writes each of its user's tokens, and
        // a count of rows on the public /metrics would tell how many tokens a refused user owns.
        let decisionCommits = counters.committed(decisions: outcomes.count, duration: .now - start)
        fault.afterDecisionCommit(decisionCommits)
        for (member, matched) in zip(group, outcomes) { member.answer(.success(matched)) }
    }
}
