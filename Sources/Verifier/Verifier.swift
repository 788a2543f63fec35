import Foundation
import OTPCore

/// Checks codes against stored tokens: look-ahead window, resync, replay refusal and lockout.
///
/// Every decision is a read, a computation in memory and one compare-and-set write of the whole token (counter,
/// failures, lock, resync state together). Losing the race means another request changed the token first: the
/// verifier reloads and decides again, so one code is accepted at most once however many requests carry it.
public final class Verifier: Sendable {
    public let store: TokenStore
    public let keyring: MasterKeyring
    public let policy: VerifierPolicy
    private let clock: @Sendable () -> Date
    private static let maxAttempts = 64

    public init(store: TokenStore, keyring: MasterKeyring, policy: VerifierPolicy = VerifierPolicy(),
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.keyring = keyring
        self.policy = policy
        self.clock = clock
    }

    // MARK: Enrolment

    /// A token ready to store: the secret sealed under the current master key.
    public func makeToken(id: String, secret: Secret, kind: VerifierToken.Kind = .hotp, algorithm: OTPAlgorithm = .sha1,
                          digits: Int = 6, counter: UInt64 = 0, window: Int? = nil, syncWindow: Int? = nil,
                          issuer: String? = nil) throws(VerifierError) -> VerifierToken {
        guard !id.isEmpty, id.utf8.count <= 128 else { throw .invalidToken("an id is 1 to 128 bytes") }
        guard OTPDigits.allowed.contains(digits) else { throw .invalidToken("digits must be 6 to 10") }
        if case .totp(let period) = kind, period < 1 { throw .invalidToken("the TOTP period must be at least 1 s") }
        let defaultWindow = kind == .hotp ? VerifierPolicy.defaultWindow : VerifierPolicy.defaultTOTPWindow
        let window = window ?? defaultWindow, syncWindow = syncWindow ?? VerifierPolicy.defaultSyncWindow
        guard (0...1000).contains(window), (window...100_000).contains(syncWindow) else {
            throw .invalidToken("the window must be 0 to 1000 and the sync window at least the window (at most 100000)")
        }
        return VerifierToken(id: id, kind: kind, algorithm: algorithm, digits: digits, counter: counter, window: window,
                             syncWindow: syncWindow, sealedSecret: try keyring.seal(secret, tokenID: id), issuer: issuer)
    }

    public func add(_ tokens: [VerifierToken]) throws(VerifierError) {
        try store.insert(tokens)
    }

    /// The stored form of an imported seed record, filed under `record.tokenID`.
    public func token(from record: SeedRecord) throws(VerifierError) -> VerifierToken {
        try makeToken(id: record.tokenID, secret: record.secret, kind: record.period.map { .totp(period: $0) } ?? .hotp,
                      algorithm: record.algorithm, digits: record.digits, counter: record.counter, issuer: record.issuer)
    }

    // MARK: Verification

    /// Checks `code` for the token `id`. Unknown and locked tokens cost the same work as a wrong code.
    public func verify(tokenID id: String, code: String) throws(VerifierError) -> VerificationOutcome {
        for _ in 0..<Self.maxAttempts {
            let now = clock()
            guard var token = try store.token(id: id) else {
                equalizeTiming(code)
                try store.recordEvent(tokenID: id, event: "verify:" + RejectionReason.unknownToken.rawValue)
                return .rejected(.unknownToken)
            }
            if isLocked(&token, now: now) {
                equalizeTiming(code)
                try store.recordEvent(tokenID: id, event: "verify:" + RejectionReason.locked.rawValue)
                return .rejected(.locked)
            }
            let secret = try keyring.open(token.sealedSecret, tokenID: id)
            let (outcome, changed) = decide(token, secret: secret, code: code, now: now)
            // Every decision is durable before it is answered: a change of the token, or else a noted refusal.
            if changed == token, case .rejected(let reason) = outcome {
                try store.recordEvent(tokenID: id, event: "verify:" + reason.rawValue)
                return outcome
            }
            let event = switch outcome {
            case .accepted: "verify:accepted"
            case .rejected(let reason): "verify:" + reason.rawValue
            }
            if try store.update(changed, event: event) { return outcome }
        }
        throw .contention(id)
    }

