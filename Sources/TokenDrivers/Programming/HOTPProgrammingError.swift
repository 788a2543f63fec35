/// Why a slot was not programmed. Each case says what to do; a CLI maps them to its exit codes.
public enum HOTPProgrammingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request does not fit the family (secret length, algorithm, digits, name, counter): change the request,
    /// as `fix` says when one field's change is enough.
    case invalidRequest(String, fix: HOTPRequestFix? = nil)
    /// The slot holds a secret already and the request did not ask to overwrite it (`HOTPSlotRequest.overwrite`).
    case slotProgrammed(String)
    /// The token needs an admin PIN and none was given (`HOTPSlotRequest.pin` or `askPIN`).
    case pinRequired(String)
    /// The token reports the slot differently from what was written: it may hold anything now.
    case readBackDiffers(String)
    /// The token's first code does not match the secret written to it.
    case firstCodeDiffers
    /// The driver or the transport failed.
    case driver(TokenDriverError)

    public var description: String {
        switch self {
        case .invalidRequest(let detail, _), .slotProgrammed(let detail), .pinRequired(let detail), .readBackDiffers(let detail): detail
        case .firstCodeDiffers: "the token's first code does not match the seed written to it"
        case .driver(let error): error.description
        }
    }

    /// The token refused the admin PIN: a batch stops, since every further token would lose a try too.
    public var isRefusedPIN: Bool {
        if case .driver(let error) = self { return error.isRefusedPIN }
        return false
    }

    /// The token may or may not hold the new secret (lost mid-way, garbled, or reporting something else).
    public var leavesTokenUncertain: Bool {
        switch self {
        case .readBackDiffers: true
        case .driver(let error): error.leavesTokenUncertain
        default: false
        }
    }
}

/// The one change that makes a refused request fit the family, for callers that word it in their own terms.
public enum HOTPRequestFix: Sendable, Equatable {
    /// Give a secret of this many bytes.
    case secretLength(Int)
    /// Let the counter be rounded down (`HOTPSlotRequest.YubiKeyExtras.roundMovingFactor`) from `from` to `to`.
    case roundMovingFactor(from: UInt64, to: UInt64)
    /// Leave the name empty: the slot has none.
    case noName
}
