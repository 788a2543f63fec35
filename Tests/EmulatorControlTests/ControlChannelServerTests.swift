import EmulatorControl
import EmulatorServer
import Foundation
import NIOCore
import Testing

/// The control channel's transport on a real Unix socket: replies in order, one line each; an overlong line is
/// refused and the connection stays usable; an idle connection is closed.
@Suite struct ControlChannelServerTests {
    /// A blocking client with a deadline on every read, so that a server that never answers fails the test.
    final class LineClient {
        let descriptor: Int32
        private var pending: [UInt8] = []

        init(path: String) throws {
            descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            try #require(connected == 0, "connect: \(errno)")
        }

        deinit { close(descriptor) }

        func send(_ text: String) {
            let bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written <= 0 { return }
                offset += written
            }
        }

        /// The next line, or nil when the server closed the connection (or nothing came within `timeout`).
        func readLine(timeout: Double = 10) -> String? {
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    defer { pending.removeSubrange(...newline) }
                    return String(decoding: pending[..<newline], as: UTF8.self)
                }
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let remaining = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
                guard poll(&poller, 1, remaining) == 1 else { return nil }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                guard count > 0 else { return nil }
                pending += chunk[..<count]
            }
        }
    }

    static func socketPath() -> String { "/tmp/otpkit-ctl-\(UUID().uuidString.prefix(8)).sock" }

    @Test func repliesComeInOrderAndBadLinesDoNotEndTheConnection() throws {
        let path = Self.socketPath()
        let server = ControlChannelServer(target: RecordingTarget())
        try server.start(.unix(path: path))
        defer { server.stop(); unlink(path) }
        let client = try LineClient(path: path)
        client.send("{\"plug\": \"1-3\"}\n" + String(repeating: "x", count: 5000) + "\n{\"press\": \"1-1\"}\r\n")
        #expect(client.readLine() == #"{"plugged":"1-3"}"#)
        #expect(client.readLine() == #"{"error":"a line may hold at most 1024 bytes"}"#)
        #expect(client.readLine() == #"{"device":"1-1","slot":null,"typed":"755224"}"#)
    }

    @Test func anIdleConnectionIsClosed() throws {
        let path = Self.socketPath()
        let server = ControlChannelServer(target: RecordingTarget(), idleTimeout: .milliseconds(200))
        try server.start(.unix(path: path))
        defer { server.stop(); unlink(path) }
        let client = try LineClient(path: path)
        let started = Date()
        #expect(client.readLine(timeout: 10) == nil, "the server closes the connection")
        #expect(Date().timeIntervalSince(started) < 9, "closed by the idle timeout, not by the test's deadline")
    }
}
