import DispatchExecutors

/// Where tests that block for minutes run: a dispatch queue of their own, not one of Swift's cooperative threads.
/// A synchronous test that waits on a QEMU guest or a debootstrap holds the thread it runs on; on a two-core machine
/// the cooperative pool has two, so two such tests stalled every async test beside them for minutes (a RADIUS retransmit
/// then came after its cache window). The task stays the test's own, so `#expect` inside is recorded against it.
public func runBlocking<Value>(_ body: () throws -> Value) async throws -> Value {
    try await withTaskExecutorPreference(blockingWorkExecutor) { try body() }
}

private let blockingWorkExecutor = DispatchQueueTaskExecutor(label: "otpkit.tests.blocking", width: 4)
