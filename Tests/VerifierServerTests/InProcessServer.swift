import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MasterKeys
import NIOCore
import OTPCore
import Verification
@testable import VerifierServer
import VerifierStorage

/// A `VerifierHTTPServer` in this process over a real SQLite database in a temporary folder, driven through
/// HummingbirdTesting's router client (no socket): tokens t0, t1, ... with the RFC 4226 key, an admin key, and the
/// audit log in a file of the folder (or any handle the test gives).
final class InProcessServer: Sendable {
    static let rfcSecret = try! Secret(bytes: Array("12345678901234567890".utf8))
    static let accepted = #"{"accepted":true}"#
    static let refused = #"{"accepted":false}"#

    let folder: URL
    let databasePath: String
    let verifier: Verifier
    let keys: SQLiteAPIKeyStore
    let server: VerifierHTTPServer
    let adminKey: String
    let auditPath: String

    init(tokens: Int = 1, options: VerifierHTTPServer.Options = .init(), auditLog: FileHandle? = nil) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        databasePath = folder.appendingPathComponent("verifier.sqlite").path
        // The store records into the server's registry, as `otpkit verifier serve` wires it.
        verifier = Verifier(store: try SQLiteTokenStore(path: databasePath, metrics: options.metrics.factories.shared),
                            keyring: MasterKeyring(current: MasterKey.generate()))
        let verifier = verifier
        try await verifier.add((0..<tokens).map { try verifier.makeToken(id: "t\($0)", secret: Self.rfcSecret) })
        keys = try SQLiteAPIKeyStore(path: databasePath)
        adminKey = try await keys.create(name: "admin", role: .admin).text
        auditPath = folder.appendingPathComponent("audit.log").path
        _ = FileManager.default.createFile(atPath: auditPath, contents: nil)
        let audit = try auditLog ?? FileHandle(forWritingTo: URL(fileURLWithPath: auditPath))
        server = VerifierHTTPServer(verifier: verifier, keys: keys, options: options, auditLog: audit)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Runs `body` against the public application (its services running, as `serve` runs them); `.live` puts it on
    /// a loopback port (the client's `port`) for clients of its own.
    func test<Value: Sendable>(_ setup: TestingSetup = .router, _ body: @escaping @Sendable (Client) async throws -> Value) async throws -> Value {
        try await server.makeApplication().test(setup) { client in try await body(Client(client: client, adminKey: self.adminKey)) }
    }

    /// Runs `body` against the metrics listener's routes (the detailed view).
    func testMetricsListener<Value: Sendable>(_ body: @escaping @Sendable (Client) async throws -> Value) async throws -> Value {
        try await Application(router: server.makeMetricsRouter()).test(.router) { client in
            try await body(Client(client: client, adminKey: self.adminKey))
        }
    }

    func createKey(role: APIKeyRole) async throws -> String { try await keys.create(name: "test-\(role)", role: role).text }

    var auditText: String { (try? String(contentsOfFile: auditPath, encoding: .utf8)) ?? "" }

    static func code(_ counter: UInt64) -> String { try! HOTP(secret: rfcSecret).code(counter: counter) }

    /// An answer as the client saw it.
    struct Answer: Sendable {
        let status: Int
        let headers: HTTPFields
        let body: String
    }

    /// The router client with the calls these tests make.
    struct Client: Sendable {
        let client: any TestClientProtocol
        let adminKey: String

        /// `key`: the API key to present (the admin key unless given; "" for none).
        func send(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil, key: String? = nil,
                  headers: HTTPFields = [:]) async throws -> Answer {
            var headers = headers
            let key = key ?? adminKey
            if !key.isEmpty { headers[.authorization] = "Bearer \(key)" }
            let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
            return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body))
        }

        func verify(token: String, code: String, key: String? = nil) async throws -> Answer {
            try await send(.post, "/v1/verify", body: "{\"token\":\"\(token)\",\"code\":\"\(code)\"}", key: key)
        }

        func login(user: String, code: String, key: String? = nil) async throws -> Answer {
            try await send(.post, "/v1/verify", body: "{\"user\":\"\(user)\",\"code\":\"\(code)\"}", key: key)
        }
    }
}

extension Answer {
    /// The error code of an error answer (`{"error": {"code": ...}}`), read as JSON.
    var errorCode: String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [String: String]] else { return nil }
        return object["error"]?["code"]
    }
}

typealias Answer = InProcessServer.Answer
