import Foundation
import MasterKeys
import OTPCore
import Synchronization

/// Checks codes against stored tokens: look-ahead window, resync, replay refusal and lockout.
///
/// Every decision is a read, a computation in memory and one compare-and-set write of the whole token (counter,
/// failures, lock, resync state together). Losing the race means another request changed the token first: the
/// verifier reloads and decides again, so one code is accepted at most once however many requests carry it.
///
/// Every refusal costs the same: one read, one commit, and the HMACs of a wrong code's full search on a token with
/// the default windows (`HMACWork` pads the shorter paths), so a client cannot tell by timing an unknown token from
/// a locked one, a replay from a wrong code, or a code of the wrong length from either.
public final class Verifier: Sendable {
    /// Reached by the verifier and its administration facade only (`administration`), so that no caller decides
    /// or changes a token around the rules of equal work and audit.
    let store: TokenStore
    public let keyring: MasterKeyring
    public let policy: VerifierPolicy
    /// The decision itself, pure (see `DecisionRules`).
    let rules: DecisionRules
    let clock: @Sendable () -> Date
    static let maxAttempts = 64
    /// The most tokens one user may own: every refused login pads its work to this many tokens' refusals, so the
    /// number a user owns does not show in the time a refusal takes.
    public static let maximumTokensPerUser = 8
    /// A secret sealed at start, opened and searched with for unknown tokens: the work an existing token costs.
    private let decoy: SealedSecret?
    private static let decoyID = "otpkit decoy"
    private let hmacs = Atomic<Int>(0)
    let pinDerivations = Atomic<Int>(0)
    /// Decisions on one token take turns within this verifier (see `TokenTurns`).
    let turns = TokenTurns()

    public init(store: TokenStore, keyring: MasterKeyring, policy: VerifierPolicy = VerifierPolicy(),
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.keyring = keyring
        self.policy = policy
        self.rules = DecisionRules(policy: policy)
        self.clock = clock
        decoy = try? keyring.seal(Secret.random(byteCount: 20), tokenID: Self.decoyID)
    }

    /// A verifier on the same store with another keyring (a key rotation reseals through one).
    public func withKeyring(_ keyring: MasterKeyring) -> Verifier {
        Verifier(store: store, keyring: keyring, policy: policy, clock: clock)
    }

    /// The HMACs this verifier computed in decisions so far (for tests and the benchmark: refusals must cost alike).
    public var hmacsComputed: Int { hmacs.load(ordering: .relaxed) }
    /// The PIN hashes this verifier derived in logins by user so far (for tests: refusals must cost alike).
    public var pinDerivationsComputed: Int { pinDerivations.load(ordering: .relaxed) }

    // MARK: Master keys

    /// What opening checks of the keyring against the store.
    public enum KeyringCheck: Sendable {
        /// For serving and importing: the keyring also seals under the store's current key.
        case sealing
        /// For `rotate-key`, which may finish a rotation that stopped before its reseal.
        case rotating
    }

    /// Refuses, when opening, a keyring that cannot open what the store holds: the store's current master key and
    /// every key its secrets are sealed under must be in it, and (`.sealing`) the keyring must seal under the store's
    /// current key, else a key rotation was left unfinished. So a wrong key file is found at start, not per request.
    public func checkKeyring(_ check: KeyringCheck = .sealing) async throws(VerifierError) {
        let known = ([keyring.current] + keyring.older).map(\.id)
        var needed = try await store.sealingKeyIDs()
        let current = try await store.masterKeyID()
        if let current { needed.insert(current) }
        if let missing = needed.sorted().first(where: { !known.contains($0) }) {
            throw .wrongMasterKey(storeKeyID: missing, keyring: known)
        }
        if check == .sealing, let current, current != keyring.current.id {
            throw .rotationUnfinished(storeKeyID: current, keyFileKeyID: keyring.current.id)
        }
    }

    /// Whether a new master key may be made for `store`: only when it holds no token and never recorded a key
    /// (a missing key file for any other store is a lost key, never replaced).
    public static func mayCreateMasterKey(for store: TokenStore) async throws(VerifierError) -> Bool {
        guard try await store.masterKeyID() == nil else { return false }
        return try await store.sealingKeyIDs().isEmpty
    }

    // MARK: Enrolment

