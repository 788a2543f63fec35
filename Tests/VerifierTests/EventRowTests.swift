import Foundation
import Testing
import TestSupport
import Verification

/// Every decision leaves one event row, written with the decision itself; refusals that change no token too.
@Suite struct EventRowTests {
    typealias F = VerifierFixture

    @Test(arguments: StoreKind.allCases) func everyDecisionLeavesOneEventRow(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken()
        _ = try await verifier.verify(tokenID: "rfc", code: F.code(0))
        _ = try await verifier.verify(tokenID: "rfc", code: F.code(0))
        _ = try await verifier.verify(tokenID: "rfc", code: "000000")
        _ = try await verifier.verify(tokenID: "nobody", code: F.code(1))
        try await verifier.administration.unlock(tokenID: "rfc")
        #expect(try await fixture.events() == ["rfc verify:accepted", "rfc verify:replay", "rfc verify:wrong_code", "nobody verify:unknown_token",
                                         "rfc unlock"])
    }
}
