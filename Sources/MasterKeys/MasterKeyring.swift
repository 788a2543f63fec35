import Crypto
import OTPCore

/// A 256-bit master key. Its id is derived from it (a truncated SHA-256), so ids never reveal the key and
/// the same key always has the same id.
public struct MasterKey: @unchecked Sendable {  // SymmetricKey is immutable; Crypto does not mark it Sendable
    public let id: String
    /// For keys derived from it inside this package (the resync challenges' key); never printed.
    package let key: SymmetricKey

    public init(bytes: [UInt8]) throws(MasterKeyError) {
        guard bytes.count == 32 else { throw .badMasterKey("a master key is 32 bytes, not \(bytes.count)") }
        key = SymmetricKey(data: bytes)
        id = Hex.encode(SHA256.hash(data: Array("otpkit master key id".utf8) + bytes).prefix(8))
    }

    public static func generate() -> MasterKey {
        try! MasterKey(bytes: Secret.random(byteCount: 32).bytes)
    }

    /// The raw key, for writing the key file only.
    public var bytes: [UInt8] { key.withUnsafeBytes { Array($0) } }
}

/// The master keys a verifier knows: the current one seals, any of them opens (during a key rotation).
public struct MasterKeyring: Sendable {
    public let current: MasterKey
    public let older: [MasterKey]

    public init(current: MasterKey, older: [MasterKey] = []) {
        self.current = current
        self.older = older.filter { $0.id != current.id }
    }

    public func seal(_ secret: Secret, tokenID: String) throws(MasterKeyError) -> SealedSecret {
        do {
            let box = try AES.GCM.seal(secret.bytes, using: current.key, authenticating: Array(tokenID.utf8))
            guard let combined = box.combined else { throw MasterKeyError.sealing("no combined form") }
            return SealedSecret(keyID: current.id, box: Array(combined))
        } catch {
            throw .sealing("\(type(of: error))")
        }
    }

    /// A keyed fingerprint of a secret (HMAC-SHA256 under the current key): equal secrets have equal fingerprints,
    /// and the fingerprint reveals nothing of the secret without the key. For finding duplicates without opening.
    public func fingerprint(_ secret: Secret) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array("otpkit fingerprint".utf8) + secret.bytes, using: current.key).prefix(16))
    }

    /// True when `sealed` is under a key of this keyring (whether or not its box then opens).
    public func holdsKey(of sealed: SealedSecret) -> Bool {
        current.id == sealed.keyID || older.contains { $0.id == sealed.keyID }
    }

    public func open(_ sealed: SealedSecret, tokenID: String) throws(MasterKeyError) -> Secret {
        guard let key = ([current] + older).first(where: { $0.id == sealed.keyID }) else {
            throw .unknownMasterKey(sealed.keyID)
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.box)
            return try Secret(bytes: Array(AES.GCM.open(box, using: key.key, authenticating: Array(tokenID.utf8))))
        } catch {
            throw .sealedSecretDamaged(tokenID)
        }
    }
}