    /// A token ready to store: the secret sealed under the current master key. `timeDrift` (TOTP) is the steps the
    /// token's clock is known to run ahead (negative: behind), as a seed file may say.
    public func makeToken(id: String, secret: Secret, kind: VerifierToken.Kind = .hotp, algorithm: OTPAlgorithm = .sha1,
                          digits: Int = 6, counter: UInt64 = 0, window: Int? = nil, syncWindow: Int? = nil,
                          issuer: String? = nil, timeDrift: Int = 0, user: String? = nil) throws(VerifierError) -> VerifierToken {
        guard !id.isEmpty, id.utf8.count <= 128 else { throw .invalidToken("an id is 1 to 128 bytes") }
        guard OTPDigits.allowed.contains(digits) else { throw .invalidToken("digits must be 6 to 10") }
        if case .totp(let period) = kind, period < 1 { throw .invalidToken("the TOTP period must be at least 1 s") }
        let defaultWindow = kind == .hotp ? VerifierPolicy.defaultWindow : VerifierPolicy.defaultTOTPWindow
        let window = window ?? defaultWindow, syncWindow = syncWindow ?? VerifierPolicy.defaultSyncWindow
        guard (0...1000).contains(window), (window...100_000).contains(syncWindow) else {
            throw .invalidToken("the window must be 0 to 1000 and the sync window at least the window (at most 100000)")
        }
        guard abs(timeDrift) <= 1_000_000 else { throw .invalidToken("the time drift must be within 1,000,000 steps") }
        return VerifierToken(id: id, kind: kind, algorithm: algorithm, digits: digits, counter: counter, window: window,
                             syncWindow: syncWindow, sealedSecret: try keyring.sealed(secret, tokenID: id), issuer: issuer,
                             timeDrift: kind == .hotp ? 0 : timeDrift, user: try user.map { (name) throws(VerifierError) in try UserName(name).text })
    }

    /// Stores new tokens in one transaction. Refused (`masterKeyRetired`) when the store's master key was rotated
    /// since this verifier read its keys: it must not seal anything under the retired key.
    public func add(_ tokens: [VerifierToken]) async throws(VerifierError) {
        guard !tokens.isEmpty else { return }
        if let other = tokens.first(where: { $0.sealedSecret.keyID != keyring.current.id }) {
            throw .invalidToken("\(other.id) is not sealed under this verifier's master key")
        }
        for (user, owned) in Dictionary(grouping: tokens.compactMap(\.user), by: { $0 }) {
            let already = try await store.login(user: try UserName(user)).tokens.count
            guard already + owned.count <= Self.maximumTokensPerUser else {
                throw .invalidUser("\(user) would own \(already + owned.count) tokens; a user owns at most \(Self.maximumTokensPerUser)")
            }
        }
        try await store.insert(tokens, sealedUnder: keyring.current.id)
    }

    /// The stored form of an imported seed record, filed under `record.tokenID`.
    public func token(from record: SeedRecord) throws(VerifierError) -> VerifierToken {
        try makeToken(id: record.tokenID, secret: record.secret, kind: record.period.map { .totp(period: $0) } ?? .hotp,
                      algorithm: record.algorithm, digits: record.digits, counter: record.counter, issuer: record.issuer,
                      timeDrift: record.timeDrift ?? 0, user: record.user)
    }

    // MARK: Verification

    /// Checks `code` for the token `id`. A token whose user has a PIN is checked as that user's login is: `code` is
    /// the PIN followed by the code, and a code without the right PIN is refused (a failure), so a PIN-protected
    /// token cannot be verified around its PIN. Every refusal costs the same work (see the type's note), and one of a
    /// token whose user has a PIN also that PIN's derivation.
    public func verify(tokenID id: String, code: String) async throws(VerifierError) -> VerificationOutcome {
        try await turns.inTurn(id) { () throws(VerifierError) -> VerificationOutcome in
            guard let token = try await tokenToDecide(id: id) else {
                try decoyWork(budget: verifyBudget(nil))
                try await store.recordEvent(tokenID: id, event: "verify:" + RejectionReason.unknownToken.rawValue)
                return .rejected(.unknownToken)
            }
            let (pinAccepted, bareCode) = try await ownerPINCheck(token, password: code)
            return try await settle(token, code: bareCode, pinAccepted: pinAccepted).outcome
        }
    }

