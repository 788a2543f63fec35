import Crypto

/// HMAC of counters through swift-crypto's public `HMAC<H>` alone: no promise beyond swift-crypto's API, and several
/// times slower than `KeyedHMAC` (a keyed state rebuilt and heap objects made for every code). Always compiled: it
/// is the implementation where swift-crypto's BoringSSL module cannot be imported, and the reference the fast one is
/// compared with in the tests.
struct SwiftCryptoHMAC<H: HashFunction>: Sendable {
    /// The key as bytes (swift-crypto 3's `SymmetricKey` is not `Sendable`); a `SymmetricKey` is made per batch.
    private let key: [UInt8]

    init(key: [UInt8]) { self.key = key }

    func mac(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        Array(HMAC<H>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    func forEachTruncated(from start: UInt64, count: Int, _ body: (UInt64, UInt32) -> Void) {
        let key = SymmetricKey(data: self.key)
        for index in 0..<count {
            let counter = start &+ UInt64(index)
            let message = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
            let code = HMAC<H>.authenticationCode(for: message, using: key)
            body(counter, code.withUnsafeBytes { RFC4226.truncated($0) })
        }
    }
}

/// RFC 4226's dynamic truncation (section 5.3): the 31 bits at the offset the MAC's last nibble names.
enum RFC4226 {
    @inline(__always)
    static func truncated(_ mac: UnsafeRawBufferPointer) -> UInt32 {
        let offset = Int(mac[mac.count - 1] & 0x0f)
        return UInt32(mac[offset] & 0x7f) << 24 | UInt32(mac[offset + 1]) << 16 | UInt32(mac[offset + 2]) << 8 | UInt32(mac[offset + 3])
    }
}
