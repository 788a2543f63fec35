import Foundation
import OTPCore
import TestSupport
import Testing

/// `otpkit verifier serve` in its own process on a free port, over a database in a temporary folder.
final class VerifierServerFixture: @unchecked Sendable {
    let folder: URL
    var process = Process()
    private(set) var port = 0
    private(set) var adminKey = ""
    let auditPath: String

    static let rfcHex = "3132333435363738393031323334353637383930"

    /// Creates the database with `tokens` HOTP tokens (ids t0, t1, ...; RFC 4226 key) and starts the server.
    init(tokens: Int = 1, extraArguments: [String] = []) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        auditPath = folder.appendingPathComponent("audit.log").path
        let seeds = (0..<tokens).map { "{\"serial\":\"t\($0)\",\"secretHex\":\"\(Self.rfcHex)\"}" }.joined(separator: ",")
        let seedFile = folder.appendingPathComponent("seeds.json")
        try Data("[\(seeds)]".utf8).write(to: seedFile)
        let imported = try cli("verifier", "import", seedFile.path)
        guard imported.status == 0 else { throw Failure(text: imported.stderr) }
        try start(extraArguments: extraArguments)
    }

    struct Failure: Error { let text: String }

    var database: String { folder.appendingPathComponent("verifier.sqlite").path }

    func cli(_ arguments: String...) throws -> ProcessResult {
        try Subprocess.run(ProjectPaths.otpkit.path, arguments + ["--db", database])
    }

    func start(extraArguments: [String] = []) throws {
        process = Process()
        process.executableURL = ProjectPaths.otpkit
        process.arguments = ["verifier", "serve", "--db", database, "--listen", "127.0.0.1:0", "--audit-log", auditPath] + extraArguments
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
