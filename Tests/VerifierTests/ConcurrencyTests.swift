import Foundation
import Testing
import Verification
import VerifierStorage

/// One valid code carried by 64 concurrent requests is accepted exactly once, every round.
@Suite struct ConcurrencyTests {
    @Test(arguments: StoreKind.allCases) func sixtyFourConcurrentRequestsAcceptOnce(_ kind: StoreKind) async throws {
        let fixture = try await VerifierFixture(kind)
        let verifier = try await fixture.addRFCToken()
        for round in 0..<10 {
            let code = VerifierFixture.code(UInt64(round))
            let outcomes = await decisions(64) { _ in try await verifier.verify(tokenID: "rfc", code: code) }
            #expect(outcomes == Tally(accepted: 1, replays: 63, errors: 0), "round \(round)")
        }
    }

    /// Separate connections to one file behave like separate verifier processes.
    @Test(arguments: StoreKind.allCases) func separateConnectionsAcceptOnce(_ kind: StoreKind) async throws {
        let fixture = try await VerifierFixture(kind)
        try await fixture.addRFCToken()
        var opened: [Verifier] = []
        for _ in 0..<4 { opened.append(fixture.verifier(store: try await fixture.anotherStore())) }
        let verifiers = opened
        for round in 0..<5 {
            let code = VerifierFixture.code(UInt64(round))
            let outcomes = await decisions(64) { index in try await verifiers[index % 4].verify(tokenID: "rfc", code: code) }
            #expect(outcomes == Tally(accepted: 1, replays: 63, errors: 0), "round \(round)")
        }
    }

    struct Tally: Equatable, CustomStringConvertible {
        var accepted = 0, replays = 0, errors = 0
        /// The first error or other outcome seen (for the message; not compared).
        var firstError = ""

        static func == (a: Tally, b: Tally) -> Bool { (a.accepted, a.replays, a.errors) == (b.accepted, b.replays, b.errors) }
        var description: String { "accepted \(accepted), replays \(replays), errors \(errors)" + (firstError.isEmpty ? "" : " (first: \(firstError))") }
    }

    /// Runs `count` verifications at once (child tasks: the stores run their blocking work on threads of their
    /// own, so all may be in flight together); every one must end as an acceptance or a replay refusal.
    private func decisions(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> VerificationOutcome) async -> Tally {
        await withTaskGroup(of: Result<VerificationOutcome, any Error>.self) { group in
            for index in 0..<count { group.addTask { do { return .success(try await body(index)) } catch { return .failure(error) } } }
            var tally = Tally()
            for await outcome in group {
                switch outcome {
                case .success(.accepted): tally.accepted += 1
                case .success(.rejected(.replay)): tally.replays += 1
                default:
                    tally.errors += 1
                    if tally.firstError.isEmpty { tally.firstError = "\(outcome)" }
                }
            }
            return tally
        }
    }
}