    /// Resynchronises a drifted HOTP token from two consecutive codes found in counter ... counter + syncWindow.
    public func resync(tokenID id: String, code1: String, code2: String) throws(VerifierError) -> ResyncOutcome {
        for _ in 0..<Self.maxAttempts {
            let now = clock()
            // Refusals cost what a search does, and are noted durably: a verify-only client learns nothing by timing.
            guard var token = try store.token(id: id) else { throw try refuseResync(id, code1, .unknownToken(id)) }
            if isLocked(&token, now: now) { throw try refuseResync(id, code1, .tokenLocked(id)) }
            guard token.kind == .hotp else { throw try refuseResync(id, code1, .invalidToken("\(id) is a TOTP token; it needs no resync")) }
            let hotp = try hotp(for: token)
            var found: UInt64?
            if Self.wellFormed(code1, digits: token.digits), Self.wellFormed(code2, digits: token.digits),
               let first = UInt64(code1), let second = UInt64(code2) {
                // Both codes within counter ... counter + syncWindow: the pair starts at most at syncWindow - 1.
                let values = Self.values(hotp, from: token.counter, count: token.syncWindow + 1)
                if let index = values.indices.dropLast().first(where: { values[$0] == first && values[$0 + 1] == second }) {
                    found = token.counter + UInt64(index)
                }
            }
            var changed = token
            let outcome: ResyncOutcome
            if let found {
                changed.counter = found + 2
                changed.failures = 0
                changed.pendingResync = nil
                outcome = .resynchronized(counter: found + 2)
            } else {
                countFailure(&changed, now: now)
                outcome = .notFound
            }
            if try store.update(changed, event: outcome == .notFound ? "resync:not_found" : "resync:resynchronized") { return outcome }
        }
        throw .contention(id)
    }

    private func refuseResync(_ id: String, _ code: String, _ error: VerifierError) throws(VerifierError) -> VerifierError {
        equalizeTiming(code)
        try store.recordEvent(tokenID: id, event: "resync:refused")
        return error
    }

    /// The hard resync: the counter read off the token (`otpkit counter`). Forward only unless `force`.
    public func setCounter(tokenID id: String, to value: UInt64, force: Bool = false) throws(VerifierError) {
        try change(id, event: force ? "set_counter:forced" : "set_counter") { (token: inout VerifierToken) throws(VerifierError) in
            guard force || value >= token.counter else {
                throw .counterWouldGoBack(id: id, current: token.counter, requested: value)
            }
            token.counter = value
            token.pendingResync = nil
        }
    }

    public func unlock(tokenID id: String) throws(VerifierError) {
        try change(id, event: "unlock") { (token: inout VerifierToken) throws(VerifierError) in
            token.failures = 0
            token.lockedAt = nil
        }
    }

    /// Re-seals every secret under the current master key, in one transaction.
    public func resealAll() throws(VerifierError) -> Int {
        for _ in 0..<Self.maxAttempts {
            let tokens = try store.allTokens()
            var changed: [VerifierToken] = []
            for var token in tokens where token.sealedSecret.keyID != keyring.current.id {
                token.sealedSecret = try keyring.seal(try keyring.open(token.sealedSecret, tokenID: token.id), tokenID: token.id)
                changed.append(token)
            }
            if changed.isEmpty { return 0 }
            if try store.updateAll(changed, event: "reseal") { return changed.count }
        }
        throw .contention("(all)")
    }

    // MARK: Decisions

    /// The outcome for `code` and the token as it must be stored after it.
    private func decide(_ token: VerifierToken, secret: Secret, code: String, now: Date) -> (VerificationOutcome, VerifierToken) {
        var changed = token
        guard Self.wellFormed(code, digits: token.digits),
              let hotp = try? HOTP(secret: secret, algorithm: token.algorithm, digits: token.digits) else {
            countFailure(&changed, now: now)
            return (.rejected(.malformedCode), changed)
        }
        switch token.kind {
        case .hotp:
            return decideHOTP(token, hotp: hotp, code: code, now: now)
        case .totp(let period):
            return decideTOTP(token, hotp: hotp, period: period, code: code, now: now)
        }
    }

