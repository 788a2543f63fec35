import Foundation
import OTPCore

/// The rules of one decision, pure: a token as stored, a code, the time and the policy give the outcome and the token
/// as it must be stored after it. No store and no padding: the HMACs a rule computes are counted in the `HMACWork` it
/// is given, and the verifier pads refusals to their budget.
struct DecisionRules: Sendable {
    let policy: VerifierPolicy

    /// `code` on `token`. A locked token, and a code after a wrong PIN, decide nothing (no HMAC): the verifier pads
    /// them to a wrong code's work, and a wrong PIN counts as a failure.
    func verify(_ token: VerifierToken, code: String, pinAccepted: Bool, now: Date, work: inout HMACWork) -> (VerificationOutcome, VerifierToken) {
        var token = token
        if isLocked(&token, now: now) {
            // Written back as a wrong code's change is (not a bare event row): the same store work.
            return (.rejected(.locked), token)
        }
        guard pinAccepted else {
            countFailure(&token, now: now)
            return (.rejected(.wrongPIN), token)
        }
        guard Self.wellFormed(code, digits: token.digits) else {
            countFailure(&token, now: now)
            return (.rejected(.malformedCode), token)
        }
        switch token.kind {
        case .hotp: return verifyHOTP(token, work: &work, code: code, now: now)
        case .totp(let period): return verifyTOTP(token, work: &work, period: period, code: code, now: now)
        }
    }

    /// The answer to a resync challenge: accepted only if `code` is the one right after `pending`, and only while the
    /// token still holds that very pending resync (the challenge's). Any answer spends it, right or wrong.
    func answerChallenge(_ token: VerifierToken, pending: VerifierToken.PendingResync, code: String, now: Date,
                         work: inout HMACWork) -> (VerificationOutcome, VerifierToken) {
        var token = token
        guard let held = token.pendingResync, held.counter == pending.counter, abs(held.since.timeIntervalSince(pending.since)) < 0.001,
              now.timeIntervalSince(held.since) <= policy.autoResyncTimeout else {
            // Spent (answered, or replaced by a newer resync), expired, or never this token's: nothing to answer.
            return (.rejected(.badState), token)
        }
        token.pendingResync = nil
        if isLocked(&token, now: now) { return (.rejected(.locked), token) }
        if case .hotp = token.kind, Self.wellFormed(code, digits: token.digits), held.counter < UInt64.max - 1,
           work.value(counter: held.counter + 1) == UInt64(code) {
            token.counter = held.counter + 2
            token.failures = 0
            token.resyncRequired = false
            return (.accepted(counter: held.counter + 1), token)
        }
        countFailure(&token, now: now)
        return (.rejected(.challengeRefused), token)
    }

    /// What a refusal for a wrong PIN leaves of `token`: a failure counted, unless it is locked.
    func refuseForPIN(_ token: VerifierToken, now: Date) -> (VerificationOutcome, VerifierToken) {
        var token = token
        if isLocked(&token, now: now) { return (.rejected(.locked), token) }
        countFailure(&token, now: now)
        return (.rejected(.wrongPIN), token)
    }

    private func verifyHOTP(_ token: VerifierToken, work: inout HMACWork, code: String, now: Date) -> (VerificationOutcome, VerifierToken) {
        var changed = token
        // The second code of an auto-resync: exactly the one after the remembered code, in time.
        if let pending = token.pendingResync, now.timeIntervalSince(pending.since) <= policy.autoResyncTimeout,
           pending.counter < UInt64.max - 1, work.value(counter: pending.counter + 1) == UInt64(code) {
            changed.counter = pending.counter + 2
            changed.failures = 0
            changed.pendingResync = nil
            changed.resyncRequired = false
            return (.accepted(counter: pending.counter + 1), changed)
        }
        if token.resyncRequired { return verifyRequiringResync(token, work: &work, code: code, now: now) }
        if let match = work.firstMatch(code, from: token.counter, count: token.window + 1) {
            changed.counter = match + 1
            changed.failures = 0
            changed.pendingResync = nil
            return (.accepted(counter: match), changed)
        }
        var reason = RejectionReason.wrongCode
        if token.counter > 0, work.value(counter: token.counter - 1) == UInt64(code) {
            // The code just used, again: a replay gains an attacker nothing, so it does not count towards lockout.
            return (.rejected(.replay), changed)
        } else if policy.autoResync, token.syncWindow > token.window,
                  case let (start, overflow) = token.counter.addingReportingOverflow(UInt64(token.window) + 1), !overflow,
                  let ahead = work.firstMatch(code, from: start, count: token.syncWindow - token.window) {
            // Never a success on its own: remembered, and the next consecutive code completes the resync.
            changed.pendingResync = .init(counter: ahead, since: now)
            reason = .resyncStarted
        }
        countFailure(&changed, now: now)
        return (.rejected(reason), changed)
    }

