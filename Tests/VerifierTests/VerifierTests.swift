import Foundation
import OTPCore
import Testing
import Verification
import VerifierStorage

@Suite struct VerifierTests {
    typealias F = VerifierFixture

    @Test(arguments: StoreKind.allCases) func acceptsOnceAndRefusesReplays(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken()
        #expect(try await verifier.verify(tokenID: "rfc", code: "755224") == .accepted(counter: 0))
        #expect(try await verifier.verify(tokenID: "rfc", code: "755224") == .rejected(.replay))
        #expect(try await verifier.verify(tokenID: "rfc", code: "287082") == .accepted(counter: 1))
        #expect(try await fixture.store.token(id: "rfc")?.counter == 2)
    }

    @Test(arguments: StoreKind.allCases) func lookAheadWindowIsTenByDefault(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken()
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(10)) == .accepted(counter: 10))
        let fresh = try await F(kind)
        let other = try await fresh.addRFCToken()
        #expect(try await other.verify(tokenID: "rfc", code: F.code(11)) == .rejected(.resyncStarted), "11 ahead is past the window")
        #expect(try await fresh.store.token(id: "rfc")?.counter == 0, "a far code is never a success on its own")
    }

    @Test(arguments: StoreKind.allCases) func autoResyncNeedsTheNextCodeInTime(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken()
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(50)) == .rejected(.resyncStarted))
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(52)) == .rejected(.resyncStarted), "not consecutive")
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(53)) == .accepted(counter: 53))
        #expect(try await fixture.store.token(id: "rfc")?.counter == 54)
        #expect(try await fixture.store.token(id: "rfc")?.failures == 0)

        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(200)) == .rejected(.resyncStarted))
        fixture.advance(301)
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(201)) == .rejected(.resyncStarted), "too late: starts again")
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(202)) == .accepted(counter: 202))
    }

    @Test(arguments: StoreKind.allCases) func resyncAtTheEdgeOfTheSyncWindowAndJustPast(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken()
        #expect(try await verifier.resync(tokenID: "rfc", code1: F.code(1000), code2: F.code(1001)) == .notFound, "just past the window")
        #expect(try await verifier.resync(tokenID: "rfc", code1: F.code(999), code2: F.code(1000)) == .resynchronized(counter: 1001))
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(1001)) == .accepted(counter: 1001))
        #expect(try await verifier.resync(tokenID: "rfc", code1: F.code(1010), code2: F.code(1012)) == .notFound, "not consecutive")
    }

    @Test(arguments: StoreKind.allCases) func lockoutAfterTenFailuresUntilUnlocked(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken()
        for _ in 0..<10 { #expect(try await verifier.verify(tokenID: "rfc", code: "000000") == .rejected(.wrongCode)) }
        #expect(try await verifier.verify(tokenID: "rfc", code: "755224") == .rejected(.locked), "even the right code")
        await #expect(throws: VerifierError.tokenLocked("rfc")) { try await verifier.resync(tokenID: "rfc", code1: F.code(0), code2: F.code(1)) }
        try await verifier.administration.unlock(tokenID: "rfc")
        #expect(try await verifier.verify(tokenID: "rfc", code: "755224") == .accepted(counter: 0), "the locked attempt consumed nothing")
    }

    @Test(arguments: StoreKind.allCases) func lockoutCanExpire(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        fixture.policy.maxFailures = 3
        fixture.policy.lockoutDuration = 60
        let verifier = try await fixture.addRFCToken()
        for _ in 0..<3 { _ = try await verifier.verify(tokenID: "rfc", code: "000000") }
        #expect(try await verifier.verify(tokenID: "rfc", code: "755224") == .rejected(.locked))
        fixture.advance(61)
        #expect(try await verifier.verify(tokenID: "rfc", code: "755224") == .accepted(counter: 0))
    }

    @Test(arguments: StoreKind.allCases) func malformedAndUnknownAreRefused(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken()
        #expect(try await verifier.verify(tokenID: "rfc", code: "75522") == .rejected(.malformedCode))
        #expect(try await verifier.verify(tokenID: "rfc", code: "75522a") == .rejected(.malformedCode))
        #expect(try await verifier.verify(tokenID: "nobody", code: "755224") == .rejected(.unknownToken))
        #expect(try await fixture.store.token(id: "rfc")?.failures == 2)
    }

    @Test(arguments: StoreKind.allCases) func setCounterMovesForwardOnlyUnlessForced(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken(counter: 5)
        try await verifier.administration.setCounter(tokenID: "rfc", to: 40)
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(40)) == .accepted(counter: 40))
        await #expect(throws: VerifierError.counterWouldGoBack(id: "rfc", current: 41, requested: 3)) {
            try await verifier.administration.setCounter(tokenID: "rfc", to: 3)
        }
        try await verifier.administration.setCounter(tokenID: "rfc", to: 3, force: true)
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(3)) == .accepted(counter: 3))
    }

    @Test(arguments: StoreKind.allCases) func totpCodesAreSingleUse(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken(kind: .totp(period: 30))
        let step = UInt64(1_700_000_000 / 30)
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(step)) == .accepted(counter: step))
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(step)) == .rejected(.replay))
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(step - 1)) == .rejected(.replay), "older than the last accepted")
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(step + 1)) == .accepted(counter: step + 1), "one step of drift")
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(step + 3)) == .rejected(.wrongCode))
    }

    @Test(arguments: StoreKind.allCases) func importIsOneTransaction(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken("a")
        let batch = try ["b", "c", "a", "d"].map { try verifier.makeToken(id: $0, secret: Secret.random()) }
        await #expect(throws: VerifierError.duplicateToken("a")) { try await verifier.add(batch) }
        #expect(try await fixture.store.allTokens().map(\.id) == ["a"], "nothing of the failed batch stays")
        #expect(throws: VerifierError.self) { try verifier.makeToken(id: "x", secret: Secret.random(), digits: 5) }
    }
}

@Suite struct VerifierEdgeTests {
    @Test(arguments: StoreKind.allCases) func theSyncWindowNeverWrapsPastTheLastCounter(_ kind: StoreKind) async throws {
        let fixture = try await VerifierFixture(kind)
        let verifier = try await fixture.addRFCToken(counter: UInt64.max - 5)
        #expect(try await verifier.verify(tokenID: "rfc", code: VerifierFixture.code(3)) == .rejected(.wrongCode), "no wrap to counter 3")
        #expect(try await fixture.store.token(id: "rfc")?.pendingResync == nil)
    }

    @Test(arguments: StoreKind.allCases) func resyncRefusalsAreNotedAndNamed(_ kind: StoreKind) async throws {
        let fixture = try await VerifierFixture(kind)
        let verifier = fixture.verifier()
        await #expect(throws: VerifierError.unknownToken("ghost")) { try await verifier.resync(tokenID: "ghost", code1: "755224", code2: "287082") }
        #expect(try await fixture.events() == ["ghost resync:refused"], "the refusal is noted")
    }
}
