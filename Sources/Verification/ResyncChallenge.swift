import Crypto
import Foundation
import MasterKeys

/// The opaque State of a challenge that asks for an auto-resync's next code (a RADIUS Access-Challenge): which token,
/// which pending resync (its counter and start), until when; sealed with AES-GCM under a key derived from the current
/// master key and bound to the user's name and the client that got the challenge. A client can neither read nor forge
/// it, it opens only for that user through that client, and every node sharing the master key opens it (the answer
/// may reach another node than the question did). It is single use because the pending resync it names is: any
/// answer clears it in the token's row (a compare-and-set), so a second answer, on any node, finds it gone.
struct ResyncChallenge {
    /// How long the answer may take: the auto-resync's own timeout bounds it too.
    static let lifetime: TimeInterval = 300
    private static let version: UInt8 = 1

    let tokenID: String
    let pending: VerifierToken.PendingResync

    func seal(user: UserName, client: String, now: Date, keyring: MasterKeyring) -> [UInt8] {
        var plain = [Self.version]
        plain += Self.bytes(UInt64(now.addingTimeInterval(Self.lifetime).timeIntervalSince1970))
        plain += Self.bytes(pending.counter)
        plain += Self.bytes(pending.since.timeIntervalSince1970.bitPattern)
        plain += Array(tokenID.utf8)
        guard let box = try? AES.GCM.seal(plain, using: Self.key(keyring.current), authenticating: Self.audience(user, client)).combined else { return [] }
        return Array(box)
    }

    /// The challenge `state` names, when it was sealed by a node with this master key for `user` through `client`
    /// and has not expired.
    static func open(_ state: [UInt8], user: UserName, client: String, now: Date, keyring: MasterKeyring) -> ResyncChallenge? {
        guard state.count >= 12 + 16 + 26, state.count <= 253, let box = try? AES.GCM.SealedBox(combined: state),
              let plain = try? AES.GCM.open(box, using: key(keyring.current), authenticating: audience(user, client)) else { return nil }
        let bytes = Array(plain)
        guard bytes.count >= 26, bytes[0] == version else { return nil }
        func number(at offset: Int) -> UInt64 { bytes[offset..<offset + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        guard Double(number(at: 1)) >= now.timeIntervalSince1970, let tokenID = String(bytes: bytes[25...], encoding: .utf8) else { return nil }
        let since = Date(timeIntervalSince1970: Double(bitPattern: number(at: 17)))
        return ResyncChallenge(tokenID: tokenID, pending: .init(counter: number(at: 9), since: since))
    }

    private static func bytes(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }

    /// Who the State is for: the user and the client, length-prefixed so that no two pairs read alike.
    private static func audience(_ user: UserName, _ client: String) -> [UInt8] {
        let user = Array(user.text.utf8), client = Array(client.utf8)
        return bytes(UInt64(user.count)) + user + client
    }

    private static func key(_ master: MasterKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: master.key, info: Array("otpkit resync challenge".utf8), outputByteCount: 32)
    }
}

extension Verifier {
    /// The State for a challenge asking `user`, through `client`, for the next code of the auto-resync `pending` on
    /// `tokenID` (a login by user makes it; see `verify(user:password:challengeClient:)`).
    public func resyncChallengeState(user: String, client: String, tokenID: String, pending: VerifierToken.PendingResync) throws(VerifierError) -> [UInt8] {
        ResyncChallenge(tokenID: tokenID, pending: pending).seal(user: try UserName(user), client: client, now: clock(), keyring: keyring)
    }

    /// The answer to such a challenge: accepted only if `code` is the code right after the pending one, on the token
    /// the State names, for the user and client that got the challenge, while that resync is still pending. Any
    /// answer, right or wrong, spends the State and clears the pending resync (a wrong one counts as a failure); a
    /// State that does not open, has expired or was spent is refused (`badState`) and starts nothing. Every refusal
    /// costs what a wrong code costs.
    public func answerResyncChallenge(user: String, client: String, state: [UInt8], code: String) async throws(VerifierError) -> UserVerification {
        let now = clock()
        guard let name = try? UserName(user), let challenge = ResyncChallenge.open(state, user: name, client: client, now: now, keyring: keyring) else {
            return try await refuseBadState(tokenID: "(challenge)")
        }
        return try await turns.inTurn(challenge.tokenID) { () throws(VerifierError) -> UserVerification in
            guard let token = try await tokenToDecide(id: challenge.tokenID), token.user == name.text else {
                return try await refuseBadState(tokenID: challenge.tokenID)
            }
            let stored = try await settle(token) { (token) throws(VerifierError) in
                var work = HMACWork(try self.hotp(for: token))
                let (outcome, changed) = self.rules.answerChallenge(token, pending: challenge.pending, code: code, now: self.clock(), work: &work)
                self.finish(&work, budget: outcome.accepted ? 0 : self.verifyBudget(token))
                return Decision(outcome: outcome, token: changed, event: outcome.accepted ? "verify:challenge_answered" : nil)
            }
            return UserVerification(outcome: stored.outcome, tokenID: token.id)
        }
    }

    /// A State that names no token of this user: the work of an unknown token, one event row.
    private func refuseBadState(tokenID: String) async throws(VerifierError) -> UserVerification {
        try decoyWork(budget: verifyBudget(nil))
        try await store.recordEvent(tokenID: String(tokenID.prefix(128)), event: "verify:" + RejectionReason.badState.rawValue)
        return UserVerification(outcome: .rejected(.badState), tokenID: nil)
    }
}
