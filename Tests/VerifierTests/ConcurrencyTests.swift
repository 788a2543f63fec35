import Dispatch
import Foundation
import Testing
import Verifier
import VerifierStorage

/// One valid code carried by 64 concurrent requests is accepted exactly once, every round.
@Suite struct ConcurrencyTests {
    @Test(arguments: StoreKind.allCases) func sixtyFourConcurrentRequestsAcceptOnce(_ kind: StoreKind) throws {
        let fixture = try VerifierFixture(kind)
        let verifier = try fixture.addRFCToken()
        for round in 0..<10 {
            let code = VerifierFixture.code(UInt64(round))
            let accepted = acceptances(64) { _ in try verifier.verify(tokenID: "rfc", code: code).accepted }
            #expect(accepted == 1, "round \(round)")
        }
    }

    /// Separate connections to one file behave like separate verifier processes.
    @Test(arguments: StoreKind.allCases) func separateConnectionsAcceptOnce(_ kind: StoreKind) throws {
        let fixture = try VerifierFixture(kind)
        try fixture.addRFCToken()
        let verifiers = try (0..<4).map { _ in fixture.verifier(store: try fixture.anotherStore()) }
        for round in 0..<5 {
            let code = VerifierFixture.code(UInt64(round))
            let accepted = acceptances(64) { index in try verifiers[index % 4].verify(tokenID: "rfc", code: code).accepted }
            #expect(accepted == 1, "round \(round)")
        }
    }

    private func acceptances(_ count: Int, _ body: @Sendable (Int) throws -> Bool) -> Int {
        let lock = NSLock()
        nonisolated(unsafe) var accepted = 0
        DispatchQueue.concurrentPerform(iterations: count) { index in
            if (try? body(index)) == true { lock.withLock { accepted += 1 } }
        }
        return accepted
    }
}
