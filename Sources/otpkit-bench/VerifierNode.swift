import Foundation
import TestSupport

/// One `otpkit verifier serve` process of a benchmark, on loopback ports it picked itself, stopped with `stop()`.
struct VerifierNode {
    let process: Process
    let httpPort: Int
    /// Set when started with RADIUS.
    let radiusPort: Int?
    /// The server's standard output, read until it said where it listens.
    private let output: Pipe

    /// Starts a node on `database` and waits until it says where it listens: HTTP, and RADIUS too when `radius`.
    static func start(database: String, key: String, environment: [String: String], radius: Bool) throws -> VerifierNode {
        let process = Process()
        let arguments = ["verifier", "serve", "--db", database, "--key-file", key, "--listen", "127.0.0.1:0",
                         "--audit-log", "/dev/null"] + (radius ? ["--radius-listen", "127.0.0.1:0"] : [])
        // `OTPKIT_BENCH_NODE_WRAPPER="COMMAND ARGS"`: each node runs as `COMMAND ARGS OTPKIT-PATH verifier serve ...`
        // (a profiler, `taskset`, another build of otpkit; see docs/benchmarks.md).
        let wrapper = ProcessInfo.processInfo.environment["OTPKIT_BENCH_NODE_WRAPPER"].map { $0.split(separator: " ").map(String.init) } ?? []
        if let program = wrapper.first {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [program] + wrapper.dropFirst() + [ProjectPaths.otpkit.path] + arguments
        } else {
            process.executableURL = ProjectPaths.otpkit
            process.arguments = arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var text = ""
        func port(after prefix: String) -> Int? {
            text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.split(separator: ":").last!) }
        }
        while port(after: "listening on ") == nil || (radius && port(after: "radius listening on ") == nil) || !text.hasSuffix("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                process.terminate()
                process.waitUntilExit()
                throw TestProcessFailure("the server did not start: \(text)")
            }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return VerifierNode(process: process, httpPort: port(after: "listening on ")!,
                            radiusPort: radius ? port(after: "radius listening on ") : nil, output: output)
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    /// A figure of the node's public `/metrics` (0 when absent).
    func metric(_ name: String) -> Double {
        let text = (try? HTTPTestClient(port: httpPort).send("GET", "/metrics").body) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last!) } ?? 0
    }
}

struct TestProcessFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// PostgreSQL round trips made by a set of nodes (their pools' statement counters), to tell what a load cost each.
struct DatabaseRoundTrips {
    var statements: Double
    var seconds: Double

    init(_ nodes: [VerifierNode]) {
        statements = nodes.map { $0.metric("otpkit_db_statement_seconds_count") }.reduce(0, +)
        seconds = nodes.map { $0.metric("otpkit_db_statement_seconds_sum") }.reduce(0, +)
    }

    /// `; 2.00 statements per request, 0.35 ms each on average` for the round trips made since `earlier`.
    func perRequest(since earlier: DatabaseRoundTrips, requests: Double) -> String {
        let statements = self.statements - earlier.statements
        guard statements > 0, requests > 0 else { return "" }
        return String(format: "; %.2f statements per request, %.2f ms each on average",
                      statements / requests, (seconds - earlier.seconds) / statements * 1000)
    }
}
