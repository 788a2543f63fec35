import FastHMAC

/// HOTP (RFC 4226) for one key: HMAC(key, counter) dynamically truncated to `digits` decimal digits.
///
/// The HMAC runs on FastHMAC's `CounterHMAC`: on this build's fastest engine (swift-crypto's BoringSSL states,
/// keyed once and copied on the stack for every code), or on the one given. A search over a window (`firstMatch`) or a run of codes (`values`) computes its codes in one batch
/// and compares numbers, never strings. `hmac(_:)` exposes the full MAC for tests that compare it with
/// swift-crypto's own `HMAC`.
public struct HOTP: Sendable {
    public let algorithm: OTPAlgorithm
    public let digits: Int
    private let modulus: UInt64
    private let keyed: CounterHMAC

    public init(secret: Secret, algorithm: OTPAlgorithm = .sha1, digits: Int = 6, engine: CounterHMAC.Engine = .fastest) throws(OTPError) {
        guard OTPDigits.allowed.contains(digits) else { throw .digitsOutOfRange(digits) }
        self.algorithm = algorithm
        self.digits = digits
        self.modulus = OTPDigits.powersOfTen[digits]
        let hash: CounterHMAC.Hash = switch algorithm {
        case .sha1: .sha1
        case .sha256: .sha256
        case .sha512: .sha512
        }
        self.keyed = CounterHMAC(key: secret.bytes, hash: hash, engine: engine)
    }

    /// The HMAC engine the codes are computed on.
    public var engine: CounterHMAC.Engine { keyed.engine }

    /// The code for `counter` as a number below 10^digits.
    public func value(counter: UInt64) -> UInt64 {
        var value: UInt64 = 0
        forEachValue(from: counter, count: 1) { _, code in value = code }
        return value
    }

    /// The codes (as numbers) of the counters `start ..< start + count`, cut short where the counter would pass
    /// `UInt64.max`; none for a count below 1.
    public func values(from start: UInt64, count: Int) -> [UInt64] {
        let count = Self.clamped(count, from: start)
        return [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            var index = 0
            forEachValue(from: start, count: count) { _, code in
                buffer[index] = code
                index += 1
            }
            initialized = count
        }
    }

    /// The first counter of `start ..< start + count` (cut as in `values`) whose code is `value`. Every code of the
    /// range is computed and compared, wherever the match is, so the time depends on `count` alone.
    public func firstMatch(_ value: UInt64, from start: UInt64, count: Int) -> UInt64? {
        var match = UInt64.max  // never a counter of the range, which stops below UInt64.max
        forEachValue(from: start, count: Self.clamped(count, from: start)) { counter, code in
            let isFirstHit = (code == value) && (match == .max)
            match = isFirstHit ? counter : match
        }
        return match == .max ? nil : match
    }

    /// The code for `counter` as the token shows it: zero-padded to `digits`.
    public func code(counter: UInt64) -> String {
        var number = value(counter: counter)
        return String(unsafeUninitializedCapacity: digits) { buffer in
            for index in stride(from: digits - 1, through: 0, by: -1) {
                buffer[index] = UInt8(ascii: "0") + UInt8(number % 10)
                number /= 10
            }
            return digits
        }
    }

    /// HMAC(secret, message) with the token's algorithm.
    public func hmac(_ message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { keyed.mac($0) }
    }

    /// How many of `count` counters from `start` exist below `UInt64.max`.
    private static func clamped(_ count: Int, from start: UInt64) -> Int {
        Int(min(UInt64(max(0, count)), UInt64.max - start))
    }

    /// One batch: `body` gets each counter and its code; `count` is already clamped.
    @inline(__always)
    private func forEachValue(from start: UInt64, count: Int, _ body: (UInt64, UInt64) -> Void) {
        let modulus = modulus
        keyed.forEachTruncated(from: start, count: count) { body($0, UInt64($1) % modulus) }
    }
}
