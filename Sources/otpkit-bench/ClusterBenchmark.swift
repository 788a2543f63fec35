import Foundation
import OTPCore
import TestSupport
import Verifier
import VerifierPostgres
import VerifierStorage

/// `otpkit-bench cluster`: durable verify requests over HTTP on loopback, from wrk, against `otpkit verifier serve`
/// processes: one node on SQLite, one node on PostgreSQL, and two nodes sharing one PostgreSQL database (one wrk per
/// node, at the same time). Every request carries the next valid code of its token, so each is a committed decision.
enum ClusterBenchmark {
    static let tokens = 256
    static let rfcHex = "3132333435363738393031323334353637383930"

    static func run() throws {
        guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile) else {
            print("wrk is not installed (apt-get install wrk)")
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-cluster-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let seeds = folder.appendingPathComponent("seeds.json").path
        try Data(("[" + (0..<tokens).map { "{\"serial\":\"t\($0)\",\"secretHex\":\"\(rfcHex)\"}" }.joined(separator: ",") + "]").utf8)
            .write(to: URL(fileURLWithPath: seeds))
        let codes = try (0..<20_000).map { try HOTP(secret: Secret(hex: rfcHex)).code(counter: UInt64($0)) }
        let key = folder.appendingPathComponent("master.key").path

        let sqlite = folder.appendingPathComponent("verifier.sqlite").path
        try measure("SQLite, one node", databases: [sqlite], environment: [:], key: key, seeds: seeds, codes: codes, wrk: wrk, folder: folder)

        let cluster = try PostgresCluster()
        for nodes in [1, 2] {
            let url = try cluster.createDatabase()
            try measure("PostgreSQL, \(nodes) node\(nodes == 1 ? "" : "s")", databases: Array(repeating: url, count: nodes),
                        environment: cluster.environment, key: key, seeds: seeds, codes: codes, wrk: wrk, folder: folder)
        }
    }

    /// Starts one node per entry of `databases` (the same database twice: two nodes sharing it) and loads each from
    /// its own wrk over its own half of the tokens.
    static func measure(_ label: String, databases: [String], environment: [String: String], key: String, seeds: String,
                        codes: [String], wrk: String, folder: URL) throws {
        let otpkit = ProjectPaths.otpkit.path
        let common = ["--db", databases[0], "--key-file", key]
        _ = try Subprocess.run(otpkit, ["verifier", "import", seeds] + common, environment: environment)
        let apiKey = try Subprocess.run(otpkit, ["verifier", "keys", "create", "--role", "verify"] + common, environment: environment)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let servers = try databases.map { database in try startServer(otpkit, database: database, key: key, environment: environment) }
        defer { for server in servers { server.process.terminate(); server.process.waitUntilExit() } }
        let statementsBefore = servers.map { metric($0.port, "otpkit_db_statement_seconds_count") }
        let share = tokens / servers.count
        let runs = try servers.enumerated().map { index, server in
            try startWrk(wrk, port: server.port, firstToken: index * share, tokenCount: share, apiKey: apiKey, codes: codes,
                         connections: 16 / servers.count, script: folder.appendingPathComponent("node\(index).lua").path)
        }
        var requests = 0.0, rate = 0.0, p50 = 0.0, p99 = 0.0
        for run in runs {
            let output = String(decoding: run.pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            run.process.waitUntilExit()
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("WRK ") }) else { print(output); continue }
            let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
            requests += fields[0]
            rate += fields[0] / (fields[3] / 1e6)
            p50 = max(p50, fields[1])
            p99 = max(p99, fields[2])
        }
        let statements = zip(servers, statementsBefore).map { metric($0.port, "otpkit_db_statement_seconds_count") - $1 }.reduce(0, +)
        let statementSeconds = servers.map { metric($0.port, "otpkit_db_statement_seconds_sum") }.reduce(0, +)
        let accepted = try acceptedCodes(databases[0], environment: environment)
        print(String(format: "%@: %.0f durable verify requests/s, p50 %.2f ms, p99 %.2f ms; %.1f%% were accepted codes",
                     label, rate, p50 / 1000, p99 / 1000, accepted / requests * 100)
              + (databases[0].hasPrefix("postgres") ? String(format: "; %.2f statements per request, %.2f ms each on average", statements / requests, statementSeconds / statements * 1000) : ""))
    }

    struct Running {
        let process: Process
        let port: Int
        let pipe: Pipe
    }

    static func startServer(_ otpkit: String, database: String, key: String, environment: [String: String]) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: otpkit)
        process.arguments = ["verifier", "serve", "--db", database, "--key-file", key, "--listen", "127.0.0.1:0",
                             "--audit-log", "/dev/null"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var text = ""
        while !text.contains("listening on ") || !text.hasSuffix("\n") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { throw TestProcessFailure("the server did not start: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let line = text.split(separator: "\n").first { $0.hasPrefix("listening on ") }!
        return Running(process: process, port: Int(line.split(separator: ":").last!)!, pipe: pipe)
    }

    /// wrk with a script in which each thread walks its own tokens, in order, so every code is a token's next one.
    static func startWrk(_ wrk: String, port: Int, firstToken: Int, tokenCount: Int, apiKey: String, codes: [String],
                         connections: Int, script: String) throws -> Running {
        let lua = """
        local codes = {\(codes.map { "\"\($0)\"" }.joined(separator: ","))}
        local threads = 0
        function setup(thread) thread:set("id", threads); threads = threads + 1 end
        function init(args) first = \(firstToken) + id * \(tokenCount / 2); step = 0 end
        function request()
          local token = first + (step % \(tokenCount / 2)); step = step + 1
          local index = math.floor((step - 1) / \(tokenCount / 2)) + 1
          return wrk.format("POST", "/v1/verify", {["Authorization"] = "Bearer \(apiKey)", ["Content-Type"] = "application/json"},
            '{"token":"t' .. token .. '","code":"' .. codes[index] .. '"}')
        end
        function done(summary, latency, requests)
          io.write(string.format("WRK %d %.0f %.0f %.0f\\n", summary.requests, latency:percentile(50), latency:percentile(99), summary.duration))
        end
        """
        try lua.write(toFile: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t2", "-c\(max(2, connections))", "-d10s", "-s", script, "http://127.0.0.1:\(port)/v1/verify"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        return Running(process: process, port: port, pipe: pipe)
    }

    static func metric(_ port: Int, _ name: String) -> Double {
        let text = (try? HTTPTestClient(port: port).send("GET", "/metrics").body) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last!) } ?? 0
    }

    /// The number of codes accepted: the sum of the tokens' counters.
    static func acceptedCodes(_ database: String, environment: [String: String]) throws -> Double {
        let store: any TokenStore = database.hasPrefix("postgres")
            ? PostgresTokenStore(pool: PostgresPool(try PostgresLocation(url: database, environment: environment)))
            : try SQLiteTokenStore(path: database)
        return Double(try store.allTokens().reduce(0) { $0 + Int($1.counter) })
    }
}

struct TestProcessFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
