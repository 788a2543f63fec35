import NIOPosix
import Synchronization

/// Imports run here, on threads of their own: parsing a PSKC file may cost seconds of PBKDF2, and on the threads
/// that verification uses it would hold every verification behind it. Beyond the threads, `maxPending` imports may
/// wait; one more is refused at once (503 `imports_busy`) rather than queued with its body for minutes.
final class ImportGate: Sendable {
    private let threads: NIOThreadPool
    private let limit: Int
    private let inFlight = Atomic<Int>(0)

    init(threads: Int, maxPending: Int) {
        self.threads = NIOThreadPool(numberOfThreads: max(1, threads))
        self.limit = max(1, threads) + max(0, maxPending)
    }

    func start() { threads.start() }
    func shutdown() { threads.shutdownGracefully { _ in } }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard inFlight.add(1, ordering: .relaxed).newValue <= limit else {
            inFlight.subtract(1, ordering: .relaxed)
            throw APIError.importsBusy
        }
        defer { inFlight.subtract(1, ordering: .relaxed) }
        return try await threads.runIfActive(work)
    }
}