    /// One code's decision on one token, in memory: the outcome, the token as it must then be stored, with the
    /// HMAC work of a refusal padded to its budget.
    func decision(on token: VerifierToken, code: String, pinAccepted: Bool, now: Date) throws(VerifierError) -> Decision {
        var work = HMACWork(try hotp(for: token))
        let (outcome, changed) = rules.verify(token, code: code, pinAccepted: pinAccepted, now: now, work: &work)
        finish(&work, budget: outcome.accepted ? 0 : verifyBudget(token))
        return Decision(outcome: outcome, token: changed)
    }

    struct Decision {
        let outcome: VerificationOutcome
        /// The token as the decision leaves it, to be stored (compare-and-set on its version).
        let token: VerifierToken
        /// What the token's event row says happened (never a code).
        let event: String

        init(outcome: VerificationOutcome, token: VerifierToken, event: String? = nil) {
            self.outcome = outcome
            self.token = token
            self.event = event ?? "verify:" + outcome.label
        }
    }

    /// Decides `code` on `token` and stores the decision; a lost compare-and-set takes the token again (a newer row
    /// the store kept, or a read) and decides again, so one code is accepted at most once. `first`: a decision already
    /// made on `token` as read. Every decision is durable before it is answered, and every one writes the token (a
    /// replay changes nothing but its version), so each costs the same commit. Returns the decision stored.
    func settle(_ token: VerifierToken, code: String, pinAccepted: Bool, first: Decision? = nil) async throws(VerifierError) -> Decision {
        try await settle(token, first: first) { (token) throws(VerifierError) in
            try self.decision(on: token, code: code, pinAccepted: pinAccepted, now: self.clock())
        }
    }

    /// The compare-and-set loop of every decision: `decide` on the token as read, store, and on a lost race read again.
    func settle(_ token: VerifierToken, first: Decision? = nil,
                decide: (VerifierToken) throws(VerifierError) -> Decision) async throws(VerifierError) -> Decision {
        var token = token, decided = first
        for _ in 0..<Self.maxAttempts {
            let decision: Decision
            if let first = decided { decision = first } else { decision = try decide(token) }
            decided = nil
            if try await store.update(decision.token, event: decision.event) { return decision }
            guard let reread = try await tokenToDecide(id: token.id) else { return Decision(outcome: .rejected(.unknownToken), token: token) }
            token = reread
        }
        throw .contention(token.id)
    }

    /// The token to decide on: the store's kept row when it has one (a stale one fails its compare-and-set, and the
    /// store then keeps only a newer row or none), else a read. A kept row sealed under a key this verifier does not
    /// hold predates a rotation made elsewhere: the token is read again instead.
    func tokenToDecide(id: String) async throws(VerifierError) -> VerifierToken? {
        guard let token = try await store.tokenForDecision(id: id) else { return nil }
        return keyring.holdsKey(of: token.sealedSecret) ? token : try await store.token(id: id)
    }

    /// Resynchronises a drifted token from two consecutive codes: HOTP codes in counter ... counter + syncWindow,
    /// TOTP codes of consecutive steps within syncWindow / 2 steps either side of now (which sets the token's drift).
    /// A token whose user has a PIN takes it before the first code, as a verify by id does (`ownerPINCheck`): the
    /// PIN guards every path that moves the token's counter. A wrong PIN is refused as codes not found are.
    public func resync(tokenID id: String, code1: String, code2: String) async throws(VerifierError) -> ResyncOutcome {
        var pinCheck: (pinAccepted: Bool, code: String)?
        for _ in 0..<Self.maxAttempts {
            let now = clock()
            guard var token = try await store.token(id: id) else {
                try decoyWork(budget: resyncBudget(nil))
                throw try await refuseResync(id, .unknownToken(id))
            }
            if pinCheck == nil { pinCheck = try await ownerPINCheck(token, password: code1) }
            let (pinAccepted, code1) = pinCheck ?? (false, code1)
            var work = HMACWork(try hotp(for: token))
            if rules.isLocked(&token, now: now) {
                finish(&work, budget: resyncBudget(token))
                if try await store.update(token, event: "resync:refused") { throw .tokenLocked(id) }
                continue
            }
            var changed = token
            let found = pinAccepted && DecisionRules.wellFormed(code1, digits: token.digits) && DecisionRules.wellFormed(code2, digits: token.digits)
                ? findPair(&changed, work: &work, code1, code2, now: now) : nil
            let outcome: ResyncOutcome
            if let found {
                changed.failures = 0
                changed.pendingResync = nil
                changed.resyncRequired = false
                outcome = .resynchronized(counter: found)
            } else {
                changed = token
                rules.countFailure(&changed, now: now)
                outcome = .notFound
            }
            finish(&work, budget: outcome == .notFound ? resyncBudget(token) : 0)
            if try await store.update(changed, event: outcome == .notFound ? "resync:not_found" : "resync:resynchronized") { return outcome }
        }
        throw .contention(id)
    }

