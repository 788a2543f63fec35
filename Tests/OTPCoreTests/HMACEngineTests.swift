import Crypto
import FastHMAC
import OTPCore
import Testing

/// FastHMAC's two engines give the same bytes on the same inputs: the fast one on swift-crypto's BoringSSL contexts
/// and the one on swift-crypto's public `HMAC`, which is what a build without that module runs (issue 21).
@Suite struct HMACEngineTests {
    /// Keys shorter than, equal to and longer than a block of each hash (64 or 128 bytes), and empty.
    static let keyLengths = [0, 1, 20, 32, 63, 64, 65, 127, 128, 129, 200]

    @Test func thisBuildHasTheFastEngine() throws {
        #expect(CounterHMAC.Engine.boringSSLStates.isAvailable, "swift-crypto's BoringSSL module is importable on Linux")
        #expect(CounterHMAC.Engine.fastest == .boringSSLStates)
        #expect(try HOTP(secret: Secret(bytes: Array(repeating: 1, count: 20))).engine == .boringSSLStates)
    }

    @Test(arguments: CounterHMAC.Hash.allCases) func bothEnginesGiveTheSameMACs(_ hash: CounterHMAC.Hash) {
        var generator = SystemRandomNumberGenerator()
        for keyLength in Self.keyLengths {
            let key = (0..<keyLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let fast = CounterHMAC(key: key, hash: hash, engine: .boringSSLStates)
            let portable = CounterHMAC(key: key, hash: hash, engine: .swiftCrypto)
            #expect(portable.engine == .swiftCrypto)
            for messageLength in [0, 8, 55, 56, 64, 111, 112, 128, 300] {
                let message = (0..<messageLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
                let mac = message.withUnsafeBytes { fast.mac($0) }
                #expect(mac == message.withUnsafeBytes { portable.mac($0) }, "key \(keyLength), message \(messageLength)")
                #expect(mac == Array(Self.reference(hash, key: key, message: message)), "swift-crypto's HMAC itself")
            }
            var fastRun: [(UInt64, UInt32)] = [], portableRun: [(UInt64, UInt32)] = []
            let start = UInt64.random(in: 0...(UInt64.max - 1000), using: &generator)
            fast.forEachTruncated(from: start, count: 300) { fastRun.append(($0, $1)) }
            portable.forEachTruncated(from: start, count: 300) { portableRun.append(($0, $1)) }
            #expect(fastRun.count == 300 && fastRun.elementsEqual(portableRun) { $0 == $1 }, "key \(keyLength)")
        }
    }

    /// RFC 4226's appendix D codes on both engines, through HOTP.
    @Test(arguments: CounterHMAC.Engine.allCases) func hotpVectorsOnEachEngine(_ engine: CounterHMAC.Engine) throws {
        let hotp = try HOTP(secret: Secret(bytes: Array("12345678901234567890".utf8)), engine: engine)
        #expect(hotp.engine == engine)
        #expect((0..<10).map { hotp.code(counter: UInt64($0)) }
                == ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"])
        #expect(hotp.firstMatch(399871, from: 0, count: 10) == 8)
    }

    static func reference(_ hash: CounterHMAC.Hash, key: [UInt8], message: [UInt8]) -> [UInt8] {
        let key = SymmetricKey(data: key)
        return switch hash {
        case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
        case .sha256: Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .sha512: Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
    }
}
