import Foundation
import MasterKeys
import OTPCore
import Testing
@testable import Verification

/// The rules of a token marked `resyncRequired` (after a restore), table-driven, with no store: no code is accepted on
/// its own; a code the token could have made starts a resync that only the next consecutive code completes, which
/// clears the mark; a replayed or old code never does.
@Suite struct ResyncRequiredRulesTests {
    static let hotp = try! HOTP(secret: Secret(bytes: Array("12345678901234567890".utf8)))
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    /// A restored token: its counter stands at 10, as the backup had it.
    static func token(pending: UInt64? = nil, since: Date = start) -> VerifierToken {
        var token = VerifierToken(id: "t1", counter: 10, sealedSecret: SealedSecret(keyID: "k", box: []))
        token.resyncRequired = true
        token.pendingResync = pending.map { .init(counter: $0, since: since) }
        return token
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        var pending: UInt64? = nil
        var after: TimeInterval = 10
        let code: UInt64
        let outcome: VerificationOutcome
        /// The pending resync left (its counter), the counter, failures, and whether the mark stays.
        let pendingLeft: UInt64?
        var counter: UInt64 = 10
        var failures: Int = 1
        var stillRequired = true
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        .init(name: "the code at the counter only starts a resync", code: 10, outcome: .rejected(.resyncStarted), pendingLeft: 10),
        .init(name: "a code in the look-ahead window only starts a resync", code: 14, outcome: .rejected(.resyncStarted), pendingLeft: 14),
        .init(name: "a code in the sync window starts a resync", code: 700, outcome: .rejected(.resyncStarted), pendingLeft: 700),
        .init(name: "a code beyond the sync window is wrong", code: 10 + 1001, outcome: .rejected(.wrongCode), pendingLeft: nil),
        .init(name: "the code before the counter is a replay", code: 9, outcome: .rejected(.replay), pendingLeft: nil, failures: 0),
        .init(name: "an older code is wrong", code: 3, outcome: .rejected(.wrongCode), pendingLeft: nil),
        .init(name: "the code after the pending one completes it", pending: 12, code: 13, outcome: .accepted(counter: 13),
              pendingLeft: nil, counter: 14, failures: 0, stillRequired: false),
        .init(name: "the pending code again starts over", pending: 12, code: 12, outcome: .rejected(.resyncStarted), pendingLeft: 12),
        .init(name: "the code after next starts over", pending: 12, code: 14, outcome: .rejected(.resyncStarted), pendingLeft: 14),
        .init(name: "a code before the pending one starts over", pending: 12, code: 11, outcome: .rejected(.resyncStarted), pendingLeft: 11),
        .init(name: "the next code after the timeout starts over", pending: 12, after: 301, code: 13, outcome: .rejected(.resyncStarted),
              pendingLeft: 13),
        .init(name: "the replay with a resync pending keeps it", pending: 12, code: 9, outcome: .rejected(.replay), pendingLeft: 12, failures: 0),
    ]

    @Test(arguments: cases) func aMarkedToken(_ example: Case) {
        let rules = DecisionRules(policy: VerifierPolicy())
        var work = HMACWork(Self.hotp)
        let stored = Self.token(pending: example.pending)
        let now = Self.start.addingTimeInterval(example.after)
        let (outcome, changed) = rules.verify(stored, code: Self.hotp.code(counter: example.code), pinAccepted: true, now: now, work: &work)
        #expect(outcome == example.outcome)
        #expect(changed.pendingResync?.counter == example.pendingLeft)
        #expect(changed.counter == example.counter && changed.failures == example.failures)
        #expect(changed.resyncRequired == example.stillRequired)
        #expect(work.count <= 1 + stored.syncWindow + 1 + 1, "no more HMACs than a wrong code's full search")
    }

    /// Without auto-resync for drifted tokens, a marked token still resyncs: the mark asks for it.
    @Test func theMarkResyncsWithoutAutoResync() {
        var policy = VerifierPolicy()
        policy.autoResync = false
        let rules = DecisionRules(policy: policy)
        var work = HMACWork(Self.hotp)
        let (first, pending) = rules.verify(Self.token(), code: Self.hotp.code(counter: 10), pinAccepted: true, now: Self.start, work: &work)
        #expect(first == .rejected(.resyncStarted))
        let (second, done) = rules.verify(pending, code: Self.hotp.code(counter: 11), pinAccepted: true, now: Self.start.addingTimeInterval(5), work: &work)
        #expect(second == .accepted(counter: 11) && !done.resyncRequired && done.counter == 12)
    }

    /// RADIUS's challenge: the answer with the next code completes the resync and clears the mark.
    @Test func anAnsweredChallengeClearsTheMark() {
        let rules = DecisionRules(policy: VerifierPolicy())
        var work = HMACWork(Self.hotp)
        let token = Self.token(pending: 10)
        let (outcome, changed) = rules.answerChallenge(token, pending: token.pendingResync!, code: Self.hotp.code(counter: 11),
                                                       now: Self.start.addingTimeInterval(20), work: &work)
        #expect(outcome == .accepted(counter: 11) && !changed.resyncRequired && changed.counter == 12)
        let (refused, kept) = rules.answerChallenge(token, pending: token.pendingResync!, code: Self.hotp.code(counter: 10),
                                                    now: Self.start.addingTimeInterval(20), work: &work)
        #expect(refused == .rejected(.challengeRefused) && kept.resyncRequired, "a wrong answer keeps the mark")
    }

    /// A locked marked token stays locked; an unmarked one accepts its next code as ever.
    @Test func lockAndUnmarkedTokensAreUnchanged() {
        let rules = DecisionRules(policy: VerifierPolicy())
        var work = HMACWork(Self.hotp)
        var locked = Self.token()
        locked.lockedAt = Self.start
        #expect(rules.verify(locked, code: Self.hotp.code(counter: 10), pinAccepted: true, now: Self.start, work: &work).0 == .rejected(.locked))
        var unmarked = Self.token()
        unmarked.resyncRequired = false
        #expect(rules.verify(unmarked, code: Self.hotp.code(counter: 10), pinAccepted: true, now: Self.start, work: &work).0 == .accepted(counter: 10))
    }
}
