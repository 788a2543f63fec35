import Dispatch
import Foundation
import Testing
import TestSupport

struct BlockingWorkTests {
    /// More blocked bodies than the cooperative pool has threads still leave a thread to the task that releases
    /// them, and do not wait for one another: on the pool, or on a fixed set of queues, they would wait in vain.
    @Test func blockedBodiesLeaveTheCooperativePoolFree() async throws {
        let width = ProcessInfo.processInfo.activeProcessorCount + 2
        let release = DispatchSemaphore(value: 0)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<width {
                group.addTask { try await runBlocking { release.wait(timeout: .now() + 20) == .success } }
            }
            for _ in 0..<width { release.signal() }
            for try await released in group { #expect(released) }
        }
    }

    /// An expectation that fails in the body is the test's own issue (the task, and its task-local test, is kept).
    @Test func anExpectationInsideIsRecordedAgainstTheTest() async throws {
        await withKnownIssue {
            try await runBlocking { #expect(Bool(false), "recorded against this test") }
        }
    }
}
