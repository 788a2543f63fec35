import NIOCore

/// How the RADIUS server treats what it receives.
public struct RADIUSServerOptions: Sendable {
    /// What to do with a realm in User-Name (`alice@corp`).
    public enum Realm: Sendable {
        /// The realm is part of the user's name.
        case keep
        /// `alice@corp` is asked about as `alice` (the text after the last `@` is dropped).
        case strip
    }

    /// How long a reply is kept for retransmits of its request (RFC 5080 2.2.2 suggests a few seconds at least;
    /// clients retry for up to about 30 s).
    public var duplicateWindow: TimeAmount
    /// Replies kept at most; the oldest go first.
    public var duplicateCacheCapacity: Int
    /// Requests being decided at once; more are dropped (counted as `overloaded`) for the client to retry.
    /// A slot is taken only after the client and its Message-Authenticator were checked.
    public var maximumDecisionsInFlight: Int
    /// Datagrams being checked (client lookup, Message-Authenticator) at once; more are dropped as `overloaded`. The
    /// checks are quick, so this bounds the work queued by a flood, not the requests a real client has in flight.
    public var maximumChecksInFlight: Int
    public var realm: Realm

    public init(duplicateWindow: TimeAmount = .seconds(30), duplicateCacheCapacity: Int = 65_536,
                maximumDecisionsInFlight: Int = 256, maximumChecksInFlight: Int = 4096, realm: Realm = .keep) {
        self.duplicateWindow = duplicateWindow
        self.duplicateCacheCapacity = max(1, duplicateCacheCapacity)
        self.maximumDecisionsInFlight = max(1, maximumDecisionsInFlight)
        self.maximumChecksInFlight = max(1, maximumChecksInFlight)
        self.realm = realm
    }
}
