import Dispatch

/// A serial executor on one dispatch queue of its own: an actor that runs blocking calls (a token's USB transfers,
/// libusb's enumeration, a journal's fsync) takes it as its executor, so those calls hold that queue's thread and
/// never one of Swift's cooperative threads.
public final class SerialQueueExecutor: SerialExecutor {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

extension SerialQueueExecutor {
    /// Runs a blocking `body` on this executor's queue, after whatever is queued there, and hands its value back to
    /// the awaiting task (a value made there, such as a just-opened token, is the caller's alone).
    public func run<Value, Failure: Error>(_ body: @escaping @Sendable () throws(Failure) -> sending Value) async throws(Failure) -> sending Value {
        let result: Result<Value, Failure> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(Failure) { continuation.resume(returning: .success(try body())) } catch { continuation.resume(returning: .failure(error)) }
            }
        }
        return try result.get()
    }
}
