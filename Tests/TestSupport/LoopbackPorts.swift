import Foundation

/// Free ports on 127.0.0.1 for servers that cannot report the port they bound (FreeRADIUS and PostgreSQL take the
/// port they are configured with). Bound and released: another process may take it in between, so a caller that
/// fails to bind tries another.
public enum LoopbackPorts {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func freeUDPPort() throws -> Int { try freePort(SOCK_DGRAM) }

    public static func freeTCPPort() throws -> Int { try freePort(SOCK_STREAM) }

    private static func freePort(_ type: __socket_type) throws -> Int {
        let descriptor = socket(AF_INET, Int32(type.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        defer { close(descriptor) }
        return try bindToFreePort(descriptor)
    }

    /// Binds `descriptor` (an IPv4 socket) to 127.0.0.1 on a port the kernel picks, and returns that port.
    public static func bindToFreePort(_ descriptor: Int32) throws -> Int {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw Failure(description: "no free port on 127.0.0.1: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
