import Crypto
import Foundation

/// The opaque State of a challenge that asks for an auto-resync's next code (a RADIUS Access-Challenge): which token,
/// until when, sealed with AES-GCM under a key derived from the current master key and bound to the user's name. A
/// client can neither read nor forge it, it opens only for the user it was made for, and every node sharing the
/// master key opens it (the answer may reach another node than the question did).
struct ResyncChallenge {
    /// How long the answer may take: the auto-resync's own timeout bounds it too.
    static let lifetime: TimeInterval = 300

    static func seal(tokenID: String, user: UserName, now: Date, keyring: MasterKeyring) -> [UInt8] {
        var plain = withUnsafeBytes(of: UInt64(now.addingTimeInterval(lifetime).timeIntervalSince1970).bigEndian, Array.init)
        plain += Array(tokenID.utf8)
        guard let box = try? AES.GCM.seal(plain, using: key(keyring.current), authenticating: Array(user.text.utf8)).combined else { return [] }
        return Array(box)
    }

    /// The token id, when `state` was sealed by a node with this master key for `user` and has not expired.
    static func open(_ state: [UInt8], user: UserName, now: Date, keyring: MasterKeyring) -> String? {
        guard state.count >= 12 + 16 + 9, let box = try? AES.GCM.SealedBox(combined: state),
              let plain = try? AES.GCM.open(box, using: key(keyring.current), authenticating: Array(user.text.utf8)) else { return nil }
        let bytes = Array(plain)
        let expiry = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard Double(expiry) >= now.timeIntervalSince1970 else { return nil }
        return String(bytes: bytes[8...], encoding: .utf8)
    }

    private static func key(_ master: MasterKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: master.key, info: Array("otpkit resync challenge".utf8), outputByteCount: 32)
    }
}

extension Verifier {
    /// The State for a challenge asking `user` for the next code of the auto-resync started on `tokenID`.
    public func resyncChallengeState(user: String, tokenID: String) throws(VerifierError) -> [UInt8] {
        ResyncChallenge.seal(tokenID: tokenID, user: try UserName(user), now: clock(), keyring: keyring)
    }

    /// The answer to such a challenge: `code` is the next code of the token the State names. A State that does not
    /// open (forged, another user's, expired) is refused as an unknown token is, at the same cost.
    public func answerResyncChallenge(user: String, state: [UInt8], code: String) async throws(VerifierError) -> UserVerification {
        let name = try? UserName(user)
        let tokenID = name.flatMap { ResyncChallenge.open(state, user: $0, now: clock(), keyring: keyring) }
        return try await completeResync(user: user, tokenID: tokenID ?? "", code: code)
    }
}
