import Foundation
import OTPCore
import Testing
import Verification

/// The resync mark on real stores (SQLite and PostgreSQL): it survives in the database, `requireResyncOfAllHOTPTokens`
/// marks every HOTP token at once (TOTP tokens left alone), and each way of resynchronising clears it.
@Suite struct ResyncRequiredStoreTests {
    typealias F = VerifierFixture

    /// Marked through one store, read through another (as another process would): the next code starts a resync,
    /// the one after completes it, and the mark is gone from the database.
    @Test(arguments: StoreKind.allCases) func theMarkSurvivesInTheDatabase(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken()
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(0)) == .accepted(counter: 0))
        try await verifier.administration.requireResync(tokenID: "rfc")
        let other = fixture.verifier(store: try await fixture.anotherStore())
        #expect(try await other.administration.token(id: "rfc")?.resyncRequired == true)
        #expect(try await other.administration.tokens().map(TokenSummary.init).first?.resyncRequired == true)
        #expect(try await other.verify(tokenID: "rfc", code: F.code(0)) == .rejected(.replay), "an old code never clears it")
        #expect(try await other.verify(tokenID: "rfc", code: F.code(1)) == .rejected(.resyncStarted), "the next code alone is not enough")
        #expect(try await other.verify(tokenID: "rfc", code: F.code(1)) == .rejected(.resyncStarted), "nor the same code twice")
        #expect(try await fixture.store.token(id: "rfc")?.resyncRequired == true)
        #expect(try await other.verify(tokenID: "rfc", code: F.code(2)) == .accepted(counter: 2))
        #expect(try await fixture.anotherStore().token(id: "rfc")?.resyncRequired == false)
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(3)) == .accepted(counter: 3), "then codes are accepted as ever")
    }

    /// Every HOTP token in one go, TOTP tokens untouched, an event row each; a pending resync is dropped.
    @Test(arguments: StoreKind.allCases) func everyHOTPTokenIsMarked(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken("h1")
        try await fixture.addRFCToken("h2")
        try await fixture.addRFCToken("t1", kind: .totp(period: 30))
        #expect(try await verifier.verify(tokenID: "h2", code: F.code(40)) == .rejected(.resyncStarted))
        #expect(try await verifier.administration.requireResyncOfAllHOTPTokens() == 2)
        let tokens = try await fixture.anotherStore().allTokens()
        #expect(tokens.map { "\($0.id) \($0.resyncRequired)" } == ["h1 true", "h2 true", "t1 false"])
        #expect(tokens.allSatisfy { $0.pendingResync == nil })
        #expect(try await fixture.events().filter { $0.hasSuffix("require_resync") }.sorted() == ["h1 require_resync", "h2 require_resync"])
        #expect(try await verifier.verify(tokenID: "h2", code: F.code(41)) == .rejected(.resyncStarted), "the old pending resync is gone")
        await #expect(throws: VerifierError.invalidToken("t1 is a TOTP token: its codes expire with their time step, so it needs no resync")) {
            try await verifier.administration.requireResync(tokenID: "t1")
        }
    }

    /// A node that kept a token's row before another marked every token decides on the marked row: the bulk mark moves
    /// every version on, so the kept row fails its compare-and-set and is read again.
    @Test(arguments: StoreKind.allCases) func aKeptRowDoesNotOutliveTheMark(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let marking = try await fixture.addRFCToken()
        let node = fixture.verifier(store: try await fixture.anotherStore())
        #expect(try await node.verify(tokenID: "rfc", code: F.code(0)) == .accepted(counter: 0), "the node keeps the row")
        #expect(try await marking.administration.requireResyncOfAllHOTPTokens() == 1)
        #expect(try await node.verify(tokenID: "rfc", code: F.code(1)) == .rejected(.resyncStarted))
    }

    /// The other ways out: two codes through `resync`, or the counter read off the token through `set-counter`.
    @Test(arguments: StoreKind.allCases) func resyncAndSetCounterClearTheMark(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken("a")
        try await fixture.addRFCToken("b")
        #expect(try await verifier.administration.requireResyncOfAllHOTPTokens() == 2)
        #expect(try await verifier.resync(tokenID: "a", code1: F.code(5), code2: F.code(7)) == .notFound)
        #expect(try await fixture.store.token(id: "a")?.resyncRequired == true, "codes that are not consecutive clear nothing")
        #expect(try await verifier.resync(tokenID: "a", code1: F.code(5), code2: F.code(6)) == .resynchronized(counter: 7))
        #expect(try await verifier.verify(tokenID: "a", code: F.code(7)) == .accepted(counter: 7))
        try await verifier.administration.setCounter(tokenID: "b", to: 20)
        #expect(try await fixture.store.token(id: "b")?.resyncRequired == false)
        #expect(try await verifier.verify(tokenID: "b", code: F.code(20)) == .accepted(counter: 20))
    }
}
