import Foundation
import NIOCore

/// A listener of the server could not be bound (the address is in use, not allowed, or not this machine's): the
/// server did not start. Says which listener and address, in one line.
public struct ListenerUnavailable: Error, CustomStringConvertible {
    public enum Listener: String, Sendable {
        case http = "HTTP"
        case metrics
        case radius = "RADIUS (UDP)"
    }

    public let listener: Listener
    public let address: String
    public let reason: String

    init(_ listener: Listener, host: String, port: Int, error: any Error) {
        self.listener = listener
        self.address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        if let error = error as? IOError {
            reason = String(cString: strerror(error.errnoCode))
        } else {
            reason = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
        }
    }

    public var description: String { "cannot listen on \(address) for \(listener.rawValue): \(reason)" }
}
