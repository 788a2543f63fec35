import EmulatorControl
import EmulatorServer
import Foundation
import NIOCore
import TestSupport
import Testing

/// The control channel's transport on a real Unix socket: replies in order, one line each; an overlong line is
/// refused and the connection stays usable; an idle connection is closed.
@Suite struct ControlChannelServerTests {
    static func socketPath() -> String { "/tmp/otpkit-ctl-\(UUID().uuidString.prefix(8)).sock" }

    @Test func repliesComeInOrderAndBadLinesDoNotEndTheConnection() async throws {
        let path = Self.socketPath()
        let server = ControlChannelServer(target: RecordingTarget())
        try await server.start(.unix(path: path))
        defer { server.stopWithoutWaiting(); unlink(path) }
        let client = try LineClient(path: path)
        client.send("{\"plug\": \"1-3\"}\n" + String(repeating: "x", count: 5000) + "\n{\"press\": \"1-1\"}\r\n")
        #expect(client.readLine() == #"{"plugged":"1-3"}"#)
        #expect(client.readLine() == #"{"error":"a line may hold at most 1024 bytes"}"#)
        #expect(client.readLine() == #"{"device":"1-1","slot":null,"typed":"755224"}"#)
    }

    @Test func anIdleConnectionIsClosed() async throws {
        let path = Self.socketPath()
        let server = ControlChannelServer(target: RecordingTarget(), idleTimeout: .milliseconds(200))
        try await server.start(.unix(path: path))
        defer { server.stopWithoutWaiting(); unlink(path) }
        let client = try LineClient(path: path)
        let started = Date()
        #expect(client.readLine(timeout: 10) == nil, "the server closes the connection")
        #expect(Date().timeIntervalSince(started) < 9, "closed by the idle timeout, not by the test's deadline")
    }
}
