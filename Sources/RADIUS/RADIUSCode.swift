/// The packet codes otpkit speaks (RFC 2865 section 3, RFC 5997). Any other code is refused while decoding as
/// `RADIUSDecodingError.unknownCode`, so accounting or CoA packets sent to the authentication port are told apart
/// from damaged ones.
public enum RADIUSCode: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case accessRequest = 1
    case accessAccept = 2
    case accessReject = 3
    case accessChallenge = 11
    case statusServer = 12

    /// Whether a server sends this code (never receives it).
    public var isReply: Bool {
        switch self {
        case .accessAccept, .accessReject, .accessChallenge: true
        case .accessRequest, .statusServer: false
        }
    }

    public var description: String {
        switch self {
        case .accessRequest: "Access-Request"
        case .accessAccept: "Access-Accept"
        case .accessReject: "Access-Reject"
        case .accessChallenge: "Access-Challenge"
        case .statusServer: "Status-Server"
        }
    }
}
