import Foundation

/// The SQLite writer's commits and the decisions they carried, from the nodes' `/metrics`
/// (`otpkit_store_commits_total`, `otpkit_store_decisions_total`), to show the group commit at work.
struct StoreCommits {
    var commits: Double
    var decisions: Double
    /// Time spent from BEGIN to COMMIT's return, over every commit.
    var commitSeconds: Double

    init(_ nodes: [VerifierNode]) {
        commits = nodes.map { $0.metric("otpkit_store_commits_total") }.reduce(0, +)
        decisions = nodes.map { $0.metric("otpkit_store_decisions_total") }.reduce(0, +)
        commitSeconds = nodes.map { $0.metric("otpkit_store_commit_seconds_sum") }.reduce(0, +)
    }

    /// `; 812 commits/s (0.40x the disk's fdatasync rate), 5.1 decisions per commit, 0.40 ms each (BEGIN to COMMIT's
    /// return; the rest of the time the writer waited for work or for a CPU)` for the commits made since
    /// `earlier` by a load of `requests` requests at `rate` requests/s; "" where the store counts none.
    func perSecond(since earlier: StoreCommits, requests: Double, rate: Double, anchor: Double) -> String {
        let commits = self.commits - earlier.commits
        guard commits > 0, requests > 0, rate > 0 else { return "" }
        let perSecond = commits / (requests / rate)
        return String(format: "; %.0f commits/s (%.2fx the disk's fdatasync rate), %.1f decisions per commit, %.2f ms each",
                      perSecond, perSecond / anchor, (decisions - earlier.decisions) / commits, (commitSeconds - earlier.commitSeconds) / commits * 1000)
    }
}
