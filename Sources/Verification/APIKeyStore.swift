import Crypto
import Foundation
import OTPCore

/// What an API key of the verification server may do.
public enum APIKeyRole: String, Sendable, CaseIterable, Codable {
    /// May verify and resync codes.
    case verify
    /// May also import, read, change and delete tokens.
    case admin
}

/// An API key as listed: never its secret part.
public struct APIKey: Sendable, Equatable, Codable {
    public let id: String
    public let name: String
    public let role: APIKeyRole
    public let created: Date
    public let revoked: Bool

    public init(id: String, name: String, role: APIKeyRole, created: Date, revoked: Bool) {
        self.id = id
        self.name = name
        self.role = role
        self.created = created
        self.revoked = revoked
    }
}

/// A stored key with the SHA-256 of its secret part, as copied between databases.
public struct StoredAPIKey: Sendable, Equatable {
    public let key: APIKey
    public let hash: [UInt8]

    public init(key: APIKey, hash: [UInt8]) {
        self.key = key
        self.hash = hash
    }
}

/// Where the verification server keeps its API keys: beside the tokens, so that every node sharing a database
/// accepts the same keys. Only a hash of each key's secret part is stored; a key is shown once, when created.
public protocol APIKeyStore: Sendable {
    /// The stored key with this id, revoked or not.
    func storedKey(id: String) async throws(VerifierError) -> StoredAPIKey?
    func revoke(id: String) async throws(VerifierError) -> Bool
    /// Every key with its hash, and adding such keys (for `otpkit verifier copy`).
    func storedKeys() async throws(VerifierError) -> [StoredAPIKey]
    func insert(_ keys: [StoredAPIKey]) async throws(VerifierError)
}

extension APIKeyStore {
    /// The key a request presents, if it is valid and not revoked. The comparison is constant-time.
    public func authenticate(_ text: String) async throws(VerifierError) -> APIKey? {
        guard let (id, secret) = APIKeyText.parse(text), let stored = try await storedKey(id: id), !stored.key.revoked,
              APIKeyText.matches(secret, hash: stored.hash) else { return nil }
        return stored.key
    }

    public func list() async throws(VerifierError) -> [APIKey] {
        try await storedKeys().map(\.key)
    }

    /// Creates a key and returns it with its one-time full text `otpk_<id>_<secret>`.
    public func create(name: String, role: APIKeyRole) async throws(VerifierError) -> (key: APIKey, text: String) {
        let (id, secret) = APIKeyText.generate()
        let key = APIKey(id: id, name: name, role: role, created: Date(), revoked: false)
        try await insert([StoredAPIKey(key: key, hash: APIKeyText.hash(secret))])
        return (key, APIKeyText.text(id: id, secret: secret))
    }
}

/// The parts of a key's text and its hash, the same for every store.
public enum APIKeyText {
    /// A new key: 32 random bits of id, 160 of secret.
    public static func generate() -> (id: String, secret: String) {
        (Hex.encode(Secret.random(byteCount: 4).bytes), Secret.random(byteCount: 20).base32.lowercased())
    }

    public static func text(id: String, secret: String) -> String { "otpk_\(id)_\(secret)" }

    /// Splits `otpk_<id>_<secret>`; nil for anything else.
    public static func parse(_ text: String) -> (id: String, secret: String)? {
        let parts = text.split(separator: "_")
        guard parts.count == 3, parts[0] == "otpk", parts[1].count == 8 else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    /// Keys carry 160 random bits, so a fast hash is enough.
    public static func hash(_ secret: String) -> [UInt8] { Array(SHA256.hash(data: Array(secret.utf8))) }

    public static func matches(_ secret: String, hash: [UInt8]) -> Bool { ConstantTime.equals(hash, Self.hash(secret)) }
}
