import Crypto

/// HOTP (RFC 4226) for one key: HMAC(key, counter) dynamically truncated to `digits` decimal digits.
///
/// The HMAC's inner and outer hash states are computed once from the key and copied for every code,
/// so a code costs the two compressions of the counter block and the outer block, not four.
/// `HOTP.hmac(_:)` exposes the full MAC for tests that compare it with swift-crypto's own `HMAC`.
public struct HOTP: Sendable {
    public let algorithm: OTPAlgorithm
    public let digits: Int
    private let keyedMAC: KeyedMAC

    public init(secret: Secret, algorithm: OTPAlgorithm = .sha1, digits: Int = 6) throws(OTPError) {
        guard OTPDigits.allowed.contains(digits) else { throw .digitsOutOfRange(digits) }
        self.algorithm = algorithm
        self.digits = digits
        self.keyedMAC = KeyedMAC(key: secret.bytes, algorithm: algorithm)
    }

    /// The code for `counter` as a number below 10^digits.
    public func value(counter: UInt64) -> UInt64 {
        let binary = keyedMAC.truncatedMAC(counter: counter)
        return UInt64(binary) % OTPDigits.powersOfTen[digits]
    }

    /// HMAC(secret, message) with the token's algorithm.
    public func hmac(_ message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { buffer in
            switch keyedMAC {
            case .sha1(let keyed): Array(keyed.mac(buffer))
            case .sha256(let keyed): Array(keyed.mac(buffer))
            case .sha512(let keyed): Array(keyed.mac(buffer))
            }
        }
    }

    /// The code for `counter` as the token shows it: zero-padded to `digits`.
    public func code(counter: UInt64) -> String {
        let number = String(value(counter: counter))
        return String(repeating: "0", count: digits - number.count) + number
    }
}

/// HMAC (RFC 2104) keyed once, per hash function, over swift-crypto's hash implementations.
///
/// swift-crypto's `HMAC<H>` is generic across a module boundary and copies its states through heap-allocated
/// contexts, which caps it near 2 million codes/s here; the same construction on the concrete hash types,
/// specialised in this module, reaches well over 3 million. Tests check it against `HMAC<H>` byte for byte.
private enum KeyedMAC: @unchecked Sendable {
    // The hash states are values whose copies share nothing mutable, so crossing threads is safe.
    case sha1(PrecomputedHMAC<Insecure.SHA1>)
    case sha256(PrecomputedHMAC<SHA256>)
    case sha512(PrecomputedHMAC<SHA512>)

    init(key: [UInt8], algorithm: OTPAlgorithm) {
        switch algorithm {
        case .sha1: self = .sha1(PrecomputedHMAC(key: key))
        case .sha256: self = .sha256(PrecomputedHMAC(key: key))
        case .sha512: self = .sha512(PrecomputedHMAC(key: key))
        }
    }

    /// RFC 4226 section 5.3: the 31-bit number at the offset named by the MAC's last nibble.
    func truncatedMAC(counter: UInt64) -> UInt32 {
        switch self {
        case .sha1(let keyed): keyed.truncated(counter: counter)
        case .sha256(let keyed): keyed.truncated(counter: counter)
        case .sha512(let keyed): keyed.truncated(counter: counter)
        }
    }
}

/// The inner and outer hash states of an HMAC after absorbing the padded key: two compressions saved per code.
struct PrecomputedHMAC<H: HashFunction> {
    let inner: H
    let outer: H

    init(key: [UInt8]) {
        var block = key.count > H.blockByteCount ? Array(H.hash(data: key)) : key
        block += [UInt8](repeating: 0, count: H.blockByteCount - block.count)
        var inner = H(), outer = H()
        inner.update(data: block.map { $0 ^ 0x36 })
        outer.update(data: block.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// HMAC(key, message) in full.
    func mac(_ message: UnsafeRawBufferPointer) -> H.Digest {
        var innerHash = inner
        innerHash.update(bufferPointer: message)
        var outerHash = outer
        innerHash.finalize().withUnsafeBytes { outerHash.update(bufferPointer: $0) }
        return outerHash.finalize()
    }

    @inline(__always)
    func truncated(counter: UInt64) -> UInt32 {
        let digest = withUnsafeBytes(of: counter.bigEndian) { mac($0) }
        return digest.withUnsafeBytes { bytes in
            let offset = Int(bytes[bytes.count - 1] & 0x0f)
            return UInt32(bytes[offset] & 0x7f) << 24
                | UInt32(bytes[offset + 1]) << 16
                | UInt32(bytes[offset + 2]) << 8
                | UInt32(bytes[offset + 3])
        }
    }
}
