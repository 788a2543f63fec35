import CoreMetrics
import Synchronization

/// What an SQLite database's writer did: commits, and the decisions they carried (decisions per commit is the
/// group commit's batch size). Recorded through swift-metrics with the factory the store was given (the server's
/// registry; none: no-op), and kept as totals (`figures`) for tests and tools.
final class StoreCounters: Sendable {
    /// The buckets `otpkit_store_commit_seconds` wants from a histogram-making factory (a commit is mostly an fsync).
    static let commitSecondsBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]
    private let commitsCounter: CoreMetrics.Counter
    private let decisionsCounter: CoreMetrics.Counter
    /// From BEGIN to COMMIT's return: mostly the fsync; beside the commits per second it tells a slow disk from a
    /// writer waiting for work.
    private let commitSeconds: CoreMetrics.Timer
    private let totals = Mutex((commits: 0, decisionCommits: 0, decisions: 0))

    init(factory: any MetricsFactory) {
        commitSeconds = CoreMetrics.Timer(label: "otpkit_store_commit_seconds", factory: factory)
        commitsCounter = CoreMetrics.Counter(label: "otpkit_store_commits_total", factory: factory)
        decisionsCounter = CoreMetrics.Counter(label: "otpkit_store_decisions_total", factory: factory)
    }

    /// Counts a commit carrying `decisions` decisions (0: another write) that took `duration` from BEGIN; returns
    /// how many commits of decisions there were so far.
    @discardableResult
    func committed(decisions: Int, duration: Duration) -> Int {
        commitsCounter.increment()
        commitSeconds.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        if decisions > 0 { decisionsCounter.increment(by: decisions) }
        return totals.withLock { totals in
            totals.commits += 1
            if decisions > 0 {
                totals.decisionCommits += 1
                totals.decisions += decisions
            }
            return totals.decisionCommits
        }
    }

    var figures: SQLiteStoreFigures {
        totals.withLock { SQLiteStoreFigures(commits: $0.commits, decisionCommits: $0.decisionCommits, decisions: $0.decisions) }
    }
}

/// Counts of an SQLite store's writes since it opened.
public struct SQLiteStoreFigures: Sendable, Equatable {
    /// Transactions committed (each one fsync of the write-ahead log).
    public var commits: Int
    /// The commits that carried decisions (verify and login outcomes, refusals).
    public var decisionCommits: Int
    /// Decisions committed: `decisions / decisionCommits` is the mean group size.
    public var decisions: Int
}
