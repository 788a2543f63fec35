import Foundation

/// A UDP socket on a free loopback port that receives and never answers: it shows what a RADIUS peer really sends
/// (does FreeRADIUS add Message-Authenticator when it proxies, does pam_radius send one), and it is a server that
/// stays silent, for the clients' "no reply" path.
public final class UDPDatagramCatcher: @unchecked Sendable {
    // @unchecked: the descriptor is set once in init and only read afterwards; the kernel serialises the socket calls.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let port: Int
    private let descriptor: Int32

    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        do {
            port = try LoopbackPorts.bindToFreePort(descriptor)
        } catch {
            close(descriptor)
            throw Failure(description: "\(error)")
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The next datagram that arrived (or arrives within `timeout` seconds), or nil. Waits with poll(2), on the event.
    public func next(timeout: TimeInterval) -> [UInt8]? {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count < 0 ? nil : Array(buffer.prefix(count))
    }
}
