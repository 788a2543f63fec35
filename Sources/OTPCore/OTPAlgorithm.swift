/// The hash function under an HOTP/TOTP HMAC (RFC 4226 uses SHA-1; RFC 6238 adds SHA-256 and SHA-512).
public enum OTPAlgorithm: String, CaseIterable, Sendable, Codable {
    case sha1 = "SHA1"
    case sha256 = "SHA256"
    case sha512 = "SHA512"

    /// Accepts the spellings people use: `sha1`, `SHA-1`, `HmacSHA256`, ...
    public init?(name: String) {
        let folded = name.uppercased()
            .replacingOccurrences(of: "-", with: "")
            .replacingOccurrences(of: "HMAC", with: "")
        guard let value = OTPAlgorithm(rawValue: folded) else { return nil }
        self = value
    }

    /// Output size of the HMAC in bytes.
    public var macLength: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha512: 64
        }
    }
}

/// The number of decimal digits in a code; HOTP allows 6 to 10 (RFC 4226 section 5.3 and common practice).
public enum OTPDigits {
    public static let allowed: ClosedRange<Int> = 6...10

    static let powersOfTen: [UInt64] = (0...10).map { exponent in
        (0..<exponent).reduce(UInt64(1)) { product, _ in product * 10 }
    }
}
