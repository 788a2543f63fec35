#if canImport(Glibc)
import Glibc
#endif

/// Where systemd listens for a service's notifications (`NOTIFY_SOCKET`): a Unix datagram socket named by a path
/// (`/run/systemd/notify`) or, written with a leading `@`, a name in the abstract namespace.
public struct NotifySocketAddress: Sendable, Equatable, CustomStringConvertible {
    /// Why `NOTIFY_SOCKET` names nothing this process can send to.
    public enum Invalid: Error, Equatable, CustomStringConvertible {
        /// Neither a path nor an abstract name (such as systemd's `vsock:` addresses for virtual machines).
        case unsupported(String)
        /// Longer than a Unix socket address holds.
        case tooLong(String)

        public var description: String {
            switch self {
            case .unsupported(let text): "NOTIFY_SOCKET \(text) is neither an absolute path nor an abstract name (@...)"
            case .tooLong(let text): "NOTIFY_SOCKET \(text) is too long for a Unix socket address"
            }
        }
    }

    /// As the environment wrote it.
    public let description: String
    /// `sun_path`'s bytes: the path and its NUL, or a NUL and the abstract name (which has no terminator).
    let pathBytes: [UInt8]

    public init(_ text: String) throws(Invalid) {
        var bytes = Array(text.utf8)
        switch bytes.first {
        case UInt8(ascii: "/"): bytes.append(0)
        case UInt8(ascii: "@") where bytes.count > 1: bytes[0] = 0
        default: throw .unsupported(text)
        }
        guard bytes.count <= MemoryLayout.size(ofValue: sockaddr_un().sun_path) else { throw .tooLong(text) }
        description = text
        pathBytes = bytes
    }

    /// Whether the name is in the abstract namespace (no file).
    public var isAbstract: Bool { pathBytes.first == 0 }

    /// Calls `body` with the socket address and its length.
    func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { path in path.copyBytes(from: pathBytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
