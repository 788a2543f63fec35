import DispatchExecutors

/// Runs blocking work of a command (a child process, a pipe read to its end) on a queue of its own, so that an async
/// command never holds one of Swift's cooperative threads while it waits.
func blocking<Value>(_ body: @escaping @Sendable () throws -> sending Value) async throws -> sending Value {
    try await SerialQueueExecutor(label: "otpkit.blocking").run(body)
}

/// `blocking` for work that cannot fail.
func blocking<Value>(_ body: @escaping @Sendable () -> sending Value) async -> sending Value {
    await SerialQueueExecutor(label: "otpkit.blocking").run(body)
}
