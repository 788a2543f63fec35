import Foundation
import OTPCore
import TestSupport
import Testing

/// `otpkit verifier serve` in its own process on a free port, over an SQLite database in a temporary folder or
/// over a shared PostgreSQL database (`database`: a postgres:// URL, with its password in `environment`).
final class VerifierServerFixture: @unchecked Sendable {
    let folder: URL
    var process = Process()
    /// The server's standard output (drained all along, so that it never blocks on a full pipe).
    private var output: ChildOutputReader?
    private(set) var port = 0
    private(set) var metricsPort: Int?
    private(set) var radiusPort: Int?
    var adminKey = ""
    /// What the server printed before it listened (the schema line, the first admin key).
    private(set) var startText = ""
    let auditPath: String
    /// The server's stderr (unless `launch.closedStderr`).
    let stderrPath: String
    var launch: Launch
    let database: String
    let keyFile: String?
    var environment: [String: String]

    static let rfcHex = "3132333435363738393031323334353637383930"

    /// How the server process is started, beyond its arguments.
    struct Launch {
        /// Where audit lines go: nil for the fixture's file `auditPath`, "" for stderr, or another path (/dev/full).
        var auditLog: String?
        /// A shell command run in the server's process before it starts, such as `ulimit -n 256`.
        var shellPrefix: String?
        /// Stderr goes to a pipe whose reading end is closed as soon as the server listens (instead of `stderrPath`).
        var closedStderr = false
    }

    /// Creates the database with `tokens` HOTP tokens (ids t0, t1, ...; RFC 4226 key) and starts the server.
    /// `keyFile`: the master key to share with another node (default: one of its own).
    init(tokens: Int = 1, database: String? = nil, keyFile: String? = nil, environment: [String: String] = [:],
         extraArguments: [String] = [], launch: Launch = Launch()) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        auditPath = folder.appendingPathComponent("audit.log").path
        stderrPath = folder.appendingPathComponent("stderr.log").path
        self.launch = launch
        self.database = database ?? folder.appendingPathComponent("verifier.sqlite").path
        self.keyFile = keyFile ?? (database == nil ? nil : folder.appendingPathComponent("master.key").path)
        self.environment = environment
        if tokens > 0 || database == nil { try importTokens(tokens) }
        try start(extraArguments: extraArguments)
    }

    /// Imports `count` HOTP tokens t0, t1, ... with the RFC 4226 key.
    private func importTokens(_ count: Int) throws {
        let seeds = (0..<count).map { "{\"serial\":\"t\($0)\",\"secretHex\":\"\(Self.rfcHex)\"}" }.joined(separator: ",")
        let seedFile = folder.appendingPathComponent("seeds.json")
        try Data("[\(seeds)]".utf8).write(to: seedFile)
        let imported = try cli("verifier", "import", seedFile.path)
        guard imported.status == 0 else { throw Failure(text: imported.stderr) }
    }

    struct Failure: Error { let text: String }

    private var databaseArguments: [String] { ["--db", database] + (keyFile.map { ["--key-file", $0] } ?? []) }

    func cli(_ arguments: String...) throws -> ProcessResult {
        try Subprocess.run(ProjectPaths.otpkit.path, arguments + databaseArguments, environment: environment)
    }

    func start(extraArguments: [String] = []) throws {
        process = Process()
        let audit: [String] = switch launch.auditLog {
        case nil: ["--audit-log", auditPath]
        case "": []
        case let path?: ["--audit-log", path]
        }
        let arguments = ["verifier", "serve", "--listen", "127.0.0.1:0"] + audit + databaseArguments + extraArguments
        if let prefix = launch.shellPrefix {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "\(prefix) && exec \"$0\" \"$@\"", ProjectPaths.otpkit.path] + arguments
        } else {
            process.executableURL = ProjectPaths.otpkit
            process.arguments = arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errors = Pipe()
        if launch.closedStderr {
            process.standardError = errors
        } else {
            _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        }
        let reader = try ChildOutputReader(launching: process, name: "otpkit verifier serve")
        output = reader
        do {
            try reader.waitForLine(startingWith: "listening on ", timeout: 20)
            if extraArguments.contains("--metrics-listen") { try reader.waitForLine(startingWith: "metrics listening on ", timeout: 20) }
            if extraArguments.contains("--radius-listen") { try reader.waitForLine(startingWith: "radius listening on ", timeout: 20) }
        } catch {
            throw Failure(text: "the server did not start: \(error)")
        }
        if launch.closedStderr {
            try? errors.fileHandleForWriting.close()
            try errors.fileHandleForReading.close()
        }
        let text = reader.output
        startText = text
        for line in text.split(separator: "\n") {
            if line.hasPrefix("listening on "), let value = line.split(separator: ":").last.flatMap({ Int($0) }) { port = value }
            if line.hasPrefix("metrics listening on "), let value = line.split(separator: ":").last.flatMap({ Int($0) }) { metricsPort = value }
            if line.hasPrefix("radius listening on "), let value = line.split(separator: ":").last.flatMap({ Int($0) }) { radiusPort = value }
            if let range = line.range(of: "otpk_") { adminKey = String(line[range.lowerBound...]) }
        }
    }

    /// What the server wrote to stderr so far.
    var stderrText: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// User and system CPU time the server process used so far, in seconds.
    var cpuSeconds: Double { ProcessStat(process.processIdentifier)?.cpuSeconds ?? .nan }

    func kill(signal: Int32 = SIGKILL) {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    func client() -> HTTPTestClient { HTTPTestClient(port: port) }

    func verify(_ client: HTTPTestClient, token: String, code: String, key: String? = nil) throws -> HTTPTestClient.Response {
        try client.send("POST", "/v1/verify", body: "{\"token\":\"\(token)\",\"code\":\"\(code)\"}",
                        headers: ["Authorization": "Bearer \(key ?? adminKey)"])
    }

    static func code(_ counter: UInt64) -> String {
        try! HOTP(secret: Secret(hex: rfcHex)).code(counter: counter)
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: folder)
    }
}
