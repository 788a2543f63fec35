import Foundation

/// HTTP verify load from wrk against one node: two threads, each walking its own half of the node's tokens in
/// order, so that every request carries its token's next code (a committed decision each).
struct WrkLoad {
    let process: Process
    let output: Pipe

    static func findWrk() -> String? {
        ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile)
    }

    /// Starts wrk for 10 s with `connections` connections on tokens `prefix + n` for n in `tokens`, each token
    /// from code `nextCodes[prefix + n]` (its counter; 0 when absent) on.
    static func start(_ wrk: String, port: Int, tokens: Range<Int>, prefix: String, nextCodes: [String: Int], apiKey: String,
                      codes: [String], connections: Int, script: String, seconds: Int = 10) throws -> WrkLoad {
        let half = tokens.count / 2
        let lua = """
        local codes = {\(codes.map { "\"\($0)\"" }.joined(separator: ","))}
        local counters = {\(tokens.map { "[\($0)]=\(nextCodes[prefix + String($0)] ?? 0)" }.joined(separator: ","))}
        local threads = 0
        function setup(thread) thread:set("id", threads); threads = threads + 1 end
        function init(args) first = \(tokens.lowerBound) + id * \(half); step = 0 end
        function request()
          local token = first + (step % \(half)); step = step + 1
          local index = counters[token] + math.floor((step - 1) / \(half)) + 1
          return wrk.format("POST", "/v1/verify", {["Authorization"] = "Bearer \(apiKey)", ["Content-Type"] = "application/json"},
            '{"token":"\(prefix)' .. token .. '","code":"' .. codes[index] .. '"}')
        end
        function done(summary, latency, requests)
          io.write(string.format("WRK %d %.0f %.0f %.0f\\n", summary.requests, latency:percentile(50), latency:percentile(99), summary.duration))
        end
        """
        try lua.write(toFile: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t2", "-c\(max(2, connections))", "-d\(seconds)s", "-s", script, "http://127.0.0.1:\(port)/v1/verify"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        return WrkLoad(process: process, output: output)
    }

    /// Waits for wrk to end and reads its figures (`accepted` is left 0: the database knows it, see
    /// `BenchmarkDatabase.acceptedCodes`).
    func wait() throws -> LoadFigures {
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("WRK ") }) else {
            throw TestProcessFailure("wrk printed no figures: \(text)")
        }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count == 4, fields[3] > 0 else { throw TestProcessFailure("wrk's figures do not read: \(line)") }
        return LoadFigures(requests: fields[0], rate: fields[0] / (fields[3] / 1e6), p50: fields[1] / 1000, p99: fields[2] / 1000, accepted: 0)
    }
}

extension WrkLoad {
    /// Loads every node at once, one wrk each with `connections / nodes` connections, over tokens `prefix + n`
    /// (n below `tokens`, split evenly over the nodes, each from its counter in `nextCodes` on), and adds up their
    /// figures (`accepted` left 0).
    static func run(_ wrk: String, ports: [Int], tokens: Int, prefix: String, nextCodes: [String: Int] = [:], apiKey: String,
                    codes: [String], connections: Int, folder: URL, seconds: Int = 10) throws -> LoadFigures {
        let share = tokens / ports.count
        let loads = try ports.enumerated().map { index, port in
            try start(wrk, port: port, tokens: (index * share)..<((index + 1) * share), prefix: prefix, nextCodes: nextCodes, apiKey: apiKey,
                      codes: codes, connections: connections / ports.count, script: folder.appendingPathComponent("wrk-node\(index).lua").path,
                      seconds: seconds)
        }
        return LoadFigures.sideBySide(try loads.map { try $0.wait() })
    }
}
