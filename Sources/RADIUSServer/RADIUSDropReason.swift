/// Why a datagram got no answer. The detailed metrics count each in `otpkit_radius_dropped_total{reason=...}`; the
/// public view sums them (a prober must not learn whether its address is a configured client).
public enum RADIUSDropReason: String, Sendable, CaseIterable {
    /// No client is configured for the source address.
    case unknownClient = "unknown_client"
    /// The client directory failed (the store is down).
    case clientLookupFailed = "client_lookup_failed"
    /// No Message-Authenticator, from a client that must send one, or on a Status-Server.
    case missingMessageAuthenticator = "missing_message_authenticator"
    /// A Message-Authenticator that does not verify (wrong secret, forgery), repeats, or is not 16 bytes.
    case badMessageAuthenticator = "bad_message_authenticator"
    /// Not a RADIUS packet: lengths that lie, attributes of length 0 or 1, a bad User-Password or User-Name,
    /// attributes that may appear once appearing twice.
    case malformed
    /// A code otpkit does not serve (accounting, CoA, ...).
    case unknownCode = "unknown_code"
    /// A datagram over 4,096 bytes.
    case tooLong = "too_long"
    /// A reply code (Accept, Reject, Challenge) sent to the server.
    case unexpectedCode = "unexpected_code"
    /// An Access-Request without User-Name.
    case missingUserName = "missing_user_name"
    /// A retransmit of a request still being decided (the client retries and then gets the cached reply).
    case duplicateInProgress = "duplicate_in_progress"
    /// More decisions in flight than `maximumDecisionsInFlight`, or more datagrams being checked than
    /// `maximumChecksInFlight`.
    case overloaded
    /// A Status-Server while the node is not ready (its health check failed): unanswered, so the prober fails over.
    case notReady = "not_ready"
    /// The authenticator decided `.noAnswer`.
    case noAnswer = "no_answer"
    /// The reply would exceed 4,096 bytes (a request full of Proxy-State and a long Reply-Message).
    case replyTooLong = "reply_too_long"
}

/// What the authenticator decided, as counted in `otpkit_radius_decisions_total{outcome=...}`.
public enum RADIUSOutcome: String, Sendable, CaseIterable {
    case accepted
    case rejected
    case challenged
}
