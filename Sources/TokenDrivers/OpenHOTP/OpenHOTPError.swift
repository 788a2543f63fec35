/// Why an OpenHOTP operation failed, host side.
public enum OpenHOTPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The token answered with a status other than OK.
    case refused(OpenHOTPStatus, retriesLeft: Int?)
    /// The reply failed its CRC even after re-reading.
    case corruptedReply
    /// The reply belongs to another request (its command or sequence number differs).
    case staleReply(expectedSequence: UInt8, received: UInt8)
    case malformedReply(String)
    /// The caller asked for something the protocol cannot carry (checked before anything is sent).
    case invalidRequest(String)
    case transport(TransportError)

    public var description: String {
        switch self {
        case .refused(.wrongPIN, let retries?):
            "wrong admin PIN (\(retries) \(retries == 1 ? "try" : "tries") left before the token locks)"
        case .refused(let status, _):
            status.description
        case .corruptedReply: "the reply from the token was corrupted (CRC mismatch after 3 reads)"
        case .staleReply(let expected, let received):
            "the token answered another request (sequence \(received), expected \(expected)); is another program using it?"
        case .malformedReply(let detail): "the token sent a malformed reply: \(detail)"
        case .invalidRequest(let detail): detail
        case .transport(let error): error.description
        }
    }
}
