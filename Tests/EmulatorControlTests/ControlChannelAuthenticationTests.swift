import EmulatorControl
import EmulatorServer
import Foundation
import NIOCore
import TestSupport
import Testing

/// A TCP control channel answers only clients whose first line is the token: any other first line, or none within
/// the deadline, closes the connection without an answer, and such connections take none of the 16 places.
@Suite struct ControlChannelAuthenticationTests {
    static let token = try! ControlChannelToken("s3cret-token-for-the-tests-0123")
    static let press = "{\"press\": \"1-1\"}\n"
    static let pressed = #"{"device":"1-1","slot":null,"typed":"755224"}"#

    /// A TCP channel with the test token on a free loopback port; its port.
    static func start(_ server: ControlChannelServer) async throws -> Int {
        guard case .tcp(_, let port) = try await server.start(.tcp(host: "127.0.0.1", port: 0), token: token) else {
            Issue.record("a TCP channel bound elsewhere")
            return 0
        }
        return port
    }

    @Test func aLibraryCallerCannotOpenTCPWithoutAToken() async {
        let server = ControlChannelServer(target: RecordingTarget())
        defer { server.stopWithoutWaiting() }
        await #expect(throws: ControlChannelError.tokenRequired) { try await server.start(.tcp(host: "127.0.0.1", port: 0)) }
    }

    @Test func theRightTokenIsServed() async throws {
        let server = ControlChannelServer(target: RecordingTarget())
        defer { server.stopWithoutWaiting() }
        let client = try LineClient(loopbackPort: try await Self.start(server))
        client.send("s3cret-token-for-the-tests-0123\r\n" + Self.press)
        #expect(client.readLine() == Self.pressed)
        client.send(Self.press)
        #expect(client.readLine() == Self.pressed, "the connection stays served after the token")
    }

    @Test(arguments: [
        "s3cret-token-for-the-tests-0124\n",   // wrong in the last character
        "s3cret-token-for-the-tests-012\n",    // a prefix
        "s3cret-token-for-the-tests-01234\n",  // longer
        "{\"press\": \"1-1\"}\n",             // no token: a request first
        "\n",                                   // an empty first line
        String(repeating: "x", count: 5000),    // an overlong first line, no newline
    ])
    func aWrongOrMissingTokenIsClosedWithoutAnAnswer(_ firstLine: String) async throws {
        let target = RecordingTarget()
        let server = ControlChannelServer(target: target)
        defer { server.stopWithoutWaiting() }
        let client = try LineClient(loopbackPort: try await Self.start(server))
        client.send(firstLine + Self.press)
        #expect(client.closedWithoutAnswer(within: 10))
        #expect(target.calls.withLock { $0 }.isEmpty, "nothing was pressed")
    }

    @Test func aSilentClientIsClosedAtTheDeadline() async throws {
        let server = ControlChannelServer(target: RecordingTarget(), authenticationDeadline: .milliseconds(200))
        defer { server.stopWithoutWaiting() }
        let client = try LineClient(loopbackPort: try await Self.start(server))
        client.send("s3cret-token")   // part of the token, never its line end
        let started = Date()
        #expect(client.closedWithoutAnswer(within: 10))
        #expect(Date().timeIntervalSince(started) < 9, "closed by the deadline, not by the test's")
    }

    /// Connections that never authenticate (held open, silent, far from their deadline) do not keep an
    /// authenticated client out; authenticated ones still meet the cap of 16.
    @Test func unauthenticatedConnectionsTakeNoPlace() async throws {
        let server = ControlChannelServer(target: RecordingTarget(), authenticationDeadline: .seconds(120))
        defer { server.stopWithoutWaiting() }
        let port = try await Self.start(server)
        let squatters = try (0..<(ControlChannelServer.maximumConnections + 8)).map { _ in try LineClient(loopbackPort: port) }
        let client = try LineClient(loopbackPort: port)
        client.send("s3cret-token-for-the-tests-0123\n" + Self.press)
        #expect(client.readLine() == Self.pressed, "served beside \(squatters.count) unauthenticated connections")

        var served = [client]
        for _ in 1..<ControlChannelServer.maximumConnections {
            let another = try LineClient(loopbackPort: port)
            another.send("s3cret-token-for-the-tests-0123\n" + Self.press)
            #expect(another.readLine() == Self.pressed)
            served.append(another)
        }
        let oneTooMany = try LineClient(loopbackPort: port)
        oneTooMany.send("s3cret-token-for-the-tests-0123\n" + Self.press)
        #expect(oneTooMany.closedWithoutAnswer(within: 10), "the 17th authenticated connection is closed")
        withExtendedLifetime((squatters, served)) {}
    }

    @Test func theTokenIsComparedWholeAndNeverShown() throws {
        #expect(Self.token.matches(Array("s3cret-token-for-the-tests-0123".utf8)))
        #expect(!Self.token.matches(Array("s3cret-token-for-the-tests-012".utf8)))
        #expect(!Self.token.matches(Array("s3cret-token-for-the-tests-0123s3cret-token-for-the-tests-0123".utf8)))
        #expect(!Self.token.matches([]))
        #expect(!"\(Self.token)".contains("s3cret"))
        #expect(throws: ControlError.self) { try ControlChannelToken("short") }
        #expect(throws: ControlError.self) { try ControlChannelToken("a token with spaces in it") }
    }
}

/// `ControlTokenFile` takes only a file its owner alone can read, holding a token on its first line.
@Suite struct ControlTokenFileTests {
    static func file(_ contents: String, mode: mode_t) throws -> String {
        let path = "/tmp/otpkit-token-\(UUID().uuidString.prefix(8))"
        try #require(FileManager.default.createFile(atPath: path, contents: Data(contents.utf8)))
        try #require(chmod(path, mode) == 0)
        return path
    }

    @Test func aPrivateFilesFirstLineIsTheToken() throws {
        let path = try Self.file("s3cret-token-for-the-tests-0123\nignored\n", mode: 0o600)
        defer { unlink(path) }
        let token = try ControlTokenFile.read(path)
        #expect(token.matches(Array("s3cret-token-for-the-tests-0123".utf8)))
    }

    @Test(arguments: [0o644, 0o640, 0o604] as [mode_t])
    func aFileOthersCanReadIsRefused(_ mode: mode_t) throws {
        let path = try Self.file("s3cret-token-for-the-tests-0123\n", mode: mode)
        defer { unlink(path) }
        #expect(throws: ControlTokenFile.Problem.readableByOthers(path: path, mode: UInt32(mode))) { try ControlTokenFile.read(path) }
    }

    @Test func anEmptyOrMissingFileIsRefused() throws {
        let empty = try Self.file("\n", mode: 0o600)
        defer { unlink(empty) }
        #expect(throws: ControlTokenFile.Problem.empty(empty)) { try ControlTokenFile.read(empty) }
        #expect(throws: ControlTokenFile.Problem.self) { try ControlTokenFile.read(empty + ".missing") }
        let short = try Self.file("short\n", mode: 0o600)
        defer { unlink(short) }
        let problem = #expect(throws: ControlTokenFile.Problem.self) { try ControlTokenFile.read(short) }
        #expect("\(problem.map { "\($0)" } ?? "")".contains("at least 16"))
    }

    /// A FIFO at the path is refused at once, not waited on for a writer that never comes.
    @Test func aFIFOIsRefusedWithoutWaiting() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("otpkit-token-fifo-\(UUID().uuidString)").path
        try #require(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        #expect(throws: ControlTokenFile.Problem.notARegularFile(path)) { try ControlTokenFile.read(path) }
    }
}