    /// Finds the two codes as consecutive counters (HOTP) or steps (TOTP) and moves `token` past them; returns the
    /// counter or step of the next code, or nil.
    private func findPair(_ token: inout VerifierToken, work: inout HMACWork, _ code1: String, _ code2: String, now: Date) -> UInt64? {
        guard let first = UInt64(code1), let second = UInt64(code2) else { return nil }
        let start: UInt64, count: Int
        switch token.kind {
        case .hotp:
            (start, count) = (token.counter, token.syncWindow + 1)
        case .totp(let period):
            let current = DecisionRules.timeStep(now, period: period), half = UInt64(token.syncWindow / 2)
            start = current >= half ? current - half : 0
            count = Int(current - start + half) + 1
        }
        let values = work.values(from: start, count: count)
        guard let index = values.indices.dropLast().first(where: { values[$0] == first && values[$0 + 1] == second }) else { return nil }
        let next = start + UInt64(index) + 2
        switch token.kind {
        case .hotp:
            token.counter = next
        case .totp(let period):
            // Steps already used stay used: a resync never accepts a code again.
            if let last = token.lastTimeStep, next - 2 <= last { return nil }
            token.lastTimeStep = next - 1
            token.timeDrift = DecisionRules.drift(step: next - 1, current: DecisionRules.timeStep(now, period: period))
        }
        return next
    }

    private func refuseResync(_ id: String, _ error: VerifierError) async throws(VerifierError) -> VerifierError {
        try await store.recordEvent(tokenID: id, event: "resync:refused")
        return error
    }

    // MARK: Equal work

    /// The HMACs a refused verification costs on `token` (nil: an unknown token): a wrong code's full search
    /// (pending resync, window, replay, sync window), at least that of a token with the default windows.
    func verifyBudget(_ token: VerifierToken?) -> Int {
        func cost(window: Int, syncWindow: Int) -> Int {
            1 + (window + 1) + 1 + (policy.autoResync ? max(0, syncWindow - window) : 0)
        }
        let floor = cost(window: VerifierPolicy.defaultWindow, syncWindow: VerifierPolicy.defaultSyncWindow)
        guard let token else { return floor }
        switch token.kind {
        case .hotp: return max(floor, cost(window: token.window, syncWindow: token.syncWindow))
        case .totp: return max(floor, 2 * token.window + 1)
        }
    }

    /// The HMACs a refused resync costs: the whole sync window's search.
    private func resyncBudget(_ token: VerifierToken?) -> Int {
        max(VerifierPolicy.defaultSyncWindow, token?.syncWindow ?? 0) + 1
    }

    /// An unknown token's work, or the rest of a refusal's: open a sealed secret and compute codes until `budget` were
    /// computed in all, `done` of them already (elsewhere), as an existing token would.
    func decoyWork(budget: Int, done: Int = 0) throws(VerifierError) {
        let secret = decoy.flatMap { try? keyring.opened($0, tokenID: Self.decoyID) } ?? Secret.random(byteCount: 20)
        guard let hotp = try? HOTP(secret: secret) else { return }
        var work = HMACWork(hotp)
        work.pad(to: budget - done)
        hmacs.wrappingAdd(done + work.count, ordering: .relaxed)
    }

    func finish(_ work: inout HMACWork, budget: Int) {
        work.pad(to: budget)
        hmacs.wrappingAdd(work.count, ordering: .relaxed)
    }

    // MARK: Helpers

    func hotp(for token: VerifierToken) throws(VerifierError) -> HOTP {
        let secret = try keyring.opened(token.sealedSecret, tokenID: token.id)
        do { return try HOTP(secret: secret, algorithm: token.algorithm, digits: token.digits) } catch {
            throw .invalidToken(error.description)
        }
    }

    func change(_ id: String, event: String, _ body: (inout VerifierToken) throws(VerifierError) -> Void) async throws(VerifierError) {
        for _ in 0..<Self.maxAttempts {
            guard var token = try await store.token(id: id) else { throw .unknownToken(id) }
            try body(&token)
            if try await store.update(token, event: event) { return }
        }
        throw .contention(id)
    }
}
