/// A failure of any family's driver, for code that works on tokens of every family (discovery, programming, batches).
public enum TokenDriverError: Error, Equatable, Sendable, CustomStringConvertible {
    case openHOTP(OpenHOTPError)
    case yubiKey(YubiKeyDriver.YubiKeyError)
    case nitrokey(NitrokeyDriver.NitrokeyError)
    case transport(TransportError)

    public var description: String {
        switch self {
        case .openHOTP(let error): error.description
        case .yubiKey(let error): error.description
        case .nitrokey(let error): error.description
        case .transport(let error): error.description
        }
    }

    /// The token refused the admin PIN or has locked it: every further attempt with that PIN costs a try.
    public var isRefusedPIN: Bool {
        switch self {
        case .nitrokey(.wrongPIN), .openHOTP(.refused(.wrongPIN, _)), .openHOTP(.refused(.pinLocked, _)): true
        default: false
        }
    }

    /// The token went away or answered garbage mid-way: what it holds now is unknown (a batch keeps the seed).
    public var leavesTokenUncertain: Bool {
        switch self {
        case .transport: true
        case .openHOTP(let error):
            switch error {
            case .transport, .corruptedReply, .staleReply, .malformedReply: true
            case .refused, .invalidRequest: false
            }
        case .yubiKey(let error):
            switch error {
            case .transport, .busy, .badResponse: true
            case .notConfirmed, .invalidConfiguration: false
            }
        case .nitrokey(let error):
            switch error {
            case .transport, .badReply: true
            case .refused, .wrongPIN, .invalidRequest: false
            }
        }
    }
}
