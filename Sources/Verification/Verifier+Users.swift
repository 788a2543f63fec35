import Foundation

/// The answer to a login by user name, for the front end and the audit log: the client sees only accepted or not.
public struct UserVerification: Sendable, Equatable {
    public let outcome: VerificationOutcome
    /// The token that accepted the code, or that started an auto-resync (its next code completes it); nil otherwise.
    public let tokenID: String?
    /// When the login started an auto-resync and named a client to challenge: the opaque State of the challenge that
    /// asks for the next code (see `answerResyncChallenge`).
    public let challengeState: [UInt8]?

    public init(outcome: VerificationOutcome, tokenID: String?, challengeState: [UInt8]? = nil) {
        self.outcome = outcome
        self.tokenID = tokenID
        self.challengeState = challengeState
    }
}

extension Verifier {
    /// Checks a login's password against every token `user` owns. With a PIN, the password is the PIN followed by
    /// the code; a wrong PIN is a failure of each of the user's tokens and answers as a wrong code does.
    ///
    /// At most one token accepts: the code is decided on each token in memory first, and only an accepting token is
    /// written (its compare-and-set as for a login by id); when none accepts, each token's refusal is written
    /// (failures, an auto-resync started, a replay) in one commit. Every refusal does the same work, whoever the user
    /// is and whatever they own (up to `maximumTokensPerUser` tokens of the default windows): one read, at most one
    /// PIN derivation (exactly one once any user has a PIN: the split after the code of the token the code matched,
    /// or of the user's first token), the HMACs of a wrong code on `maximumTokensPerUser` tokens, and one commit.
    ///
    /// `challengeClient`: when the login starts an auto-resync, a State for a challenge to this client is made
    /// (`UserVerification.challengeState`), bound to the user, the client, the token and this very resync.
    ///
    /// A login the store keeps (`TokenStore.keptLogin`) is decided on with no read; its write checks that the user is
    /// still as kept, and when not, the login is decided again on a read. Kept or read, a refusal does the same work.
    public func verify(user rawName: String, password: String, challengeClient: String? = nil) async throws(VerifierError) -> UserVerification {
        let user = try? UserName(rawName)
        if let user, let kept = store.keptLogin(user: user),
           let answer = try await verify(user: user, rawName: rawName, login: kept, password: password, challengeClient: challengeClient) {
            return answer
        }
        var login = UserLogin(tokens: [], pin: nil, pinsInUse: true)
        if let user { login = try await store.login(user: user) }
        guard let answer = try await verify(user: user, rawName: rawName, login: login, password: password, challengeClient: challengeClient) else {
            throw .contention("user " + String(rawName.prefix(120)))  // a login read is never refused as changed
        }
        return answer
    }

