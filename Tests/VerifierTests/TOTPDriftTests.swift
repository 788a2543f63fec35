import Foundation
import OTPCore
import Testing
import Verification

/// Item 10 of issue 11: TOTP drift is tracked per token (the window centred on now + drift, the drift updated by
/// every accepted code), and a TOTP token resynchronises from two codes of consecutive steps.
@Suite struct TOTPDriftTests {
    typealias F = VerifierFixture
    static let period = 30
    /// The fixture clock's time step at its start.
    static let start: UInt64 = 1_700_000_000 / 30

    @Test(arguments: StoreKind.allCases) func aSlowlyDriftingClockIsFollowed(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken(kind: .totp(period: Self.period))
        var step = Self.start
        // The token's clock gains one step between uses: 1, 2, 3, 4 steps ahead; the window is ±1 around now + drift.
        for ahead in 1...4 {
            #expect(try await verifier.verify(tokenID: "rfc", code: F.code(step + UInt64(ahead))) == .accepted(counter: step + UInt64(ahead)),
                    "\(ahead) steps ahead")
            #expect(try await fixture.store.token(id: "rfc")?.timeDrift == ahead, "the drift is stored")
            fixture.advance(TimeInterval(Self.period))
            step += 1
        }
    }

    @Test(arguments: StoreKind.allCases) func aClockFarOffIsRefusedUntilResynchronised(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken(kind: .totp(period: Self.period))
        // The token runs 40 steps (20 minutes) behind.
        let first = Self.start - 40
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(first)) == .rejected(.wrongCode))
        fixture.advance(TimeInterval(Self.period))
        #expect(try await verifier.resync(tokenID: "rfc", code1: F.code(first), code2: F.code(first + 1)) == .resynchronized(counter: first + 2))
        let token = try #require(try await fixture.store.token(id: "rfc"))
        #expect(token.timeDrift == -40 && token.lastTimeStep == first + 1 && token.failures == 0)
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(first + 1)) == .rejected(.replay), "the resync's codes are used")
        fixture.advance(TimeInterval(Self.period))
        #expect(try await verifier.verify(tokenID: "rfc", code: F.code(first + 2)) == .accepted(counter: first + 2))
        #expect(try await verifier.resync(tokenID: "rfc", code1: F.code(first + 1), code2: F.code(first + 2)) == .notFound,
                "codes already used never resync")
    }

    @Test(arguments: StoreKind.allCases) func theResyncSearchIsBoundedBySyncWindow(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = try await fixture.addRFCToken(kind: .totp(period: Self.period))
        // Half the default sync window (1000) either side of now: 500 steps.
        #expect(try await verifier.resync(tokenID: "rfc", code1: F.code(Self.start + 500), code2: F.code(Self.start + 501)) == .notFound)
        #expect(try await verifier.resync(tokenID: "rfc", code1: F.code(Self.start + 499), code2: F.code(Self.start + 500))
                == .resynchronized(counter: Self.start + 501))
        #expect(try await fixture.store.token(id: "rfc")?.timeDrift == 500)
    }

    @Test(arguments: StoreKind.allCases) func aKnownDriftIsGivenAtEnrolment(_ kind: StoreKind) async throws {
        let fixture = try await F(kind)
        let verifier = fixture.verifier()
        try await verifier.add([try verifier.makeToken(id: "ahead", secret: F.rfcSecret, kind: .totp(period: Self.period), timeDrift: 7)])
        #expect(try await fixture.store.token(id: "ahead")?.timeDrift == 7)
        #expect(try await verifier.verify(tokenID: "ahead", code: F.code(Self.start + 7)) == .accepted(counter: Self.start + 7))
        #expect(throws: VerifierError.self) {
            try verifier.makeToken(id: "x", secret: F.rfcSecret, kind: .totp(period: 30), timeDrift: 2_000_000)
        }
    }
}
