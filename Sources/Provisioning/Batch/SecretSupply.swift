import OTPCore
import Synchronization

/// Where a batch's secrets come from: fresh random ones, or a given list in which each is used at most once.
public final class SecretSupply: Sendable {
    private let randomByteCount: Int?
    private let remaining: Mutex<ArraySlice<Secret>>

    /// A fresh random secret for each token (20 bytes fits every family).
    public static func random(byteCount: Int = 20) -> SecretSupply { SecretSupply(randomByteCount: byteCount, list: []) }

    /// These secrets, in order, each handed out once (one the journal has used already is passed over by the batch).
    public convenience init(_ secrets: [Secret]) { self.init(randomByteCount: nil, list: secrets) }

    private init(randomByteCount: Int?, list: [Secret]) {
        self.randomByteCount = randomByteCount
        remaining = Mutex(list[...])
    }

    /// Whether secrets come from a list (they can run out, and may repeat what the journal holds).
    public var isList: Bool { randomByteCount == nil }

    /// The secrets of the list not handed out yet (0 for a random supply).
    public var unusedCount: Int { remaining.withLock { $0.count } }

    /// The next secret, or nil when a list is used up.
    public func next() -> Secret? {
        if let randomByteCount { return Secret.random(byteCount: randomByteCount) }
        return remaining.withLock { $0.popFirst() }
    }
}
