import Crypto

/// HMAC (RFC 2104) under one key, made for HOTP: the full MAC of a message, or the RFC 4226 truncation of the MAC of
/// each counter of a run. Two engines compute it: swift-crypto's BoringSSL hash contexts as stack values
/// (`KeyedHMAC`, the fast one), compiled where that module can be imported, and swift-crypto's public `HMAC<H>`
/// (`SwiftCryptoHMAC`), always compiled. Both give the same bytes; the tests check that on the same inputs.
public struct CounterHMAC: Sendable {
    public enum Hash: Sendable, CaseIterable {
        case sha1, sha256, sha512
    }

    public enum Engine: Sendable, CaseIterable {
        /// swift-crypto's BoringSSL contexts as values: its internal C module, which swift-crypto does not promise.
        case boringSSLStates
        /// swift-crypto's public `HMAC<H>` API only.
        case swiftCrypto

        /// Whether this build has the engine (`boringSSLStates` needs swift-crypto's BoringSSL module).
        public var isAvailable: Bool {
            switch self {
            case .swiftCrypto: true
            case .boringSSLStates:
                #if canImport(CCryptoBoringSSL)
                true
                #else
                false
                #endif
            }
        }

        /// The fastest engine of this build.
        public static var fastest: Engine { Engine.boringSSLStates.isAvailable ? .boringSSLStates : .swiftCrypto }
    }

    /// The engine this key's MACs run on.
    public let engine: Engine
    private let keyed: Keyed

    /// `engine`: an engine this build lacks gives way to `swiftCrypto`.
    public init(key: [UInt8], hash: Hash, engine: Engine = .fastest) {
        self.engine = engine.isAvailable ? engine : .swiftCrypto
        keyed = Keyed(key: key, hash: hash, engine: self.engine)
    }

    /// HMAC(key, message) in full.
    public func mac(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        switch keyed {
        #if canImport(CCryptoBoringSSL)
        case .sha1(let keyed): keyed.mac(message)
        case .sha256(let keyed): keyed.mac(message)
        case .sha512(let keyed): keyed.mac(message)
        #endif
        case .portableSHA1(let keyed): keyed.mac(message)
        case .portableSHA256(let keyed): keyed.mac(message)
        case .portableSHA512(let keyed): keyed.mac(message)
        }
    }

    /// Calls `body` with each counter of `start ..< start + count` (the caller keeps it below `UInt64.max`) and the
    /// RFC 4226 truncation of its MAC, in one batch.
    public func forEachTruncated(from start: UInt64, count: Int, _ body: (UInt64, UInt32) -> Void) {
        switch keyed {
        #if canImport(CCryptoBoringSSL)
        case .sha1(let keyed): keyed.forEachTruncated(from: start, count: count, body)
        case .sha256(let keyed): keyed.forEachTruncated(from: start, count: count, body)
        case .sha512(let keyed): keyed.forEachTruncated(from: start, count: count, body)
        #endif
        case .portableSHA1(let keyed): keyed.forEachTruncated(from: start, count: count, body)
        case .portableSHA256(let keyed): keyed.forEachTruncated(from: start, count: count, body)
        case .portableSHA512(let keyed): keyed.forEachTruncated(from: start, count: count, body)
        }
    }

    /// The keyed state of the engine and hash function.
    private enum Keyed: Sendable {
        #if canImport(CCryptoBoringSSL)
        case sha1(KeyedHMAC<SHA1State>)
        case sha256(KeyedHMAC<SHA256State>)
        case sha512(KeyedHMAC<SHA512State>)
        #endif
        case portableSHA1(SwiftCryptoHMAC<Insecure.SHA1>)
        case portableSHA256(SwiftCryptoHMAC<SHA256>)
        case portableSHA512(SwiftCryptoHMAC<SHA512>)

        init(key: [UInt8], hash: Hash, engine: Engine) {
            #if canImport(CCryptoBoringSSL)
            if engine == .boringSSLStates {
                switch hash {
                case .sha1: self = .sha1(KeyedHMAC(key: key))
                case .sha256: self = .sha256(KeyedHMAC(key: key))
                case .sha512: self = .sha512(KeyedHMAC(key: key))
                }
                return
            }
            #endif
            switch hash {
            case .sha1: self = .portableSHA1(SwiftCryptoHMAC(key: key))
            case .sha256: self = .portableSHA256(SwiftCryptoHMAC(key: key))
            case .sha512: self = .portableSHA512(SwiftCryptoHMAC(key: key))
            }
        }
    }
}