    /// A token that must be resynchronised (`resyncRequired`, after a restore): a code anywhere from its counter to the
    /// end of the sync window, the look-ahead window included, only starts a resync, which the next consecutive code
    /// completes (above); the code just used is a replay, anything else a wrong code. The same HMACs as a wrong
    /// code's full search: the pending code, the windows, the replay.
    private func verifyRequiringResync(_ token: VerifierToken, work: inout HMACWork, code: String, now: Date) -> (VerificationOutcome, VerifierToken) {
        var changed = token
        let count = token.counter > UInt64.max - UInt64(token.syncWindow) ? Int(UInt64.max - token.counter) : token.syncWindow + 1
        if let match = work.firstMatch(code, from: token.counter, count: count) {
            changed.pendingResync = .init(counter: match, since: now)
            countFailure(&changed, now: now)
            return (.rejected(.resyncStarted), changed)
        }
        if token.counter > 0, work.value(counter: token.counter - 1) == UInt64(code) {
            return (.rejected(.replay), changed)
        }
        countFailure(&changed, now: now)
        return (.rejected(.wrongCode), changed)
    }

    /// The window is centred on now + the token's drift; an accepted code updates the drift (as privacyIDEA does),
    /// so a token whose clock wanders slowly keeps being accepted.
    private func verifyTOTP(_ token: VerifierToken, work: inout HMACWork, period: Int, code: String, now: Date) -> (VerificationOutcome, VerifierToken) {
        var changed = token
        let current = Self.timeStep(now, period: period)
        let centre = Self.shifted(current, by: token.timeDrift)
        let first = centre >= UInt64(token.window) ? centre - UInt64(token.window) : 0
        if let step = work.firstMatch(code, from: first, count: Int(centre - first) + token.window + 1) {
            if let last = token.lastTimeStep, step <= last {
                return (.rejected(.replay), changed)
            }
            changed.lastTimeStep = step
            changed.timeDrift = Self.drift(step: step, current: current)
            changed.failures = 0
            return (.accepted(counter: step), changed)
        }
        countFailure(&changed, now: now)
        return (.rejected(.wrongCode), changed)
    }

    // MARK: Failures and locks

    func countFailure(_ token: inout VerifierToken, now: Date) {
        token.failures += 1
        if token.failures >= policy.maxFailures && token.lockedAt == nil { token.lockedAt = now }
    }

    /// Whether the token is locked; a lock past `lockoutDuration` is lifted in `token` (stored with the next change).
    func isLocked(_ token: inout VerifierToken, now: Date) -> Bool {
        guard let lockedAt = token.lockedAt else { return false }
        if let duration = policy.lockoutDuration, now.timeIntervalSince(lockedAt) >= duration {
            token.lockedAt = nil
            token.failures = 0
            return false
        }
        return true
    }

    // MARK: Time steps and codes

    static func timeStep(_ now: Date, period: Int) -> UInt64 { UInt64(max(0, now.timeIntervalSince1970)) / UInt64(period) }

    static func shifted(_ step: UInt64, by drift: Int) -> UInt64 {
        drift >= 0 ? step.addingReportingOverflow(UInt64(drift)).partialValue : step - min(step, UInt64(-drift))
    }

    static func drift(step: UInt64, current: UInt64) -> Int {
        step >= current ? Int(clamping: step - current) : -Int(clamping: current - step)
    }

    static func wellFormed(_ code: String, digits: Int) -> Bool {
        code.utf8.count == digits && code.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
