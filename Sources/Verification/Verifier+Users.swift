import Foundation

/// The answer to a login by user name, for the front end and the audit log: the client sees only accepted or not.
public struct UserVerification: Sendable, Equatable {
    public let outcome: VerificationOutcome
    /// The token that accepted the code, or that started an auto-resync (its next code completes it); nil otherwise.
    public let tokenID: String?

    public init(outcome: VerificationOutcome, tokenID: String?) {
        self.outcome = outcome
        self.tokenID = tokenID
    }
}

extension Verifier {
    /// Checks a login's password against every token `user` owns. With a PIN, the password is the PIN followed by
    /// the code; a wrong PIN is a failure of each of the user's tokens and answers as a wrong code does.
    ///
    /// At most one token accepts: the code is decided on each token in memory first, and only an accepting token is
    /// written (its compare-and-set as for a login by id); when none accepts, each token's refusal is written
    /// (failures, an auto-resync started, a replay). An unknown user, a user owning no token, locked tokens and a
    /// wrong code cost the same: one read, one PIN derivation when any user has a PIN, the HMACs of a wrong code
    /// per token, one commit per token (for an unknown user: one event row).
    public func verify(user rawName: String, password: String) async throws(VerifierError) -> UserVerification {
        let user = try? UserName(rawName)
        var login = UserLogin(tokens: [], pin: nil, pinsInUse: true)
        if let user { login = try await store.login(user: user) }
        guard !login.tokens.isEmpty else {
            if login.pinsInUse { deriveDecoyPIN(password) }
            try decoyWork(budget: verifyBudget(nil))
            try await store.recordEvent(tokenID: "user " + String((user?.text ?? rawName).prefix(120)), event: "verify:" + RejectionReason.unknownUser.rawValue)
            return UserVerification(outcome: .rejected(.unknownUser), tokenID: nil)
        }
        let now = clock()
        var pinChecks = PINChecks(pin: login.pin, password: password, derive: derivePIN)
        if login.pin == nil, login.pinsInUse { deriveDecoyPIN(password) }
        var decisions: [(token: VerifierToken, decision: Decision, code: String, pinAccepted: Bool)] = []
        for token in login.tokens {
            let (code, pinAccepted) = pinChecks.split(forDigits: token.digits)
            decisions.append((token, try decision(on: token, code: code, pinAccepted: pinAccepted, now: now), code, pinAccepted))
        }
        if let accepting = decisions.first(where: { $0.decision.outcome.accepted }) {
            let outcome = try await settle(accepting.token, code: accepting.code, pinAccepted: true, first: accepting.decision)
            return UserVerification(outcome: outcome, tokenID: accepting.token.id)
        }
        var outcomes: [(outcome: VerificationOutcome, tokenID: String)] = []
        for entry in decisions {
            outcomes.append((try await settle(entry.token, code: entry.code, pinAccepted: entry.pinAccepted, first: entry.decision), entry.token.id))
        }
        // A lost race decides again, and may then accept; an auto-resync started needs its token named (the challenge).
        if let named = outcomes.first(where: { $0.outcome.accepted }) ?? outcomes.first(where: { $0.outcome == .rejected(.resyncStarted) }) {
            return UserVerification(outcome: named.outcome, tokenID: named.tokenID)
        }
        return UserVerification(outcome: outcomes[0].outcome, tokenID: nil)
    }

    /// Completes an auto-resync a login by user started on `tokenID` (the RADIUS challenge's answer): `code` is the
    /// code after the one that started it. Refused as an unknown token when the token is not the user's.
    func completeResync(user rawName: String, tokenID: String, code: String) async throws(VerifierError) -> UserVerification {
        let user = try? UserName(rawName)
        guard let token = try await store.token(id: tokenID), token.user != nil, token.user == user?.text else {
            try decoyWork(budget: verifyBudget(nil))
            try await store.recordEvent(tokenID: tokenID.isEmpty ? "(challenge)" : tokenID, event: "verify:" + RejectionReason.unknownToken.rawValue)
            return UserVerification(outcome: .rejected(.unknownToken), tokenID: nil)
        }
        let outcome = try await settle(token, code: code, pinAccepted: true)
        return UserVerification(outcome: outcome, tokenID: outcome.accepted ? tokenID : nil)
    }

    @discardableResult
    private func derivePIN(_ pin: PINHash, _ candidate: ArraySlice<UInt8>) -> Bool {
        pinDerivations.wrappingAdd(1, ordering: .relaxed)
        return pin.matches(candidate)
    }

    /// The derivation of a PIN nobody has, so that a login without a PIN to check costs what one with a PIN does.
    private func deriveDecoyPIN(_ password: String) { derivePIN(.decoy, Array(password.utf8)[...]) }

    // MARK: Users and their tokens

    /// Gives the token to `user` (a token has at most one owner; assigning again moves it).
    public func assign(tokenID: String, to user: String) async throws(VerifierError) {
        let name = try UserName(user)
        try await change(tokenID, event: "assign") { (token: inout VerifierToken) throws(VerifierError) in token.user = name.text }
    }

    /// Takes the token from its user; it is then verified by id only.
    public func unassign(tokenID: String) async throws(VerifierError) {
        try await change(tokenID, event: "unassign") { (token: inout VerifierToken) throws(VerifierError) in token.user = nil }
    }

    /// The tokens `user` owns, by id.
    public func tokens(ofUser user: String) async throws(VerifierError) -> [VerifierToken] {
        try await store.login(user: try UserName(user)).tokens
    }

    /// Sets `user`'s PIN (nil: removes it). A user must own a token first (a PIN for a mistyped name helps nobody).
    public func setPIN(_ pin: String?, user: String) async throws(VerifierError) {
        let name = try UserName(user)
        let hash = try pin.map { (pin) throws(VerifierError) in try PINHash.make(pin: pin) }
        if hash != nil, try await store.login(user: name).tokens.isEmpty { throw .userOwnsNoToken(name.text) }
        try await store.setPIN(hash, user: name)
    }
}

/// The password of a login split into PIN and code for tokens of a given length, each PIN length derived once.
private struct PINChecks {
    let pin: PINHash?
    let password: [UInt8]
    let derive: (PINHash, ArraySlice<UInt8>) -> Bool
    private var results: [Int: Bool] = [:]

    init(pin: PINHash?, password: String, derive: @escaping (PINHash, ArraySlice<UInt8>) -> Bool) {
        self.pin = pin
        self.password = Array(password.utf8)
        self.derive = derive
    }

    /// The code for a token of `digits` digits and whether the PIN before it is right (no PIN: the whole password).
    mutating func split(forDigits digits: Int) -> (code: String, pinAccepted: Bool) {
        guard let pin else { return (String(decoding: password, as: UTF8.self), true) }
        let cut = max(0, password.count - digits)
        let code = String(decoding: password[cut...], as: UTF8.self)
        if let known = results[digits] { return (code, known) }
        let accepted = derive(pin, password[..<cut]) && password.count > digits
        results[digits] = accepted
        return (code, accepted)
    }
}
