import Foundation
import RADIUS
import TestSupport

/// `otpkit-bench radius`: durable RADIUS logins against `otpkit verifier serve --radius-listen`, beside the HTTP
/// figure of the same nodes and the disk's own fdatasync rate, on SQLite (one node) and on two nodes sharing one
/// PostgreSQL database (the load split over both at once).
///
/// Every request, RADIUS or HTTP, carries its token's next code, so each is a decision committed before its answer.
/// RADIUS and HTTP walk tokens of their own (`r…` owned by users `u…`, and `t…` by id) in the same database, one
/// load after the other, each with 16 requests outstanding for 10 s.
enum RADIUSBenchmark {
    /// Tokens for HTTP, and as many users (one token each) for RADIUS.
    static let tokens = 256
    static let outstanding = 16
    static let seconds = 10

    static func run() throws {
        guard let wrk = WrkLoad.findWrk() else { throw TestProcessFailure("wrk is not installed: apt-get install wrk (make bench-radius does)") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-radius-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let codes = try BenchmarkDatabase.codes()
        let key = folder.appendingPathComponent("master.key").path

        print("otpkit-bench radius: durable logins, every request a valid next code, \(outstanding) outstanding, \(seconds) s per load; "
              + "loopback, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let anchor = try FdatasyncAnchor.measure(in: folder)
        print(String(format: "disk anchor: %.0f fdatasyncs/s (4 KiB overwrite + fdatasync, in %@)", anchor, folder.deletingLastPathComponent().path))

        let sqlite = BenchmarkDatabase(location: folder.appendingPathComponent("verifier.sqlite").path, environment: [:], keyFile: key)
        try measure("SQLite, one node", sqlite, nodes: 1, codes: codes, wrk: wrk, folder: folder, anchor: anchor)

        let cluster = try PostgresCluster()
        let postgres = BenchmarkDatabase(location: try cluster.createDatabase(), environment: cluster.environment, keyFile: key)
        try measure("PostgreSQL, two nodes sharing one database", postgres, nodes: 2, codes: codes, wrk: wrk, folder: folder, anchor: anchor)
    }

    static func measure(_ label: String, _ database: BenchmarkDatabase, nodes count: Int, codes: [String], wrk: String, folder: URL,
                        anchor: Double) throws {
        try database.seed(tokens: tokens, users: tokens, folder: folder)
        let apiKey = try database.createVerifyKey()
        let secret = Array("bench-\(UUID().uuidString)".utf8)
        try database.addRADIUSClient(name: "bench-load", secret: secret)
        let nodes = try (0..<count).map { _ in
            try VerifierNode.start(database: database.location, key: database.keyFile, environment: database.environment, radius: true)
        }
        defer { for node in nodes { node.stop() } }
        print("\(label):")

        let beforeHTTP = DatabaseRoundTrips(nodes)
        var http = try WrkLoad.run(wrk, ports: nodes.map(\.httpPort), tokens: tokens, prefix: "t", apiKey: apiKey, codes: codes,
                                   connections: outstanding, folder: folder)
        let afterHTTP = DatabaseRoundTrips(nodes)
        http.accepted = try database.acceptedCodes(prefix: "t")
        print("  HTTP (wrk):      " + http.summary + afterHTTP.perRequest(since: beforeHTTP, requests: http.requests))

        let share = tokens / nodes.count
        let targets = nodes.enumerated().map { index, node in
            RADIUSLoad.Target(port: node.radiusPort!, users: (index * share..<(index + 1) * share).map { "u\($0)" })
        }
        let radius = try RADIUSLoad.run(targets: targets, lanes: outstanding, codes: codes, secret: try RADIUSSharedSecret(bytes: secret),
                                        duration: .seconds(Int64(seconds)))
        let committed = try database.acceptedCodes(prefix: "r")
        print("  RADIUS (own):    " + radius.figures.summary + DatabaseRoundTrips(nodes).perRequest(since: afterHTTP, requests: radius.figures.requests))
        print("                   \(radius.counts); \(Int(committed)) codes committed in the database")
        print(String(format: "  ratios:          RADIUS/HTTP %.2f, RADIUS/fdatasync %.2f, HTTP/fdatasync %.2f",
                     radius.figures.rate / http.rate, radius.figures.rate / anchor, http.rate / anchor))
    }
}
