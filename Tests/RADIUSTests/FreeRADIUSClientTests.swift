import Foundation
import NIOCore
import RADIUS
import RADIUSServer
import Testing
import TestSupport

/// The server against FreeRADIUS's own clients (Debian's freeradius-utils): radtest, which sends no
/// Message-Authenticator, and radclient, which sends one when the request lists it and checks the reply's Response
/// Authenticator and Message-Authenticator itself.
@Suite struct FreeRADIUSClientTests {
    static let secret = "s3cr3t-shared"

    static func tool(_ name: String) throws -> String {
        try #require(Subprocess.which(name), "\(name) is missing: `make test` installs it (apt-get install freeradius-utils)")
    }

    /// radclient with `input` (one request), verbose, one try: prints what it sent and received. The timeout only
    /// bounds a failing test (an answer ends radclient at once); it is long because `make test` runs many suites at
    /// once on few cores.
    static func radclient(_ address: SocketAddress, _ command: String, input: String, secret: String = secret,
                          timeoutSeconds: Int = 20) async throws -> ToolResult {
        try await runTool(try tool("radclient"), ["-x", "-r", "1", "-t", String(timeoutSeconds), "127.0.0.1:\(address.port!)", command, secret],
                          input: input)
    }

    /// Decisions run on the server's own threads, not Swift's cooperative pool: with every cooperative thread blocked,
    /// radclient still gets its answer within its 2 s timeout (a NAS would otherwise retransmit or fail over).
    @Test func aBlockedCooperativePoolDelaysNoAnswer() async throws {
        let radclient = try Self.tool("radclient")
        try await withRADIUSServer(clients: [TestClients.loopback(name: "radclient")]) { _, address in
            let blockers = 2 * System.coreCount
            let release = DispatchSemaphore(value: 0)
            for _ in 0..<blockers { Task.detached { release.wait() } }
            let result: ToolResult = try await withCheckedThrowingContinuation { continuation in
                Thread {
                    let result = Result {
                        try runToolBlocking(radclient, ["-x", "-r", "1", "-t", "2", "127.0.0.1:\(address.port!)", "auth", Self.secret],
                                            input: "User-Name = \"alice\"\nUser-Password = \"123456\"\nMessage-Authenticator = 0x00\n")
                    }
                    for _ in 0..<blockers { release.signal() }
                    continuation.resume(with: result)
                }.start()
            }
            #expect(result.stdout.contains("Received Access-Accept"), "\(result.stdout)\(result.stderr)")
        }
    }

    @Test func radtestGetsAcceptAndReject() async throws {
        let radtest = try Self.tool("radtest")
        let client = TestClients.loopback(name: "radtest", messageAuthenticator: .notRequired)
        let authenticator = TestAuthenticator()
        try await withRADIUSServer(clients: [client], authenticator: authenticator) { server, address in
            let accepted = try await runTool(radtest, ["alice", "123456", "127.0.0.1:\(address.port!)", "0", Self.secret])
            #expect(accepted.stdout.contains("Received Access-Accept"), "\(accepted.stdout)\(accepted.stderr)")
            #expect(accepted.status == 0)
            let rejected = try await runTool(radtest, ["alice", "999999", "127.0.0.1:\(address.port!)", "0", Self.secret])
            #expect(rejected.stdout.contains("Received Access-Reject"), "\(rejected.stdout)\(rejected.stderr)")
            #expect(rejected.status != 0)
            #expect(authenticator.calls.map(\.userName) == ["alice", "alice"])
            #expect(authenticator.calls.first?.password.text == "123456")
            // radtest retries after 3 s; on a busy machine a retry may meet its request still being decided.
            let metrics = server.metrics.snapshot()
            #expect(metrics.droppedTotal == metrics.dropped(.duplicateInProgress))
        }
    }

    @Test func radclientWithMessageAuthenticatorAndProxyState() async throws {
        try await withRADIUSServer(clients: [TestClients.loopback(name: "radclient")]) { server, address in
            let input = """
                User-Name = "alice"
                User-Password = "123456"
                Message-Authenticator = 0x00
                Proxy-State = 0x6f6e65
                Proxy-State = 0x74776f

                """
            let result = try await Self.radclient(address, "auth", input: input)
            let output = result.stdout + result.stderr
            #expect(result.status == 0, "\(output)")
            let received = try #require(output.range(of: "Received Access-Accept"), "\(output)")
            let reply = output[received.lowerBound...]
            #expect(reply.contains("Message-Authenticator = 0x"), "\(output)")
            let one = try #require(reply.range(of: "Proxy-State = 0x6f6e65"), "\(output)")
            let two = try #require(reply.range(of: "Proxy-State = 0x74776f"), "\(output)")
            #expect(one.lowerBound < two.lowerBound, "Proxy-State echoed in order")
            #expect(server.metrics.snapshot().decisions(.accepted) == 1)
        }
    }

    @Test func radclientWithAWrongSecretGetsNoAnswer() async throws {
        let authenticator = TestAuthenticator()
        try await withRADIUSServer(clients: [TestClients.loopback(name: "radclient")], authenticator: authenticator) { server, address in
            let input = "User-Name = \"alice\"\nUser-Password = \"123456\"\nMessage-Authenticator = 0x00\n"
            let result = try await Self.radclient(address, "auth", input: input, secret: "not-the-secret", timeoutSeconds: 1)
            let output = result.stdout + result.stderr
            #expect(!output.contains("Received"), "\(output)")
            #expect(result.status != 0)
            #expect(server.metrics.snapshot().dropped(.badMessageAuthenticator) >= 1)
            #expect(server.metrics.snapshot().repliesSent == 0)
            #expect(authenticator.callCount == 0)
        }
    }

    @Test func radclientStatusServerIsAnswered() async throws {
        let authenticator = TestAuthenticator()
        try await withRADIUSServer(clients: [TestClients.loopback(name: "monitor")], authenticator: authenticator) { server, address in
            let result = try await Self.radclient(address, "status", input: "Message-Authenticator = 0x00\n")
            let output = result.stdout + result.stderr
            #expect(output.contains("Received Access-Accept"), "\(output)")
            #expect(result.status == 0)
            #expect(server.metrics.snapshot().statusServerAnswered == 1)
            #expect(authenticator.callCount == 0)
        }
    }

    @Test func radclientChallengeThenAcceptWithState() async throws {
        try await withRADIUSServer(clients: [TestClients.loopback(name: "radclient")]) { server, address in
            let first = try await Self.radclient(address, "auth", input: """
                User-Name = "alice"
                User-Password = "challenge"
                Message-Authenticator = 0x00

                """)
            let output = first.stdout + first.stderr
            let received = try #require(output.range(of: "Received Access-Challenge"), "\(output) \(server.metrics.snapshot())")
            let reply = String(output[received.lowerBound...])
            #expect(reply.contains("Reply-Message = \"Enter the next code\""), "\(output)")
            let stateLine = try #require(reply.split(separator: "\n").first { $0.contains("State = 0x") }, "\(output)")
            let state = try #require(stateLine.split(separator: "=").last).trimmingCharacters(in: .whitespaces)
            #expect(state == "0x01020304")

            let second = try await Self.radclient(address, "auth", input: """
                User-Name = "alice"
                User-Password = "654321"
                State = \(state)
                Message-Authenticator = 0x00

                """)
            #expect((second.stdout + second.stderr).contains("Received Access-Accept"), "\(second.stdout)\(second.stderr)")
        }
    }
}