    /// `verify(user:password:challengeClient:)` decided on `login`; nil when `login` was kept and the user has changed.
    private func verify(user: UserName?, rawName: String, login: UserLogin, password: String,
                        challengeClient: String?) async throws(VerifierError) -> UserVerification? {
        let now = clock(), password = Array(password.utf8)
        var hmacs = 0
        // Each token decides the code its length cuts off the password, as if the PIN before it were right.
        var decisions: [(token: VerifierToken, code: String, decision: Decision)] = []
        for token in login.tokens {
            let code = String(decoding: login.pin == nil ? password[...] : password.suffix(token.digits), as: UTF8.self)
            var work = HMACWork(try hotp(for: token))
            let (outcome, changed) = rules.verify(token, code: code, pinAccepted: true, now: now, work: &work)
            hmacs += work.count
            decisions.append((token, code, Decision(outcome: outcome, token: changed)))
        }
        // One PIN derivation: for the split of the token the code matched, else of the first token.
        let matched = decisions.first { $0.decision.outcome.accepted } ?? decisions.first { $0.decision.outcome == .rejected(.resyncStarted) }
        let splitDigits = (matched ?? decisions.first)?.token.digits
        var pinRight = true
        if let pin = login.pin, let digits = splitDigits {
            pinRight = split(password, pin: pin, digits: digits).pinAccepted
        } else if login.pinsInUse {
            deriveDecoyPIN(password)
        }
        // A login that will be accepted costs what it costs; every other pads its HMACs to the same budget.
        func pinAccepted(for token: VerifierToken) -> Bool { pinRight && (login.pin == nil || token.digits == splitDigits) }
        let accepting = matched.flatMap { $0.decision.outcome.accepted && pinAccepted(for: $0.token) ? $0 : nil }
        try decoyWork(budget: accepting == nil ? loginBudget(login.tokens) : 0, done: hmacs)
        guard let user, !login.tokens.isEmpty else {
            let refusal = (tokenID: "user " + String((user?.text ?? rawName).prefix(120)), event: "verify:" + RejectionReason.unknownUser.rawValue)
            if let user {
                guard try await store.writeLogin([], orEvent: refusal, user: user, decidedOn: login) != nil else { return nil }
            } else {
                try await store.recordEvent(tokenID: refusal.tokenID, event: refusal.event)
            }
            return UserVerification(outcome: .rejected(.unknownUser), tokenID: nil)
        }
        if let accepting {
            let decision = accepting.decision
            guard let stored = try await store.writeLogin([(decision.token, decision.event)], orEvent: ("", ""), user: user, decidedOn: login) else {
                return nil
            }
            if stored.first == true { return UserVerification(outcome: decision.outcome, tokenID: accepting.token.id) }
            // Another request moved the token first: read it again and decide again.
            guard let token = try await tokenToDecide(id: accepting.token.id) else {
                return UserVerification(outcome: .rejected(.unknownToken), tokenID: accepting.token.id)
            }
            let settled = try await settle(token, code: accepting.code, pinAccepted: true)
            return UserVerification(outcome: settled.outcome, tokenID: accepting.token.id)
        }
        // A token of another code length than the split's had the wrong PIN before its code.
        let refusals = decisions.map { entry in
            pinAccepted(for: entry.token) ? entry : (token: entry.token, code: entry.code, decision: refusedForPIN(entry.token, now: now))
        }
        guard let stored = try await store.writeLogin(refusals.map { ($0.decision.token, $0.decision.event) }, orEvent: ("", ""), user: user,
                                                      decidedOn: login) else { return nil }
        var outcomes: [(outcome: VerificationOutcome, token: VerifierToken)] = []
        for (entry, matchedCAS) in zip(refusals, stored) {
            if matchedCAS {
                outcomes.append((entry.decision.outcome, entry.decision.token))
            } else {
                // Another request changed the token first: read it again and decide again (which may then accept).
                let again = try await settle(entry.token, code: entry.code, pinAccepted: pinAccepted(for: entry.token))
                outcomes.append((again.outcome, again.token))
            }
        }
        if let accepted = outcomes.first(where: { $0.outcome.accepted }) {
            return UserVerification(outcome: accepted.outcome, tokenID: accepted.token.id)
        }
        // An auto-resync started needs its token named, and a State for the challenge that asks for its next code.
        if let started = outcomes.first(where: { $0.outcome == .rejected(.resyncStarted) }), let pending = started.token.pendingResync {
            let state = try challengeClient.map { (client) throws(VerifierError) in
                try resyncChallengeState(user: rawName, client: client, tokenID: started.token.id, pending: pending)
            }
            return UserVerification(outcome: started.outcome, tokenID: started.token.id, challengeState: state)
        }
        return UserVerification(outcome: outcomes[0].outcome, tokenID: nil)
    }

    /// What a refusal for a wrong PIN stores: the rules' change, as a decision.
    func refusedForPIN(_ token: VerifierToken, now: Date) -> Decision {
        let (outcome, changed) = rules.refuseForPIN(token, now: now)
        return Decision(outcome: outcome, token: changed)
    }

    /// The HMACs a refused login costs: a wrong code on `maximumTokensPerUser` tokens of the default windows, or on
    /// the tokens the user owns when theirs cost more (larger windows, or more tokens than the limit).
    func loginBudget(_ tokens: [VerifierToken]) -> Int {
        max(Self.maximumTokensPerUser * verifyBudget(nil), tokens.reduce(0) { $0 + verifyBudget($1) })
    }

    /// Whether `password` passes the PIN of `token`'s owner, and the code it carries: with an owner who has a PIN,
    /// the password is the PIN followed by the code (one derivation); otherwise the whole password is the code.
    func ownerPINCheck(_ token: VerifierToken, password: String) async throws(VerifierError) -> (pinAccepted: Bool, code: String) {
        guard let ownerName = token.user else { return (true, password) }
        // An owner whose stored name no longer reads as a name is refused, never let through without a PIN check.
        guard let owner = try? UserName(ownerName) else { return (false, password) }
        guard let pin = try await store.pin(user: owner) else { return (true, password) }
        return split(Array(password.utf8), pin: pin, digits: token.digits)
    }

    /// `password` read as a PIN followed by a code of `digits` digits: whether the PIN is `pin` (one derivation, also
    /// when the password is too short to hold one) and the code.
    private func split(_ password: [UInt8], pin: PINHash, digits: Int) -> (pinAccepted: Bool, code: String) {
        let accepted = derivePIN(pin, password.dropLast(digits)) && password.count > digits
        return (accepted, String(decoding: password.suffix(digits), as: UTF8.self))
    }

    @discardableResult
    private func derivePIN(_ pin: PINHash, _ candidate: ArraySlice<UInt8>) -> Bool {
        pinDerivations.wrappingAdd(1, ordering: .relaxed)
        return pin.matches(candidate)
    }

    /// The derivation of a PIN nobody has, so that a login without a PIN to check costs what one with a PIN does.
    private func deriveDecoyPIN(_ password: [UInt8]) { derivePIN(.decoy, password[...]) }
}
