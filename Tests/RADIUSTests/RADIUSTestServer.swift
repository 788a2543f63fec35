import NIOCore
import RADIUS
import RADIUSServer
import TestSupport
import Foundation

/// Starts a RADIUS server on 127.0.0.1 and a free port around `body`, and stops it afterwards.
func withRADIUSServer(clients: [RADIUSClient], authenticator: some RADIUSAuthenticator = TestAuthenticator(),
                      options: RADIUSServerOptions = RADIUSServerOptions(),
                      _ body: (RADIUSServer, SocketAddress) async throws -> Void) async throws {
    let server = RADIUSServer(host: "127.0.0.1", port: 0, clients: RADIUSClientList(clients), authenticator: authenticator, options: options)
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

/// Runs a program on a thread of its own, so the cooperative pool (which decides the server's requests) never blocks.
func runTool(_ executable: String, _ arguments: [String], input: String? = nil) async throws -> ProcessResult {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try Subprocess.run(executable, arguments, input: input) })
        }
    }
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