    private func decideHOTP(_ token: VerifierToken, hotp: HOTP, code: String, now: Date) -> (VerificationOutcome, VerifierToken) {
        var changed = token
        // The second code of an auto-resync: exactly the one after the remembered code, in time.
        if let pending = token.pendingResync, now.timeIntervalSince(pending.since) <= policy.autoResyncTimeout,
           pending.counter < UInt64.max - 1, hotp.value(counter: pending.counter + 1) == UInt64(code) {
            changed.counter = pending.counter + 2
            changed.failures = 0
            changed.pendingResync = nil
            return (.accepted(counter: pending.counter + 1), changed)
        }
        if let match = firstMatch(hotp, code: code, from: token.counter, count: token.window + 1) {
            changed.counter = match + 1
            changed.failures = 0
            changed.pendingResync = nil
            return (.accepted(counter: match), changed)
        }
        var reason = RejectionReason.wrongCode
        if token.counter > 0, hotp.value(counter: token.counter - 1) == UInt64(code) {
            // The code just used, again: a replay gains an attacker nothing, so it does not count towards lockout.
            return (.rejected(.replay), changed)
        } else if policy.autoResync, token.syncWindow > token.window,
                  case let (start, overflow) = token.counter.addingReportingOverflow(UInt64(token.window) + 1), !overflow,
                  let ahead = firstMatch(hotp, code: code, from: start, count: token.syncWindow - token.window) {
            // Never a success on its own: remembered, and the next consecutive code completes the resync.
            changed.pendingResync = .init(counter: ahead, since: now)
            reason = .resyncStarted
        }
        countFailure(&changed, now: now)
        return (.rejected(reason), changed)
    }

    private func decideTOTP(_ token: VerifierToken, hotp: HOTP, period: Int, code: String, now: Date) -> (VerificationOutcome, VerifierToken) {
        var changed = token
        let current = UInt64(max(0, now.timeIntervalSince1970)) / UInt64(period)
        let first = current >= UInt64(token.window) ? current - UInt64(token.window) : 0
        if let step = firstMatch(hotp, code: code, from: first, count: Int(current - first) + token.window + 1) {
            if let last = token.lastTimeStep, step <= last {
                return (.rejected(.replay), changed)
            }
            changed.lastTimeStep = step
            changed.failures = 0
            return (.accepted(counter: step), changed)
        }
        countFailure(&changed, now: now)
        return (.rejected(.wrongCode), changed)
    }

    /// The first counter in `start ..< start + count` whose code equals `code`. Codes are compared as numbers
    /// (the length was checked before): a fixed-width integer comparison takes the same time wherever they differ.
    private func firstMatch(_ hotp: HOTP, code: String, from start: UInt64, count: Int) -> UInt64? {
        guard let wanted = UInt64(code) else { return nil }
        return Self.values(hotp, from: start, count: count).firstIndex(of: wanted).map { start + UInt64($0) }
    }

    /// The codes (as numbers) for `count` counters from `start`, stopping at the counter's end.
    static func values(_ hotp: HOTP, from start: UInt64, count: Int) -> [UInt64] {
        let count = Int(min(UInt64(max(0, count)), UInt64.max - start))
        return (0..<count).map { hotp.value(counter: start + UInt64($0)) }
    }

    private func countFailure(_ token: inout VerifierToken, now: Date) {
        token.failures += 1
        if token.failures >= policy.maxFailures && token.lockedAt == nil { token.lockedAt = now }
    }

    /// Whether the token is locked; a lock past `lockoutDuration` is lifted in `token` (stored with the next change).
    private func isLocked(_ token: inout VerifierToken, now: Date) -> Bool {
        guard let lockedAt = token.lockedAt else { return false }
        if let duration = policy.lockoutDuration, now.timeIntervalSince(lockedAt) >= duration {
            token.lockedAt = nil
            token.failures = 0
            return false
        }
        return true
    }

    /// The work of a wrong code's search (the window, and the sync window when auto-resync is on) with a
    /// throwaway key, so unknown and locked tokens answer in about the time a wrong code takes.
    private func equalizeTiming(_ code: String) {
        guard let hotp = try? HOTP(secret: Secret.random(byteCount: 20)) else { return }
        let searched = policy.autoResync ? VerifierPolicy.defaultSyncWindow : VerifierPolicy.defaultWindow
        _ = firstMatch(hotp, code: code, from: 0, count: searched + 1)
    }

    private func hotp(for token: VerifierToken) throws(VerifierError) -> HOTP {
        let secret = try keyring.open(token.sealedSecret, tokenID: token.id)
        do { return try HOTP(secret: secret, algorithm: token.algorithm, digits: token.digits) } catch {
            throw .invalidToken(error.description)
        }
    }

    private func change(_ id: String, event: String, _ body: (inout VerifierToken) throws(VerifierError) -> Void) throws(VerifierError) {
        for _ in 0..<Self.maxAttempts {
            guard var token = try store.token(id: id) else { throw .unknownToken(id) }
            try body(&token)
            if try store.update(token, event: event) { return }
        }
        throw .contention(id)
    }

    static func wellFormed(_ code: String, digits: Int) -> Bool {
        code.utf8.count == digits && code.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
