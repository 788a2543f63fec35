import Foundation
import RADIUS
import TestSupport

/// `otpkit-bench radius`: durable RADIUS logins against `otpkit verifier serve --radius-listen`, beside the HTTP
/// figure of the same nodes and the disk's own fdatasync rate, on SQLite (one node) and on two nodes sharing one
/// PostgreSQL database (the load split over both at once).
///
/// Every request, RADIUS or HTTP, carries its token's next code, so each is a decision committed before its answer.
/// RADIUS and HTTP walk tokens of their own (`r…` owned by users `u…`, and `t…` by id) in the same database, each
/// load with 16 requests outstanding for 10 s (`--outstanding`, `--seconds`). The loads run in the order HTTP, RADIUS, RADIUS, HTTP, and the ratios
/// use the mean of each protocol's two rates, so that a drift over the run (a database growing, other work on the
/// machine) favours neither.
enum RADIUSBenchmark {
    /// Tokens for HTTP, and as many users (one token each) for RADIUS.
    static let tokens = 256

    enum Front: String {
        case http = "HTTP (wrk)"
        case radius = "RADIUS (own)"
    }

    static func run(outstanding: Int = 16, seconds: Int = 10, postgresNodes: [Int] = [2], cpus: CPUPlan? = nil) async throws {
        guard let wrk = WrkLoad.findWrk() else { throw TestProcessFailure("wrk is not installed: apt-get install wrk (make bench-radius does)") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-radius-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let codes = try BenchmarkDatabase.codes()
        let key = folder.appendingPathComponent("master.key").path

        print("otpkit-bench radius: durable logins, every request a valid next code, \(outstanding) outstanding, \(seconds) s per load, "
              + "loads in the order HTTP, RADIUS, RADIUS, HTTP; loopback, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        if let cpus {
            try CPUAffinity.pin(getpid(), to: cpus.client)
            print("pinned: \(cpus)")
        }
        let anchor = try FdatasyncAnchor.measure(in: folder)
        print(String(format: "disk anchor: %.0f fdatasyncs/s (4 KiB overwrite + fdatasync, in %@)", anchor, folder.deletingLastPathComponent().path))

        let sqlite = BenchmarkDatabase(location: folder.appendingPathComponent("verifier.sqlite").path, environment: [:], keyFile: key)
        try await measure("SQLite, one node", sqlite, nodes: 1, cluster: nil, codes: codes, wrk: wrk, folder: folder, anchor: anchor,
                          outstanding: outstanding, seconds: seconds, cpus: cpus)

        let cluster = try PostgresCluster()
        if let cpus, let postmaster = cluster.postmaster { try CPUAffinity.pin(postmaster, to: cpus.postgres, children: true) }
        for count in postgresNodes {
            let postgres = BenchmarkDatabase(location: try cluster.createDatabase(), environment: cluster.environment, keyFile: key)
            try await measure("PostgreSQL, \(count) node\(count == 1 ? "" : "s")\(count > 1 ? " sharing one database" : "")", postgres, nodes: count,
                              cluster: cluster, codes: codes, wrk: wrk, folder: folder, anchor: anchor, outstanding: outstanding, seconds: seconds,
                              cpus: cpus)
        }
    }

    static func measure(_ label: String, _ database: BenchmarkDatabase, nodes count: Int, cluster: PostgresCluster?, codes: [String], wrk: String,
                        folder: URL, anchor: Double, outstanding: Int, seconds: Int, cpus: CPUPlan?) async throws {
        let postmaster = cluster?.postmaster
        try database.seed(tokens: tokens, users: tokens, folder: folder)
        let apiKey = try database.createVerifyKey()
        let secret = Array("bench-\(UUID().uuidString)".utf8)
        try await database.addRADIUSClient(name: "bench-load", secret: secret)
        let nodes = try (0..<count).map { _ in
            try VerifierNode.start(database: database.location, key: database.keyFile, environment: database.environment, radius: true)
        }
        defer { for node in nodes { node.stop() } }
        if let cpus {
            for (index, node) in nodes.enumerated() { try CPUAffinity.pin(node.process.processIdentifier, to: cpus.cpus(ofNode: index, of: count)) }
        }
        print("\(label):")

        let share = tokens / nodes.count
        let radiusSecret = try RADIUSSharedSecret(bytes: secret)
        var rates: [Front: [Double]] = [:]
        for load in [Front.http, .radius, .radius, .http] {
            let prefix = load == .http ? "t" : "r"
            let counters = try await database.counters(prefix: prefix)
            let committedBefore = Double(counters.values.reduce(0, +))
            let databaseName = PostgresCluster.databaseName(in: database.location)
            let statementsBefore = try cluster?.statements(in: databaseName)
            let before = ServerCost(nodes, postmaster: postmaster)
            var figures: LoadFigures
            var counts = ""
            switch load {
            case .http:
                figures = try WrkLoad.run(wrk, ports: nodes.map(\.httpPort), tokens: tokens, prefix: prefix, nextCodes: counters,
                                          apiKey: apiKey, codes: codes, connections: outstanding, folder: folder, seconds: seconds)
            case .radius:
                let targets = nodes.enumerated().map { index, node in
                    let users = (index * share..<(index + 1) * share)
                    return RADIUSLoad.Target(port: node.radiusPort!, users: users.map { "u\($0)" }, nextCodes: users.map { counters["r\($0)"] ?? 0 })
                }
                let result = try RADIUSLoad.run(targets: targets, lanes: outstanding, codes: codes, secret: radiusSecret,
                                                duration: .seconds(Int64(seconds)))
                figures = result.figures
                counts = result.counts
            }
            var cost = ServerCost(nodes, postmaster: postmaster).perRequest(since: before, requests: figures.requests, postgres: postmaster != nil)
            if let cluster, let statementsBefore, figures.requests > 0 {
                cost += String(format: "\n                %.2f statements per request in the database (pg_stat_statements)",
                               Double(try cluster.statements(in: databaseName) - statementsBefore) / figures.requests)
            }
            let committed = try await database.acceptedCodes(prefix: prefix) - committedBefore
            // wrk cannot tell accepted answers apart: the database's count stands in, and includes the requests still
            // in flight when wrk stopped (hence a little over 100%).
            if load == .http { figures.accepted = committed }
            rates[load, default: []].append(figures.rate)
            print("  " + load.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0) + figures.summary + cost)
            if !counts.isEmpty { print("                \(counts); \(Int(committed)) codes committed in the database") }
        }
        let http = rates[.http]!.reduce(0, +) / 2, radius = rates[.radius]!.reduce(0, +) / 2
        print(String(format: "  means:        HTTP %.0f requests/s, RADIUS %.0f requests/s, fdatasync %.0f/s", http, radius, anchor))
        print(String(format: "  ratios:       RADIUS/HTTP %.2f, RADIUS/fdatasync %.2f, HTTP/fdatasync %.2f", radius / http, radius / anchor, http / anchor))
    }
}
