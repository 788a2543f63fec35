import Foundation
import MasterKeys
import NIOCore
import OTPCore
import RADIUS
import RADIUSServer
import Testing
import TestSupport
import Verification
import VerifierServer
import VerifierStorage

/// The verification server's RADIUS front end in process: logins by user on a real SQLite store through real UDP,
/// each decided exactly once across retransmits, with resync challenges, drops counted in /metrics and audit lines
/// that name the user and token but never the password.
@Suite struct VerifierFrontEndTests {
    static let rfcSecret = try! Secret(bytes: Array("12345678901234567890".utf8))
    static func code(_ counter: UInt64) -> String { try! HOTP(secret: rfcSecret).code(counter: counter) }

    /// A verifier with token t1 (RFC 4226 key) owned by alice, the client `local` on 127.0.0.1, and the server
    /// answering HTTP and RADIUS on free ports around `body`.
    struct Node {
        let verifier: Verifier
        let radius: SocketAddress
        let httpPort: Int
        /// The metrics listener (the detailed view).
        let metricsPort: Int
        let auditPath: String
    }

    static func withNode(_ body: (Node) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-radius-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let verifier = Verifier(store: try SQLiteTokenStore(path: folder.appendingPathComponent("v.sqlite").path),
                                keyring: MasterKeyring(current: MasterKey.generate()))
        try await verifier.add([try verifier.makeToken(id: "t1", secret: rfcSecret, user: "alice")])
        try await verifier.administration.addRADIUSClient(name: "local", address: "127.0.0.1", secret: try Secret(bytes: Array("s3cr3t-shared".utf8)),
                                     messageAuthenticator: .required)
        let auditPath = folder.appendingPathComponent("audit.log").path
        try Data().write(to: URL(fileURLWithPath: auditPath))
        var options = VerifierHTTPServer.Options()
        options.port = 0
        options.radius = RADIUSListener(host: "127.0.0.1", port: 0)
        options.metricsHost = "127.0.0.1"
        let server = VerifierHTTPServer(verifier: verifier, keys: try SQLiteAPIKeyStore(path: folder.appendingPathComponent("v.sqlite").path),
                                        options: options, auditLog: try FileHandle(forWritingTo: URL(fileURLWithPath: auditPath)))
        let (events, announce) = AsyncStream<(String, String)>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.run(onListening: { announce.yield(("http", $0)) }, onMetricsListening: { announce.yield(("metrics", $0)) },
                                     onRADIUSListening: { announce.yield(("radius", $0)) })
            }
            var addresses: [String: String] = [:]
            for await (kind, address) in events {
                addresses[kind] = address
                if addresses.count == 3 { break }
            }
            let radius = try #require(addresses["radius"]?.split(separator: ":").last.flatMap { Int($0) })
            let http = try #require(addresses["http"]?.split(separator: ":").last.flatMap { Int($0) })
            let metrics = try #require(addresses["metrics"]?.split(separator: ":").last.flatMap { Int($0) })
            do {
                try await body(Node(verifier: verifier, radius: try SocketAddress(ipAddress: "127.0.0.1", port: radius), httpPort: http, metricsPort: metrics, auditPath: auditPath))
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    /// GET /metrics on `port`, the blocking client on a thread of its own: it must not hold one of the cooperative
    /// pool's threads while the server in this process needs them to answer (on a loaded 2-core machine it waited out
    /// its 30 s timeout).
    static func metrics(port: Int) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try HTTPTestClient(port: port).send("GET", "/metrics").body }) }.start()
        }
    }

    static func request(_ password: String, user: String = "alice", identifier: UInt8 = 1, state: [UInt8]? = nil,
                        authenticator: [UInt8] = RADIUSClientCodec.randomAuthenticator()) throws -> [UInt8] {
        try RADIUSClientCodec.accessRequest(identifier: identifier, requestAuthenticator: authenticator, userName: user,
                                            password: try RADIUSPassword(password), state: state, secret: TestClients.secret)
    }

    static func reply(to request: [UInt8], _ datagram: [UInt8]?) async throws -> RADIUSPacket {
        let sent = try RADIUSPacket(decoding: request)
        return try RADIUSClientCodec.verifyReply(try #require(datagram, "no answer"), identifier: sent.identifier,
                                                 requestAuthenticator: sent.authenticator, secret: TestClients.secret)
    }

    /// A retransmit (same source port, Identifier and Request Authenticator) gets the very same reply and no second
    /// decision; a new request with the same code is a replay.
    @Test func aRetransmitIsAnsweredFromTheCacheAndANewRequestWithTheSameCodeIsAReplay() async throws {
        try await Self.withNode { node in
            let client = try await UDPTestClient(server: node.radius)
            defer { Task { await client.close() } }
            let first = try Self.request(Self.code(0), identifier: 7)
            let answer = try await client.exchange(first)
            #expect(try await Self.reply(to: first, answer).code == .accessAccept)
            let again = try await client.exchange(first)
            #expect(again == answer, "the retransmit gets the cached reply, byte for byte")
            let token = try #require(try await node.verifier.administration.token(id: "t1"))
            #expect(token.counter == 1 && token.version == 1, "one decision, one write (version \(token.version))")
            let replay = try Self.request(Self.code(0), identifier: 8)
            #expect(try await Self.reply(to: replay, try await client.exchange(replay)).code == .accessReject)
            let next = try Self.request(Self.code(1), identifier: 9)
            #expect(try await Self.reply(to: next, try await client.exchange(next)).code == .accessAccept)
            let audit = try String(contentsOfFile: node.auditPath, encoding: .utf8)
            #expect(audit.contains("action=radius token=t1 user=alice client=local outcome=accepted"), "\(audit)")
            #expect(audit.contains("action=radius token=- user=alice client=local outcome=replay"), "\(audit)")
            #expect(!audit.contains(Self.code(0)) && !audit.contains(Self.code(1)), "no code in the audit log")
        }
    }

    /// A code beyond the look-ahead window starts an auto-resync: Access-Challenge with State and Reply-Message; the
    /// next code with that State is accepted. A forged State is refused.
    @Test func anAutoResyncIsAChallengeAndItsAnswerCompletesIt() async throws {
        try await Self.withNode { node in
            let client = try await UDPTestClient(server: node.radius)
            defer { Task { await client.close() } }
            let far = try Self.request(Self.code(40), identifier: 1)
            let challenge = try await Self.reply(to: far, try await client.exchange(far))
            #expect(challenge.code == .accessChallenge)
            let state = try #require(challenge.values(of: .state).first)
            #expect(challenge.values(of: .replyMessage).first.map { String(decoding: $0, as: UTF8.self) }?.contains("next code") == true)
            var forged = state
            forged[forged.count - 1] ^= 0x01
            let wrongState = try Self.request(Self.code(41), identifier: 2, state: forged)
            #expect(try await Self.reply(to: wrongState, try await client.exchange(wrongState)).code == .accessReject)
            let answer = try Self.request(Self.code(41), identifier: 3, state: state)
            #expect(try await Self.reply(to: answer, try await client.exchange(answer)).code == .accessAccept)
            #expect(try await node.verifier.administration.token(id: "t1")?.counter == 42)
        }
    }

    /// Malformed packets and packets from a client that signs with another secret are dropped without an answer and
    /// counted; the listener goes on answering. The public /metrics has only their sum (a reason would tell a prober
    /// whether its address is a configured client); the metrics listener has each reason.
    @Test func droppedPacketsAreCountedInMetricsAndTheListenerGoesOn() async throws {
        try await Self.withNode { node in
            let client = try await UDPTestClient(server: node.radius)
            defer { Task { await client.close() } }
            let valid = try Self.request(Self.code(0), identifier: 1)
            var lying = valid
            lying[3] = 0xFF  // a Length beyond the datagram
            let wrongSecret = try RADIUSClientCodec.accessRequest(identifier: 2, userName: "alice", password: try RADIUSPassword(Self.code(0)),
                                                                  secret: TestClients.wrongSecret)
            for garbage in [lying, [UInt8](repeating: 0, count: 5), Array(valid.prefix(30)), wrongSecret] {
                #expect(try await client.exchange(garbage, timeout: .milliseconds(300)) == nil)
            }
            #expect(try await Self.reply(to: valid, try await client.exchange(valid)).code == .accessAccept, "still answering, the code unspent")
            let publicText = try await Self.metrics(port: node.httpPort)
            #expect(publicText.contains("otpkit_radius_dropped_total 4\n"), "\(publicText)")
            #expect(!publicText.contains("otpkit_radius_dropped_total{"), "no drop reason on the public port: \(publicText)")
            let detailed = try await Self.metrics(port: node.metricsPort)
            #expect(detailed.contains("otpkit_radius_dropped_total{reason=\"malformed\"} 3"), "\(detailed)")
            #expect(detailed.contains("otpkit_radius_dropped_total{reason=\"bad_message_authenticator\"} 1"), "\(detailed)")
        }
    }
}
