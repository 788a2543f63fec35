/// What can be wrong with OTP parameters and encoded secrets. Messages never contain secret material.
public enum OTPError: Error, Equatable, Sendable, CustomStringConvertible {
    case digitsOutOfRange(Int)
    case emptySecret
    case secretTooLong(byteCount: Int, maximum: Int)
    case invalidBase32Character(position: Int)
    case invalidBase32Length(Int)
    case invalidHexCharacter(position: Int)
    case oddHexLength
    case invalidPeriod(Int)
    case invalidURI(String)

    public var description: String {
        switch self {
        case .digitsOutOfRange(let digits):
            "digits must be between \(OTPDigits.allowed.lowerBound) and \(OTPDigits.allowed.upperBound), not \(digits)"
        case .emptySecret:
            "the secret is empty"
        case .secretTooLong(let count, let maximum):
            "the secret is \(count) bytes long; at most \(maximum) bytes are allowed"
        case .invalidBase32Character(let position):
            "invalid base32 character at position \(position + 1) (allowed: A-Z, 2-7, '=' padding)"
        case .invalidBase32Length(let length):
            "a base32 string of \(length) characters cannot be a whole number of bytes"
        case .invalidHexCharacter(let position):
            "invalid hex character at position \(position + 1)"
        case .oddHexLength:
            "a hex secret needs an even number of digits"
        case .invalidPeriod(let period):
            "the TOTP period must be at least 1 second, not \(period)"
        case .invalidURI(let reason):
            "invalid otpauth URI: \(reason)"
        }
    }
}
