import NIOCore
import RADIUS
import RADIUSServer
import TestSupport
import Foundation

/// The options the tests' servers get unless a test sets its own: the duplicate cache keeps replies an hour, not the
/// default 30 s, so a test that expects a retransmit to be answered from the cache holds on a machine stalled long
/// enough for the 30 s to pass between two datagrams (seen in CI beside the QEMU guests). The window itself is
/// tested on the cache with a clock of its own (RADIUSDuplicateCacheTests).
let testServerOptions = RADIUSServerOptions(duplicateWindow: .hours(1))

/// Starts a RADIUS server on 127.0.0.1 and a free port around `body`, and stops it afterwards.
func withRADIUSServer(clients: [RADIUSClient], authenticator: some RADIUSAuthenticator = TestAuthenticator(),
                      options: RADIUSServerOptions = testServerOptions, metrics: RADIUSServerMetrics.Factories = .none,
                      _ body: (RADIUSServer, SocketAddress) async throws -> Void) async throws {
    try await withRADIUSServer(directory: RADIUSClientList(clients), authenticator: authenticator, options: options, metrics: metrics, body)
}

/// The same with a client directory of the test's own, and the health input `isReady` (Status-Server follows it).
func withRADIUSServer(directory: some RADIUSClientDirectory, authenticator: some RADIUSAuthenticator = TestAuthenticator(),
                      options: RADIUSServerOptions = testServerOptions, metrics: RADIUSServerMetrics.Factories = .none,
                      isReady: @escaping @Sendable () async -> Bool = { true },
                      _ body: (RADIUSServer, SocketAddress) async throws -> Void) async throws {
    let server = RADIUSServer(host: "127.0.0.1", port: 0, clients: directory, authenticator: authenticator, options: options,
                              isReady: isReady, metrics: metrics)
    let (addresses, listening) = AsyncStream<SocketAddress>.makeStream()
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { listening.finish() }
            try await server.run { listening.yield($0) }
        }
        var iterator = addresses.makeAsyncIterator()
        guard let address = await iterator.next() else {
            try await group.waitForAll()
            throw RADIUSTestError.serverDidNotStart
        }
        do {
            try await body(server, address)
        } catch {
            server.stop()
            throw error
        }
        server.stop()
        try await group.waitForAll()
    }
}

enum RADIUSTestError: Error {
    case serverDidNotStart
}

enum TestClients {
    static let secret = try! RADIUSSharedSecret("s3cr3t-shared")
    static let wrongSecret = try! RADIUSSharedSecret("not-the-secret")

    static func loopback(_ address: String = "127.0.0.1", name: String = "test-nas",
                         messageAuthenticator: RADIUSMessageAuthenticatorRequirement = .required) -> RADIUSClient {
        RADIUSClient(name: name, network: try! IPNetwork(address), sharedSecret: secret, messageAuthenticator: messageAuthenticator)
    }
}

/// What a program run by `runTool` printed, and how it ended.
struct ToolResult: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a program to completion on a thread of its own, its input and output through files in a temporary folder.
/// Neither a pipe reader nor the wait occupies a libdispatch worker: on Linux those also run Swift's cooperative pool,
/// which decides the server's requests, so blocking them would stall the server under test.
func runTool(_ executable: String, _ arguments: [String], input: String? = nil) async throws -> ToolResult {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try runToolBlocking(executable, arguments, input: input) })
        }
        thread.start()
    }
}

func runToolBlocking(_ executable: String, _ arguments: [String], input: String?) throws -> ToolResult {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-radius-tool-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let inURL = folder.appendingPathComponent("stdin"), outURL = folder.appendingPathComponent("stdout")
    let errURL = folder.appendingPathComponent("stderr")
    try Data((input ?? "").utf8).write(to: inURL)
    try Data().write(to: outURL)
    try Data().write(to: errURL)
    let stdin = try FileHandle(forReadingFrom: inURL), stdout = try FileHandle(forWritingTo: outURL)
    let stderr = try FileHandle(forWritingTo: errURL)
    defer { try? stdin.close(); try? stdout.close(); try? stderr.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try ProcessLaunch.run(process)
    process.waitUntilExit()
    return ToolResult(status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
}

extension [UInt8] {
    var hex: String { map { String(format: "%02x", $0) }.joined() }

    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self = bytes
    }
}
