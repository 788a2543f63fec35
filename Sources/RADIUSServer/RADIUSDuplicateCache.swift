import NIOCore

/// Replies remembered for retransmits (RFC 5080 2.2.2): a request is the same when it comes from the same address and
/// port with the same Identifier and Request Authenticator. Within `window` such a request is answered with the
/// reply bytes already sent, never decided again. Memory is bounded: at most `capacity` replies, the oldest evicted
/// first; entries older than `window` are purged as new ones arrive.
struct RADIUSDuplicateCache {
    struct Key: Hashable, Sendable {
        let source: SocketAddress
        let identifier: UInt8
        let authenticator: [UInt8]
    }

    enum Lookup: Equatable {
        case miss
        case inProgress
        case answered([UInt8])
    }

    let window: TimeAmount
    let capacity: Int
    private var inProgress: Set<Key> = []
    private var replies: [Key: (reply: [UInt8], storedAt: NIODeadline)] = [:]
    /// Keys in the order their replies were stored; a key stored again appears twice, and only the entry whose time
    /// matches the dictionary's evicts it.
    private var order = CircularBuffer<(key: Key, storedAt: NIODeadline)>()

    init(window: TimeAmount, capacity: Int) {
        self.window = window
        self.capacity = capacity
    }

    var count: Int { replies.count }

    func lookup(_ key: Key, now: NIODeadline) -> Lookup {
        if inProgress.contains(key) { return .inProgress }
        if let entry = replies[key], now - entry.storedAt < window { return .answered(entry.reply) }
        return .miss
    }

    /// Marks `key` as being decided: retransmits until `finish` or `abandon` find it in progress.
    mutating func begin(_ key: Key) {
        inProgress.insert(key)
    }

    /// No reply was sent (dropped, no answer): a retransmit is handled as a new request.
    mutating func abandon(_ key: Key) {
        inProgress.remove(key)
    }

    mutating func finish(_ key: Key, reply: [UInt8], now: NIODeadline) {
        inProgress.remove(key)
        replies[key] = (reply, now)
        order.append((key, now))
        while let oldest = order.first, now - oldest.storedAt >= window || replies.count > capacity {
            order.removeFirst()
            if replies[oldest.key]?.storedAt == oldest.storedAt { replies[oldest.key] = nil }
        }
    }
}
