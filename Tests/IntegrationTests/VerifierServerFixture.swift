import Foundation
import OTPCore
import TestSupport
import Testing

/// `otpkit verifier serve` in its own process on a free port, over an SQLite database in a temporary folder or
/// over a shared PostgreSQL database (`database`: a postgres:// URL, with its password in `environment`).
final class VerifierServerFixture: @unchecked Sendable {
    let folder: URL
    var process = Process()
    private(set) var port = 0
    var adminKey = ""
    /// What the server printed before it listened (the schema line, the first admin key).
    private(set) var startText = ""
    let auditPath: String
    let database: String
    let keyFile: String?
    let environment: [String: String]

    static let rfcHex = "3132333435363738393031323334353637383930"

    /// Creates the database with `tokens` HOTP tokens (ids t0, t1, ...; RFC 4226 key) and starts the server.
    /// `keyFile`: the master key to share with another node (default: one of its own).
    init(tokens: Int = 1, database: String? = nil, keyFile: String? = nil, environment: [String: String] = [:],
         extraArguments: [String] = []) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        auditPath = folder.appendingPathComponent("audit.log").path
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
        process.executableURL = ProjectPaths.otpkit
        process.arguments = ["verifier", "serve", "--listen", "127.0.0.1:0", "--audit-log", auditPath] + databaseArguments + extraArguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("listening on ") || !text.hasSuffix("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty || Date() > deadline { throw Failure(text: "the server did not start: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        startText = text
        for line in text.split(separator: "\n") {
            if line.hasPrefix("listening on "), let value = line.split(separator: ":").last.flatMap({ Int($0) }) { port = value }
            if let range = line.range(of: "otpk_") { adminKey = String(line[range.lowerBound...]) }
        }
    }

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
