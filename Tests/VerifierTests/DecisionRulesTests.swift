import Foundation
import MasterKeys
import OTPCore
import Testing
@testable import Verification

/// The decision rules alone, table-driven, with no store: a token as stored, a code and the time give the outcome and
/// the token to store. Here the answer to a resync challenge (issue 20, item 1) and a wrong PIN.
@Suite struct DecisionRulesTests {
    static let hotp = try! HOTP(secret: Secret(bytes: Array("12345678901234567890".utf8)))
    static let start = Date(timeIntervalSince1970: 1_700_000_000)
    static let pending = VerifierToken.PendingResync(counter: 40, since: start)

    static func token(pending: VerifierToken.PendingResync? = DecisionRulesTests.pending, failures: Int = 0) -> VerifierToken {
        var token = VerifierToken(id: "t1", sealedSecret: SealedSecret(keyID: "k", box: []), user: "alice")
        token.pendingResync = pending
        token.failures = failures
        return token
    }

    struct ChallengeCase: Sendable, CustomTestStringConvertible {
        let name: String
        let stored: VerifierToken.PendingResync?
        let named: VerifierToken.PendingResync
        let code: String
        let after: TimeInterval
        let outcome: VerificationOutcome
        let counter: UInt64
        let failures: Int
        let pendingLeft: Bool
        var testDescription: String { name }
    }

    static let later = VerifierToken.PendingResync(counter: 40, since: start.addingTimeInterval(5))
    static let challengeCases: [ChallengeCase] = [
        .init(name: "the next code", stored: pending, named: pending, code: hotp.code(counter: 41), after: 10,
              outcome: .accepted(counter: 41), counter: 42, failures: 0, pendingLeft: false),
        .init(name: "the same code again", stored: pending, named: pending, code: hotp.code(counter: 40), after: 10,
              outcome: .rejected(.challengeRefused), counter: 0, failures: 1, pendingLeft: false),
        .init(name: "a code in the look-ahead window", stored: pending, named: pending, code: hotp.code(counter: 1), after: 10,
              outcome: .rejected(.challengeRefused), counter: 0, failures: 1, pendingLeft: false),
        .init(name: "the code after next", stored: pending, named: pending, code: hotp.code(counter: 42), after: 10,
              outcome: .rejected(.challengeRefused), counter: 0, failures: 1, pendingLeft: false),
        .init(name: "a malformed code", stored: pending, named: pending, code: "41", after: 10,
              outcome: .rejected(.challengeRefused), counter: 0, failures: 1, pendingLeft: false),
        .init(name: "spent: nothing pending", stored: nil, named: pending, code: hotp.code(counter: 41), after: 10,
              outcome: .rejected(.badState), counter: 0, failures: 0, pendingLeft: false),
        .init(name: "a newer resync pending", stored: later, named: pending, code: hotp.code(counter: 41), after: 10,
              outcome: .rejected(.badState), counter: 0, failures: 0, pendingLeft: true),
        .init(name: "past the auto-resync timeout", stored: pending, named: pending, code: hotp.code(counter: 41), after: 301,
              outcome: .rejected(.badState), counter: 0, failures: 0, pendingLeft: true),
    ]

    @Test(arguments: challengeCases) func answersToAChallenge(_ example: ChallengeCase) {
        let rules = DecisionRules(policy: VerifierPolicy())
        var work = HMACWork(Self.hotp)
        let (outcome, changed) = rules.answerChallenge(Self.token(pending: example.stored), pending: example.named, code: example.code,
                                                       now: Self.start.addingTimeInterval(example.after), work: &work)
        #expect(outcome == example.outcome)
        #expect(changed.counter == example.counter && changed.failures == example.failures)
        #expect((changed.pendingResync != nil) == example.pendingLeft)
        #expect(work.count <= 1, "one HMAC at most: the code after the pending one")
    }

    @Test func aLockedTokenSpendsTheChallengeButAcceptsNothing() {
        var policy = VerifierPolicy()
        policy.maxFailures = 3
        var locked = Self.token(failures: 3)
        locked.lockedAt = Self.start
        var work = HMACWork(Self.hotp)
        let (outcome, changed) = DecisionRules(policy: policy).answerChallenge(locked, pending: Self.pending, code: Self.hotp.code(counter: 41),
                                                                               now: Self.start.addingTimeInterval(1), work: &work)
        #expect(outcome == .rejected(.locked) && changed.pendingResync == nil && changed.counter == 0)
    }

    @Test func aWrongPINCountsAFailureAndDecidesNothing() {
        var work = HMACWork(Self.hotp)
        let rules = DecisionRules(policy: VerifierPolicy())
        let (outcome, changed) = rules.verify(Self.token(), code: Self.hotp.code(counter: 41), pinAccepted: false, now: Self.start, work: &work)
        #expect(outcome == .rejected(.wrongPIN) && changed.failures == 1 && changed.counter == 0 && changed.pendingResync == Self.pending)
        #expect(work.count == 0)
        #expect(rules.refuseForPIN(Self.token(), now: Self.start).0 == .rejected(.wrongPIN))
    }
}
