import Foundation

/// Where tests that block for minutes run: a thread of their own, not one of Swift's cooperative threads. A
/// synchronous test that waits on a QEMU guest or a debootstrap holds the thread it runs on; on a two-core machine the
/// cooperative pool has two, so two such tests stalled every async test beside them for minutes (a RADIUS retransmit
/// then came after its cache window). The task stays the test's own, so `#expect` inside is recorded against it.
public func runBlocking<Value>(_ body: () throws -> Value) async throws -> Value {
    try await withTaskExecutorPreference(ThreadPerJobExecutor.shared) { try body() }
}

/// Runs `body`, and every resumption of it, on threads of its own: for a test that measures how long a wait of the code
/// under test lasts, which the cooperative pool would lengthen by however long other tests' blocking bodies hold it.
public func runOffTheCooperativePool<Value>(_ body: () async throws -> Value) async throws -> Value {
    try await withTaskExecutorPreference(ThreadPerJobExecutor.shared) { try await body() }
}

/// A task executor that runs each job on a new thread: blocking jobs never wait for one another, as they would on a
/// fixed set of queues (one test's minutes-long body in front of another's).
final class ThreadPerJobExecutor: TaskExecutor {
    static let shared = ThreadPerJobExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        Thread.detachNewThread { job.runSynchronously(on: executor) }
    }
}
