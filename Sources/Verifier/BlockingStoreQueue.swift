import Dispatch

/// Where a store runs its blocking calls (SQLite's statements and fsyncs): threads of a dispatch queue, never the
/// cooperative threads of Swift concurrency nor an event loop, so that a commit waiting on the disk holds no task
/// thread. A serial queue is one dedicated thread at a time, as one SQLite connection wants.
public struct BlockingStoreQueue: Sendable {
    private let queue: DispatchQueue

    /// `concurrent`: as many threads as there are calls waiting (a pool of remote connections).
    public init(label: String, concurrent: Bool = false) {
        queue = DispatchQueue(label: label, attributes: concurrent ? .concurrent : [])
    }

    public func run<T: Sendable>(_ work: @escaping @Sendable () throws(VerifierError) -> T) async throws(VerifierError) -> T {
        let result: Result<T, VerifierError> = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Result { () throws(VerifierError) -> T in try work() }) }
        }
        return try result.get()
    }
}
