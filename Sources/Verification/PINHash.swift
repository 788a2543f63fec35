import Crypto
import OTPCore
import _CryptoExtras
import Foundation

/// A user's PIN as the store keeps it: PBKDF2-HMAC-SHA256 over the PIN with a random salt, with its parameters, so
/// that the work can be raised later without invalidating stored PINs. Comparing runs the whole derivation and a
/// constant-time compare; the PIN itself is never kept, printed or logged.
public struct PINHash: Sendable, Equatable, CustomStringConvertible {
    public enum Algorithm: String, Sendable {
        case pbkdf2SHA256 = "pbkdf2-sha256"
    }

    public let algorithm: Algorithm
    public let iterations: Int
    public let salt: [UInt8]
    public let hash: [UInt8]

    /// About 25 ms on this project's reference machine: slow for guessing a stolen database, cheap beside a login.
    public static let defaultIterations = 100_000
    /// PINs are 1 to 64 bytes (the RADIUS password, PIN and code together, is at most 128).
    public static let maximumBytes = 64

    /// Hashes `pin` (NFC-normalised) with a fresh salt.
    public static func make(pin: String, iterations: Int = defaultIterations) throws(VerifierError) -> PINHash {
        let bytes = Array(pin.precomposedStringWithCanonicalMapping.utf8)
        guard (1...maximumBytes).contains(bytes.count) else { throw .invalidUser("a PIN is 1 to \(maximumBytes) bytes") }
        guard !pin.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidUser("a PIN holds no control characters")
        }
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return PINHash(algorithm: .pbkdf2SHA256, iterations: iterations, salt: salt,
                       hash: derive(bytes, salt: salt, iterations: iterations))
    }

    init(algorithm: Algorithm, iterations: Int, salt: [UInt8], hash: [UInt8]) {
        self.algorithm = algorithm
        self.iterations = iterations
        self.salt = salt
        self.hash = hash
    }

    /// A PIN nobody knows, hashed once per process: compared against when a request has no PIN to check but others
    /// do, so that every request costs one derivation (a user's having a PIN, or existing, does not show in time).
    public static let decoy: PINHash = (try? make(pin: UUID().uuidString)) ?? PINHash(algorithm: .pbkdf2SHA256, iterations: defaultIterations, salt: [0], hash: [0])

    /// Whether `candidate` (the bytes typed before the code) is this PIN. Always derives, whatever the length.
    public func matches<Bytes: Collection<UInt8>>(_ candidate: Bytes) -> Bool {
        let normalized = Array((String(bytes: candidate, encoding: .utf8) ?? "").precomposedStringWithCanonicalMapping.utf8)
        let derived = Self.derive(normalized.isEmpty ? Array(candidate) : normalized, salt: salt, iterations: iterations)
        return ConstantTime.equals(derived, hash) && !candidate.isEmpty
    }

    private static func derive(_ pin: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = try? KDF.Insecure.PBKDF2.deriveKey(from: pin, salt: salt, using: .sha256, outputByteCount: 32,
                                                      unsafeUncheckedRounds: iterations)
        return key?.withUnsafeBytes { Array($0) } ?? []
    }

    // MARK: Stored form

    /// `pbkdf2-sha256$ITERATIONS$SALT$HASH`, salt and hash in base64.
    public var encoded: String {
        [algorithm.rawValue, String(iterations), Data(salt).base64EncodedString(), Data(hash).base64EncodedString()].joined(separator: "$")
    }

    public init(encoded: String) throws(VerifierError) {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let algorithm = Algorithm(rawValue: parts[0]), let iterations = Int(parts[1]),
              (1...10_000_000).contains(iterations), let salt = Data(base64Encoded: parts[2]), let hash = Data(base64Encoded: parts[3]),
              hash.count == 32 else { throw .storage("a stored PIN hash is damaged") }
        self.init(algorithm: algorithm, iterations: iterations, salt: Array(salt), hash: Array(hash))
    }

    public var description: String { "PIN hash (\(algorithm.rawValue), \(iterations) iterations)" }
}
