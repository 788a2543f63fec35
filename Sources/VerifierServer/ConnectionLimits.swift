import Foundation
import NIOCore

/// How long a connection may sit or dawdle, and how many may be open at once.
///
/// Without these, idle connections (which need no key) pile up until the process runs out of file descriptors, and
/// then it can accept nothing at all. The idle timeout also bounds how long a request's head may take (Hummingbird
/// counts a connection idle until its head is complete); `requestReadTimeout` bounds the body.
public struct ConnectionLimits: Sendable {
    /// A connection with no request in progress (or whose request head is not complete) is closed after this.
    public var idleTimeout: Duration = .seconds(15)
    /// A request's body must arrive whole within this of its head, however slowly it trickles.
    public var requestReadTimeout: Duration = .seconds(15)
    /// At this many open connections the server stops accepting (new ones wait in the listen backlog) until one closes.
    public var maxConnections = ConnectionLimits.defaultMaxConnections()

    public init() {}

    /// Descriptors kept back from the connection cap for the database, the audit log, the key file and the runtime.
    static let reservedDescriptors = 64

    /// The soft RLIMIT_NOFILE less a reserve (at most three quarters of the limit), at least 8.
    public static func defaultMaxConnections() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return 10_000 }
        let descriptors = Int(clamping: limit.rlim_cur)
        return max(8, min(descriptors - reservedDescriptors, descriptors * 3 / 4))
    }
}

extension Duration {
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
