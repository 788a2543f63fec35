/// The verifier's decision on a code. A verify-only client sees `accepted` and nothing else; the reason is for
/// the audit log and administrators.
public enum VerificationOutcome: Equatable, Sendable {
    case accepted(counter: UInt64)
    case rejected(RejectionReason)

    public var accepted: Bool {
        if case .accepted = self { true } else { false }
    }

    /// `accepted` or the refusal's reason: the word of audit lines, event rows and detailed metrics.
    public var label: String {
        switch self {
        case .accepted: "accepted"
        case .rejected(let reason): reason.rawValue
        }
    }
}

public enum RejectionReason: String, Equatable, Sendable {
    case wrongCode = "wrong_code"
    case replay
    case unknownToken = "unknown_token"
    case locked
    case malformedCode = "malformed_code"
    /// The code lies beyond the window but within the sync window: remembered; the next consecutive code resyncs.
    case resyncStarted = "resync_started"
    /// A login by user name: no such user, or the user owns no token.
    case unknownUser = "unknown_user"
    /// A login by user name whose PIN was wrong: a failure of each of the user's tokens.
    case wrongPIN = "wrong_pin"
    /// The answer to a resync challenge was not the code right after the one that started the resync: the challenge
    /// is spent and the resync abandoned (a failure).
    case challengeRefused = "challenge_refused"
    /// A challenge's State that does not open (forged, another user's or client's, another master key's), has
    /// expired, or was spent already: refused, nothing started.
    case badState = "bad_state"
}

public enum ResyncOutcome: Equatable, Sendable {
    /// The token's counter now stands after the two codes.
    case resynchronized(counter: UInt64)
    case notFound
}
