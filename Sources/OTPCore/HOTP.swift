import Crypto

/// HOTP (RFC 4226) for one key: HMAC(key, counter) dynamically truncated to `digits` decimal digits.
///
/// The HMAC's inner and outer hash states are computed once from the key and copied for every code,
/// so a code costs the two compressions of the counter block and the outer block, not four.
public struct HOTP: Sendable {
    public let algorithm: OTPAlgorithm
    public let digits: Int
    private let keyedMAC: KeyedMAC

    public init(secret: Secret, algorithm: OTPAlgorithm = .sha1, digits: Int = 6) throws(OTPError) {
        guard OTPDigits.allowed.contains(digits) else { throw .digitsOutOfRange(digits) }
        self.algorithm = algorithm
        self.digits = digits
        self.keyedMAC = KeyedMAC(key: SymmetricKey(data: secret.bytes), algorithm: algorithm)
    }

    /// The code for `counter` as a number below 10^digits.
    public func value(counter: UInt64) -> UInt64 {
        let binary = keyedMAC.truncatedMAC(counter: counter)
        return UInt64(binary) % OTPDigits.powersOfTen[digits]
    }

    /// The code for `counter` as the token shows it: zero-padded to `digits`.
    public func code(counter: UInt64) -> String {
        let number = String(value(counter: counter))
        return String(repeating: "0", count: digits - number.count) + number
    }
}

/// An HMAC keyed once, per hash function.
private enum KeyedMAC: @unchecked Sendable {
    // HMAC is a value type of plain C hash contexts; copies share nothing, so crossing threads is safe.
    case sha1(HMAC<Insecure.SHA1>)
    case sha256(HMAC<SHA256>)
    case sha512(HMAC<SHA512>)

    init(key: SymmetricKey, algorithm: OTPAlgorithm) {
        switch algorithm {
        case .sha1: self = .sha1(HMAC(key: key))
        case .sha256: self = .sha256(HMAC(key: key))
        case .sha512: self = .sha512(HMAC(key: key))
        }
    }

    /// RFC 4226 section 5.3: the 31-bit number at the offset named by the MAC's last nibble.
    func truncatedMAC(counter: UInt64) -> UInt32 {
        switch self {
        case .sha1(let keyed): Self.truncate(keyed, counter)
        case .sha256(let keyed): Self.truncate(keyed, counter)
        case .sha512(let keyed): Self.truncate(keyed, counter)
        }
    }

    @inline(__always)
    private static func truncate<H: HashFunction>(_ keyed: HMAC<H>, _ counter: UInt64) -> UInt32 {
        var mac = keyed
        withUnsafeBytes(of: counter.bigEndian) { mac.update(data: $0) }
        return mac.finalize().withUnsafeBytes { bytes in
            let offset = Int(bytes[bytes.count - 1] & 0x0f)
            return UInt32(bytes[offset] & 0x7f) << 24
                | UInt32(bytes[offset + 1]) << 16
                | UInt32(bytes[offset + 2]) << 8
                | UInt32(bytes[offset + 3])
        }
    }
}
