import DispatchExecutors
import Foundation
import Testing
import Verification

/// A PostgreSQL client given an executor of its own (as the test stores are) runs its pool and leases there: a
/// process whose cooperative threads are all blocked (here for longer than the 5 s acquire timeout) still gets its
/// connection, and the decision is made.
@Suite struct PostgresStarvationTests {
    @Test func aBlockedCooperativePoolTimesOutNoLease() async throws {
        let fixture = try await VerifierFixture(.postgres)
        let verifier = try await fixture.addRFCToken()
        let blockers = 2 * ProcessInfo.processInfo.activeProcessorCount
        let release = DispatchSemaphore(value: 0)
        for _ in 0..<blockers { Task.detached { release.wait() } }
        let elsewhere = DispatchQueueTaskExecutor(label: "otpkit.test.decision", width: 1)
        let decided = Task(executorPreference: elsewhere) { try await verifier.verify(tokenID: "rfc", code: VerifierFixture.code(0)) }
        Thread {
            Thread.sleep(forTimeInterval: 7)  // the pool stays blocked past the acquire timeout
            for _ in 0..<blockers { release.signal() }
        }.start()
        #expect(try await decided.value == .accepted(counter: 0))
    }
}
