import Foundation
import TestSupport

/// `otpkit-bench cluster`: durable verify requests over HTTP on loopback, from wrk, against `otpkit verifier serve`
/// processes: one node on SQLite, one node on PostgreSQL, and two nodes sharing one PostgreSQL database (one wrk per
/// node, at the same time), each at 16 and at 64 connections. Every request carries the next valid code of its token,
/// so each is a committed decision. The disk's own fdatasync rate, measured first in the same folder, is the anchor;
/// the HOTP figures against liboath come before.
enum ClusterBenchmark {
    static let tokens = 256

    static func run(sqliteOnly: Bool = false, postgresNodes: [Int] = [1, 2], cpus: CPUPlan? = nil) async throws {
        guard let wrk = WrkLoad.findWrk() else {
            print("wrk is not installed (apt-get install wrk)")
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-cluster-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let codes = try BenchmarkDatabase.codes()
        let key = folder.appendingPathComponent("master.key").path
        if let cpus {
            try CPUAffinity.pin(getpid(), to: cpus.client)
            print("pinned: \(cpus)")
        }
        // The HOTP targets' anchors (liboath, in CPU time) first, so that one run prints every ratio of issue 13.
        try HOTPBenchmark.run()
        print("")
        let anchor = try FdatasyncAnchor.measure(in: folder)
        print(String(format: "disk anchor: %.0f fdatasyncs/s (4 KiB overwrite + fdatasync, in %@)", anchor, folder.deletingLastPathComponent().path))

        let sqlite = BenchmarkDatabase(location: folder.appendingPathComponent("verifier.sqlite").path, environment: [:], keyFile: key)
        try await measure("SQLite, one node", sqlite, nodes: 1, codes: codes, wrk: wrk, folder: folder, anchor: anchor, cpus: cpus)
        // `otpkit-bench cluster --sqlite-only`: the embedded store alone.
        if sqliteOnly { return }

        let cluster = try PostgresCluster()
        if let cpus, let postmaster = cluster.postmaster { try CPUAffinity.pin(postmaster, to: cpus.postgres, children: true) }
        for nodes in postgresNodes {
            let database = BenchmarkDatabase(location: try cluster.createDatabase(), environment: cluster.environment, keyFile: key)
            try await measure("PostgreSQL, \(nodes) node\(nodes == 1 ? "" : "s")", database, nodes: nodes, codes: codes, wrk: wrk, folder: folder,
                              anchor: anchor, cluster: cluster, cpus: cpus)
        }
    }

    /// Starts `nodes` nodes on `database` (several: sharing it) and loads each from its own wrk over its own share of
    /// the tokens. On PostgreSQL (`cluster`), the database's own count of commits (`pg_stat_database.xact_commit`)
    /// gives commits per second and per accepted verify.
    static func measure(_ label: String, _ database: BenchmarkDatabase, nodes count: Int, codes: [String], wrk: String, folder: URL,
                        anchor: Double, cluster: PostgresCluster? = nil, cpus: CPUPlan? = nil) async throws {
        try database.seed(tokens: tokens, users: 0, folder: folder)
        let apiKey = try database.createVerifyKey()
        let nodes = try (0..<count).map { _ in
            try VerifierNode.start(database: database.location, key: database.keyFile, environment: database.environment, radius: false)
        }
        defer { for node in nodes { node.stop() } }
        if let cpus {
            for (index, node) in nodes.enumerated() { try CPUAffinity.pin(node.process.processIdentifier, to: cpus.cpus(ofNode: index, of: count)) }
        }
        let postmaster = cluster?.postmaster
        for connections in [16, 64] {
            // Each load goes on from the tokens' counters, so the second one's codes are next codes too.
            let counters = try await database.counters(prefix: "t")
            let acceptedBefore = try await database.acceptedCodes(prefix: "t")
            let before = DatabaseRoundTrips(nodes)
            let costBefore = ServerCost(nodes, postmaster: postmaster)
            let storeCommitsBefore = StoreCommits(nodes)
            let databaseName = PostgresCluster.databaseName(in: database.location)
            let commitsBefore = try await cluster?.committedTransactions(in: databaseName)
            let statementsBefore = try cluster?.statements(in: databaseName)
            var figures = try WrkLoad.run(wrk, ports: nodes.map(\.httpPort), tokens: tokens, prefix: "t", nextCodes: counters, apiKey: apiKey,
                                          codes: codes, connections: connections, folder: folder)
            let roundTrips = DatabaseRoundTrips(nodes).perRequest(since: before, requests: figures.requests)
            let cost = ServerCost(nodes, postmaster: postmaster).perRequest(since: costBefore, requests: figures.requests, postgres: postmaster != nil,
                                                                           roundTrips: false)
            // Counted before the counters are read again (that read is a commit of its own, after the load).
            var committed: Double?, statements: Double?
            if let cluster, let commitsBefore, let statementsBefore {
                statements = Double(try cluster.statements(in: databaseName) - statementsBefore)
                committed = Double(try await cluster.committedTransactions(in: databaseName) - commitsBefore)
            }
            figures.accepted = try await database.acceptedCodes(prefix: "t") - acceptedBefore
            var commits = ""
            if let committed, let statements, figures.rate > 0, figures.accepted > 0 {
                commits = String(format: "; %.0f commits/s (xact_commit), %.2f commits and %.2f statements (pg_stat_statements) per accepted verify",
                                 committed / (figures.requests / figures.rate), committed / figures.accepted, statements / figures.accepted)
            }
            print(String(format: "%@, %d connections: %.0f durable verify requests/s (%.2fx the disk's fdatasync rate), p50 %.2f ms, p99 %.2f ms; %.1f%% were accepted codes",
                         label, connections, figures.rate, figures.rate / anchor, figures.p50, figures.p99, figures.acceptedPercent) + roundTrips + commits
                  + StoreCommits(nodes).perSecond(since: storeCommitsBefore, requests: figures.requests, rate: figures.rate, anchor: anchor) + cost)
        }
    }
}
