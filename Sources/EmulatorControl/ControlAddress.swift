/// Where the control channel listens: `unix:PATH` or `tcp:HOST:PORT` with a loopback HOST (the channel can press
/// buttons and pull tokens out, so it is never offered to the network).
public enum ControlAddress: Equatable, Sendable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    public init(parsing text: String) throws(ControlError) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty, path.utf8.count < 108 else { throw .badRequest("unix:PATH takes a path shorter than 108 bytes") }
            self = .unix(path: path)
        } else if text.hasPrefix("tcp:") {
            let rest = text.dropFirst(4)
            guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (0...65535).contains(port) else {
                throw .badRequest("tcp:HOST:PORT takes a port from 0 to 65535")
            }
            var host = String(rest[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard Self.isLoopback(host) else { throw .badRequest("the control channel listens on loopback only (127.0.0.1, ::1, localhost)") }
            self = .tcp(host: host, port: port)
        } else {
            throw .badRequest("a control address is unix:PATH or tcp:127.0.0.1:PORT (loopback: 127.0.0.1, ::1 or localhost)")
        }
    }

    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.first == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    public var description: String {
        switch self {
        case .unix(let path): "unix:\(path)"
        case .tcp(let host, let port): host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        }
    }
}
